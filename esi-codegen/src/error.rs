//! Errors of the generator. Every problem with a spec names the file and the JSON pointer
//! where it was found, so a broken spec fails a build with a message a person can act on.

use std::path::PathBuf;

/// Anything that can go wrong reading a spec or generating code from it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec file could not be read.
    #[error("cannot read ESI spec {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON.
    #[error("{path}: not valid JSON at line {line}, column {column}: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// Line of the syntax error.
        line: usize,
        /// Column of the syntax error.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The document is JSON but not a spec the generator understands.
    #[error("{path}: at JSON pointer `{pointer}`: {message}")]
    Spec {
        /// The file.
        path: PathBuf,
        /// RFC 6901 pointer to the offending node (empty for the document root).
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// A name in the spec cannot be turned into a Rust identifier (found while generating,
    /// when the file is no longer known: build scripts add it).
    #[error("at JSON pointer `{pointer}`: {message}")]
    Name {
        /// RFC 6901 pointer to the offending node.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// The caller asked for something the spec does not have.
    #[error("{0}")]
    Selection(String),
    /// Generated code did not parse back (a generator bug).
    #[error("generated code for {what} does not parse: {message}")]
    Emit {
        /// Which item.
        what: String,
        /// The parser's message.
        message: String,
    },
}

/// Result alias for the generator.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A problem found while reading a document, before the file name is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SpecProblem {
    pub pointer: String,
    pub message: String,
}

impl SpecProblem {
    pub(crate) fn new(pointer: &str, message: impl Into<String>) -> Self {
        SpecProblem {
            pointer: pointer.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn in_file(self, path: impl Into<PathBuf>) -> Error {
        Error::Spec {
            path: path.into(),
            pointer: self.pointer,
            message: self.message,
        }
    }
}

/// Escapes one reference token for a JSON pointer (RFC 6901).
pub(crate) fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends one token to a pointer.
pub(crate) fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", pointer_token(token))
}
