//! One POM as written: the parts of `<project>` that decide a dependency graph and a licence.
//!
//! Nothing is interpolated or inherited here (that is [`super::model`]); values are kept as
//! written, trimmed, with the line each element starts on for messages. Plugins, reporting and
//! the build section are not read: a plugin's dependencies are build tools, not part of the
//! product.

use super::xml::{Node, parse_xml};
use std::path::PathBuf;

/// Where a POM was read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PomFile {
    /// A file of the audited tree: its path, and the path as reports show it.
    Tree { path: PathBuf, display: String },
    /// A Maven repository: the URL it came from.
    Repository { url: String },
}

impl PomFile {
    /// The file or URL, as messages name it.
    pub(crate) fn display(&self) -> &str {
        match self {
            PomFile::Tree { display, .. } => display,
            PomFile::Repository { url } => url,
        }
    }

    pub(crate) fn tree_path(&self) -> Option<&PathBuf> {
        match self {
            PomFile::Tree { path, .. } => Some(path),
            PomFile::Repository { .. } => None,
        }
    }
}

/// A `<dependency>` (of `<dependencies>` or `<dependencyManagement>`).
#[derive(Debug, Clone, Default)]
pub(crate) struct DepDecl {
    pub(crate) group_id: Option<String>,
    pub(crate) artifact_id: Option<String>,
    pub(crate) version: Option<String>,
    /// `<type>`, default `jar`.
    pub(crate) kind: Option<String>,
    pub(crate) classifier: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) optional: Option<String>,
    pub(crate) system_path: Option<String>,
    pub(crate) exclusions: Vec<ExclusionDecl>,
    pub(crate) line: usize,
    pub(crate) version_line: Option<usize>,
    /// The profile that declares it, for messages.
    pub(crate) profile: Option<String>,
}

impl DepDecl {
    fn from_node(node: &Node, profile: Option<&str>) -> DepDecl {
        DepDecl {
            group_id: node.value("groupId"),
            artifact_id: node.value("artifactId"),
            version: node.value("version"),
            kind: node.value("type"),
            classifier: node.value("classifier"),
            scope: node.value("scope"),
            optional: node.value("optional"),
            system_path: node.value("systemPath"),
            exclusions: node
                .items("exclusions", "exclusion")
                .map(|e| ExclusionDecl {
                    group_id: e.value("groupId").unwrap_or_else(|| "*".to_string()),
                    artifact_id: e.value("artifactId").unwrap_or_else(|| "*".to_string()),
                })
                .collect(),
            line: node.line,
            version_line: node.child("version").map(|v| v.line),
            profile: profile.map(str::to_string),
        }
    }

    /// The key under which Maven merges and manages dependencies, as written:
    /// groupId:artifactId:type[:classifier].
    pub(crate) fn raw_key(&self) -> (String, String, String, String) {
        (
            self.group_id.clone().unwrap_or_default(),
            self.artifact_id.clone().unwrap_or_default(),
            self.kind.clone().unwrap_or_else(|| "jar".to_string()),
            self.classifier.clone().unwrap_or_default(),
        )
    }
}

/// An `<exclusion>`; `*` stands for any groupId or artifactId.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ExclusionDecl {
    pub(crate) group_id: String,
    pub(crate) artifact_id: String,
}

/// A `<repository>`.
#[derive(Debug, Clone)]
pub(crate) struct RepoDecl {
    pub(crate) id: String,
    pub(crate) url: String,
    /// `<releases><enabled>`, as written (default true).
    pub(crate) releases: Option<String>,
    /// `<snapshots><enabled>`, as written (default true).
    pub(crate) snapshots: Option<String>,
    pub(crate) line: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct ParentRef {
    pub(crate) group_id: Option<String>,
    pub(crate) artifact_id: Option<String>,
    pub(crate) version: Option<String>,
    /// `None`: not given (Maven's default `../pom.xml`); `Some("")`: repository only.
    pub(crate) relative_path: Option<String>,
    pub(crate) line: usize,
}

impl ParentRef {
    pub(crate) fn coordinates(&self) -> String {
        format!(
            "{}:{}:{}",
            self.group_id.as_deref().unwrap_or("?"),
            self.artifact_id.as_deref().unwrap_or("?"),
            self.version.as_deref().unwrap_or("?")
        )
    }
}

/// A POM's `<license>` element (also read from registry POMs by src/registry/maven).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct License {
    pub(crate) name: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) comments: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct ModuleRef {
    pub(crate) path: String,
    pub(crate) line: usize,
    pub(crate) profile: Option<String>,
}

/// `<distributionManagement><relocation>`: what is left out stays as it is.
#[derive(Debug, Clone, Default)]
pub(crate) struct Relocation {
    pub(crate) group_id: Option<String>,
    pub(crate) artifact_id: Option<String>,
    pub(crate) version: Option<String>,
}

/// What the project or one profile contributes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Section {
    /// `<properties>`, in order.
    pub(crate) properties: Vec<(String, String)>,
    pub(crate) dependencies: Vec<DepDecl>,
    /// `<dependencyManagement>`.
    pub(crate) management: Vec<DepDecl>,
    pub(crate) repositories: Vec<RepoDecl>,
    pub(crate) modules: Vec<ModuleRef>,
}

impl Section {
    fn from_node(node: &Node, profile: Option<&str>) -> Section {
        Section {
            properties: node
                .child("properties")
                .map(|p| {
                    p.children
                        .iter()
                        .map(|c| (c.name.clone(), c.text.trim().to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            dependencies: node
                .items("dependencies", "dependency")
                .map(|d| DepDecl::from_node(d, profile))
                .collect(),
            management: node
                .child("dependencyManagement")
                .map(|m| {
                    m.items("dependencies", "dependency")
                        .map(|d| DepDecl::from_node(d, profile))
                        .collect()
                })
                .unwrap_or_default(),
            repositories: node
                .items("repositories", "repository")
                .filter_map(|r| {
                    Some(RepoDecl {
                        id: r.value("id").unwrap_or_default(),
                        url: r.value("url")?,
                        releases: r.child("releases").and_then(|x| x.value("enabled")),
                        snapshots: r.child("snapshots").and_then(|x| x.value("enabled")),
                        line: r.line,
                    })
                })
                .collect(),
            modules: node
                .items("modules", "module")
                .filter(|m| !m.text.trim().is_empty())
                .map(|m| ModuleRef {
                    path: m.text.trim().to_string(),
                    line: m.line,
                    profile: profile.map(str::to_string),
                })
                .collect(),
        }
    }
}

/// `<activation>` of a profile.
#[derive(Debug, Clone, Default)]
pub(crate) struct Activation {
    pub(crate) active_by_default: bool,
    pub(crate) jdk: Option<String>,
    pub(crate) os: Option<OsCondition>,
    /// The property's name (`!name` negates) and the value it must have, if any (`!value`
    /// negates).
    pub(crate) property: Option<(String, Option<String>)>,
    pub(crate) file_exists: Option<String>,
    pub(crate) file_missing: Option<String>,
}

impl Activation {
    /// Whether any condition besides `activeByDefault` is given.
    pub(crate) fn has_conditions(&self) -> bool {
        self.jdk.is_some()
            || self.os.is_some()
            || self.property.is_some()
            || self.file_exists.is_some()
            || self.file_missing.is_some()
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct OsCondition {
    pub(crate) name: Option<String>,
    pub(crate) family: Option<String>,
    pub(crate) arch: Option<String>,
    pub(crate) version: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub(crate) id: String,
    pub(crate) line: usize,
    pub(crate) activation: Option<Activation>,
    pub(crate) section: Section,
}

/// One POM, as written.
#[derive(Debug, Clone)]
pub struct Pom {
    pub(crate) file: PomFile,
    /// The line of `<project>`.
    pub(crate) line: usize,
    pub(crate) group_id: Option<String>,
    pub(crate) artifact_id: Option<String>,
    pub(crate) artifact_line: usize,
    pub(crate) version: Option<String>,
    pub(crate) version_line: Option<usize>,
    pub(crate) packaging: Option<String>,
    pub(crate) parent: Option<ParentRef>,
    pub(crate) own: Section,
    pub(crate) profiles: Vec<Profile>,
    pub(crate) licenses: Vec<License>,
    pub(crate) relocation: Option<Relocation>,
    /// The POM carries Gradle's marker (`<!-- do_not_remove: published-with-gradle-metadata
    /// -->`): a `.module` file beside it describes the module, and Gradle reads that instead.
    pub(crate) gradle_metadata: bool,
}

/// The comment Gradle writes into the POMs it publishes together with Gradle Module Metadata.
pub(crate) const GRADLE_METADATA_MARKER: &str = "do_not_remove: published-with-gradle-metadata";

/// Why a text is not a POM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotAPom {
    /// In English, after the file's name ("is not a Maven POM: …").
    pub(crate) message: String,
    /// In translatable form.
    pub(crate) text: crate::diagnostic::Text,
    pub(crate) line: usize,
}

impl NotAPom {
    fn new(text: crate::diagnostic::Text, line: usize) -> Self {
        NotAPom {
            message: text.english(),
            text,
            line,
        }
    }
}

impl Pom {
    /// Parses a POM's text; `file` is where it came from.
    pub(crate) fn parse(text: &str, file: PomFile) -> Result<Pom, NotAPom> {
        let root = parse_xml(text).map_err(|err| {
            NotAPom::new(
                crate::diagnostic::Text::new("pom_not_xml").sub("problem", err.text),
                err.line,
            )
        })?;
        if root.name != "project" {
            let text = if root.name.eq_ignore_ascii_case("html") {
                crate::diagnostic::Text::new("pom_root_html")
            } else {
                crate::text!("pom_root_not_project", root = root.name)
            };
            return Err(NotAPom::new(text, root.line));
        }
        let mut pom = Pom::from_node(file, &root);
        pom.gradle_metadata = text.contains(GRADLE_METADATA_MARKER);
        Ok(pom)
    }

    fn from_node(file: PomFile, project: &Node) -> Pom {
        let parent = project.child("parent").map(|p| ParentRef {
            group_id: p.value("groupId"),
            artifact_id: p.value("artifactId"),
            version: p.value("version"),
            relative_path: p.child("relativePath").map(|r| r.text.trim().to_string()),
            line: p.line,
        });
        let profiles = project
            .items("profiles", "profile")
            .map(|profile| {
                let id = profile
                    .value("id")
                    .unwrap_or_else(|| format!("(line {})", profile.line));
                Profile {
                    activation: profile.child("activation").map(activation),
                    section: Section::from_node(profile, Some(&id)),
                    id,
                    line: profile.line,
                }
            })
            .collect();
        Pom {
            file,
            line: project.line,
            group_id: project.value("groupId"),
            artifact_id: project.value("artifactId"),
            artifact_line: project.child("artifactId").map_or(project.line, |a| a.line),
            version: project.value("version"),
            version_line: project.child("version").map(|v| v.line),
            packaging: project.value("packaging"),
            parent,
            own: Section::from_node(project, None),
            profiles,
            licenses: project
                .items("licenses", "license")
                .map(|l| License {
                    name: l.value("name"),
                    url: l.value("url"),
                    comments: l.value("comments"),
                })
                .collect(),
            relocation: project
                .child("distributionManagement")
                .and_then(|d| d.child("relocation"))
                .map(|r| Relocation {
                    group_id: r.value("groupId"),
                    artifact_id: r.value("artifactId"),
                    version: r.value("version"),
                }),
            gradle_metadata: false,
        }
    }

    /// Every section in effect when the profiles `active` (indices) are: the POM's own, then the
    /// profiles' in their order.
    pub(crate) fn sections<'a>(&'a self, active: &'a [usize]) -> impl Iterator<Item = &'a Section> {
        std::iter::once(&self.own).chain(active.iter().map(|&i| &self.profiles[i].section))
    }
}

fn activation(node: &Node) -> Activation {
    Activation {
        active_by_default: node
            .value("activeByDefault")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        jdk: node.value("jdk"),
        os: node.child("os").map(|os| OsCondition {
            name: os.value("name"),
            family: os.value("family"),
            arch: os.value("arch"),
            version: os.value("version"),
        }),
        property: node
            .child("property")
            .and_then(|p| Some((p.value("name")?, p.value("value")))),
        file_exists: node.child("file").and_then(|f| f.value("exists")),
        file_missing: node.child("file").and_then(|f| f.value("missing")),
    }
}

/// The licences of `<licenses>` as one declared string: several `<license>` elements are all
/// applicable (AND) unless a comment offers a choice between them ("dual licensed", "either",
/// "at your option"), then OR. Raw names (or the URL, see [`licence_term`]) are kept for
/// fundament's licence reading. The same rule serves POMs from a registry (src/registry/maven).
pub(crate) fn licence_expression(licenses: &[License]) -> Option<String> {
    let terms: Vec<&str> = licenses.iter().filter_map(licence_term).collect();
    if terms.is_empty() {
        return None;
    }
    let choice = licenses.len() > 1
        && licenses.iter().any(|l| {
            l.comments.as_deref().is_some_and(|c| {
                let c = c.to_lowercase();
                [
                    "dual",
                    "either",
                    "choice",
                    "choose",
                    "at your option",
                    "alternative",
                ]
                .iter()
                .any(|cue| c.contains(cue))
            })
        });
    Some(terms.join(if choice { " OR " } else { " AND " }))
}

/// The text of one `<license>` to read: its name, unless the name cannot be read without
/// guessing ("LGPL 2", "GNU Lesser General Public License") while its `<url>` is a licence URL
/// that names one licence (`.../old-licenses/lgpl-2.1.html`): then the URL, which is the more
/// precise statement. A name that reads exactly wins over any URL.
fn licence_term(licence: &License) -> Option<&str> {
    use crate::licence::expression::{Reading, interpret};
    let name = licence
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let url = licence
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    let Some(name) = name else {
        return url;
    };
    let read = interpret(name);
    if read.expression.is_some() && !read.assumed {
        return Some(name);
    }
    // Read as a URL means read as the one licence the URL names.
    match url {
        Some(url) if interpret(url).reading == Reading::Url => Some(url),
        _ => Some(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> PomFile {
        PomFile::Repository {
            url: "https://maven.registry.example/x.pom".into(),
        }
    }

    #[test]
    fn a_pom_gives_its_sections_profiles_and_relocation() {
        let pom = Pom::parse(
            r#"<?xml version="1.0"?>
            <project xmlns="http://maven.apache.org/POM/4.0.0">
              <parent><groupId>g</groupId><artifactId>p</artifactId><version>1</version><relativePath/></parent>
              <artifactId>a</artifactId>
              <properties><x.version>1.2</x.version></properties>
              <dependencies>
                <dependency><groupId>g</groupId><artifactId>b</artifactId><version>${x.version}</version>
                  <type>test-jar</type><scope>test</scope>
                  <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>
                </dependency>
              </dependencies>
              <profiles><profile><id>jdk</id><activation><jdk>[11,)</jdk></activation>
                <dependencies><dependency><groupId>g</groupId><artifactId>c</artifactId></dependency></dependencies>
              </profile></profiles>
              <repositories><repository><id>r</id><url>https://maven.registry.example/r</url>
                <snapshots><enabled>false</enabled></snapshots></repository></repositories>
              <distributionManagement><relocation><groupId>h</groupId></relocation></distributionManagement>
            </project>"#,
            file(),
        )
        .unwrap();
        assert_eq!(
            pom.parent.as_ref().unwrap().relative_path.as_deref(),
            Some("")
        );
        assert_eq!(pom.own.properties, vec![("x.version".into(), "1.2".into())]);
        let dep = &pom.own.dependencies[0];
        assert_eq!(
            dep.raw_key(),
            ("g".into(), "b".into(), "test-jar".into(), "".into())
        );
        assert_eq!(dep.exclusions[0].group_id, "*");
        assert_eq!(
            pom.profiles[0].activation.as_ref().unwrap().jdk.as_deref(),
            Some("[11,)")
        );
        assert_eq!(
            pom.profiles[0].section.dependencies[0].profile.as_deref(),
            Some("jdk")
        );
        assert_eq!(pom.own.repositories[0].snapshots.as_deref(), Some("false"));
        assert_eq!(pom.relocation.unwrap().group_id.as_deref(), Some("h"));
    }

    #[test]
    fn html_and_broken_xml_are_not_poms() {
        let html = Pom::parse("<html><body>Sign in</body></html>", file()).unwrap_err();
        assert!(html.message.contains("an HTML page"), "{}", html.message);
        let broken = Pom::parse("<project>\n<a></b>", file()).unwrap_err();
        assert!(
            broken.message.contains("not well-formed"),
            "{}",
            broken.message
        );
        assert_eq!(broken.line, 2);
    }

    /// A name that reads only by guessing gives way to a licence URL naming one licence; a
    /// name that reads exactly is kept whatever the URL; an unreadable URL leaves the name.
    #[test]
    fn the_url_settles_a_name_that_would_have_to_guess() {
        let licence = |name: Option<&str>, url: Option<&str>| License {
            name: name.map(str::to_string),
            url: url.map(str::to_string),
            comments: None,
        };
        // freehep: "LGPL 2" with the LGPL 2.1 text's URL.
        let freehep = [
            licence(
                Some("Apache 2"),
                Some("http://www.apache.org/licenses/LICENSE-2.0.txt"),
            ),
            licence(
                Some("LGPL 2"),
                Some("http://www.gnu.org/licenses/lgpl-2.1.txt"),
            ),
        ];
        let raw = licence_expression(&freehep).unwrap();
        assert_eq!(raw, "Apache 2 AND http://www.gnu.org/licenses/lgpl-2.1.txt");
        let read = crate::licence::expression::interpret(&raw);
        assert_eq!(
            read.expression.as_deref(),
            Some("Apache-2.0 AND LGPL-2.1-only")
        );
        // logback: an unversioned LGPL name, the URL of LGPL 2.1.
        let logback = [licence(
            Some("GNU Lesser General Public License"),
            Some("https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html"),
        )];
        assert_eq!(
            licence_expression(&logback).as_deref(),
            Some("https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html")
        );
        // An exact name wins over its URL ("or later" is not in the URL).
        let hibernate = [licence(
            Some("GNU Library General Public License v2.1 or later"),
            Some("https://www.opensource.org/licenses/LGPL-2.1"),
        )];
        assert_eq!(
            licence_expression(&hibernate).as_deref(),
            Some("GNU Library General Public License v2.1 or later")
        );
        // No licence URL: the name stays, unread or assumed as it is.
        let bare = [licence(
            Some("GPL"),
            Some("https://project.example/licence"),
        )];
        assert_eq!(licence_expression(&bare).as_deref(), Some("GPL"));
        // A name that reads exactly stays, whatever the URL.
        let oracle = [licence(
            Some("Oracle Free Use Terms and Conditions (FUTC)"),
            Some("https://www.oracle.com/downloads/licenses/oracle-free-license.html"),
        )];
        assert_eq!(
            licence_expression(&oracle).as_deref(),
            Some("Oracle Free Use Terms and Conditions (FUTC)")
        );
        assert_eq!(
            licence_expression(&[licence(None, Some(" https://x.example/l "))]).as_deref(),
            Some("https://x.example/l")
        );
    }
}
