//! The POMs of the audited tree: read once each through the confined reader, and found by path
//! (`<module>`, `<relativePath>`) or by coordinates (a parent or BOM elsewhere in the tree).

use super::pom::{Pom, PomFile};
use crate::diagnostic::{Code, Finding};
use crate::discover::TreeFiles;
use crate::source::{Confined, Limit};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Coordinates as they identify a POM: groupId, artifactId, version.
pub(crate) type Coordinates = (String, String, String);

/// A POM of the tree as read: the POM, or the finding that says why not.
type ReadPom = Result<Arc<Pom>, Box<Finding>>;

pub(crate) struct TreePoms<'a> {
    pub(crate) input: &'a Confined,
    root: &'a Path,
    files: Option<&'a TreeFiles>,
    poms: Mutex<HashMap<PathBuf, ReadPom>>,
    by_coordinates: Mutex<Option<HashMap<Coordinates, Vec<PathBuf>>>>,
}

impl std::fmt::Debug for TreePoms<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreePoms")
            .field("root", &self.root)
            .finish()
    }
}

impl<'a> TreePoms<'a> {
    pub(crate) fn new(input: &'a Confined, root: &'a Path, files: Option<&'a TreeFiles>) -> Self {
        TreePoms {
            input,
            root,
            files,
            poms: Mutex::new(HashMap::new()),
            by_coordinates: Mutex::new(None),
        }
    }

    /// `path` relative to the audited root, for reports.
    pub(crate) fn display(&self, path: &Path) -> String {
        crate::discover::relative(self.root, path)
    }

    /// The POM at `path` (read once).
    pub(crate) fn load(&self, path: &Path) -> Result<Arc<Pom>, Box<Finding>> {
        if let Some(done) = self.poms.lock().ok().and_then(|m| m.get(path).cloned()) {
            return done;
        }
        let display = self.display(path);
        let result = self
            .input
            .read(path, Limit::MANIFEST)
            .map_err(|refusal| Box::new(Finding::refused(&refusal)))
            .and_then(|bytes| {
                let text = super::xml::decode(bytes);
                let file = PomFile::Tree {
                    path: path.to_path_buf(),
                    display: display.clone(),
                };
                Pom::parse(&text, file).map_err(|err| {
                    Box::new(
                        Finding::error(
                            Code::InputUnreadable,
                            crate::text!("pom_file_unreadable", file = display)
                                .sub("problem", err.text),
                        )
                        .at(display.clone(), Some(err.line)),
                    )
                })
            })
            .map(Arc::new);
        if let Ok(mut poms) = self.poms.lock() {
            poms.insert(path.to_path_buf(), result.clone());
        }
        result
    }

    /// The POMs of the audited tree with these coordinates (their own, with their parent's
    /// groupId and version where they name none, and with their own properties), and, as a
    /// CI-friendly `${revision}` parent version is matched by the same text, as written.
    pub(crate) fn by_coordinates(&self, wanted: &Coordinates) -> Vec<Arc<Pom>> {
        let Some(files) = self.files else {
            return Vec::new();
        };
        let needs_index = self
            .by_coordinates
            .lock()
            .map(|i| i.is_none())
            .unwrap_or(false);
        if needs_index {
            let mut index: HashMap<Coordinates, Vec<PathBuf>> = HashMap::new();
            for path in files.named("pom.xml") {
                let path = normalise(&path);
                // POMs that cannot be read are reported where they are used, not here.
                if let Ok(pom) = self.load(&path) {
                    let own = own_coordinates(&pom);
                    let raw = raw_coordinates(&pom);
                    if raw != own {
                        index.entry(raw).or_default().push(path.clone());
                    }
                    index.entry(own).or_default().push(path);
                }
            }
            if let Ok(mut slot) = self.by_coordinates.lock() {
                *slot = Some(index);
            }
        }
        let paths = self
            .by_coordinates
            .lock()
            .ok()
            .and_then(|index| index.as_ref().and_then(|i| i.get(wanted).cloned()))
            .unwrap_or_default();
        paths.iter().filter_map(|p| self.load(p).ok()).collect()
    }

    /// Whether `path` exists in the audited tree (for `<file>` activation): `None` when it
    /// leads outside.
    pub(crate) fn exists(&self, path: &Path) -> Option<bool> {
        match self.input.resolve(path) {
            Ok(_) => Some(true),
            Err(refusal) if refusal.is_missing() => Some(false),
            Err(_) => None,
        }
    }
}

/// A POM's coordinates as written, with its parent's groupId and version where it has none.
pub(crate) fn raw_coordinates(pom: &Pom) -> Coordinates {
    let parent = pom.parent.as_ref();
    (
        pom.group_id
            .clone()
            .or_else(|| parent.and_then(|p| p.group_id.clone()))
            .unwrap_or_default(),
        pom.artifact_id.clone().unwrap_or_default(),
        pom.version
            .clone()
            .or_else(|| parent.and_then(|p| p.version.clone()))
            .unwrap_or_default(),
    )
}

/// A POM's own coordinates, interpolated with its own properties.
pub(crate) fn own_coordinates(pom: &Pom) -> Coordinates {
    let (group, artifact, version) = raw_coordinates(pom);
    let model = pom.own.properties.iter().cloned().collect();
    let values = super::interpolate::ProjectValues {
        group_id: Some(group.clone()),
        artifact_id: Some(artifact.clone()),
        version: Some(version.clone()),
        ..Default::default()
    };
    let props = super::interpolate::Properties::new(&values, model, &HashMap::new());
    (
        props.value(&group),
        props.value(&artifact),
        props.value(&version),
    )
}

/// `a/b/../c` → `a/c`, without touching the file system (discovery never follows symbolic
/// links, so the tree's paths are lexical too).
pub(crate) fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The POM a `<module>` or `<relativePath>` names: a file, or a directory holding `pom.xml`.
pub(crate) fn pom_at(dir: &Path, relative: &str) -> PathBuf {
    let joined = normalise(&dir.join(relative.trim()));
    let is_file = joined
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
        && !joined.is_dir();
    if is_file {
        joined
    } else {
        joined.join("pom.xml")
    }
}
