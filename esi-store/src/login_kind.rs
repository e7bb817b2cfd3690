//! [`LoginKind`]: whose token a login brings back, kept on the login's row
//! (`esi_callback_redirect.single_use`) from its start to the page that takes the token.

/// Whose token a login brings back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LoginKind {
    /// The token is stored for the user given to [`crate::TokenStore::finish_login`].
    #[default]
    User,
    /// A single-use login (django-esi's `single_use_token`): the token belongs to no user, is
    /// handed once to a page asking for this kind, and is deleted with its login when nobody
    /// took it ([`crate::TokenStore::cancel_logins`], the callback-redirect cleanup).
    SingleUse,
}

impl LoginKind {
    /// The kind of a row whose `single_use` column holds `single_use`.
    pub(crate) fn of_row(single_use: bool) -> Self {
        if single_use {
            Self::SingleUse
        } else {
            Self::User
        }
    }

    /// The `single_use` column of a login of this kind.
    pub(crate) fn is_single_use(self) -> bool {
        self == Self::SingleUse
    }
}
