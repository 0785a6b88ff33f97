//! `[graph]`: which builds the audit covers. `targets` names the platforms Cargo projects are
//! built for, as cargo-deny's `[graph] targets` does: a triple, or a table with the triple and
//! the target features taken as enabled. Without it, the tier-1 platforms; an empty list means
//! every platform rustc knows.

use super::{Ctx, PolicyError};
use crate::ecosystem::cargo_targets::{Target, Targets};
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawGraph {
    targets: Option<Vec<Spanned<RawTarget>>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawTarget {
    Triple(String),
    Table(RawTargetTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargetTable {
    triple: String,
    #[serde(default)]
    features: Vec<String>,
}

pub(super) fn targets(ctx: &Ctx<'_>, raw: RawGraph) -> Result<Targets, PolicyError> {
    let Some(entries) = raw.targets else {
        return Ok(Targets::default());
    };
    let mut list = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let (triple, features) = match entry.get_ref() {
            RawTarget::Triple(triple) => (triple.as_str(), Vec::new()),
            RawTarget::Table(table) => (table.triple.as_str(), table.features.clone()),
        };
        let target = Target::new(triple, features)
            .map_err(|m| ctx.error(entry.span(), format!("graph.targets[{i}]"), m))?;
        list.push(target);
    }
    Ok(Targets::new(list))
}
