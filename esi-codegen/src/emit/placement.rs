//! Stage 3: where each type lives. A type reached by one resource lives in that resource's
//! module, one reached by several in `models`; decided over the whole API (every resource,
//! selected or not), so a type's path does not depend on the resource features.

use std::collections::{BTreeMap, BTreeSet};

use super::ops::OpPlan;
use super::types::{DefBody, Placement, Registry, SHARED_MODULE, Ty};

/// The home of every type the operations reach, and which types alias integers.
pub(super) fn place(reg: &Registry<'_>, plans: &[OpPlan]) -> Placement {
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for plan in plans {
        for ty in reg.closure(&plan.roots()) {
            users.entry(ty).or_default().insert(plan.resource.clone());
        }
    }
    let home = users
        .into_iter()
        .map(|(ty, resources)| {
            let home = match (resources.len(), resources.into_iter().next()) {
                (1, Some(only)) => only,
                _ => SHARED_MODULE.to_string(),
            };
            (ty, home)
        })
        .collect();
    let integer_aliases = reg
        .defs
        .values()
        .filter(|d| matches!(d.body, DefBody::Alias(Ty::I32 | Ty::I64)))
        .map(|d| d.name.clone())
        .collect();
    Placement {
        home,
        integer_aliases,
    }
}
