//! Stage 3, shape: the types' shapes. Models of byte-identical shape (the same fields, in the
//! same order, with the same JSON names, types and optionality; docs aside) become one type,
//! named after what the copies share (see [`crate::shape_names`] for the rules and the table
//! that overrides them). Each old name stays as a deprecated alias of the merged type, so code
//! written against an older build keeps compiling, with a warning.
//!
//! Runs over the whole API (every resource, selected or not) before placement, so a type's
//! name does not depend on the resource features. Merging repeats until nothing changes: two
//! structs that differ only by holding two merged copies are identical afterwards.

use std::collections::BTreeMap;

use super::plan::OpPlan;
use super::types::{DefBody, Field, Registry, TypeDef};
use crate::names;
use crate::shape_names;

/// What merging did: every old name with the type it now aliases.
#[derive(Debug, Default)]
pub(super) struct Shaped {
    /// Old name → merged type (never itself an alias).
    pub aliases: BTreeMap<String, String>,
}

/// Merges the identical struct shapes of `reg`, renaming what `plans` and the remaining types
/// refer to.
pub(super) fn merge_identical(reg: &mut Registry<'_>, plans: &mut [OpPlan]) -> Shaped {
    let mut shaped = Shaped::default();
    loop {
        let groups = identical_groups(reg);
        if groups.is_empty() {
            return shaped;
        }
        let mut renames = BTreeMap::new();
        for members in groups {
            let name = choose_name(reg, &members);
            let copies: Vec<TypeDef> = members.iter().filter_map(|m| reg.defs.remove(m)).collect();
            let merged = merge_docs(&name, copies);
            reg.take(&name);
            reg.defs.insert(name.clone(), merged);
            for member in members {
                if member != name {
                    renames.insert(member, name.clone());
                }
            }
        }
        for def in reg.defs.values_mut() {
            def.rename_types(&renames);
        }
        for plan in plans.iter_mut() {
            plan.rename_types(&renames);
        }
        for target in shaped.aliases.values_mut() {
            if let Some(new) = renames.get(target) {
                target.clone_from(new);
            }
        }
        shaped.aliases.extend(renames);
    }
}

/// Groups of two or more structs of one shape, each sorted by name.
fn identical_groups(reg: &Registry<'_>) -> Vec<Vec<String>> {
    let mut by_shape: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for def in reg.defs.values() {
        if let DefBody::Struct(fields) = &def.body {
            by_shape
                .entry(shape_key(fields))
                .or_default()
                .push(def.name.clone());
        }
    }
    by_shape.into_values().filter(|g| g.len() > 1).collect()
}

/// Everything of a struct that reaches the generated code, docs aside.
fn shape_key(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{:?}:{}:{};",
                f.json, f.ident, f.ty, f.optional, f.required
            )
        })
        .collect()
}

/// The merged type's name, the first usable of: the naming table's, a common title, the
/// property most copies are the value of (`position`, not `coordinates`, for twelve
/// `{x, y, z}`; more than half of the copies, at least two), the meaningful words all
/// names end with, a named schema's (the shortest), the words all names start and end with,
/// and at last the shortest name of the group. A name is usable when it is free or one of the
/// group's own.
fn choose_name(reg: &Registry<'_>, members: &[String]) -> String {
    let defs: Vec<&TypeDef> = members.iter().filter_map(|m| reg.defs.get(m)).collect();
    let mut shortest: Vec<&String> = members.iter().collect();
    shortest.sort_by_key(|m| (m.len(), m.as_str()));
    let mut candidates: Vec<String> = members
        .iter()
        .filter_map(|m| shape_names::name_for(m))
        .map(String::from)
        .collect();
    if let Some(title) = common(defs.iter().map(|d| d.origin.title.as_deref())) {
        candidates.push(names::type_name(title));
    }
    let properties = defs.iter().filter_map(|d| d.origin.property.as_deref());
    candidates.extend(
        majority(properties)
            .filter(|p| meaningful(p))
            .map(String::from),
    );
    let (ending, start_and_ending) = shared_words(members);
    candidates.extend(ending);
    let mut components: Vec<&str> = defs
        .iter()
        .filter(|d| d.origin.component)
        .map(|d| d.name.as_str())
        .collect();
    components.sort_by_key(|n| (n.len(), *n));
    candidates.extend(components.first().map(|c| c.to_string()));
    candidates.extend(start_and_ending);
    let usable = |c: &String| {
        !c.is_empty()
            && c.starts_with(|ch: char| ch.is_ascii_uppercase())
            && (members.contains(c) || reg.is_free(c))
    };
    candidates
        .into_iter()
        .find(usable)
        .or_else(|| shortest.first().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The value every item has, when all have the same one.
fn common<'v>(mut values: impl Iterator<Item = Option<&'v str>>) -> Option<&'v str> {
    let first = values.next()??;
    values.all(|v| v == Some(first)).then_some(first)
}

/// The value more than half of `values` have, if two at least do.
fn majority<'v>(values: impl Iterator<Item = &'v str>) -> Option<&'v str> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut total = 0;
    for value in values {
        *counts.entry(value).or_default() += 1;
        total += 1;
    }
    counts
        .into_iter()
        .find(|(_, n)| *n >= 2 && n * 2 > total)
        .map(|(value, _)| value)
}

/// Whether a name has a word besides [`VAGUE`] ones (`Item` alone names nothing).
fn meaningful(name: &str) -> bool {
    words(name).iter().any(|w| !VAGUE.contains(&w.as_str()))
}

/// Words a name ends with that say nothing of the shape on their own.
const VAGUE: &[&str] = &[
    "Get", "Post", "Put", "Delete", "Id", "Ok", "Response", "Item", "Body",
];

/// Names from the words every member shares: the common ending, without its vague leading
/// words (`…StationIdGetPosition` → `Position`), and the common start and ending
/// (`UniverseIdsPostAgentsItem`, `UniverseIdsPostAlliancesItem` → `UniverseIdsPostItem`).
fn shared_words(members: &[String]) -> (Option<String>, Option<String>) {
    let split: Vec<Vec<String>> = members.iter().map(|m| words(m)).collect();
    let Some(min) = split.iter().map(Vec::len).min() else {
        return (None, None);
    };
    let first = &split[0];
    let prefix = (0..min)
        .take_while(|&i| split.iter().all(|w| w[i] == first[i]))
        .count();
    let suffix = (0..min - prefix)
        .take_while(|&i| {
            let at = |w: &Vec<String>| w[w.len() - 1 - i].clone();
            split.iter().all(|w| at(w) == at(first))
        })
        .count();
    let ending = &first[first.len() - suffix..];
    let telling_ending = ending
        .iter()
        .position(|w| !VAGUE.contains(&w.as_str()))
        .map(|start| ending[start..].concat());
    let start = first[..prefix].concat();
    let start_and_ending =
        (meaningful(&start) && suffix > 0).then(|| format!("{start}{}", ending.concat()));
    (telling_ending, start_and_ending)
}

/// The words of a CamelCase name (`UniverseIdsPost2` → `Universe`, `Ids`, `Post2`).
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for ch in name.chars() {
        match out.last_mut() {
            Some(word) if !ch.is_ascii_uppercase() => word.push(ch),
            _ => out.push(ch.to_string()),
        }
    }
    out
}

/// One type from the copies, with the docs more than half of them have, field by field (a
/// doc that fits only some copies would mislead; without one, the field's JSON name is its
/// doc).
fn merge_docs(name: &str, copies: Vec<TypeDef>) -> TypeDef {
    let doc = majority_doc(copies.iter().map(|c| c.doc.as_str()));
    let mut origin = copies
        .iter()
        .find(|c| c.name == name)
        .unwrap_or(&copies[0])
        .origin
        .clone();
    origin.component = copies.iter().any(|c| c.origin.component && c.name == name);
    let mut body = copies[0].body.clone();
    if let DefBody::Struct(fields) = &mut body {
        for (i, field) in fields.iter_mut().enumerate() {
            field.doc = majority_doc(copies.iter().filter_map(|c| match &c.body {
                DefBody::Struct(fields) => fields.get(i).map(|f| f.doc.as_str()),
                _ => None,
            }));
        }
    }
    TypeDef {
        name: name.to_string(),
        doc,
        body,
        origin,
    }
}

fn majority_doc<'d>(docs: impl Iterator<Item = &'d str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut total = 0;
    for doc in docs {
        *counts.entry(doc).or_default() += 1;
        total += 1;
    }
    counts
        .into_iter()
        .find(|(_, n)| n * 2 > total)
        .map(|(doc, _)| doc.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_common_meaningful_ending_names_the_group() {
        let found = shared_words(&names(&[
            "UniverseStationsStationIdGetPosition",
            "UniverseStargatesStargateIdGetPosition",
        ]));
        assert_eq!(found.0.as_deref(), Some("Position"));
    }

    #[test]
    fn a_vague_ending_keeps_the_common_start() {
        let found = shared_words(&names(&[
            "UniverseIdsPostAgentsItem",
            "UniverseIdsPostAlliancesItem",
        ]));
        assert_eq!(found, (None, Some("UniverseIdsPostItem".to_string())));
    }

    #[test]
    fn words_split_at_capitals() {
        assert_eq!(words("UniverseIds2Post"), ["Universe", "Ids2", "Post"]);
    }

    #[test]
    fn the_doc_of_most_copies_wins() {
        assert_eq!(majority_doc(["a", "bb", "bb"].into_iter()), "bb");
        assert_eq!(majority_doc(["ccc", "a"].into_iter()), "");
    }
}
