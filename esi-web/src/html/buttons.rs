//! The buttons and forms a site puts on its own pages: the "LOG IN with EVE Online" button
//! (CCP's image linked from CCP's CDN, [`ButtonStyle::Eve`], or a plain drawn one,
//! [`ButtonStyle::Plain`]; CCP's images are never copied into this repository), and the log-out
//! and remove-character forms.

use super::{FIELD_CHARACTER, FIELD_CSRF, FIELD_NEXT, escape};

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
