//! What `init --from` learns from its inputs, before anything is written:
//! the services, every variable with the services that receive it and how
//! (a host variable, a new name for one, a path to a secret file), and the
//! secret files services mount.
//!
//! - A mount is a secret only when it is a compose secret (named by the
//!   compose secret's name), mounts into `/run/secrets/`, or its host file
//!   looks like key material (named by that file's name). Named volumes,
//!   data directories, `/etc/localtime` and `./init.sql` are not secrets.
//! - `AUTH_JWT_SECRET: ${JWT_SECRET}` makes `AUTH_JWT_SECRET` a new name for
//!   the host's `JWT_SECRET`: one value, judged and kept as one secret.
//! - `POSTGRES_PASSWORD_FILE: /run/secrets/db_password` names a secret
//!   file; the variable is linked to it, never a secret of its own.
//! - A service whose `env_file` is missing receives the keys of an example
//!   of it given with `--from` (`.env` ~ `.env.example`, `example.env`).
//!
//! Values are read only to judge names ([`super::judge`]) and to offer
//! non-secret defaults from env files (redacted, [`super::redact`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use zeroize::Zeroizing;

use secretary::observe::compose::{Assignment, Channel, ComposeFile};
use secretary::{heuristics, observe::dotenv};

use super::judge::{self, Verdict};
use super::kinds;
use super::redact::safe_default;

/// The directory docker mounts compose secrets in.
const SECRETS_DIR: &str = "/run/secrets/";

#[derive(Default)]
pub(super) struct Found {
    pub environments: BTreeSet<&'static str>,
    pub services: BTreeMap<String, ServiceGuess>,
    pub vars: BTreeMap<String, Var>,
    /// Secret files services mount, by secret id.
    pub files: BTreeMap<String, FileSecret>,
    pub compose_files: Vec<(String, Option<&'static str>)>,
    pub env_files: Vec<String>,
}

#[derive(Default)]
pub(super) struct ServiceGuess {
    pub kind: Option<&'static str>,
    /// It receives browser-bundle variables (and is no database or cache).
    pub public_facing: bool,
}

#[derive(Default)]
pub(super) struct Var {
    /// The services that receive it (or interpolate it in their settings).
    pub services: BTreeSet<String>,
    /// The host variable it is a new name for (`X: ${HOST}`).
    pub delivers: Option<String>,
    /// The secret file it names (`*_FILE: /run/secrets/x`).
    pub file: Option<String>,
    /// The compose secret whose value it is (a top-level secret's `environment:`).
    pub compose_secret: Option<String>,
    /// A non-secret default from an env file, redacted.
    pub default: Option<String>,
    /// An env file's value, to judge the name with; never written.
    pub example: Option<Zeroizing<String>>,
    /// What compose's written values for it say, when it has any.
    pub written: Vec<Verdict>,
}

pub(super) struct FileSecret {
    /// The path in the container.
    pub path: String,
    /// `docker_secret` or `file` (a bind-mounted key file).
    pub backend: &'static str,
    pub readers: BTreeSet<String>,
}

/// An env file given with `--from`: its path and its keys.
pub(super) struct Example {
    pub path: PathBuf,
    pub keys: Vec<String>,
}

impl Found {
    fn var(&mut self, name: &str) -> &mut Var {
        self.vars.entry(name.to_owned()).or_default()
    }

    /// An env file: every key, a default where it is safe, the value to judge.
    pub fn env_file(&mut self, parsed: &dotenv::Parsed) {
        for entry in &parsed.entries {
            let var = self.var(&entry.key);
            var.example = Some(entry.value.clone());
            if judge::classify(&entry.key, Some(&entry.value), false) != Verdict::NotSecret {
                continue;
            }
            let Some(value) = safe_default(&entry.value) else {
                continue;
            };
            if !value.trim().is_empty()
                && !heuristics::placeholder_value(&value)
                && !heuristics::real_looking_value(&value)
            {
                var.default = Some(value);
            }
        }
    }

    /// A compose file's services and what each receives. Returns a note
    /// for each missing `env_file` an example stood in for.
    pub fn compose(&mut self, file: &ComposeFile, examples: &[Example]) -> Vec<String> {
        let mut notes = Vec::new();
        let mut assigned: BTreeMap<(&str, &str), Vec<&Assignment>> = BTreeMap::new();
        for a in &file.assignments {
            assigned
                .entry((a.service.as_str(), a.variable.as_str()))
                .or_default()
                .push(a);
        }
        for service in &file.services {
            let name = service.name.clone();
            let mut received: BTreeSet<String> = BTreeSet::new();
            for r in &service.receives {
                match &r.channel {
                    Channel::Env(var) if dotenv::is_key(var) => {
                        received.insert(var.clone());
                        let mine = assigned
                            .get(&(service.name.as_str(), var.as_str()))
                            .map(Vec::as_slice)
                            .unwrap_or_default();
                        let delivers = mine.iter().find_map(|a| a.delivers.clone());
                        let path = mine.iter().find_map(|a| a.file.clone());
                        let entry = self.var(var);
                        entry.services.insert(name.clone());
                        entry.written.extend(
                            mine.iter()
                                .filter(|a| a.literal || a.credential)
                                .map(|a| a.verdict),
                        );
                        if r.via == "environment" {
                            match (delivers, path) {
                                (Some(host), _) if &host != var => {
                                    entry.delivers = Some(host.clone());
                                    self.var(&host).services.insert(name.clone());
                                }
                                (_, Some(path)) => entry.file = Some(path),
                                _ => {}
                            }
                        } else if let Some(secret) =
                            r.secret.as_ref().filter(|_| r.via == "secrets")
                        {
                            entry.compose_secret = Some(secret.clone());
                        }
                    }
                    Channel::Env(_) => {}
                    Channel::File(path) => {
                        let (id, backend) = match r.via {
                            "secrets" => (
                                r.secret.clone().unwrap_or_else(|| last_part(path)),
                                "docker_secret",
                            ),
                            "volumes" if path.starts_with(SECRETS_DIR) => {
                                (last_part(path), "docker_secret")
                            }
                            "volumes" => match &r.host_path {
                                Some(host) if judge::key_material_path(host) => {
                                    (last_part(host), "file")
                                }
                                _ => continue,
                            },
                            _ => continue,
                        };
                        self.files
                            .entry(id)
                            .or_insert_with(|| FileSecret {
                                path: path.clone(),
                                backend,
                                readers: BTreeSet::new(),
                            })
                            .readers
                            .insert(name.clone());
                    }
                }
            }
            // A missing env_file: the keys of its example, if one was given.
            for env_file in service.env_files.iter().filter(|f| !f.found) {
                let paths: Vec<&std::path::Path> =
                    examples.iter().map(|e| e.path.as_path()).collect();
                let Some(example) = dotenv::example_for(&env_file.path, &paths)
                    .and_then(|path| examples.iter().find(|e| e.path == path))
                else {
                    continue;
                };
                notes.push(format!(
                    "env_file `{}` of service `{name}` is missing: used the keys of `{}`",
                    env_file.path,
                    example.path.display()
                ));
                for key in &example.keys {
                    received.insert(key.clone());
                    self.var(key).services.insert(name.clone());
                }
            }
            let kind = kinds::kind_of(&name);
            let backing = matches!(kind, Some("database" | "cache"));
            let guess = self.services.entry(name).or_default();
            guess.kind = kind;
            guess.public_facing |= !backing && received.iter().any(|v| judge::marks_frontend(v));
        }
        notes
    }

    /// The secret each variable delivers, and the secrets held in variables
    /// (by id: the host variable's name) with the services reading them.
    pub fn decide(&self) -> Decided {
        let frontends: BTreeSet<&str> = self
            .services
            .iter()
            .filter(|(_, s)| s.public_facing)
            .map(|(n, _)| n.as_str())
            .collect();
        let frontend = |var: &Var| {
            !var.services.is_empty() && var.services.iter().all(|s| frontends.contains(s.as_str()))
        };
        // Host variable → the variables that are new names for it.
        let mut aliases_of: BTreeMap<&str, Vec<(&String, &Var)>> = BTreeMap::new();
        for (name, var) in &self.vars {
            if let Some(host) = &var.delivers {
                aliases_of.entry(host).or_default().push((name, var));
            }
        }
        let mut decided = Decided::default();
        for (name, var) in &self.vars {
            if let Some(secret) = var
                .compose_secret
                .as_ref()
                .or(var.file.as_ref().and_then(|path| self.file_secret_at(path)))
                .filter(|id| self.files.contains_key(id.as_str()))
            {
                decided.var_secret.insert(name.clone(), secret.clone());
                continue;
            }
            if var.delivers.is_some() {
                continue; // judged with the host variable
            }
            let aliases = aliases_of.remove(name.as_str()).unwrap_or_default();
            // An example value says most; else the values compose writes
            // (judged where they were read); else the name alone.
            let judged = |n: &str, v: &Var| match v.example.as_deref() {
                Some(example) => {
                    judge::classify(n, Some(example), frontend(v)) != Verdict::NotSecret
                }
                None if !v.written.is_empty() => v.written.iter().any(|written| match written {
                    Verdict::Secret => true,
                    Verdict::Review => judge::classify(n, None, frontend(v)) != Verdict::NotSecret,
                    Verdict::NotSecret => false,
                }),
                None => judge::classify(n, None, frontend(v)) != Verdict::NotSecret,
            };
            // The host variable's example value is the aliases' value too.
            let alias_judged = |n: &str, v: &Var| match var.example.as_deref() {
                Some(example) if v.example.is_none() => {
                    judge::classify(n, Some(example), frontend(v)) != Verdict::NotSecret
                }
                _ => judged(n, v),
            };
            if !judged(name, var) && !aliases.iter().any(|(n, v)| alias_judged(n, v)) {
                continue;
            }
            let mut readers = var.services.clone();
            decided.var_secret.insert(name.clone(), name.clone());
            for (alias, v) in aliases {
                decided.var_secret.insert(alias.clone(), name.clone());
                readers.extend(v.services.iter().cloned());
            }
            decided.env_secrets.insert(name.clone(), readers);
        }
        decided
    }

    /// Whether `service` reads a secret through something other than a
    /// browser-bundle variable: a server-side variable or a secret file.
    pub fn server_side_secrets(&self, service: &str, decided: &Decided) -> bool {
        let by_variable = self.vars.iter().any(|(name, var)| {
            var.services.contains(service)
                && decided.var_secret.contains_key(name)
                && !judge::browser_public_name(name)
        });
        by_variable || self.files.values().any(|f| f.readers.contains(service))
    }

    fn file_secret_at(&self, path: &str) -> Option<&String> {
        self.files
            .iter()
            .find(|(_, f)| f.path == path)
            .map(|(id, _)| id)
    }
}

#[derive(Default)]
pub(super) struct Decided {
    /// Variable → the secret it delivers.
    pub var_secret: BTreeMap<String, String>,
    /// Secret held in a variable (its host name) → the services reading it.
    pub env_secrets: BTreeMap<String, BTreeSet<String>>,
}

/// The last part of a path: `/run/secrets/db_password` → `db_password`.
fn last_part(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    trimmed
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(trimmed)
        .to_owned()
}
