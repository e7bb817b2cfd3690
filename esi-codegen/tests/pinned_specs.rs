//! The pinned real specs load, normalise and carry the metadata the client needs.

use esi_codegen::model::{ClientParameter, Pagination, SpecKind};

fn spec(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(name)
}

#[test]
fn openapi_2026_08_18_loads() {
    let api = esi_codegen::load(spec("esi-openapi-2026-08-18.json")).unwrap();
    assert_eq!(api.kind, SpecKind::OpenApi31);
    assert_eq!(api.operations.len(), 233);
    assert_eq!(api.compatibility_date.as_deref(), Some("2026-08-18"));
    assert_eq!(api.used_tags().len(), 39);
    let orders = api.operation("GetMarketsRegionIdOrders").unwrap();
    assert_eq!(orders.pagination, Pagination::XPages);
    assert_eq!(orders.rate_limit.as_ref().unwrap().group, "market-order");
    assert_eq!(orders.rate_limit.as_ref().unwrap().window_seconds, 900);
    assert!(
        orders
            .client_parameters
            .contains(&ClientParameter::CompatibilityDate)
    );
    assert!(orders.client_parameters.contains(&ClientParameter::Page));
    assert!(
        orders
            .parameters
            .iter()
            .all(|p| p.name != "X-Compatibility-Date" && p.name != "page")
    );
    let wallet = api.operation("GetCharactersCharacterIdWallet").unwrap();
    assert_eq!(wallet.scopes, ["esi-wallet.read_character_wallet.v1"]);
    assert_eq!(
        api.operations
            .iter()
            .filter(|o| o.pagination == Pagination::Cursor)
            .count(),
        12
    );
    assert_eq!(
        api.operations
            .iter()
            .filter(|o| o.pagination == Pagination::XPages)
            .count(),
        40
    );
    assert_eq!(
        api.operations
            .iter()
            .filter(|o| o.is_authenticated())
            .count(),
        145
    );
    assert_eq!(api.scopes.len(), 72);
    let read_only_posts = api
        .operations
        .iter()
        .filter(|o| o.method == esi_codegen::model::HttpMethod::Post && o.read_only)
        .count();
    assert_eq!(
        read_only_posts, 9,
        "names, ids, affiliation, asset names/locations, cspa, route"
    );
    for op in api
        .operations
        .iter()
        .filter(|o| o.pagination == Pagination::FromId)
    {
        assert_eq!(
            op.from_id_field.as_deref(),
            Some("transaction_id"),
            "{}",
            op.operation_id
        );
    }
}

#[test]
fn openapi_2025_11_06_loads() {
    let api = esi_codegen::load(spec("esi-openapi-2025-11-06.json")).unwrap();
    assert_eq!(api.operations.len(), 202);
    assert_eq!(api.compatibility_date.as_deref(), Some("2025-11-06"));
}

#[test]
fn swagger_latest_loads() {
    let api = esi_codegen::load(spec("esi-swagger-latest-v1.3.8.json")).unwrap();
    assert_eq!(api.kind, SpecKind::Swagger2);
    assert_eq!(api.operations.len(), 206);
    assert_eq!(api.base_path, "/latest");
    assert_eq!(api.compatibility_date, None);
    let orders = api.operation("get_markets_region_id_orders").unwrap();
    assert!(
        orders
            .client_parameters
            .contains(&ClientParameter::Datasource)
    );
    assert_eq!(orders.cache_seconds, Some(300));
    assert_eq!(
        api.operations
            .iter()
            .filter(|o| o.pagination == Pagination::FromId)
            .count(),
        2
    );
    assert!(
        api.operations
            .iter()
            .filter(|o| o.request_body.is_some())
            .count()
            > 10
    );
}

#[test]
fn generation_smoke() {
    for name in [
        "esi-openapi-2026-08-18.json",
        "esi-openapi-2025-11-06.json",
        "esi-swagger-latest-v1.3.8.json",
    ] {
        let api = esi_codegen::load(spec(name)).unwrap();
        let n = api.operations.len();
        let t = std::time::Instant::now();
        let g = esi_codegen::Generator::new(api).generate().unwrap();
        eprintln!(
            "{name}: {} ops, {} types, {} lines, {:?}",
            g.operations,
            g.types,
            g.lines(),
            t.elapsed()
        );
        assert_eq!(g.operations, n);
        std::fs::write(format!("/tmp/gen-{name}.rs"), &g.source).unwrap();
    }
}
