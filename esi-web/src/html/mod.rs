//! The HTML this crate serves: the pages sites restyle (`pages`: select-token, errors,
//! confirming a removal), the buttons and forms for the site's own pages (`buttons`: log in,
//! log out, remove a character), and what they share here: form field names, escaping, a
//! minimal layout and the headers of every page. The default pages are plain HTML without
//! script, whose only external resources are character portraits from the configured image
//! server.

mod buttons;
mod pages;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

pub use buttons::{
    ButtonStyle, EVE_BUTTON_IMAGE_BASE, login_button, logout_form, remove_character_form,
};
pub use pages::{
    ConfirmRemovePage, DefaultPages, ErrorPage, NextStep, Pages, SelectTokenPage,
    confirm_remove_form, error_page, select_token_form,
};

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
/// Form field of the remove-character form saying the player confirmed the removal; without
/// it, the form answers a page asking for confirmation ([`Pages::confirm_remove`]).
pub const FIELD_CONFIRM: &str = "confirm";

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

/// A minimal page around `body` (already HTML). Table cells of class `amount` are
/// right-aligned, in figures of one width, apart from the column before.
pub fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title>\
         <style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}\
         button{{font-size:1em;padding:.5em 1em;margin:.25em 0;cursor:pointer}}\
         ul.tokens{{list-style:none;padding:0}}th{{text-align:left}}\
         img.portrait{{vertical-align:middle;margin-right:.5em;border-radius:3px}}\
         .amount{{text-align:right;font-variant-numeric:tabular-nums;padding-left:2em}}\
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
