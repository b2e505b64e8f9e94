//! Published default credentials: values stacks ship as working defaults
//! and documentation publishes (`postgres`, `admin`, a demo JWT secret), for
//! the `published-default-credential` rule.
//!
//! The list is `policies/published-defaults.txt`, embedded in the binary,
//! plus the `published-defaults.txt` of each `--policies` directory. It
//! holds trivial values as written (compared case-insensitively, at most
//! [`MAX_TRIVIAL_LEN`] characters) and keyed hashes of anything else:
//! `hmac-sha256:` and HMAC-SHA256 of the exact value under the fixed,
//! public key [`HASH_KEY`]. A value is compared, never stored or returned.
//!
//! Where a value meets placeholders (see [`super::values::marker_value`]):
//! - a compose literal is what Docker runs with, so a literal marker
//!   (`changeme`, `your-password-here`) is a published default there;
//! - in an example file, a marker says "replace me" and is not reported;
//!   a trivial working value (`postgres`, `password`) and a hashed entry
//!   are;
//! - a value read with `--env` that is already a placeholder is reported
//!   by `secret-value-placeholder`, not again as a published default.

use std::sync::OnceLock;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The key of every hashed entry: public by design, so that anyone can
/// compute an entry, and fixed, so that entries stay valid.
pub const HASH_KEY: &[u8] = b"secretary-published-defaults-v1";

/// What prefixes a hashed entry.
pub const HASH_PREFIX: &str = "hmac-sha256:";

/// The longest trivial value an entry may hold as written; anything longer
/// must be a hashed entry, so that no real credential sits in a list.
pub const MAX_TRIVIAL_LEN: usize = 32;

/// The name of the list in a `--policies` directory.
pub const USER_FILE: &str = "published-defaults.txt";

const BUILTIN: &str = include_str!("../../policies/published-defaults.txt");

/// How a value matched the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// A trivial value written in the list.
    Trivial,
    /// A hashed entry (a demo value published in a project's docs).
    Hashed,
}

/// The list: trivial values (lower case) and hashes (hex).
#[derive(Debug, Clone, Default)]
pub struct PublishedDefaults {
    trivial: Vec<String>,
    hashes: Vec<String>,
}

/// A line of a list that is not an entry: its number and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub problem: String,
}

/// `hmac-sha256:` and the hex HMAC of `value` under [`HASH_KEY`]: an entry.
pub fn hash_entry(value: &[u8]) -> String {
    format!("{HASH_PREFIX}{}", hex(&hmac(value)))
}

fn hmac(value: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(HASH_KEY)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(value);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

impl PublishedDefaults {
    /// The built-in list.
    pub fn builtin() -> &'static PublishedDefaults {
        static LIST: OnceLock<PublishedDefaults> = OnceLock::new();
        LIST.get_or_init(|| {
            let mut list = PublishedDefaults::default();
            let bad = list.add(BUILTIN);
            debug_assert!(bad.is_empty(), "{bad:?}");
            list
        })
    }

    /// Adds the entries of a list's text; the lines that are not entries
    /// (by number, never quoting them) are returned and skipped.
    pub fn add(&mut self, text: &str) -> Vec<BadLine> {
        let mut bad = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let entry = line.trim();
            if entry.is_empty() || entry.starts_with('#') {
                continue;
            }
            if let Some(hash) = entry.strip_prefix(HASH_PREFIX) {
                if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    self.hashes.push(hash.to_ascii_lowercase());
                } else {
                    bad.push(BadLine {
                        line: index + 1,
                        problem: format!("a hashed entry is `{HASH_PREFIX}` and 64 hex characters"),
                    });
                }
            } else if entry.chars().count() > MAX_TRIVIAL_LEN
                || super::values::real_looking_value(entry)
            {
                bad.push(BadLine {
                    line: index + 1,
                    problem: format!(
                        "a value written as is must be trivial (at most {MAX_TRIVIAL_LEN} characters, not random-looking); write its hash instead"
                    ),
                });
            } else {
                self.trivial.push(entry.to_ascii_lowercase());
            }
        }
        bad
    }

    /// Whether `value` (trimmed) is on the list, and how.
    pub fn matches(&self, value: &str) -> Option<Match> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        // Compared in place: no copy of the value is made.
        if self.trivial.iter().any(|t| t.eq_ignore_ascii_case(value)) {
            return Some(Match::Trivial);
        }
        let hash = hex(&hmac(value.as_bytes()));
        self.hashes.contains(&hash).then_some(Match::Hashed)
    }

    /// Whether `value`, or the password a connection string in it embeds,
    /// is on the list.
    pub fn matches_value_or_password(&self, value: &str) -> Option<Match> {
        self.matches(value).or_else(|| {
            super::values::embedded_password(value).and_then(|password| self.matches(password))
        })
    }
}

/// Whether a compose literal (what Docker runs with) is a published
/// default: on the list, or a marker placeholder (`changeme`).
pub fn compose_literal(list: &PublishedDefaults, value: &str) -> bool {
    !value.trim().is_empty()
        && (list.matches_value_or_password(value).is_some()
            || super::values::marker_value(value)
            || super::values::embedded_password(value).is_some_and(super::values::marker_value))
}

/// Whether `value` embeds a written password (not interpolated) that is a
/// published default or a marker: `postgres://app:postgres@db/app`,
/// `postgres://app:changeme@db/app`. Such a value holds a credential, a
/// known one.
pub fn default_password(list: &PublishedDefaults, value: &str) -> bool {
    super::values::embedded_password(value).is_some_and(|p| {
        !super::values::interpolated(p)
            && (list.matches(p).is_some() || super::values::marker_value(p))
    })
}

/// Whether an example value (`.env.example`) is a published default: a
/// hashed entry, or a trivial one that is not a marker saying "replace me".
pub fn example_value(list: &PublishedDefaults, value: &str) -> bool {
    let check = |v: &str| match list.matches(v) {
        Some(Match::Hashed) => true,
        Some(Match::Trivial) => !super::values::marker_value(v),
        None => false,
    };
    check(value) || super::values::embedded_password(value).is_some_and(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_list_reads_without_a_bad_line() {
        let mut list = PublishedDefaults::default();
        assert_eq!(list.add(BUILTIN), vec![]);
        assert!(list.trivial.len() >= 20 && list.hashes.len() >= 4);
    }

    #[test]
    fn trivial_values_match_case_insensitively() {
        let list = PublishedDefaults::builtin();
        for value in [
            "postgres",
            "ADMIN",
            " supersecret ",
            "root",
            "changeme",
            "guest",
        ] {
            assert_eq!(list.matches(value), Some(Match::Trivial), "{value}");
        }
        for value in ["postgres1", "Xk29vLq8Rm3TwZ", "", "admin admin"] {
            assert_eq!(list.matches(value), None, "{value}");
        }
    }

    #[test]
    fn hashed_entries_match_the_exact_value() {
        let list = PublishedDefaults::builtin();
        let demo = "your-super-secret-jwt-token-with-at-least-32-characters-long";
        assert_eq!(list.matches(demo), Some(Match::Hashed));
        assert_eq!(list.matches(&demo.to_uppercase()), None);
        assert_eq!(list.matches("mysecretpassword"), Some(Match::Hashed));
        // The entry is the hash, never the value.
        assert!(!BUILTIN.contains(demo));
        assert!(BUILTIN.contains(&hash_entry(demo.as_bytes())));
    }

    #[test]
    fn passwords_in_connection_strings() {
        let list = PublishedDefaults::builtin();
        for value in [
            "postgres://postgres:postgres@db/app",
            "amqp://guest:guest@rabbit//",
            "Server=db;User Id=sa;Password=admin;",
        ] {
            assert!(list.matches_value_or_password(value).is_some(), "{value}");
        }
        assert!(list
            .matches_value_or_password("postgres://postgres:Xk29vLq8Rm3TwZ@db/app")
            .is_none());
    }

    #[test]
    fn placeholders_meet_defaults_by_where_the_value_is() {
        let list = PublishedDefaults::builtin();
        // Docker runs a compose literal as written.
        for value in [
            "changeme",
            "your-password-here",
            "postgres",
            "postgres://u:changeme@db/x",
        ] {
            assert!(compose_literal(list, value), "{value}");
        }
        for value in ["", "Xk29vLq8Rm3TwZ", "postgres://u:Xk29vLq8Rm3TwZ@db/x"] {
            assert!(!compose_literal(list, value), "{value}");
        }
        for value in [
            "postgres://app:postgres@db/app",
            "redis://:changeme@c",
            "Server=h;Pwd=admin;",
        ] {
            assert!(default_password(list, value), "{value}");
        }
        for value in [
            "postgres://app:${PG}@db/app",
            "postgres://app:Xk29vLq8@db",
            "postgres://db/app",
        ] {
            assert!(!default_password(list, value), "{value}");
        }
        // An example's marker says "replace me"; a working value does not.
        for value in [
            "postgres",
            "password",
            "supersecret",
            "your-super-secret-jwt-token-with-at-least-32-characters-long",
            "postgresql://postgres:postgres@db:5432/postgres",
        ] {
            assert!(example_value(list, value), "{value}");
        }
        for value in [
            "changeme",
            "example",
            "<password>",
            "",
            "your-password-here",
        ] {
            assert!(!example_value(list, value), "{value}");
        }
    }

    #[test]
    fn user_lists_add_entries_and_report_bad_lines_without_their_text() {
        let mut list = PublishedDefaults::builtin().clone();
        let entry = hash_entry(b"acme-demo-CANARY-9f8e7d6c5b4a");
        let bad = list.add(&format!(
            "# ours\nacmeadmin\n{entry}\nhmac-sha256:nothex\nQ7x2Lm9Zr4CANARYk8Jq2mZx9vB3nT\n{}\n",
            "a".repeat(MAX_TRIVIAL_LEN + 1)
        ));
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [4, 5, 6]);
        assert!(!format!("{bad:?}").contains("CANARY"));
        assert_eq!(list.matches("AcmeAdmin"), Some(Match::Trivial));
        assert_eq!(
            list.matches("acme-demo-CANARY-9f8e7d6c5b4a"),
            Some(Match::Hashed)
        );
        assert!(!format!("{list:?}").contains("CANARY"));
    }
}
