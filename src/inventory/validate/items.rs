//! The sections whose items stand alone or name few others: environments,
//! services, stores and identities.

use super::names::Names;
use super::{ParsedFile, Validator};
use crate::diag::{Code, InputError};
use crate::inventory::model::*;
use crate::ypath;

impl Validator {
    /// `environments:`.
    pub(super) fn environments(&mut self, file: &ParsedFile, inventory: &mut Inventory) {
        let doc = &file.document;
        let pos = &file.positions;
        for (name, raw) in &doc.environments {
            inventory
                .environments
                .entry(name.clone())
                .or_insert_with(|| Environment {
                    name: name.clone(),
                    tier: raw.tier,
                    description: raw.description.clone(),
                    location: pos.key(&ypath!["environments", name]),
                });
        }
    }

    /// `services:`.
    pub(super) fn services(&mut self, file: &ParsedFile, inventory: &mut Inventory) {
        let doc = &file.document;
        let pos = &file.positions;
        for (name, raw) in &doc.services {
            inventory
                .services
                .entry(name.clone())
                .or_insert_with(|| Service {
                    name: name.clone(),
                    kind: raw.kind,
                    public_facing: raw.public_facing,
                    description: raw.description.clone(),
                    location: pos.key(&ypath!["services", name]),
                });
        }
    }

    /// `stores:`.
    pub(super) fn stores(&mut self, file: &ParsedFile, inventory: &mut Inventory) {
        let doc = &file.document;
        let pos = &file.positions;
        for (name, raw) in &doc.stores {
            inventory
                .stores
                .entry(name.clone())
                .or_insert_with(|| Store {
                    name: name.clone(),
                    description: raw.description.clone(),
                    encryption: raw.encryption.clone(),
                    location: pos.key(&ypath!["stores", name]),
                });
        }
    }

    /// `identities:`: the service, credentials and rotation each names.
    pub(super) fn identities(
        &mut self,
        file: &ParsedFile,
        names: &Names,
        inventory: &mut Inventory,
    ) {
        let doc = &file.document;
        let pos = &file.positions;
        for (name, raw) in &doc.identities {
            let referrer = format!("identity `{name}`");
            if let Some(service) = &raw.service {
                self.reference(
                    &names.services,
                    service,
                    "service",
                    "services",
                    &referrer,
                    || pos.value(&ypath!["identities", name, "service"]),
                );
            }
            let rotation = raw.rotation.as_deref().and_then(|text| {
                self.period(text, || pos.value(&ypath!["identities", name, "rotation"]))
            });
            for (k, secret) in raw.credentials.iter().enumerate() {
                self.reference(
                    &names.secrets,
                    secret,
                    "credential",
                    "secrets",
                    &referrer,
                    || pos.value(&ypath!["identities", name, "credentials", k]),
                );
            }
            if let Some(account) = raw.aws.as_ref().and_then(|a| a.account.as_ref()) {
                if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
                    self.errors.push(
                        InputError::new(
                            Code::InvalidAwsAccount,
                            format!("AWS account `{account}` of identity `{name}` is not a 12-digit account id"),
                        )
                        .at(pos.value(&ypath!["identities", name, "aws", "account"]))
                        .help("write the account id as a quoted 12-digit string, e.g. `account: \"123456789012\"`"),
                    );
                }
            }
            inventory
                .identities
                .entry(name.clone())
                .or_insert_with(|| Identity {
                    name: name.clone(),
                    kind: raw.kind,
                    description: raw.description.clone(),
                    access: raw.access.clone(),
                    scope: raw.scope.clone(),
                    allow: raw.allow.clone(),
                    service: raw.service.clone(),
                    credentials: raw.credentials.clone(),
                    rotation,
                    aws: raw.aws.as_ref().map(|a| AwsIdentity {
                        account: a.account.clone(),
                        name: a.name.clone(),
                        arn: a.arn.clone(),
                    }),
                    location: pos.key(&ypath!["identities", name]),
                });
        }
    }
}
