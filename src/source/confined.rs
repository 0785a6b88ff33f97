//! The one way into the audited tree.
//!
//! The audited repository is hostile input: it may hold symbolic links out of the tree, FIFOs
//! and device files under the names fundament reads, sparse files of gigabytes, and lockfiles
//! whose keys or fields name `../../x` or `/abs/x`. Every read of one of its files goes through
//! a [`Confined`] directory, which:
//!
//! 1. resolves the path, symbolic links included, and refuses anything that ends up outside the
//!    directory, whoever named the path (the walk, a lockfile key, a manifest field, an include);
//! 2. refuses anything that is not a regular file (FIFO, socket, device, directory) by looking at
//!    the resolved path's metadata before opening it, opens without following a last link and
//!    without blocking (`O_NONBLOCK`), and checks the opened handle again (same file, still
//!    regular, still inside);
//! 3. checks the size against a cap per kind of file ([`Limit`]) before reading, and reads
//!    through a reader that stops one byte past the cap, so a file that grows meanwhile is
//!    refused too;
//! 4. says in its [`Refusal`] what was refused and why, and never carries a byte of the file.
//!
//! Files fundament reads that do not belong to the audited tree but are just as untrusted
//! (an index's `config.json` and record files, caches of downloaded packages, user
//! configuration) are read with [`read_bounded`]: the same regular-file-only, non-blocking,
//! size-capped reading, without the confinement.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

/// How much fundament reads of one kind of file, at most. The caps are documented in
/// docs/guide.md ("Hostile input"); a file over its cap is refused, not cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The largest size read, in bytes.
    pub bytes: u64,
    /// The kind of file, for messages ("lockfiles").
    pub what: &'static str,
}

impl Limit {
    /// Manifests and build files: Cargo.toml, package.json, pyproject.toml, requirements files,
    /// go.mod, pom.xml, Gradle build files and version catalogs, composer.json, Pipfile,
    /// pnpm-workspace.yaml, an installed package's metadata.
    pub const MANIFEST: Limit = Limit {
        bytes: 16 << 20,
        what: "manifests",
    };
    /// Lockfiles and module lists: package-lock.json, yarn.lock, pnpm-lock.yaml, Cargo.lock,
    /// go.sum, vendor/modules.txt, poetry.lock, uv.lock, Pipfile.lock, composer.lock,
    /// gradle.lockfile, Composer's installed.json.
    pub const LOCKFILE: Limit = Limit {
        bytes: 256 << 20,
        what: "lockfiles",
    };
    /// SBOM files (CycloneDX, SPDX), in the tree or given with `--sbom`.
    pub const SBOM: Limit = Limit {
        bytes: 256 << 20,
        what: "SBOMs",
    };
    /// Licence and notice files of packages and of the project.
    pub const LICENCE: Limit = Limit {
        bytes: 1 << 20,
        what: "licence files",
    };
    /// Small statements at the root and configuration: publiccode.yml, REUSE.toml,
    /// .reuse/dep5, fundament.toml, .npmrc, a user's client configuration, PEM files.
    pub const CONFIG: Limit = Limit {
        bytes: 1 << 20,
        what: "configuration files",
    };
    /// A policy file given with `--policy`, or a policy to import.
    pub const POLICY: Limit = Limit {
        bytes: 4 << 20,
        what: "policy files",
    };
    /// An index's `config.json`.
    pub const INDEX_CONFIG: Limit = Limit {
        bytes: 1 << 20,
        what: "index configuration files",
    };
    /// An index record file (one component, one line per reviewed version).
    pub const INDEX_RECORD: Limit = Limit {
        bytes: 64 << 20,
        what: "index record files",
    };
}

/// What a non-regular file is, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialKind {
    Directory,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    Other,
}

impl SpecialKind {
    fn of(meta: &Metadata) -> Option<SpecialKind> {
        let kind = meta.file_type();
        if kind.is_file() {
            return None;
        }
        if kind.is_dir() {
            return Some(SpecialKind::Directory);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt as _;
            if kind.is_fifo() {
                return Some(SpecialKind::Fifo);
            }
            if kind.is_socket() {
                return Some(SpecialKind::Socket);
            }
            if kind.is_char_device() {
                return Some(SpecialKind::CharDevice);
            }
            if kind.is_block_device() {
                return Some(SpecialKind::BlockDevice);
            }
        }
        Some(SpecialKind::Other)
    }
}

impl fmt::Display for SpecialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpecialKind::Directory => "a directory",
            SpecialKind::Fifo => "a FIFO",
            SpecialKind::Socket => "a socket",
            SpecialKind::CharDevice => "a character device",
            SpecialKind::BlockDevice => "a block device",
            SpecialKind::Other => "not a regular file",
        })
    }
}

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Nothing exists at the path.
    Missing,
    /// The path itself lies outside (a `../` key, an absolute path).
    Outside,
    /// The path lies inside, but a symbolic link on the way leads outside.
    LinksOutside,
    /// A symbolic link on the way points at nothing, or loops.
    DanglingLink,
    /// A FIFO, socket, device or directory where a file was expected.
    NotRegular(SpecialKind),
    /// A directory was expected.
    NotADirectory,
    /// Larger than the cap for its kind.
    TooLarge { size: u64, limit: Limit },
    /// Read, but not UTF-8 text where text was expected.
    NotUtf8,
    /// The file changed between the checks and the read (replaced, grown past its cap).
    Changed,
    /// The operating system refused (permission denied, name too long, ...).
    Io(String),
}

/// A file of the audited tree (or another untrusted file) that was not read, and why. It names
/// the path, never the file's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The path as shown in reports: relative to the audited root when it is inside.
    pub path: String,
    /// What the path was resolved against, in words ("the audited tree").
    pub within: &'static str,
    pub reason: Reason,
}

impl Refusal {
    /// True when the file simply does not exist (as opposed to being refused).
    pub fn is_missing(&self) -> bool {
        self.reason == Reason::Missing
    }

    /// True when the path leads outside the directory it was confined to.
    pub fn is_outside(&self) -> bool {
        matches!(self.reason, Reason::Outside | Reason::LinksOutside)
    }

    /// The reason alone, in words, without the path ("is a FIFO, not a regular file; not read").
    pub fn reason_text(&self) -> String {
        match &self.reason {
            Reason::Missing => "does not exist".to_string(),
            Reason::Outside => format!("lies outside {}; not read", self.within),
            Reason::LinksOutside => format!(
                "is a symbolic link (or lies behind one) to a file outside {}; not read",
                self.within
            ),
            Reason::DanglingLink => {
                "is a symbolic link that cannot be resolved (its target is missing, or it loops); not read"
                    .to_string()
            }
            Reason::NotRegular(SpecialKind::Other) => "is not a regular file; not read".to_string(),
            Reason::NotRegular(kind) => format!("is {kind}, not a regular file; not read"),
            Reason::NotADirectory => "is not a directory; not read".to_string(),
            Reason::TooLarge { size, limit } => format!(
                "is {}, over the {} fundament reads of {}; not read",
                human_size(*size),
                human_size(limit.bytes),
                limit.what
            ),
            Reason::NotUtf8 => "is not UTF-8 text; not read".to_string(),
            Reason::Changed => "changed while it was being read; not read".to_string(),
            Reason::Io(message) => format!("cannot be read: {message}"),
        }
    }
}

impl Refusal {
    /// The refusal in translatable form: "PATH is not UTF-8 text; not read". Its English is
    /// [`Refusal`]'s `Display`.
    pub fn text(&self) -> crate::diagnostic::Text {
        crate::diagnostic::Text::new("refusal")
            .arg("path", &self.path)
            .sub("reason", self.reason())
    }

    /// [`Refusal::reason_text`] in translatable form.
    pub fn reason(&self) -> crate::diagnostic::Text {
        use crate::diagnostic::Text;
        let within = || match self.within {
            "the audited tree" => Text::new("refusal_within_tree"),
            "the file system" => Text::new("refusal_within_fs"),
            other => Text::verbatim(other),
        };
        match &self.reason {
            Reason::Missing => Text::new("refusal_missing"),
            Reason::Outside => Text::new("refusal_outside").sub("within", within()),
            Reason::LinksOutside => Text::new("refusal_links_outside").sub("within", within()),
            Reason::DanglingLink => Text::new("refusal_dangling"),
            Reason::NotRegular(SpecialKind::Other) => Text::new("refusal_not_regular"),
            Reason::NotRegular(kind) => Text::new("refusal_special").sub(
                "kind",
                Text::new(match kind {
                    SpecialKind::Directory => "refusal_kind_directory",
                    SpecialKind::Fifo => "refusal_kind_fifo",
                    SpecialKind::Socket => "refusal_kind_socket",
                    SpecialKind::CharDevice => "refusal_kind_char_device",
                    SpecialKind::BlockDevice => "refusal_kind_block_device",
                    SpecialKind::Other => "refusal_not_regular",
                }),
            ),
            Reason::NotADirectory => Text::new("refusal_not_directory"),
            Reason::TooLarge { size, limit } => Text::new("refusal_too_large")
                .arg("size", human_size(*size))
                .arg("limit", human_size(limit.bytes))
                .arg("what", limit.what),
            Reason::NotUtf8 => Text::new("refusal_not_utf8"),
            Reason::Changed => Text::new("refusal_changed"),
            Reason::Io(message) => Text::new("refusal_io").arg("error", message),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.path, self.reason_text())
    }
}

impl std::error::Error for Refusal {}

/// `1.5 MiB`, `2.0 GiB`, `512 KiB`, `17 bytes`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            return if bytes.is_multiple_of(size) {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{:.1} {unit}", bytes as f64 / size as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

/// One entry of a listed directory: the name and what the entry itself is (links not followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub path: PathBuf,
    pub kind: EntryKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// A FIFO, socket or device.
    Special,
}

/// The most entries [`Confined::list`] returns for one directory; a directory with more is
/// refused (listing it would take unbounded time and memory).
pub const MAX_ENTRIES: usize = 100_000;

/// A directory whose files are untrusted and are read only inside it: the audited tree, or a
/// cache of downloaded packages. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confined {
    root: PathBuf,
    within: &'static str,
    /// Show paths relative to the root (the audited tree) rather than in full (a cache).
    relative: bool,
}

impl Confined {
    /// The audited tree at `root`, which must already be canonical (see [`super::local`]).
    pub fn audited(root: &Path) -> Confined {
        Confined {
            root: root.to_path_buf(),
            within: "the audited tree",
            relative: true,
        }
    }

    /// Another directory of untrusted files (`within` names it in messages: "Go's module
    /// cache"); `None` when it does not exist.
    pub fn other(dir: &Path, within: &'static str) -> Option<Confined> {
        let root = std::fs::canonicalize(dir).ok()?;
        root.is_dir().then_some(Confined {
            root,
            within,
            relative: false,
        })
    }

    /// The directory's canonical path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// What the directory is, in words ("the audited tree").
    pub fn within(&self) -> &'static str {
        self.within
    }

    /// `path` as shown in reports, with `/`: for the audited tree relative to its root (with
    /// `..` when it lies outside, as lockfiles write such paths), for other directories in full.
    pub fn display(&self, path: &Path) -> String {
        let absolute = self.absolute(path);
        if !self.relative {
            return absolute.to_string_lossy().into_owned();
        }
        if let Ok(rel) = absolute.strip_prefix(&self.root) {
            let text = rel.to_string_lossy().replace('\\', "/");
            return if text.is_empty() { ".".into() } else { text };
        }
        let common = self
            .root
            .components()
            .zip(absolute.components())
            .take_while(|(a, b)| a == b)
            .count();
        let ups = self.root.components().count().saturating_sub(common);
        let mut parts: Vec<String> = vec!["..".to_string(); ups];
        parts.extend(
            absolute
                .components()
                .skip(common)
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        );
        parts.join("/")
    }

    fn refusal(&self, path: &Path, reason: Reason) -> Refusal {
        Refusal {
            path: self.display(path),
            within: self.within,
            reason,
        }
    }

    /// `path` (relative paths are taken relative to the root) made absolute and normalised
    /// without touching the file system.
    fn absolute(&self, path: &Path) -> PathBuf {
        normalise(&self.root.join(path))
    }

    /// Resolves `path`, symbolic links included, to its canonical location, which must lie
    /// inside the directory; whatever is there (file, directory, special file) is not opened.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let lexical = self.absolute(path);
        let lexically_inside = lexical.starts_with(&self.root);
        if !lexically_inside {
            // Whether or not it exists: nothing outside is looked at more closely.
            return Err(self.refusal(path, Reason::Outside));
        }
        let joined = self.root.join(path);
        // Most paths asked about do not exist (an uninstalled package's package.json): one
        // `lstat` says so, where resolving every component would cost a syscall each.
        if let Err(err) = std::fs::symlink_metadata(&joined)
            && matches!(
                err.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            )
        {
            return Err(self.refusal(path, Reason::Missing));
        }
        match std::fs::canonicalize(&joined) {
            Ok(canonical) if canonical.starts_with(&self.root) => Ok(canonical),
            Ok(_) => Err(self.refusal(path, Reason::LinksOutside)),
            Err(err) => Err(self.refusal(path, self.why_unresolvable(&lexical, err))),
        }
    }

    /// Why `lexical` could not be canonicalised: missing, a dangling link on the way, or an
    /// error of the operating system.
    fn why_unresolvable(&self, lexical: &Path, err: std::io::Error) -> Reason {
        if err.kind() == std::io::ErrorKind::NotFound || is_eloop(&err) {
            // A link on the way that points at nothing (or loops) reads as "not found" or
            // ELOOP: look for one.
            let mut current = self.root.clone();
            if let Ok(rest) = lexical.strip_prefix(&self.root) {
                for component in rest.components() {
                    current.push(component);
                    match std::fs::symlink_metadata(&current) {
                        Ok(meta) if meta.file_type().is_symlink() => {
                            if std::fs::metadata(&current).is_err() {
                                return Reason::DanglingLink;
                            }
                        }
                        Ok(_) => {}
                        Err(_) => return Reason::Missing,
                    }
                }
            }
            if err.kind() == std::io::ErrorKind::NotFound {
                return Reason::Missing;
            }
        }
        Reason::Io(io_message(&err))
    }

    /// The canonical path of a regular file inside the directory, no larger than `limit`; the
    /// file is not opened.
    pub fn file(&self, path: &Path, limit: Limit) -> Result<PathBuf, Refusal> {
        let canonical = self.resolve(path)?;
        let meta = std::fs::metadata(&canonical)
            .map_err(|err| self.refusal(path, Reason::Io(io_message(&err))))?;
        check_regular(&meta, limit).map_err(|reason| self.refusal(path, reason))?;
        Ok(canonical)
    }

    /// True when `path` is a regular file inside the directory (of any size).
    pub fn is_file(&self, path: &Path) -> bool {
        self.resolve(path)
            .ok()
            .and_then(|p| std::fs::metadata(p).ok())
            .is_some_and(|m| m.is_file())
    }

    /// The canonical path of a directory inside the directory.
    pub fn dir(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let canonical = self.resolve(path)?;
        match std::fs::metadata(&canonical) {
            Ok(meta) if meta.is_dir() => Ok(canonical),
            Ok(_) => Err(self.refusal(path, Reason::NotADirectory)),
            Err(err) => Err(self.refusal(path, Reason::Io(io_message(&err)))),
        }
    }

    /// True when `path` is a directory inside the directory.
    pub fn is_dir(&self, path: &Path) -> bool {
        self.dir(path).is_ok()
    }

    /// True when `path` resolves to a location inside the directory (whatever is there).
    pub fn contains(&self, path: &Path) -> bool {
        self.resolve(path).is_ok()
    }

    /// Reads a regular file inside the directory, at most `limit` bytes.
    pub fn read(&self, path: &Path, limit: Limit) -> Result<Vec<u8>, Refusal> {
        let canonical = self.resolve(path)?;
        read_checked(&canonical, limit, Some(&self.root))
            .map_err(|reason| self.refusal(path, reason))
    }

    /// Reads the first `bytes` bytes of a regular file inside the directory, whatever its size
    /// (a source file's header).
    pub fn read_head(&self, path: &Path, bytes: u64) -> Result<Vec<u8>, Refusal> {
        let canonical = self.resolve(path)?;
        let head = Limit {
            bytes,
            what: "file headers",
        };
        read_checked_with(&canonical, head, Some(&self.root), Cap::Head)
            .map_err(|reason| self.refusal(path, reason))
    }

    /// Reads a regular file inside the directory as UTF-8 text, at most `limit` bytes.
    pub fn read_text(&self, path: &Path, limit: Limit) -> Result<String, Refusal> {
        let bytes = self.read(path, limit)?;
        String::from_utf8(bytes).map_err(|_| self.refusal(path, Reason::NotUtf8))
    }

    /// Lists a directory inside the directory, sorted by name; entries are described, not
    /// followed.
    pub fn list(&self, path: &Path) -> Result<Vec<Entry>, Refusal> {
        let canonical = self.dir(path)?;
        let entries = std::fs::read_dir(&canonical)
            .map_err(|err| self.refusal(path, Reason::Io(io_message(&err))))?;
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|err| self.refusal(path, Reason::Io(io_message(&err))))?;
            if out.len() >= MAX_ENTRIES {
                return Err(self.refusal(
                    path,
                    Reason::Io(format!("it holds more than {MAX_ENTRIES} entries")),
                ));
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let kind = if kind.is_symlink() {
                EntryKind::Symlink
            } else if kind.is_dir() {
                EntryKind::Dir
            } else if kind.is_file() {
                EntryKind::File
            } else {
                EntryKind::Special
            };
            out.push(Entry {
                name: entry.file_name().to_string_lossy().into_owned(),
                path: entry.path(),
                kind,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

/// Reads an untrusted file that need not lie in any particular directory (an index's files, a
/// cache entry, a user's configuration): only a regular file, without blocking, at most `limit`
/// bytes. The refusal shows the path as given.
pub fn read_bounded(path: &Path, limit: Limit) -> Result<Vec<u8>, Refusal> {
    let refusal = |reason| Refusal {
        path: path.display().to_string(),
        within: "the file system",
        reason,
    };
    let canonical = std::fs::canonicalize(path).map_err(|err| {
        refusal(match err.kind() {
            std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(path).is_ok() {
                    Reason::DanglingLink
                } else {
                    Reason::Missing
                }
            }
            _ => Reason::Io(io_message(&err)),
        })
    })?;
    read_checked(&canonical, limit, None).map_err(refusal)
}

/// [`read_bounded`] as UTF-8 text.
pub fn read_text_bounded(path: &Path, limit: Limit) -> Result<String, Refusal> {
    let bytes = read_bounded(path, limit)?;
    String::from_utf8(bytes).map_err(|_| Refusal {
        path: path.display().to_string(),
        within: "the file system",
        reason: Reason::NotUtf8,
    })
}

/// A regular file no larger than `limit`, or why not.
fn check_regular(meta: &Metadata, limit: Limit) -> Result<(), Reason> {
    if let Some(kind) = SpecialKind::of(meta) {
        return Err(Reason::NotRegular(kind));
    }
    if meta.len() > limit.bytes {
        return Err(Reason::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    Ok(())
}

/// Reads the canonical path `canonical`: checks its metadata, opens it without following a
/// last link and without blocking, checks the handle is the same regular file (and, where the
/// system says, still inside `inside`), and reads at most `limit` bytes.
fn read_checked(canonical: &Path, limit: Limit, inside: Option<&Path>) -> Result<Vec<u8>, Reason> {
    read_checked_with(canonical, limit, inside, Cap::Refuse)
}

/// What a file larger than the limit gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cap {
    /// Refused: it is not read at all.
    Refuse,
    /// Its first `limit` bytes are read.
    Head,
}

fn read_checked_with(
    canonical: &Path,
    limit: Limit,
    inside: Option<&Path>,
    cap: Cap,
) -> Result<Vec<u8>, Reason> {
    let size_check = match cap {
        Cap::Refuse => limit,
        Cap::Head => Limit {
            bytes: u64::MAX,
            ..limit
        },
    };
    let before = std::fs::metadata(canonical).map_err(|err| Reason::Io(io_message(&err)))?;
    check_regular(&before, size_check)?;
    let file = open_nonblocking(canonical).map_err(|err| {
        if is_eloop(&err) {
            // O_NOFOLLOW met a link that was not there a moment ago.
            Reason::Changed
        } else {
            Reason::Io(io_message(&err))
        }
    })?;
    let after = file
        .metadata()
        .map_err(|err| Reason::Io(io_message(&err)))?;
    check_regular(&after, size_check)?;
    if !same_file(&before, &after) {
        return Err(Reason::Changed);
    }
    if let Some(root) = inside
        && let Some(opened) = opened_path(&file)
        && !opened.starts_with(root)
    {
        return Err(Reason::LinksOutside);
    }
    let capacity = usize::try_from(after.len().min(limit.bytes)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    let wanted = match cap {
        Cap::Refuse => limit.bytes + 1,
        Cap::Head => limit.bytes,
    };
    file.take(wanted)
        .read_to_end(&mut bytes)
        .map_err(|err| Reason::Io(io_message(&err)))?;
    if cap == Cap::Refuse && bytes.len() as u64 > limit.bytes {
        return Err(Reason::Changed);
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &Metadata, _: &Metadata) -> bool {
    true
}

/// Where an open file really is, as the kernel says (Linux `/proc/self/fd`); `None` elsewhere.
#[cfg(target_os = "linux")]
fn opened_path(file: &File) -> Option<PathBuf> {
    use std::os::fd::AsRawFd as _;
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()
}

#[cfg(not(target_os = "linux"))]
fn opened_path(_: &File) -> Option<PathBuf> {
    None
}

/// ELOOP: too many links, or `O_NOFOLLOW` met a link.
fn is_eloop(err: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        err.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = err;
        false
    }
}

/// An I/O error in words, without the operating system's error number.
fn io_message(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(index) => text[..index].to_lowercase(),
        None => text,
    }
}

/// `path` with `.` and `..` applied lexically (a `..` at the top stays at the top).
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, Confined) {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::create_dir(root.join("in")).unwrap();
        std::fs::write(root.join("in/ok.txt"), "fine").unwrap();
        (tmp, Confined::audited(&root.join("in")))
    }

    #[test]
    fn reads_a_regular_file_inside() {
        let (_tmp, tree) = tree();
        assert_eq!(
            tree.read_text(Path::new("ok.txt"), Limit::CONFIG).unwrap(),
            "fine"
        );
        let absolute = tree.root().join("ok.txt");
        assert_eq!(tree.read(&absolute, Limit::CONFIG).unwrap(), b"fine");
    }

    #[test]
    fn refuses_paths_that_leave_the_root() {
        let (_tmp, tree) = tree();
        std::fs::write(tree.root().join("../secret"), "key").unwrap();
        for path in ["../secret", "a/../../secret", "/etc/passwd"] {
            let refusal = tree.read(Path::new(path), Limit::CONFIG).unwrap_err();
            assert_eq!(refusal.reason, Reason::Outside, "{path}");
            assert!(refusal.path.starts_with("../"), "{}", refusal.path);
            assert!(!refusal.to_string().contains("key"));
        }
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlinks_out_and_to_devices() {
        let (_tmp, tree) = tree();
        std::fs::write(tree.root().join("../secret"), "key").unwrap();
        std::os::unix::fs::symlink("../secret", tree.root().join("link")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", tree.root().join("zero")).unwrap();
        std::os::unix::fs::symlink("missing", tree.root().join("dangling")).unwrap();
        std::fs::create_dir(tree.root().join("sub")).unwrap();
        std::os::unix::fs::symlink("..", tree.root().join("sub/up")).unwrap();
        let why = |p: &str| tree.read(Path::new(p), Limit::CONFIG).unwrap_err().reason;
        assert_eq!(why("link"), Reason::LinksOutside);
        assert_eq!(why("zero"), Reason::LinksOutside);
        assert_eq!(why("dangling"), Reason::DanglingLink);
        assert_eq!(why("nothing"), Reason::Missing);
        // `sub/up` is the root again: fine; but `..` after it leaves the tree, although the
        // path read lexically stays inside.
        assert!(tree.read(Path::new("sub/up/ok.txt"), Limit::CONFIG).is_ok());
        assert_eq!(why("sub/up/../secret"), Reason::LinksOutside);
        assert_eq!(why("sub"), Reason::NotRegular(SpecialKind::Directory));
        assert_eq!(
            tree.read(Path::new("link"), Limit::CONFIG)
                .unwrap_err()
                .to_string(),
            "link is a symbolic link (or lies behind one) to a file outside the audited tree; not read"
        );
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_fifo_without_blocking() {
        let (_tmp, tree) = tree();
        let fifo = tree.root().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let refusal = tree.read(Path::new("fifo"), Limit::CONFIG).unwrap_err();
        assert_eq!(refusal.reason, Reason::NotRegular(SpecialKind::Fifo));
        assert_eq!(
            refusal.to_string(),
            "fifo is a FIFO, not a regular file; not read"
        );
        // Opening it as the last step must not block either (a FIFO put in place after the
        // metadata was checked).
        assert!(open_nonblocking(&fifo).is_ok());
        assert_eq!(
            read_bounded(&fifo, Limit::CONFIG).unwrap_err().reason,
            Reason::NotRegular(SpecialKind::Fifo)
        );
    }

    #[test]
    fn refuses_files_over_the_cap_before_reading() {
        let (_tmp, tree) = tree();
        let big = std::fs::File::create(tree.root().join("LICENSE")).unwrap();
        // Sparse: two gigabytes that take no space and would take seconds to read.
        big.set_len(2 << 30).unwrap();
        let refusal = tree.read(Path::new("LICENSE"), Limit::LICENCE).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "LICENSE is 2 GiB, over the 1 MiB fundament reads of licence files; not read"
        );
    }

    #[test]
    fn lists_directories_without_following_links() {
        let (_tmp, tree) = tree();
        std::fs::create_dir(tree.root().join("d")).unwrap();
        let names: Vec<(String, EntryKind)> = tree
            .list(Path::new("."))
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.kind))
            .collect();
        assert_eq!(
            names,
            vec![
                ("d".to_string(), EntryKind::Dir),
                ("ok.txt".to_string(), EntryKind::File)
            ]
        );
        assert_eq!(
            tree.list(Path::new("..")).unwrap_err().reason,
            Reason::Outside
        );
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(17), "17 bytes");
        assert_eq!(human_size(512 * 1024), "512 KiB");
        assert_eq!(human_size(1536 * 1024), "1.5 MiB");
    }
}
