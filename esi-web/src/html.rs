//! The HTML this crate serves: the select-token page, error pages, the EVE SSO login button, and
//! the log-out and remove-character forms for the site's own pages. Sites restyle the pages by
//! implementing [`Pages`]; the default ones are plain HTML without script, whose only external
//! resources are character portraits from the configured image server.
//!
//! The login button either links CCP's official image from CCP's CDN ([`ButtonStyle::Eve`]) or
//! draws a plain button ([`ButtonStyle::Plain`]); CCP's images are never copied into this
//! repository.

use std::fmt::Write as _;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use esi_sso::Scopes;
use esi_store::Token;

use crate::images::ImageServer;

/// Form field of the select-token page naming the chosen token's id.
pub const FIELD_TOKEN: &str = "_token";
/// Form field of the select-token page asking to log another character in.
pub const FIELD_ADD: &str = "_add";
/// Form field carrying the session's CSRF token (select-token, log-out and remove forms).
pub const FIELD_CSRF: &str = "_csrf";
/// Form field of the remove-character form naming the character.
pub const FIELD_CHARACTER: &str = "character";
/// Form field of the log-out and remove-character forms naming where to go afterwards (a
/// same-site path; default `/`).
pub const FIELD_NEXT: &str = "next";

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
    /// Where starting again makes sense (the page a login was for), if anywhere.
    pub again: Option<&'a str>,
}

impl<'a> ErrorPage<'a> {
    /// An error page linking to `home` only.
    pub fn new(status: StatusCode, message: &'a str, home: &'a str) -> Self {
        Self {
            status,
            message,
            home,
            again: None,
        }
    }

    /// Also links to `again` ("Start again").
    pub fn again(mut self, again: &'a str) -> Self {
        self.again = Some(again);
        self
    }
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

    /// An error page: keep a link onwards (home, and "start again" when given).
    fn error(&self, page: &ErrorPage<'_>) -> String {
        error_page(page)
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

/// The default error page: the message, a link home (`id="home"`) and, when given, one to start
/// again (`id="again"`).
pub fn error_page(page: &ErrorPage<'_>) -> String {
    let status = page.status;
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let mut body = format!("<p id=\"error\">{}</p>\n<p>", escape(page.message));
    if let Some(again) = page.again {
        let _ = write!(
            body,
            "<a id=\"again\" href=\"{}\">Start again</a> · ",
            escape(again)
        );
    }
    let _ = writeln!(
        body,
        "<a id=\"home\" href=\"{}\">Home</a></p>",
        escape(page.home)
    );
    layout(&title, &body)
}

/// A paragraph with a link to `home` (`id="home"`).
pub fn home_link(home: &str) -> String {
    format!("<p><a id=\"home\" href=\"{}\">Home</a></p>\n", escape(home))
}

/// A character's portrait as an `<img>`, `size` pixels square (decorative: empty `alt`).
pub fn portrait(images: &ImageServer, character_id: i64, size: u32) -> String {
    format!(
        "<img class=\"portrait\" src=\"{}\" width=\"{size}\" height=\"{size}\" alt=\"\">",
        escape(&images.character_portrait(character_id, size))
    )
}

/// The log-out form: a button posting to `action` ([`crate::EsiWeb::logout_url`]) with the
/// session's CSRF token ([`crate::EsiWeb::csrf_token`]), then going to `next`. Button id
/// `logout`.
pub fn logout_form(action: &str, csrf_token: &str, next: &str) -> String {
    format!(
        "<form class=\"logout\" method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"{FIELD_CSRF}\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"{FIELD_NEXT}\" value=\"{next}\">\
         <button type=\"submit\" id=\"logout\">Log out</button></form>",
        action = escape(action),
        csrf = escape(csrf_token),
        next = escape(next),
    )
}

/// The remove-character form: a button posting to `action` ([`crate::EsiWeb::remove_url`])
/// with the session's CSRF token and the character's id, then going to `next`. Button id
/// `remove-<character id>`.
pub fn remove_character_form(
    action: &str,
    csrf_token: &str,
    character_id: i64,
    character_name: &str,
    next: &str,
) -> String {
    format!(
        "<form class=\"remove-character\" method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"{FIELD_CSRF}\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"{FIELD_CHARACTER}\" value=\"{character_id}\">\
         <input type=\"hidden\" name=\"{FIELD_NEXT}\" value=\"{next}\">\
         <button type=\"submit\" id=\"remove-{character_id}\" \
         title=\"Remove {name} (its token is revoked)\">Remove</button></form>",
        action = escape(action),
        csrf = escape(csrf_token),
        next = escape(next),
        name = escape(character_name),
    )
}

/// A minimal page around `body` (already HTML).
pub fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title>\
         <style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}\
         button{{font-size:1em;padding:.5em 1em;margin:.25em 0;cursor:pointer}}\
         ul.tokens{{list-style:none;padding:0}}th{{text-align:left}}\
         img.portrait{{vertical-align:middle;margin-right:.5em;border-radius:3px}}\
         form.logout,form.remove-character{{display:inline}}</style></head>\
         <body>\n<h1>{t}</h1>\n{body}</body></html>\n",
        t = escape(title),
    )
}

/// An HTML answer that is never cached (`Cache-Control: no-store`) and never framed
/// (`X-Frame-Options: DENY`), as every page of this crate is.
pub fn page_response(status: StatusCode, html: String) -> Response {
    let mut resp = (status, Html(html)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// How [`login_button`] draws the button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ButtonStyle {
    /// CCP's official image, linked from CCP's CDN (`eve-sso-login-<color>-<size>.png`).
    Eve {
        /// The dark image (else the light one).
        dark: bool,
        /// The large image (270×45; else the small one, 195×30).
        large: bool,
    },
    /// A plain drawn button with no external resource (for offline sites and tests).
    #[default]
    Plain,
}

/// Base URL of CCP's SSO button images.
pub const EVE_BUTTON_IMAGE_BASE: &str = "https://web.ccpgamescdn.com/eveonlineassets/developers/";

/// An "log in with EVE Online" link to `href` (for example [`crate::EsiWeb::login_url`]).
///
/// ```
/// use esi_web::html::{ButtonStyle, login_button};
/// let b = login_button("/sso/login?next=%2F", ButtonStyle::Eve { dark: true, large: true });
/// assert!(b.contains("eve-sso-login-black-large.png"));
/// assert!(login_button("/sso/login", ButtonStyle::Plain).contains("LOG IN with EVE Online"));
/// ```
pub fn login_button(href: &str, style: ButtonStyle) -> String {
    match style {
        ButtonStyle::Eve { dark, large } => {
            let (w, h) = if large { (270, 45) } else { (195, 30) };
            format!(
                "<a class=\"eve-sso-login\" href=\"{href}\"><img src=\"{EVE_BUTTON_IMAGE_BASE}\
                 eve-sso-login-{color}-{size}.png\" width=\"{w}\" height=\"{h}\" \
                 alt=\"LOG IN with EVE Online\"></a>",
                href = escape(href),
                color = if dark { "black" } else { "white" },
                size = if large { "large" } else { "small" },
            )
        }
        ButtonStyle::Plain => format!(
            "<a class=\"eve-sso-login\" href=\"{}\" style=\"display:inline-block;\
             background:#1b1b1b;color:#fff;border:1px solid #555;border-radius:3px;\
             padding:.6em 1.4em;font:bold 14px sans-serif;letter-spacing:.08em;\
             text-decoration:none\">LOG IN with EVE Online</a>",
            escape(href)
        ),
    }
}

/// Escapes text and attribute values.
///
/// ```
/// assert_eq!(esi_web::html::escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
/// ```
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
