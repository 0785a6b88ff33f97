//! Jars read for their licence files are checked against the checksum their repository
//! publishes beside them (`.sha1`, else `.sha256`, else `.sha512`): a Gradle build without
//! lockfile whose three dependencies' POMs name a licence fundament cannot read, served by a
//! local Maven repository (`mavenCentral()` is the stand-in Maven installation's central).

mod support;

use support::MIT;

use support::server::{Reply, TestServer};

fn jar() -> Vec<u8> {
    support::zip_of(&[
        (
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\n".as_slice(),
        ),
        ("META-INF/LICENSE", MIT.as_bytes()),
    ])
}

fn hex_digest<D: sha2::Digest>(bytes: &[u8]) -> String {
    hex::encode(D::digest(bytes))
}

/// `org.jarsynth:<name>:1.0`: a POM whose licence name reads as no licence, and its jar.
fn artefact(server: &TestServer, name: &str) -> (String, Vec<u8>) {
    let dir = format!("/maven2/org/jarsynth/{name}/1.0");
    server.route(
        &format!("{dir}/{name}-1.0.pom"),
        vec![Reply::ok(format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>org.jarsynth</groupId>\
             <artifactId>{name}</artifactId><version>1.0</version><licenses><license>\
             <name>The Jarsynth Licence</name></license></licenses></project>"
        ))],
    );
    let body = jar();
    server.route(
        &format!("{dir}/{name}-1.0.jar"),
        vec![Reply::ok(body.clone())],
    );
    (format!("{dir}/{name}-1.0.jar"), body)
}

#[test]
fn jars_are_checked_against_the_checksums_published_beside_them() {
    let server = TestServer::start();
    // good: a .sha1 that matches, as `sha1sum` writes it (digest, two spaces, file name).
    let (good, body) = artefact(&server, "good");
    server.route(
        &format!("{good}.sha1"),
        vec![Reply::ok(format!(
            "{}  good-1.0.jar\n",
            hex_digest::<sha1::Sha1>(&body)
        ))],
    );
    // strong: no .sha1, a matching .sha256.
    let (strong, body) = artefact(&server, "strong");
    server.route(
        &format!("{strong}.sha256"),
        vec![Reply::ok(hex_digest::<sha2::Sha256>(&body))],
    );
    // tampered: the .sha1 is another file's.
    let (tampered, _) = artefact(&server, "tampered");
    let published = hex_digest::<sha1::Sha1>(b"another jar");
    server.route(
        &format!("{tampered}.sha1"),
        vec![Reply::ok(published.clone())],
    );
    // nosum: no checksum at all.
    let (nosum, _) = artefact(&server, "nosum");
    // garbage: an HTML page where the checksum should be.
    let (garbage, _) = artefact(&server, "garbage");
    server.route(
        &format!("{garbage}.sha1"),
        vec![Reply::ok("<html>sign in</html>")],
    );

    let maven = support::maven::maven_home(&format!("{}/maven2", server.base));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("jars");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("settings.gradle.kts"),
        "rootProject.name = \"jars\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("build.gradle.kts"),
        "plugins {\n    java\n}\n\nrepositories {\n    mavenCentral()\n}\n\ndependencies {\n\
         implementation(\"org.jarsynth:good:1.0\")\n    implementation(\"org.jarsynth:strong:1.0\")\n\
         implementation(\"org.jarsynth:tampered:1.0\")\n    implementation(\"org.jarsynth:nosum:1.0\")\n\
         implementation(\"org.jarsynth:garbage:1.0\")\n}\n",
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = support::maven::audit_gradle(&dir, maven.path(), cache.path(), &[]);
    let json = &run.json;
    let concluded = |name: &str| {
        support::package(json, &format!("org.jarsynth:{name}"))["licence"]["concluded"]
            ["expression"]
            .clone()
    };
    // Checked and read.
    assert_eq!(concluded("good"), "MIT", "{}", run.stderr);
    assert_eq!(concluded("strong"), "MIT");
    // No checksum published: read, and said so in one note naming the jar.
    assert_eq!(concluded("nosum"), "MIT");
    let notes: Vec<String> = support::findings(json, "R004")
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("without a checksum")
        })
        .map(|f| f.to_string())
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains(&format!("{}{nosum}", server.base)),
        "{}",
        notes[0]
    );
    assert!(!notes[0].contains("good-1.0.jar"), "{}", notes[0]);
    // A mismatch: R009 with both hashes; the jar is not used.
    let r009: Vec<String> = support::findings(json, "R009")
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    let mismatch = r009
        .iter()
        .find(|m| m.contains("tampered"))
        .unwrap_or_else(|| panic!("{r009:?}"));
    let actual = hex_digest::<sha1::Sha1>(&jar());
    assert!(mismatch.contains(&published), "{mismatch}");
    assert!(
        mismatch.contains(&actual)
            || mismatch.contains(&{
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(hex::decode(&actual).unwrap())
            }),
        "{mismatch}"
    );
    assert_ne!(concluded("tampered"), "MIT");
    // A checksum file that is not one: R009 naming it; the jar is not used.
    assert!(
        r009.iter()
            .any(|m| m.contains(&format!("{}{garbage}.sha1", server.base))),
        "{r009:?}"
    );
    assert_ne!(concluded("garbage"), "MIT");
}
