//! The one place `init --from` judges names, values and paths: is a
//! variable a secret, is a mounted file key material, is a name a
//! browser-bundle variable. Values are used only to judge, never kept.
//!
//! Until the shared heuristics land, this adapter calls today's
//! [`heuristics::secret_like_name`] and small private checks; the lead
//! swaps in `heuristics::{classify, key_material_path, browser_public_name}`
//! here, in one place.

use secretary::observe::heuristics;

/// What a name (and its value, when known) says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Secret,
    NotSecret,
    /// Unsure: a secret marked for review.
    #[allow(dead_code)] // lead: `heuristics::classify` returns it; drop the allow then
    Review,
}

/// Whether the variable holds a secret. `value`: a literal or example
/// value, when known (judged, never kept); `frontend`: it reaches a
/// browser-facing service.
// lead: switch to heuristics::classify
pub(super) fn classify(name: &str, _value: Option<&str>, frontend: bool) -> Verdict {
    let upper = name.to_ascii_uppercase();
    // `*_FILE` names where a value is (`POSTGRES_PASSWORD_FILE`), never a value.
    if upper.ends_with("_FILE") || (frontend && browser_public_name(name)) {
        return Verdict::NotSecret;
    }
    if heuristics::secret_like_name(name) {
        Verdict::Secret
    } else {
        Verdict::NotSecret
    }
}

/// Prefixes of variables a build inlines into a browser bundle.
const BROWSER_PREFIXES: [&str; 7] = [
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "NUXT_PUBLIC_",
    "EXPO_PUBLIC_",
    "GATSBY_",
    "PUBLIC_",
];

/// Whether a build inlines the variable into a browser bundle
/// (`NEXT_PUBLIC_*`, `VITE_*`, ...).
// lead: switch to heuristics::browser_public_name
pub(super) fn browser_public_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    BROWSER_PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// Whether receiving the variable makes a service a front end: a
/// browser-bundle name of a build tool (`NEXT_PUBLIC_*`, `VITE_*`), not a
/// bare `PUBLIC_*` (`PUBLIC_URL` is common in back ends too; it is public
/// only in a service already known to be a front end).
pub(super) fn marks_frontend(name: &str) -> bool {
    browser_public_name(name) && !name.to_ascii_uppercase().starts_with("PUBLIC_")
}

/// File name endings of key material.
const KEY_SUFFIXES: [&str; 9] = [
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    ".jks",
    ".keystore",
    ".p8",
    ".ppk",
    ".kdbx",
];

/// Whether a host file looks like key material (`server.key`, `id_rsa`).
// lead: switch to heuristics::key_material_path
pub(super) fn key_material_path(path: &str) -> bool {
    let name = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    KEY_SUFFIXES.iter().any(|s| name.ends_with(s))
        || ["id_rsa", "id_ed25519", "id_ecdsa", "id_dsa"]
            .iter()
            .any(|p| name.starts_with(p) && !name.ends_with(".pub"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_judged() {
        assert_eq!(classify("JWT_SECRET", None, false), Verdict::Secret);
        assert_eq!(
            classify("POSTGRES_PASSWORD_FILE", None, false),
            Verdict::NotSecret
        );
        assert_eq!(classify("PORT", Some("3000"), false), Verdict::NotSecret);
        assert!(browser_public_name("NEXT_PUBLIC_API_URL"));
        assert!(!browser_public_name("API_URL"));
        assert!(marks_frontend("VITE_API_URL"));
        assert!(!marks_frontend("PUBLIC_URL"));
        assert!(key_material_path("./certs/server.key"));
        assert!(key_material_path("~/.ssh/id_rsa"));
        assert!(!key_material_path("~/.ssh/id_rsa.pub"));
        assert!(!key_material_path("./init.sql"));
        assert!(!key_material_path("/etc/localtime"));
    }
}
