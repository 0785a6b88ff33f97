use super::*;
use std::io::Write;

const MIT: &[u8] = b"MIT License\n\nCopyright (c) 2024 Someone\n";

pub(crate) fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, name, *bytes).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&builder.into_inner().unwrap()).unwrap();
    gz.finish().unwrap()
}

pub(crate) fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn read(body: &[u8], kind: Kind) -> Contents {
    read_archive(
        "https://r.example/a.tgz",
        body,
        kind,
        None,
        Limits::default(),
    )
    .unwrap()
}

fn names(contents: &Contents) -> Vec<(&str, &str)> {
    contents
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.path.as_str()))
        .collect()
}

#[test]
fn npm_tarballs_give_licence_files_and_package_json() {
    let body = tar_gz(&[
        (
            "package/package.json",
            br#"{"name":"a","license":"SEE LICENSE IN LICENSE"}"#,
        ),
        ("package/LICENSE", MIT),
        ("package/lib/LICENSE", b"not at the top"),
        ("package/index.js", b"module.exports = 1"),
    ]);
    let contents = read(&body, Kind::Npm);
    assert_eq!(names(&contents), vec![("LICENSE", "package/LICENSE")]);
    assert_eq!(contents.files[0].bytes, MIT);
    assert_eq!(contents.declared.len(), 1);
    assert_eq!(contents.declared[0].raw, "SEE LICENSE IN LICENSE");
    assert_eq!(
        contents.declared[0].url,
        "https://r.example/a.tgz!/package/package.json"
    );
    assert_eq!(
        contents.origin.files.get("LICENSE").map(String::as_str),
        Some("package/LICENSE")
    );
    assert_eq!(contents.origin.file_name(), "a.tgz");
}

#[test]
fn sdists_give_pkg_info_and_licence_files() {
    let body = tar_gz(&[
        (
            "six-1.16.0/PKG-INFO",
            b"Metadata-Version: 2.1\nName: six\nLicense: MIT\n\nlong text",
        ),
        ("six-1.16.0/LICENSE", MIT),
        ("six-1.16.0/six.egg-info/PKG-INFO", b"License: GPL\n"),
    ]);
    let contents = read(&body, Kind::Sdist);
    assert_eq!(names(&contents), vec![("LICENSE", "six-1.16.0/LICENSE")]);
    let raws: Vec<&str> = contents.declared.iter().map(|d| d.raw.as_str()).collect();
    assert_eq!(raws, vec!["MIT"]);
    assert!(contents.declared[0].url.ends_with("!/six-1.16.0/PKG-INFO"));
    // Zipped sdists too.
    let body = zip(&[
        ("six-1.16.0/PKG-INFO", b"License-Expression: MIT\n"),
        ("six-1.16.0/COPYING", MIT),
    ]);
    let contents = read(&body, Kind::Sdist);
    assert_eq!(names(&contents), vec![("COPYING", "six-1.16.0/COPYING")]);
    assert_eq!(contents.declared[0].field, "License-Expression");
}

#[test]
fn wheels_give_the_files_their_metadata_names() {
    let body = zip(&[
        (
            "pkg-1.0.dist-info/METADATA",
            b"Metadata-Version: 2.1\nName: pkg\nLicense: UNKNOWN\nLicense-File: AUTHORS-AND-TERMS.txt\n",
        ),
        ("pkg-1.0.dist-info/AUTHORS-AND-TERMS.txt", MIT),
        ("pkg-1.0.dist-info/licenses/LICENSE", MIT),
        ("pkg-1.0.dist-info/licenses/vendor/zlib.txt", b"zlib"),
        ("pkg-1.0.dist-info/RECORD", b""),
        ("pkg/__init__.py", b""),
    ]);
    let contents = read(&body, Kind::Wheel);
    let mut got = names(&contents);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("LICENSE", "pkg-1.0.dist-info/licenses/LICENSE"),
            (
                "LICENSES/AUTHORS-AND-TERMS.txt",
                "pkg-1.0.dist-info/AUTHORS-AND-TERMS.txt"
            ),
            (
                "LICENSES/zlib.txt",
                "pkg-1.0.dist-info/licenses/vendor/zlib.txt"
            ),
        ]
    );
    assert!(contents.declared.is_empty(), "UNKNOWN is no licence");
}

#[test]
fn jars_give_meta_inf_licences_and_the_embedded_pom() {
    let body = zip(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        (
            "META-INF/LICENSE.txt",
            b"Apache License\nVersion 2.0, January 2004\n",
        ),
        ("META-INF/NOTICE", b"Notice"),
        (
            "META-INF/maven/org.example/lib/pom.xml",
            b"<project><licenses><license><name>Apache-2.0</name></license></licenses></project>",
        ),
        ("org/example/Lib.class", b"\xca\xfe\xba\xbe"),
    ]);
    let contents = read(&body, Kind::Jar);
    assert_eq!(
        names(&contents),
        vec![
            ("LICENSE.txt", "META-INF/LICENSE.txt"),
            ("NOTICE", "META-INF/NOTICE")
        ]
    );
    assert_eq!(contents.declared[0].raw, "Apache-2.0");
    assert!(
        contents.declared[0]
            .url
            .ends_with("!/META-INF/maven/org.example/lib/pom.xml")
    );
}

#[test]
fn crates_and_composer_dists_give_their_manifests() {
    let body = tar_gz(&[
        (
            "a-1.0.0/Cargo.toml",
            b"[package]\nname = \"a\"\nlicense = \"MIT OR Apache-2.0\"\n",
        ),
        ("a-1.0.0/LICENSE-MIT", MIT),
    ]);
    let contents = read(&body, Kind::Crate);
    assert_eq!(contents.declared[0].raw, "MIT OR Apache-2.0");
    assert_eq!(
        names(&contents),
        vec![("LICENSE-MIT", "a-1.0.0/LICENSE-MIT")]
    );
    let body = zip(&[
        (
            "vendor-pkg-0a1b2c/composer.json",
            br#"{"license":["MIT","GPL-2.0-only"]}"#,
        ),
        ("vendor-pkg-0a1b2c/LICENSE.md", MIT),
    ]);
    let contents = read(&body, Kind::Composer);
    assert_eq!(contents.declared[0].raw, "MIT OR GPL-2.0-only");
    assert_eq!(
        names(&contents),
        vec![("LICENSE.md", "vendor-pkg-0a1b2c/LICENSE.md")]
    );
}

#[test]
fn hostile_archives_are_refused_whole() {
    let html = b"\n  <!DOCTYPE html><html><body>Sign in</body></html>";
    assert!(matches!(
        read_archive("u", html, Kind::Npm, None, Limits::default()),
        Err(ArchiveError::Html { .. })
    ));
    let body = tar_gz(&[("package/LICENSE", MIT)]);
    let wrong = format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(b"other"))
    );
    let err = read_archive("u", &body, Kind::Npm, Some(&wrong), Limits::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::Integrity { .. }), "{err}");
    assert!(err.to_string().contains("was not used"), "{err}");
    let right = format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(&body))
    );
    assert!(read_archive("u", &body, Kind::Npm, Some(&right), Limits::default()).is_ok());

    let traversal = zip(&[
        ("vendor-pkg/LICENSE", MIT),
        ("vendor-pkg/../../../.bashrc", b"x"),
    ]);
    let err = read_archive("u", &traversal, Kind::Composer, None, Limits::default()).unwrap_err();
    assert!(err.to_string().contains("`..`"), "{err}");
}

#[test]
fn stored_files_keep_their_chosen_names_only() {
    let body = tar_gz(&[("package/LICENSE", MIT), ("package/LICENSES/MIT.txt", MIT)]);
    let contents = read(&body, Kind::Npm);
    let cache = tempfile::tempdir().unwrap();
    let dir = store(cache.path(), &contents).unwrap();
    assert!(dir.starts_with(cache.path()));
    assert_eq!(std::fs::read(dir.join("LICENSE")).unwrap(), MIT);
    assert_eq!(std::fs::read(dir.join("LICENSES/MIT.txt")).unwrap(), MIT);
    // A second store finds the directory complete.
    assert_eq!(store(cache.path(), &contents).unwrap(), dir);
}

use base64::Engine as _;
use sha2::Sha512;
