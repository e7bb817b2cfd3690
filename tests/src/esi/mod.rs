//! Fake ESI (being built).
