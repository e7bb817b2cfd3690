//! Deterministic sample data synthesised from a response schema.
//!
//! [`Synth::value`] walks an [`esi_codegen::model::Schema`] and builds a JSON value of the
//! right shape: integers inside their `int32`/`int64` range (and `minimum`/`maximum`), RFC 3339
//! `date-time` and `YYYY-MM-DD` `date` strings, values from the enum, arrays of a few items,
//! nested objects with every required property and most optional ones. The same schema and seed
//! always give the same value, so two runs of the fake serve identical bytes.

use chrono::{DateTime, Utc};
use esi_codegen::model::{Api, FloatFormat, IntFormat, Schema, SchemaKind, StringFormat};
use serde_json::{Map, Number, Value};

use super::rng::Rng;

/// Nesting depth at which synthesis stops descending (guards against recursive schemas).
const MAX_DEPTH: usize = 24;
/// Synthesised timestamps count back from this fixed instant (2026-05-28T...Z), never from now.
const EPOCH_SECONDS: i64 = 1_780_000_000;
/// How far back synthesised timestamps reach: about three years.
const SPAN_SECONDS: u64 = 3 * 365 * 86_400;
/// Percent of optional properties that are present.
const OPTIONAL_PRESENT_PERCENT: u64 = 85;
/// Percent of nullable values that come out as `null`.
const NULL_PERCENT: u64 = 10;

const WORDS: &[&str] = &[
    "Amarr",
    "Caldari",
    "Gallente",
    "Minmatar",
    "Jita",
    "Perimeter",
    "Tritanium",
    "Pyerite",
    "Rifter",
    "Drake",
    "Raven",
    "Avatar",
    "Concord",
    "Outer",
    "Ring",
    "Station",
    "Nebula",
    "Wormhole",
    "Vexor",
    "Thorax",
    "Dominix",
    "Sisters",
    "Eve",
    "Serpentis",
    "Angel",
    "Guristas",
    "Blood",
    "Raider",
    "Mining",
    "Foundation",
    "Federal",
    "Navy",
    "Republic",
    "Fleet",
    "Tash",
];
/// Words outside ASCII, so clients see real UTF-8 now and then.
const WIDE_WORDS: &[&str] = &["Ōkami", "Звезда", "星系", "Gérard", "Smørrebrød"];

/// Builds sample values for schemas of one [`Api`].
#[derive(Debug, Clone, Copy)]
pub struct Synth<'a> {
    api: &'a Api,
    echo: &'a [(String, String)],
}

/// Where in the value a schema sits.
#[derive(Debug, Clone, Copy)]
struct At<'n> {
    depth: usize,
    /// Top-level object (or top-level array item): integer properties named like a path
    /// parameter take that parameter's value.
    echo: bool,
    /// Property name, a hint for strings.
    name: Option<&'n str>,
}

impl<'a> Synth<'a> {
    /// A synthesiser over the named schemas of `api`.
    pub fn new(api: &'a Api) -> Self {
        Synth { api, echo: &[] }
    }

    /// Makes top-level integer properties named like one of `params` (e.g. `character_id`) carry
    /// that parameter's value, as ESI's answers do.
    pub fn echo(mut self, params: &'a [(String, String)]) -> Self {
        self.echo = params;
        self
    }

    /// A value for `schema`, fully determined by `seed`.
    pub fn value(&self, schema: &Schema, seed: u64) -> Value {
        let mut rng = Rng::new(seed);
        let at = At {
            depth: 0,
            echo: true,
            name: None,
        };
        self.generate(schema, &mut rng, at)
    }

    fn generate(&self, schema: &Schema, rng: &mut Rng, at: At<'_>) -> Value {
        if at.depth > MAX_DEPTH {
            return Value::Null;
        }
        let resolved = self.api.resolve(schema);
        if (schema.nullable || resolved.nullable) && rng.chance(NULL_PERCENT) {
            return Value::Null;
        }
        match &resolved.kind {
            SchemaKind::Ref(_) | SchemaKind::Any => Value::Object(Map::new()),
            SchemaKind::Boolean => Value::Bool(rng.chance(50)),
            SchemaKind::Integer(format) => {
                Value::from(integer(resolved, *format, at.name.unwrap_or(""), rng))
            }
            SchemaKind::Number(format) => number(resolved, *format, rng),
            SchemaKind::String(format) => Value::String(string(format, at.name, rng)),
            SchemaKind::Enum(values) => match values.get(rng.index(values.len())) {
                Some(v) => Value::String(v.clone()),
                None => Value::String(String::new()),
            },
            SchemaKind::Array {
                items,
                unique,
                min_items,
                max_items,
            } => self.array(items, *unique, *min_items, *max_items, rng, at),
            SchemaKind::Object {
                properties,
                additional,
            } => {
                let mut out = Map::new();
                for prop in properties {
                    if let Some(echoed) = self.echoed(&prop.name, &prop.schema, at) {
                        out.insert(prop.name.clone(), echoed);
                        continue;
                    }
                    if prop.required || rng.chance(OPTIONAL_PRESENT_PERCENT) {
                        let child = At {
                            depth: at.depth + 1,
                            echo: false,
                            name: Some(&prop.name),
                        };
                        out.insert(prop.name.clone(), self.generate(&prop.schema, rng, child));
                    }
                }
                if let (Some(extra), true) = (additional, properties.is_empty()) {
                    let count = rng.range_i64(1, 3);
                    for i in 0..count {
                        let key = format!("{}_{i}", WORDS[rng.index(WORDS.len())].to_lowercase());
                        let child = At {
                            depth: at.depth + 1,
                            echo: false,
                            name: None,
                        };
                        out.insert(key, self.generate(extra, rng, child));
                    }
                }
                Value::Object(out)
            }
            SchemaKind::OneOf(variants) => match variants.get(rng.index(variants.len())) {
                Some(variant) => self.generate(variant, rng, at),
                None => Value::Null,
            },
        }
    }

    fn array(
        &self,
        items: &Schema,
        unique: bool,
        min_items: Option<u64>,
        max_items: Option<u64>,
        rng: &mut Rng,
        at: At<'_>,
    ) -> Value {
        let lo = min_items.unwrap_or(1);
        let hi = max_items.unwrap_or(u64::MAX).min(lo.max(1) + 3).max(lo);
        let count = if at.depth > MAX_DEPTH / 2 {
            lo
        } else {
            lo + rng.below(hi - lo + 1)
        };
        let child = At {
            depth: at.depth + 1,
            echo: at.depth == 0,
            name: at.name,
        };
        let mut out: Vec<Value> = Vec::new();
        let mut attempts = 0;
        while (out.len() as u64) < count && attempts < count * 8 + 8 {
            attempts += 1;
            let item = self.generate(items, rng, child);
            if unique && out.contains(&item) {
                continue;
            }
            out.push(item);
        }
        Value::Array(out)
    }

    /// The path parameter value for a top-level integer property of the same name.
    fn echoed(&self, name: &str, schema: &Schema, at: At<'_>) -> Option<Value> {
        if !at.echo {
            return None;
        }
        let (_, raw) = self.echo.iter().find(|(param, _)| param == name)?;
        match self.api.resolve(schema).kind {
            SchemaKind::Integer(_) => raw.parse::<i64>().ok().map(Value::from),
            _ => None,
        }
    }
}

fn integer(schema: &Schema, format: IntFormat, name: &str, rng: &mut Rng) -> i64 {
    let (format_lo, format_hi) = match format {
        IntFormat::I32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        IntFormat::I64 => (i64::MIN, i64::MAX),
    };
    let spec_lo = schema.minimum.map(|m| m.ceil() as i64);
    let spec_hi = schema.maximum.map(|m| m.floor() as i64);
    // Without bounds: ids spread over their whole width (an int64 id is often past i32::MAX, so a
    // client reading it into 32 bits notices); counts, durations and the like stay small.
    let is_id = name == "id" || name.ends_with("_id");
    let default_hi = match (format, is_id, rng.below(10)) {
        (_, false, 0..=8) | (_, true, 0..=2) => 100_000,
        (IntFormat::I32, _, _) => i64::from(i32::MAX),
        (IntFormat::I64, _, 3..=5) => 2_000_000_000,
        (IntFormat::I64, _, _) => 99_999_999_999_999,
    };
    let lo = spec_lo.unwrap_or(1).max(format_lo);
    let hi = spec_hi
        .unwrap_or_else(|| lo.saturating_add(default_hi - 1))
        .min(format_hi);
    // Without a lower bound, a small upper bound pulls the lower one down with it.
    let lo = if spec_lo.is_none() { lo.min(hi) } else { lo };
    rng.range_i64(lo, hi.max(lo))
}

fn number(schema: &Schema, format: FloatFormat, rng: &mut Rng) -> Value {
    let default_hi = match format {
        FloatFormat::F32 => 1_000_000.0,
        FloatFormat::F64 => 1_000_000_000.0,
    };
    let lo = schema.minimum.unwrap_or(0.0);
    let hi = schema.maximum.unwrap_or(lo + default_hi).max(lo);
    let raw = lo + rng.unit() * (hi - lo);
    let rounded = (raw * 100.0).round() / 100.0;
    let value = if (lo..=hi).contains(&rounded) {
        rounded
    } else {
        lo
    };
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}

fn string(format: &StringFormat, name: Option<&str>, rng: &mut Rng) -> String {
    match format {
        StringFormat::DateTime => timestamp(rng).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        StringFormat::Date => timestamp(rng).format("%Y-%m-%d").to_string(),
        StringFormat::Uuid => uuid(rng),
        StringFormat::Plain | StringFormat::Other(_) => text(name.unwrap_or(""), rng),
    }
}

fn timestamp(rng: &mut Rng) -> DateTime<Utc> {
    let seconds = EPOCH_SECONDS - rng.below(SPAN_SECONDS) as i64;
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

fn uuid(rng: &mut Rng) -> String {
    let high = rng.next_u64();
    let low = rng.next_u64();
    // Version 4, RFC 4122 variant.
    let high = (high & !0xF000) | 0x4000;
    let low = (low & !(0xC000 << 48)) | (0x8000 << 48);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xFFFF,
        high & 0xFFFF,
        low >> 48,
        low & 0xFFFF_FFFF_FFFF
    )
}

fn word(rng: &mut Rng) -> &'static str {
    if rng.chance(8) {
        WIDE_WORDS[rng.index(WIDE_WORDS.len())]
    } else {
        WORDS[rng.index(WORDS.len())]
    }
}

fn text(name: &str, rng: &mut Rng) -> String {
    let words = if ["description", "text", "body", "message", "bio"]
        .iter()
        .any(|hint| name.contains(hint))
    {
        4 + rng.below(6)
    } else if name.contains("ticker") {
        return WORDS[rng.index(WORDS.len())]
            .chars()
            .take(4)
            .collect::<String>()
            .to_uppercase();
    } else {
        2
    };
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word(rng));
    }
    if !name.contains("name") && words == 2 {
        out.push_str(&format!(" {}", rng.below(1000)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use esi_codegen::model::Property;

    fn api() -> Api {
        esi_codegen::load(super::super::config::default_spec_path()).expect("pinned spec loads")
    }

    fn int(format: IntFormat) -> Schema {
        Schema::of(SchemaKind::Integer(format))
    }

    #[test]
    fn same_seed_same_value_and_different_seed_differs() {
        let api = api();
        let op = api
            .operations
            .iter()
            .find(|op| op.path == "/markets/{region_id}/orders")
            .expect("market orders op");
        let schema = op.success_schema().expect("schema");
        let synth = Synth::new(&api);
        assert_eq!(synth.value(schema, 1), synth.value(schema, 1));
        assert_ne!(synth.value(schema, 1), synth.value(schema, 2));
    }

    #[test]
    fn int32_values_fit_and_bounds_hold() {
        let api = api();
        let synth = Synth::new(&api);
        let mut bounded = int(IntFormat::I64);
        bounded.minimum = Some(10.0);
        bounded.maximum = Some(100.0);
        for seed in 0..500 {
            let v = synth
                .value(&int(IntFormat::I32), seed)
                .as_i64()
                .expect("int");
            assert!(i32::try_from(v).is_ok());
            let b = synth.value(&bounded, seed).as_i64().expect("int");
            assert!((10..=100).contains(&b));
        }
    }

    #[test]
    fn echo_puts_path_values_into_top_level_properties() {
        let api = api();
        let schema = Schema::of(SchemaKind::Object {
            properties: vec![Property {
                name: "character_id".into(),
                schema: int(IntFormat::I64),
                required: true,
            }],
            additional: None,
        });
        let params = vec![("character_id".to_string(), "90000001".to_string())];
        let value = Synth::new(&api).echo(&params).value(&schema, 3);
        assert_eq!(value["character_id"], 90_000_001);
    }
}
