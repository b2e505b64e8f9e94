//! `secretary init --from FILE...`: a starting inventory from what a team
//! already has: compose files and `.env.example`-style files.
//!
//! - services: every compose service (its kind guessed from its name or image,
//!   else `other`, marked for review);
//! - env vars: every variable a compose service receives or an env file
//!   lists, with purpose and `required` left as comments to fill in;
//! - secrets: every variable whose name looks like a secret's, and every
//!   docker secret a service mounts, classified `critical` (the conservative
//!   choice) with a `# REVIEW:` comment, and one instance per environment
//!   inferred from the file names (`docker-compose.prod.yml` → production),
//!   else `development`;
//! - reads: what each compose service receives;
//! - sources: the input files, so the next `check` compares them again.
//!
//! No value is ever written: not from compose files, and not from env files
//! for secret-like names. A non-secret variable whose env file value is not
//! empty, a placeholder or real-looking becomes its `default:` (`PORT=3000`),
//! with every credential in it replaced by [`REDACTED`] ([`redact`]): the
//! user information of a URL of any scheme, anywhere in the value
//! (`postgres://app:<redacted>@db:5432/app`), and the value of a parameter
//! with a secret-like name (`?sslpassword=`, `;Password=`). A value that
//! still hides one once percent-decoded gets no default at all.

use secretary::diag::Code;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secretary::diag::InputError;
use secretary::inventory::model::{ComposeSource, SourcePath};
use secretary::observe::compose::{self, Channel};
use secretary::observe::{dotenv, heuristics};
use secretary::source::Location;

/// Whether `path` is read as a compose file (else as an env file).
fn is_compose(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    name.ends_with(".yml") || name.ends_with(".yaml")
}

/// The environment a file name suggests: `docker-compose.prod.yml`,
/// `.env.staging.example`.
fn environment_of(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let words: Vec<&str> = name.split(['.', '-', '_']).collect();
    if words.iter().any(|w| w.starts_with("prod")) {
        Some("production")
    } else if words.iter().any(|w| w.starts_with("stag")) {
        Some("staging")
    } else if words
        .iter()
        .any(|w| matches!(*w, "dev" | "development" | "local"))
    {
        Some("development")
    } else {
        None
    }
}

/// A service kind guessed from its name (and the kinds' own words).
fn kind_of(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    Some(if has(&["postgres", "mysql", "mariadb", "mongo", "db"]) {
        "database"
    } else if has(&["redis", "memcache", "valkey", "cache"]) {
        "cache"
    } else if has(&["nginx", "traefik", "caddy", "proxy", "envoy"]) {
        "proxy"
    } else if has(&["worker", "queue", "celery", "sidekiq"]) {
        "worker"
    } else if has(&["gateway"]) {
        "gateway"
    } else if has(&["web", "frontend", "ui"]) {
        "frontend"
    } else if has(&["api", "backend", "server"]) {
        "api"
    } else {
        return None;
    })
}

/// A YAML double-quoted scalar (JSON strings are valid YAML).
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A mapping key: bare when it is a plain name, else quoted.
fn key(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if plain {
        text.to_owned()
    } else {
        quote(text)
    }
}

/// `path` relative to `dir` when inside it, else absolute.
fn relative_to(path: &Path, dir: &Path) -> String {
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (path_abs, dir_abs) = (absolute(path), absolute(dir));
    match path_abs.strip_prefix(&dir_abs) {
        Ok(relative) => relative.display().to_string(),
        Err(_) => path_abs.display().to_string(),
    }
}

/// What stands for a credential taken out of a default.
pub const REDACTED: &str = "<redacted>";

/// `value` with every credential in it replaced by [`REDACTED`] (see
/// [`redact`]), or `None` when its percent-decoded text still holds one
/// (`?next=postgres%3A%2F%2Fu%3Apw%40db`): such a value is not written.
fn safe_default(value: &str) -> Option<String> {
    let redacted = redact(value);
    let decoded = percent_encoding::percent_decode_str(&redacted).decode_utf8_lossy();
    (redact(&decoded) == decoded).then_some(redacted)
}

/// Replaces the credentials in `value`:
///
/// - in every URL (`scheme://`, any scheme, anywhere in the value, several
///   in a list), the password of its user information
///   (`postgres://app:<redacted>@db`), and a user name alone when it looks
///   like a token (`https://<redacted>@sentry.io/1`). The user information
///   ends at the last `@` of the authority; when the authority has none but
///   a later `@` follows a `:` (a password with a raw `/` in it), everything
///   from the `:` to that `@` is taken for the password: it is better to
///   hide a port than to show a password;
/// - the value of every `name=value` whose name looks like a secret's
///   (`?sslpassword=`, `;Password=`, `-Ddb.password=`), up to the next `&`,
///   `;`, `,` or space.
pub fn redact(value: &str) -> String {
    redact_parameters(&redact_urls(value))
}

/// Characters of a URL scheme (RFC 3986: a letter, then letters, digits,
/// `+`, `-` and `.`).
fn is_scheme_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')
}

/// The start of the scheme ending at byte `end` of `text`, if one does.
fn scheme_start(text: &str, end: usize) -> Option<usize> {
    let start = text[..end]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_scheme_char(c))
        .last()
        .map(|(i, _)| i)?;
    // The scheme starts with a letter: skip leading digits and signs.
    let offset = text[start..end].find(|c: char| c.is_ascii_alphabetic())?;
    Some(start + offset)
}

fn redact_urls(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(sep) = rest.find("://") {
        let after_at = sep + 3;
        out.push_str(&rest[..after_at]);
        let after = &rest[after_at..];
        if scheme_start(rest, sep).is_none() {
            rest = after;
            continue;
        }
        // The URL runs to a space or to the scheme of the next URL.
        let mut end = after.find(char::is_whitespace).unwrap_or(after.len());
        if let Some(next) = after[..end].find("://") {
            end = scheme_start(after, next).unwrap_or(next);
        }
        let url = &after[..end];
        match userinfo_end(url) {
            Some(at) => {
                let userinfo = &url[..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(REDACTED);
                    }
                    None if heuristics::real_looking_value(userinfo) => out.push_str(REDACTED),
                    None => out.push_str(userinfo),
                }
                out.push_str(&url[at..]);
            }
            None => out.push_str(url),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Where the user information of `url` (the text after `scheme://`) ends:
/// the byte of its `@`.
fn userinfo_end(url: &str) -> Option<usize> {
    let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    if let Some(at) = url[..authority_end].rfind('@') {
        return Some(at);
    }
    url.rfind('@').filter(|&at| url[..at].contains(':'))
}

fn redact_parameters(value: &str) -> String {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(eq) = rest.find('=') {
        let name_start = rest[..eq]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_name_char(c))
            .last()
            .map_or(eq, |(i, _)| i);
        let name = &rest[name_start..eq];
        out.push_str(&rest[..=eq]);
        let after = &rest[eq + 1..];
        let end = after
            .find(|c: char| matches!(c, '&' | ';' | ',') || c.is_whitespace())
            .unwrap_or(after.len());
        if secret_parameter(name) && end > 0 && &after[..end] != REDACTED {
            out.push_str(REDACTED);
            rest = &after[end..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Whether a parameter's name says its value is a credential: a secret-like
/// variable name, or a signature or auth parameter of a signed URL.
fn secret_parameter(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    heuristics::secret_like_name(name)
        || upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| matches!(w, "SIGNATURE" | "SIG" | "AUTH"))
}

#[derive(Default)]
struct Found {
    environments: BTreeSet<&'static str>,
    /// Compose service → its guessed kind.
    services: BTreeMap<String, Option<&'static str>>,
    /// Variable → the services receiving it.
    variables: BTreeMap<String, BTreeSet<String>>,
    /// Non-secret defaults from env files.
    defaults: BTreeMap<String, String>,
    /// Docker secret name → mounted path, with the services mounting it.
    docker_secrets: BTreeMap<String, (String, BTreeSet<String>)>,
    compose_files: Vec<(String, Option<&'static str>)>,
    env_files: Vec<String>,
}

/// Reads the inputs and renders the inventory's text.
pub fn generate(from: &[PathBuf], output: &Path) -> Result<(String, Vec<String>), Vec<InputError>> {
    let out_dir = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut found = Found::default();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for path in from {
        let display: Arc<str> = Arc::from(path.display().to_string());
        let text = match secretary::read::read_text(
            path,
            if is_compose(path) {
                secretary::read::Kind::Compose
            } else {
                secretary::read::Kind::Dotenv
            },
        ) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(error) => {
                errors.push(
                    InputError::new(
                        Code::UnreadableFile,
                        format!("cannot read `{display}`: {error}"),
                    )
                    .help("check the path given to `--from`"),
                );
                continue;
            }
        };
        let environment = environment_of(path);
        found.environments.extend(environment);
        if is_compose(path) {
            let source = ComposeSource {
                file: SourcePath {
                    written: display.to_string(),
                    path: path.clone(),
                    location: Location::file_start(&display),
                },
                environment: environment.map(str::to_owned),
                services: BTreeMap::new(),
            };
            let mut gaps = Vec::new();
            let observed = match compose::read_file(
                &display,
                &text,
                &source,
                secretary::observe::heuristics::defaults::PublishedDefaults::builtin(),
                &mut gaps,
            ) {
                Ok(observed) => observed,
                Err(mut problems) => {
                    errors.append(&mut problems);
                    continue;
                }
            };
            warnings.extend(gaps.into_iter().map(|g| g.problem));
            for service in &observed.services {
                found
                    .services
                    .insert(service.name.clone(), kind_of(&service.name));
                for received in &service.receives {
                    match &received.channel {
                        Channel::Env(name) if dotenv::is_key(name) => {
                            found
                                .variables
                                .entry(name.clone())
                                .or_default()
                                .insert(service.name.clone());
                        }
                        Channel::Env(_) => {}
                        Channel::File(mounted) => {
                            let name = mounted.rsplit('/').next().unwrap_or(mounted).to_owned();
                            found
                                .docker_secrets
                                .entry(name)
                                .or_insert_with(|| (mounted.clone(), BTreeSet::new()))
                                .1
                                .insert(service.name.clone());
                        }
                    }
                }
            }
            found
                .compose_files
                .push((relative_to(path, &out_dir), environment));
        } else {
            let parsed = dotenv::parse(&text);
            for entry in &parsed.entries {
                found.variables.entry(entry.key.clone()).or_default();
                if heuristics::secret_like_name(&entry.key) {
                    continue;
                }
                let Some(value) = safe_default(&entry.value) else {
                    continue;
                };
                if !value.trim().is_empty()
                    && !heuristics::placeholder_value(&value)
                    && !heuristics::real_looking_value(&value)
                {
                    found.defaults.insert(entry.key.clone(), value);
                }
            }
            for bad in &parsed.malformed {
                warnings.push(format!(
                    "{display}:{}: skipped a line that is not `KEY=value` ({})",
                    bad.line, bad.problem
                ));
            }
            found.env_files.push(relative_to(path, &out_dir));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if found.environments.is_empty() {
        found.environments.insert("development");
    }
    Ok((render(&found), warnings))
}

fn render(found: &Found) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "# secretary inventory, started by `secretary init --from`. Nothing here is\n\
         # final: every `# REVIEW:` marks a guess to confirm. No value was copied.\n\
         # Check it with `secretary check <this file>`; every key is in the README.\n\
         version: 1\n"
    );
    let _ = writeln!(w, "environments:");
    for env in &found.environments {
        let _ = writeln!(w, "  {env}: {{ tier: {env} }}");
    }

    let mut services: BTreeMap<&str, Option<&str>> = found
        .services
        .iter()
        .map(|(name, kind)| (name.as_str(), *kind))
        .collect();
    if !services.is_empty() {
        let _ = writeln!(w, "\nservices:");
        for (name, kind) in std::mem::take(&mut services) {
            let _ = writeln!(w, "  {}:", key(name));
            match kind {
                Some(kind) => {
                    let _ = writeln!(w, "    kind: {kind} # REVIEW: guessed from the name");
                }
                None => {
                    let _ = writeln!(
                        w,
                        "    kind: other # REVIEW: set the kind (api, worker, database, ...)"
                    );
                }
            }
            let _ = writeln!(
                w,
                "    # REVIEW: add `public_facing: true` if users can read what it holds (a browser app)"
            );
        }
    }

    let secret_vars: Vec<&String> = found
        .variables
        .keys()
        .filter(|name| heuristics::secret_like_name(name))
        .collect();
    if !secret_vars.is_empty() || !found.docker_secrets.is_empty() {
        let _ = writeln!(w, "\nsecrets:");
    }
    let backend_note = "# REVIEW: where the value lives (aws_secrets_manager, vault, ...)";
    for name in &secret_vars {
        let _ = writeln!(w, "  {}:", key(name));
        let _ = writeln!(
            w,
            "    # REVIEW: found by its name; classified critical to be safe: set the real\n    \
             # classification, an owner, a rotation period and `readers`"
        );
        let _ = writeln!(w, "    classification: critical");
        let _ = writeln!(w, "    instances:");
        for env in &found.environments {
            let _ = writeln!(w, "      {env}:");
            let _ = writeln!(w, "        backend: env_var {backend_note}");
            let _ = writeln!(w, "        env_var: {}", key(name));
        }
    }
    for (name, (mounted, _)) in &found.docker_secrets {
        let _ = writeln!(w, "  {}:", key(name));
        let _ = writeln!(
            w,
            "    # REVIEW: a docker secret; classified critical to be safe: set the real\n    \
             # classification, an owner, a rotation period and `readers`"
        );
        let _ = writeln!(w, "    classification: critical");
        let _ = writeln!(w, "    instances:");
        for env in &found.environments {
            let _ = writeln!(w, "      {env}:");
            let _ = writeln!(w, "        backend: docker_secret");
            let _ = writeln!(w, "        file: {{ path: {} }}", quote(mounted));
        }
    }

    // What each compose service receives.
    let mut reads: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for name in &secret_vars {
        for service in &found.variables[name.as_str()] {
            reads.entry(service).or_default().insert(name);
        }
    }
    for (name, (_, mounted_by)) in &found.docker_secrets {
        for service in mounted_by {
            reads.entry(service).or_default().insert(name);
        }
    }
    if !reads.is_empty() {
        let _ = writeln!(
            w,
            "\n# What each service receives in the compose files.\nreads:"
        );
        for (service, secrets) in &reads {
            let list: Vec<String> = secrets.iter().map(|s| key(s)).collect();
            let _ = writeln!(w, "  - service: {}", key(service));
            let _ = writeln!(w, "    secrets: [{}]", list.join(", "));
        }
    }

    if !found.variables.is_empty() {
        let _ = writeln!(w, "\nenv_vars:");
    }
    for (name, services) in &found.variables {
        let _ = writeln!(w, "  {}:", key(name));
        let _ = writeln!(w, "    # purpose: unknown # REVIEW: what it configures");
        let mut wrote_key = false;
        if heuristics::secret_like_name(name) {
            let _ = writeln!(w, "    secret: {}", key(name));
            wrote_key = true;
        } else if let Some(default) = found.defaults.get(name) {
            let note = if default.contains(REDACTED) {
                " # REVIEW: a credential in it was replaced by `<redacted>`"
            } else {
                ""
            };
            let _ = writeln!(
                w,
                "    default: {} # from the env file{note}",
                quote(default)
            );
            wrote_key = true;
        }
        if !services.is_empty() {
            let list: Vec<String> = services.iter().map(|s| key(s)).collect();
            let _ = writeln!(w, "    services: [{}]", list.join(", "));
            wrote_key = true;
        }
        if wrote_key {
            let _ = writeln!(
                w,
                "    # required: unknown # REVIEW: `required: true` if nothing starts without it"
            );
        } else {
            let _ = writeln!(
                w,
                "    required: false # REVIEW: unknown; `true` if nothing starts without it"
            );
        }
    }

    let _ = writeln!(
        w,
        "\n# The files this inventory was started from: `secretary check` compares them again."
    );
    let _ = writeln!(w, "sources:");
    if !found.compose_files.is_empty() {
        let _ = writeln!(w, "  compose:");
        for (file, env) in &found.compose_files {
            let _ = writeln!(w, "    - file: {}", quote(file));
            if let Some(env) = env {
                let _ = writeln!(w, "      environment: {env}");
            }
        }
    }
    if !found.env_files.is_empty() {
        let list: Vec<String> = found.env_files.iter().map(|f| quote(f)).collect();
        let _ = writeln!(w, "  env_example: [{}]", list.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_defaults_are_redacted_and_the_rest_kept() {
        for (value, redacted) in [
            (
                "postgres://app:pw@db:5432/app",
                "postgres://app:<redacted>@db:5432/app",
            ),
            (
                "postgres://app:p@ss@db/app",
                "postgres://app:<redacted>@db/app",
            ),
            (
                "postgres://app:p%40ss%3A1@db/app",
                "postgres://app:<redacted>@db/app",
            ),
            ("redis://:pw@cache:6379", "redis://:<redacted>@cache:6379"),
            ("redis://:pw/x@cache", "redis://:<redacted>@cache"),
            ("x=amqp://u:pw@mq//;y=1", "x=amqp://u:<redacted>@mq//;y=1"),
            (
                "a://u:1@h b://v:2@i",
                "a://u:<redacted>@h b://v:<redacted>@i",
            ),
            (
                "https://ghp_0123456789abcdefABCDEF@github.com/o/r",
                "https://<redacted>@github.com/o/r",
            ),
            ("ssh://git@github.com/o/r", "ssh://git@github.com/o/r"),
            ("https://h/?email=me@x.org", "https://h/?email=me@x.org"),
            ("https://h:8443/path", "https://h:8443/path"),
            (
                "https://h/cb?code=1&client_secret=s3&x=2",
                "https://h/cb?code=1&client_secret=<redacted>&x=2",
            ),
            (
                "-Ddb.password=pw -Dport=1",
                "-Ddb.password=<redacted> -Dport=1",
            ),
            ("token=", "token="),
            ("no url here", "no url here"),
            ("://odd", "://odd"),
        ] {
            assert_eq!(redact(value), redacted, "{value}");
        }
        assert_eq!(
            safe_default("https://a/?next=redis%3A%2F%2F%3Apw%40h"),
            None
        );
        assert_eq!(safe_default("a%20b").as_deref(), Some("a%20b"));
    }

    #[test]
    fn environments_come_from_file_names() {
        assert_eq!(
            environment_of(Path::new("docker-compose.prod.yml")),
            Some("production")
        );
        assert_eq!(
            environment_of(Path::new(".env.staging.example")),
            Some("staging")
        );
        assert_eq!(environment_of(Path::new("docker-compose.yml")), None);
    }
}
