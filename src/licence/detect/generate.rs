//! Builds fundament's licence detection data from ScanCode's LicenseDB, as published in the
//! Python package `licensedcode-data` (CC-BY-4.0, see docs/ATTRIBUTION.md).
//!
//! Run it from the repository's root with the package's wheel (or the unpacked folder that holds
//! `licensedcode/data`):
//!
//! ```text
//! pip download --no-deps licensedcode-data==32.1.0 -d /tmp/licensedcode
//! cargo run --release --example generate-licence-data -- \
//!     /tmp/licensedcode/licensedcode_data-32.1.0-py3-none-any.whl
//! ```
//!
//! It writes `src/licence/detect/licensedcode.bin.deflate` (the build inflates it into the
//! binary). What it does:
//! - reads every licence (`licenses/*.LICENSE`) and rule (`rules/*.RULE`): the YAML front
//!   matter (expression, flags, relevance, minimum coverage) and the text;
//! - leaves out deprecated licences and rules, and texts without a token;
//! - maps ScanCode's licence keys to SPDX identifiers (`spdx_license_key`, when the `spdx` crate
//!   knows it), else to `LicenseRef-scancode-<key>`, and rewrites every rule's expression so;
//! - tokenises every text with fundament's own tokeniser (the one that reads scanned files),
//!   noting the `{{required phrases}}`;
//! - records every identifier a licence is known by (its SPDX key, older SPDX keys, ScanCode
//!   key), for `SPDX-License-Identifier:` lines.

use fundament::licence::detect::data::{self, Data, Rule};
use fundament::licence::detect::tokenize;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

const OUTPUT: &str = "src/licence/detect/licensedcode.bin.deflate";

fn main() {
    let Some(source) = std::env::args().nth(1) else {
        eprintln!("usage: generate-licence-data <licensedcode_data-*.whl | unpacked folder>");
        std::process::exit(2);
    };
    match run(Path::new(&source)) {
        Ok(summary) => println!("{summary}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

/// The files of the LicenseDB: (file name, text), licences and rules apart, sorted by name.
struct Source {
    version: String,
    licences: Vec<(String, String)>,
    rules: Vec<(String, String)>,
}

fn read_source(path: &Path) -> Result<Source, String> {
    let mut licences = Vec::new();
    let mut rules = Vec::new();
    let mut version = String::new();
    let mut add = |name: &str, text: String| {
        let file = name.rsplit('/').next().unwrap_or(name).to_string();
        if name.contains("licensedcode/data/licenses/") && file.ends_with(".LICENSE") {
            licences.push((file, text));
        } else if name.contains("licensedcode/data/rules/") && file.ends_with(".RULE") {
            rules.push((file, text));
        }
    };
    if path.is_dir() {
        for sub in ["licenses", "rules"] {
            let dir = find_data_dir(path)?.join(sub);
            let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for entry in entries.flatten() {
                let p = entry.path();
                let text =
                    std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                add(
                    &format!(
                        "licensedcode/data/{sub}/{}",
                        entry.file_name().to_string_lossy()
                    ),
                    text,
                );
            }
        }
        version = path.display().to_string();
    } else {
        let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("{}: {e}", path.display()))?;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).map_err(|e| e.to_string())?;
            let name = entry.name().to_string();
            if name.ends_with(".dist-info/METADATA") {
                let mut text = String::new();
                entry.read_to_string(&mut text).map_err(|e| e.to_string())?;
                if let Some(v) = text.lines().find_map(|l| l.strip_prefix("Version: ")) {
                    version = format!("licensedcode-data {}", v.trim());
                }
                continue;
            }
            if !(name.ends_with(".LICENSE") || name.ends_with(".RULE")) {
                continue;
            }
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .map_err(|e| format!("{name}: {e}"))?;
            add(&name, text);
        }
    }
    licences.sort();
    rules.sort();
    if licences.is_empty() || rules.is_empty() {
        return Err(format!("no licences or rules found in {}", path.display()));
    }
    Ok(Source {
        version,
        licences,
        rules,
    })
}

fn find_data_dir(path: &Path) -> Result<PathBuf, String> {
    for candidate in [
        path.to_path_buf(),
        path.join("data"),
        path.join("licensedcode/data"),
    ] {
        if candidate.join("rules").is_dir() {
            return Ok(candidate);
        }
    }
    Err(format!("no licensedcode/data folder in {}", path.display()))
}

/// The front matter of a LicenseDB file: top-level scalar fields and lists of scalars.
#[derive(Default)]
struct FrontMatter {
    fields: HashMap<String, String>,
    lists: HashMap<String, Vec<String>>,
}

impl FrontMatter {
    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
    fn flag(&self, key: &str) -> bool {
        matches!(
            self.get(key),
            Some("yes" | "true" | "True" | "yes " | "Yes")
        )
    }
    fn number(&self, key: &str) -> Option<u8> {
        self.get(key)?
            .parse::<f64>()
            .ok()
            .map(|v| v.round().clamp(0.0, 100.0) as u8)
    }
}

/// Splits a LicenseDB file into its front matter and text. Only what the matcher needs is read:
/// `key: value` lines at the top level, and `- item` lists under a key.
fn split(file: &str) -> (FrontMatter, &str) {
    let mut fm = FrontMatter::default();
    let Some(rest) = file.strip_prefix("---") else {
        return (fm, file);
    };
    let Some(end) = rest.find("\n---") else {
        return (fm, file);
    };
    let head = &rest[..end];
    let body = rest[end + 4..].trim_start_matches(['\r', '\n']);
    let mut list_key: Option<String> = None;
    for line in head.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let indented = line.starts_with(' ') || line.starts_with('\t');
        if indented {
            if let (Some(key), Some(item)) = (&list_key, line.trim().strip_prefix("- ")) {
                fm.lists.entry(key.clone()).or_default().push(unquote(item));
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            let value = value.trim();
            if value.is_empty() {
                list_key = Some(key.trim().to_string());
            } else {
                list_key = None;
                fm.fields.insert(key.trim().to_string(), unquote(value));
            }
        }
    }
    (fm, body)
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    v.to_string()
}

/// The SPDX id of a ScanCode licence key.
fn spdx_id_of(key: &str, spdx_key: Option<&str>) -> String {
    match spdx_key {
        Some(id) if id.starts_with("LicenseRef-") => id.to_string(),
        Some(id) if spdx::license_id(id).is_some() || spdx::exception_id(id).is_some() => {
            id.to_string()
        }
        _ => format!("LicenseRef-scancode-{key}"),
    }
}

/// Rewrites a ScanCode expression with SPDX identifiers.
fn rewrite_expression(expression: &str, ids: &HashMap<String, String>) -> Result<String, String> {
    let spaced = expression.replace('(', " ( ").replace(')', " ) ");
    let mut out: Vec<String> = Vec::new();
    for word in spaced.split_whitespace() {
        match word.to_ascii_lowercase().as_str() {
            "(" | ")" => out.push(word.to_string()),
            "and" | "or" | "with" => out.push(word.to_ascii_uppercase()),
            key => out.push(
                ids.get(key)
                    .cloned()
                    .ok_or_else(|| format!("unknown licence key `{key}` in `{expression}`"))?,
            ),
        }
    }
    Ok(out.join(" ").replace("( ", "(").replace(" )", ")"))
}

struct Builder {
    data: Data,
    vocabulary: HashMap<String, u16>,
    strings: HashMap<String, u32>,
}

impl Builder {
    fn string(&mut self, s: &str) -> u32 {
        if let Some(&n) = self.strings.get(s) {
            return n;
        }
        let n = self.data.strings.len() as u32;
        self.data.strings.push(s.to_string());
        self.strings.insert(s.to_string(), n);
        n
    }

    fn token(&mut self, word: &str) -> Result<u16, String> {
        if let Some(&id) = self.vocabulary.get(word) {
            return Ok(id);
        }
        let id = self.data.vocabulary.len();
        // u16::MAX stays free: the matcher uses it for words no rule has.
        if id >= u16::MAX as usize {
            return Err("more than 65,535 distinct words".into());
        }
        self.data.vocabulary.push(word.to_string());
        self.vocabulary.insert(word.to_string(), id as u16);
        Ok(id as u16)
    }

    /// Adds a rule; false when its text has no token.
    fn rule(
        &mut self,
        name: &str,
        expression: &str,
        text: &str,
        flags: u16,
        relevance: u8,
        minimum_coverage: u8,
    ) -> Result<bool, String> {
        let mut words = Vec::new();
        tokenize::for_each_token(text, true, |w, _| words.push(w.to_string()));
        let first_token = self.data.tokens.len() as u32;
        let first_required = self.data.required.len() as u32;
        let mut open: Option<u16> = None;
        let mut count: u32 = 0;
        for word in &words {
            match word.as_str() {
                "{{" => open = Some(count as u16),
                "}}" => {
                    if let Some(start) = open.take()
                        && (start as u32) < count
                    {
                        self.data.required.push((start, count as u16));
                    }
                }
                _ => {
                    let id = self.token(word)?;
                    self.data.tokens.push(id);
                    count += 1;
                }
            }
        }
        if count == 0 {
            self.data.required.truncate(first_required as usize);
            return Ok(false);
        }
        if count > u16::MAX as u32 {
            return Err(format!("{name}: more than 65,535 tokens"));
        }
        let rule = Rule {
            name: self.string(name),
            expression: self.string(expression),
            flags,
            relevance,
            minimum_coverage,
            first_token,
            token_count: count,
            first_required,
            required_count: (self.data.required.len() as u32 - first_required) as u16,
        };
        self.data.rules.push(rule);
        Ok(true)
    }
}

fn run(path: &Path) -> Result<String, String> {
    let source = read_source(path)?;
    let mut builder = Builder {
        data: Data {
            source_version: source.version.clone(),
            ..Data::default()
        },
        vocabulary: HashMap::new(),
        strings: HashMap::new(),
    };

    // Licence keys to SPDX ids, and every name an identifier line may use.
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    let mut parsed = Vec::new();
    for (file, text) in &source.licences {
        let (fm, body) = split(text);
        let key = fm
            .get("key")
            .map(str::to_string)
            .unwrap_or_else(|| file.trim_end_matches(".LICENSE").to_string());
        let id = spdx_id_of(&key, fm.get("spdx_license_key"));
        ids.insert(key.clone(), id.clone());
        if !fm.flag("is_deprecated") {
            aliases
                .entry(key.to_ascii_lowercase())
                .or_insert(id.clone());
            aliases
                .entry(format!("licenseref-scancode-{}", key.to_ascii_lowercase()))
                .or_insert(id.clone());
            if let Some(spdx_key) = fm.get("spdx_license_key") {
                aliases.insert(spdx_key.to_ascii_lowercase(), id.clone());
            }
            for other in fm
                .lists
                .get("other_spdx_license_keys")
                .into_iter()
                .flatten()
            {
                aliases
                    .entry(other.to_ascii_lowercase())
                    .or_insert(id.clone());
            }
        }
        parsed.push((file.clone(), key, fm, body.to_string()));
    }
    let mut licences = 0;
    for (file, key, fm, body) in &parsed {
        if fm.flag("is_deprecated") || body.trim().is_empty() {
            continue;
        }
        let mut flags = data::TEXT | data::LICENCE;
        if key.contains("unknown") {
            flags |= data::UNKNOWN;
        }
        if builder.rule(
            file,
            &ids[key],
            body,
            flags,
            100,
            fm.number("minimum_coverage").unwrap_or(0),
        )? {
            licences += 1;
        }
    }
    let mut rules = 0;
    let mut skipped = 0;
    for (file, text) in &source.rules {
        let (fm, body) = split(text);
        if fm.flag("is_deprecated") {
            skipped += 1;
            continue;
        }
        let Some(expression) = fm.get("license_expression") else {
            if fm.flag("is_false_positive") {
                // False positives name no licence.
                let flags = if fm.flag("is_continuous") {
                    data::FALSE_POSITIVE | data::CONTINUOUS
                } else {
                    data::FALSE_POSITIVE
                };
                if builder.rule(file, "", body, flags, 100, 100)? {
                    rules += 1;
                }
            } else {
                skipped += 1;
            }
            continue;
        };
        let spdx_expression =
            rewrite_expression(expression, &ids).map_err(|e| format!("{file}: {e}"))?;
        let mut flags = 0;
        for (field, flag) in [
            ("is_license_text", data::TEXT),
            ("is_license_notice", data::NOTICE),
            ("is_license_reference", data::REFERENCE),
            ("is_license_tag", data::TAG),
            ("is_license_intro", data::INTRO),
            ("is_license_clue", data::CLUE),
            ("is_false_positive", data::FALSE_POSITIVE),
            ("is_continuous", data::CONTINUOUS),
        ] {
            if fm.flag(field) {
                flags |= flag;
            }
        }
        if expression.contains("unknown") {
            flags |= data::UNKNOWN;
        }
        let relevance = fm.number("relevance").unwrap_or(100);
        let coverage = fm.number("minimum_coverage").unwrap_or(0);
        if builder.rule(file, &spdx_expression, body, flags, relevance, coverage)? {
            rules += 1;
        } else {
            skipped += 1;
        }
    }
    for (alias, id) in &aliases {
        let a = builder.string(alias);
        let e = builder.string(id);
        builder.data.aliases.push((a, e));
    }

    let bytes = builder.data.to_bytes();
    // Check the round trip before writing anything.
    let back = Data::from_bytes(&bytes)?;
    if back != builder.data {
        return Err("the written data does not read back the same".into());
    }
    let compressed = miniz_oxide::deflate::compress_to_vec(&bytes, 10);
    std::fs::write(OUTPUT, &compressed).map_err(|e| format!("{OUTPUT}: {e}"))?;
    Ok(format!(
        "{}: {licences} licence texts, {rules} rules ({skipped} left out), {} words, {} tokens, \
         {} aliases; {} bytes, {} compressed, written to {OUTPUT}",
        source.version,
        builder.data.vocabulary.len(),
        builder.data.tokens.len(),
        builder.data.aliases.len(),
        bytes.len(),
        compressed.len()
    ))
}
