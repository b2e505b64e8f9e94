//! Keyed fingerprints of secret values, and the fingerprint files that carry
//! them from each environment's CI job to the compliance job.
//!
//! A fingerprint is HMAC-SHA256 of the value under a key the user provides
//! (an environment variable named with `--fingerprint-key-env`). Without the
//! key, a fingerprint says nothing about the value: short or guessable
//! values cannot be recovered by hashing candidates. Two fingerprints are
//! comparable only when made with the same key; a key is known by its id, an
//! HMAC of a fixed label, which identifies it without revealing it.
//!
//! The key is held in a [`Zeroizing`] buffer and never printed (its `Debug`
//! form shows the id only).

use crate::diag::Code;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::diag::InputError;
use crate::source::{FileKind, Location};

/// The format version of fingerprint files.
pub const FILE_VERSION: u32 = 1;

/// What prefixes every fingerprint: the algorithm, so a future one cannot be
/// confused with it.
pub const PREFIX: &str = "hmac-sha256:";

/// The label whose HMAC is a key's id.
const KEY_ID_LABEL: &[u8] = b"secretary key id";

/// A fingerprint key and its id.
pub struct FingerprintKey {
    key: Zeroizing<Vec<u8>>,
    id: String,
    random: bool,
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FingerprintKey")
            .field("id", &self.id)
            .field("random", &self.random)
            .finish_non_exhaustive()
    }
}

impl FingerprintKey {
    /// A key given by the user. It must not be empty.
    pub fn new(key: Zeroizing<Vec<u8>>) -> Self {
        let id = hex(&hmac(&key, KEY_ID_LABEL)[..8]);
        FingerprintKey {
            key,
            id,
            random: false,
        }
    }

    /// A random key for one run: its fingerprints compare only with each other.
    pub fn random() -> Result<Self, String> {
        let mut key = Zeroizing::new(vec![0u8; 32]);
        getrandom::fill(&mut key).map_err(|e| format!("no random numbers: {e}"))?;
        let mut made = FingerprintKey::new(key);
        made.random = true;
        Ok(made)
    }

    /// 16 hex characters naming the key.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether the key was made up for this run.
    pub fn is_random(&self) -> bool {
        self.random
    }

    /// The fingerprint of `value`: `hmac-sha256:` and 64 hex characters.
    pub fn fingerprint(&self, value: &[u8]) -> String {
        format!("{PREFIX}{}", hex(&hmac(&self.key, value)))
    }
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// One environment's fingerprints, as `secretary fingerprint` writes them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FingerprintFile {
    /// [`FILE_VERSION`].
    pub version: u32,
    /// The environment whose values were read.
    pub environment: String,
    /// The id of the key the fingerprints were made with.
    pub key_id: String,
    /// Secret id to fingerprint, for every value that was read.
    pub fingerprints: BTreeMap<String, String>,
    /// Secrets whose declared value was not found.
    #[serde(default)]
    pub missing: BTreeSet<String>,
    /// Secrets whose value is empty (they have no fingerprint).
    #[serde(default)]
    pub empty: BTreeSet<String>,
}

impl FingerprintFile {
    /// Pretty JSON, one entry per line, with a final newline: byte-identical
    /// for the same inputs and key.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .unwrap_or_else(|_| unreachable!("maps of strings always serialize"));
        text.push('\n');
        text
    }

    /// Parses and checks the shape of a file's text; `file` names it in errors.
    /// Whether its names match the inventory is checked by the caller.
    pub fn parse(file: &Arc<str>, text: &str) -> Result<FingerprintFile, InputError> {
        let help = "write fingerprint files with `secretary fingerprint --env NAME -o FILE`; the format is in docs/src/values.md";
        let parsed: FingerprintFile = serde_json::from_str(text).map_err(|err| {
            InputError::new(
                Code::InvalidFingerprintFile,
                format!(
                    "fingerprint file is not valid: {}",
                    FileKind::Fingerprints.json_problem(&err)
                ),
            )
            .at(Location::new(file, err.line().max(1), err.column().max(1)))
            .help(help)
        })?;
        if parsed.version != FILE_VERSION {
            return Err(InputError::new(
                Code::InvalidFingerprintFile,
                format!(
                    "fingerprint file version `{}` is not supported",
                    parsed.version
                ),
            )
            .at(key_location(file, text, "version"))
            .help(format!(
                "this secretary reads version {FILE_VERSION}; write the file again with `secretary fingerprint`"
            )));
        }
        if parsed.key_id.len() != 16 || !parsed.key_id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(InputError::new(
                Code::InvalidFingerprintFile,
                "fingerprint file has a `key_id` that is not 16 hex characters",
            )
            .at(key_location(file, text, "key_id"))
            .help(help));
        }
        for (secret, fingerprint) in &parsed.fingerprints {
            let ok = fingerprint.strip_prefix(PREFIX).is_some_and(|h| {
                h.len() == 64
                    && h.chars()
                        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            });
            if !ok {
                return Err(InputError::new(
                    Code::InvalidFingerprintFile,
                    format!(
                        "the fingerprint of `{secret}` is not `{PREFIX}` and 64 hex characters"
                    ),
                )
                .at(key_location(file, text, secret))
                .help(help));
            }
        }
        Ok(parsed)
    }
}

/// Where `"key":` first appears in `text`, else `"key"` (an item of a
/// list), else the file's start.
pub fn key_location(file: &Arc<str>, text: &str, key: &str) -> Location {
    let quoted = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
    text.find(&format!("{quoted}:"))
        .or_else(|| text.find(&quoted))
        .map(|offset| Location::from_offset(file, text, offset))
        .unwrap_or_else(|| Location::file_start(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> FingerprintKey {
        FingerprintKey::new(Zeroizing::new(text.as_bytes().to_vec()))
    }

    #[test]
    fn same_key_same_fingerprint_other_key_other_fingerprint() {
        let a = key("key-one");
        let b = key("key-two");
        assert_eq!(
            a.fingerprint(b"value"),
            key("key-one").fingerprint(b"value")
        );
        assert_ne!(a.fingerprint(b"value"), b.fingerprint(b"value"));
        assert_ne!(a.fingerprint(b"value"), a.fingerprint(b"value2"));
        assert_eq!(a.id(), key("key-one").id());
        assert_ne!(a.id(), b.id());
        assert_eq!(a.id().len(), 16);
        let fp = a.fingerprint(b"value");
        assert!(fp.starts_with(PREFIX) && fp.len() == PREFIX.len() + 64);
    }

    #[test]
    fn known_answer() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            key("Jefe").fingerprint(b"what do ya want for nothing?"),
            "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn random_keys_differ_and_debug_hides_the_key() {
        let a = FingerprintKey::random().unwrap();
        let b = FingerprintKey::random().unwrap();
        assert!(a.is_random());
        assert_ne!(a.id(), b.id());
        let canary = key("canary-key-material-7f3a");
        assert!(!format!("{canary:?}").contains("canary"));
    }

    #[test]
    fn files_round_trip_and_bad_ones_are_located() {
        let file = FingerprintFile {
            version: FILE_VERSION,
            environment: "production".into(),
            key_id: key("k").id().to_owned(),
            fingerprints: [("DB".to_owned(), key("k").fingerprint(b"v"))].into(),
            missing: ["OTHER".to_owned()].into(),
            empty: ["EMPTY".to_owned()].into(),
        };
        let name: Arc<str> = Arc::from("fp.json");
        let text = file.to_json();
        assert_eq!(FingerprintFile::parse(&name, &text).unwrap(), file);
        let bad = text.replace("hmac-sha256:", "md5:");
        let err = FingerprintFile::parse(&name, &bad).unwrap_err();
        assert_eq!(err.code.as_str(), "invalid-fingerprint-file");
        let err =
            FingerprintFile::parse(&name, "{\"version\": 1,\n \"environment\": }").unwrap_err();
        assert_eq!(err.location.map(|l| l.line), Some(2));
    }
}
