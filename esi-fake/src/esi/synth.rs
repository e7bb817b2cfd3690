//! Deterministic sample data synthesised from a response schema.
//!
//! [`Synth::value`] walks an [`esi_codegen::model::Schema`] and builds a JSON value of the
//! right shape: integers inside their `int32`/`int64` range (and `minimum`/`maximum`), RFC 3339
//! `date-time` and `YYYY-MM-DD` `date` strings, values from the enum, arrays of a few items,
//! nested objects with every required property and most optional ones. The same schema and seed
//! always give the same value, so two runs of the fake serve identical bytes.
//!
//! Values look like EVE's where the property name says what they are (module `eve_values`):
//! ids in their EVE ranges, market order durations in days, prices in ISK with two decimals,
//! and within one object an order's remaining volume at most its total, a skill's start points
//! at most its end points, dates that follow each other in order. The schema always wins: a
//! realistic value outside `minimum`/`maximum` or the integer format is never produced.

use chrono::{DateTime, Utc};
use esi_codegen::model::{Api, FloatFormat, IntFormat, Property, Schema, SchemaKind, StringFormat};
use serde_json::{Map, Number, Value};

use super::eve_values::{self, Rule};
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
    /// Property name, a hint for what the value is.
    name: Option<&'n str>,
    /// The properties of the object the value belongs to (context for the name).
    siblings: &'n [Property],
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
            siblings: &[],
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
            SchemaKind::Boolean => {
                let percent = at.name.and_then(eve_values::boolean_percent);
                Value::Bool(rng.chance(percent.unwrap_or(50)))
            }
            SchemaKind::Integer(format) => Value::from(integer(resolved, *format, at, rng)),
            SchemaKind::Number(format) => number(resolved, *format, at, rng),
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
                            siblings: properties,
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
                            siblings: &[],
                        };
                        out.insert(key, self.generate(extra, rng, child));
                    }
                }
                self.settle(&mut out, properties, rng);
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
            siblings: at.siblings,
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

    /// Makes the properties of one object agree with each other, as EVE's do: an order's
    /// remaining volume at most its total (often equal: nothing sold yet) and its minimum volume
    /// at most its total, an active order issued within its duration, an industry job ending
    /// its duration after it started, skill points and dates in order. A value is only
    /// changed to one its own schema allows.
    fn settle(&self, out: &mut Map<String, Value>, properties: &[Property], rng: &mut Rng) {
        let bounds = |name: &str| -> Option<(i64, i64)> {
            let prop = properties.iter().find(|p| p.name == name)?;
            let schema = self.api.resolve(&prop.schema);
            match schema.kind {
                SchemaKind::Integer(format) => Some(allowed_integers(schema, format)),
                _ => None,
            }
        };
        if let Some(total) = out.get("volume_total").and_then(Value::as_i64) {
            let untouched = rng.chance(40);
            cap(
                out,
                "volume_remain",
                bounds("volume_remain"),
                total,
                untouched,
                rng,
            );
            cap(out, "min_volume", bounds("min_volume"), total, false, rng);
        }
        let is_order = out.contains_key("is_buy_order") || out.contains_key("volume_total");
        if let (true, Some(days)) = (is_order, out.get("duration").and_then(Value::as_i64)) {
            let window = days.clamp(1, 90) as u64 * 86_400;
            let issued = DateTime::from_timestamp(EPOCH_SECONDS - rng.below(window) as i64, 0);
            replace_timestamp(out, "issued", issued);
        }
        if out.contains_key("job_id") {
            let end = timestamp_of(out, "start_date").and_then(|start| {
                let seconds = out.get("duration").and_then(Value::as_i64)?;
                start.checked_add_signed(chrono::TimeDelta::try_seconds(seconds)?)
            });
            replace_timestamp(out, "end_date", end);
        }
        for chain in INTEGER_CHAINS {
            order_integers(out, chain, &bounds);
        }
        for chain in DATE_CHAINS {
            order_dates(out, chain);
        }
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

/// The integers `schema` allows: its `minimum` and `maximum` inside the range of its format.
fn allowed_integers(schema: &Schema, format: IntFormat) -> (i64, i64) {
    let (format_lo, format_hi) = match format {
        IntFormat::I32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        IntFormat::I64 => (i64::MIN, i64::MAX),
    };
    let lo = schema
        .minimum
        .map_or(format_lo, |m| (m.ceil() as i64).max(format_lo));
    let hi = schema
        .maximum
        .map_or(format_hi, |m| (m.floor() as i64).min(format_hi));
    (lo, hi)
}

/// A realistic value from `rule` that the schema allows, if it allows one.
fn realistic_integer(schema: &Schema, format: IntFormat, rule: Rule, rng: &mut Rng) -> Option<i64> {
    let (lo, hi) = allowed_integers(schema, format);
    eve_values::draw(rule, lo, hi, rng)
}

fn integer(schema: &Schema, format: IntFormat, at: At<'_>, rng: &mut Rng) -> i64 {
    let name = at.name.unwrap_or("");
    if let Some(value) = eve_values::integer_rule(name, at.siblings)
        .and_then(|rule| realistic_integer(schema, format, rule, rng))
    {
        return value;
    }
    let (format_lo, format_hi) = match format {
        IntFormat::I32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        IntFormat::I64 => (i64::MIN, i64::MAX),
    };
    let spec_lo = schema.minimum.map(|m| m.ceil() as i64);
    let spec_hi = schema.maximum.map(|m| m.floor() as i64);
    // Without bounds or a rule: unknown ids spread over their whole width (an int64 id is often
    // past i32::MAX, so a client reading it into 32 bits notices); counts and the like stay small.
    let is_id = name == "id" || name.ends_with("_id");
    let default_hi = match (format, is_id, rng.below(10)) {
        (_, false, _) | (_, true, 0..=2) => 100_000,
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

fn number(schema: &Schema, format: FloatFormat, at: At<'_>, rng: &mut Rng) -> Value {
    let within =
        |v: f64| schema.minimum.is_none_or(|m| v >= m) && schema.maximum.is_none_or(|m| v <= m);
    if let Some(rule) = at
        .name
        .and_then(|name| eve_values::number_rule(name, at.siblings))
    {
        // Rules count hundredths: two decimals, like ISK.
        let lo = schema
            .minimum
            .map_or(i64::MIN, |m| (m * 100.0).ceil() as i64);
        let hi = schema
            .maximum
            .map_or(i64::MAX, |m| (m * 100.0).floor() as i64);
        let value = eve_values::draw(rule, lo, hi, rng).map(|h| h as f64 / 100.0);
        if let Some(number) = value.filter(|v| within(*v)).and_then(Number::from_f64) {
            return Value::Number(number);
        }
    }
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

/// Integer properties that never decrease in this order within one object.
const INTEGER_CHAINS: &[&[&str]] = &[&["level_start_sp", "training_start_sp", "level_end_sp"]];
/// Date properties that never go back in time in this order within one object.
const DATE_CHAINS: &[&[&str]] = &[
    &["date_issued", "date_accepted", "date_completed"],
    &["date_issued", "date_expired"],
    &["start_date", "pause_date"],
    &["start_date", "end_date"],
    &["started", "finished"],
    &["created", "expires"],
];
/// How synthesised timestamps are written (`date-time`).
const DATE_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// Keeps the integer `key` at most `limit` within its `bounds`: drawn again (or set to the
/// largest allowed, if `largest`) when it is above `limit` or `largest` asks for it.
fn cap(
    out: &mut Map<String, Value>,
    key: &str,
    bounds: Option<(i64, i64)>,
    limit: i64,
    largest: bool,
    rng: &mut Rng,
) {
    let (Some(value), Some((lo, hi))) = (out.get(key).and_then(Value::as_i64), bounds) else {
        return;
    };
    let top = hi.min(limit);
    if top < lo || (value <= top && !largest) {
        return;
    }
    let bottom = lo.max(1).min(top);
    let capped = if largest {
        top
    } else {
        rng.range_i64(bottom, top)
    };
    out.insert(key.to_string(), Value::from(capped));
}

/// Sorts the integers of `chain` present in `out`, if each sorted value fits its own bounds.
fn order_integers(
    out: &mut Map<String, Value>,
    chain: &[&str],
    bounds: &dyn Fn(&str) -> Option<(i64, i64)>,
) {
    let present: Vec<(&str, i64)> = chain
        .iter()
        .filter_map(|key| Some((*key, out.get(*key)?.as_i64()?)))
        .collect();
    let mut sorted: Vec<i64> = present.iter().map(|(_, v)| *v).collect();
    sorted.sort_unstable();
    let fits = present
        .iter()
        .zip(&sorted)
        .all(|((key, _), v)| bounds(key).is_some_and(|(lo, hi)| (lo..=hi).contains(v)));
    if fits {
        for ((key, _), v) in present.iter().zip(sorted) {
            out.insert((*key).to_string(), Value::from(v));
        }
    }
}

/// Sorts the timestamps of `chain` present in `out` (all written alike, so text order is time
/// order); `null`s and other values stay where they are.
fn order_dates(out: &mut Map<String, Value>, chain: &[&str]) {
    let present: Vec<(&str, String)> = chain
        .iter()
        .filter_map(|key| Some((*key, out.get(*key)?.as_str()?.to_string())))
        .collect();
    let Some((_, first)) = present.first() else {
        return;
    };
    if present.iter().any(|(_, v)| v.len() != first.len()) {
        return;
    }
    let mut sorted: Vec<String> = present.iter().map(|(_, v)| v.clone()).collect();
    sorted.sort_unstable();
    for ((key, _), v) in present.iter().zip(sorted) {
        out.insert((*key).to_string(), Value::String(v));
    }
}

/// The `date-time` string at `key`, read back.
fn timestamp_of(out: &Map<String, Value>, key: &str) -> Option<DateTime<Utc>> {
    let text = out.get(key)?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Replaces the `date-time` string at `key` (only one that is present and a `date-time`).
fn replace_timestamp(out: &mut Map<String, Value>, key: &str, value: Option<DateTime<Utc>>) {
    if let (Some(_), Some(value)) = (timestamp_of(out, key), value) {
        out.insert(
            key.to_string(),
            Value::String(value.format(DATE_TIME_FORMAT).to_string()),
        );
    }
}

fn string(format: &StringFormat, name: Option<&str>, rng: &mut Rng) -> String {
    match format {
        StringFormat::DateTime => timestamp(rng).format(DATE_TIME_FORMAT).to_string(),
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
    use crate::esi::Validator;

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

    /// The three pinned specs, loaded.
    fn pinned_apis() -> Vec<(&'static str, Api)> {
        let dir = super::super::config::specs_dir();
        super::super::pinned::PINNED_SPECS
            .iter()
            .map(|spec| {
                let api = esi_codegen::load(dir.join(spec.file_name)).expect("pinned spec loads");
                (spec.file_name, api)
            })
            .collect()
    }

    /// Calls `check(spec file, api, path, schema, value)` for the answers of every operation of
    /// every pinned spec, synthesised with seeds `0..seeds`.
    fn each_answer(seeds: u64, mut check: impl FnMut(&str, &Api, &str, &Schema, &Value)) {
        for (file, api) in pinned_apis() {
            let synth = Synth::new(&api);
            for op in &api.operations {
                let Some(schema) = op.success_schema() else {
                    continue;
                };
                for seed in 0..seeds {
                    check(file, &api, &op.path, schema, &synth.value(schema, seed));
                }
            }
        }
    }

    /// Every `(property name, value)` pair inside `value`, at any depth.
    fn pairs<'v>(value: &'v Value, out: &mut Vec<(&'v str, &'v Value)>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    out.push((key, inner));
                    pairs(inner, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| pairs(item, out)),
            _ => {}
        }
    }

    fn order_items<'a>(api: &'a Api, file: &str) -> &'a Schema {
        let op = api
            .operations
            .iter()
            .find(|op| op.path.trim_end_matches('/') == "/markets/{region_id}/orders")
            .unwrap_or_else(|| panic!("{file}: market orders op"));
        let schema = api.resolve(op.success_schema().expect("schema"));
        match &schema.kind {
            SchemaKind::Array { items, .. } => items,
            other => panic!("{file}: orders are {other:?}"),
        }
    }

    #[test]
    fn market_orders_look_like_eve_in_every_pinned_spec() {
        let oldest_issue = EPOCH_SECONDS - 90 * 86_400;
        for (file, api) in pinned_apis() {
            let items = order_items(&api, file);
            let synth = Synth::new(&api);
            let validator = Validator::new(&api);
            let (mut untouched, mut buys) = (0, 0);
            for seed in 0..400 {
                let order = synth.value(items, seed);
                assert!(validator.is_valid(items, &order), "{file}: {order}");
                let int = |key: &str| order[key].as_i64().unwrap_or_else(|| panic!("{key}"));
                assert!(
                    [0, 1, 3, 7, 14, 30, 90].contains(&int("duration")),
                    "{order}"
                );
                let (total, remain) = (int("volume_total"), int("volume_remain"));
                assert!((1..=total).contains(&remain), "{file}: {order}");
                assert!((1..=total).contains(&int("min_volume")), "{file}: {order}");
                assert!((18..=60_000).contains(&int("type_id")), "{order}");
                assert!(
                    (30_000_000..=31_999_999).contains(&int("system_id")),
                    "{order}"
                );
                let location = int("location_id");
                assert!(
                    (60_000_000..=64_000_000).contains(&location) || location >= 1_000_000_000_000,
                    "{order}"
                );
                let price = order["price"].as_f64().expect("price");
                assert!(price > 0.0 && price <= 10_000_000_000.0, "{order}");
                // Two decimals at most: the shortest text of the number says so.
                assert!(
                    price
                        .to_string()
                        .split('.')
                        .nth(1)
                        .is_none_or(|d| d.len() <= 2),
                    "{order}"
                );
                let issued =
                    DateTime::parse_from_rfc3339(order["issued"].as_str().expect("issued"))
                        .expect("issued parses")
                        .timestamp();
                assert!((oldest_issue..=EPOCH_SECONDS).contains(&issued), "{order}");
                untouched += usize::from(remain == total);
                buys += usize::from(order["is_buy_order"] == true);
            }
            // Both kinds of order, and both touched and untouched ones, appear.
            assert!(
                (50..=350).contains(&untouched),
                "{file}: {untouched} untouched"
            );
            assert!((50..=350).contains(&buys), "{file}: {buys} buy orders");
        }
    }

    #[test]
    fn ids_and_amounts_fall_in_eve_ranges_for_every_operation() {
        let ranges: &[(&str, &[(i64, i64)])] = &[
            (
                "character_id",
                &[(90_000_000, 97_999_999), (2_100_000_000, 2_147_483_647)],
            ),
            (
                "corporation_id",
                &[(1_000_000, 1_999_999), (98_000_000, 98_999_999)],
            ),
            ("alliance_id", &[(99_000_000, 99_999_999)]),
            ("region_id", &[(10_000_000, 10_999_999)]),
            ("solar_system_id", &[(30_000_000, 31_999_999)]),
            ("system_id", &[(30_000_000, 31_999_999)]),
            ("station_id", &[(60_000_000, 64_000_000)]),
            ("constellation_id", &[(20_000_000, 21_999_999)]),
            ("faction_id", &[(500_000, 500_999)]),
            ("duration", &[(0, 3_000_000)]),
            ("quantity", &[(-2, 10_000_000)]),
        ];
        let mut checked = 0;
        each_answer(3, |file, api, path, schema, value| {
            let violations = Validator::new(api).validate(schema, value);
            assert!(violations.is_empty(), "{file} {path}: {violations:?}");
            let mut found = Vec::new();
            pairs(value, &mut found);
            for (key, inner) in found {
                let (Some((_, allowed)), Some(v)) =
                    (ranges.iter().find(|(k, _)| *k == key), inner.as_i64())
                else {
                    continue;
                };
                checked += 1;
                assert!(
                    allowed.iter().any(|(lo, hi)| (*lo..=*hi).contains(&v)),
                    "{file} {path}: {key} = {v}"
                );
            }
        });
        assert!(checked > 1_000, "only {checked} values checked");
    }

    #[test]
    fn schema_bounds_and_formats_win_over_realism() {
        let api = api();
        let synth = Synth::new(&api);
        let object = |name: &str, schema: Schema, beside: &[&str]| {
            let mut properties = vec![Property {
                name: name.into(),
                schema,
                required: true,
            }];
            properties.extend(beside.iter().map(|other| Property {
                name: (*other).into(),
                schema: Schema::of(SchemaKind::Boolean),
                required: false,
            }));
            Schema::of(SchemaKind::Object {
                properties,
                additional: None,
            })
        };
        let bounded = |format, lo: f64, hi: f64| {
            let mut schema = int(format);
            schema.minimum = Some(lo);
            schema.maximum = Some(hi);
            schema
        };
        // An int32 location cannot hold a structure id: it is a station.
        let location = object("location_id", int(IntFormat::I32), &[]);
        // Bounds leaving only some order durations: those.
        let duration = object(
            "duration",
            bounded(IntFormat::I64, 5.0, 20.0),
            &["is_buy_order"],
        );
        // Bounds leaving no EVE region: the bounds, not the region range.
        let region = object("region_id", bounded(IntFormat::I64, 1.0, 100.0), &[]);
        let mut cheap = Schema::of(SchemaKind::Number(FloatFormat::F64));
        cheap.maximum = Some(1.5);
        let price = object("price", cheap, &[]);
        for seed in 0..300 {
            let v = synth.value(&location, seed)["location_id"]
                .as_i64()
                .expect("int");
            assert!((60_000_000..=64_000_000).contains(&v), "{v}");
            let d = synth.value(&duration, seed)["duration"]
                .as_i64()
                .expect("int");
            assert!([7, 14].contains(&d), "{d}");
            let r = synth.value(&region, seed)["region_id"]
                .as_i64()
                .expect("int");
            assert!((1..=100).contains(&r), "{r}");
            let p = synth.value(&price, seed)["price"].as_f64().expect("number");
            assert!((0.0..=1.5).contains(&p), "{p}");
        }
    }

    #[test]
    fn related_properties_agree_within_an_object() {
        each_answer(20, |file, _, path, _, value| {
            let mut found = Vec::new();
            pairs(value, &mut found);
            for (_, inner) in found {
                let Value::Object(map) = inner else {
                    continue;
                };
                let text = |key: &str| map.get(key).and_then(Value::as_str);
                let int = |key: &str| map.get(key).and_then(Value::as_i64);
                if let (Some(a), Some(b)) = (text("date_issued"), text("date_expired")) {
                    assert!(a <= b, "{file} {path}: {inner}");
                }
                if let (Some(a), Some(b)) = (int("level_start_sp"), int("level_end_sp")) {
                    assert!(a <= b, "{file} {path}: {inner}");
                }
                if let (Some(a), Some(b)) = (text("start_date"), text("end_date")) {
                    assert!(a <= b, "{file} {path}: {inner}");
                }
            }
        });
    }

    #[test]
    fn every_pinned_spec_synthesises_the_same_bytes_twice() {
        each_answer(1, |file, api, path, schema, value| {
            let again = Synth::new(api).value(schema, 0);
            assert_eq!(value.to_string(), again.to_string(), "{file} {path}");
        });
    }
}
