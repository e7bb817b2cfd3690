//! ESI client (being built).
