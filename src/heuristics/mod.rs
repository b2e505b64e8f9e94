//! Guesses about names and values, shared by every observation that meets
//! variables the inventory may not describe, and by `init`: is a variable a
//! secret ([`classify`]), is a value a placeholder, does a value look like
//! a real secret, does it embed a credential, is it a published default
//! ([`defaults`]).
//!
//! Each guess is a class of names ([`names`]) or values ([`values`]) with a
//! unit test of its own, never one project's variable. They err on the side
//! of caution where a miss would hide a secret (a connection string with a
//! password is a secret under any name) and on the side of quiet where a
//! false alarm would train people to ignore findings (an identifier, a path,
//! or a readable made-up value in an example file is not a real secret).
//! When the name and the value disagree, the verdict is [`Verdict::Review`]:
//! a person decides. None of them keeps or returns any part of a value.

pub mod defaults;
pub mod names;
pub mod values;

pub use names::browser_public_name;
pub use values::{credential_in_value, key_material_path, placeholder_value, real_looking_value};

use names::NameClass;

/// Whether a variable holds a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Secret,
    NotSecret,
    /// Name and value disagree, or neither says: a person decides.
    Review,
}

/// Whether the variable `name` holds a secret, given its literal or example
/// `value` when known; `frontend`: the variable is delivered to a
/// browser-facing service (where a bare `PUBLIC_*` is bundled).
///
/// In order:
/// 1. a value that embeds a credential ([`credential_in_value`]), or a
///    connection string with a password written in it even as a
///    placeholder (`amqp://u:<password>@h`: the real value has one), is a
///    secret under any name; a value public by design (a publishable key,
///    an anon JWT) or an identifier (an AWS access key id) is not;
/// 2. a browser-bundle name is public, unless it also says SECRET, PRIVATE
///    or PASSWORD: then a real-looking value is a secret (the bundle leaks
///    it, so it must be tracked and rotated), anything else is for review;
/// 3. anon, publishable and public keys are not secrets;
/// 4. a URL/URI/endpoint is a secret only with a password in its value;
///    without a value, it is for review if the rest of its name has a
///    secret word (`OAUTH_TOKEN_URL`, `DB_CONNECTION_STRING`), else not;
/// 5. identifiers, paths and settings (`*_KEY_ID`, `*_USER`, `*_HOST`,
///    `*_PORT`, `*_PATH`, `*_FILE`, `*_TTL`) are not secrets; `*_SECRET_ID`
///    is for review;
/// 6. a secret word makes a secret, unless the value is a file path or a
///    flag (`true`, `off`: a setting about a secret);
/// 7. otherwise a provider credential's prefix (`ghp_`, `sk_live_`) makes
///    a secret, and anything else is not.
pub fn classify(name: &str, value: Option<&str>, frontend: bool) -> Verdict {
    if value.is_some_and(credential_in_value) || value.is_some_and(values::password_slot) {
        return Verdict::Secret;
    }
    if value.is_some_and(|v| values::public_value(v) || values::identifier_value(v)) {
        return Verdict::NotSecret;
    }
    match names::class(name, frontend) {
        NameClass::Shell | NameClass::PublicKey | NameClass::Identifier => Verdict::NotSecret,
        NameClass::Browser { strong: false } => Verdict::NotSecret,
        NameClass::Browser { strong: true } => match value {
            Some(v) if real_looking_value(v) => Verdict::Secret,
            _ => Verdict::Review,
        },
        NameClass::Locator { secret_word } => match value {
            None if secret_word => Verdict::Review,
            _ => Verdict::NotSecret,
        },
        NameClass::SecretId => Verdict::Review,
        NameClass::Secret => match value {
            Some(v) if values::path_value(v) || values::flag_value(v) => Verdict::NotSecret,
            _ => Verdict::Secret,
        },
        NameClass::Plain => match value {
            Some(v) if values::provider_credential(v) && !values::marker_value(v) => {
                Verdict::Secret
            }
            _ => Verdict::NotSecret,
        },
    }
}

/// Whether an environment variable name alone says it holds a secret
/// (`DB_PASSWORD`, `STRIPE_SECRET_KEY`, `LOGFLARE_PUBLIC_ACCESS_TOKEN`),
/// i.e. [`classify`] without a value says [`Verdict::Secret`].
pub fn secret_like_name(name: &str) -> bool {
    classify(name, None, false) == Verdict::Secret
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    fn check(cases: &[(&str, Option<&str>, bool, Verdict)]) {
        for (name, value, frontend, expected) in cases {
            assert_eq!(
                classify(name, *value, *frontend),
                *expected,
                "{name}={value:?} frontend={frontend}"
            );
        }
    }

    #[test]
    fn secret_like_names() {
        for name in [
            "DB_PASSWORD",
            "STRIPE_SECRET_KEY",
            "GITHUB_TOKEN",
            "JWT_SECRET",
            "OPENAI_API_KEY",
            "BROKER_ENCRYPTION_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "REDIS_PASS",
            "apiKey",
            "LOGFLARE_PUBLIC_ACCESS_TOKEN",
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
            "AWS_ACCESS_KEY_ID",
            "POSTGRES_USER",
            "POSTGRES_PASSWORD_FILE",
            "PWD",
        ] {
            assert!(!secret_like_name(name), "{name}");
        }
    }

    #[test]
    fn connection_strings_are_secrets_under_any_name() {
        check(&[
            (
                "DATABASE_URL",
                Some("postgres://app:s3cr3tPw@db/app"),
                false,
                Secret,
            ),
            (
                "REDIS_URL",
                Some("redis://:hunter22@cache:6379"),
                false,
                Secret,
            ),
            ("BROKER", Some("amqp://app:Xk29vLq8@mq//"), false, Secret),
            (
                "MONGO_URI",
                Some("mongodb+srv://a:Pa55w0rd@c.x.net/db"),
                false,
                Secret,
            ),
            (
                "DB_HOST",
                Some("mysql://root:rootpw@mysql/db"),
                false,
                Secret,
            ),
            (
                "JDBC",
                Some("jdbc:postgresql://db/app?user=u&password=pw1"),
                false,
                Secret,
            ),
            (
                "CONN",
                Some("Server=db;User Id=sa;Password=Str0ng!;"),
                false,
                Secret,
            ),
            (
                "NEXT_PUBLIC_DB",
                Some("postgres://u:leakedPw9@db/x"),
                true,
                Secret,
            ),
            (
                "DATABASE_URL",
                Some("postgres://app:${PG_PASS}@db/app"),
                false,
                NotSecret,
            ),
            // A placeholder password still marks where the real one goes.
            (
                "DATABASE_URL",
                Some("postgres://app:changeme@db/app"),
                false,
                Secret,
            ),
            (
                "DATABASE_URL",
                Some("postgres://db:5432/app"),
                false,
                NotSecret,
            ),
            ("DATABASE_URL", None, false, NotSecret),
            ("OAUTH_TOKEN_URL", None, false, Review),
            (
                "OAUTH_TOKEN_URL",
                Some("https://id.example.org/token"),
                false,
                NotSecret,
            ),
            ("DB_CONNECTION_STRING", None, false, Review),
        ]);
    }

    #[test]
    fn identifiers_are_not_secrets_whatever_their_value() {
        check(&[
            (
                "AWS_ACCESS_KEY_ID",
                Some("AKIAIOSFODNN7EXAMPLQ"),
                false,
                NotSecret,
            ),
            ("GPG_KEY_ID", None, false, NotSecret),
            ("POSTGRES_USER", Some("postgres"), false, NotSecret),
            ("SMTP_USERNAME", None, false, NotSecret),
            ("REDIS_HOST", Some("cache"), false, NotSecret),
            ("DB_PORT", Some("5432"), false, NotSecret),
            ("TLS_KEY_PATH", Some("./cert/key.pem"), false, NotSecret),
            (
                "POSTGRES_PASSWORD_FILE",
                Some("/run/secrets/db"),
                false,
                NotSecret,
            ),
            ("JWT_EXPIRY", Some("3600"), false, NotSecret),
            ("VAULT_SECRET_ID", None, false, Review),
        ]);
    }

    #[test]
    fn public_in_a_name_is_not_public_by_design() {
        check(&[
            (
                "LOGFLARE_PUBLIC_ACCESS_TOKEN",
                Some("Xk29vLq8Rm3TwZp4"),
                false,
                Secret,
            ),
            ("PUBLIC_API_TOKEN", None, false, Secret),
            ("PUBLIC_API_TOKEN", None, true, NotSecret),
            ("NEXT_PUBLIC_SUPABASE_ANON_KEY", None, false, NotSecret),
            (
                "VITE_MAPBOX_TOKEN",
                Some("Xk29vLq8Rm3TwZp4Qw7e"),
                false,
                NotSecret,
            ),
            ("REACT_APP_API_KEY", None, false, NotSecret),
            ("SUPABASE_ANON_KEY", None, false, NotSecret),
            ("STRIPE_PUBLISHABLE_KEY", None, false, NotSecret),
            (
                "STRIPE_KEY",
                Some("pk_live_51HxQ2vKp9wLm3nR"),
                false,
                NotSecret,
            ),
            (
                "STRIPE_KEY",
                Some("sk_live_51HxQ2vKp9wLm3nR"),
                false,
                Secret,
            ),
            (
                "SUPABASE_KEY",
                Some("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiIsImlzcyI6IngifQ.c2ln"),
                false,
                NotSecret,
            ),
        ]);
    }

    #[test]
    fn browser_names_that_say_secret_are_reviewed_or_secret() {
        check(&[
            ("NEXT_PUBLIC_STRIPE_SECRET_KEY", None, false, Review),
            (
                "NEXT_PUBLIC_STRIPE_SECRET_KEY",
                Some("sk_test_your_key_here"),
                false,
                Review,
            ),
            (
                "NEXT_PUBLIC_STRIPE_SECRET_KEY",
                Some("sk_live_51HxQ2vKp9wLm3nR"),
                false,
                Secret,
            ),
            (
                "VITE_DB_PASSWORD",
                Some("q9Z!vX2#mL7@pR4$wK8^"),
                false,
                Secret,
            ),
            ("PUBLIC_PRIVATE_KEY", None, true, Review),
        ]);
    }

    #[test]
    fn secret_words_with_placeholder_or_path_values() {
        check(&[
            ("JWT_SECRET", Some("changeme"), false, Secret),
            ("JWT_SECRET", Some(""), false, Secret),
            (
                "N8N_ENCRYPTION_KEY",
                Some("changeEncryptionKey"),
                false,
                Secret,
            ),
            (
                "SSL_KEY",
                Some("/etc/ssl/private/server.key"),
                false,
                NotSecret,
            ),
            ("PRIVATE_KEY", Some("./cert/key.pem"), false, NotSecret),
            ("GH", Some("ghp_A1b2C3d4E5f6G7h8I9j0"), false, Secret),
            ("GH", Some("sk_test_your_key_here"), false, NotSecret),
            ("LOG_LEVEL", Some("q9Z!vX2#mL7@pR4$wK8^"), false, NotSecret),
        ]);
    }

    #[test]
    fn values_that_name_their_kind_decide() {
        check(&[
            // A password slot in a connection string: a secret whatever the name.
            (
                "AMQP_URL",
                Some("amqp://guest:guest@mq:5672/"),
                false,
                Secret,
            ),
            (
                "QUEUE_URI",
                Some("mongodb://app:<password>@h/db"),
                false,
                Secret,
            ),
            (
                "DATABASE_URL",
                Some("postgres://u:${PG_PASS}@db/app"),
                false,
                NotSecret,
            ),
            // A key id names a key; a flag is a setting.
            ("S3_KEY", Some("AKIAIOSFODNN7EXAMPLE"), false, NotSecret),
            (
                "S3_KEY",
                Some("wJalrXUtnFEMI0K7MDENGbPxRfiCYEXAMPLEKEY"),
                false,
                Secret,
            ),
            ("DISABLE_TOKEN_CHECK", Some("true"), false, NotSecret),
            ("SESSION_COOKIE_SECURE", Some("false"), false, NotSecret),
            ("COOKIE_DOMAIN", Some("example.com"), false, NotSecret),
            ("HCAPTCHA_SITE_KEY", None, false, NotSecret),
            ("HCAPTCHA_SECRET_KEY", None, false, Secret),
            // A DSN is judged by its value: Sentry's is public by design, a
            // database's holds a password; without a value, a person decides.
            ("SENTRY_DSN", None, false, Review),
            (
                "SENTRY_DSN",
                Some("https://0a1b2c3d4e5f@o1.ingest.sentry.io/2"),
                false,
                NotSecret,
            ),
            (
                "DATABASE_DSN",
                Some("postgres://app:Zq8vLm2Rx9Tk@db/app"),
                false,
                Secret,
            ),
        ]);
    }
}
