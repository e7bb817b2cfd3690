//! The generator's list of reserved names (`esi_codegen::reserved`) covers every method of
//! this crate's `Request` wrapper: a method added here without being listed there fails this
//! test, before a generated parameter setter can shadow it.

#[test]
fn every_request_method_is_reserved() {
    let path = format!("{}/src/request.rs", env!("CARGO_MANIFEST_DIR"));
    let file = syn::parse_file(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut found = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let syn::Type::Path(ty) = &*block.self_ty else {
            continue;
        };
        if block.trait_.is_some() || ty.path.segments.last().unwrap().ident != "Request" {
            continue;
        }
        for item in &block.items {
            if let syn::ImplItem::Fn(f) = item
                && matches!(f.vis, syn::Visibility::Public(_))
            {
                found.push(f.sig.ident.to_string());
            }
        }
    }
    assert!(found.iter().any(|m| m == "walk_from_id"), "{found:?}");
    let missing: Vec<&String> = found
        .iter()
        .filter(|m| !esi_codegen::reserved::REQUEST_METHODS.contains(&m.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "add to esi_codegen::reserved::REQUEST_METHODS: {missing:?}"
    );
}
