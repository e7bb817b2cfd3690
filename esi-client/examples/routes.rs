//! Lists every ESI route this build of the client offers, grouped by resource, with the call
//! that reaches it. Runs offline: everything shown was generated at build time.
//!
//! `cargo run -p esi-client --example routes [-- RESOURCE]`

fn main() {
    let only = std::env::args().nth(1);
    let spec = esi_client::SPEC;
    println!(
        "{} {} ({} operations in {} resources{})",
        spec.title,
        spec.version,
        esi_client::OPERATIONS.len(),
        spec.resources.len(),
        spec.compatibility_date
            .map(|d| format!(", compatibility date {d}"))
            .unwrap_or_default()
    );
    for resource in spec.resources {
        if only.as_deref().is_some_and(|r| r != *resource) {
            continue;
        }
        println!("\nclient.{resource}()");
        for op in esi_client::OPERATIONS
            .iter()
            .filter(|op| op.resource == *resource)
        {
            let auth = if op.scopes.is_empty() {
                "public"
            } else {
                "auth"
            };
            println!(
                "  .{:<55} {:<6} {:<60} {}",
                format!("{}()", op.name),
                op.method.as_str(),
                op.path,
                auth
            );
        }
    }
}
