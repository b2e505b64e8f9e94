//! `reads:` (which service reads which secret) and `env_vars:` (the plain
//! configuration inventory): each entry's references.

use super::names::Names;
use super::{values, ParsedFile, Validator};
use crate::diag::{Code, InputError};
use crate::inventory::model::*;

impl Validator {
    /// `reads:`: one read per secret listed, when service and secret are declared.
    pub(super) fn reads(&mut self, file: &ParsedFile, names: &Names, inventory: &mut Inventory) {
        let doc = &file.document;
        let f = &file.path;
        for raw in &doc.reads {
            let referrer = "a read".to_owned();
            let service_ok = self.reference(
                &names.services,
                &raw.service,
                "service",
                "services",
                &referrer,
                || raw.service.at(f),
            );
            for env in &raw.environments {
                self.reference(
                    &names.environments,
                    env,
                    "environment",
                    "environments",
                    &referrer,
                    || env.at(f),
                );
            }
            if raw.secrets.is_empty() {
                self.errors.push(
                    InputError::new(
                        Code::EmptyRead,
                        format!("read by `{}` lists no secrets", raw.service),
                    )
                    .at(raw.at(f))
                    .help(
                        "list the secrets the service reads under `secrets:`, or remove the entry",
                    ),
                );
            }
            for secret in &raw.secrets {
                let at = secret.at(f);
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
                        service: raw.service.value.clone(),
                        secret: secret.value.clone(),
                        environments: values(&raw.environments),
                        location: at,
                    });
                }
            }
        }
    }

    /// `env_vars:`: the environments, services and secret each names.
    pub(super) fn env_vars(&mut self, file: &ParsedFile, names: &Names, inventory: &mut Inventory) {
        let doc = &file.document;
        let f = &file.path;
        for (name, raw) in &doc.env_vars {
            let referrer = format!("env var `{name}`");
            for env in &raw.required_in {
                self.reference(
                    &names.environments,
                    env,
                    "environment",
                    "environments",
                    &referrer,
                    || env.at(f),
                );
            }
            for service in &raw.services {
                self.reference(
                    &names.services,
                    service,
                    "service",
                    "services",
                    &referrer,
                    || service.at(f),
                );
            }
            if let Some(secret) = &raw.secret {
                self.reference(
                    &names.secrets,
                    secret,
                    "secret",
                    "secrets",
                    &referrer,
                    || secret.at(f),
                );
            }
            inventory
                .env_vars
                .entry(name.value.clone())
                .or_insert_with(|| EnvVar {
                    name: name.value.clone(),
                    default: raw.default.as_ref().map(|d| d.0.clone()),
                    required: raw.required,
                    required_in: values(&raw.required_in),
                    purpose: raw.purpose.clone(),
                    category: raw.category.clone(),
                    secret: raw.secret.as_deref().cloned(),
                    services: values(&raw.services),
                    review: raw.review.clone(),
                    location: name.at(f),
                });
        }
    }
}
