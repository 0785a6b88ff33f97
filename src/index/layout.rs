//! Where a package's records live: the identity of a package in the index (ecosystem and
//! normalised name), the encoding of that name into one safe file name, and the Cargo-style
//! prefix folders (docs/index-format.md, "Paths").
//!
//! The path of a package is computed from its purl by [`PackageId::path`] alone, so a reader
//! never lists a folder and a writer can never be talked into writing outside the tree: every
//! name is validated when it is parsed, and the encoded file name is checked once more before
//! it is used.

use crate::model::{Ecosystem, pep503};
use std::fmt;

/// The longest encoded file name, in bytes. File systems allow 255; the rest is headroom for
/// the temporary files of a publish (`.<name>.<pid>.fundament-tmp`).
pub const MAX_FILE_NAME: usize = 200;

/// The ecosystems an index holds, by purl type (the top-level folders).
pub const ECOSYSTEMS: &[Ecosystem] = &[
    Ecosystem::Cargo,
    Ecosystem::Npm,
    Ecosystem::Pypi,
    Ecosystem::Composer,
    Ecosystem::Golang,
    Ecosystem::Maven,
];

/// Windows device names: a file called `con` or `nul.txt` cannot be created there, so the
/// first letter of such a name is escaped.
const WINDOWS_DEVICES: &[&str] = &[
    "con", "prn", "aux", "nul", "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
    "com8", "com9", "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Why a name cannot be in the index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("`{purl}` is not a valid purl: {reason}")]
    Purl { purl: String, reason: String },
    #[error(
        "purl type `{0}` is not an ecosystem the index holds (cargo, npm, pypi, composer, golang, maven)"
    )]
    Ecosystem(String),
    #[error("`{name}` cannot be a package name in the index: {reason}")]
    Unsafe { name: String, reason: String },
    #[error("`{purl}` carries {what}; index records name a package without {what}")]
    Extra { purl: String, what: &'static str },
}

fn unsafe_name(name: &str, reason: impl Into<String>) -> NameError {
    NameError::Unsafe {
        name: name.escape_debug().to_string(),
        reason: reason.into(),
    }
}

/// A package as the index knows it: the ecosystem and the name normalised by that
/// ecosystem's rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageId {
    pub ecosystem: Ecosystem,
    /// The purl namespace, normalised: npm `@scope`, Composer vendor, Go module path without
    /// its last element, Maven groupId.
    pub namespace: Option<String>,
    /// The purl name, normalised.
    pub name: String,
}

impl PackageId {
    /// The package of a purl, with or without a version (the version is ignored; use
    /// [`split_purl`] to keep it). Qualifiers and subpaths are refused: a record is about a
    /// package, not about one file of it.
    pub fn from_purl(purl: &str) -> Result<PackageId, NameError> {
        let (id, _) = split_purl(purl)?;
        Ok(id)
    }

    /// A package from its ecosystem and its name as the ecosystem writes it (`@scope/name`,
    /// `vendor/name`, `group:artifact`, `host/path/module`).
    pub fn from_name(ecosystem: Ecosystem, full: &str) -> Result<PackageId, NameError> {
        let (namespace, name) = match ecosystem {
            Ecosystem::Npm => match full.split_once('/') {
                Some((scope, rest)) => (Some(scope.to_string()), rest.to_string()),
                None => (None, full.to_string()),
            },
            Ecosystem::Composer => match full.split_once('/') {
                Some((vendor, rest)) => (Some(vendor.to_string()), rest.to_string()),
                None => (None, full.to_string()),
            },
            Ecosystem::Golang => match full.rsplit_once('/') {
                Some((path, last)) => (Some(path.to_string()), last.to_string()),
                None => (None, full.to_string()),
            },
            Ecosystem::Maven => match full.split_once(':') {
                Some((group, artifact)) => (Some(group.to_string()), artifact.to_string()),
                None => (None, full.to_string()),
            },
            Ecosystem::Cargo | Ecosystem::Pypi => (None, full.to_string()),
            Ecosystem::Generic => {
                return Err(NameError::Ecosystem("generic".to_string()));
            }
        };
        PackageId::new(ecosystem, namespace, name)
    }

    /// Validates and normalises the parts of a package's identity.
    pub fn new(
        ecosystem: Ecosystem,
        namespace: Option<String>,
        name: String,
    ) -> Result<PackageId, NameError> {
        let shown = match &namespace {
            Some(ns) => format!("{ns}/{name}"),
            None => name.clone(),
        };
        if !ECOSYSTEMS.contains(&ecosystem) {
            return Err(NameError::Ecosystem(ecosystem.purl_type().to_string()));
        }
        check_text(&shown)?;
        let namespace = namespace.filter(|ns| !ns.is_empty());
        let (namespace, name) = match ecosystem {
            Ecosystem::Npm => {
                if let Some(scope) = &namespace {
                    let Some(bare) = scope.strip_prefix('@') else {
                        return Err(unsafe_name(&shown, "an npm scope starts with `@`"));
                    };
                    check_segment(&shown, bare)?;
                }
                (namespace.map(|s| s.to_lowercase()), name.to_lowercase())
            }
            Ecosystem::Pypi => {
                if namespace.is_some() {
                    return Err(unsafe_name(&shown, "PyPI names have no namespace"));
                }
                (None, pep503(&name))
            }
            Ecosystem::Cargo => {
                if namespace.is_some() {
                    return Err(unsafe_name(&shown, "crate names have no namespace"));
                }
                (None, name.to_lowercase())
            }
            Ecosystem::Composer => {
                let Some(vendor) = namespace else {
                    return Err(unsafe_name(
                        &shown,
                        "Composer names are `vendor/name`, with a vendor",
                    ));
                };
                (Some(vendor.to_lowercase()), name.to_lowercase())
            }
            // The purl specification lower-cases the Go namespace; the module's last element
            // keeps its case.
            Ecosystem::Golang => (namespace.map(|ns| ns.to_lowercase()), name),
            Ecosystem::Maven => {
                let Some(group) = namespace else {
                    return Err(unsafe_name(
                        &shown,
                        "Maven names are `groupId:artifactId`, with a groupId",
                    ));
                };
                (Some(group), name)
            }
            Ecosystem::Generic => return Err(NameError::Ecosystem("generic".to_string())),
        };
        check_segment(&shown, &name)?;
        if let Some(ns) = &namespace {
            let single = matches!(
                ecosystem,
                Ecosystem::Npm | Ecosystem::Composer | Ecosystem::Maven
            );
            if single && ns.contains('/') {
                return Err(unsafe_name(
                    &shown,
                    "the namespace has more than one element",
                ));
            }
            for segment in ns.split('/') {
                check_segment(&shown, segment)?;
            }
            if ecosystem == Ecosystem::Maven && (ns.contains(':') || name.contains(':')) {
                return Err(unsafe_name(&shown, "more than one `:`"));
            }
        }
        let id = PackageId {
            ecosystem,
            namespace,
            name,
        };
        let file = id.file_name();
        check_file_name(&file).map_err(|reason| unsafe_name(&shown, reason))?;
        Ok(id)
    }

    /// The name as the ecosystem writes it: `@scope/name`, `vendor/name`, `group:artifact`,
    /// `host/path/module`, `name`.
    pub fn full_name(&self) -> String {
        match (&self.namespace, self.ecosystem) {
            (Some(ns), Ecosystem::Maven) => format!("{ns}:{}", self.name),
            (Some(ns), _) => format!("{ns}/{}", self.name),
            (None, _) => self.name.clone(),
        }
    }

    /// The canonical purl without version.
    pub fn purl(&self) -> String {
        crate::model::purl(self.ecosystem, &self.full_name(), "")
    }

    /// The canonical purl of one version.
    pub fn purl_at(&self, version: &str) -> String {
        crate::model::purl(self.ecosystem, &self.full_name(), version)
    }

    /// The encoded file name of the package's records.
    pub fn file_name(&self) -> String {
        safe_file_name(&encode(&self.full_name()))
    }

    /// The name the prefix folders are computed from: the purl name (the Go module's last
    /// element that is not a major-version suffix `vN`).
    fn bucket_name(&self) -> &str {
        if self.ecosystem == Ecosystem::Golang
            && is_major_suffix(&self.name)
            && let Some(last) = self
                .namespace
                .as_deref()
                .and_then(|ns| ns.rsplit('/').find(|s| !is_major_suffix(s)))
        {
            return last;
        }
        &self.name
    }

    /// The path of the package's file, relative to the index root, with `/`:
    /// `<ecosystem>/<prefix>/<file>`.
    pub fn path(&self) -> String {
        format!(
            "{}/{}/{}",
            self.ecosystem.purl_type(),
            prefix(self.bucket_name()),
            self.file_name()
        )
    }
}

impl fmt::Display for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.purl())
    }
}

fn is_major_suffix(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Splits a purl into the package and its version (if it has one).
pub fn split_purl(purl: &str) -> Result<(PackageId, Option<String>), NameError> {
    let text = purl.trim();
    let bad = |reason: String| NameError::Purl {
        purl: purl.escape_debug().to_string(),
        reason,
    };
    if text.contains(['\0', '\n', '\r']) {
        return Err(bad("it contains control characters".to_string()));
    }
    // The purl crate silently drops empty, `.` and `..` namespace segments; refuse them here,
    // before it can.
    let Some(rest) = text.strip_prefix("pkg:") else {
        return Err(bad("it does not start with `pkg:`".to_string()));
    };
    let path_part = rest.split(['?', '#']).next().unwrap_or(rest);
    let path_part = match path_part.rfind('@') {
        // An `@` after the last `/` starts the version (npm scopes are encoded as %40).
        Some(at) if !path_part[at..].contains('/') => &path_part[..at],
        _ => path_part,
    };
    for segment in path_part.trim_start_matches('/').split('/').skip(1) {
        let decoded = percent_decode(segment);
        if decoded.is_empty() || decoded == "." || decoded == ".." {
            return Err(bad(format!(
                "the path segment `{segment}` is empty or a relative path"
            )));
        }
    }
    let parsed: packageurl::PackageUrl = text.parse().map_err(|e| bad(format!("{e}")))?;
    if !parsed.qualifiers().is_empty() {
        return Err(NameError::Extra {
            purl: purl.to_string(),
            what: "qualifiers",
        });
    }
    if parsed.subpath().is_some() {
        return Err(NameError::Extra {
            purl: purl.to_string(),
            what: "a subpath",
        });
    }
    let ecosystem = Ecosystem::from_purl_type(parsed.ty());
    if ecosystem == Ecosystem::Generic {
        return Err(NameError::Ecosystem(parsed.ty().to_string()));
    }
    let id = PackageId::new(
        ecosystem,
        parsed.namespace().map(str::to_string),
        parsed.name().to_string(),
    )?;
    Ok((id, parsed.version().map(str::to_string)))
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = segment.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Characters no name may contain at all.
fn check_text(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(unsafe_name(name, "it is empty"));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(unsafe_name(
            name,
            "it contains control characters (NUL, newline, ...)",
        ));
    }
    if name.contains('\\') {
        return Err(unsafe_name(name, "it contains a backslash"));
    }
    if name.starts_with('/') {
        return Err(unsafe_name(name, "it is an absolute path"));
    }
    Ok(())
}

/// One element of a name (namespace segment or name): not empty, not a relative path.
fn check_segment(full: &str, segment: &str) -> Result<(), NameError> {
    if segment.is_empty() {
        return Err(unsafe_name(full, "it has an empty path element"));
    }
    if segment == "." || segment == ".." {
        return Err(unsafe_name(full, "it has a `.` or `..` path element"));
    }
    if segment.contains('/') {
        return Err(unsafe_name(full, "the name itself contains `/`"));
    }
    Ok(())
}

/// Encodes a name into file-name characters: `a-z 0-9 . _ -` stay, an upper-case ASCII letter
/// becomes `!` and the letter in lower case (as the Go module proxy does), every other byte of
/// the UTF-8 text becomes `~` and two lower-case hex digits.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    for byte in name.bytes() {
        match byte {
            b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' => out.push(byte as char),
            b'A'..=b'Z' => {
                out.push('!');
                out.push(byte.to_ascii_lowercase() as char);
            }
            _ => out.push_str(&format!("~{byte:02x}")),
        }
    }
    out
}

/// The file name of an encoded name: a leading or trailing `.` and the first letter of a
/// Windows device name are escaped as well, so that no file name is hidden, relative, or
/// impossible on Windows.
fn safe_file_name(encoded: &str) -> String {
    let mut name = encoded.to_string();
    if name.starts_with('.') {
        name.replace_range(..1, "~2e");
    }
    if name.ends_with('.') {
        let at = name.len() - 1;
        name.replace_range(at.., "~2e");
    }
    let stem = name.split('.').next().unwrap_or(&name);
    if WINDOWS_DEVICES.contains(&stem) {
        let first = name.as_bytes()[0];
        name.replace_range(..1, &format!("~{first:02x}"));
    }
    name
}

/// Decodes an encoded file name back into the name; `None` when it is not a valid encoding
/// (an unknown character, a broken escape, an upper-case letter, bytes that are not UTF-8).
pub fn decode(file_name: &str) -> Option<String> {
    let bytes = file_name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' => out.push(bytes[i]),
            b'!' => {
                let next = *bytes.get(i + 1)?;
                if !next.is_ascii_lowercase() {
                    return None;
                }
                out.push(next.to_ascii_uppercase());
                i += 1;
            }
            b'~' => {
                let hex = file_name.get(i + 1..i + 3)?;
                if hex.bytes().any(|b| b.is_ascii_uppercase()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            _ => return None,
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Checks that a file name is safe as one path component: the characters of the encoding
/// only, not empty, not `.`/`..`, not hidden, not too long.
pub fn check_file_name(file: &str) -> Result<(), String> {
    if file.is_empty() {
        return Err("the encoded name is empty".to_string());
    }
    if file.len() > MAX_FILE_NAME {
        return Err(format!(
            "the encoded name is {} bytes long; the limit is {MAX_FILE_NAME}",
            file.len()
        ));
    }
    if file.starts_with('.') || file.ends_with('.') {
        return Err("the encoded name starts or ends with `.`".to_string());
    }
    if !file
        .bytes()
        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' | b'!' | b'~'))
    {
        return Err("the encoded name has characters outside `a-z 0-9 . _ - ! ~`".to_string());
    }
    Ok(())
}

/// The prefix folders of a name, Cargo's scheme on the encoded name with `.` written `_` (so
/// no folder is `.`, `..` or hidden): `1`, `2`, `3/<first>`, `<first two>/<next two>`.
pub fn prefix(bucket_name: &str) -> String {
    let key: Vec<char> = encode(bucket_name)
        .chars()
        .map(|c| if c == '.' { '_' } else { c })
        .collect();
    match key.len() {
        0 => "0".to_string(),
        1 => "1".to_string(),
        2 => "2".to_string(),
        3 => format!("3/{}", key[0]),
        _ => format!("{}{}/{}{}", key[0], key[1], key[2], key[3]),
    }
}

/// The package a file of the index holds, from its path relative to the root
/// (`cargo/se/rd/serde`), when the path is one the layout produces: the right ecosystem
/// folder, a valid encoded name, the right prefix. `Err` says what is wrong.
pub fn package_of_path(path: &str) -> Result<PackageId, String> {
    let parts: Vec<&str> = path.split('/').collect();
    let (Some(first), Some(file)) = (parts.first(), parts.last()) else {
        return Err("not a record file".to_string());
    };
    let ecosystem = Ecosystem::from_purl_type(first);
    if !ECOSYSTEMS.contains(&ecosystem) || ecosystem.purl_type() != *first {
        return Err(format!("`{first}` is not an ecosystem folder of the index"));
    }
    check_file_name(file)?;
    let Some(name) = decode(file) else {
        return Err(format!(
            "`{file}` is not a valid encoded name (upper case, `%`, a broken `~xx` or `!x` escape?)"
        ));
    };
    let id = PackageId::from_name(ecosystem, &name)
        .map_err(|e| format!("`{file}` decodes to a name the index cannot hold: {e}"))?;
    let expected = id.path();
    if expected != path {
        return Err(format!(
            "the records of {} belong at {expected}",
            id.full_name()
        ));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(purl: &str) -> String {
        PackageId::from_purl(purl).unwrap().path()
    }

    #[test]
    fn paths_follow_the_cargo_prefix_scheme() {
        assert_eq!(path("pkg:cargo/a"), "cargo/1/a");
        assert_eq!(path("pkg:cargo/cc"), "cargo/2/cc");
        assert_eq!(path("pkg:cargo/syn"), "cargo/3/s/syn");
        assert_eq!(path("pkg:cargo/serde@1.0.0"), "cargo/se/rd/serde");
        assert_eq!(path("pkg:cargo/Inflector"), "cargo/in/fl/inflector");
        assert_eq!(
            path("pkg:pypi/Django_REST.framework"),
            "pypi/dj/an/django-rest-framework"
        );
        assert_eq!(
            path("pkg:npm/%40angular/core@17.0.0"),
            "npm/co/re/~40angular~2fcore"
        );
        assert_eq!(path("pkg:npm/JSONStream"), "npm/js/on/jsonstream");
        assert_eq!(
            path("pkg:composer/Symfony/Console"),
            "composer/co/ns/symfony~2fconsole"
        );
        assert_eq!(
            path("pkg:golang/github.com/spf13/cobra@v1.8.0"),
            "golang/co/br/github.com~2fspf13~2fcobra"
        );
        assert_eq!(
            path("pkg:golang/github.com/foo/bar/v2"),
            "golang/3/b/github.com~2ffoo~2fbar~2fv2"
        );
        assert_eq!(
            path("pkg:golang/github.com/kr/Text"),
            "golang/!t/ex/github.com~2fkr~2f!text"
        );
        assert_eq!(
            path("pkg:maven/org.slf4j/slf4j-api@2.0.9"),
            "maven/sl/f4/org.slf4j~3aslf4j-api"
        );
        assert_eq!(
            path("pkg:maven/com.Example/My.Lib"),
            "maven/!m/y_/com.!example~3a!my.!lib"
        );
    }

    #[test]
    fn odd_names_get_safe_file_names() {
        assert_eq!(path("pkg:npm/con"), "npm/3/c/~63on");
        assert_eq!(path("pkg:npm/nul.js"), "npm/nu/l_/~6eul.js");
        assert_eq!(path("pkg:npm/.hidden"), "npm/_h/id/~2ehidden");
        assert_eq!(path("pkg:npm/trailing."), "npm/tr/ai/trailing~2e");
        assert_eq!(path("pkg:npm/caf%C3%A9"), "npm/ca/f~/caf~c3~a9");
    }

    #[test]
    fn encoding_round_trips_and_rejects_what_it_never_writes() {
        for name in [
            "@angular/core",
            "org.slf4j:slf4j-api",
            "github.com/!X/Y",
            "café",
        ] {
            assert_eq!(decode(&encode(name)).as_deref(), Some(name));
        }
        assert_eq!(decode("~2E"), None);
        assert_eq!(decode("A"), None);
        assert_eq!(decode("%40x"), None);
        assert_eq!(decode("!1"), None);
        assert_eq!(decode("~ff"), None, "not UTF-8");
    }

    #[test]
    fn escaping_names_are_refused() {
        for purl in [
            "pkg:cargo/..",
            "pkg:cargo/%2E%2E",
            "pkg:cargo/a%2Fb",
            "pkg:npm/..%2F..%2Fetc%2Fpasswd",
            "pkg:npm/%40scope/..",
            "pkg:golang/github.com/../../etc/passwd",
            "pkg:golang/github.com//x",
            "pkg:maven/../x",
            "pkg:cargo/a%00b",
            "pkg:cargo/a%5Cb",
            "pkg:composer/x",
            "pkg:npm/scope/x",
            "pkg:generic/x",
            "pkg:cargo/x?arch=1",
        ] {
            assert!(PackageId::from_purl(purl).is_err(), "{purl} was accepted");
        }
        let long = format!("pkg:cargo/{}", "a".repeat(MAX_FILE_NAME + 1));
        assert!(PackageId::from_purl(&long).is_err());
        let long_ok = format!("pkg:cargo/{}", "a".repeat(MAX_FILE_NAME));
        assert!(PackageId::from_purl(&long_ok).is_ok());
        assert!(PackageId::from_name(Ecosystem::Npm, "/etc/passwd").is_err());
    }

    #[test]
    fn paths_are_recognised_only_where_the_layout_puts_them() {
        assert_eq!(
            package_of_path("cargo/se/rd/serde").unwrap().purl(),
            "pkg:cargo/serde"
        );
        assert_eq!(
            package_of_path("npm/co/re/~40angular~2fcore")
                .unwrap()
                .purl(),
            "pkg:npm/%40angular/core"
        );
        assert!(package_of_path("cargo/se/rd/Serde").is_err());
        assert!(package_of_path("cargo/xx/rd/serde").is_err());
        assert!(package_of_path("crates/se/rd/serde").is_err());
        assert!(package_of_path("npm/co/re/%40angular%2fcore").is_err());
    }
}
