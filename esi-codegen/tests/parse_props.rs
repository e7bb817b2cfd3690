//! The spec loader (`esi_codegen::parse`) fed arbitrary bytes, arbitrary JSON, and the test
//! fixtures (Swagger 2.0, OpenAPI 3.0 and 3.1) with random nodes replaced, removed or turned
//! into `$ref`s (cycles included): it never panics, and always answers a typed error or a model.
//! Bounded case counts, so it runs in seconds.

use proptest::prelude::*;
use serde_json::Value;

const CASES: u32 = 256;

const FIXTURES: [(&str, &str); 3] = [
    ("swagger2.json", include_str!("fixtures/swagger2.json")),
    ("openapi30.json", include_str!("fixtures/openapi30.json")),
    ("openapi31.json", include_str!("fixtures/openapi31.json")),
];

/// Any JSON value, a few levels deep, with keys a spec uses among the arbitrary ones.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        any::<String>().prop_map(Value::from),
        prop::sample::select(
            &[
                "string",
                "integer",
                "object",
                "array",
                "boolean",
                "number",
                "int32",
                "int64",
                "date-time",
                "#/components/schemas/x",
                "#/definitions/x",
                "#/",
                "#",
                "3.1.0",
                "2.0",
            ][..]
        )
        .prop_map(Value::from),
    ];
    let key = prop_oneof![
        any::<String>(),
        prop::sample::select(
            &[
                "openapi",
                "swagger",
                "paths",
                "components",
                "schemas",
                "definitions",
                "$ref",
                "type",
                "items",
                "properties",
                "required",
                "enum",
                "oneOf",
                "allOf",
                "anyOf",
                "parameters",
                "responses",
                "200",
                "get",
                "operationId",
                "tags",
                "in",
                "name",
                "schema",
                "content",
                "application/json",
                "x-rate-limit",
                "x-pagination",
                "x-compatibility-date",
                "security",
                "info",
                "version",
                "nullable",
            ][..]
        )
        .prop_map(str::to_owned),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every JSON pointer in `v`, the root (`""`) first.
fn pointers(v: &Value, at: &str, out: &mut Vec<String>) {
    out.push(at.to_owned());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(child, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                pointers(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// One change to a document.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the node with this value.
    Replace(usize, Value),
    /// Remove the node from its parent.
    Remove(usize),
    /// Replace the node with a `$ref` to another node (possibly an ancestor: a cycle).
    RefTo(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), json_value()).prop_map(|(at, v)| Mutation::Replace(at, v)),
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), any::<usize>()).prop_map(|(at, to)| Mutation::RefTo(at, to)),
    ]
}

fn apply(doc: &mut Value, m: &Mutation) {
    let mut all = Vec::new();
    pointers(doc, "", &mut all);
    let pick = |i: usize| all[i % all.len()].clone();
    match m {
        Mutation::Replace(at, v) => {
            if let Some(node) = doc.pointer_mut(&pick(*at)) {
                *node = v.clone();
            }
        }
        Mutation::Remove(at) => {
            let p = pick(*at);
            let Some((parent, key)) = p.rsplit_once('/') else {
                return;
            };
            let key = key.replace("~1", "/").replace("~0", "~");
            match doc.pointer_mut(parent) {
                Some(Value::Object(m)) => {
                    m.remove(&key);
                }
                Some(Value::Array(a)) => {
                    if let Ok(i) = key.parse::<usize>()
                        && i < a.len()
                    {
                        a.remove(i);
                    }
                }
                _ => {}
            }
        }
        Mutation::RefTo(at, to) => {
            let target = format!("#{}", pick(*to));
            if let Some(node) = doc.pointer_mut(&pick(*at)) {
                *node = serde_json::json!({ "$ref": target });
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = esi_codegen::parse(&text, "bytes.json");
    }

    #[test]
    fn arbitrary_json(doc in json_value()) {
        let _ = esi_codegen::parse(&doc.to_string(), "arbitrary.json");
    }

    #[test]
    fn arbitrary_json_under_a_spec_header(
        version in prop::sample::select(&[("openapi", "3.1.0"), ("openapi", "3.0.3"), ("swagger", "2.0")][..]),
        rest in prop::collection::btree_map(
            prop::sample::select(&["paths", "components", "definitions", "info", "tags", "parameters"][..]),
            json_value(),
            0..5,
        ),
    ) {
        let mut doc = serde_json::Map::new();
        doc.insert(version.0.to_owned(), Value::from(version.1));
        for (k, v) in rest {
            doc.insert(k.to_owned(), v);
        }
        let _ = esi_codegen::parse(&Value::Object(doc).to_string(), "headed.json");
    }

    #[test]
    fn mutated_fixtures(
        fixture in 0usize..FIXTURES.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let (name, text) = FIXTURES[fixture];
        let mut doc: Value = serde_json::from_str(text).expect("fixture is JSON");
        for m in &mutations {
            apply(&mut doc, m);
        }
        let _ = esi_codegen::parse(&doc.to_string(), name);
    }
}

#[test]
fn the_fixtures_parse_unchanged() {
    for (name, text) in FIXTURES {
        esi_codegen::parse(text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
