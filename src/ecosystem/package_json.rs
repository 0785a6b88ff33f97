//! package.json, as the npm, pnpm and yarn readers need it: name, version, the licence in its
//! current and legacy forms, the dependency maps and workspaces.

use crate::model::{DeclaredLicence, Origin};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Why a package.json gave no manifest.
#[derive(Debug)]
pub enum ReadError {
    /// Refused or unreadable (outside the tree, not a regular file, too large, ...).
    Refused(crate::source::Refusal),
    /// Read, but not a valid package.json.
    Invalid(serde_json::Error),
}

impl ReadError {
    /// The problem in words, naming the file (`display`).
    pub fn message(&self, display: &str) -> crate::diagnostic::Text {
        match self {
            ReadError::Refused(refusal) => refusal.text(),
            ReadError::Invalid(err) => crate::text!(
                "not_valid_json",
                file = display,
                error = super::json_error(err)
            ),
        }
    }

    /// The line of a parse error.
    pub fn line(&self) -> Option<usize> {
        match self {
            ReadError::Refused(_) => None,
            ReadError::Invalid(err) => Some(err.line()),
        }
    }
}

/// Reads and parses a package.json of the audited tree.
pub fn read(input: &crate::source::Confined, path: &Path) -> Result<Manifest, ReadError> {
    let text = input
        .read_text(path, crate::source::Limit::MANIFEST)
        .map_err(ReadError::Refused)?;
    serde_json::from_str(&text).map_err(ReadError::Invalid)
}

/// The parts of a package.json fundament reads.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub name: Option<String>,
    pub version: Option<String>,
    pub license: Option<LicenceField>,
    /// The legacy form: `"licenses": [{"type": "MIT", "url": "..."}]`.
    pub licenses: Option<LicenceField>,
    #[serde(default, deserialize_with = "lenient_map")]
    pub dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_map")]
    pub dev_dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_map")]
    pub optional_dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_map")]
    pub peer_dependencies: BTreeMap<String, String>,
    pub workspaces: Option<Workspaces>,
}

impl Manifest {
    /// The declared licences (`license`, then legacy `licenses`), with `display` as the file
    /// they were read from.
    pub fn declared(&self, display: &str) -> Vec<DeclaredLicence> {
        let mut out = Vec::new();
        for (field, value) in [("license", &self.license), ("licenses", &self.licenses)] {
            if let Some(raw) = value.as_ref().and_then(LicenceField::as_expression) {
                out.push(DeclaredLicence {
                    raw,
                    origin: Origin {
                        file: display.to_string(),
                        field: field.to_string(),
                    },
                });
            }
        }
        out
    }

    /// The `license` field as one expression, when it has one.
    pub fn licence(&self) -> Option<String> {
        self.license.as_ref().and_then(LicenceField::as_expression)
    }
}

/// `license` is usually a string, but old packages use `{"type": ..., "url": ...}` or an array
/// of those.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum LicenceField {
    Text(String),
    Object {
        #[serde(rename = "type")]
        kind: Option<String>,
    },
    List(Vec<LicenceField>),
    Other(serde::de::IgnoredAny),
}

impl LicenceField {
    /// The licence as one expression; several legacy entries mean the package is offered under
    /// each of them, which npm documents as a choice: they are joined with OR.
    pub fn as_expression(&self) -> Option<String> {
        match self {
            LicenceField::Text(text) => Some(text.trim().to_string()).filter(|t| !t.is_empty()),
            LicenceField::Object { kind } => kind.clone(),
            LicenceField::List(items) => {
                let parts: Vec<String> = items.iter().filter_map(Self::as_expression).collect();
                match parts.len() {
                    0 => None,
                    1 => parts.into_iter().next(),
                    _ => Some(
                        parts
                            .iter()
                            .map(|p| {
                                if p.contains(' ') {
                                    format!("({p})")
                                } else {
                                    p.clone()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(" OR "),
                    ),
                }
            }
            LicenceField::Other(_) => None,
        }
    }
}

/// package.json `workspaces`: a list of globs, or `{"packages": [...]}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Workspaces {
    List(Vec<String>),
    Object {
        #[serde(default)]
        packages: Vec<String>,
    },
}

impl Workspaces {
    pub fn patterns(&self) -> &[String] {
        match self {
            Workspaces::List(items) => items,
            Workspaces::Object { packages } => packages,
        }
    }
}

/// Dependency maps sometimes hold non-string values in hand-edited files; those entries are
/// kept with an empty range rather than failing the whole file.
pub fn lenient_map<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let raw: Option<BTreeMap<String, serde_json::Value>> = Option::deserialize(deserializer)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_licence_arrays_become_or_expressions() {
        let field: LicenceField =
            serde_json::from_str(r#"[{"type":"MIT"},{"type":"Apache-2.0"}]"#).unwrap();
        assert_eq!(field.as_expression().as_deref(), Some("MIT OR Apache-2.0"));
        let field: LicenceField = serde_json::from_str(r#"{"type":"BSD"}"#).unwrap();
        assert_eq!(field.as_expression().as_deref(), Some("BSD"));
    }
}
