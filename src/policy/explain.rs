//! `fundament policy explain`: what a licence is, what it obliges, and what the policy makes of
//! it, including its compatibility with the project's own licence.

use super::compat::{self, Compatibility, UseMode};
use super::evaluate::{self, LicenceDecision, Status};
use super::{Decision, Policy};
use crate::licence::expression::{self, Tree};
use crate::licence::facts;
use crate::licence::obligations::{self, Lang};
use serde::Serialize;
use std::collections::BTreeMap;

/// Everything fundament knows about one licence.
#[derive(Debug, Clone, Serialize)]
pub struct LicenceInfo {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scancode_category: Option<String>,
    pub osi_approved: bool,
    pub fsf_libre: bool,
    pub deprecated: bool,
    pub obligations: Vec<String>,
}

/// The explanation of a licence expression under a policy.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// What was asked about, as given.
    pub input: String,
    /// The SPDX expression it was read as, and how.
    pub expression: String,
    pub reading: expression::Reading,
    pub assumed: bool,
    pub licences: Vec<LicenceInfo>,
    pub policy: String,
    pub status: Status,
    pub effective: String,
    /// Each `OR` choice that made the effective licence, with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<super::choice::Choice>,
    pub decisions: Vec<LicenceDecision>,
    /// For a licence the policy does not simply allow although an allow rule names its
    /// category: the condition it does not meet ("not OSI-approved, so …").
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub why_not_allowed: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<Compatibility>,
    /// Why compatibility was not checked, when it was not.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::diagnostic::serialize_english"
    )]
    pub compatibility_note: Option<crate::diagnostic::Text>,
}

/// Facts and obligations of one licence id.
pub fn licence_info(id: &str, lang: Lang) -> LicenceInfo {
    let f = facts::facts(id);
    LicenceInfo {
        id: id.to_string(),
        // NOASSERTION's "full name" is NOASSERTION again: no name is better than a repetition.
        name: spdx::license_id(id)
            .map(|l| l.full_name.to_string())
            .filter(|name| name != id),
        category: f.map(|f| f.category.to_string()),
        scancode_category: f.map(|f| f.scancode_category.to_string()),
        osi_approved: f.is_some_and(|f| f.osi_approved),
        fsf_libre: f.is_some_and(|f| f.fsf_libre),
        deprecated: f.is_some_and(|f| f.deprecated),
        obligations: obligations::obligations(id, lang),
    }
}

/// Explains `input` (an SPDX expression or a licence name fundament can read) under `policy`,
/// checking compatibility against `outbound` for `use_mode` when both are known.
pub fn explain(
    input: &str,
    policy: &Policy,
    outbound: Option<&str>,
    use_mode: Option<UseMode>,
    lang: Lang,
) -> Result<Explanation, String> {
    let reading = expression::interpret(input);
    let Some(expr) = reading.expression.clone() else {
        return Err(format!(
            "`{input}` is not a licence fundament can read{}",
            reading.note.map(|n| format!(": {n}")).unwrap_or_default()
        ));
    };
    let tree = Tree::parse(&expr).map_err(|e| format!("`{expr}`: {e}"))?;
    let mut ids: Vec<String> = tree
        .licences()
        .into_iter()
        .flat_map(|req| {
            let mut v = vec![facts::licence_name(&req.license)];
            if let Some(spdx::AdditionItem::Spdx(exc)) = &req.addition {
                v.push(exc.name.to_string());
            }
            v
        })
        .collect();
    ids.dedup();
    let outbound_tree = outbound.and_then(|o| Tree::parse(o).ok());
    let (status, effective, decisions, choices) = evaluate::judge_expression_for(
        &expr,
        policy,
        outbound_tree
            .as_ref()
            .map(|licence| super::choice::Outbound {
                licence,
                use_mode: use_mode.unwrap_or(compat::UseMode::Distribution),
                stated: use_mode.is_some(),
            }),
    );
    let why_not_allowed = decisions
        .iter()
        .filter(|d| d.decision != Decision::Allow)
        .filter_map(|d| {
            evaluate::why_not_allowed(&d.licence, policy).map(|why| (d.licence.clone(), why))
        })
        .collect();
    let (compatibility, compatibility_note) = match (outbound, use_mode) {
        (Some(out), Some(mode)) => match (Tree::parse(out), Tree::parse(&effective)) {
            (Ok(out_tree), Ok(eff_tree)) => (Some(compat::check(&out_tree, &eff_tree, mode)), None),
            _ => (None, Some(crate::text!("explain_not_spdx", licence = out))),
        },
        (None, _) => (
            None,
            Some(crate::diagnostic::Text::new("explain_outbound_unknown")),
        ),
        (Some(_), None) => (
            None,
            Some(crate::diagnostic::Text::new("explain_use_unknown")),
        ),
    };
    Ok(Explanation {
        input: input.to_string(),
        expression: expr,
        reading: reading.reading,
        assumed: reading.assumed,
        licences: ids.iter().map(|id| licence_info(id, lang)).collect(),
        policy: format!("{} ({})", policy.name, policy.origin),
        status,
        effective,
        choices,
        decisions,
        why_not_allowed,
        compatibility,
        compatibility_note,
    })
}

/// The explanation in words, in `lang` (the texts of `[explain]` in src/report/i18n/).
pub fn render(explanation: &Explanation, lang: Lang) -> String {
    use crate::report::html::{fill, tr};
    let t = |key: &str| tr(lang, &format!("explain.{key}"));
    let mut out = String::new();
    let e = explanation;
    if e.expression != e.input {
        crate::safe_writeln!(
            out,
            "{}{}",
            fill(
                &t("read_as"),
                &[("input", &e.input), ("expression", &e.expression)]
            ),
            if e.assumed {
                t("assumed")
            } else {
                String::new()
            }
        );
        out.push('\n');
    }
    for l in &e.licences {
        crate::safe_writeln!(
            out,
            "{}{}",
            l.id,
            l.name
                .as_deref()
                .map(|n| format!(" — {n}"))
                .unwrap_or_default()
        );
        let category = match (&l.category, lang) {
            (Some(c), Lang::En) => c.clone(),
            (Some(c), _) => tr(lang, &format!("category.{c}")),
            (None, _) => tr(lang, "category.unknown"),
        };
        crate::safe_writeln!(
            out,
            "  {}: {}{}",
            t("category"),
            category,
            l.scancode_category
                .as_deref()
                .map(|s| format!(" (ScanCode LicenseDB: {s})"))
                .unwrap_or_default()
        );
        let yes = |b: bool| if b { t("yes") } else { t("no") };
        crate::safe_writeln!(
            out,
            "  {}: {} · {}: {}{}",
            t("osi"),
            yes(l.osi_approved),
            t("fsf"),
            yes(l.fsf_libre),
            if l.deprecated {
                t("deprecated")
            } else {
                String::new()
            }
        );
        if !l.obligations.is_empty() {
            crate::safe_writeln!(out, "  {}:", t("obligations"));
            for o in &l.obligations {
                crate::safe_writeln!(out, "    - {o}");
            }
        }
        out.push('\n');
    }
    let status = match lang {
        Lang::En => e.status.to_string(),
        _ => tr(lang, &format!("status.{}", e.status)),
    };
    crate::safe_writeln!(
        out,
        "{}",
        fill(&t("policy"), &[("policy", &e.policy), ("status", &status)])
    );
    if e.effective != e.expression {
        crate::safe_writeln!(out, "  {}: {}", t("effective"), e.effective);
    }
    for c in &e.choices {
        let reason = match lang {
            Lang::En => c.reason.clone(),
            _ => tr(lang, &format!("choice.{}", c.by)),
        };
        crate::safe_writeln!(
            out,
            "  {}",
            fill(
                &t("chosen"),
                &[
                    ("chosen", &c.chosen),
                    ("alternatives", &c.alternatives.join(" OR ")),
                    ("reason", &reason),
                    ("rule", &c.by.to_string()),
                ]
            )
        );
    }
    for d in &e.decisions {
        let decided = match lang {
            Lang::En => crate::policy::evaluate::decided(d.decision, &d.cause),
            _ => crate::policy::evaluate::decided_text(d.decision, &d.cause).render(lang),
        };
        crate::safe_writeln!(out, "  {}: {}", d.licence, decided);
        if matches!(d.decision, Decision::Review | Decision::Deny)
            && let Some(why) = e.why_not_allowed.get(&d.licence)
        {
            crate::safe_writeln!(out, "    {}: {why}", t("why"));
        }
    }
    match (&e.compatibility, &e.compatibility_note) {
        (Some(c), _) => {
            let verdict = |v: compat::Verdict| match lang {
                Lang::En => v.to_string(),
                _ => tr(lang, &format!("compat.{}", compat_key(v))),
            };
            let mode = match lang {
                Lang::En => c.use_mode.to_string(),
                _ => tr(lang, &format!("use_mode.{}", c.use_mode)),
            };
            out.push('\n');
            crate::safe_writeln!(
                out,
                "{}",
                fill(
                    &t("compatibility"),
                    &[
                        ("outbound", &c.outbound),
                        ("mode", &mode),
                        ("verdict", &verdict(c.verdict)),
                    ]
                )
            );
            for p in &c.pairs {
                let reason = p
                    .texts
                    .reason
                    .as_ref()
                    .map_or_else(|| p.reason.clone(), |r| r.render(lang));
                crate::safe_writeln!(out, "  {}: {} — {}", p.inbound, verdict(p.verdict), reason);
                let sources: Vec<String> = if p.texts.sources.len() == p.sources.len() {
                    p.texts.sources.iter().map(|s| s.render(lang)).collect()
                } else {
                    p.sources.clone()
                };
                for s in &sources {
                    crate::safe_writeln!(out, "    {}: {s}", t("source"));
                }
                let remedy = match (&p.texts.remedy, &p.remedy) {
                    (Some(text), _) => Some(text.render(lang)),
                    (None, remedy) => remedy.clone(),
                };
                if let Some(r) = remedy {
                    crate::safe_writeln!(out, "    {}: {r}", t("way_out"));
                }
                for o in crate::report::html::pair_obligations(p, lang) {
                    crate::safe_writeln!(out, "    {}: {o}", t("obligation"));
                }
            }
        }
        (None, Some(note)) => {
            out.push('\n');
            crate::safe_writeln!(out, "{}: {}", t("not_checked"), note.render(lang));
        }
        (None, None) => {}
    }
    out
}

fn compat_key(verdict: compat::Verdict) -> &'static str {
    match verdict {
        compat::Verdict::Compatible => "compatible",
        compat::Verdict::NeedsReview => "needs-review",
        compat::Verdict::Incompatible => "incompatible",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_facts_obligations_decision_and_compatibility() {
        let policy = Policy::preset("eupl-1.2-distribution").unwrap().unwrap();
        let e = explain(
            "GPLv3",
            &policy,
            policy.outbound.as_deref(),
            policy.use_mode,
            Lang::En,
        )
        .unwrap();
        assert_eq!(e.expression, "GPL-3.0-only");
        assert_eq!(e.licences[0].category.as_deref(), Some("strong-copyleft"));
        assert!(e.licences[0].osi_approved);
        assert_eq!(e.status, Status::Review);
        let c = e.compatibility.as_ref().unwrap();
        assert_eq!(c.verdict, compat::Verdict::Incompatible);
        assert!(
            c.pairs[0]
                .remedy
                .as_deref()
                .unwrap()
                .contains("GPL-3.0-only")
        );
        let text = render(&e, Lang::En);
        assert!(text.contains("way out"), "{text}");
    }

    #[test]
    fn nonsense_is_an_error() {
        let policy = Policy::preset("public-sector-default").unwrap().unwrap();
        assert!(explain("see the website", &policy, None, None, Lang::En).is_err());
    }
}
