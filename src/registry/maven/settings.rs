//! Maven's settings.xml: mirrors, server credentials, and the repositories of active profiles.
//!
//! Two files are read, as Maven reads them: the user's (`~/.m2/settings.xml`) and the
//! installation's (`conf/settings.xml` of the Maven found on `PATH`, `$MAVEN_HOME` or
//! `$M2_HOME`). The user's entries come first and win over the installation's of the same id.
//! A profile is active when `<activeProfiles>` names it or it is `activeByDefault`.

use crate::ecosystem::maven::DeclaredRepo;
use crate::ecosystem::maven::xml::Node;
use crate::registry::http::Credential;
use std::path::{Path, PathBuf};

/// A `<mirror>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    pub id: String,
    pub url: String,
    /// `<mirrorOf>`: `*`, `external:*`, `external:http:*`, ids, `!id`, comma-separated.
    pub mirror_of: String,
    /// `<blocked>true</blocked>`: the repositories it matches are not used at all.
    pub blocked: bool,
    /// The settings file, as messages name it.
    pub from: String,
}

/// What the settings files say.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub mirrors: Vec<Mirror>,
    /// Repositories of the active profiles (the user's configuration: they may get credentials).
    pub repositories: Vec<DeclaredRepo>,
    /// Ids of the active profiles.
    pub active_profiles: Vec<String>,
    /// (id, username, password) of servers with plain-text passwords.
    pub servers: Vec<(String, String, String)>,
}

impl Settings {
    /// Reads the settings files in order of precedence (the user's first); missing or unreadable
    /// files are skipped.
    pub fn read(files: &[PathBuf]) -> Settings {
        let mut settings = Settings::default();
        for path in files {
            let Ok(text) = crate::source::read_text_bounded(path, crate::source::Limit::CONFIG)
            else {
                continue;
            };
            settings.merge(parse(&text, path));
        }
        settings
    }

    fn merge(&mut self, other: Settings) {
        for mirror in other.mirrors {
            if !self.mirrors.iter().any(|m| m.id == mirror.id) {
                self.mirrors.push(mirror);
            }
        }
        for repo in other.repositories {
            if !self.repositories.iter().any(|r| r.id == repo.id) {
                self.repositories.push(repo);
            }
        }
        for id in other.active_profiles {
            if !self.active_profiles.contains(&id) {
                self.active_profiles.push(id);
            }
        }
        for server in other.servers {
            if !self.servers.iter().any(|s| s.0 == server.0) {
                self.servers.push(server);
            }
        }
    }

    /// The mirror Maven would use for a repository, as Maven's mirror selector picks it: one
    /// whose `<mirrorOf>` is exactly the repository's id, else the first whose patterns match.
    pub fn mirror_for(&self, id: &str, url: &str) -> Option<&Mirror> {
        self.mirrors
            .iter()
            .find(|m| m.mirror_of.trim() == id)
            .or_else(|| self.mirrors.iter().find(|m| matches(&m.mirror_of, id, url)))
    }

    /// Credentials for the mirrors and profile repositories of these settings (by server id),
    /// for exactly their URLs.
    pub fn credentials(&self) -> Vec<Credential> {
        let urls = self
            .mirrors
            .iter()
            .map(|m| (m.id.as_str(), m.url.as_str()))
            .chain(
                self.repositories
                    .iter()
                    .filter_map(|r| Some((r.id.as_str(), r.url.as_deref()?))),
            );
        let mut out = Vec::new();
        for (id, url) in urls {
            if let Some((_, user, password)) = self.servers.iter().find(|s| s.0 == id) {
                out.push(crate::registry::config::basic(url, user, password));
            }
        }
        out
    }
}

/// Whether a `<mirrorOf>` matches a repository (`*`, `external:*`, `external:http:*`, ids,
/// `!id` to exclude).
fn matches(mirror_of: &str, id: &str, url: &str) -> bool {
    let mut result = false;
    for pattern in mirror_of.split(',').map(str::trim) {
        if let Some(excluded) = pattern.strip_prefix('!') {
            if excluded == id {
                return false;
            }
        } else if pattern == id
            || pattern == "*"
            || (pattern == "external:*" && is_external(url))
            || (pattern == "external:http:*" && is_external(url) && url.starts_with("http://"))
        {
            result = true;
        }
    }
    result
}

/// Not on this machine (`localhost`, `127.0.0.1`, `file:`).
fn is_external(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let host = rest.split(['/', ':']).next().unwrap_or("");
    scheme != "file" && host != "localhost" && host != "127.0.0.1"
}

fn parse(text: &str, path: &Path) -> Settings {
    let from = path.display().to_string();
    let Ok(root) = crate::ecosystem::maven::xml::parse_xml(text) else {
        return Settings::default();
    };
    let mut settings = Settings {
        active_profiles: root
            .items("activeProfiles", "activeProfile")
            .map(|p| p.text.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        ..Settings::default()
    };
    for mirror in root.items("mirrors", "mirror") {
        let (Some(url), Some(mirror_of)) = (mirror.value("url"), mirror.value("mirrorOf")) else {
            continue;
        };
        settings.mirrors.push(Mirror {
            id: mirror.value("id").unwrap_or_default(),
            url,
            mirror_of,
            blocked: mirror.value("blocked").is_some_and(|b| b == "true"),
            from: from.clone(),
        });
    }
    for server in root.items("servers", "server") {
        let (Some(id), Some(user)) = (server.value("id"), server.value("username")) else {
            continue;
        };
        let password = server.value("password").unwrap_or_default();
        // Passwords encrypted with Maven's master password cannot be read here.
        if !password.starts_with('{') {
            settings.servers.push((id, user, password));
        }
    }
    let profiles: Vec<&Node> = root.items("profiles", "profile").collect();
    let by_default: Vec<String> = profiles
        .iter()
        .filter(|p| {
            p.child("activation")
                .and_then(|a| a.value("activeByDefault"))
                .is_some_and(|v| v == "true")
        })
        .filter_map(|p| p.value("id"))
        .collect();
    let active: Vec<String> = if settings.active_profiles.is_empty() {
        by_default
    } else {
        settings.active_profiles.clone()
    };
    for profile in profiles {
        let id = profile.value("id").unwrap_or_default();
        if !active.contains(&id) {
            continue;
        }
        for repo in profile.items("repositories", "repository") {
            let Some(url) = repo.value("url") else {
                continue;
            };
            let enabled = |what: &str| {
                repo.child(what)
                    .and_then(|e| e.value("enabled"))
                    .is_none_or(|v| v != "false")
            };
            settings.repositories.push(DeclaredRepo {
                id: repo.value("id").unwrap_or_default(),
                url: Some(url),
                releases: enabled("releases"),
                snapshots: enabled("snapshots"),
                declared_in: format!("profile `{id}` of {from}"),
                from_tree: false,
            });
        }
    }
    settings.active_profiles = active;
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_servers_and_active_profiles_are_read() {
        let xml = r#"<settings><mirrors>
            <mirror><id>nexus</id><mirrorOf>*,!internal</mirrorOf>
              <url>https://nexus.example/repository/maven-public/</url></mirror>
            <mirror><id>block</id><mirrorOf>external:http:*</mirrorOf><url>http://0.0.0.0/</url>
              <blocked>true</blocked></mirror></mirrors>
            <servers><server><id>nexus</id><username>ci</username><password>pw</password></server>
              <server><id>enc</id><username>u</username><password>{abc=}</password></server></servers>
            <profiles><profile><id>extra</id><repositories><repository><id>internal</id>
              <url>https://internal.example/maven/</url><snapshots><enabled>false</enabled></snapshots>
            </repository></repositories></profile>
            <profile><id>off</id><repositories><repository><id>x</id><url>https://x.example/</url>
            </repository></repositories></profile></profiles>
            <activeProfiles><activeProfile>extra</activeProfile></activeProfiles></settings>"#;
        let s = parse(xml, Path::new("settings.xml"));
        assert_eq!(s.mirrors.len(), 2);
        assert_eq!(s.servers.len(), 1);
        assert_eq!(s.repositories.len(), 1);
        assert!(!s.repositories[0].snapshots);
        assert_eq!(
            s.mirror_for("central", "https://repo.example/").unwrap().id,
            "nexus"
        );
        assert!(
            s.mirror_for("internal", "https://internal.example/maven/")
                .is_none()
        );
        let credentials = s.credentials();
        assert_eq!(credentials.len(), 1);
        assert_eq!(
            credentials[0].prefix,
            "https://nexus.example/repository/maven-public/"
        );
        assert!(matches("external:http:*", "x", "http://repo.example/"));
        assert!(!matches("external:http:*", "x", "http://localhost:8080/"));
        assert!(!matches("external:*", "x", "file:///tmp/repo"));
    }
}
