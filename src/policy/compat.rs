//! Outbound-licence compatibility: may a dependency under licence L be part of a project that
//! is offered under licence O, used in a given way?
//!
//! Three sources, quoted in every verdict:
//! - the **OSADL licence compatibility matrix** (data/osadl-matrix.csv, CC-BY-4.0, OSADL eG):
//!   for a leading (outbound) and a subordinate (inbound) licence, `Yes`, `No`, `Unknown` or
//!   `Check dependency`;
//! - the **EUPL-1.2 appendix** of compatible licences (data/eupl-1.2-compatible.txt): under
//!   EUPL-1.2 Article 5, a work combined with code under one of these licences may be
//!   distributed under that licence;
//! - the **licence categories** (data/licence-categories.tsv, ScanCode LicenseDB): permissive
//!   licences ask only for their notices to be kept, so they can be part of a work under any
//!   licence unless a specific clash is known.
//!
//! The rules, per inbound licence:
//! 1. `internal` use: nothing is handed to others, so no distribution condition applies:
//!    compatible.
//! 2. The same licence: compatible.
//! 3. OSADL `Yes`: compatible. OSADL `No`: incompatible, except that weak copyleft (LGPL, MPL,
//!    EPL) needs review, because it depends on whether the component stays a separate library
//!    or its files are merged into the project; where the EUPL appendix lists the inbound
//!    licence, the verdict names that way out.
//! 4. OSADL `Check dependency`: needs review.
//! 5. OSADL silent (`Unknown`, or a licence it does not list): compatible for permissive and
//!    public domain licences (the category's rule, quoted with OSADL's silence); otherwise needs
//!    review. Never a guess.
//!
//! Under `network` use, network copyleft (AGPL, OSL-3.0, ...) obliges the operator to offer the
//! source to the users of the service; the verdict lists that obligation.

use crate::licence::expression::Tree;
use crate::licence::facts::{self, Category};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

/// How the audited project is used, which decides which licence conditions apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum UseMode {
    /// Binaries or source are handed to others.
    Distribution,
    /// Offered to others as a service over a network (no copy handed over).
    Network,
    /// Used only inside the organisation.
    Internal,
}

impl fmt::Display for UseMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UseMode::Distribution => "distribution",
            UseMode::Network => "network",
            UseMode::Internal => "internal",
        })
    }
}

/// The verdict on one inbound licence, or on a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Compatible,
    NeedsReview,
    Incompatible,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Compatible => "compatible",
            Verdict::NeedsReview => "needs review",
            Verdict::Incompatible => "incompatible",
        })
    }
}

/// The verdict on one inbound licence against one outbound licence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairVerdict {
    pub outbound: String,
    pub inbound: String,
    pub verdict: Verdict,
    /// Why, in plain language.
    pub reason: String,
    /// What each source says.
    pub sources: Vec<String>,
    /// A way to make the combination work, where a source names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// Obligations the use triggers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<String>,
}

/// The verdict on a package's effective licence against the outbound licence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compatibility {
    pub verdict: Verdict,
    pub outbound: String,
    pub use_mode: UseMode,
    /// One verdict per inbound licence (for an OR outbound licence: against the alternative
    /// that suits the dependency best).
    pub pairs: Vec<PairVerdict>,
}

const OSADL_CSV: &str = include_str!("../licence/data/osadl-matrix.csv");
const EUPL_APPENDIX: &str = include_str!("../licence/data/eupl-1.2-compatible.txt");

struct Matrix {
    values: HashMap<(String, String), String>,
    listed: HashSet<String>,
}

fn matrix() -> &'static Matrix {
    static MATRIX: OnceLock<Matrix> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let mut lines = OSADL_CSV.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        let mut values = HashMap::new();
        let mut listed = HashSet::new();
        for line in lines {
            let cells: Vec<&str> = line.split(',').collect();
            let Some(leading) = cells.first() else {
                continue;
            };
            listed.insert(leading.to_string());
            for (subordinate, value) in header.iter().skip(1).zip(cells.iter().skip(1)) {
                values.insert(
                    (leading.to_string(), subordinate.to_string()),
                    value.to_string(),
                );
            }
        }
        Matrix { values, listed }
    })
}

fn eupl_appendix() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        EUPL_APPENDIX
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether `inbound` is one of the EUPL appendix's compatible licences. The appendix names
/// versions (`GPL-3.0-only`); code under `-or-later` may be used under that version, so it
/// qualifies too.
fn in_eupl_appendix(inbound: &str) -> Option<&'static str> {
    let list = eupl_appendix();
    if let Some(hit) = list.get(inbound) {
        return Some(hit);
    }
    let only = inbound
        .strip_suffix("-or-later")
        .map(|b| format!("{b}-only"))?;
    list.get(only.as_str()).copied()
}

/// The full name of a licence requirement as the OSADL matrix spells it (`X WITH Y`).
fn matrix_name(req: &spdx::LicenseReq) -> String {
    let base = facts::licence_name(&req.license);
    match &req.addition {
        Some(addition) => format!("{base} WITH {addition}"),
        None => base,
    }
}

/// The verdict on one inbound licence against one outbound licence (both single licences).
pub fn pair(outbound: &spdx::LicenseReq, inbound: &spdx::LicenseReq, mode: UseMode) -> PairVerdict {
    let o = matrix_name(outbound);
    let l = matrix_name(inbound);
    let category = facts::category_of(inbound);
    let category_text = category.map_or("an unknown category".to_string(), |c| c.to_string());
    let mut verdict = PairVerdict {
        outbound: o.clone(),
        inbound: l.clone(),
        verdict: Verdict::NeedsReview,
        reason: String::new(),
        sources: Vec::new(),
        remedy: None,
        obligations: Vec::new(),
    };
    if mode == UseMode::Network && category == Some(Category::NetworkCopyleft) {
        verdict.obligations.push(format!(
            "{l} applies to use over a network: the users of the service must be offered the complete corresponding source of the work that includes it"
        ));
    }
    if mode == UseMode::Internal {
        verdict.verdict = Verdict::Compatible;
        verdict.reason = format!(
            "internal use: the software is not handed or offered to others, so the distribution conditions of {l} do not apply"
        );
        verdict
            .sources
            .push("use mode `internal` in the policy".to_string());
        return verdict;
    }
    if o == l {
        verdict.verdict = Verdict::Compatible;
        verdict.reason = format!("the dependency is under the project's own licence, {o}");
        return verdict;
    }

    let matrix = matrix();
    let osadl = matrix.values.get(&(o.clone(), l.clone())).cloned();
    let osadl_text = match &osadl {
        Some(v) => format!("OSADL matrix, {o} leading, {l} subordinate: {v}"),
        None if !matrix.listed.contains(&o) => format!("OSADL matrix: {o} is not listed"),
        None => format!("OSADL matrix: {l} is not listed"),
    };
    verdict.sources.push(osadl_text);
    verdict.sources.push(format!(
        "licence categories (ScanCode LicenseDB): {l} is {category_text}"
    ));
    let eupl_outbound = o == "EUPL-1.2" || o == "EUPL-1.1";
    let appendix = eupl_outbound.then(|| in_eupl_appendix(&l)).flatten();
    if eupl_outbound {
        verdict.sources.push(match appendix {
            Some(listed) => format!("EUPL-1.2 appendix: {listed} is a compatible licence"),
            None => format!("EUPL-1.2 appendix: {l} is not listed"),
        });
    }
    if let Some(listed) = appendix {
        verdict.remedy = Some(format!(
            "EUPL-1.2 Article 5 allows the combined work to be distributed under {listed}, which the EUPL appendix lists as compatible: the project's code stays EUPL, the combination as a whole goes out under {listed}"
        ));
    }

    match osadl.as_deref() {
        Some("Yes") | Some("Same") => {
            verdict.verdict = Verdict::Compatible;
            verdict.reason = format!("{l} code may be part of a work licensed under {o}");
        }
        Some("No") if category == Some(Category::WeakCopyleft) => {
            verdict.verdict = Verdict::NeedsReview;
            verdict.reason = format!(
                "{l} is weak copyleft: used as a separate library (linked or loaded, its own files unchanged or published under {l}), it can serve a work under {o}; if its files are merged into the project's own, the merged files cannot be relicensed under {o}, which is what the OSADL matrix's `No` states"
            );
        }
        Some("No") => {
            verdict.verdict = Verdict::Incompatible;
            verdict.reason = if category.is_some_and(Category::is_copyleft) {
                format!(
                    "{l} requires the work that includes it to be licensed under {l} as a whole, so the combination cannot stay under {o}"
                )
            } else {
                format!("the conditions of {l} and {o} cannot both be met by one combined work")
            };
        }
        Some("Check dependency") => {
            verdict.verdict = Verdict::NeedsReview;
            verdict.reason = format!(
                "whether {l} code may be part of a {o} work depends on how the two are combined (linked as a library, or merged into the same files)"
            );
        }
        _ => match category {
            Some(Category::Permissive | Category::PublicDomain) => {
                verdict.verdict = Verdict::Compatible;
                verdict.reason = format!(
                    "{l} is {category_text}: it asks only that its notices be kept, which a work under {o} can do; the OSADL matrix has no verdict for this pair"
                );
            }
            _ => {
                verdict.verdict = Verdict::NeedsReview;
                verdict.reason = format!(
                    "no source gives a verdict on {l} inside a work under {o}; a person must check both licence texts"
                );
            }
        },
    }
    verdict
}

/// The verdict on a package's effective licence (the concluded expression with its ORs
/// resolved) against the project's outbound licence. An OR outbound licence is judged per
/// alternative and the best one counts (the project may choose); AND parts of either side must
/// all be compatible.
pub fn check(outbound: &Tree, effective: &Tree, mode: UseMode) -> Compatibility {
    let inbound: Vec<&spdx::LicenseReq> = effective.licences();
    let alternatives: Vec<Vec<&spdx::LicenseReq>> = match outbound {
        Tree::Or(items) => items.iter().map(|i| i.licences()).collect(),
        other => vec![other.licences()],
    };
    let mut best: Option<(Verdict, Vec<PairVerdict>, String)> = None;
    for alternative in alternatives {
        let pairs: Vec<PairVerdict> = inbound
            .iter()
            .flat_map(|l| alternative.iter().map(move |o| pair(o, l, mode)))
            .collect();
        let worst = pairs
            .iter()
            .map(|p| p.verdict)
            .max()
            .unwrap_or(Verdict::Compatible);
        let name = alternative
            .iter()
            .map(|r| matrix_name(r))
            .collect::<Vec<_>>()
            .join(" AND ");
        if best.as_ref().is_none_or(|(v, _, _)| worst < *v) {
            best = Some((worst, pairs, name));
        }
    }
    let (verdict, pairs, outbound_name) =
        best.unwrap_or((Verdict::NeedsReview, Vec::new(), outbound.to_string()));
    Compatibility {
        verdict,
        outbound: outbound_name,
        use_mode: mode,
        pairs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(outbound: &str, inbound: &str, mode: UseMode) -> Compatibility {
        check(
            &Tree::parse(outbound).unwrap(),
            &Tree::parse(inbound).unwrap(),
            mode,
        )
    }

    #[test]
    fn the_matrix_and_appendix_are_loaded() {
        assert_eq!(matrix().listed.len(), 110);
        assert!(eupl_appendix().contains("GPL-3.0-only"));
        assert_eq!(in_eupl_appendix("GPL-3.0-or-later"), Some("GPL-3.0-only"));
        assert_eq!(in_eupl_appendix("MIT"), None);
    }

    #[test]
    fn the_outbound_or_lets_the_project_choose() {
        let c = judge("GPL-3.0-only OR MIT", "GPL-3.0-only", UseMode::Distribution);
        assert_eq!(c.verdict, Verdict::Compatible);
        assert_eq!(c.outbound, "GPL-3.0-only");
    }

    #[test]
    fn every_inbound_part_must_fit() {
        let c = judge("MIT", "MIT AND GPL-3.0-only", UseMode::Distribution);
        assert_eq!(c.verdict, Verdict::Incompatible);
        assert_eq!(c.pairs.len(), 2);
    }
}
