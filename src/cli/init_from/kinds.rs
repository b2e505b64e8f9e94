//! What the names and contents of `init --from` inputs say: whether a file
//! is a compose file or an env file (by its content, never its extension:
//! `compose.override.yaml.example` is a compose file, `example.env` an env
//! file), the environment a file name suggests, which example stands in for
//! a missing `env_file`, and a service's kind guessed from its name.

use std::path::Path;

use secretary::observe::{compose, dotenv};

/// What an input file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InputKind {
    Compose,
    Dotenv,
}

/// Top-level keys only a compose file has at column 0 (`services:`,
/// `include:`); an env file's lines are `KEY=value`.
const COMPOSE_KEYS: [&str; 2] = ["services", "include"];

/// The kind of an input by its content: a compose file
/// ([`compose::looks_like_compose`]), or one with a top-level `services:`
/// or `include:` line that does not parse (read as compose, so its syntax
/// error is reported at its line); an env file has `KEY=value` lines (at
/// least as many as lines that are not), or nothing but comments. `None`:
/// neither.
pub(super) fn sniff(text: &str) -> Option<InputKind> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let compose = compose::looks_like_compose(text)
        || text.lines().any(|line| {
            COMPOSE_KEYS.iter().any(|key| {
                line.strip_prefix(key)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|rest| {
                        let rest = rest.trim_start();
                        rest.is_empty() || rest.starts_with('#') || rest.starts_with(['{', '['])
                    })
            })
        });
    if compose {
        return Some(InputKind::Compose);
    }
    let parsed = dotenv::parse(text);
    let dotenv = if parsed.entries.is_empty() {
        parsed.malformed.is_empty()
    } else {
        parsed.malformed.len() <= parsed.entries.len()
    };
    dotenv.then_some(InputKind::Dotenv)
}

/// The environment a file name suggests: `docker-compose.prod.yml`,
/// `.env.staging.example`.
pub(super) fn environment_of(path: &Path) -> Option<&'static str> {
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
pub(super) fn kind_of(name: &str) -> Option<&'static str> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds_come_from_the_content() {
        let compose = "# override\nservices:\n  api:\n    image: app\n";
        assert_eq!(sniff(compose), Some(InputKind::Compose));
        assert_eq!(
            sniff("include:\n  - other.yaml\n"),
            Some(InputKind::Compose)
        );
        assert_eq!(sniff("services: {}\n"), Some(InputKind::Compose));
        assert_eq!(
            sniff("# env\nPORT=3000\nexport API_KEY=\n"),
            Some(InputKind::Dotenv)
        );
        assert_eq!(sniff("# only comments\n\n"), Some(InputKind::Dotenv));
        // A YAML mapping without services, prose, a services key that is a value.
        assert_eq!(sniff("name: app\nimage: x\nports: [80]\n"), None);
        assert_eq!(sniff("This is a readme.\nRun it like this.\n"), None);
        assert_eq!(
            sniff("SERVICES=a,b\nservices_url: x\n"),
            Some(InputKind::Dotenv)
        );
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
