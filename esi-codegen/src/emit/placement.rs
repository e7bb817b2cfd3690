//! Stage 4, placement: where each type lives. Every model is defined once, in `models`; each
//! resource module re-exports the models its operations reach (and the deprecated names of
//! merged shapes they reached before merging). A type's defining path never moves when a spec
//! update makes a second resource use it, and the path through a resource keeps working as long
//! as that resource uses the type. Decided over the whole API (every resource, selected or
//! not), so paths do not depend on the resource features.

use std::collections::{BTreeMap, BTreeSet};

use super::plan::OpPlan;
use super::shape::Shaped;
use super::types::{DefBody, Placement, Registry, SHARED_MODULE, Ty};

/// The types each resource's operations reach, by resource module.
pub(super) fn reach(reg: &Registry<'_>, plans: &[OpPlan]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for plan in plans {
        out.entry(plan.resource.clone())
            .or_default()
            .extend(reg.closure(&plan.roots()));
    }
    out
}

/// Places every type after shaping; `reached_before` is [`reach`] before merging (the old
/// names each resource re-exports as deprecated aliases).
pub(super) fn place(
    reg: &Registry<'_>,
    plans: &[OpPlan],
    shaped: &Shaped,
    reached_before: &BTreeMap<String, BTreeSet<String>>,
) -> Placement {
    let exports = reach(reg, plans);
    let alias_exports = reached_before
        .iter()
        .map(|(module, types)| {
            let old = types
                .iter()
                .filter(|t| shaped.aliases.contains_key(*t))
                .cloned()
                .collect();
            (module.clone(), old)
        })
        .collect();
    let home = reg
        .defs
        .keys()
        .chain(shaped.aliases.keys())
        .map(|t| (t.clone(), SHARED_MODULE.to_string()))
        .collect();
    let integer_aliases = reg
        .defs
        .values()
        .filter(|d| matches!(d.body, DefBody::Alias(Ty::I32 | Ty::I64)))
        .map(|d| d.name.clone())
        .collect();
    Placement {
        home,
        exports,
        alias_exports,
        aliases: shaped.aliases.clone(),
        integer_aliases,
    }
}
