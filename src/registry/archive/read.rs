//! Reading tar.gz and zip archives as hostile input: every entry is checked before anything of
//! the archive is used, and only the files asked for are kept, in memory.
//!
//! Refused, the whole archive with it:
//! - an entry whose path is absolute (`/x`, `C:\x`, `\\host\x`), has a `..` element, or holds a
//!   NUL byte ("zip slip": written out, it would land outside the directory);
//! - a symbolic or hard link, a device, a FIFO (none belongs in a package archive, and a link
//!   is how a later entry escapes);
//! - more than [`Limits::entries`] entries;
//! - a bomb: more than [`Limits::unpacked`] bytes unpacked, or more than [`Limits::ratio`] times
//!   the archive's size once past [`Limits::ratio_floor`] (counted as the bytes come out of the
//!   decompressor, whatever the headers claim; for zips also by the sizes the headers declare,
//!   before any entry is unpacked);
//! - a kept file larger than [`Limits::file`].
//!
//! Nothing is written and nothing is executed here.

use std::io::Read;

/// Bounds on what an archive may unpack to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub unpacked: u64,
    pub ratio: u64,
    pub ratio_floor: u64,
    pub file: u64,
    pub entries: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            unpacked: 512 * 1024 * 1024,
            ratio: 100,
            ratio_floor: 32 * 1024 * 1024,
            file: 16 * 1024 * 1024,
            entries: 200_000,
        }
    }
}

/// Why an archive was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("it holds `{entry}`, {why}")]
    UnsafeEntry { entry: String, why: &'static str },
    #[error(
        "it is a compression bomb: it unpacks to more than {} ({} times its size of {})",
        crate::source::confined::human_size(*.unpacked), .unpacked / (*.packed).max(1), crate::source::confined::human_size(*.packed)
    )]
    Bomb { unpacked: u64, packed: u64 },
    #[error("it unpacks to more than {}", crate::source::confined::human_size(*.limit))]
    TooLarge { limit: u64 },
    #[error("`{entry}` is larger than {}, the most fundament reads of one file", crate::source::confined::human_size(*.limit))]
    FileTooLarge { entry: String, limit: u64 },
    #[error("it has more than {limit} entries")]
    TooManyEntries { limit: usize },
    #[error("it is not a readable {format} ({why})")]
    Corrupt { format: &'static str, why: String },
}

/// The path elements of an entry name, or why it is refused. `.` and empty elements are
/// dropped; backslashes count as separators (archives made on Windows).
pub fn entry_path(name: &str) -> Result<Vec<&str>, &'static str> {
    if name.contains('\0') {
        return Err("whose name holds a NUL byte");
    }
    if name.starts_with(['/', '\\']) {
        return Err("an absolute path");
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Err("an absolute (drive) path");
    }
    let mut out = Vec::new();
    for element in name.split(['/', '\\']) {
        match element {
            "" | "." => {}
            ".." => return Err("a path with `..` that leads out of the archive's directory"),
            e => out.push(e),
        }
    }
    Ok(out)
}

/// The bytes unpacked so far, checked against the limits.
struct Budget {
    limits: Limits,
    packed: u64,
    unpacked: u64,
}

impl Budget {
    fn add(&mut self, n: u64) -> Result<(), Refused> {
        self.unpacked += n;
        self.check(self.unpacked)
    }

    fn check(&self, unpacked: u64) -> Result<(), Refused> {
        if unpacked > self.limits.ratio_floor
            && unpacked > self.packed.saturating_mul(self.limits.ratio)
        {
            return Err(Refused::Bomb {
                unpacked,
                packed: self.packed,
            });
        }
        if unpacked > self.limits.unpacked {
            return Err(Refused::TooLarge {
                limit: self.limits.unpacked,
            });
        }
        Ok(())
    }
}

/// A file kept from an archive: its path elements joined with `/`, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Reads an entry to its end (counting every byte against the budget), keeping the bytes when
/// `keep`.
fn drain(
    reader: &mut dyn Read,
    budget: &mut Budget,
    keep: bool,
    entry: &str,
    format: &'static str,
) -> Result<Vec<u8>, Refused> {
    let mut buffer = [0u8; 64 * 1024];
    let mut kept = Vec::new();
    loop {
        let n = reader.read(&mut buffer).map_err(|e| Refused::Corrupt {
            format,
            why: format!("`{entry}` cannot be unpacked: {e}"),
        })?;
        if n == 0 {
            return Ok(kept);
        }
        budget.add(n as u64)?;
        if keep {
            if kept.len() + n > budget.limits.file as usize {
                return Err(Refused::FileTooLarge {
                    entry: entry.to_string(),
                    limit: budget.limits.file,
                });
            }
            kept.extend_from_slice(&buffer[..n]);
        }
    }
}

/// Reads a gzip-compressed tar archive in one pass, keeping the regular files `wanted` accepts
/// (given the entry's path elements). Every entry is checked, kept or not.
pub fn tar_gz(
    body: &[u8],
    limits: Limits,
    wanted: &dyn Fn(&[&str]) -> bool,
) -> Result<Vec<Kept>, Refused> {
    const FORMAT: &str = "tar.gz archive";
    let corrupt = |why: String| Refused::Corrupt {
        format: FORMAT,
        why,
    };
    let mut budget = Budget {
        limits,
        packed: body.len() as u64,
        unpacked: 0,
    };
    let decoder = flate2::read::GzDecoder::new(body);
    let mut archive = tar::Archive::new(decoder);
    let entries = archive.entries().map_err(|e| corrupt(e.to_string()))?;
    let mut kept = Vec::new();
    let mut count = 0usize;
    for entry in entries {
        let mut entry = entry.map_err(|e| corrupt(e.to_string()))?;
        count += 1;
        if count > limits.entries {
            return Err(Refused::TooManyEntries {
                limit: limits.entries,
            });
        }
        // The header's bytes count too (a bomb of empty entries).
        budget.add(512)?;
        let kind = entry.header().entry_type();
        let raw = entry.path_bytes();
        let name = String::from_utf8_lossy(&raw).into_owned();
        use tar::EntryType as T;
        match kind {
            T::Regular | T::Continuous | T::Directory => {}
            // Metadata entries of the tar format itself (the crate applies long names and PAX
            // records to the entry that follows).
            T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink => continue,
            T::Symlink | T::Link => {
                return Err(Refused::UnsafeEntry {
                    entry: name,
                    why: "a link (package archives hold none, and links are how entries escape)",
                });
            }
            _ => {
                return Err(Refused::UnsafeEntry {
                    entry: name,
                    why: "a special file (device, FIFO or unknown type)",
                });
            }
        }
        let path = entry_path(&name).map_err(|why| Refused::UnsafeEntry {
            entry: name.clone(),
            why,
        })?;
        let keep = kind != T::Directory && !path.is_empty() && wanted(&path);
        let bytes = drain(&mut entry, &mut budget, keep, &name, FORMAT)?;
        if keep {
            kept.push(Kept {
                path: path.join("/"),
                bytes,
            });
        }
    }
    Ok(kept)
}

/// A zip archive whose every entry was checked; files are read from it on demand.
pub struct Zip<'a> {
    archive: zip::ZipArchive<std::io::Cursor<&'a [u8]>>,
    /// The entries' path elements joined with `/`, by index (`None` for directories).
    names: Vec<Option<String>>,
    budget: Budget,
}

impl<'a> Zip<'a> {
    const FORMAT: &'static str = "zip archive";

    /// Opens and checks a zip archive: entry paths, links, the declared sizes.
    pub fn open(body: &'a [u8], limits: Limits) -> Result<Zip<'a>, Refused> {
        let corrupt = |why: String| Refused::Corrupt {
            format: Self::FORMAT,
            why,
        };
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(body)).map_err(|e| corrupt(e.to_string()))?;
        if archive.len() > limits.entries {
            return Err(Refused::TooManyEntries {
                limit: limits.entries,
            });
        }
        let budget = Budget {
            limits,
            packed: body.len() as u64,
            unpacked: 0,
        };
        let mut declared: u64 = 0;
        let mut names = Vec::with_capacity(archive.len());
        for index in 0..archive.len() {
            let entry = archive
                .by_index_raw(index)
                .map_err(|e| corrupt(format!("entry {index}: {e}")))?;
            let name = entry.name().to_string();
            // A link is the file type 0o120000 exactly. Some Maven archivers write the mode
            // 0o177777 (every bit) for directories, which a looser test takes for a link and
            // which would refuse real jars (javax.annotation-api 1.3.2).
            if entry
                .unix_mode()
                .is_some_and(|mode| mode & 0o170000 == 0o120000)
            {
                return Err(Refused::UnsafeEntry {
                    entry: name,
                    why: "a link (package archives hold none, and links are how entries escape)",
                });
            }
            let path = entry_path(&name).map_err(|why| Refused::UnsafeEntry {
                entry: name.clone(),
                why,
            })?;
            declared = declared.saturating_add(entry.size());
            budget.check(declared)?;
            names.push((!entry.is_dir() && !path.is_empty()).then(|| path.join("/")));
        }
        Ok(Zip {
            archive,
            names,
            budget,
        })
    }

    /// The files' paths (elements joined with `/`).
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.names.iter().flatten().map(String::as_str)
    }

    /// Reads the file at `path` (bounded by the limits, whatever its header says).
    pub fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>, Refused> {
        let Some(index) = self.names.iter().position(|n| n.as_deref() == Some(path)) else {
            return Ok(None);
        };
        let mut entry = self.archive.by_index(index).map_err(|e| Refused::Corrupt {
            format: Self::FORMAT,
            why: format!("`{path}` cannot be unpacked: {e}"),
        })?;
        let limit = self.budget.limits.file + 1;
        let mut limited = (&mut entry).take(limit);
        drain(&mut limited, &mut self.budget, true, path, Self::FORMAT).map(Some)
    }

    /// Reads every file `wanted` accepts.
    pub fn read_wanted(&mut self, wanted: &dyn Fn(&[&str]) -> bool) -> Result<Vec<Kept>, Refused> {
        let paths: Vec<String> = self
            .files()
            .filter(|p| wanted(&p.split('/').collect::<Vec<_>>()))
            .map(str::to_string)
            .collect();
        let mut out = Vec::with_capacity(paths.len());
        for path in paths {
            if let Some(bytes) = self.read(&path)? {
                out.push(Kept { path, bytes });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tar_gz_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, bytes) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // Written raw, so that hostile names get in as they are.
            let raw = &mut header.as_old_mut().name;
            raw[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder.append(&header, *bytes).unwrap();
        }
        let tar = builder.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).unwrap();
        gz.finish().unwrap()
    }

    fn any(_: &[&str]) -> bool {
        true
    }

    #[test]
    fn entry_paths_refuse_what_leaves_the_directory() {
        assert_eq!(
            entry_path("package/LICENSE"),
            Ok(vec!["package", "LICENSE"])
        );
        assert_eq!(
            entry_path("./package//LICENSE"),
            Ok(vec!["package", "LICENSE"])
        );
        for bad in [
            "../x",
            "package/../../x",
            "/etc/passwd",
            "\\\\host\\share",
            "C:\\x",
            "a\\..\\..\\x",
            "a\0b",
        ] {
            assert!(entry_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tar_files_are_kept_as_asked() {
        let body = tar_gz_of(&[("package/LICENSE", b"MIT"), ("package/index.js", b"x")]);
        let kept = tar_gz(&body, Limits::default(), &|p| p.last() == Some(&"LICENSE")).unwrap();
        assert_eq!(
            kept,
            vec![Kept {
                path: "package/LICENSE".into(),
                bytes: b"MIT".to_vec()
            }]
        );
    }

    #[test]
    fn tar_traversal_and_links_are_refused() {
        let body = tar_gz_of(&[("package/LICENSE", b"MIT"), ("../evil", b"x")]);
        assert!(matches!(
            tar_gz(&body, Limits::default(), &any),
            Err(Refused::UnsafeEntry { .. })
        ));
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder
            .append_link(&mut header, "package/LICENSE", "/etc/passwd")
            .unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&builder.into_inner().unwrap()).unwrap();
        let body = gz.finish().unwrap();
        assert!(matches!(
            tar_gz(&body, Limits::default(), &any),
            Err(Refused::UnsafeEntry { .. })
        ));
    }

    #[test]
    fn bombs_are_refused_as_they_unpack() {
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let body = tar_gz_of(&[("package/data", &zeros)]);
        let limits = Limits {
            ratio_floor: 1024 * 1024,
            ..Limits::default()
        };
        assert!(matches!(
            tar_gz(&body, limits, &|_| false),
            Err(Refused::Bomb { .. })
        ));
        // Below the floor, compressible files are fine.
        assert!(tar_gz(&body, Limits::default(), &|_| false).is_ok());
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn zip_entries_are_checked_before_any_is_read() {
        let body = zip_of(&[("META-INF/LICENSE", b"Apache"), ("../../evil", b"x")]);
        assert!(matches!(
            Zip::open(&body, Limits::default()),
            Err(Refused::UnsafeEntry { .. })
        ));
        let body = zip_of(&[("META-INF/LICENSE", b"Apache"), ("a/B.class", b"x")]);
        let mut zip = Zip::open(&body, Limits::default()).unwrap();
        assert_eq!(zip.files().count(), 2);
        assert_eq!(
            zip.read("META-INF/LICENSE").unwrap().as_deref(),
            Some(&b"Apache"[..])
        );
        assert_eq!(zip.read("missing").unwrap(), None);
    }

    /// A zip whose first central-directory entry has the Unix mode `mode` (written made by
    /// Unix, external attributes patched as a hostile or quirky archiver would write them).
    fn zip_with_mode(entries: &[(&str, &[u8])], mode: u32) -> Vec<u8> {
        let mut body = zip_of(entries);
        let at = body
            .windows(4)
            .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
            .unwrap();
        body[at + 5] = 3; // version made by: Unix
        body[at + 38..at + 42].copy_from_slice(&(mode << 16).to_le_bytes());
        body
    }

    #[test]
    fn a_link_is_the_link_file_type_exactly() {
        // Maven archivers that write the mode 0o177777 for directories (javax.annotation-api
        // 1.3.2's META-INF/maven/): not a link.
        let body = zip_with_mode(
            &[("META-INF/maven/", b""), ("META-INF/LICENSE", b"Apache")],
            0o177777,
        );
        let mut zip = Zip::open(&body, Limits::default()).unwrap();
        assert_eq!(
            zip.read("META-INF/LICENSE").unwrap().as_deref(),
            Some(&b"Apache"[..])
        );
        // A symbolic link (0o120777) is refused.
        let body = zip_with_mode(
            &[("META-INF/LICENSE", b"/etc/passwd"), ("a", b"x")],
            0o120777,
        );
        assert!(matches!(
            Zip::open(&body, Limits::default()),
            Err(Refused::UnsafeEntry { .. })
        ));
    }

    #[test]
    fn zip_bombs_are_refused_by_their_declared_sizes() {
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let body = zip_of(&[("a", &zeros), ("b", &zeros)]);
        let limits = Limits {
            ratio_floor: 1024 * 1024,
            ..Limits::default()
        };
        assert!(matches!(
            Zip::open(&body, limits),
            Err(Refused::Bomb { .. })
        ));
    }

    #[test]
    fn not_archives_are_corrupt() {
        assert!(matches!(
            tar_gz(b"<!DOCTYPE html><html>", Limits::default(), &any),
            Err(Refused::Corrupt { .. })
        ));
        assert!(matches!(
            Zip::open(b"<html></html>", Limits::default()),
            Err(Refused::Corrupt { .. })
        ));
    }
}
