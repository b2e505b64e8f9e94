//! Compose files and code as Cedar facts.
//!
//! - Each inventory secret a compose service receives (by an env var the
//!   inventory ties to it, or a mounted file an instance names) is an
//!   observed `read` fact (Service → Secret) at the compose file's line. Its
//!   context says it was observed and whether `reads:` declares it, so the
//!   reader rules judge it like a declared read and the drift rule catches
//!   what `reads:` does not list. These facts join the chunk of their secret.
//! - Repository-level facts (`scan`, principal `Repository`) judge compose
//!   services, values written into compose files and variables the code
//!   reads, in a chunk of their own.
//! - An env var's `referenced` attribute (present only when code was
//!   scanned) says whether the code or a compose file refers to it: both
//!   count, since a compose file passes variables to programs whose code is
//!   not in the repository (a database image reading `POSTGRES_PASSWORD`).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::entities::data::{boolean, string, AttrsBuilder, EntityData};

use super::code::{self, Code};
use super::{Channel, Compose, Gap};
use crate::entities::{uid, Action, Fact, Observed, ObservedSource};
use crate::findings::{Finding, Severity};
use crate::heuristics;
use crate::inventory::model::{Instance, Inventory, Secret};
use crate::source::Location;

/// The repository-level chunk: its entities and `scan` facts.
#[derive(Clone)]
pub struct ScanChunk {
    pub entities: Vec<EntityData>,
    pub facts: Vec<Fact>,
}

/// The inventory secrets that `channel` delivers in `environment` (`None`: any).
fn secrets_for<'a>(
    inventory: &'a Inventory,
    channel: &Channel,
    environment: Option<&str>,
) -> BTreeSet<&'a str> {
    let has = |secret: &Secret, test: &dyn Fn(&Instance) -> bool| {
        secret
            .instances
            .iter()
            .any(|(env, instance)| environment.is_none_or(|e| e == env) && test(instance))
    };
    let mut out = BTreeSet::new();
    match channel {
        Channel::Env(name) => {
            if let Some(secret) = inventory
                .env_vars
                .get(name)
                .and_then(|v| v.secret.as_deref())
            {
                out.insert(secret);
            }
            for secret in inventory.secrets.values() {
                if has(secret, &|i| i.env_var.as_deref() == Some(name.as_str())) {
                    out.insert(secret.id.as_str());
                }
            }
        }
        Channel::File(path) => {
            for secret in inventory.secrets.values() {
                if has(secret, &|i| {
                    i.file.as_ref().is_some_and(|f| f.path == path.as_str())
                }) {
                    out.insert(secret.id.as_str());
                }
            }
        }
    }
    out.retain(|id| inventory.secrets.contains_key(*id));
    out
}

/// One observed `read` fact per (compose service, secret) pair, with the
/// id of the secret (to place it in the secret's chunk).
pub fn observed_reads(inventory: &Inventory, compose: &Compose) -> Vec<(String, Fact)> {
    let mut out = Vec::new();
    for file in &compose.files {
        let environment = file
            .environment
            .as_deref()
            .filter(|e| inventory.environments.contains_key(*e));
        for service in &file.services {
            let name = service.inventory_name.as_str();
            if !inventory.services.contains_key(name) {
                continue; // judged as an undeclared compose service instead
            }
            let mut seen = BTreeSet::new();
            for received in &service.receives {
                for secret in secrets_for(inventory, &received.channel, environment) {
                    if !seen.insert(secret) {
                        continue;
                    }
                    let declared = inventory.reads.iter().any(|r| {
                        r.service == name
                            && r.secret == secret
                            && (r.environments.is_empty()
                                || environment
                                    .is_none_or(|e| r.environments.iter().any(|x| x == e)))
                    });
                    let principal = uid("Service", name);
                    let resource = uid("Secret", secret);
                    out.push((
                        secret.to_owned(),
                        Fact {
                            action: Action::Read,
                            principal: principal.clone(),
                            resource: resource.clone(),
                            environment: environment.map(|e| uid("Environment", e)),
                            subject: resource,
                            environment_name: environment.map(str::to_owned),
                            counterpart: Some(principal),
                            location: received.location.clone(),
                            observed: Some(Observed {
                                declared,
                                source: ObservedSource::Compose,
                            }),
                        },
                    ));
                }
            }
        }
    }
    out
}

/// Whether a variable read or received looks like it holds a secret: a
/// secret-like name ([`heuristics::secret_like_name`]) that does not name a
/// path (`POSTGRES_PASSWORD_FILE`, `*_PATH`, `*_DIR`: where a secret is, not
/// the secret), nor the shell's working directory (`PWD`, `OLDPWD`).
pub fn secret_like_variable(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    heuristics::secret_like_name(name)
        && !["_FILE", "_PATH", "_DIR"]
            .iter()
            .any(|s| upper.ends_with(s))
        && !matches!(upper.as_str(), "PWD" | "OLDPWD")
}

/// The id of the `Repository` principal.
fn repository_root(inventory: &Inventory) -> String {
    inventory
        .sources
        .repository
        .as_ref()
        .map_or_else(|| ".".to_owned(), |r| r.written.clone())
}

fn scan_fact(
    repository: &cedar_policy::EntityUid,
    resource: cedar_policy::EntityUid,
    location: &Location,
) -> Fact {
    Fact {
        action: Action::Scan,
        principal: repository.clone(),
        resource: resource.clone(),
        environment: None,
        subject: resource,
        environment_name: None,
        counterpart: None,
        location: location.clone(),
        observed: None,
    }
}

/// The `scan` chunk for compose files and code, when either was observed.
pub fn scan_chunk(
    inventory: &Inventory,
    compose: Option<&Compose>,
    code: Option<&Code>,
) -> Option<ScanChunk> {
    if compose.is_none() && code.is_none() {
        return None;
    }
    let root = repository_root(inventory);
    let repository = uid("Repository", &root);
    let mut entities = vec![AttrsBuilder::default()
        .set("root", string(&root))
        .entity(repository.clone())];
    let mut facts = Vec::new();
    // A value written once is judged once, under the first service an
    // anchor or `extends` gives it to; two values at one place (`FOO:
    // ${FOO:-x}`: the value and its default; a file two compose files
    // include) keep ids of their own by a count.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut judged = BTreeSet::new();
    for file in compose.map(|c| c.files.as_slice()).unwrap_or_default() {
        for service in &file.services {
            let id = uid("ComposeService", &format!("{}#{}", file.file, service.name));
            entities.push(
                AttrsBuilder::default()
                    .set("name", string(&service.name))
                    .set("file", string(file.file.as_ref()))
                    .set("service_name", string(&service.inventory_name))
                    .set(
                        "declared",
                        boolean(inventory.services.contains_key(&service.inventory_name)),
                    )
                    .entity(id.clone()),
            );
            facts.push(scan_fact(&repository, id, &service.location));
            for received in &service.receives {
                let Channel::Env(name) = &received.channel else {
                    continue;
                };
                let id = uid(
                    "ComposeVariable",
                    &format!("{}#{}#{name}", file.file, service.name),
                );
                entities.push(
                    AttrsBuilder::default()
                        .set("name", string(name))
                        .set("file", string(file.file.as_ref()))
                        .set("service", string(&service.name))
                        .set("declared", boolean(code::declared(inventory, name)))
                        .set("secret_like_name", boolean(secret_like_variable(name)))
                        .entity(id.clone()),
                );
                facts.push(scan_fact(&repository, id, &received.location));
            }
        }
        let environment = file.environment.as_deref();
        for assignment in &file.assignments {
            if !judged.insert((
                Arc::clone(&file.file),
                assignment.location.file.clone(),
                assignment.location.line,
                assignment.location.column,
                assignment.variable.as_str(),
                (
                    assignment.literal,
                    assignment.placeholder,
                    assignment.credential,
                    assignment.published_default,
                ),
            )) {
                continue;
            }
            let mut key = format!(
                "{}:{}:{}#{}#{}",
                assignment.location.file,
                assignment.location.line,
                assignment.location.column,
                assignment.service,
                assignment.variable
            );
            let count = seen.entry(key.clone()).or_default();
            *count += 1;
            if *count > 1 {
                key = format!("{key}#{count}");
            }
            let id = uid("ComposeValue", &key);
            let secret = secrets_for(
                inventory,
                &Channel::Env(assignment.variable.clone()),
                environment,
            )
            .into_iter()
            .next();
            let secret_like_name = heuristics::secret_like_name(&assignment.variable);
            // A published default matters only where it is a secret's
            // value: never `POSTGRES_USER: postgres`.
            let default_credential = assignment.published_default
                && (secret.is_some() || secret_like_name || assignment.credential);
            entities.push(
                AttrsBuilder::default()
                    .set("name", string(&assignment.variable))
                    // Where it is written: an included or extended file.
                    .set("file", string(assignment.location.file.as_ref()))
                    .set("service", string(&assignment.service))
                    .opt("secret", secret.map(string))
                    .set("secret_like_name", boolean(secret_like_name))
                    .set("literal", boolean(assignment.literal))
                    .set("placeholder", boolean(assignment.placeholder))
                    .set("credential", boolean(assignment.credential))
                    .set("published_default", boolean(assignment.published_default))
                    .set("published_default_credential", boolean(default_credential))
                    .set(
                        "published_default_subject",
                        string(format!(
                            "`{}` of compose service `{}` in `{}`",
                            assignment.variable, assignment.service, file.file
                        )),
                    )
                    .entity(id.clone()),
            );
            facts.push(scan_fact(&repository, id, &assignment.location));
        }
    }
    if let Some(code) = code {
        // The first reference of each variable in each file.
        let mut seen = BTreeSet::new();
        for reference in &code.references {
            let file = reference.location.file.clone();
            if !seen.insert((file.clone(), reference.variable.as_str())) {
                continue;
            }
            let id = uid("CodeReference", &format!("{file}#{}", reference.variable));
            entities.push(
                AttrsBuilder::default()
                    .set("name", string(&reference.variable))
                    .set("file", string(file.as_ref()))
                    .set("language", string(reference.language))
                    .set(
                        "declared",
                        boolean(code::declared(inventory, &reference.variable)),
                    )
                    .set(
                        "secret_like_name",
                        boolean(secret_like_variable(&reference.variable)),
                    )
                    .entity(id.clone()),
            );
            facts.push(scan_fact(&repository, id, &reference.location));
        }
    }
    Some(ScanChunk { entities, facts })
}

/// The variable names the code or a compose file refers to; `None` when
/// the code was not scanned (then no env var gets a `referenced` attribute).
pub fn referenced(compose: Option<&Compose>, code: Option<&Code>) -> Option<BTreeSet<String>> {
    let code = code?;
    let mut names: BTreeSet<String> = code::names(code).into_iter().map(str::to_owned).collect();
    for file in compose.map(|c| c.files.as_slice()).unwrap_or_default() {
        for service in &file.services {
            for received in &service.receives {
                if let Channel::Env(name) = &received.channel {
                    names.insert(name.clone());
                }
            }
        }
    }
    Some(names)
}

/// The variables the compose files set themselves: every service that
/// receives one gives it a value in `environment:` (a literal, a value
/// built from other variables, a path, or a new name for a host variable:
/// `AUTH_JWT_SECRET: ${JWT_SECRET}`) or a default where it is interpolated
/// (`${IMAGE:-app:1}`), so nobody has to set it by hand. A variable also
/// received from the host without a default (interpolated, passed through
/// bare, from an `env_file`, `X: ${X}`) is not one. `None` when no compose
/// file was read.
pub fn set_by_compose(compose: Option<&Compose>) -> Option<BTreeSet<String>> {
    let compose = compose?;
    let (mut set, mut from_host) = (BTreeSet::new(), BTreeSet::new());
    for file in &compose.files {
        // (service, variable) given a value by the file itself: a literal,
        // a path, a value built from other variables, or the default of
        // `${VAR:-default}` (Docker runs with it when nobody sets `VAR`);
        // not `X: ${X}`, which only passes the host's value on.
        let mut given: BTreeSet<(&str, &str)> = BTreeSet::new();
        for a in &file.assignments {
            if a.delivers.as_ref() != Some(&a.variable) {
                given.insert((a.service.as_str(), a.variable.as_str()));
            }
        }
        for service in &file.services {
            for received in &service.receives {
                let Channel::Env(name) = &received.channel else {
                    continue;
                };
                let by_compose = matches!(received.via, "environment" | "interpolation")
                    && given.contains(&(service.name.as_str(), name.as_str()));
                if by_compose {
                    set.insert(name.as_str());
                } else {
                    from_host.insert(name.as_str());
                }
            }
        }
    }
    Some(
        set.difference(&from_host)
            .map(|name| (*name).to_owned())
            .collect(),
    )
}

/// The rule ids of findings for compose files and code that could not be read.
pub const COMPOSE_NOT_VERIFIED: &str = "compose-not-verified";
pub const CODE_NOT_VERIFIED: &str = "code-not-verified";

/// One error finding per gap.
pub fn gap_findings(rule: &str, gaps: &[Gap]) -> Vec<Finding> {
    gaps.iter()
        .map(|gap| {
            let message = format!("not verified: {}", gap.problem);
            Finding::new(rule, Severity::Error, message, gap.location.clone()).remediation(
                "make the file readable (or fix the path under `sources:`), then run again"
                    .to_owned(),
            )
        })
        .collect()
}
