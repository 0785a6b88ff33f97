//! `fundament detect PATH...`: the licences each file states, with the evidence (lines, rule,
//! score), for people who want only that.

use super::{EXIT_INPUT, print_error};
use crate::licence::detect::{self, Detection};
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Files larger than this are not read.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DetectFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Files, or directories to read every file of (`.gitignore` is respected, hidden files
    /// and symbolic links are skipped).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The output format.
    #[arg(long, value_enum, default_value_t = DetectFormat::Human)]
    pub format: DetectFormat,
    /// Also list the files of directories in which no licence was found (files named on the
    /// command line are always listed).
    #[arg(long)]
    pub all: bool,
}

/// One file's result.
#[derive(Debug, Serialize)]
struct FileResult {
    path: String,
    #[serde(flatten)]
    detection: Option<Detection>,
    /// Why the file was not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    unreadable: Option<String>,
    #[serde(skip)]
    named: bool,
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    /// The licence data the matcher used.
    data: &'a str,
    files: Vec<FileResult>,
}

/// Exit code 0 when every file was read, 2 when some could not be.
pub fn run(args: &DetectArgs) -> u8 {
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    let mut unreadable = Vec::new();
    for path in &args.paths {
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut files),
            Ok(_) => files.push((path.clone(), true)),
            Err(e) => unreadable.push(FileResult {
                path: path.display().to_string(),
                detection: None,
                unreadable: Some(e.to_string()),
                named: true,
            }),
        }
    }
    let mut results: Vec<FileResult> = files
        .par_iter()
        .map(|(path, named)| detect_file(path, *named))
        .collect();
    results.extend(unreadable);
    let failed = results.iter().any(|r| r.unreadable.is_some());
    results.retain(|r| {
        r.named
            || args.all
            || r.unreadable.is_some()
            || r.detection.as_ref().is_some_and(|d| !d.matches.is_empty())
    });
    let output = Output {
        data: detect::index::data_version(),
        files: results,
    };
    let text = match args.format {
        DetectFormat::Json => {
            let mut json = serde_json::to_string_pretty(&output).unwrap_or_default();
            json.push('\n');
            json
        }
        DetectFormat::Human => human(&output),
    };
    // A reader that stops early (`| head`) is not an error.
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        print_error(format!("cannot write the output: {e}"));
        return EXIT_INPUT;
    }
    if failed {
        print_error("some files could not be read");
        return EXIT_INPUT;
    }
    0
}

fn walk(dir: &Path, files: &mut Vec<(PathBuf, bool)>) {
    let mut found: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .follow_links(false)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .collect();
    found.sort();
    files.extend(found.into_iter().map(|p| (p, false)));
}

fn detect_file(path: &Path, named: bool) -> FileResult {
    let shown = path.display().to_string();
    let fail = |why: String| FileResult {
        path: shown.clone(),
        detection: None,
        unreadable: Some(why),
        named,
    };
    // Only regular files are opened: a FIFO or a device would block or never end.
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.is_file() => return fail("not a regular file".to_string()),
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            return fail(format!(
                "larger than {} MiB, not read",
                MAX_FILE_BYTES / 1024 / 1024
            ));
        }
        Err(e) => return fail(e.to_string()),
        Ok(_) => {}
    }
    match std::fs::read(path) {
        Ok(bytes) => FileResult {
            path: shown.clone(),
            detection: Some(detect::detect_bytes(&shown, &bytes)),
            unreadable: None,
            named,
        },
        Err(e) => fail(e.to_string()),
    }
}

/// Text from files, shown on a terminal: control characters escaped.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn human(output: &Output) -> String {
    let mut out = String::new();
    for file in &output.files {
        let path = printable(&file.path);
        if let Some(why) = &file.unreadable {
            let _ = writeln!(out, "{path}: not read: {}", printable(why));
            continue;
        }
        let Some(d) = &file.detection else { continue };
        if let Some(error) = &d.error {
            let _ = writeln!(out, "{path}: not analysed: {}", printable(error));
            continue;
        }
        match &d.expression {
            Some(e) => {
                let _ = writeln!(out, "{path}: {}", printable(e));
            }
            None if d.matches.is_empty() => {
                let _ = writeln!(out, "{path}: no licence found");
            }
            None => {
                let _ = writeln!(out, "{path}: no licence named");
            }
        }
        for m in &d.matches {
            let lines = if m.start_line == m.end_line {
                format!("line {}", m.start_line)
            } else {
                format!("lines {}-{}", m.start_line, m.end_line)
            };
            let kind = serde_json::to_value(m.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let matcher = serde_json::to_value(m.matcher)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {lines}: {} ({kind}, {matcher}, score {:.1}, rule {})",
                printable(&m.expression),
                m.score,
                printable(&m.rule)
            );
        }
        if d.truncated {
            let _ = writeln!(
                out,
                "  (only the first {} matches are listed)",
                detect::MAX_REPORTED_MATCHES
            );
        }
    }
    if output.files.is_empty() {
        out.push_str("no licence found\n");
    }
    out
}
