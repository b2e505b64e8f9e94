//! Guesses about names and values, shared by every observation that meets
//! variables the inventory may not describe: does a name look like it holds
//! a secret, is a value a placeholder, does a value look like a real secret.
//!
//! They err on the side of caution where a miss would hide a secret (a name
//! with `KEY` in it is secret-like) and on the side of quiet where a false
//! alarm would train people to ignore findings (a short or readable value in
//! an example file is not "real-looking"). None of them keeps or returns any
//! part of a value.

/// Name words that mark a variable as holding a secret.
const SECRET_WORDS: [&str; 14] = [
    "SECRET",
    "SECRETS",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "KEY",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATE",
    "SALT",
    "DSN",
];

/// Name words that mark a key as meant to be public (a browser bundle's
/// publishable key, Supabase's anon key).
const PUBLIC_WORDS: [&str; 3] = ["PUBLIC", "PUBLISHABLE", "ANON"];

/// Whether an environment variable name looks like it holds a secret:
/// `DB_PASSWORD`, `STRIPE_SECRET_KEY`, `GITHUB_TOKEN`, `SENTRY_DSN`, but not
/// `NEXT_PUBLIC_SUPABASE_ANON_KEY` or `PORT`.
pub fn secret_like_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    if words.iter().any(|w| PUBLIC_WORDS.contains(w)) {
        return false;
    }
    words.iter().any(|w| SECRET_WORDS.contains(w))
        || upper.ends_with("APIKEY")
        || upper.ends_with("PASSWORD")
        || upper.ends_with("SECRET")
        || upper.ends_with("TOKEN")
}

/// Values people write where a real one belongs, compared case-insensitively.
const PLACEHOLDERS: [&str; 24] = [
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "change-this",
    "replaceme",
    "replace-me",
    "replace_me",
    "todo",
    "tbd",
    "fixme",
    "example",
    "placeholder",
    "secret",
    "password",
    "passw0rd",
    "dummy",
    "test",
    "none",
    "null",
    "default",
    "insecure",
    "dev",
    "123456",
];

/// Whether `value` is empty or a well-known placeholder: `changeme`,
/// `your-32-char-min-key`, `<api key>`, `${API_KEY}`, `xxxxxxxx`, `...`.
pub fn placeholder_value(value: &str) -> bool {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return true;
    }
    let lower = trimmed.to_ascii_lowercase();
    if PLACEHOLDERS.contains(&lower.as_str()) {
        return true;
    }
    let first = lower.chars().next().unwrap_or(' ');
    if lower.chars().all(|c| c == first) {
        return true;
    }
    (lower.starts_with('<') && lower.ends_with('>'))
        || (lower.starts_with("${") && lower.ends_with('}'))
        || lower.starts_with("your")
        || lower.starts_with("my-")
        || lower.starts_with("my_")
        || lower.contains("changeme")
        || lower.contains("change-me")
        || lower.contains("change_me")
        || lower.contains("replace")
        || lower.contains("placeholder")
        || lower.contains("example")
        || lower.contains("xxxx")
        || lower.contains("...")
        || lower.contains("****")
}

/// Prefixes of credentials issued by well-known providers.
const KNOWN_PREFIXES: [&str; 17] = [
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "whsec_",
    "ghp_",
    "gho_",
    "ghs_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "AKIA",
    "ASIA",
    "AIza",
    "sk-ant-",
    "eyJ",
    "-----BEGIN",
];

/// Whether `value` looks like a real secret rather than an example: a
/// provider's credential prefix, or at least 16 characters without spaces
/// and with the variety of random text (over 3.5 bits of entropy per
/// character); for a URL, a password of that kind in it. Placeholders never
/// do.
pub fn real_looking_value(value: &str) -> bool {
    let value = value.trim();
    if placeholder_value(value) {
        return false;
    }
    // A URL carries a secret only in its password: `postgres://u:pw@host/db`.
    if let Some((_, rest)) = value.split_once("://") {
        let password = rest
            .split_once('@')
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .map(|(_, password)| password);
        return password.is_some_and(|p| {
            !placeholder_value(p) && p.chars().count() >= 12 && shannon_entropy(p) > 3.0
        });
    }
    if KNOWN_PREFIXES
        .iter()
        .any(|prefix| value.starts_with(prefix) && value.len() >= prefix.len() + 8)
    {
        return true;
    }
    value.chars().count() >= 16
        && !value.contains(char::is_whitespace)
        && shannon_entropy(value) > 3.5
}

/// Bits of entropy per character of `text`, from its character frequencies.
fn shannon_entropy(text: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut total = 0usize;
    for c in text.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total as f64;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_like_names() {
        for name in [
            "DB_PASSWORD",
            "STRIPE_SECRET_KEY",
            "GITHUB_TOKEN",
            "SENTRY_DSN",
            "JWT_SECRET",
            "OPENAI_API_KEY",
            "BROKER_ENCRYPTION_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "REDIS_PASS",
            "apiKey",
        ] {
            assert!(secret_like_name(name), "{name}");
        }
        for name in [
            "PORT",
            "NODE_ENV",
            "DATABASE_HOST",
            "NEXT_PUBLIC_SUPABASE_ANON_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "LOG_LEVEL",
            "KEYCLOAK_URL",
        ] {
            assert!(!secret_like_name(name), "{name}");
        }
    }

    #[test]
    fn placeholders() {
        for value in [
            "",
            "changeme",
            "CHANGEME",
            "your-32-char-min-key",
            "<api key>",
            "${API_KEY}",
            "xxxxxxxx",
            "sk_test_xxxxxxxxxxxx",
            "...",
            "replace-with-a-real-key",
            "0000000000000000",
        ] {
            assert!(placeholder_value(value), "{value:?}");
        }
        for value in ["hunter2-but-longer", "k8Jq2mZx9", "postgres"] {
            assert!(!placeholder_value(value), "{value:?}");
        }
    }

    #[test]
    fn real_looking_values() {
        for value in [
            "sk_live_51HxQ2vKp9wLm3nR",
            "ghp_A1b2C3d4E5f6G7h8I9j0",
            "AKIAIOSFODNN7EXAMPLQ",
            "q9Z!vX2#mL7@pR4$wK8^",
            "3f9a8c2e1b7d4f6a0c5e9b2d8a1f7c3e",
            "postgres://app:Xk29vLq8Rm3TwZ@db.internal/app",
        ] {
            assert!(real_looking_value(value), "{value:?}");
        }
        for value in [
            "changeme",
            "your-32-char-min-key",
            "localhost",
            "postgres://user:pass@localhost/db",
            "sk_test_xxxxxxxxxxxx",
            "development",
            "aaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(!real_looking_value(value), "{value:?}");
        }
    }
}
