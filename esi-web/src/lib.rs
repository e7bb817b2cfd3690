//! EVE SSO for axum web sites: login routes and token-requiring handlers over the `esi-store`
//! token database, a Rust take on django-esi's views and decorators.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, routing::get};
//! use esi_store::TokenStore;
//! use esi_web::{EsiToken, EsiTokens, EsiWeb};
//!
//! const WALLET: &str = "esi-wallet.read_character_wallet.v1";
//!
//! async fn wallet(EsiToken(token): EsiToken) -> String {
//!     format!("{} ({})", token.character_name, token.character_id)
//! }
//! async fn wallets(EsiTokens(tokens): EsiTokens) -> String {
//!     format!("{} characters", tokens.len())
//! }
//! async fn once(EsiToken(token): EsiToken) -> String {
//!     format!("checked {} once", token.character_name)
//! }
//!
//! // ESI_SSO_CLIENT_ID, ESI_SSO_CLIENT_SECRET, ESI_SSO_CALLBACK_URL=https://site/sso/callback
//! let store = TokenStore::from_env().await?;
//! let web = EsiWeb::new(store).await?;
//! let app: Router = Router::new()
//!     .route("/wallet", get(wallet).layer(web.token_required(WALLET, false)))
//!     .route("/wallets", get(wallets).layer(web.tokens_required([WALLET])))
//!     .route("/once", get(once).layer(web.single_use_token(WALLET)))
//!     .nest("/sso", web.router())
//!     .layer(web.session_layer());
//! // Every site runs the cleanup: unfinished logins and their sessions go.
//! let cleanup = web.spawn_cleanup(std::time::Duration::from_secs(60));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! axum::serve(listener, app).await?;
//! cleanup.stop().await;
//! # Ok(()) }
//! ```
//!
//! # What each piece does
//!
//! - [`EsiWeb::router`], nested under `/sso` (or any [`WebConfig::mount_path`]):
//!   `GET /sso/login?scopes=..&next=..` starts a login (the target of
//!   [`html::login_button`]); `GET /sso/callback` is EVE SSO's way back. The callback answers
//!   400 without `code` and `state`, and 404 unless `state` belongs to a login started by the
//!   same browser session less than [`WebConfig::login_max_age`] ago: this binding to the session
//!   is the CSRF protection. It then stores the token (updating the equivalent one) for the
//!   current user, records it on the login, changes the session id and the CSRF token and
//!   redirects to where the login started. Return targets are same-site paths only
//!   ([`safe_return_url`]): no open redirect. `POST /sso/logout` and `POST /sso/remove` log out
//!   and remove a character (after a confirmation page, revoking its token at EVE SSO); build
//!   their buttons with [`html::logout_form`] and [`html::remove_character_form`] and the
//!   session's CSRF token ([`EsiWeb::csrf_token`]).
//! - [`EsiWeb::token_required`]`(scopes, new)`: the handler gets one valid token with the scopes
//!   ([`EsiToken`]). One character has one: it is used. Several: a select-token page (one
//!   entry per character, a CSRF-protected POST, and a button to log another character in).
//!   None, or `new`: a login through EVE SSO that comes back to the page.
//! - [`EsiWeb::tokens_required`]`(scopes)`: every valid token of the user with the scopes
//!   ([`EsiTokens`]), no prompting; a login when there is none.
//! - [`EsiWeb::single_use_token`]`(scopes)`: always a fresh login; the token belongs to no user
//!   and is revoked and deleted once the handler has answered.
//! - [`EsiWeb::spawn_cleanup`]: the housekeeping every site must run (logins never finished,
//!   their sessions, single-use tokens nobody took, expired tokens).
//!
//! Scopes are given as a list or a space-delimited string (anything that converts into
//! [`esi_sso::Scopes`]).
//!
//! # Who the user is
//!
//! Tokens belong to a user id (`Token::user_id`). The embedding application says who is
//! logged in by implementing [`UserSource`] (or passing a closure over the request parts and
//! session) to [`EsiWebBuilder::users`]. The default, [`SessionUsers::per_browser`], makes every
//! browser session a user, enough for sites without accounts; sites that have accounts in the
//! session call [`SessionUsers::log_in`] and use [`SessionUsers::logged_in_only`].
//!
//! # Sessions
//!
//! Sessions are `tower-sessions` sessions kept in the token database by default (table
//! `esi_web_session`, created by [`EsiWeb::new`]), through [`DbSessionStore`], a small store
//! over the token store's sea-orm connection that works on SQLite and PostgreSQL alike. The
//! maintained `tower-sessions-sqlx-store` cannot be used: it is built on sqlx 0.8 while sea-orm
//! 2 uses sqlx 0.9, so it could share neither the pool nor (Cargo allows one crate linking
//! `sqlite3`) the SQLite library. Any other `tower-sessions` layer works too: the routes and
//! layers only need a `tower_sessions::Session` on the request.
//!
//! The session holds this crate's own random key for the login records (never the cookie
//! value), the CSRF token of the forms and the pick of the select-token page. The logins in
//! flight are not in the session: each is one row of the token store, keyed by the session
//! key, with whether it is single-use. So logins started at the same moment in several tabs
//! all finish (up to [`esi_store::MAX_PENDING_LOGINS_PER_SESSION`] per session; one more
//! forgets the oldest). Tokens themselves stay in the token store; nothing secret is logged.
//!
//! A visit that only starts a login (an anonymous visitor on a token-requiring page) gets a
//! session that expires after [`WebConfig::login_max_age`] unless the login finishes; with
//! [`EsiWeb::spawn_cleanup`] running, such visits leave no session and no login behind after
//! `login_max_age` plus one cleanup period. An https site's cookie is named `__Host-…`
//! ([`EsiWeb::cookie_name`]), so no sibling origin can replace it.

//! # Requests from other sites
//!
//! Other sites must not be able to change a player's session:
//!
//! - token-requiring layers answer every method they do not serve with 405 (GET and HEAD, and
//!   POST for `token_required`'s select-token form; more with [`RequireLayer::with_methods`])
//!   before any session is created or touched;
//! - a state-changing request (a POST to a token-requiring page, the log-out and remove forms)
//!   is refused (403), again before the session is touched, when the browser's
//!   `Sec-Fetch-Site` says another origin sent it (anything but `same-origin` or `none`); a
//!   browser without Fetch Metadata is judged by `Origin` (this site's: the request's `Host`
//!   or the SSO callback URL's origin); without both headers the request passes only with the
//!   session's CSRF token (the form's `_csrf`, or the [`CSRF_HEADER`] header). A refused
//!   request creates no session and sets no cookie, so it cannot replace the player's;
//! - every form (select-token, log-out, remove) carries the session's CSRF token;
//! - `GET /sso/login` from another site starts nothing: its page names the scopes and links
//!   to the same login, which the player may then start from this site. A link from another
//!   site to a *page* still works: a token-requiring page then starts the login for its own
//!   scopes, as it does for any visitor;
//! - the session id and the CSRF token change when a login completes (no session fixation),
//!   and a session deleted by one request is not brought back by another saving a stale copy;
//! - PKCE (S256) is sent whenever EVE SSO's metadata announces it, secret or not (RFC 9700).
//!
//! For unknown paths and methods on the site's own routes, use [`EsiWeb::not_found`] as the
//! router's fallback and [`EsiWeb::method_not_allowed`] as each route's (see
//! [`EsiWeb::token_required`]); axum adds the route's own `Allow`. Every page this crate serves
//! says what happened and links to [`WebConfig::home_url`] and, where one works, to the next
//! step (start again, the right address, log in here). Character portraits come from
//! [`images::ImageServer`] ([`WebConfig::image_base_url`]).
//!
//! # Differences from django-esi
//!
//! - A token of no user is never accepted from the select-token form (django-esi accepts
//!   them; their ids are guessable).
//! - A pick on the select-token page redirects (303) back to the page, which then runs with
//!   the token (post/redirect/get), instead of running the view inside the POST.
//! - A single-use login stores its token for no user even when a user is logged in, only a
//!   `single_use_token` page receives it, and it is revoked and deleted once the page has
//!   answered (django-esi keeps it until its cleanup).
//! - Callbacks older than [`WebConfig::login_max_age`] are refused.
//!
//! # The example site
//!
//! `examples/web.rs` is a small site whose `/wallet` page needs
//! `esi-wallet.read_character_wallet.v1` and shows the character's wallet balance; it runs
//! [`EsiWeb::spawn_cleanup`] as every site must. Against the
//! bundled fake ESI and EVE SSO (on 127.0.0.1, nothing to register):
//!
//! ```text
//! cargo run -p esi-web --example web -- --fake
//! ```
//!
//! Against the real EVE SSO and ESI, with an application registered at
//! <https://developers.eveonline.com/> whose callback URL is
//! `http://localhost:8000/sso/callback` and which has the wallet scope:
//!
//! ```text
//! ESI_SSO_CLIENT_ID=... ESI_SSO_CLIENT_SECRET=... \
//! ESI_SSO_CALLBACK_URL=http://localhost:8000/sso/callback \
//!     cargo run -p esi-web --example web
//! ```
//!
//! then open <http://localhost:8000/>.

#![warn(missing_docs)]

mod account;
mod all_tokens;
mod callback;
mod cleanup;
mod config;
mod error;
mod extract;
mod form;
mod gate;
pub mod html;
pub mod images;
mod lifetime;
mod need;
mod one_token;
mod params;
mod provenance;
mod require;
mod respond;
mod return_url;
mod routes;
mod session;
pub mod session_store;
mod start;
mod user;
mod web;

pub use cleanup::WebCleanup;
pub use config::WebConfig;
pub use error::WebError;
pub use extract::{EsiToken, EsiTokens, MissingLayer};
pub use gate::CSRF_HEADER;
pub use html::{DefaultPages, ErrorPage, Pages, SelectTokenPage};
pub use require::{RequireLayer, RequireService};
pub use return_url::safe_return_url;
pub use session_store::DbSessionStore;
pub use user::{SessionUsers, UserSource};
pub use web::{EsiWeb, EsiWebBuilder};
