//! Classes of values: placeholders (a value that says "replace me"), file
//! paths, readable made-up passwords, real-looking secrets, credentials
//! embedded in connection strings, values public by design, and paths of
//! key material. Each function looks at a value and returns a verdict;
//! none keeps or returns any part of it.

/// Whole values that say "replace me", compared case-insensitively.
const MARKERS: [&str; 16] = [
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
    "dummy",
    "none",
    "null",
];

/// Whole values that are trivial stand-ins, compared case-insensitively:
/// placeholders where a placeholder is expected, published defaults where
/// a service really runs with them (see [`super::defaults`]).
const TRIVIAL: [&str; 9] = [
    "secret", "password", "passw0rd", "pass", "test", "default", "insecure", "dev", "123456",
];

/// Words that, anywhere in a value, mark it as a stand-in:
/// `sk_test_your_key_here`, `put-your-token-here`, `https://example.com`.
const MARKER_WORDS: [&str; 9] = [
    "your",
    "changeme",
    "replaceme",
    "placeholder",
    "example",
    "todo",
    "fixme",
    "dummy",
    "here",
];

/// First words of an instruction written where a value belongs:
/// `changeEncryptionKey`, `change_this_secret`, `generate-with-openssl`.
const INSTRUCTION_WORDS: [&str; 8] = [
    "change", "replace", "insert", "enter", "put", "fill", "generate", "set",
];

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

/// Top directories that start an absolute path rather than base64 text.
const PATH_ROOTS: [&str; 16] = [
    "run", "etc", "var", "home", "usr", "opt", "tmp", "srv", "data", "app", "secrets", "certs",
    "root", "mnt", "config", "keys",
];

/// The lower-case words of a value, split like names (see
/// [`super::names::words`]).
fn value_words(value: &str) -> Vec<String> {
    super::names::words(value)
        .into_iter()
        .map(|w| w.to_ascii_lowercase())
        .collect()
}

/// Whether `value` says "replace me": empty, a marker word (`changeme`,
/// `todo`, `example`), an instruction (`changeEncryptionKey`,
/// `change_this_secret`), `your_..._here`, `<...>`, `${...}`, one repeated
/// character (`xxxxxxxx`, `00000000`), or `...`/`****`. Trivial values
/// (`password`, `secret`) and paths are not markers.
pub fn marker_value(value: &str) -> bool {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return true;
    }
    let lower = trimmed.to_ascii_lowercase();
    if MARKERS.contains(&lower.as_str()) {
        return true;
    }
    let first = lower.chars().next().unwrap_or(' ');
    if lower.chars().all(|c| c == first) {
        return true;
    }
    if (lower.starts_with('<') && lower.ends_with('>'))
        || (lower.starts_with("${") && lower.ends_with('}'))
        || (lower.starts_with("{{") && lower.ends_with("}}"))
        || lower.starts_with("my-")
        || lower.starts_with("my_")
        || [
            "changeme",
            "change-me",
            "change_me",
            "replace",
            "placeholder",
        ]
        .iter()
        .any(|m| lower.contains(m))
        || ["xxxx", "...", "****"].iter().any(|m| lower.contains(m))
    {
        return true;
    }
    let words = value_words(trimmed);
    words.iter().any(|w| MARKER_WORDS.contains(&w.as_str()))
        || (words.len() >= 2
            && words
                .first()
                .is_some_and(|w| INSTRUCTION_WORDS.contains(&w.as_str())))
}

/// Whether `value` is a trivial stand-in (`password`, `secret`, `test`).
pub fn trivial_value(value: &str) -> bool {
    TRIVIAL.contains(&value.trim().to_ascii_lowercase().as_str())
}

/// Whether `value` is a file path, which names where a secret is rather than
/// being one: `./cert/key.pem`, `../x`, `~/.ssh/id_rsa`, `/run/secrets/db`,
/// `C:\keys\a.pfx`. An absolute path counts when it starts at a well-known
/// top directory (`/etc`, `/run`, ...) or ends in a file extension, so
/// base64 text that happens to start with `/` is not a path.
pub fn path_value(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() || value.contains(char::is_whitespace) || value.contains("://") {
        return false;
    }
    if ["./", "../", "~/", ".\\", "..\\"]
        .iter()
        .any(|p| value.starts_with(p))
    {
        return true;
    }
    let bytes = value.as_bytes();
    if bytes.len() > 3 && bytes[0].is_ascii_alphabetic() && &bytes[1..3] == b":\\" {
        return true;
    }
    let Some(rest) = value.strip_prefix('/') else {
        return false;
    };
    if rest.contains(['+', '=']) {
        return false;
    }
    let top = rest.split('/').next().unwrap_or("");
    let extension = value
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
        });
    PATH_ROOTS.contains(&top) || extension
}

/// Whether `value` is a readable made-up password, as examples write them:
/// two or more lower-case words of letters only, joined by `_` or `-`
/// (`super_secret_password`, `my-db-pass`). Such a value works, but it is
/// not random: an example file that has one is not leaking a real secret.
/// (A diceware passphrase of real words is judged the same way.)
pub fn readable_value(value: &str) -> bool {
    let value = value.trim();
    let parts: Vec<&str> = value.split(['_', '-']).collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

/// Whether `value` is empty, a placeholder, a trivial stand-in or a file
/// path: not something to take for a real secret.
pub fn placeholder_value(value: &str) -> bool {
    marker_value(value) || trivial_value(value) || path_value(value)
}

/// Whether `value` is a provider credential by its prefix (`sk_live_`,
/// `ghp_`, `AKIA`, a JWT, a PEM block), with at least 8 more characters.
pub fn provider_credential(value: &str) -> bool {
    let value = value.trim();
    KNOWN_PREFIXES
        .iter()
        .any(|prefix| value.starts_with(prefix) && value.len() >= prefix.len() + 8)
}

/// Whether `value` looks like a real secret rather than an example: a
/// provider's credential prefix, or at least 16 characters without spaces
/// and with the variety of random text (over 3.5 bits of entropy per
/// character); for a URL, a password of that kind in it. Placeholders,
/// paths and readable made-up passwords never do.
pub fn real_looking_value(value: &str) -> bool {
    let value = value.trim();
    // A URL is judged by its password alone: `example.com` as its host
    // makes nothing in it a placeholder.
    if value.contains("://") && !value.trim_start().starts_with("${") {
        return url_password(value).is_some_and(|p| {
            !placeholder_value(p)
                && !readable_value(p)
                && p.chars().count() >= 12
                && shannon_entropy(p) > 3.0
        });
    }
    if placeholder_value(value) || readable_value(value) {
        return false;
    }
    if provider_credential(value) {
        return !marker_value(value);
    }
    value.chars().count() >= 16
        && !value.contains(char::is_whitespace)
        && shannon_entropy(value) > 3.5
}

/// The password of a URL's user information (`scheme://user:PASSWORD@host`),
/// when it has one. The user information ends at the last `@` before the
/// first `/`, `?` or `#` after `://`; when the authority has no `@` but a
/// `:` and a later `@` follows, the password had a raw `/` in it
/// (`mongodb+srv://u:pa/ss@h`) and runs to that `@`, as `init`'s redaction
/// reads it: better to take a port for a password than to miss one.
pub fn url_password(value: &str) -> Option<&str> {
    let (_, rest) = value.trim().split_once("://")?;
    let rest = &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let userinfo = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[..at],
        None if rest[..authority_end].contains(':') => &rest[..rest.rfind('@')?],
        None => return None,
    };
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some(password)
}

/// The value of a `password=` (`pwd=`, `pass=`) parameter of a JDBC URL,
/// an ADO.NET or libpq connection string: `jdbc:...;password=x`,
/// `jdbc:mysql://h/db?user=u&password=x`, `Server=h;Password=x;`,
/// `host=h user=u password=x`. Keys compare case-insensitively; the value
/// ends at `;`, `&` or white space (a quoted ADO value at its quote).
pub fn parameter_password(value: &str) -> Option<&str> {
    let lower = value.to_ascii_lowercase();
    for key in ["password=", "pwd=", "pass="] {
        let mut from = 0;
        while let Some(found) = lower[from..].find(key) {
            let start = from + found;
            from = start + key.len();
            let boundary = start == 0
                || lower[..start]
                    .chars()
                    .next_back()
                    .is_some_and(|c| matches!(c, ';' | '?' | '&' | ':') || c.is_whitespace());
            if !boundary {
                continue;
            }
            let rest = &value[from..];
            let rest = rest.trim_start();
            let password = match rest.chars().next() {
                Some(q @ ('\'' | '"')) => rest[1..].split(q).next().unwrap_or(""),
                _ => rest
                    .split(|c: char| matches!(c, ';' | '&') || c.is_whitespace())
                    .next()
                    .unwrap_or(""),
            };
            if !password.is_empty() {
                return Some(password);
            }
        }
    }
    None
}

/// The password a connection string embeds, if any (URL user information
/// first, then a `password=` parameter).
pub fn embedded_password(value: &str) -> Option<&str> {
    url_password(value).or_else(|| parameter_password(value))
}

/// Whether `value` is interpolated rather than written: `${PG_PASS}`,
/// `$PG_PASS`, `{{ .Values.pw }}`, `%(pw)s`.
pub fn interpolated(value: &str) -> bool {
    value.contains("${")
        || value.contains("{{")
        || value.contains("%(")
        || value
            .split('$')
            .skip(1)
            .any(|after| after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
}

/// Whether `value` is a connection string with a password written in it,
/// whatever the password (a placeholder, a mask, a default): the variable
/// holds a credential once deployed. Not when the password is interpolated
/// (`${PG_PASS}`): the variable it comes from is judged itself.
pub fn password_slot(value: &str) -> bool {
    embedded_password(value).is_some_and(|p| !interpolated(p))
}

/// Whether `value` is an identifier that only looks like a key: an AWS
/// access key id (`AKIA` or `ASIA` and 16 capitals or digits), which names
/// a key pair and is not its secret half.
pub fn identifier_value(value: &str) -> bool {
    let value = value.trim();
    (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value.len() == 20
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Whether `value` is a flag: `true`, `false`, `yes`, `no`, `on`, `off`
/// (any case), a setting rather than a secret.
pub fn flag_value(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off"
    )
}

/// Whether `value` holds a credential: a connection string or URL with a
/// password (`postgres://u:p@h/db`, `redis://:p@h`, `amqp://`,
/// `mongodb+srv://`, `mysql://`, JDBC `;password=`/`?password=`, ADO
/// `Password=...;`). Not when the password is a placeholder or is
/// interpolated (`${PG_PASS}`).
pub fn credential_in_value(value: &str) -> bool {
    embedded_password(value)
        .is_some_and(|p| !marker_value(p) && !interpolated(p) && !trivial_marker(p))
}

/// Masks that stand for a password in docs: `****`, `...`, `<pw>`.
fn trivial_marker(password: &str) -> bool {
    password.chars().all(|c| matches!(c, '*' | '.' | 'x' | 'X'))
}

/// Whether `value` is public by design: a Stripe publishable key
/// (`pk_live_`, `pk_test_`), or a JWT whose payload says `"role":"anon"`
/// (a Supabase-style anon key, shipped to browsers).
pub fn public_value(value: &str) -> bool {
    let value = value.trim();
    if value.starts_with("pk_live_") || value.starts_with("pk_test_") {
        return true;
    }
    let mut parts = value.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    if !header.starts_with("eyJ") {
        return false;
    }
    base64url(payload).is_some_and(|json| {
        let compact: String = json.chars().filter(|c| !c.is_whitespace()).collect();
        compact.contains("\"role\":\"anon\"")
    })
}

/// Decodes unpadded base64url (a JWT segment) to text; `None` if malformed.
fn base64url(text: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether `path` names key material by its file name: `*.pem` (not a
/// certificate or chain: `cert.pem`, `fullchain.pem`, `ca.pem`), `*.key`,
/// `*.p12`, `*.pfx`, `*.jks`, `*.keystore`, `*.p8`, `*.ppk`, `*.kdbx`, and
/// SSH private keys (`id_rsa`, `id_ed25519`, ..., `ssh_host_*_key`, not
/// `*.pub`).
pub fn key_material_path(path: &str) -> bool {
    let name = path
        .trim()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.ends_with(".pub") {
        return false;
    }
    if ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]
        .iter()
        .any(|k| name.starts_with(k))
    {
        return true;
    }
    // OpenSSH host keys: `ssh_host_ed25519_key`, `ssh_host_rsa_key`.
    if name.starts_with("ssh_host_") && name.ends_with("_key") {
        return true;
    }
    let Some((stem, extension)) = name.rsplit_once('.') else {
        return false;
    };
    match extension {
        "key" | "p12" | "pfx" | "jks" | "keystore" | "p8" | "ppk" | "kdbx" => !stem.is_empty(),
        "pem" => {
            let words = value_words(stem);
            !words.is_empty()
                && !words.iter().any(|w| {
                    matches!(
                        w.as_str(),
                        "cert"
                            | "certificate"
                            | "chain"
                            | "fullchain"
                            | "ca"
                            | "pub"
                            | "public"
                            | "bundle"
                            | "crt"
                    )
                })
        }
        _ => false,
    }
}

/// Bits of entropy per character of `text`, from its character frequencies.
pub fn shannon_entropy(text: &str) -> f64 {
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
    fn markers_say_replace_me() {
        for value in [
            "",
            "  ",
            "changeme",
            "CHANGEME",
            "change_me",
            "changeEncryptionKey",
            "changeThisSecret",
            "change-this-secret-now",
            "replace-with-a-real-key",
            "generate_with_openssl_rand",
            "your_api_key_here",
            "your-32-char-min-key",
            "put-your-token-here",
            "sk_test_your_key_here",
            "<api key>",
            "${API_KEY}",
            "{{ api_key }}",
            "xxxxxxxx",
            "sk_test_xxxxxxxxxxxx",
            "...",
            "****",
            "0000000000000000",
            "example",
            "https://example.com",
            "placeholder",
            "TODO",
            "my-secret",
        ] {
            assert!(marker_value(value), "{value:?}");
        }
        for value in [
            "hunter2-but-longer",
            "k8Jq2mZx9",
            "postgres",
            "password",
            "settings",
            "changes",
            "/run/secrets/db",
        ] {
            assert!(!marker_value(value), "{value:?}");
        }
    }

    #[test]
    fn trivial_values() {
        for value in ["password", "Secret", " test ", "123456", "pass"] {
            assert!(trivial_value(value), "{value:?}");
        }
        for value in ["postgres1", "passport", "k8Jq2mZx9"] {
            assert!(!trivial_value(value), "{value:?}");
        }
    }

    #[test]
    fn paths_are_not_values() {
        for value in [
            "./cert/key.pem",
            "../secrets/db.txt",
            "~/.ssh/id_rsa",
            "/run/secrets/db_password",
            "/etc/ssl/private/server.key",
            "/certs",
            "/x/tls.crt",
            "C:\\keys\\a.pfx",
        ] {
            assert!(path_value(value), "{value:?}");
            assert!(placeholder_value(value), "{value:?}");
            assert!(!real_looking_value(value), "{value:?}");
        }
        for value in [
            "/aB3x9Q+7kLm/Zp2Wq==",
            "/Xk29vLq8Rm3TwZp4",
            "postgres://u:p@h/db",
            "/",
            "a path with spaces/x.txt",
        ] {
            assert!(!path_value(value), "{value:?}");
        }
    }

    #[test]
    fn readable_made_up_passwords() {
        for value in [
            "super_secret_password",
            "my-db-pass",
            "correct-horse-battery-staple",
        ] {
            assert!(readable_value(value), "{value:?}");
            assert!(!real_looking_value(value), "{value:?}");
        }
        for value in ["Super_Secret_1", "password", "k8Jq-2mZx", "a__b"] {
            assert!(!readable_value(value), "{value:?}");
        }
    }

    #[test]
    fn placeholders_cover_markers_trivial_values_and_paths() {
        for value in ["changeme", "password", "./key.pem", "", "${X}"] {
            assert!(placeholder_value(value), "{value:?}");
        }
        for value in ["postgres", "admin", "Xk29vLq8Rm3TwZ"] {
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
            "mysql://report:Zx81Pq0Lr5TwVb3N@reports.db.example.com:3306/r",
        ] {
            assert!(real_looking_value(value), "{value:?}");
        }
        for value in [
            "changeme",
            "changeEncryptionKey",
            "your-32-char-min-key",
            "sk_test_your_key_here",
            "localhost",
            "postgres://user:pass@localhost/db",
            "postgres://u:super_secret_password@h/db",
            "sk_test_xxxxxxxxxxxx",
            "development",
            "aaaaaaaaaaaaaaaaaaaa",
            "super_secret_password",
            "./config/keys/private_key.pem",
        ] {
            assert!(!real_looking_value(value), "{value:?}");
        }
    }

    #[test]
    fn credentials_in_connection_strings() {
        for value in [
            "postgres://app:s3cr3t@db/app",
            "postgresql://app:Xk29vLq8@db:5432/app?sslmode=require",
            "redis://:hunter22@cache:6379/0",
            "amqp://guest:guest@rabbit:5672/",
            "mongodb+srv://admin:Pa55w0rd@cluster0.x.mongodb.net/db",
            "mysql://root:rootpw@mysql/db",
            "https://user:tok3n@registry.example.org",
            "postgres://u:p%40ss@h/db",
            "jdbc:sqlserver://db:1433;databaseName=app;user=sa;password=Str0ng!Pass;",
            "jdbc:mysql://db/app?user=app&password=s3cr3t",
            "Server=db;Database=app;User Id=sa;Password=Str0ng!Pass;",
            "Data Source=db;Initial Catalog=app;Pwd='a;b'",
            "host=db user=app password=s3cr3t dbname=app",
            // A raw `/` in the password ends the authority early.
            "mongodb+srv://reader:Zx81/qRt9@cluster0.example.net/db",
            "nodes=redis://:Zx81qRt9a@h1:6379 other",
        ] {
            assert!(credential_in_value(value), "{value:?}");
        }
        for value in [
            "postgres://app@db/app",
            "postgres://db:5432/app",
            "redis://cache:6379",
            "postgres://app:${PG_PASS}@db/app",
            "postgres://app:$PG_PASS@db/app",
            "postgres://app:changeme@db/app",
            "postgres://app:<password>@db/app",
            "postgres://app:****@db/app",
            "postgres://app:your-password@db/app",
            "https://host/path?email=a@b.com",
            "https://host:8443/path",
            "jdbc:mysql://db/app?user=app&password=${DB_PASS}",
            "Server=db;Password=;",
            "Server=db;Password=<password>;",
            "mypassword=x",
            "plain value",
            "",
        ] {
            assert!(!credential_in_value(value), "{value:?}");
        }
        for value in [
            "amqp://guest:guest@mq:5672/",
            "mongodb+srv://app:<password>@cluster0.example.net/db",
            "postgres://u:****@h/db",
            "Server=db;Password=changeme;",
        ] {
            assert!(password_slot(value), "{value:?}");
        }
        for value in [
            "postgres://u:${PG_PASS}@h/db",
            "postgres://u@h/db",
            "https://h/x",
        ] {
            assert!(!password_slot(value), "{value:?}");
        }
        assert_eq!(embedded_password("redis://:pw1@h"), Some("pw1"));
        assert_eq!(embedded_password("mongodb://u:a/b@h/db"), Some("a/b"));
        assert_eq!(embedded_password("Server=h;Password=\"a;b\";"), Some("a;b"));
        assert_eq!(embedded_password("jdbc:x://h;PASSWORD=abc;"), Some("abc"));
    }

    #[test]
    fn public_by_design() {
        // {"alg":"HS256"}.{"role":"anon","iss":"x"}.sig, built here.
        let anon = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiIsImlzcyI6IngifQ.c2ln";
        let service = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln";
        assert_eq!(
            base64url("eyJyb2xlIjoiYW5vbiIsImlzcyI6IngifQ").as_deref(),
            Some("{\"role\":\"anon\",\"iss\":\"x\"}")
        );
        for value in [anon, "pk_live_51HxQ2vKp9wLm3nR", "pk_test_abc"] {
            assert!(public_value(value), "{value:?}");
        }
        for value in [service, "sk_live_51HxQ2vKp9wLm3nR", "eyJ", "x.y.z", ""] {
            assert!(!public_value(value), "{value:?}");
        }
    }

    #[test]
    fn key_material_paths() {
        for path in [
            "./certs/server.key",
            "/etc/ssl/private/privkey.pem",
            "tls/key.pem",
            "keystore.jks",
            "client.p12",
            "C:\\certs\\site.pfx",
            "~/.ssh/id_rsa",
            "id_ed25519",
            "AuthKey_ABC.p8",
            "app.keystore",
            "./ssh/ssh_host_ed25519_key",
            "/etc/ssh/ssh_host_rsa_key",
        ] {
            assert!(key_material_path(path), "{path}");
        }
        for path in [
            "./certs/cert.pem",
            "fullchain.pem",
            "ca.pem",
            "ca-bundle.pem",
            "id_rsa.pub",
            "ssh_host_ed25519_key.pub",
            "ssh_host_keys",
            "server.crt",
            "/etc/localtime",
            "./init.sql",
            "pgdata",
            ".key",
        ] {
            assert!(!key_material_path(path), "{path}");
        }
    }

    #[test]
    fn identifiers_and_flags_are_not_secrets() {
        for value in ["AKIAIOSFODNN7EXAMPLE", "ASIA0123456789ABCDEF"] {
            assert!(identifier_value(value), "{value:?}");
        }
        for value in [
            "AKIA",
            "AKIAIOSFODNN7EXAMPLEX",
            "akiaiosfodnn7example",
            "wJalrXUtnFEMI/K7MDENG",
        ] {
            assert!(!identifier_value(value), "{value:?}");
        }
        for value in ["true", "FALSE", "yes", "No", "on", " off "] {
            assert!(flag_value(value), "{value:?}");
        }
        for value in ["1", "truth", "onboard", ""] {
            assert!(!flag_value(value), "{value:?}");
        }
    }
}
