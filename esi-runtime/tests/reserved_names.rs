//! The generator's list of reserved names (`esi_codegen::reserved`) covers every method
//! callers reach on the runtime's `Request` and `Client`: a method added here without being
//! listed there fails this test, before a generated setter or accessor can shadow it.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};

/// Public methods of the impl blocks of `type_name` in `file` (under `src/`), and of the
/// `macro_rules!` macros it expands there.
fn methods(file: &str, type_name: &str) -> BTreeSet<String> {
    let path = format!("{}/src/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = syn::parse_file(&text).unwrap();
    let mut out = BTreeSet::new();
    for item in &parsed.items {
        match item {
            syn::Item::Impl(block) if block.trait_.is_none() => {
                let syn::Type::Path(ty) = &*block.self_ty else {
                    continue;
                };
                if ty.path.segments.last().map(|s| s.ident.to_string())
                    != Some(type_name.to_string())
                {
                    continue;
                }
                for item in &block.items {
                    match item {
                        syn::ImplItem::Fn(f) if matches!(f.vis, syn::Visibility::Public(_)) => {
                            out.insert(f.sig.ident.to_string());
                        }
                        syn::ImplItem::Macro(m) => {
                            let name = m.mac.path.segments.last().unwrap().ident.to_string();
                            out.extend(macro_methods(&name));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `pub fn` names in the body of `macro_rules! name`, wherever under `src/` it is defined.
fn macro_methods(name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let src = format!("{}/src", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let file = syn::parse_file(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for item in &file.items {
            if let syn::Item::Macro(m) = item
                && m.ident.as_ref().map(ToString::to_string).as_deref() == Some(name)
            {
                fns_in(m.mac.tokens.clone(), &mut out);
            }
        }
    }
    out
}

fn fns_in(tokens: TokenStream, out: &mut BTreeSet<String>) {
    let mut previous: Vec<String> = Vec::new();
    for tree in tokens {
        match tree {
            TokenTree::Group(group) => fns_in(group.stream(), out),
            TokenTree::Ident(ident) => {
                let ident = ident.to_string();
                if previous.last().map(String::as_str) == Some("fn")
                    && previous.iter().rev().nth(1).map(String::as_str) == Some("pub")
                {
                    out.insert(ident.clone());
                }
                previous.push(ident);
            }
            _ => previous.clear(),
        }
    }
}

fn missing(found: &BTreeSet<String>, listed: &[&str]) -> Vec<String> {
    found
        .iter()
        .filter(|m| !listed.contains(&m.as_str()))
        .cloned()
        .collect()
}

#[test]
fn every_request_method_is_reserved() {
    let mut found = methods("request.rs", "Request");
    found.extend(methods("pages.rs", "Request"));
    assert!(found.contains("token"), "macro methods found: {found:?}");
    assert!(found.contains("walk_cursor"), "{found:?}");
    let missing = missing(&found, esi_codegen::reserved::REQUEST_METHODS);
    assert!(
        missing.is_empty(),
        "add to esi_codegen::reserved::REQUEST_METHODS: {missing:?}"
    );
}

#[test]
fn every_client_method_is_reserved() {
    let mut found = methods("client.rs", "Client");
    found.extend(methods("dynamic.rs", "Client"));
    assert!(found.contains("call"), "{found:?}");
    let missing = missing(&found, esi_codegen::reserved::CLIENT_METHODS);
    assert!(
        missing.is_empty(),
        "add to esi_codegen::reserved::CLIENT_METHODS: {missing:?}"
    );
}
