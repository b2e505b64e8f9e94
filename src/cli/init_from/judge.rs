//! The one place `init --from` judges names, values and paths: is a
//! variable a secret, is a mounted file key material, is a name a
//! browser-bundle variable. Values are used only to judge, never kept.
//!
//! The judging itself is the shared [`secretary::heuristics`]
//! (the checks use the same classes); what is init's own is which
//! variables make a service a front end.

pub(super) use secretary::heuristics::{browser_public_name, classify, key_material_path, Verdict};

/// Whether receiving the variable makes a service a front end: a
/// browser-bundle name of a build tool (`NEXT_PUBLIC_*`, `VITE_*`), not a
/// bare `PUBLIC_*` (`PUBLIC_URL` is common in back ends too; it is public
/// only in a service already known to be a front end).
pub(super) fn marks_frontend(name: &str) -> bool {
    browser_public_name(name) && !name.to_ascii_uppercase().starts_with("PUBLIC_")
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
