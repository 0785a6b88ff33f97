//! Composer: a composer.json's constraints resolved against a Composer repository's metadata
//! (`packages.json`, then the `metadata-url` it names, `p2/<vendor>/<name>.json`, minified
//! Composer 2 format; `~dev.json` too when dev versions may be chosen).
//!
//! Constraints follow Composer's version parser: `^`, `~`, `*` and `1.2.*` wildcards, hyphen
//! ranges, comparison operators (where `<2.0` and `>=1.0` include the versions' pre-releases,
//! as Composer appends `-dev`), `,` or space for AND, `|`/`||` for OR, `dev-<branch>`, `as`
//! aliases (the left side counts) and `@<stability>` flags.
//!
//! Stability as Composer decides it: a version is chosen only if it is at least as stable as the
//! root's `minimum-stability` (default `stable`), or as the flag of the root requirement that
//! names the package (`@dev`, or the stability of a version the constraint itself names, such
//! as `1.0.0-beta2`). Among the allowed versions the newest wins; with `prefer-stable`, the most
//! stable first. Platform requirements (`php`, `ext-*`, ...) are not packages and are skipped.

use super::{Picked, Registry, Want};
use crate::diagnostic::Text;
use crate::model::{DeclaredLicence, DepKind, Origin, PackageSource};
use crate::registry::http::{Http, HttpError};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Stability, least stable first (Composer's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stability {
    Dev,
    Alpha,
    Beta,
    Rc,
    Stable,
}

impl Stability {
    pub fn parse(text: &str) -> Option<Stability> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "dev" => Stability::Dev,
            "alpha" => Stability::Alpha,
            "beta" => Stability::Beta,
            "rc" => Stability::Rc,
            "stable" => Stability::Stable,
            _ => return None,
        })
    }
}

/// A version as Composer orders it: four numbers, then the stability of its suffix and the
/// suffix's number (`1.0.0-beta2`, `2.1-RC1`, `1.0.0-p1` after `1.0.0`); or a branch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Release {
        numbers: [u64; 4],
        /// 0 dev, 1 alpha, 2 beta, 3 RC, 4 stable, 5 patch.
        rank: u8,
        suffix: u64,
    },
    Branch(String),
}

impl Key {
    /// Parses a version (`v1.2.3`, `1.2.3.0-beta1`, `dev-main`, `1.x-dev`); `None` when it
    /// is not one.
    pub fn parse(text: &str) -> Option<Key> {
        let text = text.trim();
        if let Some(branch) = text.strip_prefix("dev-") {
            return Some(Key::Branch(branch.to_string()));
        }
        let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
        let mut lower = text.to_ascii_lowercase();
        // A branch alias (`1.0.x-dev`): its wildcard parts are 9999999, as Composer normalises.
        if let Some(stem) = lower.strip_suffix("-dev")
            && stem.split('.').any(|p| p == "x" || p == "*")
        {
            let mut parts: Vec<&str> = stem
                .split('.')
                .map(|p| if p == "x" || p == "*" { "9999999" } else { p })
                .collect();
            while parts.len() < 4 {
                parts.push("9999999");
            }
            lower = format!("{}-dev", parts.join("."));
        }
        let split = lower.find(|c: char| !(c.is_ascii_digit() || c == '.'));
        let (numeric, rest) = match split {
            Some(i) => (&lower[..i], &lower[i..]),
            None => (lower.as_str(), ""),
        };
        let numeric = numeric.trim_end_matches('.');
        if numeric.is_empty() {
            return None;
        }
        let mut numbers = [0u64; 4];
        for (i, part) in numeric.split('.').enumerate() {
            if i >= 4 {
                return None;
            }
            numbers[i] = part.parse().ok()?;
        }
        let rest = rest.trim_start_matches(['-', '_', '.', '+']);
        let (rank, suffix) = if rest.is_empty() {
            (4, 0)
        } else {
            let word_end = rest
                .find(|c: char| c.is_ascii_digit() || c == '.' || c == '-')
                .unwrap_or(rest.len());
            let number: u64 = rest[word_end..]
                .trim_start_matches(['.', '-'])
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let rank = match &rest[..word_end] {
                "dev" => 0,
                "alpha" | "a" => 1,
                "beta" | "b" => 2,
                "rc" => 3,
                "stable" => 4,
                "patch" | "pl" | "p" => 5,
                _ => return None,
            };
            (rank, number)
        };
        Some(Key::Release {
            numbers,
            rank,
            suffix,
        })
    }

    pub fn stability(&self) -> Stability {
        match self {
            Key::Branch(_) => Stability::Dev,
            Key::Release { rank, .. } => match rank {
                0 => Stability::Dev,
                1 => Stability::Alpha,
                2 => Stability::Beta,
                3 => Stability::Rc,
                _ => Stability::Stable,
            },
        }
    }

    fn dev_of(numbers: [u64; 4]) -> Key {
        Key::Release {
            numbers,
            rank: 0,
            suffix: 0,
        }
    }
}

/// One comparison of a constraint.
#[derive(Debug, Clone, PartialEq)]
enum Bound {
    Any,
    Ge(Key),
    Gt(Key),
    Le(Key),
    Lt(Key),
    Eq(Key),
    Ne(Key),
}

impl Bound {
    fn allows(&self, key: &Key) -> bool {
        if let Key::Branch(_) = key {
            // Branches meet only constraints that name them.
            return matches!(self, Bound::Eq(k) if k == key);
        }
        match self {
            Bound::Any => true,
            Bound::Ge(k) => key >= k && !matches!(k, Key::Branch(_)),
            Bound::Gt(k) => key > k && !matches!(k, Key::Branch(_)),
            Bound::Le(k) => key <= k && !matches!(k, Key::Branch(_)),
            Bound::Lt(k) => key < k && !matches!(k, Key::Branch(_)),
            Bound::Eq(k) => key == k,
            Bound::Ne(k) => key != k,
        }
    }
}

/// A parsed constraint: OR of ANDs, and the stability its text asks for (`@beta`, or the
/// least stable version it names).
#[derive(Debug, Clone)]
pub struct Constraint {
    alternatives: Vec<Vec<Bound>>,
    pub flag: Option<Stability>,
}

impl Constraint {
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let mut flag: Option<Stability> = None;
        let mut alternatives = Vec::new();
        let bad = || format!("`{text}` is not a Composer version constraint");
        for alternative in split_or(text) {
            let mut bounds = Vec::new();
            let alternative = alternative.trim();
            if let Some((low, high)) = hyphen_range(alternative) {
                let low_key = Key::parse(low).ok_or_else(bad)?;
                note_flag(&mut flag, &low_key);
                bounds.push(Bound::Ge(with_dev(low_key)));
                let parts = low_high_parts(high);
                let high_key = Key::parse(high).ok_or_else(bad)?;
                if parts >= 3 || !matches!(&high_key, Key::Release { rank: 4, .. }) {
                    bounds.push(Bound::Le(high_key));
                } else if let Key::Release { numbers, .. } = high_key {
                    bounds.push(Bound::Lt(Key::dev_of(bump(numbers, parts - 1))));
                }
                alternatives.push(bounds);
                continue;
            }
            for atom in split_and(alternative) {
                let (atom, stability) = match atom.rsplit_once('@') {
                    Some((rest, s)) => (rest, Some(Stability::parse(s).ok_or_else(bad)?)),
                    None => (atom.as_str(), None),
                };
                if let Some(s) = stability {
                    flag = Some(flag.map_or(s, |f| f.min(s)));
                }
                bounds.extend(parse_atom(atom, &mut flag).ok_or_else(bad)?);
            }
            if bounds.is_empty() {
                return Err(bad());
            }
            alternatives.push(bounds);
        }
        if alternatives.is_empty() {
            return Err(bad());
        }
        Ok(Constraint { alternatives, flag })
    }

    pub fn allows(&self, key: &Key) -> bool {
        self.alternatives
            .iter()
            .any(|all| all.iter().all(|b| b.allows(key)))
    }
}

fn note_flag(flag: &mut Option<Stability>, key: &Key) {
    let s = key.stability();
    if s < Stability::Stable && !matches!(key, Key::Branch(_)) {
        *flag = Some(flag.map_or(s, |f| f.min(s)));
    }
}

fn split_or(text: &str) -> Vec<String> {
    text.replace("||", "|")
        .split('|')
        .map(str::to_string)
        .collect()
}

fn hyphen_range(text: &str) -> Option<(&str, &str)> {
    let (low, high) = text.split_once(" - ")?;
    let (low, high) = (low.trim(), high.trim());
    (!low.contains(' ') && !high.contains(' ')).then_some((low, high))
}

fn low_high_parts(version: &str) -> usize {
    let version = version.trim_start_matches(['v', 'V']);
    let numeric = version.split(['-', '@']).next().unwrap_or(version);
    numeric.split('.').filter(|p| !p.is_empty()).count().max(1)
}

/// The atoms of an AND: split on `,` and spaces, keeping an operator with its version.
fn split_and(text: &str) -> Vec<String> {
    let text = text.split(" as ").next().unwrap_or(text);
    let mut atoms: Vec<String> = Vec::new();
    let mut pending = String::new();
    for token in text.split([',', ' ']).filter(|t| !t.is_empty()) {
        pending.push_str(token);
        if token.chars().all(|c| "<>=!~^".contains(c)) {
            continue; // an operator alone: its version follows
        }
        atoms.push(std::mem::take(&mut pending));
    }
    if !pending.is_empty() {
        atoms.push(pending);
    }
    atoms
}

/// `numbers` with the part at `position` (0-based) raised by one and the later ones zero.
fn bump(mut numbers: [u64; 4], position: usize) -> [u64; 4] {
    let position = position.min(3);
    numbers[position] += 1;
    for n in numbers.iter_mut().skip(position + 1) {
        *n = 0;
    }
    numbers
}

/// A lower bound as Composer writes it: a stable version includes its pre-releases.
fn with_dev(key: Key) -> Key {
    match key {
        Key::Release {
            numbers, rank: 4, ..
        } => Key::dev_of(numbers),
        other => other,
    }
}

/// One atom of an AND as bounds (two for a range such as `^1.2`).
fn parse_atom(atom: &str, flag: &mut Option<Stability>) -> Option<Vec<Bound>> {
    let atom = atom.trim();
    if atom.is_empty() || matches!(atom, "*" | "x" | "X" | "*.*" | "*.*.*") {
        return Some(vec![Bound::Any]);
    }
    if atom.starts_with("dev-") {
        return Some(vec![Bound::Eq(Key::parse(atom)?)]);
    }
    for (op, make) in [
        (">=", Bound::Ge as fn(Key) -> Bound),
        ("<=", Bound::Le),
        ("<>", Bound::Ne),
        ("!=", Bound::Ne),
        ("==", Bound::Eq),
        (">", Bound::Gt),
        ("<", Bound::Lt),
        ("=", Bound::Eq),
    ] {
        if let Some(version) = atom.strip_prefix(op) {
            let key = Key::parse(version)?;
            note_flag(flag, &key);
            let key = if op == "<" || op == ">=" {
                with_dev(key)
            } else {
                key
            };
            return Some(vec![make(key)]);
        }
    }
    let (caret, tilde, version) = if let Some(v) = atom.strip_prefix('^') {
        (true, false, v)
    } else if let Some(v) = atom.strip_prefix('~') {
        (false, true, v)
    } else {
        (false, false, atom)
    };
    // Wildcards: `1.2.*`, `1.x`.
    let trimmed = version.trim_start_matches(['v', 'V']);
    if let Some(stem) = trimmed
        .strip_suffix(".*")
        .or_else(|| trimmed.strip_suffix(".x"))
        .or_else(|| trimmed.strip_suffix(".X"))
    {
        let parts = stem.split('.').count();
        let Key::Release { numbers, .. } = Key::parse(stem)? else {
            return None;
        };
        return Some(vec![
            Bound::Ge(Key::dev_of(numbers)),
            Bound::Lt(Key::dev_of(bump(numbers, parts - 1))),
        ]);
    }
    let key = Key::parse(version)?;
    note_flag(flag, &key);
    let Key::Release { numbers, .. } = key.clone() else {
        return Some(vec![Bound::Eq(key)]);
    };
    let parts = low_high_parts(version);
    if caret {
        let position = if numbers[0] != 0 || parts == 1 {
            0
        } else if numbers[1] != 0 || parts == 2 {
            1
        } else {
            2
        };
        return Some(vec![
            Bound::Ge(with_dev(key)),
            Bound::Lt(Key::dev_of(bump(numbers, position))),
        ]);
    }
    if tilde {
        let position = parts.saturating_sub(2);
        return Some(vec![
            Bound::Ge(with_dev(key)),
            Bound::Lt(Key::dev_of(bump(numbers, position))),
        ]);
    }
    Some(vec![Bound::Eq(key)])
}

/// A Composer repository and the root's stability settings.
pub struct ComposerRepository<'a> {
    pub http: &'a Http,
    /// `metadata-url` of the repository's packages.json, made absolute, with `%package%`.
    pub metadata_url: String,
    pub minimum_stability: Stability,
    pub prefer_stable: bool,
    /// Stability flags of the root's requirements, by lower-case name.
    pub flags: HashMap<String, Stability>,
    /// Whether dev versions may be chosen at all (then `~dev.json` is read too).
    pub want_dev: bool,
}

/// A package's versions, expanded from the minified metadata.
pub struct Document {
    url: String,
    versions: Vec<(Key, Value)>,
}

impl<'a> ComposerRepository<'a> {
    /// Reads the repository's packages.json for its `metadata-url`.
    pub fn open(http: &'a Http, base: &str) -> Result<ComposerRepository<'a>, String> {
        let base = base.trim_end_matches('/');
        let url = format!("{base}/packages.json");
        let fetched = http
            .get(&url, "application/json")
            .map_err(|e| e.to_string())?;
        let root: Value = serde_json::from_slice(&fetched.body)
            .map_err(|e| format!("{url} is not a Composer repository's packages.json: {e}"))?;
        let template = root
            .get("metadata-url")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                format!("{url} names no `metadata-url` (only Composer 2 repositories are read)")
            })?;
        let metadata_url = url::Url::parse(&format!("{base}/"))
            .and_then(|b| b.join(template))
            .map(|u| u.to_string().replace("%25package%25", "%package%"))
            .map_err(|e| format!("{url}: `metadata-url` {template}: {e}"))?;
        Ok(ComposerRepository {
            http,
            metadata_url,
            minimum_stability: Stability::Stable,
            prefer_stable: false,
            flags: HashMap::new(),
            want_dev: false,
        })
    }

    fn allowed(&self, name: &str) -> Stability {
        self.flags
            .get(&name.to_ascii_lowercase())
            .copied()
            .unwrap_or(self.minimum_stability)
    }
}

/// The direct requirements of a composer.json (`require`, then `require-dev`), platform
/// requirements left out, and the stability flags they set.
pub fn direct(
    require: &BTreeMap<String, String>,
    require_dev: &BTreeMap<String, String>,
    minimum: Stability,
) -> (Vec<Want>, HashMap<String, Stability>) {
    let mut wants = Vec::new();
    let mut flags = HashMap::new();
    for (map, kind) in [(require, DepKind::Normal), (require_dev, DepKind::Dev)] {
        for (name, spec) in map {
            if !name.contains('/') {
                continue;
            }
            if let Ok(constraint) = Constraint::parse(spec)
                && let Some(flag) = constraint.flag.filter(|f| *f < minimum)
            {
                flags.insert(name.to_ascii_lowercase(), flag);
            }
            wants.push(Want::new(name, spec, kind));
        }
    }
    (wants, flags)
}

/// Expands Composer 2's minified version list: each entry repeats what it does not change
/// from the one before, and `"__unset"` removes a key.
pub(crate) fn expand(list: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut current = serde_json::Map::new();
    for entry in list {
        let Some(object) = entry.as_object() else {
            continue;
        };
        for (key, value) in object {
            if value.as_str() == Some("__unset") {
                current.remove(key);
            } else {
                current.insert(key.clone(), value.clone());
            }
        }
        out.push(Value::Object(current.clone()));
    }
    out
}

fn version_key(entry: &Value) -> Option<Key> {
    let version = entry.get("version")?.as_str()?;
    if version.starts_with("dev-") {
        return Key::parse(version);
    }
    entry
        .get("version_normalized")
        .and_then(Value::as_str)
        .and_then(Key::parse)
        .or_else(|| Key::parse(version))
}

impl Registry for ComposerRepository<'_> {
    type Document = Document;

    fn key(&self, name: &str) -> String {
        name.to_ascii_lowercase()
    }

    fn one_version_per_name(&self) -> bool {
        true
    }

    fn translate(&self, want: &Want) -> Result<(String, String), Text> {
        Ok((want.name.to_ascii_lowercase(), want.spec.clone()))
    }

    fn fetch(&self, name: &str) -> Result<Document, Text> {
        let url = self.metadata_url.replace("%package%", name);
        let mut versions = Vec::new();
        let mut files = vec![url.clone()];
        if self.want_dev {
            files.push(
                self.metadata_url
                    .replace("%package%", &format!("{name}~dev")),
            );
        }
        for (i, file) in files.iter().enumerate() {
            let fetched = match self.http.get(file, "application/json") {
                Ok(fetched) => fetched,
                // A package without dev versions has no ~dev file.
                Err(HttpError::NotFound { .. }) if i > 0 => continue,
                Err(err) => return Err(err.text()),
            };
            let root: Value = serde_json::from_slice(&fetched.body).map_err(|e| {
                crate::text!("unlocked_not_composer_metadata", url = file, error = e)
            })?;
            let list = root
                .get("packages")
                .and_then(|p| p.get(name))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for entry in expand(&list) {
                if let Some(key) = version_key(&entry) {
                    versions.push((key, entry));
                }
            }
        }
        Ok(Document { url, versions })
    }

    fn pick(&self, document: &Document, name: &str, spec: &str) -> Result<Picked, Text> {
        // Its error reads the same: the constraint's text, which is not one.
        let constraint = Constraint::parse(spec)
            .map_err(|_| crate::text!("unlocked_not_a_composer_constraint", spec = spec))?;
        let allowed = self.allowed(name);
        let best = document
            .versions
            .iter()
            .filter(|(key, _)| key.stability() >= allowed && constraint.allows(key))
            .max_by(|(a, _), (b, _)| {
                let stable = |k: &Key| self.prefer_stable && k.stability() == Stability::Stable;
                (stable(a), a).cmp(&(stable(b), b))
            });
        let Some((_, entry)) = best else {
            return Err(crate::text!(
                "unlocked_no_composer_version",
                url = document.url,
                name = name,
                spec = spec,
                stability = format!("{allowed:?}").replace("Rc", "RC")
            ));
        };
        let version = entry
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let dependencies = entry
            .get("require")
            .and_then(Value::as_object)
            .map(|require| {
                require
                    .iter()
                    .filter(|(dep, _)| dep.contains('/'))
                    .filter_map(|(dep, c)| c.as_str().map(|c| Want::new(dep, c, DepKind::Normal)))
                    .collect()
            })
            .unwrap_or_default();
        let licences: Vec<&str> = entry
            .get("license")
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let declared = if licences.is_empty() {
            Vec::new()
        } else {
            // Several licences in composer.json are a choice (Composer documents them as OR).
            let raw = if licences.len() == 1 {
                licences[0].to_string()
            } else {
                licences
                    .iter()
                    .map(|l| format!("({l})"))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            };
            vec![DeclaredLicence {
                raw,
                origin: Origin {
                    file: document.url.clone(),
                    field: format!("packages[\"{name}\"][version={version}].license"),
                },
            }]
        };
        Ok(Picked {
            name: entry
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(name)
                .to_string(),
            version,
            dependencies,
            declared,
            source: PackageSource::Registry { url: None },
        })
    }

    fn satisfies(&self, _document: &Document, spec: &str, version: &str) -> bool {
        match (Constraint::parse(spec), Key::parse(version)) {
            (Ok(c), Some(k)) => c.allows(&k),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(constraint: &str, version: &str) -> bool {
        Constraint::parse(constraint)
            .unwrap()
            .allows(&Key::parse(version).unwrap())
    }

    #[test]
    fn constraints_follow_composers_parser() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                "^1.2.3",
                &["1.2.3", "1.9.0", "1.3.0-beta1"],
                &["2.0.0", "1.2.2", "2.0.0-RC1"],
            ),
            ("^0.3", &["0.3.0", "0.3.9"], &["0.4.0", "0.2.9"]),
            ("^0.0.3", &["0.0.3"], &["0.0.4"]),
            ("~1.2", &["1.2.0", "1.9.9"], &["2.0.0", "1.1.0"]),
            ("~1.2.3", &["1.2.3", "1.2.9"], &["1.3.0"]),
            ("1.2.*", &["1.2.0", "1.2.99"], &["1.3.0", "1.1.0"]),
            ("*", &["0.0.1", "9.0.0"], &["dev-main"]),
            (">=1.0 <1.5", &["1.0.0", "1.4.9"], &["1.5.0", "0.9.0"]),
            (">=1.0,<1.5", &["1.4.9"], &["1.5.0"]),
            (">= 1.0, < 1.5", &["1.4.9"], &["1.5.0"]),
            ("^1.0 || ^3.0", &["1.1.0", "3.2.0"], &["2.0.0"]),
            ("^1.0 | ^3.0", &["3.2.0"], &["2.0.0"]),
            ("1.0 - 2.0", &["1.0.0", "2.0.5"], &["2.1.0"]),
            ("1.0.0 - 2.1.0", &["2.1.0"], &["2.1.1"]),
            ("1.2.3", &["1.2.3", "v1.2.3", "1.2.3.0"], &["1.2.4"]),
            ("!=1.2.3", &["1.2.4"], &["1.2.3"]),
            ("dev-main", &["dev-main"], &["1.0.0", "dev-other"]),
            ("^2.0@dev", &["2.1.0-dev", "2.0.0"], &["3.0.0"]),
            ("1.0.x-dev as 1.0.0", &["1.0.x-dev"], &["1.0.5", "1.1.0"]),
            ("<2.0", &["1.9.9"], &["2.0.0-beta1", "2.0.0"]),
        ];
        for (constraint, yes, no) in cases {
            for v in *yes {
                assert!(allows(constraint, v), "{constraint} should allow {v}");
            }
            for v in *no {
                assert!(!allows(constraint, v), "{constraint} should not allow {v}");
            }
        }
        assert!(Constraint::parse("^x.y").is_err());
        assert!(Constraint::parse(">=1.0@nonsense").is_err());
    }

    #[test]
    fn versions_order_by_number_then_stability() {
        let k = |v: &str| Key::parse(v).unwrap();
        assert!(k("1.0.0-dev") < k("1.0.0-alpha1"));
        assert!(k("1.0.0-alpha2") < k("1.0.0-beta1"));
        assert!(k("1.0.0-beta1") < k("1.0.0-RC1"));
        assert!(k("1.0.0-RC1") < k("1.0.0"));
        assert!(k("1.0.0") < k("1.0.0-p1"));
        assert!(k("1.10.0") > k("1.9.0"));
        assert_eq!(k("v2.1"), k("2.1.0.0"));
        assert_eq!(k("1.0.0-beta2").stability(), Stability::Beta);
        assert_eq!(k("dev-main").stability(), Stability::Dev);
    }

    #[test]
    fn root_requirements_set_stability_flags() {
        let require: BTreeMap<String, String> = [
            ("php".to_string(), ">=8.1".to_string()),
            ("a/b".to_string(), "^1.0@beta".to_string()),
            ("c/d".to_string(), "2.0.0-RC1".to_string()),
            ("e/f".to_string(), "^1.0".to_string()),
        ]
        .into_iter()
        .collect();
        let (wants, flags) = direct(&require, &BTreeMap::new(), Stability::Stable);
        assert_eq!(wants.len(), 3, "php is a platform requirement");
        assert_eq!(flags.get("a/b"), Some(&Stability::Beta));
        assert_eq!(flags.get("c/d"), Some(&Stability::Rc));
        assert_eq!(flags.get("e/f"), None);
    }

    #[test]
    fn minified_lists_expand() {
        let list: Vec<Value> = serde_json::from_str(
            r#"[{"name":"a/b","version":"2.0.0","require":{"x/y":"^1"},"license":["MIT"]},
                {"version":"1.0.0","require":"__unset"}]"#,
        )
        .unwrap();
        let expanded = expand(&list);
        assert_eq!(expanded[1]["name"], "a/b");
        assert!(expanded[1].get("require").is_none());
        assert_eq!(expanded[1]["license"][0], "MIT");
    }
}
