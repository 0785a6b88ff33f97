//! Signed decisions and four eyes: SSH signatures made and checked by fundament and by the real
//! `ssh-keygen -Y sign/verify` (both ways, ed25519, ECDSA and RSA keys, the agent), tampering,
//! revoked and expired keys, the reviewer as the key's owner, `require-signed`, approvals.

mod support;

use fundament::index::Decision;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::index::{
    TODAY, add_key, assert_says, code, decided, index_cmd, index_cmd_with, new_index_with, ok,
    open_alone, publish, text, verify,
};

/// A key pair made by ssh-keygen, for `<Name> Example` of the City of Example.
struct Key {
    owner: String,
    private: PathBuf,
    public: PathBuf,
    fingerprint: String,
}

fn keygen(dir: &Path, name: &str, kind: &str) -> Key {
    let private = dir.join(name);
    let mut args = vec!["-q", "-t", kind, "-N", "", "-C", name, "-f"];
    if kind == "rsa" {
        args.splice(0..0, ["-b", "2048"]);
    }
    let status = Command::new("ssh-keygen")
        .args(&args)
        .arg(&private)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
    let public = private.with_extension("pub");
    let listed = Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(&public)
        .output()
        .unwrap();
    let fingerprint = String::from_utf8_lossy(&listed.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let mut initial = name.chars();
    let capital: String = initial.next().unwrap().to_uppercase().collect();
    Key {
        owner: format!("{capital}{} Example", initial.as_str()),
        private,
        public,
        fingerprint,
    }
}

/// An index whose config.json trusts Ann's key (and Bob's, of the same city), needing
/// `approvals` signers.
fn signing_index(tmp: &Path, approvals: u32) -> (PathBuf, Key, Key) {
    let index = new_index_with(tmp, true, &["--approvals", &approvals.to_string()]);
    let keys = tmp.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let ann = keygen(&keys, "ann", "ed25519");
    let bob = keygen(&keys, "bob", "ecdsa");
    for key in [&ann, &bob] {
        add_key(tmp, &index, &key.owner, &key.public, &[]);
    }
    (index, ann, bob)
}

fn approve_as(who: &str, key: &Path) -> Vec<String> {
    [
        "--decision",
        "approved",
        "--licence",
        "MIT",
        "--reviewer",
        who,
        "--organisation",
        "City of Example",
        "--artefact-sha256",
        &"ab".repeat(32),
        "--sign-key",
        key.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Publishes an approval of `component` naming `who` as the reviewer, signed with `key`.
fn publish_as(tmp: &Path, index: &Path, component: &str, who: &str, key: &Path) -> Output {
    let mut args = vec![component.to_string()];
    args.extend(approve_as(who, key));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    publish(tmp, index, &args)
}

/// Publishes an approval of `component` by the owner of `key`, signed with it.
fn publish_by(tmp: &Path, index: &Path, component: &str, key: &Key) -> Output {
    publish_as(tmp, index, component, &key.owner, &key.private)
}

const SERDE_FILE: &str = "cargo/se/rd/serde";

#[test]
fn a_signature_fundament_makes_verifies_with_ssh_keygen_and_the_other_way_round() {
    let tmp = tempfile::tempdir().unwrap();
    let (index, ann, _) = signing_index(tmp.path(), 1);
    let out = publish_by(tmp.path(), &index, "pkg:cargo/serde@1.0.0", &ann);
    ok(&out);
    assert_says(&out, "signed (1)");
    let line: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(index.join(SERDE_FILE))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(line["signatures"][0]["key"], ann.fingerprint.as_str());
    let report = ok(&verify(tmp.path(), &index));
    assert!(report.contains("1 record"), "{report}");

    // ssh-keygen checks what fundament signed: the signed bytes and the armoured signature
    // come from `fundament index signed-data`.
    let file = index.join(SERDE_FILE);
    let data = index_cmd(
        tmp.path(),
        &["signed-data", file.to_str().unwrap(), "--line", "1"],
    );
    ok(&data);
    let sig = index_cmd(
        tmp.path(),
        &[
            "signed-data",
            file.to_str().unwrap(),
            "--line",
            "1",
            "--signature",
            "1",
        ],
    );
    std::fs::write(tmp.path().join("record.sig"), &sig.stdout).unwrap();
    std::fs::write(tmp.path().join("record.data"), &data.stdout).unwrap();
    let allowed = tmp.path().join("allowed_signers");
    std::fs::write(
        &allowed,
        format!(
            "ann@city.example namespaces=\"fundament-index\" {}",
            std::fs::read_to_string(&ann.public).unwrap()
        ),
    )
    .unwrap();
    let checked = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(&allowed)
        .args(["-I", "ann@city.example", "-n", "fundament-index", "-s"])
        .arg(tmp.path().join("record.sig"))
        .stdin(std::fs::File::open(tmp.path().join("record.data")).unwrap())
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "ssh-keygen -Y verify: {}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    // ... and refuses the signature for a changed record.
    let mut changed = data.stdout.clone();
    let at = changed.windows(3).position(|w| w == b"MIT").unwrap();
    changed[at] = b'N';
    let refused = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(&allowed)
        .args(["-I", "ann@city.example", "-n", "fundament-index", "-s"])
        .arg(tmp.path().join("record.sig"))
        .stdin({
            std::fs::write(tmp.path().join("changed.data"), &changed).unwrap();
            std::fs::File::open(tmp.path().join("changed.data")).unwrap()
        })
        .output()
        .unwrap();
    assert!(!refused.status.success());

    // The other way: ssh-keygen signs a record (RSA and ECDSA keys, as administrations have
    // them), fundament checks it.
    for (name, kind) in [("carol", "rsa"), ("dave", "ecdsa"), ("erin", "ed25519")] {
        let key = keygen(&tmp.path().join("keys"), name, kind);
        let owner = format!("{name} Example");
        add_key(tmp.path(), &index, &owner, &key.public, &["--no-commit"]);
        let unsigned = serde_json::json!({
            "purl": format!("pkg:npm/{name}-lib"), "version": "1.0.0", "decision": "approved",
            "licence": "MIT", "reviewer": owner, "organisation": "City of Example",
            "date": TODAY, "no-evidence": "signed with ssh-keygen for the test"
        });
        let line = serde_json::to_string(&unsigned).unwrap();
        let bytes = fundament::index::signature::signed_bytes_of_line(&line).unwrap();
        let signed = Command::new("ssh-keygen")
            .args(["-q", "-Y", "sign", "-n", "fundament-index", "-f"])
            .arg(&key.private)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write as _;
                child.stdin.take().unwrap().write_all(&bytes)?;
                child.wait_with_output()
            })
            .unwrap();
        assert!(signed.status.success());
        let signature = fundament::index::signature::RecordSignature::from_armored(
            &String::from_utf8_lossy(&signed.stdout),
        )
        .unwrap();
        assert_eq!(signature.key, key.fingerprint);
        let mut record = unsigned.clone();
        record["signatures"] = serde_json::json!([signature]);
        let id = fundament::index::PackageId::from_purl(&format!("pkg:npm/{name}-lib")).unwrap();
        let path = index.join(id.path());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            format!("{}\n", serde_json::to_string(&record).unwrap()),
        )
        .unwrap();
    }
    let report = ok(&verify(tmp.path(), &index));
    assert!(report.contains("4 records"), "{report}");
    let json = index_cmd(
        tmp.path(),
        &["verify", index.to_str().unwrap(), "--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["signed"], 4);
}

#[test]
fn a_key_in_the_agent_signs_through_ssh_keygen() {
    let tmp = tempfile::tempdir().unwrap();
    let (index, ann, _) = signing_index(tmp.path(), 0);
    let socket = tmp.path().join("agent.sock");
    let mut agent = Command::new("ssh-agent")
        .args(["-D", "-a"])
        .arg(&socket)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("ssh-agent runs");
    for _ in 0..100 {
        if socket.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let added = Command::new("ssh-add")
        .arg("-q")
        .arg(&ann.private)
        .env("SSH_AUTH_SOCK", &socket)
        .status()
        .unwrap();
    assert!(added.success());
    // Only the public key is given: the private half is in the agent.
    let mut args = vec![
        "publish".to_string(),
        "--index".to_string(),
        index.display().to_string(),
    ];
    args.push("pkg:cargo/serde@1.0.0".to_string());
    args.extend(approve_as("Ann Example", &ann.public));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = index_cmd_with(
        tmp.path(),
        &args,
        &[("SSH_AUTH_SOCK", socket.to_str().unwrap())],
    );
    let _ = agent.kill();
    let _ = agent.wait();
    ok(&out);
    ok(&verify(tmp.path(), &index));
    let lookup = open_alone(&index, true).lookup("pkg:cargo/serde", "1.0.0");
    assert_eq!(lookup.decision(), Some(Decision::Approved));
    assert_eq!(lookup.answer.unwrap().signers[0].owner, "Ann Example");
}

#[test]
fn tampering_is_found_by_verify_and_ignored_by_the_audit() {
    let tmp = tempfile::tempdir().unwrap();
    let (index, ann, _) = signing_index(tmp.path(), 0);
    ok(&publish_by(
        tmp.path(),
        &index,
        "pkg:cargo/serde@1.0.0",
        &ann,
    ));
    ok(&publish_by(
        tmp.path(),
        &index,
        "pkg:cargo/serde@1.0.1",
        &ann,
    ));
    ok(&publish_by(
        tmp.path(),
        &index,
        "pkg:npm/left-pad@1.3.0",
        &ann,
    ));
    let file = index.join(SERDE_FILE);
    let original = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        open_alone(&index, true)
            .lookup("pkg:cargo/serde", "1.0.1")
            .decision(),
        Some(Decision::Approved)
    );

    let lines: Vec<String> = original.lines().map(str::to_string).collect();
    let left_pad = std::fs::read_to_string(index.join("npm/le/ft/left-pad")).unwrap();
    let left_pad_sig: serde_json::Value =
        serde_json::from_str::<serde_json::Value>(left_pad.trim()).unwrap()["signatures"].clone();
    for (what, tampered, expected) in [
        (
            "a changed licence",
            lines[1].replace("\"MIT\"", "\"GPL-3.0-only\""),
            "does not match the record",
        ),
        (
            "a changed decision",
            lines[1].replace("\"approved\"", "\"rejected\""),
            "does not match the record",
        ),
        (
            "a signature moved from another record",
            {
                let mut v: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
                v["signatures"] = left_pad_sig.clone();
                serde_json::to_string(&v).unwrap()
            },
            "does not match the record",
        ),
        (
            "a signature's key changed",
            {
                let mut v: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
                v["signatures"][0]["key"] = serde_json::json!(format!("SHA256:{}", "A".repeat(43)));
                serde_json::to_string(&v).unwrap()
            },
            "but `key` says",
        ),
    ] {
        std::fs::write(&file, format!("{}\n{tampered}\n", lines[0])).unwrap();
        let out = verify(tmp.path(), &index);
        assert_eq!(code(&out), 2, "{what}: {}", text(&out));
        assert!(
            text(&out).contains(&format!("{SERDE_FILE}:2: ")) && text(&out).contains(expected),
            "{what}: {}",
            text(&out)
        );
        // The audit's reading: the tampered record is not used, and the look-up says so.
        let lookup = open_alone(&index, false).lookup("pkg:cargo/serde", "1.0.1");
        assert!(lookup.answer.is_none(), "{what}: {:?}", lookup.answer);
        assert!(!lookup.conclusive(), "{what}");
        assert!(
            lookup.errors[0]
                .to_string()
                .contains("ignored: its signatures do not hold"),
            "{what}: {:?}",
            lookup.errors
        );
        // The untouched line still answers for its version.
        assert_eq!(
            open_alone(&index, false)
                .lookup("pkg:cargo/serde", "1.0.0")
                .decision(),
            Some(Decision::Approved)
        );
    }

    // Unsigned: verify reports it (config.json lists keys); require-signed ignores it.
    let mut unsigned: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    unsigned.as_object_mut().unwrap().remove("signatures");
    std::fs::write(
        &file,
        format!(
            "{}\n{}\n",
            lines[0],
            serde_json::to_string(&unsigned).unwrap()
        ),
    )
    .unwrap();
    let out = verify(tmp.path(), &index);
    assert_says(&out, &format!("{SERDE_FILE}:2: unsigned"));
    assert_eq!(
        open_alone(&index, false)
            .lookup("pkg:cargo/serde", "1.0.1")
            .decision(),
        Some(Decision::Approved),
        "without require-signed an unsigned record is used"
    );
    let strict = open_alone(&index, true).lookup("pkg:cargo/serde", "1.0.1");
    assert!(strict.answer.is_none());
    assert!(strict.errors[0].to_string().contains("require-signed"));
}

#[test]
fn revoked_and_expired_keys_are_reported_and_their_signatures_do_not_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (index, ann, bob) = signing_index(tmp.path(), 0);
    ok(&publish_by(
        tmp.path(),
        &index,
        "pkg:cargo/serde@1.0.0",
        &ann,
    ));
    ok(&publish_by(tmp.path(), &index, "pkg:cargo/syn@2.0.0", &bob));

    let out = index_cmd(
        tmp.path(),
        &[
            "key",
            "revoke",
            "--index",
            index.to_str().unwrap(),
            &ann.fingerprint,
            "--reason",
            "laptop stolen",
        ],
    );
    ok(&out);
    assert_says(&out, "revoked the key");
    let out = verify(tmp.path(), &index);
    assert_eq!(code(&out), 2);
    let report = text(&out);
    assert!(report.contains(&format!("{SERDE_FILE}:1: signature 1: the key {} of Ann Example (City of Example) was revoked on {TODAY} (laptop stolen)", ann.fingerprint)), "{report}");
    assert!(
        report.contains("note: config.json: the key of Ann Example (City of Example) was revoked"),
        "{report}"
    );
    assert!(
        open_alone(&index, false)
            .lookup("pkg:cargo/serde", "1.0.0")
            .answer
            .is_none()
    );
    // A revoked key signs nothing new.
    let out = publish_by(tmp.path(), &index, "pkg:cargo/serde@1.0.1", &ann);
    assert_eq!(code(&out), 2);
    assert_says(&out, "was revoked");

    // Bob's key expires the day before his record's date.
    let config_path = index.join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    config["organisations"][0]["keys"][1]["expires"] = serde_json::json!("2026-02-28");
    std::fs::write(&config_path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    let report = text(&verify(tmp.path(), &index));
    assert!(
        report.contains("cargo/3/s/syn:1: signature 1: the key"),
        "{report}"
    );
    assert!(
        report.contains("expired on 2026-02-28, before the record's date 2026-03-01"),
        "{report}"
    );
    assert!(
        report.contains(
            "note: config.json: the key of Bob Example (City of Example) expired on 2026-02-28"
        ),
        "{report}"
    );
    let out = publish_by(tmp.path(), &index, "pkg:cargo/syn@2.0.1", &bob);
    assert_says(&out, "expired on 2026-02-28");
}

#[test]
fn the_reviewer_signs_their_own_decisions() {
    let tmp = tempfile::tempdir().unwrap();
    let (index, ann, bob) = signing_index(tmp.path(), 0);
    // Bob's key for a record naming Ann: refused.
    let out = publish_as(
        tmp.path(),
        &index,
        "pkg:cargo/serde@1.0.0",
        "Ann Example",
        &bob.private,
    );
    assert_eq!(code(&out), 2);
    assert_says(
        &out,
        "belongs to Bob Example (City of Example), not to the reviewer Ann Example",
    );
    // Unsigned, in an index that lists keys: refused.
    let out = publish(
        tmp.path(),
        &index,
        &decided(
            &["pkg:cargo/serde@1.0.0"],
            "rejected",
            "MIT",
            "Ann Example",
            "City of Example",
        ),
    );
    assert_says(&out, "records must be signed");
    // A key config.json does not list: refused.
    let stranger = keygen(&tmp.path().join("keys"), "mallory", "ed25519");
    let out = publish_as(
        tmp.path(),
        &index,
        "pkg:cargo/serde@1.0.0",
        "Ann Example",
        &stranger.private,
    );
    assert_says(&out, "is not listed in config.json");

    // Written by hand: a record naming Ann, signed by Bob, is reported.
    ok(&publish_by(
        tmp.path(),
        &index,
        "pkg:cargo/serde@1.0.0",
        &bob,
    ));
    let file = index.join(SERDE_FILE);
    let line = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, line.replace("Bob Example", "Ann Example")).unwrap();
    let report = text(&verify(tmp.path(), &index));
    assert!(report.contains("does not match the record"), "{report}");
    let _ = ann;
}

#[test]
fn four_eyes_an_approval_counts_once_a_second_person_signs() {
    let tmp = tempfile::tempdir().unwrap();
    let (index, ann, bob) = signing_index(tmp.path(), 2);
    let out = publish_by(tmp.path(), &index, "pkg:cargo/serde@1.0.0", &ann);
    ok(&out);
    assert_says(&out, "under review until approved by 2 (1 so far)");
    let lookup = open_alone(&index, true).lookup("pkg:cargo/serde", "1.0.0");
    assert_eq!(lookup.decision(), Some(Decision::UnderReview));
    let report = text(&verify(tmp.path(), &index));
    assert!(
        report.contains("under review: approved and signed by 1 of the 2 people"),
        "{report}"
    );

    // Ann cannot be her own second pair of eyes.
    let out = publish_by(tmp.path(), &index, "pkg:cargo/serde@1.0.0", &ann);
    assert_says(&out, "you already signed this approval");

    // Bob co-signs: the record is appended again with both signatures, and counts.
    let out = publish_by(tmp.path(), &index, "pkg:cargo/serde@1.0.0", &bob);
    ok(&out);
    assert_says(
        &out,
        "co-signed approved pkg:cargo/serde@1.0.0 (MIT) by Ann Example",
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(index.join(SERDE_FILE))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["reviewer"], "Ann Example");
    assert_eq!(lines[1]["signatures"].as_array().unwrap().len(), 2);
    let lookup = open_alone(&index, true).lookup("pkg:cargo/serde", "1.0.0");
    assert_eq!(lookup.decision(), Some(Decision::Approved));
    let answer = lookup.answer.unwrap();
    assert_eq!(answer.approvals.unwrap().given, 2);
    let owners: Vec<&str> = answer.signers.iter().map(|s| s.owner.as_str()).collect();
    assert_eq!(owners, ["Ann Example", "Bob Example"]);
    let report = ok(&verify(tmp.path(), &index));
    assert!(!report.contains("under review"), "{report}");

    // The git history names who decided.
    let repo = git2::Repository::open(&index).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.author().name().unwrap(), "Bob Example");
    assert!(
        head.summary()
            .unwrap()
            .unwrap()
            .starts_with("co-signed approved")
    );

    // A co-signature that drops the first signature is reported.
    let file = index.join(SERDE_FILE);
    let mut second = lines[1].clone();
    second["signatures"] = serde_json::json!([lines[1]["signatures"][1]]);
    std::fs::write(
        &file,
        format!(
            "{}\n{}\n",
            serde_json::to_string(&lines[0]).unwrap(),
            serde_json::to_string(&second).unwrap()
        ),
    )
    .unwrap();
    let report = text(&verify(tmp.path(), &index));
    assert!(report.contains("did not sign it"), "{report}");
}

#[test]
fn an_approval_without_evidence_needs_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index_with(tmp.path(), false, &[]);
    let base = decided(
        &["--purl", "pkg:npm/chroma-js", "--versions", ">=2, <3"],
        "approved",
        "BSD-3-Clause",
        "Ann Example",
        "City of Example",
    );
    let out = publish(tmp.path(), &index, &base);
    assert_eq!(code(&out), 2);
    assert_says(&out, "has no evidence");
    assert_says(&out, "--no-evidence");
    let mut with_reason = base;
    with_reason.extend_from_slice(&[
        "--no-evidence",
        "licence checked in the upstream repository",
    ]);
    ok(&publish(tmp.path(), &index, &with_reason));
    let written = std::fs::read_to_string(index.join("npm/ch/ro/chroma-js")).unwrap();
    assert!(
        written.contains(r#""no-evidence":"licence checked in the upstream repository""#),
        "{written}"
    );
    let out = index_cmd(
        tmp.path(),
        &[
            "show",
            "pkg:npm/chroma-js@2.4.2",
            "--index",
            index.to_str().unwrap(),
            "--no-builtin",
        ],
    );
    assert_says(&out, "no evidence: licence checked");
}

/// The audit with a policy that names the index: `require-signed`, `trusted-keys`, and an
/// approval short of its signers, as the JSON report shows them.
#[test]
fn the_audit_uses_only_what_the_policy_trusts() {
    let tmp = tempfile::tempdir().unwrap();
    let (index, ann, bob) = signing_index(tmp.path(), 2);
    // debug: approved by Ann and Bob; ws: approved by Ann only; ms@2.0.0: unsigned.
    ok(&publish_by(tmp.path(), &index, "pkg:npm/debug@2.6.9", &ann));
    ok(&publish_by(tmp.path(), &index, "pkg:npm/debug@2.6.9", &bob));
    ok(&publish_by(tmp.path(), &index, "pkg:npm/ws@8.23.0", &ann));
    let unsigned = serde_json::json!({
        "purl": "pkg:npm/ms", "version": "2.0.0", "decision": "rejected", "licence": "MIT",
        "reviewer": "Ann Example", "organisation": "City of Example", "date": TODAY
    });
    let path = index.join("npm/2/ms");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, format!("{unsigned}\n")).unwrap();

    let policy = |extra: &str| {
        let path = tmp.path().join("policy.toml");
        std::fs::write(
            &path,
            format!(
                "name = \"signed\"\n[licences]\nallow = [\"permissive\"]\n[vetting]\nbuiltin-index = false\n[[index]]\nname = \"city\"\nlocation = \"{}\"\nprecedence = 1\n{extra}",
                index.display()
            ),
        )
        .unwrap();
        path
    };
    let vetting = |run: &support::JsonRun, purl: &str| {
        run.json["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["purl"] == purl)
            .unwrap()["vetting"]
            .clone()
    };
    let fixture = support::fixture("npm/lockfile-v3");

    // Without require-signed: the unsigned rejection is used (and fails the audit).
    let lax = policy("");
    let run = support::audit_json(&fixture, &["--policy", lax.to_str().unwrap()]);
    assert_eq!(vetting(&run, "pkg:npm/ms@2.0.0")["status"], "rejected");
    let debug = vetting(&run, "pkg:npm/debug@2.6.9");
    assert_eq!(debug["status"], "approved");
    assert_eq!(
        debug["record"]["signers"],
        serde_json::json!(["Ann Example", "Bob Example"])
    );
    assert_eq!(
        debug["record"]["approvals"],
        serde_json::json!({"given": 2, "needed": 2})
    );
    let ws = vetting(&run, "pkg:npm/ws@8.23.0");
    assert_eq!(ws["status"], "under-review");
    assert!(
        ws["explanation"]
            .as_str()
            .unwrap()
            .contains("signed by 1 of the 2 people"),
        "{ws}"
    );
    assert_eq!(run.json["vetting"]["indices"][0]["approvals"], 2);
    assert_eq!(run.json["vetting"]["indices"][0]["signing_keys"], 2);

    // require-signed: the unsigned record is ignored and reported; the audit is incomplete.
    let strict = policy("require-signed = true\n");
    let run = support::audit_json(&fixture, &["--policy", strict.to_str().unwrap()]);
    let ms = vetting(&run, "pkg:npm/ms@2.0.0");
    assert_eq!(ms["status"], "unknown", "{ms}");
    assert!(
        ms["errors"][0].as_str().unwrap().contains("require-signed"),
        "{ms}"
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(vetting(&run, "pkg:npm/debug@2.6.9")["status"], "approved");

    // trusted-keys without Bob's key: Bob's signature is an unknown key's, so debug's record
    // is not used at all.
    let pinned = policy(&format!(
        "require-signed = true\ntrusted-keys = [\"{}\"]\n",
        ann.fingerprint
    ));
    let run = support::audit_json(&fixture, &["--policy", pinned.to_str().unwrap()]);
    let debug = vetting(&run, "pkg:npm/debug@2.6.9");
    assert_ne!(debug["status"], "approved", "{debug}");
    assert!(
        debug["errors"][0]
            .as_str()
            .unwrap()
            .contains("is not among the trusted keys"),
        "{debug}"
    );
}

/// Bob's statement that serde 1.0.0 is not affected by a vulnerability, without a decision (the
/// decision in force is repeated), signed with `key`.
fn state_not_affected(tmp: &Path, index: &Path, who: &str, key: &Path) -> std::process::Output {
    publish(
        tmp,
        index,
        &[
            "pkg:cargo/serde@1.0.0",
            "--vex",
            "RUSTSEC-2099-0001",
            "--vex-status",
            "not_affected",
            "--justification",
            "vulnerable_code_not_in_execute_path",
            "--analysis",
            "the affected deserializer is never called",
            "--reviewer",
            who,
            "--organisation",
            "City of Example",
            "--sign-key",
            key.to_str().unwrap(),
        ],
    )
}

#[test]
fn vex_statements_are_signed_with_the_decision() {
    let tmp = tempfile::tempdir().unwrap();
    let (index, ann, bob) = signing_index(tmp.path(), 2);
    for key in [&ann, &bob] {
        ok(&publish_by(
            tmp.path(),
            &index,
            "pkg:cargo/serde@1.0.0",
            key,
        ));
    }
    assert_eq!(
        open_alone(&index, true)
            .lookup("pkg:cargo/serde", "1.0.0")
            .decision(),
        Some(Decision::Approved)
    );

    // The statement repeats the approval, so in a four-eyes index it needs a second signer.
    let out = ok(&state_not_affected(
        tmp.path(),
        &index,
        "Bob Example",
        &bob.private,
    ));
    assert!(out.contains("VEX: RUSTSEC-2099-0001 not_affected"), "{out}");
    assert!(out.contains("signed (1)"), "{out}");
    assert!(out.contains("under review until approved by 2"), "{out}");
    let lookup = open_alone(&index, true).lookup("pkg:cargo/serde", "1.0.0");
    assert_eq!(lookup.decision(), Some(Decision::UnderReview));
    assert_eq!(
        lookup.answer.as_ref().unwrap().record.vex[0].vulnerability,
        "RUSTSEC-2099-0001"
    );

    // Ann co-signs the line with the statement: approved again, the statement signed by both.
    let out = ok(&publish_by(
        tmp.path(),
        &index,
        "pkg:cargo/serde@1.0.0",
        &ann,
    ));
    assert!(out.contains("co-signed approved"), "{out}");
    let lookup = open_alone(&index, true).lookup("pkg:cargo/serde", "1.0.0");
    assert_eq!(lookup.decision(), Some(Decision::Approved));
    let answer = lookup.answer.unwrap();
    assert_eq!(answer.record.vex.len(), 1);
    assert_eq!(answer.signers.len(), 2);
    ok(&verify(tmp.path(), &index));

    // What is signed holds the statement ...
    let file = index.join(SERDE_FILE);
    let text_now = std::fs::read_to_string(&file).unwrap();
    let last_line = text_now.lines().count().to_string();
    let signed = ok(&index_cmd(
        tmp.path(),
        &["signed-data", file.to_str().unwrap(), "--line", &last_line],
    ));
    assert!(
        signed.contains(r#""vex":[{"analysis":"the affected deserializer is never called""#),
        "{signed}"
    );

    // ... so a changed analysis, or a statement slipped into a signed line, breaks the
    // signatures, and the reader uses neither the line nor its statement.
    let lines: Vec<&str> = text_now.lines().collect();
    // Every line with the statement (Bob's, and the one Ann co-signed) says something else.
    let changed: Vec<String> = lines
        .iter()
        .map(|l| {
            l.replace(
                "the affected deserializer is never called",
                "nothing to see here",
            )
        })
        .collect();
    // The statement put into the approval both signed, which then is the only line.
    let mut slipped: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    slipped["vex"] =
        serde_json::from_str::<serde_json::Value>(lines[lines.len() - 1]).unwrap()["vex"].clone();
    let slipped = vec![
        lines[0].to_string(),
        serde_json::to_string(&slipped).unwrap(),
    ];
    for (what, edited, at) in [
        ("a changed analysis", changed, lines.len()),
        ("a statement added to a signed line", slipped, 2),
    ] {
        std::fs::write(&file, edited.join("\n") + "\n").unwrap();
        let out = verify(tmp.path(), &index);
        assert_eq!(code(&out), 2, "{what}: {}", text(&out));
        assert!(
            text(&out).contains(&format!("{SERDE_FILE}:{at}: "))
                && text(&out).contains("does not match the record"),
            "{what}: {}",
            text(&out)
        );
        let lookup = open_alone(&index, false).lookup("pkg:cargo/serde", "1.0.0");
        assert!(!lookup.conclusive(), "{what}");
        let statements: Vec<_> = lookup
            .answer
            .iter()
            .flat_map(|a| std::iter::once(&a.record).chain(a.superseded.iter().map(|d| &d.record)))
            .flat_map(|r| &r.vex)
            .collect();
        assert!(statements.is_empty(), "{what}: {statements:?}");
    }
}
