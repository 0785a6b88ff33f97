//! Deliberate `OR` choices: which alternative of `A OR B` a package is used under.
//!
//! The choice never depends on the order the author wrote the alternatives in: `MIT OR
//! Apache-2.0` and `Apache-2.0 OR MIT` conclude the same. The alternatives are ranked by, in
//! this order:
//! 1. **the policy's decision**: allowed before needs review before denied;
//! 2. **compatibility with the project's own licence** (under the policy's `[project] use`, or
//!    for distribution when the policy names no use): compatible before needs review before
//!    incompatible; skipped when the project's licence is not known;
//! 3. **the policy's preference** (`[licences] prefer`, first listed first; an alternative
//!    ranks by its least preferred licence, unlisted licences after every listed one);
//! 4. **fewer obligations**: the category (public domain, permissive, weak copyleft, strong
//!    copyleft, network copyleft, ...), then how many obligations fundament lists for the
//!    licences (docs/guide.md: MIT asks only to keep the notices; Apache-2.0 adds passing on
//!    the NOTICE file and marking changed files);
//! 5. **a fixed order**: the alternative's SPDX text, compared character by character.
//!
//! The rule that separated the chosen alternative from the next best is recorded with the
//! effective licence ([`Choice`]), and every report shows it.

use super::compat::{self, UseMode};
use super::{Decision, Policy};
use crate::licence::expression::Tree;
use crate::licence::facts;
use crate::licence::obligations::{Lang, obligations};
use serde::Serialize;
use std::fmt;

/// The rule that decided an `OR` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChoiceRule {
    /// The policy accepts the chosen alternative and not (or less) the others.
    Policy,
    /// The chosen alternative fits the project's own licence better.
    Compatibility,
    /// The policy's `prefer` list.
    Preference,
    /// The chosen alternative brings fewer obligations.
    Obligations,
    /// Equal in everything else: the fixed order of the SPDX texts.
    Order,
}

impl fmt::Display for ChoiceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChoiceRule::Policy => "policy",
            ChoiceRule::Compatibility => "compatibility",
            ChoiceRule::Preference => "preference",
            ChoiceRule::Obligations => "obligations",
            ChoiceRule::Order => "order",
        })
    }
}

/// One `OR` choice: the alternatives, the one chosen, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    /// The alternatives, in a fixed order (not the author's).
    pub alternatives: Vec<String>,
    pub chosen: String,
    /// The rule that decided.
    pub by: ChoiceRule,
    /// Why, in plain language (English; reports translate by `by`).
    pub reason: String,
    /// `reason`, translatable (the notes of the German human report).
    #[serde(skip)]
    pub reason_text: crate::diagnostic::Text,
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} chosen from {}: {}",
            self.chosen,
            self.alternatives.join(" OR "),
            self.reason
        )
    }
}

/// What the choice knows besides the policy: the project's licence and use, when known.
#[derive(Debug, Clone, Copy)]
pub struct Outbound<'a> {
    pub licence: &'a Tree,
    pub use_mode: UseMode,
    /// Whether the use is the policy's (else distribution is assumed for the choice).
    pub stated: bool,
}

/// One alternative as the choice sees it.
pub struct Candidate {
    pub decision: Decision,
    /// The effective tree of the alternative (`None`: unknown, ranked last).
    pub effective: Option<Tree>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    decision: Decision,
    compatibility: Option<compat::Verdict>,
    preference: usize,
    category: usize,
    obligations: usize,
    text: String,
}

fn key(candidate: &Candidate, policy: &Policy, outbound: Option<Outbound<'_>>) -> Key {
    let Some(tree) = &candidate.effective else {
        return Key {
            decision: candidate.decision,
            compatibility: Some(compat::Verdict::Incompatible),
            preference: usize::MAX,
            category: usize::MAX,
            obligations: usize::MAX,
            text: String::new(),
        };
    };
    let licences = tree.licences();
    let preference = licences
        .iter()
        .map(|req| {
            policy
                .prefer
                .iter()
                .position(|s| s.matches(req))
                .unwrap_or(policy.prefer.len())
        })
        .max()
        .unwrap_or(policy.prefer.len());
    let category = licences
        .iter()
        .map(|req| facts::category_of(req).map_or(facts::Category::ALL.len(), |c| c as usize))
        .max()
        .unwrap_or(0);
    let obligations = licences
        .iter()
        .map(|req| obligations(&facts::licence_name(&req.license), Lang::En).len())
        .sum();
    Key {
        decision: candidate.decision,
        compatibility: outbound.map(|o| compat::check(o.licence, tree, o.use_mode).verdict),
        preference,
        category,
        obligations,
        text: tree.to_string(),
    }
}

/// Chooses among the alternatives of one `OR`: the index of the chosen one and the record of
/// the choice (`None` when the alternatives are all the same text).
pub fn choose(
    candidates: &[Candidate],
    policy: &Policy,
    outbound: Option<Outbound<'_>>,
) -> (usize, Option<Choice>) {
    let keys: Vec<Key> = candidates
        .iter()
        .map(|c| key(c, policy, outbound))
        .collect();
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
    let Some(&best) = order.first() else {
        return (0, None);
    };
    let mut alternatives: Vec<String> = keys.iter().map(|k| k.text.clone()).collect();
    alternatives.sort();
    alternatives.dedup();
    let Some(&runner_up) = order.iter().find(|&&i| keys[i].text != keys[best].text) else {
        return (best, None);
    };
    let (b, r) = (&keys[best], &keys[runner_up]);
    let chosen = b.text.clone();
    let other = r.text.clone();
    use crate::diagnostic::Text;
    let (by, reason) = if b.decision != r.decision {
        (
            ChoiceRule::Policy,
            crate::text!("choice_by_policy", chosen = chosen, other = other)
                .sub("verb_chosen", Text::new(decision_verb(b.decision)))
                .sub("verb_other", Text::new(decision_verb(r.decision))),
        )
    } else if let Some(o) = outbound.filter(|_| b.compatibility != r.compatibility) {
        let verdict = |v: Option<compat::Verdict>| {
            Text::new(match v {
                Some(compat::Verdict::Compatible) => "choice_compatible",
                Some(compat::Verdict::NeedsReview) => "choice_needs_review",
                Some(compat::Verdict::Incompatible) => "choice_incompatible",
                None => "choice_unknown",
            })
        };
        (
            ChoiceRule::Compatibility,
            crate::text!(
                "choice_by_compatibility",
                chosen = chosen,
                other = other,
                licence = o.licence,
                use_mode = o.use_mode
            )
            .sub("verdict_chosen", verdict(b.compatibility))
            .sub("verdict_other", verdict(r.compatibility))
            .sub(
                "assumed",
                if o.stated {
                    Text::verbatim("")
                } else {
                    Text::new("choice_use_assumed")
                },
            ),
        )
    } else if b.preference != r.preference {
        (
            ChoiceRule::Preference,
            crate::text!("choice_by_preference", chosen = chosen, other = other),
        )
    } else if (b.category, b.obligations) != (r.category, r.obligations) {
        let category = |tree_text: &str| {
            Tree::parse(tree_text)
                .ok()
                .and_then(|t| {
                    t.licences()
                        .iter()
                        .filter_map(|req| facts::category_of(req))
                        .max()
                })
                .map_or(Text::new("choice_unknown_category"), |c| {
                    Text::new(format!("category_id.{c}"))
                })
        };
        let detail = if b.category != r.category {
            crate::text!("choice_categories_differ", other = other)
                .sub("category_chosen", category(&chosen))
                .sub("category_other", category(&other))
        } else {
            crate::text!(
                "choice_obligations_differ",
                chosen_obligations = b.obligations,
                other_obligations = r.obligations
            )
            .sub("category", category(&chosen))
        };
        (
            ChoiceRule::Obligations,
            crate::text!("choice_by_obligations", chosen = chosen, other = other)
                .sub("detail", detail),
        )
    } else {
        (
            ChoiceRule::Order,
            crate::text!("choice_by_order", chosen = chosen, other = other),
        )
    };
    (
        best,
        Some(Choice {
            alternatives,
            chosen,
            by,
            reason: reason.english(),
            reason_text: reason,
        }),
    )
}

/// The message key of what the policy does with an alternative.
fn decision_verb(decision: Decision) -> &'static str {
    match decision {
        Decision::Allow => "choice_allows",
        Decision::Review => "choice_asks_to_review",
        Decision::Deny => "choice_does_not_allow",
    }
}
