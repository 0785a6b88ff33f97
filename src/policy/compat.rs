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

use crate::diagnostic::Text;
use crate::licence::expression::Tree;
use crate::licence::facts::{self, Category};
use crate::text;
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
    /// `reason`, `sources`, `remedy` and `obligations` in translatable form (the German
    /// reports render these; JSON keeps the English).
    #[serde(skip)]
    pub texts: PairTexts,
}

/// The translatable forms of a [`PairVerdict`]'s sentences.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairTexts {
    pub reason: Option<Text>,
    pub sources: Vec<Text>,
    pub remedy: Option<Text>,
    pub obligations: Vec<Text>,
}

impl PairVerdict {
    fn set_reason(&mut self, text: Text) {
        self.reason = text.english();
        self.texts.reason = Some(text);
    }

    fn add_source(&mut self, text: Text) {
        self.sources.push(text.english());
        self.texts.sources.push(text);
    }
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
    let category_text = || match category {
        Some(c) => Text::new(format!("category.{c}")),
        None => Text::new("compat_category_unknown"),
    };
    let mut verdict = PairVerdict {
        outbound: o.clone(),
        inbound: l.clone(),
        verdict: Verdict::NeedsReview,
        reason: String::new(),
        sources: Vec::new(),
        remedy: None,
        obligations: Vec::new(),
        texts: PairTexts::default(),
    };
    if mode == UseMode::Network && category == Some(Category::NetworkCopyleft) {
        let text = text!("compat_network_obligation", l = l);
        verdict.obligations.push(text.english());
        verdict.texts.obligations.push(text);
    }
    if mode == UseMode::Internal {
        verdict.verdict = Verdict::Compatible;
        verdict.set_reason(text!("compat_internal", l = l));
        verdict.add_source(text!("compat_source_internal"));
        return verdict;
    }
    if o == l {
        verdict.verdict = Verdict::Compatible;
        verdict.set_reason(text!("compat_same", o = o));
        return verdict;
    }

    let matrix = matrix();
    let osadl = matrix.values.get(&(o.clone(), l.clone())).cloned();
    verdict.add_source(match &osadl {
        Some(v) => text!("compat_source_osadl", o = o, l = l, v = v),
        None if !matrix.listed.contains(&o) => text!("compat_source_osadl_unlisted", x = o),
        None => text!("compat_source_osadl_unlisted", x = l),
    });
    verdict.add_source(text!("compat_source_category", l = l).sub("category", category_text()));
    let eupl_outbound = o == "EUPL-1.2" || o == "EUPL-1.1";
    let appendix = eupl_outbound.then(|| in_eupl_appendix(&l)).flatten();
    if eupl_outbound {
        verdict.add_source(match appendix {
            Some(listed) => text!("compat_source_eupl_listed", listed = listed),
            None => text!("compat_source_eupl_unlisted", l = l),
        });
    }
    if let Some(listed) = appendix {
        let text = text!("compat_remedy_eupl", listed = listed);
        verdict.remedy = Some(text.english());
        verdict.texts.remedy = Some(text);
    }

    match osadl.as_deref() {
        Some("Yes") | Some("Same") => {
            verdict.verdict = Verdict::Compatible;
            verdict.set_reason(text!("compat_yes", l = l, o = o));
        }
        Some("No") if category == Some(Category::WeakCopyleft) => {
            verdict.verdict = Verdict::NeedsReview;
            verdict.set_reason(text!("compat_weak_copyleft", l = l, o = o));
        }
        Some("No") => {
            verdict.verdict = Verdict::Incompatible;
            verdict.set_reason(if category.is_some_and(Category::is_copyleft) {
                text!("compat_copyleft", l = l, o = o)
            } else {
                text!("compat_no", l = l, o = o)
            });
        }
        Some("Check dependency") => {
            verdict.verdict = Verdict::NeedsReview;
            verdict.set_reason(text!("compat_check_dependency", l = l, o = o));
        }
        _ => match category {
            Some(Category::Permissive | Category::PublicDomain) => {
                verdict.verdict = Verdict::Compatible;
                verdict.set_reason(
                    text!("compat_permissive", l = l, o = o).sub("category", category_text()),
                );
            }
            _ => {
                verdict.verdict = Verdict::NeedsReview;
                verdict.set_reason(text!("compat_no_source", l = l, o = o));
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
