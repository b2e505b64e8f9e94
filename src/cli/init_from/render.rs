//! The inventory text `init --from` writes from what it found. Every guess
//! is a `review:` (what to confirm), reported once per entry by
//! `inventory-review-pending` until someone removes it; no value is written
//! except redacted non-secret defaults from env files.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::collect::Found;
use super::redact::REDACTED;

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

fn list<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| key(s)).collect();
    format!("[{}]", items.join(", "))
}

const SECRET_REVIEW: &str =
    "classified critical to be safe: confirm it, then set an owner, a rotation period and readers";

pub(super) fn render(found: &Found) -> String {
    let decided = found.decide();
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "# secretary inventory, started by `secretary init --from`. Nothing here is\n\
         # final: every `review:` is a guess to confirm, then delete. No value was copied.\n\
         # Check it with `secretary check <this file>`; every key is in the book's inventory reference.\n\
         version: 1\n"
    );
    let _ = writeln!(w, "environments:");
    for env in &found.environments {
        let _ = writeln!(w, "  {env}: {{ tier: {env} }}");
    }

    if !found.services.is_empty() {
        let _ = writeln!(w, "\nservices:");
    }
    for (name, guess) in &found.services {
        let _ = writeln!(w, "  {}:", key(name));
        let mut review = match guess.kind {
            Some(kind) => {
                let _ = writeln!(w, "    kind: {kind}");
                "kind guessed from the name".to_owned()
            }
            None => {
                let _ = writeln!(w, "    kind: other");
                "set the kind (api, worker, database, ...)".to_owned()
            }
        };
        if guess.public_facing && found.server_side_secrets(name, &decided) {
            // A full-stack front end (Next.js, Nuxt): its server reads
            // secrets; only what its bundle gets is exposed, and
            // `secret-in-browser-bundle` judges that per variable.
            review.push_str(
                "; it receives browser-bundle variables and server-side secrets: \
                 `public_facing: true` only if all it reads reaches users",
            );
        } else if guess.public_facing {
            let _ = writeln!(w, "    public_facing: true");
            review.push_str("; public_facing: it receives browser-bundle variables");
        }
        let _ = writeln!(w, "    review: {}", quote(&review));
    }

    if !decided.env_secrets.is_empty() || !found.files.is_empty() {
        let _ = writeln!(w, "\nsecrets:");
    }
    for name in decided.env_secrets.keys() {
        let review = format!("found by its name; {SECRET_REVIEW}");
        let _ = writeln!(w, "  {}:", key(name));
        let _ = writeln!(w, "    classification: critical");
        let _ = writeln!(w, "    review: {}", quote(&review));
        let _ = writeln!(w, "    instances:");
        for env in &found.environments {
            let _ = writeln!(w, "      {env}:");
            let _ = writeln!(
                w,
                "        backend: env_var # or where it lives: vault, ..."
            );
            let _ = writeln!(w, "        env_var: {}", key(name));
        }
    }
    for (name, file) in &found.files {
        let what = if file.backend == "file" {
            "a mounted key file"
        } else {
            "a docker secret"
        };
        let _ = writeln!(w, "  {}:", key(name));
        let _ = writeln!(w, "    classification: critical");
        let _ = writeln!(
            w,
            "    review: {}",
            quote(&format!("{what}; {SECRET_REVIEW}"))
        );
        let _ = writeln!(w, "    instances:");
        for env in &found.environments {
            let _ = writeln!(w, "      {env}:");
            let _ = writeln!(w, "        backend: {}", file.backend);
            let _ = writeln!(w, "        file: {{ path: {} }}", quote(&file.path));
        }
    }

    // What each compose service receives.
    let mut reads: BTreeMap<&str, BTreeSet<&String>> = BTreeMap::new();
    for (secret, readers) in &decided.env_secrets {
        for service in readers {
            reads.entry(service).or_default().insert(secret);
        }
    }
    for (secret, file) in &found.files {
        for service in &file.readers {
            reads.entry(service).or_default().insert(secret);
        }
    }
    if !reads.is_empty() {
        let _ = writeln!(
            w,
            "\n# What each service receives in the compose files.\nreads:"
        );
        for (service, secrets) in &reads {
            let _ = writeln!(w, "  - service: {}", key(service));
            let _ = writeln!(w, "    secrets: {}", list(secrets.iter().copied()));
        }
    }

    if !found.vars.is_empty() {
        let _ = writeln!(w, "\nenv_vars:");
    }
    for (name, var) in &found.vars {
        let _ = writeln!(w, "  {}:", key(name));
        let mut wrote_key = false;
        if let Some(secret) = decided.var_secret.get(name) {
            let _ = writeln!(w, "    secret: {}", key(secret));
            wrote_key = true;
        } else if let Some(default) = &var.default {
            let _ = writeln!(w, "    default: {} # from the env file", quote(default));
            if default.contains(REDACTED) {
                let _ = writeln!(
                    w,
                    "    review: \"from the env file; a credential in it was replaced by `{REDACTED}`\""
                );
            }
            wrote_key = true;
        }
        if !var.services.is_empty() {
            let _ = writeln!(w, "    services: {}", list(&var.services));
            wrote_key = true;
        }
        if !wrote_key {
            let _ = writeln!(w, "    required: false");
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
        let files: Vec<String> = found.env_files.iter().map(|f| quote(f)).collect();
        let _ = writeln!(w, "  env_example: [{}]", files.join(", "));
    }
    out
}
