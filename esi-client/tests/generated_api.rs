//! The generated API covers the whole spec it was built from, and its models decode
//! real-shaped ESI JSON, tolerating the fields and enum values ESI adds without notice.

use std::collections::BTreeSet;

fn spec_file() -> std::path::PathBuf {
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    if let Some(path) = option_env!("ESI_SPEC_PATH").filter(|p| !p.is_empty()) {
        return path.into();
    }
    let name = match esi_client::SPEC.kind {
        esi_client::SpecKind::Swagger2 => "esi-swagger-latest-v1.3.8.json".to_string(),
        _ => format!("esi-openapi-{}.json", esi_client::SPEC.version),
    };
    specs.join(name)
}

/// Every operation in the spec file, counted straight from its JSON (not through esi-codegen).
fn spec_operation_ids() -> BTreeSet<String> {
    let text = std::fs::read_to_string(spec_file()).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut ids = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for method in ["get", "post", "put", "delete", "patch"] {
            if let Some(id) = item.get(method).and_then(|op| op["operationId"].as_str()) {
                ids.insert(id.to_string());
            }
        }
    }
    ids
}

#[test]
#[cfg(all(feature = "all-resources", esi_spec = "2026-08-18"))]
fn default_spec_has_233_methods() {
    assert_eq!(esi_client::SPEC.version, "2026-08-18");
    assert_eq!(esi_client::OPERATIONS.len(), 233);
}

#[test]
#[cfg(feature = "all-resources")]
fn every_spec_operation_became_a_method() {
    let in_spec = spec_operation_ids();
    let generated: BTreeSet<String> = esi_client::OPERATIONS
        .iter()
        .map(|op| op.id.to_string())
        .collect();
    assert_eq!(generated, in_spec);
    // And each is a real method of its resource, in the generated sources.
    let mut source = String::new();
    for entry in std::fs::read_dir(env!("OUT_DIR")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            source.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    for op in esi_client::OPERATIONS {
        assert!(
            source.contains(&format!("pub fn {}(", op.name)),
            "no method {} for {}",
            op.name,
            op.id
        );
        assert!(source.contains(&format!("pub fn {}(", op.resource)));
    }
}

/// Models of the default spec, by name (other specs name them differently).
#[cfg(all(feature = "market", esi_spec = "2026-08-18"))]
mod openapi_models {
    use esi_client::market::{MarketsRegionIdOrdersGetItem, Range};

    /// A market order with a field and an enum value this client does not know.
    const ORDER: &str = r#"{
        "duration": 90, "is_buy_order": false, "issued": "2026-11-20T05:12:25Z",
        "location_id": 60003760, "min_volume": 1, "order_id": 6855123001,
        "price": 5.25, "range": "constellation", "system_id": 30000142,
        "type_id": 34, "volume_remain": 1296000, "volume_total": 2000000,
        "brand_new_field": {"nested": true}
    }"#;

    #[test]
    fn market_order_decodes_with_unknown_field_and_enum_value() {
        let order: MarketsRegionIdOrdersGetItem = serde_json::from_str(ORDER).unwrap();
        assert_eq!(order.range, Range::Unknown("constellation".into()));
        assert_eq!(order.issued.to_rfc3339(), "2026-11-20T05:12:25+00:00");
        assert_eq!(order.min_volume, 1);
        let known: Range = serde_json::from_str("\"region\"").unwrap();
        assert_eq!(known, Range::Region);
    }

    /// With the `serialize` and `partial-eq` features (the workspace's test run has both), an
    /// answer model encodes to what it decoded from (less what it does not know).
    #[cfg(all(feature = "serialize", feature = "partial-eq"))]
    #[test]
    fn market_order_round_trips_through_serialize() {
        let order: MarketsRegionIdOrdersGetItem = serde_json::from_str(ORDER).unwrap();
        let back = serde_json::to_value(&order).unwrap();
        assert_eq!(back["range"], "constellation");
        let again: MarketsRegionIdOrdersGetItem = serde_json::from_value(back).unwrap();
        assert_eq!(again, order);
    }

    /// A key sent twice, a required key missing and a struct sent as an array are errors, as
    /// with serde's derive.
    #[test]
    fn market_order_refuses_duplicate_missing_and_array_forms() {
        let err = |json: &str| {
            serde_json::from_str::<MarketsRegionIdOrdersGetItem>(json)
                .unwrap_err()
                .to_string()
        };
        let twice = err(r#"{"duration": 90, "duration": 91}"#);
        assert!(twice.starts_with("duplicate field `duration`"), "{twice}");
        let missing = err(r#"{"duration": 90}"#);
        assert!(missing.starts_with("missing field"), "{missing}");
        let array = err("[90]");
        assert!(
            array.contains("struct MarketsRegionIdOrdersGetItem"),
            "{array}"
        );
    }

    #[cfg(feature = "status")]
    #[test]
    fn status_decodes() {
        let status: esi_client::status::Status = serde_json::from_str(
            r#"{"players": 23456, "server_version": "2912345", "start_time": "2026-11-26T11:02:00Z", "vip": false}"#,
        )
        .unwrap();
        assert_eq!(status.players, 23456);
        assert_eq!(status.vip, Some(false));
        // Real answers of ESI lack `vip` (December 2025): they decode too.
        let recorded: esi_client::status::Status = serde_json::from_str(
            r#"{"players": 23456, "server_version": "2912345", "start_time": "2026-11-26T11:02:00Z"}"#,
        )
        .unwrap();
        assert_eq!(recorded.vip, None);
    }

    #[cfg(feature = "universe")]
    #[test]
    fn bloodlines_accept_null_ship_type_id() {
        let json = r#"[{"bloodline_id": 1, "charisma": 6, "corporation_id": 1000006,
            "description": "d", "intelligence": 7, "memory": 7, "name": "Deteis",
            "perception": 5, "race_id": 1, "ship_type_id": null, "willpower": 5}]"#;
        let lines: esi_client::universe::UniverseBloodlinesGet =
            serde_json::from_str(json).unwrap();
        assert_eq!(lines[0].ship_type_id, None);
    }
}

/// Scopes are constants the compiler checks, and each operation lists its own as those
/// constants, the same names as its `OperationInfo`.
#[test]
#[cfg(all(feature = "wallet", esi_spec = "2026-08-18"))]
fn operations_list_their_scopes_as_constants() {
    use esi_client::Operation;
    use esi_client::wallet::GetCharactersCharacterIdWallet as Wallet;

    let wanted = esi_client::scopes::WALLET_READ_CHARACTER_WALLET_V1;
    assert_eq!(wanted.as_str(), "esi-wallet.read_character_wallet.v1");
    assert_eq!(Wallet::SCOPES, [wanted]);
    let names: Vec<&str> = Wallet::SCOPES.iter().map(|s| s.as_str()).collect();
    assert_eq!(names, Wallet::INFO.scopes);
}
