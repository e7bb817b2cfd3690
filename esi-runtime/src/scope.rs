//! [`Scope`]: one SSO scope name. The generated APIs declare a constant for every scope their
//! spec lists (`esi_client::scopes`) and each operation's required scopes as those constants
//! ([`Operation::SCOPES`](crate::Operation::SCOPES)); crates that must not choose a spec (a
//! token store, web middleware) take scopes through `AsRef<str>` or `Into<Scopes>` of
//! `esi-sso`, so they accept these constants and plain strings alike.

use std::borrow::{Borrow, Cow};
use std::fmt;

/// The name of one SSO scope, such as `esi-wallet.read_character_wallet.v1`.
///
/// Write the generated constants rather than strings, so the compiler checks the names:
///
/// ```
/// use esi_runtime::Scope;
///
/// const WALLET: Scope = Scope::new("esi-wallet.read_character_wallet.v1");
/// assert_eq!(WALLET.as_str(), "esi-wallet.read_character_wallet.v1");
/// assert_eq!(WALLET.to_string(), "esi-wallet.read_character_wallet.v1");
/// assert_eq!(WALLET, "esi-wallet.read_character_wallet.v1");
/// // Serialised as its name, read back from one.
/// let json = serde_json::to_string(&WALLET).unwrap();
/// assert_eq!(json, r#""esi-wallet.read_character_wallet.v1""#);
/// assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), WALLET);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope(Cow<'static, str>);

impl Scope {
    /// The scope named `name` (a constant: the generated ones are built with it).
    pub const fn new(name: &'static str) -> Self {
        Scope(Cow::Borrowed(name))
    }

    /// A scope named at run time (read from a configuration file or a token).
    pub fn from_name(name: impl Into<String>) -> Self {
        Scope(Cow::Owned(name.into()))
    }

    /// The scope's name, as ESI and the SSO spell it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for Scope {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Scope {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Scope {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Scope {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<Scope> for String {
    fn from(scope: Scope) -> String {
        scope.0.into_owned()
    }
}

impl serde::Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Scope::from_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const SKILLS: Scope = Scope::new("esi-skills.read_skills.v1");

    #[test]
    fn a_constant_and_a_runtime_name_are_the_same_scope() {
        let read = Scope::from_name(String::from("esi-skills.read_skills.v1"));
        assert_eq!(read, SKILLS);
        let set: BTreeSet<Scope> = [read].into_iter().collect();
        assert!(set.contains("esi-skills.read_skills.v1"));
    }

    #[test]
    fn strings_are_made_from_scopes() {
        let owned: String = SKILLS.into();
        assert_eq!(owned, "esi-skills.read_skills.v1");
        assert_eq!(format!("[{SKILLS}]"), "[esi-skills.read_skills.v1]");
    }
}
