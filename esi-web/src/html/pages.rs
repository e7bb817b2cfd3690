//! The pages this crate serves, which sites restyle by implementing [`Pages`]: the select-token
//! page, error pages (what happened, the next step that works, home) and the confirmation of a
//! character's removal, with their default HTML.

use std::fmt::Write as _;

use axum::http::StatusCode;
use esi_sso::Scopes;
use esi_store::Token;

use super::{
    FIELD_ADD, FIELD_CHARACTER, FIELD_CONFIRM, FIELD_CSRF, FIELD_NEXT, FIELD_TOKEN, escape,
    home_link, layout, portrait,
};
use crate::images::ImageServer;

/// What the select-token page shows.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SelectTokenPage<'a> {
    /// One token per character, newest first.
    pub tokens: &'a [Token],
    /// The scopes the page needs.
    pub scopes: &'a Scopes,
    /// The CSRF token to put in the form's [`FIELD_CSRF`] hidden field.
    pub csrf_token: &'a str,
    /// Where the form posts to (the protected page itself).
    pub action: &'a str,
    /// Where character portraits come from.
    pub images: &'a ImageServer,
    /// The site's home page ([`crate::WebConfig::home_url`]).
    pub home: &'a str,
}

/// What an error page shows.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ErrorPage<'a> {
    /// The HTTP status.
    pub status: StatusCode,
    /// What happened and what to do, as plain text.
    pub message: &'a str,
    /// The site's home page ([`crate::WebConfig::home_url`]).
    pub home: &'a str,
    /// The next step that works besides going home (start again, the right address, log in
    /// here), if there is one.
    pub next: Option<NextStep<'a>>,
}

/// A link to the next step that works, on an error page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NextStep<'a> {
    /// The link's text.
    pub label: &'a str,
    /// Where it goes.
    pub href: &'a str,
}

impl<'a> NextStep<'a> {
    /// A link labelled `label` to `href`.
    pub fn new(label: &'a str, href: &'a str) -> Self {
        Self { label, href }
    }
}

impl<'a> ErrorPage<'a> {
    /// An error page linking to `home` only.
    pub fn new(status: StatusCode, message: &'a str, home: &'a str) -> Self {
        Self {
            status,
            message,
            home,
            next: None,
        }
    }

    /// Also links to `again` ("Start again").
    pub fn again(self, again: &'a str) -> Self {
        self.next(NextStep::new("Start again", again))
    }

    /// Also links to `next`.
    pub fn next(mut self, next: NextStep<'a>) -> Self {
        self.next = Some(next);
        self
    }
}

/// What the page asking to confirm a character's removal shows.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ConfirmRemovePage<'a> {
    /// The character.
    pub character_id: i64,
    /// Its name.
    pub character_name: &'a str,
    /// The CSRF token to put in the form's [`FIELD_CSRF`] hidden field.
    pub csrf_token: &'a str,
    /// Where the form posts to ([`crate::EsiWeb::remove_url`]).
    pub action: &'a str,
    /// Where to go afterwards, and on "Cancel" (a same-site path).
    pub next: &'a str,
    /// Where character portraits come from.
    pub images: &'a ImageServer,
}

/// The pages a site may restyle. Every method has a default; override the ones you need.
///
/// ```
/// use esi_web::{Pages, SelectTokenPage};
/// struct MyPages;
/// impl Pages for MyPages {
///     fn select_token(&self, page: &SelectTokenPage<'_>) -> String {
///         // Keep the form: POST to page.action with FIELD_CSRF and FIELD_TOKEN or FIELD_ADD.
///         format!("<h1>My site</h1>{}", esi_web::html::select_token_form(page))
///     }
/// }
/// ```
pub trait Pages: Send + Sync + 'static {
    /// The select-token page: a form posting to `page.action` with the CSRF token in
    /// [`FIELD_CSRF`] and either [`FIELD_TOKEN`]`=<token id>` or [`FIELD_ADD`].
    fn select_token(&self, page: &SelectTokenPage<'_>) -> String {
        layout(
            "Select a character",
            &format!("{}{}", select_token_form(page), home_link(page.home)),
        )
    }

    /// An error page: keep a link onwards (home, and the next step when given).
    fn error(&self, page: &ErrorPage<'_>) -> String {
        error_page(page)
    }

    /// The page asking to confirm a character's removal: keep the form of
    /// [`confirm_remove_form`] (it posts again with [`FIELD_CONFIRM`]) and a way back.
    fn confirm_remove(&self, page: &ConfirmRemovePage<'_>) -> String {
        layout(
            &format!("Remove {}?", page.character_name),
            &confirm_remove_form(page),
        )
    }
}

/// The default pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultPages;

impl Pages for DefaultPages {}

/// The select-token form alone (for [`Pages::select_token`] implementations that keep it).
/// Buttons have stable ids: `token-<id>` per token, `add-character` for a new login.
pub fn select_token_form(page: &SelectTokenPage<'_>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<p>This page needs a character with these scopes:</p>\n<ul id=\"scopes\">\n"
    );
    for s in page.scopes.iter() {
        let _ = writeln!(out, "<li class=\"scope\">{}</li>", escape(s));
    }
    let _ = write!(
        out,
        "</ul>\n<form id=\"select-token\" method=\"post\" action=\"{action}\">\n\
         <input type=\"hidden\" name=\"{FIELD_CSRF}\" value=\"{csrf}\">\n<ul class=\"tokens\">\n",
        action = escape(page.action),
        csrf = escape(page.csrf_token),
    );
    for t in page.tokens {
        let _ = writeln!(
            out,
            "<li><button type=\"submit\" class=\"token\" id=\"token-{id}\" name=\"{FIELD_TOKEN}\" \
             value=\"{id}\">{portrait}{name}</button></li>",
            id = t.id,
            portrait = portrait(page.images, t.character_id, 32),
            name = escape(&t.character_name),
        );
    }
    let _ = write!(
        out,
        "</ul>\n<p><button type=\"submit\" id=\"add-character\" name=\"{FIELD_ADD}\" value=\"1\">\
         Log in another character</button></p>\n</form>\n"
    );
    out
}

/// The default error page: the message, the next step when given (`id="again"`) and a link
/// home (`id="home"`).
pub fn error_page(page: &ErrorPage<'_>) -> String {
    let status = page.status;
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let mut body = format!("<p id=\"error\">{}</p>\n<p>", escape(page.message));
    if let Some(next) = page.next {
        let _ = write!(
            body,
            "<a id=\"again\" href=\"{}\">{}</a> · ",
            escape(next.href),
            escape(next.label)
        );
    }
    let _ = writeln!(
        body,
        "<a id=\"home\" href=\"{}\">Home</a></p>",
        escape(page.home)
    );
    layout(&title, &body)
}

/// The removal's confirmation form alone (for [`Pages::confirm_remove`] implementations that
/// keep it): what removing does, a button (`id="confirm-remove"`) posting the remove form again
/// with [`FIELD_CONFIRM`], and a link back (`id="cancel"`).
pub fn confirm_remove_form(page: &ConfirmRemovePage<'_>) -> String {
    format!(
        "<p>{portrait}<strong>{name}</strong> will be removed from this site: its token is \
         revoked at EVE SSO and deleted here. Log it in again to use it again.</p>\n\
         <form class=\"confirm-remove\" method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"{FIELD_CSRF}\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"{FIELD_CHARACTER}\" value=\"{id}\">\
         <input type=\"hidden\" name=\"{FIELD_NEXT}\" value=\"{next}\">\
         <input type=\"hidden\" name=\"{FIELD_CONFIRM}\" value=\"yes\">\
         <button type=\"submit\" id=\"confirm-remove\">Remove {name}</button> \
         <a id=\"cancel\" href=\"{next}\">Cancel</a></form>\n",
        portrait = portrait(page.images, page.character_id, 32),
        name = escape(page.character_name),
        action = escape(page.action),
        csrf = escape(page.csrf_token),
        id = page.character_id,
        next = escape(page.next),
    )
}
