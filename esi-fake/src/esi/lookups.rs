//! `POST /universe/names` and `POST /universe/ids` answered as ESI answers them, rather than
//! synthesised: one entry per id asked, and the whole batch refused over one bad id.
//!
//! Called by the handler once the request body passed its schema check (and only when the
//! configuration fixes no body for the route). The invariant: an id's name and category, and
//! whether it is known, depend on the id and the configuration alone, so every batch that
//! holds an id says the same about it.
//!
//! - **Known ids** lie in one of EVE's id ranges (`category_of`): types below 500,000,
//!   factions, NPC corporations and agents, regions, constellations, solar systems, stations,
//!   player characters, corporations and alliances. Everything else (0 and negative ids,
//!   planets, the gaps between ranges) is unknown, and so is every id of
//!   [`FakeEsiConfig::invalid_ids`](super::FakeEsiConfig::invalid_ids).
//! - **Names** are `"<Category> <id>"` (`"Solar System 30000142"`), so `/universe/ids` can
//!   resolve them back.
//! - **`/universe/names`** with any unknown id answers 404
//!   `{"error":"Ensure all IDs are valid before resolving"}` for the whole batch (ESI's
//!   Swagger spec documents that 404 and message; it counts against the error limit).
//! - **`/universe/ids`** never answers 404: ESI's spec declares no 404 and says "Only exact
//!   matches will be returned", so unknown names are left out (none known: `{}`).

use std::collections::BTreeSet;

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::reply::Reply;

/// ESI's message for a `/universe/names` batch holding an unknown id.
pub(crate) const INVALID_IDS_MESSAGE: &str = "Ensure all IDs are valid before resolving";

/// Which of the two lookups a route is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// `POST /universe/names`: ids to names.
    Names,
    /// `POST /universe/ids`: names to ids.
    Ids,
}

impl Lookup {
    /// The lookup a route's path template is, if any (with or without a trailing slash or a
    /// base path, so the Swagger spec's `/latest/universe/names/` too).
    pub(crate) fn of(path: &str) -> Option<Lookup> {
        let path = path.trim_end_matches('/');
        if path.ends_with("/universe/names") {
            Some(Lookup::Names)
        } else if path.ends_with("/universe/ids") {
            Some(Lookup::Ids)
        } else {
            None
        }
    }

    /// The answer to a (schema-checked) request body.
    pub(crate) fn answer(self, body: &[u8], invalid: &BTreeSet<i64>) -> Reply {
        match self {
            Lookup::Names => {
                let ids: Vec<i64> = serde_json::from_slice(body).unwrap_or_default();
                names(&ids, invalid)
            }
            Lookup::Ids => {
                let names: Vec<String> = serde_json::from_slice(body).unwrap_or_default();
                ids(&names, invalid)
            }
        }
    }
}

/// An id's category (as `/universe/names` spells it), its label in names, and its key in
/// `/universe/ids` answers; `None` for ids no range holds.
pub(crate) fn category_of(id: i64) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match id {
        1..=499_999 => ("inventory_type", "Type", "inventory_types"),
        500_000..=999_999 => ("faction", "Faction", "factions"),
        1_000_000..=1_999_999 => ("corporation", "Corporation", "corporations"),
        3_000_000..=3_999_999 => ("character", "Agent", "agents"),
        10_000_000..=19_999_999 => ("region", "Region", "regions"),
        20_000_000..=29_999_999 => ("constellation", "Constellation", "constellations"),
        30_000_000..=39_999_999 => ("solar_system", "Solar System", "systems"),
        60_000_000..=69_999_999 => ("station", "Station", "stations"),
        90_000_000..=97_999_999 | 2_100_000_000..=2_147_483_647 => {
            ("character", "Character", "characters")
        }
        98_000_000..=98_999_999 => ("corporation", "Corporation", "corporations"),
        99_000_000..=99_999_999 => ("alliance", "Alliance", "alliances"),
        _ => return None,
    })
}

fn names(ids: &[i64], invalid: &BTreeSet<i64>) -> Reply {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let Some((category, label, _)) = category_of(id).filter(|_| !invalid.contains(&id)) else {
            return Reply::error(404, INVALID_IDS_MESSAGE);
        };
        out.push(json!({ "id": id, "name": format!("{label} {id}"), "category": category }));
    }
    Reply::json(200, Bytes::from(Value::Array(out).to_string()))
}

fn ids(names: &[String], invalid: &BTreeSet<i64>) -> Reply {
    let mut out = Map::new();
    for name in names {
        let Some((label, id)) = name.rsplit_once(' ') else {
            continue;
        };
        let Ok(id) = id.parse::<i64>() else { continue };
        let Some((_, expected, key)) = category_of(id) else {
            continue;
        };
        if expected != label || invalid.contains(&id) {
            continue;
        }
        let list = out.entry(key).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(json!({ "id": id, "name": name }));
        }
    }
    Reply::json(200, Bytes::from(Value::Object(out).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(reply: &Reply) -> Value {
        serde_json::from_slice(&reply.body).expect("json")
    }

    #[test]
    fn known_ids_get_their_name_and_category() {
        let reply = Lookup::Names.answer(b"[30000142, 95465499, 34]", &BTreeSet::new());
        assert_eq!(reply.status, 200);
        assert_eq!(
            body(&reply),
            json!([
                {"id": 30000142, "name": "Solar System 30000142", "category": "solar_system"},
                {"id": 95465499, "name": "Character 95465499", "category": "character"},
                {"id": 34, "name": "Type 34", "category": "inventory_type"},
            ])
        );
    }

    #[test]
    fn one_unknown_id_refuses_the_whole_batch() {
        let invalid = BTreeSet::from([95465499]);
        for batch in ["[34, 0]", "[34, -5]", "[40000001, 34]", "[34, 95465499]"] {
            let reply = Lookup::Names.answer(batch.as_bytes(), &invalid);
            assert_eq!(reply.status, 404, "{batch}");
            assert_eq!(body(&reply), json!({"error": INVALID_IDS_MESSAGE}));
        }
        assert_eq!(Lookup::Names.answer(b"[34]", &invalid).status, 200);
    }

    #[test]
    fn names_resolve_back_and_unknown_names_are_left_out() {
        let invalid = BTreeSet::from([99000002]);
        let asked = json!([
            "Solar System 30000142",
            "Alliance 99000001",
            "Alliance 99000002",
            "Region 30000142",
            "Nobody",
        ]);
        let reply = Lookup::Ids.answer(asked.to_string().as_bytes(), &invalid);
        assert_eq!(reply.status, 200);
        assert_eq!(
            body(&reply),
            json!({
                "systems": [{"id": 30000142, "name": "Solar System 30000142"}],
                "alliances": [{"id": 99000001, "name": "Alliance 99000001"}],
            })
        );
        let none = Lookup::Ids.answer(br#"["Nobody"]"#, &invalid);
        assert_eq!(body(&none), json!({}));
    }

    #[test]
    fn routes_are_found_with_or_without_a_trailing_slash() {
        assert_eq!(Lookup::of("/universe/names/"), Some(Lookup::Names));
        assert_eq!(Lookup::of("/latest/universe/names/"), Some(Lookup::Names));
        assert_eq!(Lookup::of("/characters/{character_id}/assets/names"), None);
        assert_eq!(Lookup::of("/universe/ids"), Some(Lookup::Ids));
        assert_eq!(Lookup::of("/universe/types"), None);
    }
}
