//! [`Scopes`]: a set of ESI scope names, built from a list or a space-delimited string, as
//! django-esi accepts both.

use std::collections::BTreeSet;
use std::fmt;

/// A set of scope names, sorted and without duplicates.
///
/// Build it from a space-delimited string or any list of names; a list whose items hold spaces
/// is split too, so `["a b"]`, `"a b"` and `["a", "b"]` are the same set.
///
/// ```
/// use esi_sso::Scopes;
/// let a = Scopes::from("esi-wallet.read_character_wallet.v1 esi-skills.read_skills.v1");
/// let b = Scopes::from(["esi-skills.read_skills.v1", "esi-wallet.read_character_wallet.v1"]);
/// assert_eq!(a, b);
/// assert_eq!(a.len(), 2);
/// assert_eq!(a.to_string(), "esi-skills.read_skills.v1 esi-wallet.read_character_wallet.v1");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scopes(BTreeSet<String>);

impl Scopes {
    /// No scopes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the scopes in `raw` (split on whitespace).
    pub fn insert(&mut self, raw: &str) {
        self.0.extend(raw.split_whitespace().map(str::to_owned));
    }

    /// Number of scopes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no scope.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `scope` is in the set.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    /// Whether every scope of `other` is in this set.
    pub fn is_superset(&self, other: &Scopes) -> bool {
        self.0.is_superset(&other.0)
    }

    /// The names, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The names as a sorted vector.
    pub fn to_vec(&self) -> Vec<String> {
        self.0.iter().cloned().collect()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for s in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(s)?;
            first = false;
        }
        Ok(())
    }
}

impl From<&str> for Scopes {
    fn from(raw: &str) -> Self {
        let mut s = Self::new();
        s.insert(raw);
        s
    }
}

impl From<String> for Scopes {
    fn from(raw: String) -> Self {
        Self::from(raw.as_str())
    }
}

/// One scope, such as a constant of the generated `esi_client::scopes` (lists of them
/// convert too, as every `AsRef<str>` list does).
///
/// ```
/// use esi_runtime::Scope;
/// use esi_sso::Scopes;
/// const WALLET: Scope = Scope::new("esi-wallet.read_character_wallet.v1");
/// const SKILLS: Scope = Scope::new("esi-skills.read_skills.v1");
/// assert_eq!(Scopes::from(WALLET), Scopes::from("esi-wallet.read_character_wallet.v1"));
/// assert_eq!(Scopes::from([WALLET, SKILLS]).len(), 2);
/// ```
impl From<esi_runtime::Scope> for Scopes {
    fn from(scope: esi_runtime::Scope) -> Self {
        Self::from(scope.as_str())
    }
}

impl From<&esi_runtime::Scope> for Scopes {
    fn from(scope: &esi_runtime::Scope) -> Self {
        Self::from(scope.as_str())
    }
}

impl From<&String> for Scopes {
    fn from(raw: &String) -> Self {
        Self::from(raw.as_str())
    }
}

impl<S: AsRef<str>> From<&[S]> for Scopes {
    fn from(list: &[S]) -> Self {
        list.iter().collect()
    }
}

impl<S: AsRef<str>, const N: usize> From<[S; N]> for Scopes {
    fn from(list: [S; N]) -> Self {
        list.iter().collect()
    }
}

impl<S: AsRef<str>, const N: usize> From<&[S; N]> for Scopes {
    fn from(list: &[S; N]) -> Self {
        list.iter().collect()
    }
}

impl<S: AsRef<str>> From<Vec<S>> for Scopes {
    fn from(list: Vec<S>) -> Self {
        list.iter().collect()
    }
}

impl From<&Scopes> for Scopes {
    fn from(s: &Scopes) -> Self {
        s.clone()
    }
}

impl<S: AsRef<str>> FromIterator<S> for Scopes {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut s = Self::new();
        for item in iter {
            s.insert(item.as_ref());
        }
        s
    }
}

impl<'a> IntoIterator for &'a Scopes {
    type Item = &'a String;
    type IntoIter = std::collections::btree_set::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_string_and_single_element_list_agree() {
        let a = Scopes::from("b a  a");
        let b = Scopes::from(["a", "b"]);
        let c = Scopes::from(vec!["a b".to_owned()]);
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(a.to_string(), "a b");
    }

    #[test]
    fn empty() {
        let s = Scopes::from("   ");
        assert!(s.is_empty());
        assert_eq!(s.to_string(), "");
        assert!(Scopes::from("a").is_superset(&s));
    }
}
