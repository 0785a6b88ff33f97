//! `fundament index site`: an index as a static HTML site, in German and English, that needs
//! no server (GitLab Pages, any web server, or opened from disk): a searchable list of the
//! components, one page per component (versions, decisions, reviewers, organisations,
//! signatures, evidence hashes, licences), one page per organisation (its keys and decisions),
//! and an Atom feed of the newest decisions per language.
//!
//! ```text
//! index.html                  language choice
//! assets/site.css, search.js
//! <lang>/index.html           the searchable list (`?q=` searches)
//! <lang>/c/<record path>.html one page per component
//! <lang>/o/<slug>.html        one page per organisation
//! <lang>/feed.xml             Atom feed
//! .fundament-site             marks the folder as the site's (it is replaced as a whole)
//! ```
//!
//! Everything from the index is escaped; records whose signatures do not hold are shown as
//! such and never as decisions in force.

use super::config::{CONFIG_FILE, Config};
use super::layout::{self, PackageId};
use super::record::{self, Decision, Entry};
use super::signature::{self, Keyring};
use super::{Approvals, IndexError};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The file that marks a folder as a site fundament wrote.
pub const MARKER: &str = ".fundament-site";

/// The newest decisions an organisation's page lists (all are in the searchable list).
const ORGANISATION_PAGE_LIMIT: usize = 500;
/// The entries of the Atom feed.
const FEED_ENTRIES: usize = 200;

const LANGUAGES: [(&str, &str); 2] = [
    ("en", include_str!("i18n/en.toml")),
    ("de", include_str!("i18n/de.toml")),
];

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct SiteOptions {
    /// The URL the site is served from (`https://city.gitlab.io/index/`), for the feed's
    /// absolute links; without it the feed's links are relative to the feed.
    pub base_url: Option<String>,
    /// The commit the index was read at, shown in the footer.
    pub commit: Option<String>,
}

/// What was rendered.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub components: usize,
    pub records: usize,
    pub organisations: usize,
    pub pages: usize,
    /// Lines of the index that are not valid records (left out; `verify` says more).
    pub problems: Vec<String>,
}

#[derive(Debug, Serialize)]
struct SiteView {
    name: String,
    description: Option<String>,
    maintainers: Vec<super::Maintainer>,
    approvals: u32,
    commit: Option<String>,
    records: usize,
    organisations: Vec<OrganisationLink>,
}

#[derive(Debug, Clone, Serialize)]
struct OrganisationLink {
    name: String,
    slug: String,
}

#[derive(Debug, Clone, Serialize)]
struct FileHash {
    path: String,
    sha256: String,
}

#[derive(Debug, Clone, Serialize)]
struct RecordView {
    line: usize,
    versions: String,
    decision: Decision,
    /// The decision as it counts (an approval short of its signers is under review).
    effective: Decision,
    licence: String,
    reviewer: String,
    organisation: String,
    organisation_slug: String,
    date: String,
    review_by: Option<String>,
    notes: Option<String>,
    no_evidence: Option<String>,
    vex: Vec<VexView>,
    sha256: Option<String>,
    sha512: Option<String>,
    licence_files: Vec<FileHash>,
    signers: Vec<String>,
    keys: Vec<String>,
    approvals: Option<Approvals>,
    /// The signatures do not hold: the record is never used.
    invalid: bool,
    problems: Vec<String>,
    cosignature: bool,
    superseded: bool,
}

/// A VEX statement of a record, as the site shows it.
#[derive(Debug, Clone, Serialize)]
struct VexView {
    vulnerability: String,
    status: &'static str,
    justification: Option<&'static str>,
    analysis: String,
    action: Option<String>,
    reviewer: String,
    organisation: String,
    date: String,
}

#[derive(Debug, Serialize)]
struct ComponentView {
    purl: String,
    name: String,
    ecosystem: String,
    /// The record file, relative to the index root.
    file: String,
    /// The page, relative to the language folder.
    page: String,
    records: Vec<RecordView>,
    /// The newest valid record per `version`/`versions` text.
    current: Vec<RecordView>,
    organisations: Vec<String>,
    date: String,
    /// What the list's search looks in, lower case.
    search: String,
}

#[derive(Debug, Serialize)]
struct KeyView {
    owner: String,
    fingerprint: String,
    revoked: Option<String>,
    expires: Option<String>,
}

#[derive(Debug, Serialize)]
struct DecisionCount {
    decision: Decision,
    count: usize,
}

#[derive(Debug, Serialize)]
struct OrganisationDecision {
    name: String,
    page: String,
    line: usize,
    versions: String,
    effective: Decision,
    licence: String,
    reviewer: String,
    date: String,
}

#[derive(Debug, Serialize)]
struct OrganisationView {
    name: String,
    slug: String,
    query: String,
    count: usize,
    by_decision: Vec<DecisionCount>,
    keys: Vec<KeyView>,
    decisions: Vec<OrganisationDecision>,
    shown: usize,
    truncated: bool,
}

#[derive(Debug, Serialize)]
struct FeedEntry {
    id: String,
    name: String,
    page: String,
    line: usize,
    versions: String,
    decision: Decision,
    licence: String,
    reviewer: String,
    organisation: String,
    date: String,
    notes: Option<String>,
}

/// Renders the index in the folder `root` into `output`.
///
/// `output` is created; when it exists it must be empty or a site fundament wrote before
/// (its [`MARKER`]), which is then replaced as a whole.
pub fn render(root: &Path, output: &Path, options: &SiteOptions) -> Result<Rendered, IndexError> {
    let config_bytes = super::source::read_contained(root, CONFIG_FILE)
        .map_err(IndexError::Io)?
        .ok_or_else(|| {
            IndexError::Invalid(format!(
                "{} has no {CONFIG_FILE}: it is not a fundament index",
                root.display()
            ))
        })?;
    let config = Config::parse(&config_bytes).map_err(|p| {
        IndexError::Invalid(format!(
            "{}/{CONFIG_FILE}: {}",
            root.display(),
            p.join("; ")
        ))
    })?;
    let keyring = Keyring::from_config(&config, &[]);
    prepare_output(output)?;

    // Read and check every record file, in parallel.
    let files = super::source::record_files(root);
    let read: Vec<Result<(ComponentView, Vec<String>), String>> = files
        .par_iter()
        .map(|(rel, path)| read_component(rel, path, &keyring))
        .collect();
    let mut components = Vec::new();
    let mut rendered = Rendered::default();
    for result in read {
        match result {
            Ok((component, problems)) => {
                rendered.problems.extend(problems);
                components.push(component);
            }
            Err(problem) => rendered.problems.push(problem),
        }
    }
    components.sort_by(|a, b| (&a.ecosystem, &a.name).cmp(&(&b.ecosystem, &b.name)));
    rendered.components = components.len();
    rendered.records = components.iter().map(|c| c.records.len()).sum();

    let organisations = organisations(&config, &keyring, &components);
    rendered.organisations = organisations.len();
    let site = SiteView {
        name: config.name.clone(),
        description: config.description.clone(),
        maintainers: config.maintainers.clone(),
        approvals: config.approvals,
        commit: options.commit.clone(),
        records: rendered.records,
        organisations: organisations
            .iter()
            .map(|o| OrganisationLink {
                name: o.name.clone(),
                slug: o.slug.clone(),
            })
            .collect(),
    };
    let env = environment()
        .as_ref()
        .map_err(|e| IndexError::Invalid(e.clone()))?;
    let site_value = minijinja::Value::from(minijinja::value::Serde(&site));
    let mut pages = 0usize;

    write(
        output,
        "assets/site.css",
        include_str!("templates/site.css"),
    )?;
    write(
        output,
        "assets/search.js",
        include_str!("templates/search.js"),
    )?;
    write(
        output,
        "index.html",
        &render_template(
            env,
            "root.html",
            minijinja::context! { site => &site_value },
        )?,
    )?;
    pages += 1;
    let feed = feed_entries(&components);
    for (lang, texts) in LANGUAGES {
        let t = texts_value(texts)?;
        let list = render_template(
            env,
            "list.html",
            minijinja::context! {
                t => &t, site => &site_value, root => safe("../"), path => safe("index.html"),
                components => minijinja::Value::from(minijinja::value::Serde(&components)),
            },
        )?;
        write(output, &format!("{lang}/index.html"), &list)?;
        pages += 1;
        // The folders first, once; then one page per component, in parallel.
        let mut folders: Vec<PathBuf> = components
            .iter()
            .filter_map(|c| {
                output
                    .join(lang)
                    .join(&c.page)
                    .parent()
                    .map(Path::to_path_buf)
            })
            .collect();
        folders.dedup();
        for folder in &folders {
            std::fs::create_dir_all(folder)
                .map_err(|e| IndexError::Io(format!("cannot create {}: {e}", folder.display())))?;
        }
        let written: Result<Vec<()>, IndexError> = components
            .par_iter()
            .map(|c| {
                let depth = c.page.matches('/').count();
                let html = render_template(
                    env,
                    "component.html",
                    minijinja::context! {
                        t => &t, site => &site_value, root => safe(&"../".repeat(depth + 1)),
                        path => safe(&c.page), c => minijinja::Value::from(minijinja::value::Serde(c)),
                    },
                )?;
                let path = output.join(lang).join(&c.page);
                std::fs::write(&path, html)
                    .map_err(|e| IndexError::Io(format!("cannot write {}: {e}", path.display())))
            })
            .collect();
        written?;
        pages += components.len();
        for o in &organisations {
            let html = render_template(
                env,
                "organisation.html",
                minijinja::context! {
                    t => &t, site => &site_value, root => safe("../../"),
                    path => safe(&format!("o/{}.html", o.slug)),
                    o => minijinja::Value::from(minijinja::value::Serde(o)),
                },
            )?;
            write(output, &format!("{lang}/o/{}.html", o.slug), &html)?;
            pages += 1;
        }
        let updated = feed
            .first()
            .map(|e| e.date.clone())
            .unwrap_or_else(|| "1970-01-01".to_string());
        let base = options
            .base_url
            .as_deref()
            .map(|b| format!("{}/", b.trim_end_matches('/')));
        let xml = render_template(
            env,
            "feed.xml",
            minijinja::context! {
                t => &t, site => &site_value, entries => minijinja::Value::from(minijinja::value::Serde(&feed)),
                updated => updated, base => base,
                feed_id => format!("urn:fundament-index:{}:{lang}", uri_part(&config.name)),
            },
        )?;
        write(output, &format!("{lang}/feed.xml"), &xml)?;
    }
    write(
        output,
        MARKER,
        "written by fundament index site; the folder is replaced on every run\n",
    )?;
    rendered.pages = pages;
    Ok(rendered)
}

/// Makes `output` ready: created, or emptied when it is a site fundament wrote.
fn prepare_output(output: &Path) -> Result<(), IndexError> {
    let io = |e: std::io::Error| IndexError::Io(format!("{}: {e}", output.display()));
    match std::fs::symlink_metadata(output) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return std::fs::create_dir_all(output).map_err(io);
        }
        Err(e) => return Err(io(e)),
        Ok(meta) if !meta.is_dir() => {
            return Err(IndexError::Invalid(format!(
                "{} is not a folder",
                output.display()
            )));
        }
        Ok(_) => {}
    }
    let mut entries = std::fs::read_dir(output).map_err(io)?.peekable();
    if entries.peek().is_none() {
        return Ok(());
    }
    if !output.join(MARKER).is_file() {
        return Err(IndexError::Invalid(format!(
            "{} is not empty and not a site fundament wrote (no {MARKER}); give an empty or new folder",
            output.display()
        )));
    }
    for entry in entries.flatten() {
        let path = entry.path();
        let result = if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        result.map_err(|e| IndexError::Io(format!("cannot remove {}: {e}", path.display())))?;
    }
    Ok(())
}

fn write(output: &Path, rel: &str, text: &str) -> Result<(), IndexError> {
    let path = output.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| IndexError::Io(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::write(&path, text)
        .map_err(|e| IndexError::Io(format!("cannot write {}: {e}", path.display())))
}

/// Lower-case ASCII letters, digits and `-` of `name`, with a short hash so that two names
/// never share a page.
fn slug(name: &str) -> String {
    use sha2::Digest as _;
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    let hash = hex::encode(sha2::Sha256::digest(name.as_bytes()));
    let short: String = out.chars().take(48).collect();
    format!("{short}-{}", &hash[..8])
}

/// Text fit for a page: control characters out (the index is data, not markup; escaping is
/// the templates' job).
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn read_component(
    rel: &str,
    path: &Path,
    keyring: &Keyring,
) -> Result<(ComponentView, Vec<String>), String> {
    let bytes = super::source::read_record_file(path)?;
    let id: PackageId = layout::package_of_path(rel)
        .map_err(|e| format!("{rel}: not where the layout puts any package: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{rel}: not UTF-8"))?;
    let (entries, line_problems) = record::parse_lines(&text);
    let problems: Vec<String> = line_problems
        .into_iter()
        .map(|p| format!("{rel}:{}: {}", p.line, p.message))
        .collect();
    let records: Vec<RecordView> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| record_view(e, &entries[i + 1..], &entries[..i], keyring))
        .collect();
    let mut current: Vec<RecordView> = Vec::new();
    for r in records.iter().filter(|r| !r.invalid) {
        match current.iter_mut().find(|c| c.versions == r.versions) {
            Some(slot) => *slot = r.clone(),
            None => current.push(r.clone()),
        }
    }
    let mut organisations: Vec<String> = records.iter().map(|r| r.organisation.clone()).collect();
    organisations.sort();
    organisations.dedup();
    let date = records
        .iter()
        .map(|r| r.date.clone())
        .max()
        .unwrap_or_default();
    let name = id.full_name();
    let search = {
        let mut s = format!("{} {} {}", id.purl(), name, id.ecosystem.purl_type());
        for r in &current {
            s.push_str(&format!(
                " {} {} {} {} {}",
                r.versions, r.effective, r.licence, r.reviewer, r.organisation
            ));
        }
        clean(&s.to_lowercase())
    };
    Ok((
        ComponentView {
            purl: id.purl(),
            name: clean(&name),
            ecosystem: id.ecosystem.purl_type().to_string(),
            file: rel.to_string(),
            page: format!("c/{rel}.html"),
            records,
            current,
            organisations,
            date,
            search,
        },
        problems,
    ))
}

fn record_view(entry: &Entry, later: &[Entry], earlier: &[Entry], keyring: &Keyring) -> RecordView {
    let r = &entry.record;
    let check = entry
        .signed
        .as_deref()
        .map(|signed| signature::check(r, signed, keyring))
        .unwrap_or_default();
    let invalid = !r.signatures.is_empty() && !check.valid();
    let approvals =
        (keyring.approvals > 0 && r.decision == Decision::Approved).then_some(Approvals {
            given: check.signers.len() as u32,
            needed: keyring.approvals,
        });
    let effective = match approvals {
        Some(a) if a.given < a.needed => Decision::UnderReview,
        _ => r.decision,
    };
    // A later line about the same versions (a new decision, or a co-signature of this one).
    let superseded = later
        .iter()
        .any(|l| l.record.versions_text() == r.versions_text());
    RecordView {
        line: entry.line,
        versions: clean(r.versions_text()),
        decision: r.decision,
        effective,
        licence: clean(&r.licence),
        reviewer: clean(&r.reviewer),
        organisation: clean(&r.organisation),
        organisation_slug: slug(&r.organisation),
        date: r.date.clone(),
        review_by: r.review_by.clone(),
        notes: r.notes.as_deref().map(clean),
        no_evidence: r.no_evidence.as_deref().map(clean),
        vex: r
            .vex
            .iter()
            .map(|v| VexView {
                vulnerability: clean(&v.vulnerability),
                status: v.status.as_str(),
                justification: v.justification.map(|j| j.as_str()),
                analysis: clean(&v.analysis),
                action: v.action.as_deref().map(clean),
                reviewer: clean(&v.reviewer),
                organisation: clean(&v.organisation),
                date: clean(&v.date),
            })
            .collect(),
        sha256: r.evidence.artefact_sha256.clone(),
        sha512: r.evidence.artefact_sha512.clone(),
        licence_files: r
            .evidence
            .licence_files
            .iter()
            .map(|f| FileHash {
                path: clean(&f.path),
                sha256: f.sha256.clone(),
            })
            .collect(),
        signers: check.signers.iter().map(|s| clean(&s.owner)).collect(),
        keys: r.signatures.iter().map(|s| clean(&s.key)).collect(),
        approvals,
        invalid,
        problems: check.problems.iter().map(|p| clean(p)).collect(),
        cosignature: earlier.iter().any(|e| e.record.same_decision(r)),
        superseded,
    }
}

fn organisations(
    config: &Config,
    keyring: &Keyring,
    components: &[ComponentView],
) -> Vec<OrganisationView> {
    let mut names: Vec<String> = config
        .organisations
        .iter()
        .map(|o| o.name.clone())
        .collect();
    for c in components {
        names.extend(c.organisations.iter().cloned());
    }
    names.sort();
    names.dedup();
    names
        .into_par_iter()
        .map(|name| {
            let mut decisions: Vec<OrganisationDecision> = components
                .iter()
                .flat_map(|c| {
                    c.records
                        .iter()
                        .filter(|r| r.organisation == name && !r.cosignature && !r.invalid)
                        .map(move |r| OrganisationDecision {
                            name: c.name.clone(),
                            page: c.page.clone(),
                            line: r.line,
                            versions: r.versions.clone(),
                            effective: r.effective,
                            licence: r.licence.clone(),
                            reviewer: r.reviewer.clone(),
                            date: r.date.clone(),
                        })
                })
                .collect();
            let mut by: BTreeMap<&'static str, (Decision, usize)> = BTreeMap::new();
            for d in &decisions {
                by.entry(d.effective.as_str()).or_insert((d.effective, 0)).1 += 1;
            }
            let count = decisions.len();
            decisions.sort_by(|a, b| b.date.cmp(&a.date).then(a.name.cmp(&b.name)));
            let truncated = decisions.len() > ORGANISATION_PAGE_LIMIT;
            decisions.truncate(ORGANISATION_PAGE_LIMIT);
            let keys = keyring
                .holders()
                .into_iter()
                .filter(|h| h.organisation == name)
                .map(|h| KeyView {
                    owner: clean(&h.owner),
                    fingerprint: h.fingerprint.clone(),
                    revoked: h.entry.revoked.as_ref().map(|r| r.date.clone()),
                    expires: h.entry.expires.clone(),
                })
                .collect();
            OrganisationView {
                slug: slug(&name),
                query: url_encode(&name),
                shown: decisions.len(),
                name: clean(&name),
                count,
                by_decision: by
                    .into_values()
                    .map(|(decision, count)| DecisionCount { decision, count })
                    .collect(),
                keys,
                decisions,
                truncated,
            }
        })
        .collect()
}

/// The newest decisions (not co-signatures, not invalid ones), newest first.
fn feed_entries(components: &[ComponentView]) -> Vec<FeedEntry> {
    let mut all: Vec<(&ComponentView, &RecordView)> = components
        .iter()
        .flat_map(|c| {
            c.records
                .iter()
                .filter(|r| !r.cosignature && !r.invalid)
                .map(move |r| (c, r))
        })
        .collect();
    all.sort_by(|a, b| {
        b.1.date
            .cmp(&a.1.date)
            .then_with(|| a.0.file.cmp(&b.0.file))
            .then_with(|| b.1.line.cmp(&a.1.line))
    });
    all.truncate(FEED_ENTRIES);
    all.into_iter()
        .map(|(c, r)| FeedEntry {
            id: format!("urn:fundament-index:{}:{}", uri_part(&c.file), r.line),
            name: c.name.clone(),
            page: c.page.clone(),
            line: r.line,
            versions: r.versions.clone(),
            decision: r.effective,
            licence: r.licence.clone(),
            reviewer: r.reviewer.clone(),
            organisation: r.organisation.clone(),
            date: r.date.clone(),
            notes: r.notes.clone(),
        })
        .collect()
}

/// Percent-encoding for a query parameter.
fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A URN part: what a URN may hold unescaped.
fn uri_part(text: &str) -> String {
    url_encode(text)
}

/// A string fundament made of safe characters only (relative paths of the site): not escaped.
fn safe(text: &str) -> minijinja::Value {
    minijinja::Value::from_safe_string(text.to_string())
}

const XML: &str = "xml";

/// Text and attribute values of XML: the five predefined entities.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn texts_value(toml_text: &str) -> Result<minijinja::Value, IndexError> {
    let table: toml::Table = toml::from_str(toml_text)
        .map_err(|e| IndexError::Invalid(format!("the site's texts: {e}")))?;
    Ok(minijinja::Value::from(minijinja::value::Serde(&table)))
}

fn render_template(
    env: &Environment<'static>,
    name: &str,
    context: minijinja::Value,
) -> Result<String, IndexError> {
    env.get_template(name)
        .and_then(|t| t.render(context))
        .map_err(|e| IndexError::Invalid(format!("cannot render {name}: {e:#}")))
}

fn environment() -> &'static Result<Environment<'static>, String> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .map_err(|e| e.to_string())?,
        );
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else if name.ends_with(".xml") {
                AutoEscape::Custom(XML.into())
            } else {
                AutoEscape::None
            }
        });
        env.set_formatter(|out, state, value| {
            if let AutoEscape::Custom(name) = state.auto_escape()
                && name == XML
            {
                if !value.is_none() && !value.is_undefined() {
                    let text = value.to_string();
                    if value.is_safe() {
                        out.write_str(&text)?;
                    } else {
                        out.write_str(&xml_escape(&text))?;
                    }
                }
                Ok(())
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        for (name, source) in [
            ("base.html", include_str!("templates/base.html")),
            ("list.html", include_str!("templates/list.html")),
            ("component.html", include_str!("templates/component.html")),
            (
                "organisation.html",
                include_str!("templates/organisation.html"),
            ),
            ("root.html", include_str!("templates/root.html")),
            ("feed.xml", include_str!("templates/feed.xml")),
        ] {
            env.add_template(name, source)
                .map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(env)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_distinct() {
        let a = slug("Stadt München – IT-Referat");
        assert!(a.starts_with("stadt-m-nchen-it-referat-"), "{a}");
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        assert_ne!(slug("A B"), slug("A-B"));
        assert!(slug("../..").starts_with('-') || !slug("../..").contains('.'));
    }

    #[test]
    fn both_languages_have_the_same_texts() {
        let keys = |text: &str| -> Vec<String> {
            let table: toml::Table = toml::from_str(text).unwrap();
            table.keys().cloned().collect()
        };
        assert_eq!(keys(LANGUAGES[0].1), keys(LANGUAGES[1].1));
        assert!(environment().is_ok(), "{:?}", environment().as_ref().err());
    }
}

#[cfg(test)]
mod glossary_tests {
    /// The German site speaks the words of docs/glossary.md: a reviewer's work is a
    /// *Begutachtung* (a *Prüfung* is only an audit), the index is a *Freigabeverzeichnis* (the
    /// only "Verzeichnis"), an approval is a *Zustimmung*, under review is *Freigabe in
    /// Bearbeitung*.
    #[test]
    fn the_german_site_follows_the_glossary() {
        let de = include_str!("i18n/de.toml");
        let texts: Vec<&str> = de
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = ").map(|(_, text)| text))
            .collect();
        assert!(texts.len() > 50);
        for text in &texts {
            let lower = text.to_lowercase();
            assert!(!lower.contains("prüf"), "{text}: Begutachtung, not Prüfung");
            assert!(
                !lower
                    .replace("freigabeverzeichnis", "")
                    .contains("verzeichnis"),
                "{text}: only the Freigabeverzeichnis is a Verzeichnis"
            );
            assert!(
                !text.contains("Index"),
                "{text}: Freigabeverzeichnis, not Index"
            );
            assert!(!lower.contains("ausgenommen"), "{text}");
        }
        let all = texts.join("\n");
        for term in [
            "Freigabeverzeichnis",
            "Freigabe in Bearbeitung",
            "begutachte",
            "freigegeben",
            "abgelehnt",
            "Zustimmungen",
        ] {
            assert!(all.contains(term), "{term} missing");
        }
    }
}
