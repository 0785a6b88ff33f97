//! What the licences oblige: per category, per licence beyond its category, and per
//! compatibility verdict (reasons, sources, ways out, obligations in the report's language).

use super::*;
use crate::licence::obligations;

/// What each licence of these packages obliges beyond its category, once per licence.
pub(super) fn licence_extras(packages: &[&AuditedPackage], lang: Lang) -> Vec<Extra> {
    let ids = distinct(
        packages
            .iter()
            .flat_map(|p| licence_ids(used_expression(p))),
    );
    let mut ids = ids;
    ids.sort();
    ids.into_iter()
        .filter_map(|id| {
            let items = extra_obligations(&id, lang);
            (!items.is_empty()).then(|| Extra {
                title: fill(&tr(lang, "group.extra_for"), &[("licence", &id)]),
                items,
            })
        })
        .collect()
}

/// The obligations of licence `id` that its category's obligations do not already say.
pub(super) fn extra_obligations(id: &str, lang: Lang) -> Vec<String> {
    let all = obligations::obligations(id, lang);
    let base = facts::facts(id)
        .map(|f| obligations::category_obligations(f.category, lang).len())
        .unwrap_or(0);
    all.into_iter().skip(base).collect()
}

/// A sentence from the audit, ending in a full stop.
pub(super) fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() || text.ends_with(['.', '!', '?', ':']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

/// The obligations a compatibility verdict names, in `lang`.
pub(crate) fn pair_obligations(
    pair: &crate::policy::compat::PairVerdict,
    lang: Lang,
) -> Vec<String> {
    if pair.texts.obligations.len() == pair.obligations.len() {
        pair.texts
            .obligations
            .iter()
            .map(|t| sentence(&t.render(lang)))
            .collect()
    } else {
        pair.obligations.iter().map(|o| sentence(o)).collect()
    }
}

/// The compatibility verdicts of these packages that `wanted` picks, once per inbound licence
/// and reason; with `obligations_only`, just the obligations each licence triggers.
pub(super) fn compat_details(
    packages: &[&AuditedPackage],
    lang: Lang,
    obligations_only: bool,
    wanted: impl Fn(&crate::policy::compat::PairVerdict) -> bool,
) -> Vec<Detail> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for p in packages {
        let Some(c) = &p.verdict.compatibility else {
            continue;
        };
        for pair in c.pairs.iter().filter(|pair| wanted(pair)) {
            let key = (
                pair.inbound.clone(),
                pair.reason.clone(),
                pair.remedy.clone(),
            );
            if !seen.insert(key) {
                continue;
            }
            if obligations_only {
                out.push(Detail {
                    licence: pair.inbound.clone(),
                    verdict: String::new(),
                    reason: String::new(),
                    remedy: String::new(),
                    sources: Vec::new(),
                    obligations: pair_obligations(pair, lang),
                });
                continue;
            }
            out.push(Detail {
                licence: pair.inbound.clone(),
                verdict: fill(
                    &tr(lang, "compat.with"),
                    &[
                        (
                            "verdict",
                            &tr(lang, &format!("compat.{}", compat_key(pair.verdict))),
                        ),
                        ("outbound", &pair.outbound),
                    ],
                ),
                reason: sentence(&match &pair.texts.reason {
                    Some(text) => text.render(lang),
                    None => pair.reason.clone(),
                }),
                remedy: match (&pair.texts.remedy, &pair.remedy) {
                    (Some(text), _) => sentence(&text.render(lang)),
                    (None, Some(remedy)) => sentence(remedy),
                    (None, None) => String::new(),
                },
                sources: if pair.texts.sources.len() == pair.sources.len() {
                    pair.texts.sources.iter().map(|t| t.render(lang)).collect()
                } else {
                    pair.sources.clone()
                },
                obligations: Vec::new(),
            });
        }
    }
    out
}

pub(super) fn obligation_categories(
    third_party: &[&AuditedPackage],
    lang: Lang,
) -> Vec<ObligationCategory> {
    // Per category: the packages with a licence in it, and each licence with its count.
    let mut by_category: BTreeMap<Bucket, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    for p in third_party
        .iter()
        .filter(|p| p.verdict.status != Status::Skipped)
    {
        let expression = used_expression(p);
        if expression == NOASSERTION {
            continue;
        }
        let Ok(tree) = Tree::parse(expression) else {
            continue;
        };
        let mut counted: HashSet<Bucket> = HashSet::new();
        for req in tree.licences() {
            let b = facts::category_of(req).map_or(Bucket::Uncategorised, Bucket::Category);
            let entry = by_category.entry(b).or_default();
            if counted.insert(b) {
                entry.0 += 1;
            }
            *entry.1.entry(req.to_string()).or_insert(0) += 1;
        }
    }
    by_category
        .into_iter()
        .map(|(b, (count, licences))| {
            let mut listed: Vec<(String, usize)> = licences.into_iter().collect();
            listed.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let names: Vec<String> = listed
                .iter()
                .map(|(l, c)| format!("{l} ({})", number(*c, lang)))
                .collect();
            let mut ids: Vec<String> = listed.iter().flat_map(|(l, _)| licence_ids(l)).collect();
            ids.sort();
            ids.dedup();
            let extras = ids
                .into_iter()
                .filter_map(|id| {
                    let items = extra_obligations(&id, lang);
                    (!items.is_empty()).then(|| Extra {
                        title: fill(&tr(lang, "group.extra_for"), &[("licence", &id)]),
                        items,
                    })
                })
                .collect();
            ObligationCategory {
                key: b.key(),
                label: b.label(lang),
                count: trn(lang, "group.count", count),
                licences: names.join(", "),
                obligations: match b {
                    Bucket::Category(c) => obligations::category_obligations(c, lang),
                    _ => vec![tr(lang, "obligations.uncategorised")],
                },
                extras,
            }
        })
        .collect()
}
