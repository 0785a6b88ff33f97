//! `where-used`: which repositories of a portfolio use a component, or a licence.
//!
//! The question is a purl (`pkg:npm/lodash@4.17.20`: that version; `pkg:npm/lodash`: every
//! version), a licence (`GPL-3.0-only`, `NOASSERTION`, or an expression, whose every licence
//! must be in the component's), or a package name (in any ecosystem).

use super::merged::Portfolio;
use serde::Serialize;
use std::collections::BTreeSet;

/// What is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A purl: type, namespace and name, and the version when one is given.
    Purl {
        ty: String,
        namespace: Option<String>,
        name: String,
        version: Option<String>,
    },
    /// Licences (SPDX ids, canonical), all of which must be in a component's licence.
    Licence(Vec<String>),
    /// A package name, in any ecosystem.
    Name(String),
}

/// How to read the question when it could be either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryKind {
    /// A purl, else a licence, else a package name.
    Auto,
    Licence,
    Package,
}

impl Query {
    pub fn parse(text: &str, kind: QueryKind) -> Result<Query, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the question is empty: give a purl, a licence or a package name".into());
        }
        if text.starts_with("pkg:") && kind != QueryKind::Licence {
            let purl: packageurl::PackageUrl = text
                .parse()
                .map_err(|e| format!("`{text}` is not a valid purl: {e}"))?;
            return Ok(Query::Purl {
                ty: purl.ty().to_ascii_lowercase(),
                namespace: purl.namespace().map(str::to_string),
                name: purl.name().to_string(),
                version: purl.version().map(str::to_string),
            });
        }
        let licence = || -> Option<Query> {
            if text.eq_ignore_ascii_case(crate::licence::NOASSERTION) {
                return Some(Query::Licence(vec![
                    crate::licence::NOASSERTION.to_string(),
                ]));
            }
            let tree = crate::licence::expression::Tree::parse(text).ok()?;
            let ids: Vec<String> = tree.licences().iter().map(|l| l.to_string()).collect();
            (!ids.is_empty()).then_some(Query::Licence(ids))
        };
        match kind {
            QueryKind::Licence => licence()
                .ok_or_else(|| format!("`{text}` is not an SPDX licence identifier or expression")),
            QueryKind::Package => Ok(Query::Name(text.to_string())),
            QueryKind::Auto => {
                // A word that is an SPDX id is a licence; anything else a package name.
                let is_licence = text.eq_ignore_ascii_case(crate::licence::NOASSERTION)
                    || text.starts_with("LicenseRef-")
                    || text
                        .split_whitespace()
                        .any(|w| matches!(w, "AND" | "OR" | "WITH"))
                    || spdx::license_id(text.trim_end_matches('+')).is_some();
                Ok(if is_licence {
                    licence().unwrap_or_else(|| Query::Name(text.to_string()))
                } else {
                    Query::Name(text.to_string())
                })
            }
        }
    }

    /// In words, for the report's heading.
    pub fn describe(&self) -> String {
        match self {
            Query::Purl {
                ty,
                namespace,
                name,
                version,
            } => {
                let ns = namespace
                    .as_deref()
                    .map(|n| format!("{n}/"))
                    .unwrap_or_default();
                match version {
                    Some(v) => format!("pkg:{ty}/{ns}{name}@{v}"),
                    None => format!("pkg:{ty}/{ns}{name} (any version)"),
                }
            }
            Query::Licence(ids) => format!("licence {}", ids.join(" AND ")),
            Query::Name(name) => format!("package name `{name}`"),
        }
    }

    fn matches(&self, component: &super::merged::PortfolioComponent, licence: &str) -> bool {
        match self {
            Query::Purl {
                ty,
                namespace,
                name,
                version,
            } => {
                let Ok(purl) = component.purl.parse::<packageurl::PackageUrl>() else {
                    return false;
                };
                let fold = |s: &str| s.to_string();
                purl.ty().eq_ignore_ascii_case(ty)
                    && purl.namespace().map(fold) == namespace.clone()
                    && purl.name() == name
                    && version.as_deref().is_none_or(|v| purl.version() == Some(v))
            }
            Query::Licence(ids) => {
                let found = licence_ids(licence);
                ids.iter().all(|id| found.contains(id))
            }
            Query::Name(name) => component.name.eq_ignore_ascii_case(name),
        }
    }
}

fn licence_ids(expression: &str) -> BTreeSet<String> {
    if expression == crate::licence::NOASSERTION {
        return [expression.to_string()].into();
    }
    crate::licence::expression::Tree::parse(expression)
        .map(|t| t.licences().iter().map(|l| l.to_string()).collect())
        .unwrap_or_default()
}

/// One repository's use of a matching component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Use {
    pub id: String,
    pub name: String,
    pub licence: String,
    pub status: String,
    pub vetting: String,
    pub scope: String,
}

/// A matching component and where it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub purl: String,
    pub name: String,
    pub version: String,
    pub ecosystem: String,
    pub repositories: Vec<Use>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub query: String,
    pub components: Vec<Match>,
    /// Repositories that use at least one matching component.
    pub repositories: usize,
    /// Repositories in the portfolio.
    pub of: usize,
    /// Repositories without a result: they may use it too.
    pub unknown: Vec<String>,
}

/// Looks the question up in the portfolio.
pub fn find(portfolio: &Portfolio, query: &Query) -> Answer {
    let mut components = Vec::new();
    let mut users = BTreeSet::new();
    for c in &portfolio.components {
        let uses: Vec<Use> = c
            .used_by
            .iter()
            .filter(|u| query.matches(c, &u.licence))
            .filter_map(|u| {
                let r = portfolio.repositories.get(u.repository)?;
                users.insert(u.repository);
                Some(Use {
                    id: r.repository.id.clone(),
                    name: r.repository.name.clone(),
                    licence: u.licence.clone(),
                    status: u.status.clone(),
                    vetting: u.vetting.clone(),
                    scope: u.scope.clone(),
                })
            })
            .collect();
        if !uses.is_empty() {
            components.push(Match {
                purl: c.purl.clone(),
                name: c.name.clone(),
                version: c.version.clone(),
                ecosystem: c.ecosystem.clone(),
                repositories: uses,
            });
        }
    }
    Answer {
        query: query.describe(),
        components,
        repositories: users.len(),
        of: portfolio.repositories.len(),
        unknown: portfolio
            .repositories
            .iter()
            .filter(|r| r.outcome.is_none())
            .map(|r| r.repository.name.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_understood() {
        assert_eq!(
            Query::parse("pkg:npm/%40angular/core@17.0.0", QueryKind::Auto).unwrap(),
            Query::Purl {
                ty: "npm".into(),
                namespace: Some("@angular".into()),
                name: "core".into(),
                version: Some("17.0.0".into()),
            }
        );
        assert!(matches!(
            Query::parse("pkg:cargo/serde", QueryKind::Auto).unwrap(),
            Query::Purl { version: None, .. }
        ));
        assert_eq!(
            Query::parse("GPL-3.0-only", QueryKind::Auto).unwrap(),
            Query::Licence(vec!["GPL-3.0-only".into()])
        );
        assert_eq!(
            Query::parse("noassertion", QueryKind::Auto).unwrap(),
            Query::Licence(vec!["NOASSERTION".into()])
        );
        assert_eq!(
            Query::parse("MIT OR Apache-2.0", QueryKind::Auto).unwrap(),
            Query::Licence(vec!["MIT".into(), "Apache-2.0".into()])
        );
        assert_eq!(
            Query::parse("lodash", QueryKind::Auto).unwrap(),
            Query::Name("lodash".into())
        );
        // `MIT` is a licence unless the user says it is a package.
        assert_eq!(
            Query::parse("MIT", QueryKind::Package).unwrap(),
            Query::Name("MIT".into())
        );
        assert!(Query::parse("pkg:", QueryKind::Auto).is_err());
        assert!(Query::parse("not a licence", QueryKind::Licence).is_err());
        assert!(Query::parse(" ", QueryKind::Auto).is_err());
    }
}
