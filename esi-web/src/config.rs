//! [`WebConfig`]: where the login routes are mounted, how long a login may take, where
//! anonymous visitors log in to the site, the session cookie's settings, the site's home page
//! and where character portraits come from.

use std::time::Duration;

/// How the web integration behaves.
///
/// ```
/// let config = esi_web::WebConfig::default();
/// assert_eq!(config.mount_path, "/sso");
/// assert_eq!(config.login_max_age.as_secs(), 300);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WebConfig {
    /// Where the site nests [`crate::EsiWeb::router`] (used to build login links). The SSO
    /// callback URL registered with CCP (`ESI_SSO_CALLBACK_URL`) must be
    /// `<site origin><mount_path>/callback`.
    pub mount_path: String,
    /// How long a login may take between leaving for EVE SSO and coming back; an older
    /// callback is refused (404), and a session made only for the login expires after it.
    /// [`crate::EsiWeb::spawn_cleanup`] deletes logins this old.
    pub login_max_age: Duration,
    /// Where `tokens_required` sends a visitor the [`crate::UserSource`] calls anonymous
    /// (with `?next=<page>`); `None` answers 401.
    pub site_login_url: Option<String>,
    /// Name of the session cookie. A `Secure` cookie gets the `__Host-` prefix in front of it
    /// ([`crate::EsiWeb::cookie_name`]): `esi_session` becomes `__Host-esi_session`.
    pub cookie_name: String,
    /// Mark the session cookie `Secure` (and name it with the `__Host-` prefix). `None`:
    /// exactly when the SSO callback URL is https.
    pub secure_cookie: Option<bool>,
    /// A session unused for this long expires. A session made only for a login in flight (an
    /// anonymous visit to a token-requiring page) expires after
    /// [`WebConfig::login_max_age`] unless the login finishes.
    pub session_inactivity: Duration,
    /// Largest form body read (select-token, log-out, remove), in bytes.
    pub max_form_bytes: usize,
    /// The site's home page, linked from every page this crate serves.
    pub home_url: String,
    /// Base URL of the image server for character portraits (default EVE's,
    /// [`crate::images::EVE_IMAGE_SERVER`]).
    pub image_base_url: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            mount_path: "/sso".to_owned(),
            login_max_age: esi_store::DEFAULT_CALLBACK_MAX_AGE,
            site_login_url: None,
            cookie_name: "esi_session".to_owned(),
            secure_cookie: None,
            session_inactivity: Duration::from_secs(14 * 24 * 3600),
            max_form_bytes: 16 * 1024,
            home_url: "/".to_owned(),
            image_base_url: crate::images::EVE_IMAGE_SERVER.to_owned(),
        }
    }
}

impl WebConfig {
    /// Sets [`WebConfig::mount_path`].
    pub fn mount_path(mut self, path: impl Into<String>) -> Self {
        self.mount_path = path.into();
        self
    }

    /// Sets [`WebConfig::login_max_age`].
    pub fn login_max_age(mut self, age: Duration) -> Self {
        self.login_max_age = age;
        self
    }

    /// Sets [`WebConfig::site_login_url`].
    pub fn site_login_url(mut self, url: impl Into<String>) -> Self {
        self.site_login_url = Some(url.into());
        self
    }

    /// Sets [`WebConfig::cookie_name`].
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// Sets [`WebConfig::home_url`].
    pub fn home_url(mut self, url: impl Into<String>) -> Self {
        self.home_url = url.into();
        self
    }

    /// Sets [`WebConfig::image_base_url`].
    pub fn image_base_url(mut self, url: impl Into<String>) -> Self {
        self.image_base_url = url.into();
        self
    }

    /// Sets [`WebConfig::secure_cookie`].
    pub fn secure_cookie(mut self, secure: bool) -> Self {
        self.secure_cookie = Some(secure);
        self
    }
}
