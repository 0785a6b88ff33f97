//! The files of a package that the notices pass on: its licence and NOTICE files, their text
//! and the copyright lines in them.
//!
//! This is the one place the notices read package files, and the seam for every source of
//! them: today the package's own directory (`package.dir`: an installed tree such as
//! node_modules or site-packages, a vendored directory, Cargo's registry sources, Go's module
//! cache, the licence files extracted from a Go module zip). A source that extracts licence
//! files from package archives (npm tarballs, wheels, sdists, crates, jars) plugs in by giving
//! the package a `dir` with those files, which detection records in `licence.detected`, or
//! by adding a branch to [`package_files`].
//!
//! Files are read only inside the package's directory, and only those the audit recorded as
//! licence evidence.

use crate::audit::AuditedPackage;
use crate::licence::detect::{FileKind, LicenceMatch};
use crate::licence::expression::licence_ids;
use std::collections::BTreeSet;
use std::path::{Component as PathPart, Path};

/// One licence or NOTICE file of a package, read.
#[derive(Debug, Clone)]
pub struct PackageFile {
    /// The path inside the package, with `/`.
    pub path: String,
    pub kind: FileKind,
    /// The text, decoded as detection decodes it (so that match offsets apply).
    pub text: String,
    /// The licences detection found in it, with their spans.
    pub matches: Vec<LicenceMatch>,
    /// The file's licence as detection concluded it.
    pub licence: Option<String>,
}

impl PackageFile {
    /// The licence ids this file's text states.
    pub fn ids(&self) -> BTreeSet<String> {
        let mut ids: BTreeSet<String> = self
            .matches
            .iter()
            .flat_map(|m| licence_ids(&m.expression))
            .collect();
        if let Some(licence) = &self.licence {
            ids.extend(licence_ids(licence));
        }
        ids
    }
}

/// The licence and NOTICE files of `p` that can be read, in the order detection recorded them.
pub fn package_files(p: &AuditedPackage) -> Vec<PackageFile> {
    let Some(dir) = &p.package.dir else {
        return Vec::new();
    };
    p.licence
        .detected
        .iter()
        .filter_map(|d| {
            let text = read_inside(dir, &d.path)?;
            Some(PackageFile {
                path: d.path.clone(),
                kind: d.kind,
                text,
                matches: d.matches.clone(),
                licence: d.licence.clone(),
            })
        })
        .collect()
}

/// Reads `relative` inside `dir`, refusing anything that leads outside it (absolute paths,
/// `..`, symbolic links pointing elsewhere) and anything but a regular file no larger than a
/// licence file may be ([`crate::source::Limit::LICENCE`]), without blocking on special files.
pub fn read_inside(dir: &Path, relative: &str) -> Option<String> {
    let rel = Path::new(relative);
    if rel.is_absolute()
        || !rel
            .components()
            .all(|c| matches!(c, PathPart::Normal(_) | PathPart::CurDir))
    {
        return None;
    }
    let package = crate::source::Confined::other(dir, "the package's directory")?;
    let bytes = package.read(rel, crate::source::Limit::LICENCE).ok()?;
    Some(crate::licence::detect::tokenize::decode(&bytes).into_owned())
}

/// The whole lines of `text` that the matches span, in order; separate spans apart by a blank
/// line. Byte offsets that do not fall on the text's character boundaries give nothing for
/// that match.
pub fn matched_lines<'a>(text: &str, matches: impl Iterator<Item = &'a LicenceMatch>) -> String {
    let mut spans: Vec<(usize, usize)> = matches
        .filter(|m| {
            m.start_byte <= m.end_byte
                && m.end_byte <= text.len()
                && text.is_char_boundary(m.start_byte)
                && text.is_char_boundary(m.end_byte)
        })
        .map(|m| {
            let start = text[..m.start_byte].rfind('\n').map_or(0, |i| i + 1);
            let end = text[m.end_byte..]
                .find('\n')
                .map_or(text.len(), |i| m.end_byte + i);
            (start, end)
        })
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 + 1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
        .iter()
        .map(|&(start, end)| text[start..end].trim_end())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The copyright lines of a package's files, each once, in the order found. A line that is
/// part of a licence's own text (the GPL's "Copyright (C) 2007 Free Software Foundation") is
/// not the component's notice and is left out.
pub fn package_copyrights(files: &[PackageFile]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for file in files {
        let reference_texts: Vec<&str> = file
            .ids()
            .iter()
            .filter_map(|id| spdx::license_id(id).map(|l| l.text()))
            .collect();
        for line in copyright_lines(&file.text) {
            if reference_texts.iter().any(|t| t.contains(line.as_str())) {
                continue;
            }
            if !out.contains(&line) {
                out.push(line);
            }
        }
    }
    out
}

/// Placeholders of licence templates: a line holding one is not a real copyright notice.
const PLACEHOLDERS: &[&str] = &[
    "<year>",
    "[yyyy]",
    "{yyyy}",
    "[year]",
    "{year}",
    "<yyyy>",
    "<owner>",
    "<copyright holders>",
    "[name of copyright owner]",
    "{name of copyright owner}",
    "<name of author>",
    "[fullname]",
    "<author>",
];

/// The longest copyright line kept; longer lines are body text that mentions copyright.
const MAX_LINE: usize = 300;

/// Words after "Copyright" that make a line prose about copyright, not a notice.
const PROSE: &[&str] = &[
    "notice",
    "notices",
    "and",
    "holders",
    "holder",
    "law",
    "laws",
    "owner",
    "owners",
    "statement",
    "license",
    "licence",
    "the",
    "to",
    "of",
    "is",
    "in",
];

/// The lines of a text that state a copyright: they start with `Copyright`, or carry `©` or
/// `(c)` followed by a year or name. Trimmed of whitespace and comment markers; template lines
/// (`Copyright (c) <year> <owner>`) are left out.
pub(crate) fn copyright_lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in text.lines() {
        let line = raw
            .trim()
            .trim_start_matches(['#', '*', '/', ';', '-', '!', '%'])
            .trim();
        if line.is_empty() || line.len() > MAX_LINE {
            continue;
        }
        let lower = line.to_lowercase();
        let starts = line.starts_with("Copyright")
            || (line.starts_with("COPYRIGHT")
                && line[9..]
                    .trim_start()
                    .starts_with(|c: char| c.is_ascii_digit() || c == '(' || c == '©'));
        let mark = line.contains('©')
            || lower.contains("copyright (c)")
            || lower.match_indices("(c)").any(|(at, _)| {
                lower[at + 3..]
                    .trim_start()
                    .starts_with(|c: char| c.is_ascii_digit())
            });
        if !(starts || mark) {
            continue;
        }
        if starts && !mark {
            let rest = line[9..].trim_start();
            let next = rest.split_whitespace().next().unwrap_or_default();
            if next.is_empty()
                || PROSE.contains(
                    &next
                        .trim_end_matches([',', '.', ':'])
                        .to_lowercase()
                        .as_str(),
                )
            {
                continue;
            }
        }
        if PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
            continue;
        }
        let line = line.to_string();
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copyright_lines_are_found_and_templates_left_out() {
        let text = "MIT License\n\nCopyright (c) 2024 The filed authors\n\nPermission is hereby granted...\nThe above copyright notice and this permission notice shall be included\n";
        assert_eq!(
            copyright_lines(text),
            ["Copyright (c) 2024 The filed authors"]
        );
        let apache = "   Copyright [yyyy] [name of copyright owner]\n(c) You must retain\n";
        assert!(copyright_lines(apache).is_empty());
        let many = " * Copyright 2019 Jane Doe\n# © 2020 ACME GmbH\n(C) 2021 Someone\nCopyright notice below\nCOPYRIGHT HOLDERS AND CONTRIBUTORS\nCOPYRIGHT (C) 2001 BIG CORP\n";
        assert_eq!(
            copyright_lines(many),
            [
                "Copyright 2019 Jane Doe",
                "© 2020 ACME GmbH",
                "(C) 2021 Someone",
                "COPYRIGHT (C) 2001 BIG CORP"
            ]
        );
        let template =
            "Copyright (c) <year> <copyright holders>\nCopyright (C) <year>  <name of author>\n";
        assert!(copyright_lines(template).is_empty());
    }

    #[test]
    fn a_licences_own_copyright_line_is_not_the_components() {
        let gpl = spdx::license_id("GPL-3.0-only").unwrap().text();
        let text = format!("Copyright (C) 2020 Jane Doe\n\n{gpl}");
        let detection = crate::licence::detect::detect_text(&text);
        let file = PackageFile {
            path: "COPYING".into(),
            kind: FileKind::Licence,
            text,
            matches: detection.matches.clone(),
            licence: detection.expression.clone(),
        };
        assert!(
            copyright_lines(&file.text)
                .iter()
                .any(|l| l.contains("Free Software Foundation"))
        );
        assert_eq!(package_copyrights(&[file]), ["Copyright (C) 2020 Jane Doe"]);
    }

    #[test]
    fn reading_stays_inside_the_package() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("pkg");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("LICENSE"), "Copyright 2020 A").unwrap();
        std::fs::write(root.path().join("SECRET"), "Copyright 2020 B").unwrap();
        assert_eq!(
            read_inside(&dir, "LICENSE").as_deref(),
            Some("Copyright 2020 A")
        );
        assert_eq!(read_inside(&dir, "../SECRET"), None);
        assert_eq!(
            read_inside(&dir, root.path().join("SECRET").to_str().unwrap()),
            None
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.path().join("SECRET"), dir.join("LINK")).unwrap();
            assert_eq!(read_inside(&dir, "LINK"), None);
        }
    }
}
