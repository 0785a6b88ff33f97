//! Stage 5: the policy's verdict on every package's concluded licence.
//!
//! Each licence of an expression gets the decision of the most specific matching rule (ties:
//! deny, then review, then allow); no matching rule means deny. `AND` takes the worst decision
//! of its parts, `OR` the best; when several alternatives are equally acceptable, the one with
//! the one compatible with the project's licence, then the policy's `prefer` order, then the
//! fewest obligations, then a fixed order is chosen, never the order written ([`super::choice`]).
//! The chosen alternatives form the package's *effective* licence, and each choice is recorded
//! with its reason. A package exception rescues licences the rules do not allow, for that package only,
//! until it expires.

use super::choice::{self, Choice};
use super::compat::{self, Compatibility, UseMode};
use super::{Decision, Exception, ExceptionLicence, Inclusion, Policy, Selector, licence_matches};
use crate::diagnostic::{Code, Finding, Severity, Text};
use crate::licence::expression::Tree;
use crate::licence::facts::{self, Category};
use crate::licence::{Evidence, NOASSERTION};
use crate::model::{Graph, Package, Scope};
use crate::text;
use serde::Serialize;
use std::collections::HashMap;

/// The overall verdict on one package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Allowed,
    Review,
    Denied,
    /// Not evaluated: the policy excludes the package's scope (dev, build, optional, peer).
    Skipped,
    /// The audited project's own package: its licence is the outbound licence.
    Project,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Allowed => "allowed",
            Status::Review => "review",
            Status::Denied => "denied",
            Status::Skipped => "skipped",
            Status::Project => "project",
        })
    }
}

/// What decided one licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Cause {
    /// An allow, review or deny rule.
    Rule { rule: String, source: String },
    /// No rule matched; policies deny by default.
    Default,
    /// A package exception.
    Exception {
        source: String,
        approved_by: String,
        reason: String,
        /// The last day the exception applies (`YYYY-MM-DD`), when it expires.
        #[serde(skip_serializing_if = "Option::is_none")]
        expires: Option<String>,
    },
    /// The licence is unknown; the policy's `unknown` setting decided.
    Unknown,
}

impl Cause {
    /// The cause in translatable form.
    pub fn text(&self) -> Text {
        match self {
            Cause::Rule { rule, source } => text!("cause_rule", rule = rule, source = source),
            Cause::Default => Text::new("cause_default"),
            Cause::Exception {
                source,
                approved_by,
                reason,
                expires,
            } => text!(
                "cause_exception",
                source = source,
                reason = reason,
                by = approved_by
            )
            .sub(
                "expiry",
                match expires {
                    Some(date) => text!("decision_expires", date = date),
                    None => Text::new("decision_no_expiry"),
                },
            ),
            Cause::Unknown => Text::new("cause_unknown"),
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().english())
    }
}

/// One licence's decision and what made it, in words: "denied by `deny = proprietary`
/// (policy.toml:12)", "denied: no rule allows it (policies deny by default)", "needs review by
/// `review = permissive` (…)". Findings' notes and `policy explain` say it this way.
pub fn decided(decision: Decision, cause: &Cause) -> String {
    decided_text(decision, cause).english()
}

/// [`decided`] in translatable form.
pub fn decided_text(decision: Decision, cause: &Cause) -> Text {
    let verb = Text::new(match decision {
        Decision::Allow => "decided_allowed",
        Decision::Review => "decided_review",
        Decision::Deny => "decided_denied",
    });
    match cause {
        Cause::Default => Text::new("decided_by_default").sub("verb", verb),
        cause => Text::new("decided_by")
            .sub("verb", verb)
            .sub("cause", cause.text()),
    }
}

/// Why the policy did not simply allow `licence`, where an allow rule of its category names a
/// condition the licence does not meet ("not OSI-approved, so `allow = permissive and
/// osi-approved` (…:25) does not admit it"): the reason a permissive licence needs review.
pub fn why_not_allowed(licence: &str, policy: &Policy) -> Option<String> {
    why_not_allowed_text(licence, policy).map(|why| why.english())
}

/// [`why_not_allowed`] in translatable form.
pub fn why_not_allowed_text(licence: &str, policy: &Policy) -> Option<Text> {
    let expression = spdx::Expression::parse_mode(licence, spdx::ParseMode::LAX).ok()?;
    let req = expression.requirements().next()?.req.clone();
    policy.unmet_allow_text(&req)
}

/// The decision on one licence of the effective expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LicenceDecision {
    pub licence: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    pub decision: Decision,
    pub cause: Cause,
}

/// The policy's verdict on a package.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub status: Status,
    /// The licence the package is used under: the concluded expression with every OR resolved
    /// to the alternative the policy chose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
    /// The decision on each licence of the effective expression (for a denied OR: of every
    /// alternative).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<LicenceDecision>,
    /// Each `OR` choice that made the effective licence, with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// Why the package was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The verdict on the effective licence against the project's own licence, when the
    /// policy asks for it (`[project] use`) and treats the package as delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<Compatibility>,
    /// Whether the policy treats the package as delivered with the product: its usage
    /// (scope) is `include` in `[dependencies]`, so it is checked for compatibility with the
    /// project's licence and listed in the notices. False for development tools (checked
    /// against the licence rules only) and skipped packages.
    pub delivered: bool,
}

/// The evaluate stage's output, parallel to `graph.packages`.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub verdicts: Vec<Verdict>,
    pub findings: Vec<Finding>,
}

struct Outcome {
    decision: Decision,
    /// None for an unknown licence.
    effective: Option<Tree>,
    decisions: Vec<LicenceDecision>,
    choices: Vec<Choice>,
    rules_used: Vec<usize>,
    exceptions_used: Vec<usize>,
}

/// Evaluates every package of the graph against the policy.
pub fn evaluate(
    graph: &Graph,
    evidence: &[Evidence],
    policy: &Policy,
    today: jiff::civil::Date,
    project_licence: Option<&str>,
) -> Evaluation {
    let mut findings = Vec::new();
    let compatibility = compatibility_setup(policy, project_licence, &mut findings);
    let choice_outbound = choice_setup(policy, project_licence, compatibility.as_ref());
    let outbound = choice_outbound
        .as_ref()
        .map(|(licence, use_mode, stated)| choice::Outbound {
            licence,
            use_mode: *use_mode,
            stated: *stated,
        });
    let mut compat_by_expression: HashMap<String, Compatibility> = HashMap::new();
    let live: Vec<bool> = policy
        .exceptions
        .iter()
        .map(|e| e.expires.is_none_or(|d| d >= today))
        .collect();
    for (exception, alive) in policy.exceptions.iter().zip(&live) {
        if !alive {
            findings.push(expired(exception));
        }
    }

    let mut rule_used = vec![false; policy.rules.len()];
    let mut exception_matched = vec![false; policy.exceptions.len()];
    let mut exception_used = vec![false; policy.exceptions.len()];
    // Packages without exceptions share outcomes by expression.
    let mut by_expression: HashMap<String, Verdict> = HashMap::new();
    let mut verdicts = Vec::with_capacity(graph.packages.len());

    for (package, ev) in graph.packages.iter().zip(evidence) {
        if package.root {
            verdicts.push(Verdict {
                status: Status::Project,
                effective: None,
                licences: Vec::new(),
                choices: Vec::new(),
                note: Some("the audited project's own package".to_string()),
                compatibility: None,
                delivered: true,
            });
            continue;
        }
        if let Some(note) = skipped(package, policy) {
            verdicts.push(Verdict {
                status: Status::Skipped,
                effective: None,
                licences: Vec::new(),
                choices: Vec::new(),
                note: Some(note),
                compatibility: None,
                delivered: false,
            });
            continue;
        }
        let delivered = policy.treatment_of(package) == Inclusion::Include;
        let applicable: Vec<usize> = policy
            .exceptions
            .iter()
            .enumerate()
            .filter(|(_, e)| e.spec.matches(package))
            .map(|(i, _)| i)
            .collect();
        for &i in &applicable {
            exception_matched[i] = true;
        }
        let live_exceptions: Vec<usize> = applicable.into_iter().filter(|&i| live[i]).collect();
        let expression = &ev.concluded.expression;

        let verdict = if live_exceptions.is_empty()
            && let Some(cached) = by_expression.get(expression)
        {
            cached.clone()
        } else {
            let outcome = evaluate_expression(expression, policy, &live_exceptions, outbound);
            for &r in &outcome.rules_used {
                rule_used[r] = true;
            }
            for &e in &outcome.exceptions_used {
                exception_used[e] = true;
            }
            let verdict = Verdict {
                status: match outcome.decision {
                    Decision::Allow => Status::Allowed,
                    Decision::Review => Status::Review,
                    Decision::Deny => Status::Denied,
                },
                effective: Some(
                    outcome
                        .effective
                        .as_ref()
                        .map_or_else(|| NOASSERTION.to_string(), Tree::to_string),
                ),
                licences: outcome.decisions,
                choices: outcome.choices,
                note: None,
                compatibility: None,
                delivered: true,
            };
            if live_exceptions.is_empty() {
                by_expression.insert(expression.clone(), verdict.clone());
            }
            verdict
        };
        let mut verdict = verdict;
        verdict.delivered = delivered;
        if !delivered {
            let (words, key) = if policy.treatment(package.scope) != Inclusion::Include {
                (scope_words(package.scope), package.scope.to_string())
            } else if package.optional && policy.optional != Inclusion::Include {
                ("an optional dependency", "optional".to_string())
            } else {
                ("a peer dependency", "peer".to_string())
            };
            verdict.note = Some(format!(
                "{words}: checked against the licence rules only, not for compatibility with the \
                 project's licence nor listed in the notices (`[dependencies] {key} = \"licence\"`)"
            ));
        }
        if delivered
            && let (Some((outbound, mode)), Some(effective)) = (&compatibility, &verdict.effective)
            && ev.concluded.is_known()
            && let Ok(effective_tree) = Tree::parse(effective)
        {
            let result = compat_by_expression
                .entry(effective.clone())
                .or_insert_with(|| compat::check(outbound, &effective_tree, *mode))
                .clone();
            findings.extend(compatibility_findings(package, ev, &verdict, &result));
            verdict.compatibility = Some(result);
        }
        if let Some(finding) = finding_for(package, ev, &verdict, policy) {
            findings.push(finding);
        }
        verdicts.push(verdict);
    }

    for (i, exception) in policy.exceptions.iter().enumerate() {
        if live[i] && !exception_used[i] {
            let why = if exception_matched[i] {
                "exception_unused_not_needed"
            } else {
                "exception_unused_no_match"
            };
            findings.push(
                Finding::warning(
                    Code::ExceptionUnused,
                    text!("exception_unused", spec = exception.spec).sub("why", Text::new(why)),
                )
                .located(exception.source.clone()),
            );
        }
    }
    if policy.warn_unused_allowed {
        for (rule, used) in policy.rules.iter().zip(&rule_used) {
            if rule.decision == Decision::Allow
                && !used
                && matches!(rule.selector, Selector::Licence(_))
            {
                findings.push(
                    Finding::warning(
                        Code::AllowUnused,
                        text!("allow_unused", selector = rule.selector),
                    )
                    .located(rule.source.clone()),
                );
            }
        }
    }
    Evaluation { verdicts, findings }
}

/// The outbound licence and use, when the policy asks for compatibility checks.
fn compatibility_setup(
    policy: &Policy,
    project_licence: Option<&str>,
    findings: &mut Vec<Finding>,
) -> Option<(Tree, UseMode)> {
    let mode = policy.use_mode?;
    let Some(text) = policy.outbound.as_deref().or(project_licence) else {
        findings.push(
            Finding::warning(
                Code::OutboundLicenceUnknown,
                text!("outbound_unknown", mode = mode),
            )
            .note(crate::diagnostic::Text::new(
                "note_set_project_licence_in_the",
            )),
        );
        return None;
    };
    match Tree::parse(text) {
        Ok(tree) => {
            if mode == UseMode::Network {
                findings.extend(own_network_obligation(&tree));
            }
            Some((tree, mode))
        }
        Err(_) => {
            findings.push(Finding::warning(
                Code::OutboundLicenceUnknown,
                text!("outbound_unparsable", licence = text),
            ));
            None
        }
    }
}

/// The project's licence and use the `OR` choices are made against: the compatibility check's
/// when the policy asks for one, else the project's licence for distribution, else none.
fn choice_setup(
    policy: &Policy,
    project_licence: Option<&str>,
    compatibility: Option<&(Tree, UseMode)>,
) -> Option<(Tree, UseMode, bool)> {
    if let Some((tree, mode)) = compatibility {
        return Some((tree.clone(), *mode, true));
    }
    let text = policy.outbound.as_deref().or(project_licence)?;
    let tree = Tree::parse(text).ok()?;
    Some((
        tree,
        policy.use_mode.unwrap_or(UseMode::Distribution),
        policy.use_mode.is_some(),
    ))
}

/// Offering the project itself over a network is distribution under network copyleft and under
/// the EUPL (Article 1 counts providing access to essential functionalities as distribution).
fn own_network_obligation(outbound: &Tree) -> Option<Finding> {
    let networked: Vec<String> = outbound
        .licences()
        .into_iter()
        .map(|req| facts::licence_name(&req.license))
        .filter(|id| {
            id.starts_with("EUPL-")
                || facts::facts(id).is_some_and(|f| f.category == Category::NetworkCopyleft)
        })
        .collect();
    if networked.is_empty() {
        return None;
    }
    Some(
        Finding::warning(
            Code::ObligationTriggered,
            text!(
                "obligation_network_project",
                licences = networked.join(", ")
            ),
        )
        .note(Text::new("network_distribution"))
        .note(Text::new("publish_source")),
    )
}

/// C001–C003 for one package. An exception that accepted the package's licence accepts its
/// compatibility too: the findings become notes that name the exception.
fn compatibility_findings(
    package: &Package,
    ev: &Evidence,
    verdict: &Verdict,
    result: &Compatibility,
) -> Vec<Finding> {
    let name = format!("{} {}", package.name, package.version);
    let excepted = verdict.licences.iter().find_map(|d| match &d.cause {
        Cause::Exception { source, .. } => Some(source.clone()),
        _ => None,
    });
    let effective = verdict.effective.clone().unwrap_or_default();
    let mut out = Vec::new();
    let (code, severity, message) = match result.verdict {
        compat::Verdict::Compatible => (None, Severity::Note, Text::new("")),
        compat::Verdict::Incompatible => (
            Some(Code::LicenceIncompatible),
            Severity::Error,
            text!(
                "licence_incompatible",
                name = name,
                licence = effective,
                outbound = result.outbound,
                mode = result.use_mode
            ),
        ),
        compat::Verdict::NeedsReview => (
            Some(Code::CompatibilityNeedsReview),
            Severity::Warning,
            text!(
                "compatibility_needs_review",
                name = name,
                licence = effective,
                outbound = result.outbound,
                mode = result.use_mode
            ),
        ),
    };
    if let Some(code) = code {
        let severity = if excepted.is_some() {
            Severity::Note
        } else {
            severity
        };
        let mut finding = Finding::new(code, severity, message)
            .package(package.purl.clone())
            .licence(effective.clone(), Some(ev.concluded.explanation.clone()));
        for pair in result
            .pairs
            .iter()
            .filter(|p| p.verdict != compat::Verdict::Compatible)
        {
            let reason = pair
                .texts
                .reason
                .clone()
                .unwrap_or_else(|| Text::verbatim(&pair.reason));
            finding =
                finding.note(text!("pair_reason", inbound = pair.inbound).sub("reason", reason));
            for (i, source) in pair.sources.iter().enumerate() {
                let source = pair
                    .texts
                    .sources
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| Text::verbatim(source));
                finding = finding.note(Text::new("pair_source").sub("source", source));
            }
            if let Some(remedy) = &pair.remedy {
                let remedy = pair
                    .texts
                    .remedy
                    .clone()
                    .unwrap_or_else(|| Text::verbatim(remedy));
                finding = finding.note(Text::new("pair_remedy").sub("remedy", remedy));
            }
        }
        if let Some(source) = &excepted {
            finding = finding.note(text!("accepted_by_exception", source = source));
        }
        out.push(finding);
    }
    let obligations: Vec<Text> = result
        .pairs
        .iter()
        .flat_map(|p| {
            p.obligations.iter().enumerate().map(|(i, obligation)| {
                p.texts
                    .obligations
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| Text::verbatim(obligation))
            })
        })
        .collect();
    if !obligations.is_empty() {
        let mut finding = Finding::warning(
            Code::ObligationTriggered,
            text!(
                "obligation_triggered",
                name = name,
                licence = effective,
                mode = result.use_mode
            ),
        )
        .package(package.purl.clone())
        .licence(effective, Some(ev.concluded.explanation.clone()));
        for obligation in obligations {
            finding = finding.note(obligation);
        }
        out.push(finding);
    }
    out
}

fn skipped(package: &Package, policy: &Policy) -> Option<String> {
    if policy.treatment(package.scope) == Inclusion::Exclude {
        return Some(format!(
            "{}; the policy excludes them (`[dependencies] {} = \"exclude\"`)",
            scope_words(package.scope),
            package.scope
        ));
    }
    if package.optional && policy.optional == Inclusion::Exclude {
        return Some(
            "an optional dependency; the policy excludes them (`[dependencies] optional = \"exclude\"`)"
                .to_string(),
        );
    }
    if package.peer && policy.peer == Inclusion::Exclude {
        return Some(
            "a peer dependency; the policy excludes them (`[dependencies] peer = \"exclude\"`)"
                .to_string(),
        );
    }
    None
}

/// A package of `scope`, in words.
pub fn scope_words(scope: Scope) -> &'static str {
    match scope {
        Scope::Runtime => "a runtime dependency",
        Scope::Provided => "a dependency provided by the runtime environment",
        Scope::Build => "a build dependency",
        Scope::Test => "a test dependency",
        Scope::Dev => "a development dependency",
    }
}

fn expired(exception: &Exception) -> Finding {
    let date = exception.expires.map(|d| d.to_string()).unwrap_or_default();
    Finding::error(
        Code::ExceptionExpired,
        text!("exception_expired", spec = exception.spec, date = date),
    )
    .located(exception.source.clone())
    .note(crate::text!(
        "note_approved_because",
        approved_by = exception.approved_by,
        reason = exception.reason
    ))
    .note(crate::diagnostic::Text::new("note_renew_it_with_a_new"))
}

/// The policy's decision on one licence expression, outside any package (no exceptions): the
/// status, the effective expression, and the decision on each licence.
pub fn judge_expression(
    expression: &str,
    policy: &Policy,
) -> (Status, String, Vec<LicenceDecision>) {
    let (status, effective, decisions, _) = judge_expression_for(expression, policy, None);
    (status, effective, decisions)
}

/// As [`judge_expression`], with the project's licence and use the `OR` choices are made
/// against, and the choices made.
pub fn judge_expression_for(
    expression: &str,
    policy: &Policy,
    outbound: Option<choice::Outbound<'_>>,
) -> (Status, String, Vec<LicenceDecision>, Vec<Choice>) {
    let outcome = evaluate_expression(expression, policy, &[], outbound);
    let status = match outcome.decision {
        Decision::Allow => Status::Allowed,
        Decision::Review => Status::Review,
        Decision::Deny => Status::Denied,
    };
    let effective = outcome
        .effective
        .as_ref()
        .map_or_else(|| NOASSERTION.to_string(), Tree::to_string);
    (status, effective, outcome.decisions, outcome.choices)
}

fn evaluate_expression(
    expression: &str,
    policy: &Policy,
    exceptions: &[usize],
    outbound: Option<choice::Outbound<'_>>,
) -> Outcome {
    if expression == NOASSERTION {
        return unknown_outcome(policy, exceptions);
    }
    match Tree::parse(expression) {
        Ok(tree) => evaluate_tree(&tree, policy, exceptions, outbound),
        // Concluded expressions are canonical SPDX; this is a safety net, not a path.
        Err(_) => unknown_outcome(policy, exceptions),
    }
}

fn unknown_outcome(policy: &Policy, exceptions: &[usize]) -> Outcome {
    let rescued = exceptions.iter().copied().find(|&i| {
        policy.exceptions[i]
            .allow
            .iter()
            .any(|a| matches!(a, ExceptionLicence::Unknown | ExceptionLicence::Any))
    });
    let (decision, cause, exceptions_used) = match rescued {
        Some(i) if policy.unknown != Decision::Allow => (
            Decision::Allow,
            exception_cause(&policy.exceptions[i]),
            vec![i],
        ),
        _ => (policy.unknown, Cause::Unknown, Vec::new()),
    };
    Outcome {
        decision,
        effective: None,
        decisions: vec![LicenceDecision {
            licence: NOASSERTION.to_string(),
            category: None,
            decision,
            cause,
        }],
        choices: Vec::new(),
        rules_used: Vec::new(),
        exceptions_used,
    }
}

fn exception_cause(exception: &Exception) -> Cause {
    Cause::Exception {
        source: exception.source.to_string(),
        approved_by: exception.approved_by.clone(),
        reason: exception.reason.clone(),
        expires: exception.expires.map(|d| d.to_string()),
    }
}

fn evaluate_tree(
    tree: &Tree,
    policy: &Policy,
    exceptions: &[usize],
    outbound: Option<choice::Outbound<'_>>,
) -> Outcome {
    match tree {
        Tree::Licence(req) => {
            let (mut decision, mut cause, mut rules_used) = decide(req, policy);
            let mut exceptions_used = Vec::new();
            if decision != Decision::Allow
                && let Some(i) = exceptions.iter().copied().find(|&i| {
                    policy.exceptions[i].allow.iter().any(|a| match a {
                        ExceptionLicence::Licence(wanted) => licence_matches(wanted, req),
                        ExceptionLicence::Any => true,
                        ExceptionLicence::Unknown => false,
                    })
                })
            {
                decision = Decision::Allow;
                cause = exception_cause(&policy.exceptions[i]);
                rules_used.clear();
                exceptions_used.push(i);
            }
            let category = facts::category_of(req);
            Outcome {
                decision,
                effective: Some(tree.clone()),
                decisions: vec![LicenceDecision {
                    licence: req.to_string(),
                    category,
                    decision,
                    cause,
                }],
                choices: Vec::new(),
                rules_used,
                exceptions_used,
            }
        }
        Tree::And(items) => {
            let parts: Vec<Outcome> = items
                .iter()
                .map(|i| evaluate_tree(i, policy, exceptions, outbound))
                .collect();
            Outcome {
                decision: parts
                    .iter()
                    .map(|p| p.decision)
                    .max()
                    .unwrap_or(Decision::Allow),
                effective: parts
                    .iter()
                    .map(|p| p.effective.clone())
                    .collect::<Option<Vec<Tree>>>()
                    .map(Tree::And),
                decisions: parts.iter().flat_map(|p| p.decisions.clone()).collect(),
                choices: parts.iter().flat_map(|p| p.choices.clone()).collect(),
                rules_used: parts.iter().flat_map(|p| p.rules_used.clone()).collect(),
                exceptions_used: parts
                    .iter()
                    .flat_map(|p| p.exceptions_used.clone())
                    .collect(),
            }
        }
        Tree::Or(items) => {
            let parts: Vec<Outcome> = items
                .iter()
                .map(|i| evaluate_tree(i, policy, exceptions, outbound))
                .collect();
            let rules_used: Vec<usize> = parts.iter().flat_map(|p| p.rules_used.clone()).collect();
            let candidates: Vec<choice::Candidate> = parts
                .iter()
                .map(|p| choice::Candidate {
                    decision: p.decision,
                    effective: p.effective.clone(),
                })
                .collect();
            let (best, made) = choice::choose(&candidates, policy, outbound);
            let mut parts = parts;
            let chosen_denied = parts[best].decision == Decision::Deny;
            let all_decisions: Vec<LicenceDecision> =
                parts.iter().flat_map(|p| p.decisions.clone()).collect();
            let mut chosen = parts.swap_remove(best);
            // When nothing is acceptable, every alternative's decision explains the verdict.
            if chosen_denied {
                chosen.decisions = all_decisions;
            }
            chosen.rules_used = rules_used;
            chosen.choices.extend(made);
            chosen
        }
    }
}

/// The decision of the most specific matching rule for one licence.
fn decide(req: &spdx::LicenseReq, policy: &Policy) -> (Decision, Cause, Vec<usize>) {
    let best = policy
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.selector.matches(req))
        .max_by_key(|(_, r)| (r.selector.specificity(), r.decision));
    match best {
        Some((index, rule)) => (
            rule.decision,
            Cause::Rule {
                rule: format!("{} = {}", rule.decision, rule.selector),
                source: rule.source.to_string(),
            },
            vec![index],
        ),
        None => (Decision::Deny, Cause::Default, Vec::new()),
    }
}

fn finding_for(
    package: &Package,
    ev: &Evidence,
    verdict: &Verdict,
    policy: &Policy,
) -> Option<Finding> {
    let unknown = !ev.concluded.is_known();
    let name = format!("{} {}", package.name, package.version);
    let licence = ev.concluded.expression.clone();
    // The input could not carry the licence (a pnpm or Python lockfile): unresolved, which a
    // registry look-up can settle, rather than unknown.
    let unresolved = unknown && package.licence_unavailable.is_some() && ev.declared.is_empty();
    let (code, severity, message) = match verdict.status {
        Status::Denied if unresolved => (
            Code::LicenceNotInInput,
            Severity::Error,
            text!("licence_not_in_input_denied", name = name),
        ),
        Status::Review if unresolved => (
            Code::LicenceNotInInput,
            review_severity(policy),
            text!("licence_not_in_input", name = name),
        ),
        Status::Denied if unknown => (
            Code::LicenceUnknown,
            Severity::Error,
            text!("licence_unknown_denied", name = name),
        ),
        Status::Review if unknown => (
            Code::LicenceUnknown,
            review_severity(policy),
            text!("licence_unknown_review", name = name),
        ),
        Status::Denied => {
            let denied_by_rule = verdict
                .licences
                .iter()
                .any(|d| d.decision == Decision::Deny && matches!(d.cause, Cause::Rule { .. }));
            let denied: Vec<&str> = verdict
                .licences
                .iter()
                .filter(|d| d.decision == Decision::Deny)
                .map(|d| d.licence.as_str())
                .collect();
            let single = denied.len() == 1 && denied[0] == licence;
            let what = if single {
                text!("licence_plain", licence = licence)
            } else {
                text!(
                    "licence_partly_denied",
                    licence = licence,
                    denied = denied.join(", ")
                )
            };
            if denied_by_rule {
                (
                    Code::LicenceDenied,
                    Severity::Error,
                    text!("licence_denied", name = name).sub("what", what),
                )
            } else {
                (
                    Code::LicenceNotAllowed,
                    Severity::Error,
                    text!("licence_not_allowed", name = name).sub("what", what),
                )
            }
        }
        Status::Review => (
            Code::LicenceNeedsReview,
            review_severity(policy),
            text!(
                "licence_needs_review",
                name = name,
                licence = verdict.effective.as_deref().unwrap_or(&licence)
            ),
        ),
        Status::Allowed => {
            let exception = verdict.licences.iter().find_map(|d| match &d.cause {
                cause @ Cause::Exception { .. } => Some(cause.text()),
                _ => None,
            })?;
            (
                Code::ExceptionApplied,
                Severity::Note,
                text!("exception_applied", name = name).sub("exception", exception),
            )
        }
        Status::Skipped | Status::Project => return None,
    };
    let mut finding = Finding::new(code, severity, message)
        .package(package.purl.clone())
        .licence(licence, Some(ev.concluded.explanation.clone()));
    for decision in &verdict.licences {
        if decision.decision != Decision::Allow || matches!(decision.cause, Cause::Exception { .. })
        {
            let category = match decision.category {
                Some(c) => Text::new("decision_category")
                    .sub("category", Text::new(format!("category_id.{}", c.as_str()))),
                None => Text::verbatim(""),
            };
            let why = match (&decision.decision, &decision.cause) {
                (Decision::Review | Decision::Deny, Cause::Rule { .. } | Cause::Default) => {
                    why_not_allowed_text(&decision.licence, policy)
                        .map(|why| Text::new("decision_why").sub("why", why))
                }
                _ => None,
            };
            finding = finding.note(
                text!("decision_note", licence = decision.licence)
                    .sub("category", category)
                    .sub("decided", decided_text(decision.decision, &decision.cause))
                    .sub("why", why.unwrap_or_else(|| Text::verbatim(""))),
            );
        }
    }
    if let Some(effective) = &verdict.effective
        && effective != &ev.concluded.expression
        && verdict.status != Status::Denied
    {
        finding = finding.note(text!("effective_chosen", effective = effective));
        for choice in &verdict.choices {
            finding = finding.note(
                text!(
                    "or_choice",
                    chosen = choice.chosen,
                    alternatives = choice.alternatives.join(" OR ")
                )
                .sub("reason", choice.reason_text.clone()),
            );
        }
    }
    Some(finding)
}

fn review_severity(policy: &Policy) -> Severity {
    if policy.review_fails {
        Severity::Error
    } else {
        Severity::Warning
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn policy(text: &str) -> Policy {
        Policy::parse(text, "p.toml", "p.toml").unwrap()
    }

    fn run(expression: &str, policy: &Policy) -> (Decision, String) {
        let outcome = evaluate_expression(expression, policy, &[], None);
        (
            outcome.decision,
            outcome
                .effective
                .map_or_else(|| NOASSERTION.to_string(), |t| t.to_string()),
        )
    }

    #[test]
    fn or_picks_the_allowed_alternative_with_fewest_obligations() {
        let p = policy("[licences]\nallow = [\"permissive\", \"weak-copyleft\"]\n");
        assert_eq!(
            run("MPL-2.0 OR Apache-2.0", &p),
            (Decision::Allow, "Apache-2.0".to_string())
        );
        assert_eq!(
            run("GPL-3.0-only OR MIT", &p),
            (Decision::Allow, "MIT".to_string())
        );
        // Equal in everything: the fixed order, never the order written.
        assert_eq!(run("MIT OR ISC", &p), (Decision::Allow, "ISC".to_string()));
        assert_eq!(run("ISC OR MIT", &p), (Decision::Allow, "ISC".to_string()));
    }

    fn choices(expression: &str, policy: &Policy, outbound: Option<&str>) -> Vec<Choice> {
        let tree = outbound.map(|o| Tree::parse(o).unwrap());
        evaluate_expression(
            expression,
            policy,
            &[],
            tree.as_ref().map(|licence| choice::Outbound {
                licence,
                use_mode: UseMode::Distribution,
                stated: true,
            }),
        )
        .choices
    }

    #[test]
    fn or_choices_do_not_depend_on_the_order_written() {
        let p = policy("[licences]\nallow = [\"permissive\", \"weak-copyleft\"]\n");
        for (a, b) in [
            ("MIT OR Apache-2.0", "Apache-2.0 OR MIT"),
            ("MIT OR Apache-2.0 OR Zlib", "Zlib OR Apache-2.0 OR MIT"),
            ("(MIT AND ISC) OR Apache-2.0", "Apache-2.0 OR (MIT AND ISC)"),
            ("Unlicense OR MIT", "MIT OR Unlicense"),
        ] {
            assert_eq!(run(a, &p), run(b, &p), "{a} / {b}");
            assert_eq!(choices(a, &p, None), choices(b, &p, None), "{a} / {b}");
        }
        // MIT asks only for the notices; Apache-2.0 adds the NOTICE file and marking changes.
        let made = choices("Apache-2.0 OR MIT", &p, None);
        assert_eq!(made.len(), 1);
        assert_eq!(made[0].chosen, "MIT");
        assert_eq!(made[0].by, choice::ChoiceRule::Obligations);
        assert_eq!(made[0].alternatives, vec!["Apache-2.0", "MIT"]);
        assert!(
            made[0].reason.contains("fewer obligations"),
            "{}",
            made[0].reason
        );
        // Public domain before permissive.
        let p = policy("[licences]\nallow = [\"permissive\", \"public-domain\"]\n");
        assert_eq!(run("MIT OR CC0-1.0", &p).1, "CC0-1.0");
    }

    #[test]
    fn the_policy_decides_then_compatibility_then_preference() {
        let p = policy("[licences]\nallow = [\"MIT\"]\nreview = [\"Apache-2.0\"]\n");
        let made = choices("Apache-2.0 OR MIT", &p, None);
        assert_eq!(
            (made[0].chosen.as_str(), made[0].by),
            ("MIT", choice::ChoiceRule::Policy)
        );

        // GPL-2.0-only cannot take Apache-2.0 code (OSADL): the compatible alternative wins,
        // although it has more obligations.
        let p = policy("[licences]\nallow = [\"permissive\", \"strong-copyleft\"]\n");
        let made = choices("Apache-2.0 OR GPL-2.0-only", &p, Some("GPL-2.0-only"));
        assert_eq!(made[0].chosen, "GPL-2.0-only");
        assert_eq!(made[0].by, choice::ChoiceRule::Compatibility);

        let prefer =
            policy("[licences]\nallow = [\"permissive\"]\nprefer = [\"Apache-2.0\", \"MIT\"]\n");
        for expression in ["MIT OR Apache-2.0", "Apache-2.0 OR MIT"] {
            let made = choices(expression, &prefer, Some("EUPL-1.2"));
            assert_eq!(made[0].chosen, "Apache-2.0");
            assert_eq!(made[0].by, choice::ChoiceRule::Preference);
        }
        assert!(
            Policy::parse(
                "[licences]\nallow = [\"MIT\"]\nprefer = [\"MIT\", \"MIT\"]\n",
                "p.toml",
                "p.toml"
            )
            .is_err()
        );
    }

    #[test]
    fn and_needs_every_part() {
        let p = policy("[licences]\nallow = [\"MIT\"]\nreview = [\"strong-copyleft\"]\n");
        assert_eq!(run("MIT AND GPL-2.0-only", &p).0, Decision::Review);
        assert_eq!(run("MIT AND ISC", &p).0, Decision::Deny);
        assert_eq!(
            run("MIT AND (ISC OR MIT)", &p),
            (Decision::Allow, "MIT AND MIT".to_string())
        );
    }

    #[test]
    fn the_most_specific_rule_wins_and_deny_breaks_ties() {
        let p = policy(
            "[licences]\nallow = [\"GPL-2.0-only\", { category = \"permissive\", osi-approved = true }]\n\
             deny = [\"strong-copyleft\", \"permissive\"]\n",
        );
        assert_eq!(run("GPL-2.0-only", &p).0, Decision::Allow);
        assert_eq!(run("GPL-3.0-only", &p).0, Decision::Deny);
        assert_eq!(run("MIT", &p).0, Decision::Allow);
        assert_eq!(run("WTFPL", &p).0, Decision::Deny);
        let tie = policy("[licences]\nallow = [\"osi-approved\"]\ndeny = [\"strong-copyleft\"]\n");
        assert_eq!(run("GPL-3.0-only", &tie).0, Decision::Deny);
    }

    #[test]
    fn unknown_follows_the_policy() {
        let deny = policy("[licences]\nallow = [\"MIT\"]\n");
        assert_eq!(run(NOASSERTION, &deny).0, Decision::Deny);
        let review = policy("[licences]\nallow = [\"MIT\"]\nunknown = \"review\"\n");
        assert_eq!(run(NOASSERTION, &review).0, Decision::Review);
    }

    #[test]
    fn gnu_only_and_or_later_are_distinct() {
        let p = policy("[licences]\nallow = [\"GPL-2.0-only\"]\n");
        assert_eq!(run("GPL-2.0-or-later", &p).0, Decision::Deny);
        assert_eq!(run("GPL-2.0-only", &p).0, Decision::Allow);
    }

    #[test]
    fn exceptions_rescue_only_their_licences() {
        let p = policy(
            "[licences]\nallow = [\"MIT\"]\n[[exceptions]]\npackage = \"ring\"\nallow = [\"OpenSSL\"]\n\
             reason = \"reviewed\"\napproved-by = \"legal\"\n",
        );
        let outcome = evaluate_expression("MIT AND OpenSSL", &p, &[0], None);
        assert_eq!(outcome.decision, Decision::Allow);
        assert_eq!(outcome.exceptions_used, vec![0]);
        let outcome = evaluate_expression("MIT AND ISC", &p, &[0], None);
        assert_eq!(outcome.decision, Decision::Deny);
    }
}
