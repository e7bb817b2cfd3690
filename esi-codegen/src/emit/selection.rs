//! Stage 5, selection: what is emitted: the operations of the selected resources, the types
//! they reach, the types requests send, and the resources in the spec's tag order.

use std::collections::BTreeSet;

use super::plan::OpPlan;
use super::types::Registry;
use crate::model::Api;
use crate::names;

/// The selected part of the API.
pub(super) struct Selection<'p> {
    /// Operations emitted, in spec order.
    pub kept: Vec<&'p OpPlan>,
    /// Types emitted: every type the kept operations reach.
    pub types: BTreeSet<String>,
    /// Types some operation of the spec sends in a request body (whichever resources are
    /// kept): they always implement `Serialize`.
    pub sent: BTreeSet<String>,
    /// Resources emitted as (module, spec tag), in the spec's tag order.
    pub resources: Vec<(String, String)>,
}

/// Keeps the resources of `keep` (module names; `None`: all).
pub(super) fn select<'p>(
    api: &Api,
    reg: &Registry<'_>,
    plans: &'p [OpPlan],
    keep: Option<&[String]>,
) -> Selection<'p> {
    let selected = |resource: &str| keep.is_none_or(|keep| keep.iter().any(|k| k == resource));
    let kept: Vec<&OpPlan> = plans.iter().filter(|p| selected(&p.resource)).collect();
    let mut types = BTreeSet::new();
    for plan in &kept {
        types.extend(reg.closure(&plan.roots()));
    }
    let mut bodies = BTreeSet::new();
    for (body, ..) in plans.iter().filter_map(|plan| plan.body.as_ref()) {
        body.named(&mut bodies);
    }
    let sent = reg.closure(&bodies);
    let mut resources: Vec<(String, String)> = Vec::new();
    for tag in api.used_tags() {
        let module = names::resource(tag);
        if selected(&module) && !resources.iter().any(|(m, _)| *m == module) {
            resources.push((module, tag.to_string()));
        }
    }
    Selection {
        kept,
        types,
        sent,
        resources,
    }
}
