//! [`Subject`]: whose data a job keeps fresh, and whose token it acts with.

use std::fmt;

/// Whose data a job keeps fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Subject {
    /// A character, acting with its own token.
    Character(i64),
    /// A corporation, acting with the token of one of its directors.
    Corporation {
        /// The corporation.
        corporation_id: i64,
        /// The character whose token the calls use.
        director_id: i64,
    },
}

impl Subject {
    /// The character whose token the job's calls use.
    pub fn acting_character(&self) -> i64 {
        match *self {
            Subject::Character(id) => id,
            Subject::Corporation { director_id, .. } => director_id,
        }
    }

    /// The id the job's operation is built from: the character's or the corporation's.
    pub fn id(&self) -> i64 {
        match *self {
            Subject::Character(id) => id,
            Subject::Corporation { corporation_id, .. } => corporation_id,
        }
    }

    /// `character` or `corporation`, as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Character(_) => "character",
            Subject::Corporation { .. } => "corporation",
        }
    }

    /// Rebuilds a subject from its stored columns.
    pub(crate) fn from_columns(kind: &str, id: i64, acting: i64) -> Option<Subject> {
        match kind {
            "character" => Some(Subject::Character(id)),
            "corporation" => Some(Subject::Corporation {
                corporation_id: id,
                director_id: acting,
            }),
            _ => None,
        }
    }
}

impl fmt::Display for Subject {
    /// `character:90000001`, `corporation:98000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_round_trip() {
        let corp = Subject::Corporation {
            corporation_id: 98_000_001,
            director_id: 90_000_001,
        };
        assert_eq!(corp.to_string(), "corporation:98000001");
        assert_eq!(corp.acting_character(), 90_000_001);
        assert_eq!(
            Subject::from_columns(corp.kind(), corp.id(), corp.acting_character()),
            Some(corp)
        );
        assert_eq!(Subject::from_columns("alliance", 1, 1), None);
    }
}
