//! Fake EVE SSO (being built).
