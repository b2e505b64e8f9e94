//! Classes of variable names: the words that mark a secret, the last words
//! that mark an identifier or a setting about a secret (not the secret), the
//! prefixes of browser-bundle variables and the phrases of keys that are
//! public by design.
//!
//! A name is split into upper-case words at `_`, `-`, `.` and at camel-case
//! humps (`apiKey` is `API KEY`), and judged by its words, so that no rule
//! depends on one project's spelling of one variable.

/// Words that mark a variable as holding a secret.
const SECRET_WORDS: [&str; 19] = [
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PASS",
    "PASSPHRASE",
    "PWD",
    "KEY",
    "KEYS",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATE",
    "SALT",
    "PEPPER",
    "DSN",
];

/// Secret words strong enough that a browser-bundle name carrying one is
/// suspicious (`NEXT_PUBLIC_STRIPE_SECRET_KEY`); `KEY` and `TOKEN` are not:
/// browser bundles carry public API keys and tokens by design.
const STRONG_SECRET_WORDS: [&str; 6] = [
    "SECRET",
    "PRIVATE",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "PWD",
];

/// Last words that make a name an identifier or a locator, not a secret:
/// `AWS_ACCESS_KEY_ID`, `POSTGRES_USER`, `REDIS_HOST`, `TLS_KEY_PATH`,
/// `POSTGRES_PASSWORD_FILE`.
const IDENTIFIER_WORDS: [&str; 19] = [
    "ID",
    "IDS",
    "USER",
    "USERS",
    "USERNAME",
    "LOGIN",
    "EMAIL",
    "HOST",
    "HOSTS",
    "HOSTNAME",
    "PORT",
    "PATH",
    "FILE",
    "FILES",
    "DIR",
    "DIRECTORY",
    "NAME",
    "REGION",
    "ISSUER",
];

/// Last words of a locator whose value may embed a password
/// (`DATABASE_URL=postgres://u:p@h/db`): the value decides.
const LOCATOR_WORDS: [&str; 5] = ["URL", "URLS", "URI", "URIS", "ENDPOINT"];

/// Last words of a setting about a secret, not the secret:
/// `JWT_EXPIRY`, `PASSWORD_MIN_LENGTH`, `TOKEN_TTL`, `JWT_ALGORITHM`.
const SETTING_WORDS: [&str; 29] = [
    "TTL",
    "EXPIRY",
    "EXPIRE",
    "EXPIRES",
    "EXPIRATION",
    "LIFETIME",
    "TIMEOUT",
    "LENGTH",
    "LEN",
    "SIZE",
    "BITS",
    "ALGORITHM",
    "ALGORITHMS",
    "ALG",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "REQUIRED",
    "TYPE",
    "VERSION",
    "FORMAT",
    "HEADER",
    "PREFIX",
    "INTERVAL",
    "DAYS",
    "MODE",
    "PROVIDER",
    "HINT",
    "POLICY",
];

/// Words before a final `KEY` that make the key public by design: an anon
/// key, a publishable key, the public half of a key pair.
/// `SITE`: the site key of a CAPTCHA (reCAPTCHA, hCaptcha, Turnstile) is
/// the half embedded in pages; its pair is the `*_SECRET_KEY`.
const PUBLIC_KEY_WORDS: [&str; 5] = ["ANON", "PUBLISHABLE", "PUBLIC", "PUB", "SITE"];

/// Prefixes of variables that bundlers copy into the code sent to browsers.
/// A bare `PUBLIC_` (SvelteKit, Astro) counts only in a frontend service.
const BROWSER_PREFIXES: [&str; 7] = [
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "NUXT_PUBLIC_",
    "EXPO_PUBLIC_",
    "GATSBY_",
    "VUE_APP_",
];

/// The upper-case words of `name`.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_uppercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether `name` is a browser-bundle variable (`NEXT_PUBLIC_*`, `VITE_*`,
/// `REACT_APP_*`, `NUXT_PUBLIC_*`, `EXPO_PUBLIC_*`, `GATSBY_*`,
/// `VUE_APP_*`): its value ends up in code anyone can download.
pub fn browser_public_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    BROWSER_PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// How a name reads, before any value is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameClass {
    /// The shell's own variables (`PWD`, `OLDPWD`).
    Shell,
    /// A browser-bundle variable; `strong`: it also says SECRET, PRIVATE or
    /// PASSWORD.
    Browser { strong: bool },
    /// An anon, publishable or public key.
    PublicKey,
    /// A URL, URI or endpoint; `secret_word`: the rest of the name has one.
    Locator { secret_word: bool },
    /// `*_SECRET_ID`: an identifier for some systems, a credential for others.
    SecretId,
    /// An identifier, a path or a setting about a secret.
    Identifier,
    /// A word that marks a secret.
    Secret,
    /// Nothing either way.
    Plain,
}

/// The class of `name`; `frontend`: a bare `PUBLIC_*` is browser-bundled.
pub fn class(name: &str, frontend: bool) -> NameClass {
    let words = words(name);
    let Some(last) = words.last().map(String::as_str) else {
        return NameClass::Plain;
    };
    let secret_word = |w: &String| {
        SECRET_WORDS.contains(&w.as_str())
            || ["APIKEY", "PASSWORD", "SECRET", "TOKEN"]
                .iter()
                .any(|s| w.ends_with(s))
    };
    if words.len() == 1 && matches!(last, "PWD" | "OLDPWD") {
        return NameClass::Shell;
    }
    if browser_public_name(name) || (frontend && words.first().is_some_and(|w| w == "PUBLIC")) {
        let strong = words
            .iter()
            .any(|w| STRONG_SECRET_WORDS.contains(&w.as_str()));
        return NameClass::Browser { strong };
    }
    if last == "KEY"
        && words.len() >= 2
        && PUBLIC_KEY_WORDS.contains(&words[words.len() - 2].as_str())
    {
        return NameClass::PublicKey;
    }
    if last == "PUBKEY" {
        return NameClass::PublicKey;
    }
    // A DSN is a locator too: a Sentry DSN is public by design, a database
    // DSN is a secret by the password in it; without a value, a person
    // decides.
    if LOCATOR_WORDS.contains(&last)
        || last == "DSN"
        || (words.len() >= 2 && last == "STRING" && words[words.len() - 2] == "CONNECTION")
    {
        return NameClass::Locator {
            secret_word: words[..words.len() - 1].iter().any(secret_word)
                || matches!(last, "STRING" | "DSN"),
        };
    }
    if last == "ID" && words.len() >= 2 && words[words.len() - 2] == "SECRET" {
        return NameClass::SecretId;
    }
    if IDENTIFIER_WORDS.contains(&last) || SETTING_WORDS.contains(&last) {
        return NameClass::Identifier;
    }
    if words.iter().any(secret_word) {
        return NameClass::Secret;
    }
    NameClass::Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(expected: NameClass, names: &[&str]) {
        for name in names {
            assert_eq!(class(name, false), expected, "{name}");
        }
    }

    #[test]
    fn words_split_at_separators_and_camel_humps() {
        assert_eq!(words("apiKey"), ["API", "KEY"]);
        assert_eq!(words("changeThisSecret"), ["CHANGE", "THIS", "SECRET"]);
        assert_eq!(words("DB__PASS-word.x"), ["DB", "PASS", "WORD", "X"]);
        assert_eq!(words("OAUTH2Token"), ["OAUTH2", "TOKEN"]);
        assert!(words("__").is_empty());
    }

    #[test]
    fn secret_words_anywhere() {
        check(
            NameClass::Secret,
            &[
                "DB_PASSWORD",
                "STRIPE_SECRET_KEY",
                "GITHUB_TOKEN",
                "AUTH_JWT_SECRET",
                "OPENAI_API_KEY",
                "BROKER_ENCRYPTION_KEY",
                "AWS_SECRET_ACCESS_KEY",
                "REDIS_PASS",
                "DB_PWD",
                "apiKey",
                "clientSecret",
                "APP_KEYS",
                "HASH_SALT",
                "GPG_PASSPHRASE",
                "SECRET_KEY_BASE",
                "DBPASSWORD",
                "GITHUBTOKEN",
                "LOGFLARE_PUBLIC_ACCESS_TOKEN",
                "PUBLIC_API_TOKEN",
                "SERVICE_ROLE_KEY",
            ],
        );
    }

    #[test]
    fn identifiers_and_locators_are_not_secrets() {
        check(
            NameClass::Identifier,
            &[
                "AWS_ACCESS_KEY_ID",
                "SIGNING_KEY_ID",
                "OAUTH_CLIENT_ID",
                "POSTGRES_USER",
                "SMTP_USERNAME",
                "REDIS_HOST",
                "DB_PORT",
                "TLS_KEY_PATH",
                "POSTGRES_PASSWORD_FILE",
                "SECRETS_DIR",
                "KMS_KEY_NAME",
                "S3_KEY_REGION",
                "TOKEN_ISSUER",
                "apiKeyId",
            ],
        );
        check(
            NameClass::Locator { secret_word: false },
            &["DATABASE_URL", "REDIS_URI", "KEYCLOAK_URL", "S3_ENDPOINT"],
        );
        check(
            NameClass::Locator { secret_word: true },
            &[
                "OAUTH_TOKEN_URL",
                "VAULT_SECRET_URI",
                "DB_CONNECTION_STRING",
            ],
        );
        check(NameClass::SecretId, &["VAULT_SECRET_ID", "approleSecretId"]);
    }

    #[test]
    fn settings_about_a_secret_are_not_secrets() {
        check(
            NameClass::Identifier,
            &[
                "JWT_EXPIRY",
                "ACCESS_TOKEN_TTL",
                "PASSWORD_MIN_LENGTH",
                "JWT_ALGORITHM",
                "SESSION_COOKIE_TIMEOUT",
                "API_KEY_HEADER",
                "TOKEN_PREFIX",
                "PASSWORD_RESET_ENABLED",
                "KEY_ROTATION_INTERVAL",
                "PASSWORD_HINT",
                "PASSWORD_POLICY",
            ],
        );
    }

    #[test]
    fn public_keys_by_design() {
        check(
            NameClass::PublicKey,
            &[
                "SUPABASE_ANON_KEY",
                "STRIPE_PUBLISHABLE_KEY",
                "JWT_PUBLIC_KEY",
                "SSH_PUB_KEY",
                "DEPLOY_PUBKEY",
                "RECAPTCHA_SITE_KEY",
                "HCAPTCHA_SITE_KEY",
            ],
        );
        // PUBLIC elsewhere in a name proves nothing.
        check(
            NameClass::Secret,
            &["PUBLIC_ACCESS_TOKEN", "APP_PUBLIC_SECRET"],
        );
    }

    #[test]
    fn browser_bundle_names() {
        for name in [
            "NEXT_PUBLIC_SUPABASE_URL",
            "VITE_API_KEY",
            "REACT_APP_MAPBOX_TOKEN",
            "NUXT_PUBLIC_SITE_KEY",
            "EXPO_PUBLIC_ANALYTICS_KEY",
            "GATSBY_ALGOLIA_KEY",
            "VUE_APP_SENTRY_DSN",
        ] {
            assert!(browser_public_name(name), "{name}");
            assert_eq!(class(name, false), NameClass::Browser { strong: false });
        }
        for name in [
            "PUBLIC_URL_BASE",
            "NEXTPUBLIC_X",
            "MY_VITE_KEY",
            "PUBLIC_KEY",
        ] {
            assert!(!browser_public_name(name), "{name}");
        }
        for name in [
            "NEXT_PUBLIC_STRIPE_SECRET_KEY",
            "VITE_DB_PASSWORD",
            "REACT_APP_PRIVATE_KEY",
        ] {
            assert_eq!(
                class(name, false),
                NameClass::Browser { strong: true },
                "{name}"
            );
        }
        // A bare PUBLIC_ prefix is a browser variable only in a frontend.
        assert_eq!(class("PUBLIC_API_TOKEN", false), NameClass::Secret);
        assert_eq!(
            class("PUBLIC_API_TOKEN", true),
            NameClass::Browser { strong: false }
        );
    }

    #[test]
    fn plain_and_shell_names() {
        check(
            NameClass::Plain,
            &[
                "PORT_RANGE",
                "NODE_ENV",
                "LOG_LEVEL",
                "KEYCLOAK_REALM",
                "TOKENIZER_MODEL",
                "",
            ],
        );
        check(NameClass::Shell, &["PWD", "OLDPWD"]);
    }
}
