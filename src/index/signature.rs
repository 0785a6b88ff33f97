//! Signed decisions (docs/index-format.md, "Signatures"): SSH signatures (the SSHSIG format of
//! `ssh-keygen -Y sign`, also git's SSH commit signatures) over a record's canonical form,
//! checked against the keys `config.json` lists per organisation.
//!
//! The canonical form of a record is the JSON Canonicalization Scheme (RFC 8785) of the
//! record's JSON object as written on its line, without its `signatures` member: every field,
//! also fields a later schema adds, is covered, and any program that can canonicalise JSON can
//! recompute the signed bytes and check them with `ssh-keygen -Y verify`.

use super::config::{Config, TrustedKey};
use super::record::{Decision, Record};
use serde::{Deserialize, Serialize};
use ssh_key::{HashAlg, LineEnding, PublicKey, SshSig};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The SSHSIG namespace of index records: a signature made for anything else (a git commit, a
/// file) never counts as a signature of a record.
pub const NAMESPACE: &str = "fundament-index";

/// One signature on a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSignature {
    /// The SHA-256 fingerprint of the signing key as `ssh-keygen -l` prints it
    /// (`SHA256:…`), so that a reader sees whose signature it is without decoding it.
    pub key: String,
    /// The SSHSIG signature blob in base64 (the body of the `-----BEGIN SSH SIGNATURE-----`
    /// armour of `ssh-keygen -Y sign`, on one line).
    pub sshsig: String,
}

impl RecordSignature {
    /// A signature from `ssh-keygen -Y sign`'s armoured output.
    pub fn from_armored(pem: &str) -> Result<RecordSignature, String> {
        let sig = SshSig::from_pem(pem.trim()).map_err(|e| format!("not an SSH signature: {e}"))?;
        Self::from_sshsig(&sig)
    }

    fn from_sshsig(sig: &SshSig) -> Result<RecordSignature, String> {
        let pem = sig
            .to_pem(LineEnding::LF)
            .map_err(|e| format!("cannot encode the signature: {e}"))?;
        // The armour's body is the base64 of the binary SSHSIG blob.
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::trim)
            .collect();
        Ok(RecordSignature {
            key: sig.public_key().fingerprint(HashAlg::Sha256).to_string(),
            sshsig: body,
        })
    }

    /// The decoded SSHSIG.
    pub fn decode(&self) -> Result<SshSig, String> {
        use base64::Engine as _;
        use ssh_encoding::Decode as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.sshsig.as_bytes())
            .map_err(|e| format!("`sshsig` is not base64: {e}"))?;
        let mut reader = bytes.as_slice();
        let sig =
            SshSig::decode(&mut reader).map_err(|e| format!("`sshsig` is not an SSHSIG: {e}"))?;
        if !reader.is_empty() {
            return Err("`sshsig` has bytes after the signature".to_string());
        }
        Ok(sig)
    }

    /// The signature armoured as `ssh-keygen -Y sign` writes it (70 characters a line), for
    /// `ssh-keygen -Y verify`.
    pub fn to_armored(&self) -> String {
        let mut pem = String::from("-----BEGIN SSH SIGNATURE-----\n");
        let body = self.sshsig.as_bytes();
        for chunk in body.chunks(70) {
            pem.push_str(&String::from_utf8_lossy(chunk));
            pem.push('\n');
        }
        pem.push_str("-----END SSH SIGNATURE-----\n");
        pem
    }
}

// ---------------------------------------------------------------------------------------------
// The canonical form.

/// The bytes a record's signatures sign: RFC 8785 canonical JSON of `line`'s object without
/// its `signatures` member. `Err` for a line that is not a JSON object, and for numbers that
/// are not integers (no record field is one; RFC 8785's number form is not needed).
pub fn signed_bytes_of_line(line: &str) -> Result<Vec<u8>, String> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    signed_bytes_of_value(value)
}

/// [`signed_bytes_of_line`] of a record as fundament writes it.
pub fn signed_bytes(record: &Record) -> Result<Vec<u8>, String> {
    let value = serde_json::to_value(record).map_err(|e| e.to_string())?;
    signed_bytes_of_value(value)
}

fn signed_bytes_of_value(value: serde_json::Value) -> Result<Vec<u8>, String> {
    let serde_json::Value::Object(mut object) = value else {
        return Err("a record is a JSON object".to_string());
    };
    object.remove("signatures");
    let mut out = Vec::with_capacity(512);
    write_canonical(&serde_json::Value::Object(object), &mut out)?;
    Ok(out)
}

fn write_canonical(value: &serde_json::Value, out: &mut Vec<u8>) -> Result<(), String> {
    use serde_json::Value;
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() {
                out.extend_from_slice(n.to_string().as_bytes());
            } else {
                return Err(format!(
                    "the number {n} is not an integer; signed records hold none"
                ));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // RFC 8785: members sorted by the UTF-16 code units of their names.
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push(b'{');
            for (i, (name, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(name, out);
                out.push(b':');
                write_canonical(item, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// A JSON string as RFC 8785 (ECMAScript's `JSON.stringify`) writes it: `"` and `\` escaped,
/// the control characters as `\b \t \n \f \r` or `\u00xx`, everything else as UTF-8.
fn write_string(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

// ---------------------------------------------------------------------------------------------
// Trusted keys.

/// A key config.json lists, parsed.
#[derive(Debug, Clone)]
pub struct KeyHolder {
    pub owner: String,
    pub organisation: String,
    pub fingerprint: String,
    pub key: PublicKey,
    pub entry: TrustedKey,
    /// An ed25519 key, decompressed once: most keys are ed25519, and verifying 100,000
    /// records should not decompress the same key 100,000 times.
    ed25519: Option<ed25519_dalek::VerifyingKey>,
}

impl KeyHolder {
    /// Verifies an SSHSIG over `message` made with this key (already checked to be the
    /// signature's key, in [`NAMESPACE`]).
    fn verify(&self, message: &[u8], sig: &SshSig) -> Result<(), String> {
        if let (Some(key), ssh_key::Algorithm::Ed25519) = (&self.ed25519, sig.algorithm()) {
            use ed25519_dalek::Verifier as _;
            // What ssh-key does (PROTOCOL.sshsig), with the key decompressed once.
            let data = SshSig::signed_data(NAMESPACE, sig.hash_alg(), message)
                .map_err(|e| e.to_string())?;
            let signature = ed25519_dalek::Signature::from_slice(sig.signature_bytes())
                .map_err(|e| e.to_string())?;
            return key.verify(&data, &signature).map_err(|e| e.to_string());
        }
        self.key
            .verify(NAMESPACE, message, sig)
            .map_err(|e| e.to_string())
    }
}

/// The keys of one index, by fingerprint.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    keys: HashMap<String, KeyHolder>,
    /// Distinct signers an approval needs (`approvals` of config.json; 0: not counted).
    pub approvals: u32,
}

impl Keyring {
    /// The keys of `config` (every key parses: [`Config::parse`] checked that), restricted to
    /// the fingerprints in `trusted` when that is not empty (`[[index]] trusted-keys`).
    pub fn from_config(config: &Config, trusted: &[String]) -> Keyring {
        let mut keys = HashMap::new();
        for organisation in &config.organisations {
            for entry in &organisation.keys {
                let Ok(key) = PublicKey::from_openssh(entry.public_key.trim()) else {
                    continue;
                };
                let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
                if !trusted.is_empty() && !trusted.contains(&fingerprint) {
                    continue;
                }
                let ed25519 = key
                    .key_data()
                    .ed25519()
                    .and_then(|k| ed25519_dalek::VerifyingKey::try_from(k).ok());
                keys.insert(
                    fingerprint.clone(),
                    KeyHolder {
                        owner: entry.owner.clone(),
                        organisation: organisation.name.clone(),
                        fingerprint,
                        key,
                        entry: entry.clone(),
                        ed25519,
                    },
                );
            }
        }
        Keyring {
            keys,
            approvals: config.approvals,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn get(&self, fingerprint: &str) -> Option<&KeyHolder> {
        self.keys.get(fingerprint)
    }

    /// Every key, sorted by owner.
    pub fn holders(&self) -> Vec<&KeyHolder> {
        let mut all: Vec<&KeyHolder> = self.keys.values().collect();
        all.sort_by(|a, b| (&a.owner, &a.fingerprint).cmp(&(&b.owner, &b.fingerprint)));
        all
    }
}

// ---------------------------------------------------------------------------------------------
// Checking.

/// A signature that verified, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    pub owner: String,
    pub organisation: String,
    pub key: String,
}

/// What a record's signatures prove.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignatureCheck {
    /// The valid signatures, one per owner, in the record's order.
    pub signers: Vec<Signer>,
    /// Why signatures (or the record as a whole) do not count; empty when all is well.
    pub problems: Vec<String>,
}

impl SignatureCheck {
    /// Signed, every signature valid, and one of them by the reviewer the record names.
    pub fn valid(&self) -> bool {
        !self.signers.is_empty() && self.problems.is_empty()
    }
}

/// Checks the signatures of `record` (whose signed bytes are `signed`) against `keyring`.
/// An unsigned record gives an empty check (no signers, no problems).
pub fn check(record: &Record, signed: &[u8], keyring: &Keyring) -> SignatureCheck {
    let mut out = SignatureCheck::default();
    if record.signatures.is_empty() {
        return out;
    }
    let ecosystem = record
        .purl
        .strip_prefix("pkg:")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    let date = super::record::parse_date(&record.date).ok();
    let mut reviewer_signed = false;
    for (i, signature) in record.signatures.iter().enumerate() {
        let n = i + 1;
        let sig = match signature.decode() {
            Ok(sig) => sig,
            Err(e) => {
                out.problems.push(format!("signature {n}: {e}"));
                continue;
            }
        };
        if sig.namespace() != NAMESPACE {
            out.problems.push(format!(
                "signature {n}: made for `{}`, not for index records (`{NAMESPACE}`)",
                sig.namespace()
            ));
            continue;
        }
        // The key is looked up by the fingerprint the entry names; the verification below
        // checks that the signature was made with that very key.
        let fingerprint = signature.key.clone();
        let Some(holder) = keyring.get(&fingerprint) else {
            let actual = sig.public_key().fingerprint(HashAlg::Sha256).to_string();
            out.problems.push(if actual != fingerprint {
                format!("signature {n}: made with the key {actual}, but `key` says {fingerprint}")
            } else {
                format!(
                    "signature {n}: the key {fingerprint} is not among the trusted keys of config.json"
                )
            });
            continue;
        };
        if holder.key.key_data() != sig.public_key() {
            let actual = sig.public_key().fingerprint(HashAlg::Sha256).to_string();
            out.problems.push(format!(
                "signature {n}: made with the key {actual}, but `key` says {fingerprint}"
            ));
            continue;
        }
        let who = format!("{} ({})", holder.owner, holder.organisation);
        if let Some(revoked) = &holder.entry.revoked {
            out.problems.push(format!(
                "signature {n}: the key {fingerprint} of {who} was revoked on {}{}; none of its signatures counts",
                revoked.date,
                revoked
                    .reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ));
            continue;
        }
        if let (Some(date), Some(expires)) = (
            date,
            holder
                .entry
                .expires
                .as_deref()
                .and_then(|d| super::record::parse_date(d).ok()),
        ) && date > expires
        {
            out.problems.push(format!(
                "signature {n}: the key {fingerprint} of {who} expired on {expires}, before the record's date {date}"
            ));
            continue;
        }
        if let (Some(date), Some(from)) = (
            date,
            holder
                .entry
                .valid_from
                .as_deref()
                .and_then(|d| super::record::parse_date(d).ok()),
        ) && date < from
        {
            out.problems.push(format!(
                "signature {n}: the key {fingerprint} of {who} is valid from {from}, after the record's date {date}"
            ));
            continue;
        }
        if !holder.entry.may_sign(record.decision) {
            out.problems.push(format!(
                "signature {n}: {who} may not sign `{}` decisions",
                record.decision
            ));
            continue;
        }
        if !holder.entry.may_sign_ecosystem(ecosystem) {
            out.problems.push(format!(
                "signature {n}: {who} may not sign decisions about {ecosystem} packages"
            ));
            continue;
        }
        if let Err(e) = holder.verify(signed, &sig) {
            out.problems.push(format!(
                "signature {n} by {who} does not match the record ({e}): the record was changed after it was signed, or the signature belongs to another record"
            ));
            continue;
        }
        if out.signers.iter().any(|s| s.owner == holder.owner) {
            out.problems
                .push(format!("signature {n}: {who} signed the record twice"));
            continue;
        }
        if holder.owner == record.reviewer {
            if holder.organisation == record.organisation {
                reviewer_signed = true;
            } else {
                out.problems.push(format!(
                    "signature {n}: the key of {who} belongs to another organisation than the record's `{}`",
                    record.organisation
                ));
                continue;
            }
        }
        out.signers.push(Signer {
            owner: holder.owner.clone(),
            organisation: holder.organisation.clone(),
            key: fingerprint,
        });
    }
    if !reviewer_signed && out.problems.is_empty() {
        out.problems.push(format!(
            "the reviewer `{}` named in the record did not sign it (signed by {})",
            record.reviewer,
            out.signers
                .iter()
                .map(|s| s.owner.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}

/// Whether an approved record has the signers its index needs (`approvals`), and if not,
/// how many it has.
pub fn approvals_missing(decision: Decision, check: &SignatureCheck, needed: u32) -> Option<u32> {
    if decision != Decision::Approved || needed == 0 {
        return None;
    }
    let given = if check.valid() {
        check.signers.len() as u32
    } else {
        0
    };
    (given < needed).then_some(given)
}

// ---------------------------------------------------------------------------------------------
// Signing.

/// A key to sign with.
#[derive(Debug, Clone)]
pub enum SigningKey {
    /// An unencrypted private key, used in-process.
    Private(Box<ssh_key::PrivateKey>),
    /// A key `ssh-keygen -Y sign` uses: a passphrase-protected private key (ssh-keygen asks for
    /// the passphrase) or a public key whose private half is in the ssh agent.
    Program { path: PathBuf, public: PublicKey },
}

impl SigningKey {
    /// Reads the key at `path`: an OpenSSH private key (unencrypted: used in-process;
    /// encrypted: through `ssh-keygen`) or a public key (through `ssh-keygen` and the agent).
    pub fn load(path: &Path) -> Result<SigningKey, String> {
        let text = crate::source::read_text_bounded(path, crate::source::Limit::CONFIG)
            .map_err(|refusal| format!("the signing key {refusal}"))?;
        if let Ok(private) = ssh_key::PrivateKey::from_openssh(text.as_bytes()) {
            if private.is_encrypted() {
                return Ok(SigningKey::Program {
                    path: path.to_path_buf(),
                    public: private.public_key().clone(),
                });
            }
            return Ok(SigningKey::Private(Box::new(private)));
        }
        if let Ok(public) = PublicKey::from_openssh(text.trim()) {
            return Ok(SigningKey::Program {
                path: path.to_path_buf(),
                public,
            });
        }
        // An OpenSSH private key the in-process reader refuses (it does not take every
        // encoding OpenSSH writes: an ECDSA scalar with a leading zero byte, about one key in
        // 256): ssh-keygen reads it, and gives its public half.
        if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----")
            && let Some(public) = public_half_by_ssh_keygen(path)
        {
            return Ok(SigningKey::Program {
                path: path.to_path_buf(),
                public,
            });
        }
        Err(format!(
            "{} is neither an OpenSSH private key nor a public key",
            path.display()
        ))
    }

    pub fn public_key(&self) -> &PublicKey {
        match self {
            SigningKey::Private(private) => private.public_key(),
            SigningKey::Program { public, .. } => public,
        }
    }

    pub fn fingerprint(&self) -> String {
        self.public_key().fingerprint(HashAlg::Sha256).to_string()
    }

    /// Signs `message` in the records' namespace.
    pub fn sign(&self, message: &[u8]) -> Result<RecordSignature, String> {
        match self {
            SigningKey::Private(private) => {
                let sig = private
                    .sign(NAMESPACE, HashAlg::Sha512, message)
                    .map_err(|e| format!("cannot sign: {e}"))?;
                RecordSignature::from_sshsig(&sig)
            }
            SigningKey::Program { path, public } => {
                let signature = sign_with_ssh_keygen(path, message)?;
                // The agent signs with the key it holds for the public half: make sure it was
                // this one.
                let expected = public.fingerprint(HashAlg::Sha256).to_string();
                if signature.key != expected {
                    return Err(format!(
                        "ssh-keygen signed with {} instead of {expected}",
                        signature.key
                    ));
                }
                Ok(signature)
            }
        }
    }
}

/// `ssh-keygen -Y sign -n fundament-index -f PATH`, the message on stdin. ssh-keygen may ask
/// for a passphrase on the terminal, or use the agent.
fn sign_with_ssh_keygen(path: &Path, message: &[u8]) -> Result<RecordSignature, String> {
    use std::io::Write as _;
    let mut child = std::process::Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", NAMESPACE, "-f"])
        .arg(path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run ssh-keygen to sign with {}: {e}", path.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(message)
            .map_err(|e| format!("cannot give ssh-keygen the record: {e}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("ssh-keygen: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "ssh-keygen could not sign with {}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    RecordSignature::from_armored(&String::from_utf8_lossy(&output.stdout))
}

/// The public half of the unencrypted private key at `path`, as `ssh-keygen -y` derives it
/// (with no terminal to ask for a passphrase, and a time limit).
fn public_half_by_ssh_keygen(path: &Path) -> Option<PublicKey> {
    let mut command = std::process::Command::new("ssh-keygen");
    command.arg("-y").arg("-f").arg(path);
    let ran =
        crate::clean_room::run(command, std::time::Duration::from_secs(10), 64 * 1024).ok()?;
    if !ran.success {
        return None;
    }
    PublicKey::from_openssh(String::from_utf8_lossy(&ran.stdout).trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every ECDSA key ssh-keygen writes loads and signs: about one in 256 has a private scalar
    /// with a leading zero byte, which the in-process reader refuses (found as a flaky test in
    /// tests/index_signing.rs). Keys are made until such a key turns up (or 2,000 were made).
    #[test]
    fn every_ecdsa_key_ssh_keygen_writes_loads() {
        if std::process::Command::new("ssh-keygen")
            .arg("-?")
            .output()
            .is_err()
        {
            eprintln!("skipped: ssh-keygen is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut refused_in_process = 0;
        for i in 0..2000 {
            let path = dir.path().join(format!("key{i}"));
            let status = std::process::Command::new("ssh-keygen")
                .args(["-q", "-t", "ecdsa", "-N", "", "-C", "k", "-f"])
                .arg(&path)
                .status()
                .unwrap();
            assert!(status.success());
            let text = std::fs::read_to_string(&path).unwrap();
            let key = SigningKey::load(&path).unwrap_or_else(|e| panic!("key {i}: {e}"));
            let written = std::fs::read_to_string(path.with_extension("pub")).unwrap();
            assert_eq!(
                key.public_key().key_data(),
                PublicKey::from_openssh(written.trim()).unwrap().key_data()
            );
            if ssh_key::PrivateKey::from_openssh(text.as_bytes()).is_err() {
                refused_in_process += 1;
                key.sign(b"a record").unwrap();
                break;
            }
        }
        eprintln!("{refused_in_process} key refused in process, loaded through ssh-keygen");
    }

    #[test]
    fn the_canonical_form_is_rfc_8785() {
        let line = r#"{"purl":"pkg:npm/a","z":"\u00e9\u007f\u2028","a":{"b":[1,true,null],"a":"\"\\\b\f\n\r\t\u0001"},"signatures":[{"key":"x","sshsig":"y"}],"€":1,"😀":2,"￿":3}"#;
        let bytes = signed_bytes_of_line(line).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "{\"a\":{\"a\":\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\",\"b\":[1,true,null]},\"purl\":\"pkg:npm/a\",\"z\":\"é\u{7f}\u{2028}\",\"€\":1,\"😀\":2,\"\u{ffff}\":3}"
        );
        assert!(signed_bytes_of_line(r#"{"a":1.5}"#).is_err());
        assert!(signed_bytes_of_line("[1]").is_err());
    }

    #[test]
    fn field_order_and_spacing_do_not_change_what_is_signed() {
        let a = r#"{"purl":"pkg:cargo/x","version":"1","decision":"approved"}"#;
        let b = r#"{ "decision" : "approved", "version":"1",  "purl":"pkg:cargo/x", "signatures": [] }"#;
        assert_eq!(
            signed_bytes_of_line(a).unwrap(),
            signed_bytes_of_line(b).unwrap()
        );
    }
}
