//! `config.json` at the root of an index (docs/index-format.md, "config.json"): the index's
//! name and maintainers, and (schema 2) the organisations whose keys sign its records and the
//! number of signers an approval needs.

use super::record::{Decision, parse_date};
use serde::{Deserialize, Serialize};

/// The schema version this fundament writes.
pub const SCHEMA_VERSION: u32 = 2;

/// The schema versions this fundament reads: 1 (no keys) and 2.
pub const READABLE_SCHEMAS: std::ops::RangeInclusive<u32> = 1..=2;

/// The file at the root of every index.
pub const CONFIG_FILE: &str = "config.json";

/// Someone who answers for the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maintainer {
    pub name: String,
    pub organisation: String,
    /// An e-mail address or URL.
    pub contact: String,
}

/// When a key stopped being trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A key whose signatures the index trusts, and what it may sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TrustedKey {
    /// The person the key belongs to: the `reviewer` of the records they sign.
    pub owner: String,
    /// The public key in OpenSSH's format (`ssh-ed25519 AAAA… comment`), as in
    /// `~/.ssh/id_ed25519.pub` or git's `allowed_signers`.
    pub public_key: String,
    /// An e-mail address, the author address of the commits of their decisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The decisions the key may sign (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decisions: Option<Vec<Decision>>,
    /// The ecosystems (purl types) whose packages the key may sign for (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystems: Option<Vec<String>>,
    /// The first record date the key signs for, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// The last record date the key signs for, `YYYY-MM-DD`: signatures on records dated
    /// after it do not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Set when the key must no longer be trusted (lost, compromised, its owner gone): none of
    /// its signatures counts, whatever the record's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revocation>,
}

impl TrustedKey {
    pub fn may_sign(&self, decision: Decision) -> bool {
        self.decisions
            .as_ref()
            .is_none_or(|allowed| allowed.contains(&decision))
    }

    pub fn may_sign_ecosystem(&self, ecosystem: &str) -> bool {
        self.ecosystems
            .as_ref()
            .is_none_or(|allowed| allowed.iter().any(|e| e == ecosystem))
    }
}

/// An organisation whose members sign decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// As records name it in `organisation`.
    pub name: String,
    pub keys: Vec<TrustedKey>,
}

/// The index's description of itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub name: String,
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub maintainers: Vec<Maintainer>,
    /// Schema 2: the organisations whose keys sign records. When any key is listed, every
    /// record must be signed (verify reports unsigned ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organisations: Vec<Organisation>,
    /// Schema 2: the distinct signers an `approved` record needs before it counts as approved
    /// (four eyes: 2); until then it is under review. 0 or absent: not counted.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub approvals: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Config {
    /// Reads and checks `config.json`; `Err` lists every problem.
    pub fn parse(bytes: &[u8]) -> Result<Config, Vec<String>> {
        // The schema version first: a newer index may have fields this version does not know,
        // and saying "unknown field" would hide the real reason.
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
            && let Some(version) = value.get("schema-version").and_then(|v| v.as_u64())
            && !u32::try_from(version).is_ok_and(|v| READABLE_SCHEMAS.contains(&v))
        {
            return Err(vec![format!(
                "the index is written in schema version {version}; this fundament reads versions {} to {}{}",
                READABLE_SCHEMAS.start(),
                READABLE_SCHEMAS.end(),
                if version > u64::from(*READABLE_SCHEMAS.end()) {
                    " (a newer fundament is needed)"
                } else {
                    ""
                }
            )]);
        }
        let config: Config = serde_json::from_slice(bytes)
            .map_err(|e| vec![format!("not a valid config.json: {e}")])?;
        let mut problems = Vec::new();
        if config.name.trim().is_empty() {
            problems.push("`name` is empty".to_string());
        }
        if config.maintainers.is_empty() {
            problems.push("`maintainers` is empty; an index names who answers for it".to_string());
        }
        for (i, m) in config.maintainers.iter().enumerate() {
            for (field, value) in [
                ("name", &m.name),
                ("organisation", &m.organisation),
                ("contact", &m.contact),
            ] {
                if value.trim().is_empty() {
                    problems.push(format!("`maintainers[{i}].{field}` is empty"));
                }
            }
        }
        problems.extend(config.key_problems());
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    /// Whether records must be signed: some key is listed.
    pub fn signs(&self) -> bool {
        self.organisations.iter().any(|o| !o.keys.is_empty())
    }

    fn key_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.schema_version < 2 && (!self.organisations.is_empty() || self.approvals > 0) {
            problems.push("`organisations` and `approvals` need `schema-version` 2".to_string());
        }
        let mut fingerprints = std::collections::BTreeMap::new();
        let mut owners = std::collections::BTreeMap::new();
        let mut names = std::collections::BTreeSet::new();
        for (o, organisation) in self.organisations.iter().enumerate() {
            let at = format!("`organisations[{o}]`");
            if organisation.name.trim().is_empty() {
                problems.push(format!("{at}.name is empty"));
            }
            if !names.insert(organisation.name.clone()) {
                problems.push(format!(
                    "{at}: the organisation `{}` is listed twice",
                    organisation.name
                ));
            }
            for (k, key) in organisation.keys.iter().enumerate() {
                let at = format!("{at}.keys[{k}]");
                if key.owner.trim().is_empty() || key.owner.chars().any(char::is_control) {
                    problems.push(format!("{at}.owner is empty or has control characters"));
                }
                // One person, one organisation: the distinct signers of four eyes are owners.
                if let Some(other) = owners.insert(key.owner.clone(), organisation.name.clone())
                    && other != organisation.name
                {
                    problems.push(format!(
                        "{at}: `{}` owns keys in two organisations (`{other}`, `{}`)",
                        key.owner, organisation.name
                    ));
                }
                match ssh_key::PublicKey::from_openssh(key.public_key.trim()) {
                    Ok(public) => {
                        let fingerprint = public.fingerprint(ssh_key::HashAlg::Sha256).to_string();
                        if let Some(first) = fingerprints.insert(fingerprint.clone(), at.clone()) {
                            problems.push(format!(
                                "{at}: the key {fingerprint} is already listed at {first}"
                            ));
                        }
                    }
                    Err(e) => {
                        problems.push(format!("{at}.public-key is not an OpenSSH public key: {e}"))
                    }
                }
                for (field, value) in [
                    ("valid-from", &key.valid_from),
                    ("expires", &key.expires),
                    (
                        "revoked.date",
                        &key.revoked.as_ref().map(|r| r.date.clone()),
                    ),
                ] {
                    if let Some(value) = value
                        && let Err(e) = parse_date(value)
                    {
                        problems.push(format!("{at}.{field}: {e}"));
                    }
                }
                if let Some(ecosystems) = &key.ecosystems {
                    for e in ecosystems {
                        if !super::layout::ECOSYSTEMS.iter().any(|k| k.purl_type() == e) {
                            problems.push(format!(
                                "{at}.ecosystems: `{e}` is not an ecosystem indices hold"
                            ));
                        }
                    }
                }
            }
        }
        problems
    }

    /// What is worth knowing about the keys without making the configuration invalid: an
    /// `approvals` no set of keys can reach (until keys are added, nothing is approved), keys
    /// that expired or were revoked.
    pub fn notes(&self, today: jiff::civil::Date) -> Vec<String> {
        let mut notes = Vec::new();
        let owners: std::collections::BTreeSet<&str> = self
            .organisations
            .iter()
            .flat_map(|o| o.keys.iter())
            .filter(|k| k.revoked.is_none())
            .map(|k| k.owner.as_str())
            .collect();
        if self.approvals as usize > owners.len() {
            notes.push(format!(
                "`approvals` is {}, but {} people hold keys that are not revoked: no approval can count until more keys are added",
                self.approvals,
                owners.len()
            ));
        }
        for organisation in &self.organisations {
            for key in &organisation.keys {
                let who = format!("the key of {} ({})", key.owner, organisation.name);
                if let Some(revoked) = &key.revoked {
                    notes.push(format!(
                        "{who} was revoked on {}{}: none of its signatures counts",
                        revoked.date,
                        revoked
                            .reason
                            .as_deref()
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default()
                    ));
                } else if let Some(expires) = key.expires.as_deref()
                    && parse_date(expires).is_ok_and(|d| d < today)
                {
                    notes.push(format!(
                        "{who} expired on {expires}: it signs no record dated after that day"
                    ));
                }
            }
        }
        notes
    }

    /// The file's text, pretty-printed, with a final newline.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}
