//! Integrity values as lockfiles and registries record them, and checking an archive against
//! one: Subresource Integrity strings (`sha512-<base64>`, npm's `integrity`; several separated
//! by spaces), hexadecimal digests (npm's `shasum`, Composer's `shasum`, Cargo's `checksum`),
//! and `<algorithm>:<hex>` / `<algorithm>=<hex>` (pip's `--hash`, uv and Poetry). Go's `h1:`
//! hashes are over a module's files, not its zip, and are checked by the Go proxy client.

use base64::Engine as _;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }
}

/// One expected digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub algorithm: Algorithm,
    pub digest: Vec<u8>,
    /// As the lockfile wrote it, for messages.
    pub text: String,
}

/// The digests an integrity value names, strongest first; empty when it names none that
/// fundament can check (an `h1:` hash, an unknown algorithm, garbage).
pub fn parse(value: &str) -> Vec<Expected> {
    let mut out = Vec::new();
    for token in value.split_whitespace() {
        let token = token.split('?').next().unwrap_or(token);
        let named = token
            .split_once('-')
            .filter(|(a, _)| algorithm(a).is_some())
            .map(|(a, d)| {
                (
                    algorithm(a),
                    base64::engine::general_purpose::STANDARD.decode(d).ok(),
                )
            })
            .or_else(|| {
                token
                    .split_once([':', '='])
                    .map(|(a, d)| (algorithm(a), hex::decode(d.trim()).ok()))
            });
        let (algorithm, digest) = match named {
            Some((Some(algorithm), Some(digest))) => (algorithm, digest),
            Some(_) => continue,
            None => match hex::decode(token) {
                Ok(digest) => match digest.len() {
                    20 => (Algorithm::Sha1, digest),
                    32 => (Algorithm::Sha256, digest),
                    64 => (Algorithm::Sha512, digest),
                    _ => continue,
                },
                Err(_) => continue,
            },
        };
        let expected_len = match algorithm {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
        };
        if digest.len() == expected_len {
            out.push(Expected {
                algorithm,
                digest,
                text: token.to_string(),
            });
        }
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.algorithm));
    out
}

fn algorithm(name: &str) -> Option<Algorithm> {
    match name.to_ascii_lowercase().as_str() {
        "sha1" => Some(Algorithm::Sha1),
        "sha256" => Some(Algorithm::Sha256),
        "sha512" => Some(Algorithm::Sha512),
        _ => None,
    }
}

/// Checks `bytes` against the strongest digest of `expected` (as Subresource Integrity does):
/// `Err` names what was expected and what the bytes hash to.
pub fn check(bytes: &[u8], expected: &[Expected]) -> Result<(), (String, String)> {
    let Some(strongest) = expected.first() else {
        return Ok(());
    };
    let candidates: Vec<&Expected> = expected
        .iter()
        .filter(|e| e.algorithm == strongest.algorithm)
        .collect();
    let actual = digest(strongest.algorithm, bytes);
    if candidates.iter().any(|e| e.digest == actual) {
        return Ok(());
    }
    Err((
        strongest.text.clone(),
        format!(
            "{}-{}",
            strongest.algorithm.name(),
            base64::engine::general_purpose::STANDARD.encode(&actual)
        ),
    ))
}

fn digest(algorithm: Algorithm, bytes: &[u8]) -> Vec<u8> {
    match algorithm {
        Algorithm::Sha1 => Sha1::digest(bytes).to_vec(),
        Algorithm::Sha256 => Sha256::digest(bytes).to_vec(),
        Algorithm::Sha512 => Sha512::digest(bytes).to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sri(algorithm: &str, bytes: &[u8]) -> String {
        let digest = match algorithm {
            "sha1" => Sha1::digest(bytes).to_vec(),
            "sha256" => Sha256::digest(bytes).to_vec(),
            _ => Sha512::digest(bytes).to_vec(),
        };
        format!(
            "{algorithm}-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    }

    #[test]
    fn every_notation_is_read_and_checked() {
        let body = b"archive bytes";
        let hex_sha1 = hex::encode(Sha1::digest(body));
        let hex_sha256 = hex::encode(Sha256::digest(body));
        for value in [
            sri("sha512", body),
            sri("sha1", body),
            hex_sha1.clone(),
            hex_sha256.clone(),
            format!("sha256:{hex_sha256}"),
            format!("sha256={hex_sha256}"),
            format!("{} {}", sri("sha1", b"other"), sri("sha512", body)),
        ] {
            let parsed = parse(&value);
            assert!(!parsed.is_empty(), "{value}");
            assert_eq!(check(body, &parsed), Ok(()), "{value}");
            assert!(check(b"tampered", &parsed).is_err(), "{value}");
        }
    }

    #[test]
    fn unknown_notations_check_nothing() {
        assert!(parse("h1:abc=").is_empty());
        assert!(parse("md5-abc").is_empty());
        assert!(parse("sha512-notbase64!").is_empty());
        assert!(parse("").is_empty());
    }

    #[test]
    fn a_mismatch_names_both_digests() {
        let (expected, actual) = check(b"x", &parse(&sri("sha512", b"y"))).unwrap_err();
        assert!(expected.starts_with("sha512-"));
        assert_eq!(actual, sri("sha512", b"x"));
    }
}
