//! Secret files, the repository and `.env.example` files as Cedar entities
//! and facts.
//!
//! - Secret files on this machine (`check --env`) add optional attributes
//!   to the `SecretInstance` entities they describe ([`instance_attrs`],
//!   merged into every chunk by [`extend_entities`]); the existing `store`
//!   facts carry them to the rules.
//! - The repository and the `.env.example` files are judged in a chunk of
//!   their own ([`build`]): `scan` facts from the `Repository` principal to
//!   each file that matters (`RepoFile`), each variable of an example file
//!   (`ExampleVar`) and each inventory env var (`EnvVar`, with the computed
//!   `listed_in_env_example`, and `set_by_compose` when compose files
//!   were read).
//!
//! Findings about a declared secret file point at its instance in the
//! inventory; findings about a `.env` file or an example's variable point at
//! that file (and line).

use std::collections::HashMap;
use std::sync::Arc;

use cedar_policy::EntityUid;

use crate::entities::data::{boolean, entity_ref, string, AttrValue, AttrsBuilder, EntityData};

use super::env_example;
use super::files::{self, FileState};
use super::git::{self, FileKind};
use crate::entities::items;
use crate::entities::{instance_uid, uid, Action, Fact};
use crate::findings::{Finding, Severity};
use crate::inventory::model::Classification;
use crate::inventory::Inventory;
use crate::source::Location;

/// The rule id of findings for secret files whose metadata could not be read.
pub const FILES_NOT_VERIFIED: &str = "files-not-verified";
/// The rule id of the finding for a repository git could not be asked about.
pub const REPOSITORY_NOT_VERIFIED: &str = "repository-not-verified";

/// Attributes observed for instances, by instance uid.
pub type InstanceAttrs = HashMap<EntityUid, Vec<(&'static str, AttrValue)>>;

/// The observed attributes of each secret file's instance.
pub fn instance_attrs(inventory: &Inventory, observed: &files::Observation) -> InstanceAttrs {
    let mut out = InstanceAttrs::new();
    for file in &observed.files {
        let declared = inventory
            .secrets
            .get(&file.secret)
            .and_then(|s| s.instances.get(&file.environment))
            .and_then(|i| i.file.as_ref());
        let mut attrs = Vec::new();
        match &file.state {
            FileState::Present { mode, .. } => {
                attrs.push(("file_exists", boolean(true)));
                attrs.push(("file_actual_mode", string(format!("{mode:04o}"))));
                attrs.push((
                    "file_actual_mode_wider_than_0600",
                    boolean(mode & !0o600 != 0),
                ));
                if let Some(owner) = file.owner_text() {
                    attrs.push(("file_actual_owner", string(owner)));
                }
                if let Some(owner) = declared.and_then(|d| d.owner.as_deref()) {
                    let matches = file.owner_matches(owner).unwrap_or(true);
                    attrs.push(("file_owner_differs", boolean(!matches)));
                }
                if let Some(want) = declared.and_then(|d| d.mode) {
                    attrs.push(("file_mode_differs", boolean(want != *mode)));
                }
            }
            // Present, but no mode or owner attribute: the rules that read
            // them stay silent, and the gap is a finding (see gap_findings).
            FileState::PresentWithoutModes => attrs.push(("file_exists", boolean(true))),
            FileState::Missing => attrs.push(("file_exists", boolean(false))),
            // A gap: no attribute, so no rule reads it as clean (see gap_findings).
            FileState::Unreadable(_) => continue,
        }
        out.insert(instance_uid(&file.secret, &file.environment), attrs);
    }
    out
}

/// Adds the observed attributes to the instances among `entities`.
pub fn extend_entities(entities: &mut [EntityData], attrs: &InstanceAttrs) {
    if attrs.is_empty() {
        return;
    }
    for entity in entities.iter_mut() {
        let Some(extra) = attrs.get(&entity.uid) else {
            continue;
        };
        for (key, value) in extra {
            entity.set(key, value.clone());
        }
    }
}

/// The repository chunk: its entities and facts.
#[derive(Clone)]
pub struct RepoChunk {
    pub entities: Vec<EntityData>,
    pub facts: Vec<Fact>,
}

/// The `Repository` principal's id: the repository as reports show it, or
/// the inventory's directory when no repository is named.
fn root_id(inventory: &Inventory, repository: Option<&git::Observation>) -> String {
    if let Some(repository) = repository {
        return repository.root.clone();
    }
    crate::source::portable_path(&git::normalize(&inventory.dir))
}

fn scan_fact(
    principal: &EntityUid,
    resource: EntityUid,
    subject: EntityUid,
    location: Location,
) -> Fact {
    Fact {
        action: Action::Scan,
        principal: principal.clone(),
        resource,
        environment: None,
        subject,
        environment_name: None,
        counterpart: None,
        observed: None,
        location,
    }
}

/// Builds the repository chunk, when the repository or an example file was observed.
pub fn build(
    inventory: &Inventory,
    repository: Option<&git::Observation>,
    examples: Option<&env_example::Observation>,
    set_by_compose: Option<&std::collections::BTreeSet<String>>,
) -> Option<RepoChunk> {
    let scanned = repository.and_then(|r| r.scan.as_ref().ok());
    if scanned.is_none() && examples.is_none() {
        return None;
    }
    let root = root_id(inventory, repository);
    let principal = uid("Repository", &root);
    let mut entities = vec![AttrsBuilder::default()
        .set("root", string(&root))
        .entity(principal.clone())];
    let mut facts = Vec::new();

    for file in scanned.into_iter().flatten() {
        let (id, subject, environment, location, secret) = match &file.kind {
            FileKind::SecretFile {
                secret,
                environment,
                location,
            } => (
                format!("{}#{secret}@{environment}", file.display),
                uid("Secret", secret),
                Some(environment.as_str()),
                location.clone(),
                Some(secret.as_str()),
            ),
            FileKind::EnvFile | FileKind::EnvBackup => {
                let id = file.display.clone();
                let location = Location::file_start(&Arc::from(file.display.as_str()));
                (id.clone(), uid("RepoFile", &id), None, location, None)
            }
        };
        let resource = uid("RepoFile", &id);
        entities.push(
            AttrsBuilder::default()
                .set("path", string(&file.display))
                .set("kind", string(file.kind.name()))
                .set("tracked", boolean(file.tracked))
                .set("ignored", boolean(file.ignored))
                .set("present", boolean(file.present))
                .opt("secret", secret.map(|s| entity_ref("Secret", s)))
                .opt(
                    "environment",
                    environment.map(|e| entity_ref("Environment", e)),
                )
                .entity(resource.clone()),
        );
        let mut fact = scan_fact(&principal, resource, subject, location);
        fact.environment_name = environment.map(str::to_owned);
        facts.push(fact);
    }

    if let Some(examples) = examples {
        // Variables the inventory declares, and the secret each carries.
        let mut declared: HashMap<&str, Option<&str>> = HashMap::new();
        for (name, var) in &inventory.env_vars {
            declared.insert(name.as_str(), var.secret.as_deref());
        }
        for secret in inventory.secrets.values() {
            for instance in secret.instances.values() {
                if let Some(name) = &instance.env_var {
                    let carried = declared.entry(name.as_str()).or_insert(None);
                    carried.get_or_insert(secret.id.as_str());
                }
            }
        }
        for file in &examples.files {
            for var in &file.vars {
                let id = format!("{}#{}", file.display, var.name);
                let resource = uid("ExampleVar", &id);
                let carried = declared.get(var.name.as_str()).copied().flatten();
                let carries_secret = carried
                    .and_then(|s| inventory.secrets.get(s))
                    .is_some_and(|s| s.classification != Classification::Public);
                // A secret by the inventory, or (undeclared) by its name and value.
                let secret = carries_secret || (carried.is_none() && var.secret);
                let real_looking_secret = var.real_looking && secret;
                entities.push(
                    AttrsBuilder::default()
                        .set("name", string(&var.name))
                        .set("file", string(&*file.display))
                        .set(
                            "declared",
                            boolean(declared.contains_key(var.name.as_str())),
                        )
                        .opt("secret", carried.map(|s| entity_ref("Secret", s)))
                        .set("real_looking_secret", boolean(real_looking_secret))
                        .set(
                            "published_default_credential",
                            boolean(var.published_default && secret),
                        )
                        .set(
                            "published_default_subject",
                            string(format!("`{}` in `{}`", var.name, file.display)),
                        )
                        .entity(resource.clone()),
                );
                facts.push(scan_fact(
                    &principal,
                    resource.clone(),
                    resource,
                    file.location(var),
                ));
            }
        }
        for var in inventory.env_vars.values() {
            let entity = items::env_var(var, inventory, None, None);
            let mut entity = entity;
            entity.set("listed_in_env_example", boolean(examples.lists(&var.name)));
            if let Some(names) = set_by_compose {
                entity.set("set_by_compose", boolean(names.contains(&var.name)));
            }
            let id = entity.uid.clone();
            entities.push(entity);
            facts.push(scan_fact(&principal, id.clone(), id, var.location.clone()));
        }
    }
    Some(RepoChunk { entities, facts })
}

/// One error finding per secret file whose metadata could not be read, and
/// one for a repository git could not be asked about.
pub fn gap_findings(
    files: Option<&files::Observation>,
    repository: Option<&git::Observation>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for file in files.into_iter().flat_map(|f| &f.files) {
        if let Some((problem, remediation)) = file.state.not_verified() {
            let message = format!(
                "not verified: the mode and owner of `{}` ({problem})",
                file.written
            );
            findings.push(
                Finding::new(
                    FILES_NOT_VERIFIED,
                    Severity::Error,
                    message,
                    file.location.clone(),
                )
                .entity(uid("Secret", &file.secret))
                .environment(file.environment.clone())
                .remediation(remediation.to_owned()),
            );
        }
    }
    if let Some(repository) = repository {
        if let Err(problem) = &repository.scan {
            let message = format!(
                "not verified: which secret files and `.env` files git tracks or ignores ({problem})"
            );
            findings.push(
                Finding::new(
                    REPOSITORY_NOT_VERIFIED,
                    Severity::Error,
                    message,
                    repository.location.clone(),
                )
                .entity(uid("Repository", &repository.root))
                .remediation(
                    "install git and point `sources.repository` at a git work tree, then run again"
                        .to_owned(),
                ),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::inventory::{parse_text, validate::validate};

    /// An inventory with one secret file in production, and the observation
    /// of that file in `state`.
    fn observed(state: FileState) -> (Inventory, files::Observation) {
        let text = "version: 1\nenvironments:\n  production: { tier: production }\nsecrets:\n  DB:\n    classification: critical\n    instances:\n      production: { backend: file, file: { path: secrets/db, mode: \"0640\", owner: app } }\n";
        let parsed = parse_text(&Arc::from("inventory.yaml"), text).unwrap();
        let inventory = validate(vec![parsed], "2026-11-23".parse().unwrap()).unwrap();
        let mut observation = files::observe(&inventory, &["production".to_owned()]);
        observation.files[0].state = state;
        (inventory, observation)
    }

    /// The Windows state: the file exists, and nothing is claimed of its
    /// mode or owner; the gap is an error finding, as an unreadable file's.
    #[test]
    fn a_file_without_unix_modes_is_present_and_not_verified() {
        let (inventory, observation) = observed(FileState::PresentWithoutModes);
        let attrs = instance_attrs(&inventory, &observation);
        let names: Vec<_> = attrs.values().flatten().map(|(name, _)| *name).collect();
        assert_eq!(names, ["file_exists"]);
        let findings = gap_findings(Some(&observation), None);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule, FILES_NOT_VERIFIED);
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(
            findings[0].message,
            "not verified: the mode and owner of `secrets/db` (this system has no Unix file modes or owners)"
        );
        assert!(findings[0]
            .remediation
            .as_deref()
            .is_some_and(|r| r.contains("icacls")));
    }

    /// On Unix the same file gives every attribute the rules read, and no gap.
    #[test]
    fn a_file_with_unix_modes_gives_mode_and_owner_facts() {
        let state = FileState::Present {
            mode: 0o644,
            uid: 1000,
            user: Some("app".to_owned()),
        };
        let (inventory, observation) = observed(state);
        let attrs = instance_attrs(&inventory, &observation);
        let names: Vec<_> = attrs.values().flatten().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "file_exists",
                "file_actual_mode",
                "file_actual_mode_wider_than_0600",
                "file_actual_owner",
                "file_owner_differs",
                "file_mode_differs"
            ]
        );
        assert!(gap_findings(Some(&observation), None).is_empty());
    }
}
