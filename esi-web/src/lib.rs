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
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! axum::serve(listener, app).await?;
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
//!   current user, records it on the login, changes the session id and redirects to where the
//!   login started. Return targets are same-site paths only ([`safe_return_url`]): no open
//!   redirect. `POST /sso/logout` and `POST /sso/remove` log out and remove a character
//!   (revoking its token at EVE SSO); build their buttons with [`html::logout_form`] and
//!   [`html::remove_character_form`] and the session's CSRF token ([`EsiWeb::csrf_token`]).
//! - [`EsiWeb::token_required`]`(scopes, new)`: the handler gets one valid token with the scopes
//!   ([`EsiToken`]). One character has one: it is used. Several: a select-token page (one
//!   entry per character, a CSRF-protected POST, and a button to log another character in).
//!   None, or `new`: a login through EVE SSO that comes back to the page.
//! - [`EsiWeb::tokens_required`]`(scopes)`: every valid token of the user with the scopes
//!   ([`EsiTokens`]), no prompting; a login when there is none.
//! - [`EsiWeb::single_use_token`]`(scopes)`: always a fresh login; the token belongs to no user.
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
//! value), the CSRF token of the forms, the logins in flight (several tabs may each have one;
//! they do not cancel each other) and the pick of the select-token page. Tokens themselves stay
//! in the token store; nothing secret is logged.
//!
//! # Requests from other sites
//!
//! Other sites must not be able to change a player's session:
//!
//! - every form (select-token, log-out, remove) carries the session's CSRF token, checked
//!   before the session is touched (a refused request creates no session and sets no cookie,
//!   so it cannot replace the player's);
//! - `GET /sso/login` and every POST to a token-requiring page or to the router are refused
//!   (403) when the browser's `Sec-Fetch-Site` header says another origin sent them (anything
//!   but `same-origin` or `none`). Browsers without Fetch Metadata send no header and are let
//!   through (the CSRF tokens still hold). A link from another site to a *page* still works: a
//!   token-requiring page then starts the login for its own scopes, as it does for any visitor;
//! - the session id changes when a login completes (no session fixation);
//! - PKCE (S256) is sent whenever EVE SSO's metadata announces it, secret or not (RFC 9700).
//!
//! Token-requiring layers serve GET, HEAD and POST; other methods are answered 405. For unknown
//! paths and methods on the site's own routes, use [`EsiWeb::not_found`] as the router's
//! fallback and [`EsiWeb::method_not_allowed`] as each route's (see
//! [`EsiWeb::token_required`]); every page this crate serves links
//! to [`WebConfig::home_url`]. Character portraits come from [`images::ImageServer`]
//! ([`WebConfig::image_base_url`]).
//!
//! # Differences from django-esi
//!
//! - A token of no user is never accepted from the select-token form (django-esi accepts
//!   them; their ids are guessable).
//! - A pick on the select-token page redirects (303) back to the page, which then runs with
//!   the token (post/redirect/get), instead of running the view inside the POST.
//! - A single-use login stores its token for no user even when a user is logged in, and only a
//!   `single_use_token` page receives it.
//! - Callbacks older than [`WebConfig::login_max_age`] are refused.
//!
//! # The example site
//!
//! `examples/web.rs` is a small site whose `/wallet` page needs
//! `esi-wallet.read_character_wallet.v1` and shows the character's wallet balance. Against the
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
mod config;
mod error;
mod extract;
mod fetch_site;
mod form;
pub mod html;
pub mod images;
mod require;
mod respond;
mod return_url;
mod routes;
mod session;
pub mod session_store;
mod user;
mod web;

pub use config::WebConfig;
pub use error::WebError;
pub use extract::{EsiToken, EsiTokens, MissingLayer};
pub use html::{DefaultPages, ErrorPage, Pages, SelectTokenPage};
pub use require::{RequireLayer, RequireService};
pub use return_url::safe_return_url;
pub use session_store::DbSessionStore;
pub use user::{SessionUsers, UserSource};
pub use web::{EsiWeb, EsiWebBuilder};
