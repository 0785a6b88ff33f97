//! Maven repositories (Maven Central's layout, which Nexus, Artifactory and every mirror serve):
//! the POM of `groupId:artifactId:version` at
//! `<repository>/<groupId with / for .>/<artifactId>/<version>/<artifactId>-<version>.pom`, tried
//! in each configured repository in turn while they answer 404.
//!
//! Its `<licenses>` are the licence: several `<license>` elements all apply (AND) unless a
//! comment offers a choice (OR), names kept as written for fundament's licence reading — as the
//! Maven reader does for the project's own POMs. A POM without `<licenses>` inherits them: its
//! `<parent>`'s POM is read, and so on up the chain (at most [`MAX_CHAIN`] POMs, a loop is an
//! error). A POM that only relocates its artefact (`<distributionManagement><relocation>`) is
//! followed to the artefact it names.

pub mod installation;
pub mod repository;
pub mod settings;

use super::config::Endpoint;
use super::http::{Http, HttpError};
use super::{Client, Found, FoundLicence, LookupError};
use crate::ecosystem::maven::{Pom, PomFile, licence_expression};
use crate::model::Package;

/// The most POMs read for one package (the artefact's, its relocations and its parents').
pub const MAX_CHAIN: usize = 12;

const POM_ACCEPT: &str = "application/xml, text/xml;q=0.9, */*;q=0.1";

pub struct Maven<'a> {
    /// The repositories, in the order to try them (the stage's endpoint is the first).
    pub repositories: &'a [Endpoint],
}

/// `groupId:artifactId:version`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Gav {
    group: String,
    artifact: String,
    version: String,
}

impl std::fmt::Display for Gav {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.group, self.artifact, self.version)
    }
}

impl Gav {
    /// The POM's path in a repository; `None` when a coordinate could leave its directory.
    fn pom_path(&self) -> Option<String> {
        let plain = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && !s.contains(['/', '\\', '?', '#', '%'])
                && !s.chars().any(char::is_whitespace)
        };
        if !plain(&self.artifact) || !plain(&self.version) || !self.group.split('.').all(plain) {
            return None;
        }
        Some(format!(
            "{}/{a}/{v}/{a}-{v}.pom",
            self.group.replace('.', "/"),
            a = self.artifact,
            v = self.version
        ))
    }
}

/// How the POM being read relates to the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Own,
    Relocated,
    Inherited,
}

impl Client for Maven<'_> {
    fn lookup(&self, http: &Http, endpoint: &str, package: &Package) -> Result<Found, LookupError> {
        let Some((group, artifact)) = package.name.split_once(':') else {
            return Err(LookupError::Invalid(format!(
                "`{}` is not a Maven groupId:artifactId",
                package.name
            )));
        };
        let first = Gav {
            group: group.to_string(),
            artifact: artifact.to_string(),
            version: package.version.clone(),
        };
        // The repository the package came from (or the first configured), then the others.
        let mut repositories: Vec<&str> = vec![endpoint];
        for other in self.repositories {
            if !repositories.contains(&other.url.as_str()) {
                repositories.push(&other.url);
            }
        }
        let mut chain: Vec<Gav> = Vec::new();
        let mut current = first.clone();
        let mut via = Via::Own;
        loop {
            if chain.contains(&current) {
                let path: Vec<String> = chain.iter().map(Gav::to_string).collect();
                return Err(LookupError::Invalid(format!(
                    "the POMs of {first} loop: {} → {current}",
                    path.join(" → ")
                )));
            }
            if chain.len() >= MAX_CHAIN {
                return Err(LookupError::Invalid(format!(
                    "the parent chain of {first} is longer than {MAX_CHAIN} POMs"
                )));
            }
            chain.push(current.clone());
            let (url, pom) = fetch(http, &repositories, &current)?;
            if let Some(raw) = licence_expression(&pom.licenses) {
                let field = match via {
                    Via::Own => "licenses".to_string(),
                    Via::Relocated => format!("licenses (relocated to {current})"),
                    Via::Inherited => format!("licenses (inherited from {current})"),
                };
                return Ok(Found {
                    licences: vec![FoundLicence { raw, url, field }],
                    dir: None,
                });
            }
            let relocation = pom
                .relocation
                .clone()
                .map(|r| (r.group_id, r.artifact_id, r.version));
            let parent = pom
                .parent
                .clone()
                .map(|p| (p.group_id, p.artifact_id, p.version));
            let (next, how, what) = match (relocation, parent) {
                (Some(to), _) => (to, Via::Relocated, "relocation"),
                (None, Some(parent)) => (parent, Via::Inherited, "parent"),
                (None, None) => {
                    return Ok(Found {
                        licences: Vec::new(),
                        dir: None,
                    });
                }
            };
            // A relocation may leave out what stays the same; a parent must name all three.
            let fill = |value: Option<String>, same: &str| match value {
                Some(v) if !v.trim().is_empty() => Some(v.trim().to_string()),
                _ if how == Via::Relocated => Some(same.to_string()),
                _ => None,
            };
            let (Some(group), Some(artifact), Some(version)) = (
                fill(next.0, &current.group),
                fill(next.1, &current.artifact),
                fill(next.2, &current.version),
            ) else {
                return Err(LookupError::Invalid(format!(
                    "{url}: the {what} is not fully named (groupId, artifactId and version)"
                )));
            };
            let next = Gav {
                group,
                artifact,
                version,
            };
            if next.to_string().contains("${") {
                return Err(LookupError::Invalid(format!(
                    "{url}: the {what} `{next}` uses a property; a published POM names it \
                     literally"
                )));
            }
            // Once inherited, the licence is the ancestor's, whatever else follows.
            if via != Via::Inherited {
                via = how;
            }
            current = next;
        }
    }
}

/// The repository base of an artefact's URL as the Maven reader records it
/// (`<repository>/<group path>/<artifact>/<version>/<file>`), for `group:artifact` at `version`.
pub fn repository_of(url: &str, name: &str, version: &str) -> Option<String> {
    let (group, artifact) = name.split_once(':')?;
    let dir = format!("/{}/{artifact}/{version}/", group.replace('.', "/"));
    let at = url.rfind(&dir)?;
    Some(url[..at].to_string())
}

/// The POM of `gav` from the first repository that has it.
fn fetch(http: &Http, repositories: &[&str], gav: &Gav) -> Result<(String, Pom), LookupError> {
    let Some(path) = gav.pom_path() else {
        return Err(LookupError::Invalid(format!(
            "`{gav}` is not a valid Maven coordinate"
        )));
    };
    let mut missing = Vec::new();
    let mut failure: Option<HttpError> = None;
    for repository in repositories {
        let url = format!("{}/{path}", repository.trim_end_matches('/'));
        match http.get(&url, POM_ACCEPT) {
            Ok(fetched) => return parse(&url, &fetched.body).map(|pom| (url, pom)),
            Err(HttpError::NotFound { .. }) => missing.push(url),
            Err(err) => {
                failure.get_or_insert(err);
            }
        }
    }
    if let Some(err) = failure {
        if missing.is_empty() {
            return Err(err.into());
        }
        // The repositories that answer do not have it: that is the package's own answer, not
        // only the host that failed (which alone would suggest nothing else was asked).
        return Err(LookupError::Missing(format!(
            "no repository that answers has the POM of {gav} (404 from {}); {err}",
            missing.join(", ")
        )));
    }
    Err(LookupError::Said(crate::text!(
        "lookup_no_pom",
        gav = gav,
        urls = missing.join(", ")
    )))
}

fn parse(url: &str, body: &[u8]) -> Result<Pom, LookupError> {
    let text = crate::ecosystem::maven::decode(body.to_vec());
    // A login page or an error page served with 200 is not a POM without licences.
    Pom::parse(
        &text,
        PomFile::Repository {
            url: url.to_string(),
        },
    )
    .map_err(|err| LookupError::Invalid(format!("{url} {}", err.message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_of_a_recorded_artefact_url() {
        assert_eq!(
            repository_of(
                "https://maven.registry.example/maven2/org/slf4j/slf4j-api/2.0.9/slf4j-api-2.0.9.jar",
                "org.slf4j:slf4j-api",
                "2.0.9"
            )
            .as_deref(),
            Some("https://maven.registry.example/maven2")
        );
        assert_eq!(
            repository_of("https://x.example/a.jar", "org.slf4j:slf4j-api", "2.0.9"),
            None
        );
    }

    #[test]
    fn pom_paths_follow_the_repository_layout() {
        let gav = Gav {
            group: "org.slf4j".into(),
            artifact: "slf4j-api".into(),
            version: "2.0.9".into(),
        };
        assert_eq!(
            gav.pom_path().as_deref(),
            Some("org/slf4j/slf4j-api/2.0.9/slf4j-api-2.0.9.pom")
        );
        for (group, artifact, version) in [
            ("org..evil", "a", "1"),
            ("org", "../a", "1"),
            ("org", "a", ".."),
            ("org", "a", "1 2"),
            ("", "a", "1"),
        ] {
            let gav = Gav {
                group: group.into(),
                artifact: artifact.into(),
                version: version.into(),
            };
            assert_eq!(gav.pom_path(), None, "{gav}");
        }
    }

    #[test]
    fn poms_give_parent_licences_and_relocation() {
        let pom = parse(
            "u",
            br#"<?xml version="1.0" encoding="UTF-8"?>
            <project xmlns="http://maven.apache.org/POM/4.0.0">
              <modelVersion>4.0.0</modelVersion>
              <parent>
                <groupId>org.example</groupId>
                <artifactId>parent</artifactId>
                <version>3</version>
                <relativePath>../pom.xml</relativePath>
              </parent>
              <artifactId>lib</artifactId>
              <build><plugins><plugin><configuration><licenses>x</licenses></configuration></plugin></plugins></build>
              <licenses>
                <license><name>Apache License, Version 2.0 &amp; more</name></license>
                <license>
                  <name/>
                  <url>https://www.eclipse.org/legal/epl-2.0/</url>
                </license>
              </licenses>
              <distributionManagement><relocation><groupId>org.new</groupId></relocation></distributionManagement>
            </project>"#,
        )
        .unwrap();
        let parent = pom.parent.unwrap();
        assert_eq!(parent.artifact_id.as_deref(), Some("parent"));
        assert_eq!(
            licence_expression(&pom.licenses).as_deref(),
            Some("Apache License, Version 2.0 & more AND https://www.eclipse.org/legal/epl-2.0/")
        );
        let relocation = pom.relocation.unwrap();
        assert_eq!(relocation.group_id.as_deref(), Some("org.new"));
        assert_eq!(relocation.artifact_id, None);
        assert!(parse("u", b"<html><body>login</body></html>").is_err());
        assert!(parse("u", b"not xml <<<").is_err());
    }

    #[test]
    fn a_comment_offering_a_choice_makes_or() {
        use crate::ecosystem::maven::pom::License;
        let licence = |name: &str, comments: Option<&str>| License {
            name: Some(name.into()),
            url: None,
            comments: comments.map(str::to_string),
        };
        assert_eq!(
            licence_expression(&[
                licence("EPL-2.0", Some("dual licensed, at your option")),
                licence("GPL-2.0-only WITH Classpath-exception-2.0", None),
            ])
            .as_deref(),
            Some("EPL-2.0 OR GPL-2.0-only WITH Classpath-exception-2.0")
        );
        assert_eq!(licence_expression(&[]), None);
    }
}
