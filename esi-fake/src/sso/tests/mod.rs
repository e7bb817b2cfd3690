//! Tests of the fake SSO against its real HTTP server on 127.0.0.1 (nothing else is contacted).

mod faults;
mod flow;
mod jwt;
mod refresh;
mod support;
