//! Model → Rust source.
use crate::model::Api;

/// Generates Rust code for a normalised API.
pub struct Generator {
    api: Api,
}

/// The generator's output.
pub struct Generated {
    /// Formatted Rust source.
    pub source: String,
}

impl Generator {
    /// Starts from a loaded API.
    pub fn new(api: Api) -> Self {
        Generator { api }
    }
    /// Keeps only these resources.
    pub fn resources<I, S>(self, _tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self
    }
    /// Emits the code.
    pub fn generate(self) -> crate::Result<Generated> {
        let _ = &self.api;
        Ok(Generated { source: String::new() })
    }
}
