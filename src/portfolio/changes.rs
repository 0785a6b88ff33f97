//! `--since previous.json`: what changed in the portfolio since an earlier result.
//!
//! Repositories are matched by identity, components by purl. A new version of a component is
//! a component added (the new purl) and one removed (the old purl), as an SBOM diff shows it.

use super::merged::Portfolio;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The changes, newest result against the previous one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// When the previous result was made.
    pub since: String,
    /// Repositories in this result and not in the previous one (names).
    pub repositories_added: Vec<String>,
    /// Repositories in the previous result and not in this one (names).
    pub repositories_removed: Vec<String>,
    /// Repositories in both whose outcome, commit or components changed.
    pub repositories: Vec<RepositoryChange>,
    /// Components (purls) no repository used before.
    pub components_added: Vec<String>,
    /// Components (purls) no repository uses any more.
    pub components_removed: Vec<String>,
    /// Licences no component was used under before.
    pub licences_added: Vec<String>,
    pub licences_removed: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.repositories_added.is_empty()
            && self.repositories_removed.is_empty()
            && self.repositories.is_empty()
            && self.components_added.is_empty()
            && self.components_removed.is_empty()
            && self.licences_added.is_empty()
            && self.licences_removed.is_empty()
    }
}

/// How one repository changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryChange {
    pub id: String,
    pub name: String,
    /// The outcome before and now, when it changed (`none` without a result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<[String; 2]>,
    /// The commit before and now, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<[String; 2]>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components_added: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components_removed: Vec<String>,
    /// Components whose licence the policy now denies here and did not before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations_added: Vec<String>,
    /// Components denied before and not any more (removed, or now allowed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations_resolved: Vec<String>,
}

/// Per repository (by identity): its components and its denied components.
fn uses(portfolio: &Portfolio) -> BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> {
    let mut map: BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> = portfolio
        .repositories
        .iter()
        .map(|r| (r.repository.id.as_str(), Default::default()))
        .collect();
    for c in &portfolio.components {
        for u in &c.used_by {
            let Some(repository) = portfolio.repositories.get(u.repository) else {
                continue;
            };
            if let Some((all, denied)) = map.get_mut(repository.repository.id.as_str()) {
                all.insert(c.purl.as_str());
                if u.status == "denied" {
                    denied.insert(c.purl.as_str());
                }
            }
        }
    }
    map
}

fn owned<'a>(set: impl Iterator<Item = &'a &'a str>) -> Vec<String> {
    set.map(|s| s.to_string()).collect()
}

/// What changed from `previous` to `current`.
pub fn between(previous: &Portfolio, current: &Portfolio) -> Changes {
    let before = uses(previous);
    let after = uses(current);
    let names = |p: &Portfolio, ids: &BTreeSet<&str>| -> Vec<String> {
        p.repositories
            .iter()
            .filter(|r| ids.contains(r.repository.id.as_str()))
            .map(|r| r.repository.name.clone())
            .collect()
    };
    let before_ids: BTreeSet<&str> = before.keys().copied().collect();
    let after_ids: BTreeSet<&str> = after.keys().copied().collect();
    let added: BTreeSet<&str> = after_ids.difference(&before_ids).copied().collect();
    let removed: BTreeSet<&str> = before_ids.difference(&after_ids).copied().collect();

    let previous_by_id: BTreeMap<&str, &super::merged::PortfolioRepository> = previous
        .repositories
        .iter()
        .map(|r| (r.repository.id.as_str(), r))
        .collect();
    let mut repositories = Vec::new();
    for r in &current.repositories {
        let id = r.repository.id.as_str();
        let Some(old) = previous_by_id.get(id) else {
            continue;
        };
        let empty = (BTreeSet::new(), BTreeSet::new());
        let (now_all, now_denied) = after.get(id).unwrap_or(&empty);
        let (then_all, then_denied) = before.get(id).unwrap_or(&empty);
        let word = |o: &Option<String>| o.clone().unwrap_or_else(|| "none".to_string());
        let change = RepositoryChange {
            id: id.to_string(),
            name: r.repository.name.clone(),
            outcome: (old.outcome != r.outcome).then(|| [word(&old.outcome), word(&r.outcome)]),
            commit: (old.commit != r.commit && r.commit.is_some())
                .then(|| [word(&old.commit), word(&r.commit)]),
            components_added: owned(now_all.difference(then_all)),
            components_removed: owned(then_all.difference(now_all)),
            violations_added: owned(now_denied.difference(then_denied)),
            violations_resolved: owned(then_denied.difference(now_denied)),
        };
        let unchanged = change.outcome.is_none()
            && change.commit.is_none()
            && change.components_added.is_empty()
            && change.components_removed.is_empty()
            && change.violations_added.is_empty()
            && change.violations_resolved.is_empty();
        if !unchanged {
            repositories.push(change);
        }
    }

    let purls = |p: &Portfolio| -> BTreeSet<String> {
        p.components
            .iter()
            .filter(|c| !c.used_by.is_empty())
            .map(|c| c.purl.clone())
            .collect()
    };
    let licences = |p: &Portfolio| -> BTreeSet<String> {
        p.licences.iter().map(|l| l.licence.clone()).collect()
    };
    let (purls_before, purls_after) = (purls(previous), purls(current));
    let (licences_before, licences_after) = (licences(previous), licences(current));
    Changes {
        since: previous.created.clone(),
        repositories_added: names(current, &added),
        repositories_removed: names(previous, &removed),
        repositories,
        components_added: purls_after.difference(&purls_before).cloned().collect(),
        components_removed: purls_before.difference(&purls_after).cloned().collect(),
        licences_added: licences_after
            .difference(&licences_before)
            .cloned()
            .collect(),
        licences_removed: licences_before
            .difference(&licences_after)
            .cloned()
            .collect(),
    }
}
