//! Where the registries are: never written in fundament's code, always taken from the
//! lockfile's own URLs, the ecosystem client's configuration, or fundament's configuration.
//!
//! Per ecosystem, first found wins:
//! - npm: `[registries] npm` of the user's configuration (`--policy` file, command line) →
//!   `$npm_config_registry` → `[registries] npm` of the audited tree's fundament.toml →
//!   `.npmrc` at the audited root → `~/.npmrc` → what `npm config get registry` answers (npm
//!   asked from outside the audited tree);
//! - Python: the user's `[registries] pypi` → `$PIP_INDEX_URL` → the tree's `[registries] pypi`
//!   → the index its pyproject.toml names for uv (`[[tool.uv.index]]`, `tool.uv.index-url`) or
//!   Poetry (`[[tool.poetry.source]]`, primary) → pip.conf (`$PIP_CONFIG_FILE`, `~/.config/pip/pip.conf`, `~/.pip/pip.conf`,
//!   `/etc/pip.conf`) → pip's own default index;
//! - Maven (and Gradle): the user's `[registries] maven` → the tree's → the central repository of
//!   the installed Maven's super POM, through the mirror of it in the user's or the
//!   installation's settings.xml (see `super::maven::repository`; the repositories builds declare
//!   are added there);
//! - Go: the user's `[registries] go` → `$GOPROXY` → the tree's → what `go env GOPROXY` answers;
//!   modules matching `$GONOPROXY`/`$GOPRIVATE`, else what `go env GONOPROXY` answers (which
//!   includes `go env -w` settings, GOFLAGS and GOENV), are never asked of a proxy.
//!
//! **Trust.** The audited tree is untrusted: it may name endpoints (each one in effect is
//! reported, R005), but its files get no `${VAR}` expansion, its credentials (`_authToken`
//! lines, `user:password@` in URLs) and CA certificates are ignored (R005 says so), and it
//! never chooses where the user's credentials go. Credentials come only from the user's own
//! configuration (`~/.npmrc`, user:password in `$PIP_INDEX_URL`, pip.conf or the user's
//! `[registries]`, `<servers>` of settings.xml) and are sent only to URLs on the exact scheme,
//! host and port, under the path, they were configured for.

use super::http::Credential;
use crate::diagnostic::{Code, Finding, Severity, Text};
use crate::model::Ecosystem;
use crate::source::{Confined, Limit};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// `[registries]` in fundament's configuration.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RegistrySettings {
    /// The npm registry (base URL).
    pub npm: Option<String>,
    /// The Python package index (its Simple API URL, e.g. `https://devpi.example/root/pypi/+simple/`).
    pub pypi: Option<String>,
    /// Maven repositories, in the order to try them.
    #[serde(default)]
    pub maven: Vec<String>,
    /// A Go module proxy.
    pub go: Option<String>,
    /// A Composer repository (its base URL, where `packages.json` is), for `--resolve-unlocked`.
    pub composer: Option<String>,
    /// Look-ups in flight at once (default 16).
    pub parallelism: Option<usize>,
    /// Seconds a request may take, body included (default 30).
    pub timeout: Option<f64>,
    /// Attempts after the first for server errors, 429 and connection failures (default 3).
    pub retries: Option<u32>,
    /// PEM files with CA certificates to trust in addition to the system's.
    #[serde(default)]
    pub ca_certificates: Vec<PathBuf>,
}

/// A registry location and where it was configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    /// Where it was named, in translatable form: "`registry` in ~/.npmrc".
    pub from: Text,
    /// Named by the audited tree's configuration (its .npmrc or fundament.toml), not the
    /// user's: it never gets credentials from the tree.
    pub from_tree: bool,
}

/// The configured registries, per ecosystem.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub npm: Option<Endpoint>,
    pub pypi: Option<Endpoint>,
    pub maven: Vec<Endpoint>,
    pub go: Option<Endpoint>,
    /// The Composer repository (`[registries] composer`, else the `repositories` of Composer's
    /// global config.json).
    pub composer: Option<Endpoint>,
    /// Where crates of a git-index registry are downloaded: the `dl` Cargo's index cache records.
    pub cargo_dl: Option<Endpoint>,
    /// Go module path patterns that must not be asked of a proxy (`$GONOPROXY`, else
    /// `$GOPRIVATE`): private modules, whose names would leak.
    pub go_private: Vec<String>,
    pub credentials: Vec<Credential>,
    /// What the audited tree's configuration named, or tried to, that the audit should know
    /// (R005).
    pub findings: Vec<Finding>,
}

/// Where the user's own configuration lives (overridable for tests).
#[derive(Debug, Clone)]
pub struct Homes {
    pub home: Option<PathBuf>,
    /// fundament's own configuration file (`$FUNDAMENT_CONFIG`, else `fundament/config.toml` in
    /// the user's configuration directory): its `[registries]` is the user's.
    pub config_file: Option<PathBuf>,
    /// Whether asking the ecosystems' client programs (npm, python, go) is allowed.
    pub ask_clients: bool,
}

impl Homes {
    pub fn from_environment() -> Homes {
        Homes {
            home: dirs::home_dir(),
            config_file: std::env::var_os("FUNDAMENT_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| dirs::config_dir().map(|d| d.join("fundament").join("config.toml"))),
            ask_clients: true,
        }
    }
}

impl RegistrySettings {
    /// These settings, with what they leave unset taken from `other`.
    pub fn or(self, other: RegistrySettings) -> RegistrySettings {
        RegistrySettings {
            npm: self.npm.or(other.npm),
            pypi: self.pypi.or(other.pypi),
            maven: if self.maven.is_empty() {
                other.maven
            } else {
                self.maven
            },
            go: self.go.or(other.go),
            composer: self.composer.or(other.composer),
            parallelism: self.parallelism.or(other.parallelism),
            timeout: self.timeout.or(other.timeout),
            retries: self.retries.or(other.retries),
            ca_certificates: [self.ca_certificates, other.ca_certificates].concat(),
        }
    }
}

/// Finds the registries for an audit of `root`: `user` is the `[registries]` of the user's own
/// configuration (the `--policy` file, the command line), `tree` that of the audited tree's
/// fundament.toml. The ecosystems' client programs are asked only for the ecosystems in
/// `needed` (those with packages whose lockfile names no registry), and their answers are kept
/// a day in `cache_dir`: running a client costs a good part of a second, and what it answers
/// (its built-in default) changes only when it is upgraded.
pub fn endpoints(
    root: &Path,
    user: &RegistrySettings,
    tree: &RegistrySettings,
    homes: &Homes,
    needed: &BTreeSet<Ecosystem>,
    cache_dir: Option<&Path>,
) -> Endpoints {
    let mut out = Endpoints::default();
    let may_ask = |ecosystem: Ecosystem| homes.ask_clients && needed.contains(&ecosystem);
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    // `[registries] <ecosystem>` of fundament's configuration, or of the audited tree's.
    let from_user = |ecosystem: &str| crate::text!("named_in_settings", ecosystem = ecosystem);
    let from_tree = |ecosystem: &str| crate::text!("named_in_tree_settings", ecosystem = ecosystem);
    // A setting in a file of the audited tree, or in a file of the user's.
    let in_tree_file = |setting: &str, file: &str| {
        crate::text!("named_in_tree_file", setting = setting, file = file)
    };
    let in_file = |setting: &str, path: &Path| {
        crate::text!("named_in_file", setting = setting, file = path.display())
    };

    // npm: the tree's .npmrc is read as it is written (no `${VAR}` expansion) and for its
    // `registry` only; the user's ~/.npmrc as npm reads it, credentials included.
    let tree_npmrc = Confined::audited(root)
        .read_text(&root.join(".npmrc"), Limit::CONFIG)
        .ok();
    let home_npmrc: Option<(PathBuf, String)> = homes.home.as_ref().and_then(|h| {
        let path = h.join(".npmrc");
        crate::source::read_text_bounded(&path, Limit::CONFIG)
            .ok()
            .map(|t| (path, t))
    });
    let mut tree_npm = None;
    if let Some(text) = &tree_npmrc {
        match npmrc_raw_value(text, "registry") {
            Some(url) if url.contains("${") => out.findings.push(tree_finding(
                Severity::Warning,
                crate::text!("npmrc_registry_variable", url = url),
                ".npmrc",
            )),
            Some(url) => tree_npm = Some(url),
            None => {}
        }
        if npmrc_has_credentials(text) {
            out.findings.push(tree_finding(
                Severity::Warning,
                crate::diagnostic::Text::new("npmrc_credentials_ignored"),
                ".npmrc",
            ));
        }
    }
    out.npm = user
        .npm
        .clone()
        .map(|url| endpoint(url, from_user("npm")))
        .or_else(|| {
            env("npm_config_registry")
                .or_else(|| env("NPM_CONFIG_REGISTRY"))
                .map(|url| endpoint(url, Text::verbatim("$npm_config_registry")))
        })
        .or_else(|| {
            tree.npm
                .clone()
                .map(|url| tree_endpoint(url, from_tree("npm")))
        })
        .or_else(|| tree_npm.map(|url| tree_endpoint(url, in_tree_file("`registry`", ".npmrc"))))
        .or_else(|| {
            home_npmrc.as_ref().and_then(|(path, text)| {
                npmrc_value(text, "registry").map(|url| endpoint(url, in_file("`registry`", path)))
            })
        })
        .or_else(|| {
            may_ask(Ecosystem::Npm)
                .then(|| ask("npm", &["config", "get", "registry"], cache_dir))
                .flatten()
                .map(|url| endpoint(url, Text::verbatim("`npm config get registry`")))
        });
    if let Some((_, text)) = &home_npmrc {
        out.credentials.extend(npmrc_credentials(text));
    }

    // Composer: fundament's configuration, then the audited project's composer.json
    // `repositories` (type `composer`, as Composer asks them before its default), then
    // Composer's global config.json, then the audited tree's fundament.toml.
    let composer_homes: Vec<PathBuf> = [
        env("COMPOSER_HOME").map(|h| PathBuf::from(h).join("config.json")),
        homes
            .home
            .as_ref()
            .map(|h| h.join(".config/composer/config.json")),
        homes.home.as_ref().map(|h| h.join(".composer/config.json")),
    ]
    .into_iter()
    .flatten()
    .collect();
    out.composer = user
        .composer
        .clone()
        .map(|url| endpoint(url, from_user("composer")))
        .or_else(|| {
            let text = Confined::audited(root)
                .read_text(&root.join("composer.json"), Limit::MANIFEST)
                .ok()?;
            composer_repository(&text)
                .map(|url| tree_endpoint(url, in_tree_file("`repositories`", "composer.json")))
        })
        .or_else(|| {
            composer_homes.iter().find_map(|path| {
                let text = crate::source::read_text_bounded(path, Limit::CONFIG).ok()?;
                composer_repository(&text).map(|url| endpoint(url, in_file("`repositories`", path)))
            })
        })
        .or_else(|| {
            tree.composer
                .clone()
                .map(|url| tree_endpoint(url, from_tree("composer")))
        });

    // Python
    let pip_confs: Vec<PathBuf> = [
        env("PIP_CONFIG_FILE").map(PathBuf::from),
        homes.home.as_ref().map(|h| h.join(".config/pip/pip.conf")),
        homes.home.as_ref().map(|h| h.join(".pip/pip.conf")),
        Some(PathBuf::from("/etc/pip.conf")),
    ]
    .into_iter()
    .flatten()
    .collect();
    out.pypi = user
        .pypi
        .clone()
        .map(|url| endpoint(url, from_user("pypi")))
        .or_else(|| env("PIP_INDEX_URL").map(|url| endpoint(url, Text::verbatim("$PIP_INDEX_URL"))))
        .or_else(|| {
            tree.pypi
                .clone()
                .map(|url| tree_endpoint(url, from_tree("pypi")))
        })
        .or_else(|| {
            python_project_index(root)
                .map(|(url, from)| tree_endpoint(url, in_tree_file(from, "pyproject.toml")))
        })
        .or_else(|| {
            pip_confs.iter().find_map(|path| {
                let text = crate::source::read_text_bounded(path, Limit::CONFIG).ok()?;
                ini_value(&text, "global", "index-url")
                    .map(|url| endpoint(url, in_file("`index-url`", path)))
            })
        })
        .or_else(|| {
            may_ask(Ecosystem::Pypi)
                .then(|| {
                    ask(
                        "python3",
                        &[
                            "-c",
                            "from pip._internal.models.index import PyPI; print(PyPI.simple_url)",
                        ],
                        cache_dir,
                    )
                })
                .flatten()
                .map(|url| endpoint(url, Text::new("named_pip_default")))
        });
    if let Some(pypi) = &mut out.pypi
        && let Some((clean, credential)) = split_userinfo(&pypi.url)
    {
        pypi.url = clean;
        if pypi.from_tree {
            out.findings.push(tree_finding(
                Severity::Warning,
                crate::diagnostic::Text::new("index_url_credentials_ignored")
                    .sub("from", pypi.from.clone()),
                crate::policy::POLICY_FILE,
            ));
        } else {
            out.credentials.push(credential);
        }
    }

    // Maven: the configured repositories, else the central repository of the installed Maven
    // (through the settings' mirror of it); credentials of the settings' servers, for the URLs
    // of the user's own mirrors and profile repositories.
    let maven = super::maven::repository::Environment::discover(
        maven_configured(user, tree),
        homes,
        cache_dir,
    );
    out.maven = maven.licence_endpoints();
    out.credentials.extend(maven.credentials());

    // Go
    out.go = user
        .go
        .clone()
        .map(|url| endpoint(url, from_user("go")))
        .or_else(|| {
            env("GOPROXY")
                .and_then(|v| first_proxy(&v))
                .map(|url| endpoint(url, Text::verbatim("$GOPROXY")))
        })
        .or_else(|| {
            tree.go
                .clone()
                .map(|url| tree_endpoint(url, from_tree("go")))
        })
        .or_else(|| {
            may_ask(Ecosystem::Golang)
                .then(|| ask("go", &["env", "GOPROXY"], cache_dir))
                .flatten()
                .and_then(|v| first_proxy(&v))
                .map(|url| endpoint(url, Text::verbatim("`go env GOPROXY`")))
        });

    // Cargo: what its index cache records (the tree's .cargo/config.toml is not read).
    if needed.contains(&Ecosystem::Cargo) {
        out.cargo_dl = super::crates::cached_download_template()
            .map(|dl| endpoint(dl, Text::new("named_cargo_dl")));
    }

    // Userinfo in any endpoint the tree named is dropped; every endpoint it named in effect is
    // reported.
    let mut named: Vec<&mut Endpoint> = out
        .npm
        .iter_mut()
        .chain(out.pypi.iter_mut())
        .chain(out.maven.iter_mut())
        .chain(out.go.iter_mut())
        .chain(out.composer.iter_mut())
        .filter(|e| e.from_tree)
        .collect();
    for endpoint in &mut named {
        if let Some((clean, _)) = split_userinfo(&endpoint.url) {
            endpoint.url = clean;
        }
    }
    let named: Vec<(String, Text)> = named
        .iter()
        .map(|e| (e.url.clone(), e.from.clone()))
        .collect();
    for (url, from) in named {
        // The tree's file that named it: a setting of one of its files, else its
        // fundament.toml.
        let file = Some(&from)
            .filter(|from| from.key == "named_in_tree_file")
            .and_then(|from| from.plain_arg("file"))
            .unwrap_or(crate::policy::POLICY_FILE)
            .to_string();
        out.findings.push(tree_finding(
            Severity::Note,
            crate::text!("registry_named_by_tree", url = url).sub("from", from),
            &file,
        ));
    }
    // What must not be asked of a proxy: $GONOPROXY, $GOPRIVATE, else what `go env` answers
    // (its answer includes `go env -w` settings and GOFLAGS/GOENV), asked only when a proxy is
    // to be asked at all.
    out.go_private = env("GONOPROXY")
        .or_else(|| env("GOPRIVATE"))
        .or_else(|| {
            (out.go.is_some() && may_ask(Ecosystem::Golang))
                .then(|| ask_for("go", &["env", "GONOPROXY"], cache_dir, is_module_patterns))
                .flatten()
        })
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    out
}

/// The package index a Python project's own pyproject.toml names for its installer: uv's
/// `[[tool.uv.index]]` (the one marked `default`, else the first that is not `explicit`),
/// `tool.uv.index-url`, or Poetry's `[[tool.poetry.source]]` with priority `primary` or
/// `default` (or the older `default = true`). Supplemental and explicit sources serve only
/// some packages and are not taken for all.
pub fn python_project_index(root: &Path) -> Option<(String, &'static str)> {
    let text = Confined::audited(root)
        .read_text(&root.join("pyproject.toml"), Limit::MANIFEST)
        .ok()?;
    let value: toml::Value = toml::from_str(&text).ok()?;
    let tool = value.get("tool")?;
    let url_of = |t: &toml::Value| {
        t.get("url")
            .and_then(toml::Value::as_str)
            .map(str::to_string)
    };
    let flag = |t: &toml::Value, key: &str| t.get(key).and_then(toml::Value::as_bool) == Some(true);
    if let Some(uv) = tool.get("uv") {
        if let Some(indexes) = uv.get("index").and_then(toml::Value::as_array) {
            let chosen = indexes
                .iter()
                .find(|i| flag(i, "default"))
                .or_else(|| indexes.iter().find(|i| !flag(i, "explicit")));
            if let Some(url) = chosen.and_then(url_of) {
                return Some((url, "`[[tool.uv.index]]`"));
            }
        }
        if let Some(url) = uv.get("index-url").and_then(toml::Value::as_str) {
            return Some((url.to_string(), "`tool.uv.index-url`"));
        }
    }
    let sources = tool
        .get("poetry")?
        .get("source")
        .and_then(toml::Value::as_array)?;
    sources
        .iter()
        .find(|s| {
            matches!(
                s.get("priority").and_then(toml::Value::as_str),
                Some("primary" | "default")
            ) || flag(s, "default")
        })
        .and_then(url_of)
        .map(|url| (url, "`[[tool.poetry.source]]`"))
}

/// `[registries] maven` of the user's configuration, else of the audited tree's.
pub fn maven_configured(user: &RegistrySettings, tree: &RegistrySettings) -> Vec<Endpoint> {
    if user.maven.is_empty() {
        tree.maven
            .iter()
            .map(|url| {
                tree_endpoint(
                    url.clone(),
                    crate::text!("named_in_tree_settings", ecosystem = "maven"),
                )
            })
            .collect()
    } else {
        user.maven
            .iter()
            .map(|url| {
                endpoint(
                    url.clone(),
                    crate::text!("named_in_settings", ecosystem = "maven"),
                )
            })
            .collect()
    }
}

/// Whether a Go module path matches one of `patterns` the way GOPRIVATE matches: a glob
/// (`*` does not cross `/`) against the path or any of its leading path elements.
pub fn is_private_module(path: &str, patterns: &[String]) -> bool {
    let elements: Vec<&str> = path.split('/').collect();
    patterns.iter().any(|pattern| {
        let Ok(glob) = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map(|g| g.compile_matcher())
        else {
            return false;
        };
        (1..=elements.len()).any(|n| glob.is_match(elements[..n].join("/")))
    })
}

fn endpoint(url: String, from: Text) -> Endpoint {
    Endpoint {
        url: url.trim().to_string(),
        from,
        from_tree: false,
    }
}

/// The first repository of type `composer` in a Composer config.json or composer.json
/// (`repositories` as a list or as a map of named entries).
pub fn composer_repository(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let repositories = value
        .get("repositories")
        .or_else(|| value.get("config").and_then(|c| c.get("repositories")))?;
    let entries: Vec<&serde_json::Value> = match repositories {
        serde_json::Value::Array(list) => list.iter().collect(),
        serde_json::Value::Object(map) => map.values().collect(),
        _ => Vec::new(),
    };
    entries.into_iter().find_map(|entry| {
        (entry.get("type")?.as_str()? == "composer")
            .then(|| entry.get("url")?.as_str().map(str::to_string))
            .flatten()
    })
}

/// An endpoint the audited tree's configuration names.
fn tree_endpoint(url: String, from: Text) -> Endpoint {
    Endpoint {
        from_tree: true,
        ..endpoint(url, from)
    }
}

/// R005: what the audited tree's configuration named or tried to.
fn tree_finding(
    severity: Severity,
    message: impl Into<crate::diagnostic::Message>,
    file: &str,
) -> Finding {
    Finding::new(Code::RegistryFromTree, severity, message).at(file.to_string(), None)
}

/// How long a client's answer is reused.
const CLIENT_ANSWER_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// [`run_client`], with its answer cached per program file (path, size and modification
/// time), arguments, home and the environment variables the clients read, for a day.
fn ask(program: &str, args: &[&str], cache_dir: Option<&Path>) -> Option<String> {
    ask_for(program, args, cache_dir, is_url)
}

fn is_url(line: &str) -> bool {
    line.starts_with("http://") || line.starts_with("https://")
}

/// [`ask`] for an answer that `accept` takes (a URL, a list of module path patterns).
fn ask_for(
    program: &str,
    args: &[&str],
    cache_dir: Option<&Path>,
    accept: fn(&str) -> bool,
) -> Option<String> {
    let Some(file) = cache_dir.and_then(|dir| client_cache_file(dir, program, args)) else {
        return run_client(program, args, cache_dir, accept);
    };
    if let Ok(meta) = std::fs::metadata(&file)
        && meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age < CLIENT_ANSWER_TTL)
        && let Ok(text) = crate::source::read_text_bounded(&file, Limit::CONFIG)
    {
        // An empty file records that the client gave no usable answer.
        let answer = text.trim();
        return (!answer.is_empty()).then(|| answer.to_string());
    }
    let answer = run_client(program, args, cache_dir, accept);
    if let Some(parent) = file.parent()
        && std::fs::create_dir_all(parent).is_ok()
    {
        let tmp = file.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, answer.as_deref().unwrap_or("")).is_ok() {
            let _ = std::fs::rename(&tmp, &file);
        }
    }
    answer
}

/// Where the answer of `program args` is cached: `None` when the program is not on PATH.
fn client_cache_file(cache_dir: &Path, program: &str, args: &[&str]) -> Option<PathBuf> {
    use sha2::Digest as _;
    let path = std::env::var_os("PATH")?;
    let found = std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())?;
    let meta = std::fs::metadata(&found).ok()?;
    let mut key = sha2::Sha256::new();
    key.update(found.to_string_lossy().as_bytes());
    key.update(meta.len().to_le_bytes());
    if let Ok(modified) = meta.modified()
        && let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH)
    {
        key.update(since.as_nanos().to_le_bytes());
    }
    for arg in args {
        key.update([0]);
        key.update(arg.as_bytes());
    }
    let vars = [
        "HOME",
        "NPM_CONFIG_USERCONFIG",
        "NPM_CONFIG_GLOBALCONFIG",
        "PIP_CONFIG_FILE",
        "GOFLAGS",
        "GOENV",
    ];
    for name in vars {
        key.update([1]);
        key.update(name.as_bytes());
        key.update(std::env::var(name).unwrap_or_default().as_bytes());
    }
    // The clients' own configuration files that fundament does not read itself: a change to
    // one is a new key.
    let home = dirs::home_dir().unwrap_or_default();
    let config_files = [
        home.join(".config/go/env"),
        PathBuf::from(std::env::var("GOENV").unwrap_or_default()),
        PathBuf::from("/etc/npmrc"),
        PathBuf::from("/usr/etc/npmrc"),
        PathBuf::from("/usr/local/etc/npmrc"),
    ];
    for file in config_files {
        if let Ok(modified) = std::fs::metadata(&file).and_then(|m| m.modified())
            && let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH)
        {
            key.update([2]);
            key.update(file.to_string_lossy().as_bytes());
            key.update(since.as_nanos().to_le_bytes());
        }
    }
    Some(
        cache_dir
            .join("clients-v1")
            .join(hex::encode(key.finalize())),
    )
}

/// Runs an ecosystem's client to read its configuration: in the clean room
/// ([`crate::clean_room`]: not the audited tree, not the system's temporary directory, where
/// another user could leave an `.npmrc`, a `go.mod` naming a toolchain to download, or a Python
/// module to import), with a time limit, and only its first output line is used.
fn run_client(
    program: &str,
    args: &[&str],
    cache_dir: Option<&Path>,
    accept: fn(&str) -> bool,
) -> Option<String> {
    let working_dir = crate::clean_room::working_dir(cache_dir).ok()?;
    let mut command = Command::new(program);
    command.args(args).current_dir(working_dir);
    let ran = crate::clean_room::run(command, Duration::from_secs(10), 64 * 1024).ok()?;
    if !ran.success {
        return None;
    }
    let out = String::from_utf8_lossy(&ran.stdout);
    let line = out.lines().next()?.trim().to_string();
    accept(&line).then_some(line)
}

/// Whether `go env GONOPROXY` answered a list of module path patterns.
fn is_module_patterns(line: &str) -> bool {
    !line.is_empty()
        && line
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ",./-_*?[]~".contains(c))
}

/// `key=value` of the user's own .npmrc (no section), with `${VAR}` expanded as npm does.
fn npmrc_value(text: &str, key: &str) -> Option<String> {
    npmrc_raw_value(text, key).map(|v| expand_env(&v))
}

/// `key=value` of an .npmrc as written: no expansion (the audited tree's .npmrc).
fn npmrc_raw_value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with(';'))
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
}

/// Whether an .npmrc holds credential lines (`_authToken`, `_auth`, `_password`, `username`).
fn npmrc_has_credentials(text: &str) -> bool {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .any(|(k, _)| {
            let key = k.trim();
            [
                "_authToken",
                "_auth",
                "_password",
                "username",
                "certfile",
                "keyfile",
            ]
            .iter()
            .any(|c| key == *c || key.ends_with(&format!(":{c}")))
        })
}

/// `//host/path/:_authToken=TOKEN` and `//host/path/:_auth=BASE64` lines.
fn npmrc_credentials(text: &str) -> Vec<Credential> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let value = expand_env(value.trim().trim_matches('"'));
        let Some(rest) = key.strip_prefix("//") else {
            continue;
        };
        let (scope, kind) = match rest.rsplit_once(':') {
            Some(parts) => parts,
            None => continue,
        };
        let header = match kind {
            "_authToken" => format!("Bearer {value}"),
            "_auth" => format!("Basic {value}"),
            _ => continue,
        };
        // The token is for that host and path, over https (and http, which npm also allows).
        for scheme in ["https://", "http://"] {
            out.push(Credential {
                prefix: format!("{scheme}{scope}"),
                header: header.clone(),
            });
        }
    }
    out
}

fn expand_env(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &rest[start + 2..start + end];
        out.push_str(&std::env::var(name).unwrap_or_default());
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// A `key = value` in a `[section]` of an INI file (pip.conf).
fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_string();
            continue;
        }
        if current == section
            && let Some((k, v)) = line.split_once('=').or_else(|| line.split_once(':'))
            && k.trim() == key
        {
            return Some(v.trim().to_string());
        }
    }
    None
}

/// `https://user:password@host/path` → the URL without userinfo, and a Basic credential for it.
/// Splits `user:password@` off a URL: the URL without it, and a Basic credential for exactly
/// that URL and what lies below it (user and password percent-decoded, as pip and git do).
pub fn split_userinfo(url: &str) -> Option<(String, Credential)> {
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, host) = authority.rsplit_once('@')?;
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let clean = format!("{scheme}://{host}/{path}");
    let credential = basic(&clean, &percent_decode(user), &percent_decode(password));
    Some((clean, credential))
}

/// `%XX` escapes decoded (invalid ones kept as written).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A `Basic` credential for the URLs under `url`.
pub fn basic(url: &str, user: &str, password: &str) -> Credential {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    Credential {
        prefix: url.to_string(),
        header: format!("Basic {token}"),
    }
}

/// The first usable proxy of a GOPROXY list (`,` or `|` separated; `direct` and `off` are not
/// proxies).
fn first_proxy(value: &str) -> Option<String> {
    value
        .split([',', '|'])
        .map(str::trim)
        .find(|p| p.starts_with("http://") || p.starts_with("https://"))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uv_and_poetry_sources_name_the_projects_index() {
        let dir = tempfile::tempdir().unwrap();
        let index = |text: &str| {
            std::fs::write(dir.path().join("pyproject.toml"), text).unwrap();
            python_project_index(dir.path()).map(|(url, _)| url)
        };
        assert_eq!(
            index(
                "[[tool.uv.index]]\nname = \"x\"\nurl = \"https://x.example/simple\"\nexplicit = true\n\
                 [[tool.uv.index]]\nname = \"city\"\nurl = \"https://city.example/simple\"\n"
            )
            .as_deref(),
            Some("https://city.example/simple")
        );
        assert_eq!(
            index(
                "[[tool.uv.index]]\nurl = \"https://a.example/simple\"\n\
                 [[tool.uv.index]]\nurl = \"https://b.example/simple\"\ndefault = true\n"
            )
            .as_deref(),
            Some("https://b.example/simple")
        );
        assert_eq!(
            index(
                "[[tool.poetry.source]]\nname = \"extra\"\nurl = \"https://e.example/simple\"\npriority = \"supplemental\"\n\
                 [[tool.poetry.source]]\nname = \"city\"\nurl = \"https://c.example/simple\"\npriority = \"primary\"\n"
            )
            .as_deref(),
            Some("https://c.example/simple")
        );
        assert_eq!(index("[project]\nname = \"x\"\n"), None);
        assert_eq!(index("not toml ["), None);
    }

    #[test]
    fn go_env_answers_are_taken_only_as_module_patterns() {
        assert!(is_module_patterns("*.corp.example,github.com/city/*"));
        assert!(!is_module_patterns(""));
        assert!(!is_module_patterns("go: unknown command"));
    }

    #[test]
    fn npmrc_values_and_tokens_are_read() {
        let text = "registry=https://nexus.example/repository/npm/\n\
                    //nexus.example/repository/npm/:_authToken=abc\n";
        assert_eq!(
            npmrc_value(text, "registry").as_deref(),
            Some("https://nexus.example/repository/npm/")
        );
        let creds = npmrc_credentials(text);
        assert_eq!(creds[0].prefix, "https://nexus.example/repository/npm/");
        assert_eq!(creds[0].header, "Bearer abc");
    }

    #[test]
    fn index_urls_lose_their_password_to_a_credential() {
        let (clean, credential) =
            split_userinfo("https://me:pw@devpi.example/root/pypi/+simple/").unwrap();
        assert_eq!(clean, "https://devpi.example/root/pypi/+simple/");
        assert!(credential.header.starts_with("Basic "));
        assert!(split_userinfo("https://devpi.example/simple/").is_none());
    }

    #[test]
    fn goproxy_skips_direct_and_off() {
        assert_eq!(
            first_proxy("direct,https://goproxy.example|off").as_deref(),
            Some("https://goproxy.example")
        );
        assert_eq!(first_proxy("off"), None);
    }

    #[test]
    fn private_modules_match_like_goprivate() {
        let patterns = vec![
            "*.corp.example".to_string(),
            "github.com/city/*".to_string(),
        ];
        assert!(is_private_module("git.corp.example/team/tool", &patterns));
        assert!(is_private_module("github.com/city/portal/v2", &patterns));
        assert!(!is_private_module("github.com/spf13/cobra", &patterns));
        assert!(!is_private_module("github.com/cityx", &patterns));
    }

    #[test]
    fn pip_conf_index_url() {
        assert_eq!(
            ini_value(
                "[global]\nindex-url = https://devpi.example/simple/\n",
                "global",
                "index-url"
            )
            .as_deref(),
            Some("https://devpi.example/simple/")
        );
    }
}
