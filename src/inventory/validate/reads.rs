//! `reads:` (which service reads which secret) and `env_vars:` (the plain
//! configuration inventory): each entry's references.

use super::names::Names;
use super::{ParsedFile, Validator};
use crate::diag::{Code, InputError};
use crate::inventory::model::*;
use crate::ypath;

impl Validator {
    /// `reads:`: one read per secret listed, when service and secret are declared.
    pub(super) fn reads(&mut self, file: &ParsedFile, names: &Names, inventory: &mut Inventory) {
        let doc = &file.document;
        let pos = &file.positions;
        for (i, raw) in doc.reads.iter().enumerate() {
            let referrer = "a read".to_owned();
            let service_ok = self.reference(
                &names.services,
                &raw.service,
                "service",
                "services",
                &referrer,
                || pos.value(&ypath!["reads", i, "service"]),
            );
            for (k, env) in raw.environments.iter().enumerate() {
                self.reference(
                    &names.environments,
                    env,
                    "environment",
                    "environments",
                    &referrer,
                    || pos.value(&ypath!["reads", i, "environments", k]),
                );
            }
            if raw.secrets.is_empty() {
                self.errors.push(
                    InputError::new(
                        Code::EmptyRead,
                        format!("read by `{}` lists no secrets", raw.service),
                    )
                    .at(pos.value(&ypath!["reads", i]))
                    .help(
                        "list the secrets the service reads under `secrets:`, or remove the entry",
                    ),
                );
            }
            for (k, secret) in raw.secrets.iter().enumerate() {
                let at = pos.value(&ypath!["reads", i, "secrets", k]);
                let secret_ok = self.reference(
                    &names.secrets,
                    secret,
                    "secret",
                    "secrets",
                    &referrer,
                    || at.clone(),
                );
                if service_ok && secret_ok {
                    inventory.reads.push(Read {
                        service: raw.service.clone(),
                        secret: secret.clone(),
                        environments: raw.environments.clone(),
                        location: at,
                    });
                }
            }
        }
    }

    /// `env_vars:`: the environments, services and secret each names.
    pub(super) fn env_vars(&mut self, file: &ParsedFile, names: &Names, inventory: &mut Inventory) {
        let doc = &file.document;
        let pos = &file.positions;
        for (name, raw) in &doc.env_vars {
            let referrer = format!("env var `{name}`");
            for (k, env) in raw.required_in.iter().enumerate() {
                self.reference(
                    &names.environments,
                    env,
                    "environment",
                    "environments",
                    &referrer,
                    || pos.value(&ypath!["env_vars", name, "required_in", k]),
                );
            }
            for (k, service) in raw.services.iter().enumerate() {
                self.reference(
                    &names.services,
                    service,
                    "service",
                    "services",
                    &referrer,
                    || pos.value(&ypath!["env_vars", name, "services", k]),
                );
            }
            if let Some(secret) = &raw.secret {
                self.reference(
                    &names.secrets,
                    secret,
                    "secret",
                    "secrets",
                    &referrer,
                    || pos.value(&ypath!["env_vars", name, "secret"]),
                );
            }
            inventory
                .env_vars
                .entry(name.clone())
                .or_insert_with(|| EnvVar {
                    name: name.clone(),
                    default: raw.default.as_ref().map(|d| d.0.clone()),
                    required: raw.required,
                    required_in: raw.required_in.clone(),
                    purpose: raw.purpose.clone(),
                    category: raw.category.clone(),
                    secret: raw.secret.clone(),
                    services: raw.services.clone(),
                    location: pos.key(&ypath!["env_vars", name]),
                });
        }
    }
}
