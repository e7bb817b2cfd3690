//! Names the hand-written code already uses, which generated names must not take: the one
//! list the generator reads, and that the runtime's and `esi-client`'s tests check their own
//! methods against (a method added there without being listed here fails those tests).

/// Methods callers reach on a request (`Request<O>` of `esi-client` and of the runtime,
/// including trait methods a caller writes as methods). A parameter whose setter would take
/// one of these names gets the suffix `_param` (`page` → `page_param`).
pub const REQUEST_METHODS: &[&str] = &[
    // Built by generated code.
    "new",
    "op_mut",
    "operation",
    "into_runtime",
    // Per-call options.
    "token",
    "token_source",
    "character",
    "language",
    "compatibility_date",
    "tenant",
    "page",
    "deadline",
    "max_body_size",
    "no_negative_cache",
    "if_none_match",
    "conditional",
    // Sending and walking.
    "with_response",
    "send",
    "all_pages",
    "pages",
    "walk_cursor",
    "walk_from_id",
    // The generated body setter.
    "body",
    // Trait methods (`IntoFuture`, `Clone`, `Debug`, `Into`).
    "into_future",
    "clone",
    "fmt",
    "into",
];

/// Methods of the generated `Client` and of the runtime's client it dereferences to. A
/// resource whose accessor would take one of these names gets the suffix `_api`
/// (`call` → `call_api`), so no accessor hides a method of the runtime.
pub const CLIENT_METHODS: &[&str] = &[
    // The generated client's own.
    "builder",
    "runtime",
    // The runtime's client.
    "base_url",
    "user_agent",
    "compatibility_date",
    "tenant",
    "error_window",
    "rate_limit_bucket",
    "call",
    // Trait methods (`Clone`, `Debug`, `Deref`, `From`, `Into`).
    "clone",
    "fmt",
    "deref",
    "from",
    "into",
];

/// Methods of the generated resource structs (`MarketApi`...) besides the operations'. An
/// operation whose method would take one of these names gets the suffix `_op`
/// (`request` → `request_op`).
pub const RESOURCE_METHODS: &[&str] = &["request"];

/// Type names the generated code refers to at `esi-client`'s root (or the prelude), which
/// generated types must not take.
pub const ROOT_TYPES: &[&str] = &[
    "Client",
    "ClientBuilder",
    "Request",
    "Response",
    "Error",
    "Operation",
    "OperationInfo",
    "Params",
    "SpecInfo",
    "SpecKind",
    "Language",
    "Pagination",
    "PagedByXPages",
    "PagedByCursor",
    "PagedByFromId",
    "BodyKind",
    "ClientParam",
    "RateLimitInfo",
    "UserAgent",
    "Result",
    "Option",
    "Vec",
    "String",
    "Box",
];

/// The name a parameter's setter takes: its field name, or with `_param` when that is a
/// request method.
pub fn setter_name(field: &str) -> String {
    let bare = field.trim_start_matches("r#");
    if REQUEST_METHODS.contains(&bare) {
        format!("{bare}_param")
    } else {
        field.to_string()
    }
}

/// The name a resource's accessor takes: its module name, or with `_api` when that is a
/// client method.
pub fn accessor_name(module: &str) -> String {
    unless_taken(module, CLIENT_METHODS, "_api")
}

/// The name an operation's method takes: `method`, or with `_op` when that is a method the
/// resource struct has of its own.
pub fn method_name(method: &str) -> String {
    unless_taken(method, RESOURCE_METHODS, "_op")
}

/// `name`, or `name` with `suffix` when `taken` lists it.
fn unless_taken(name: &str, taken: &[&str], suffix: &str) -> String {
    if taken.contains(&name) {
        format!("{name}{suffix}")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_names_get_a_suffix() {
        assert_eq!(setter_name("page"), "page_param");
        assert_eq!(setter_name("walk_cursor"), "walk_cursor_param");
        assert_eq!(setter_name("operation"), "operation_param");
        assert_eq!(setter_name("order_type"), "order_type");
        assert_eq!(setter_name("r#type"), "r#type");
        assert_eq!(accessor_name("call"), "call_api");
        assert_eq!(accessor_name("market"), "market");
        assert_eq!(method_name("request"), "request_op");
        assert_eq!(method_name("get_status"), "get_status");
    }

    #[test]
    fn lists_have_no_duplicates() {
        for list in [
            REQUEST_METHODS,
            CLIENT_METHODS,
            RESOURCE_METHODS,
            ROOT_TYPES,
        ] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), list.len());
        }
    }
}
