//! The sections whose items stand alone or name few others: environments,
//! services, stores and identities.

use super::names::Names;
use super::{values, ParsedFile, Validator};
use crate::diag::{Code, InputError};
use crate::inventory::model::*;

impl Validator {
    /// `environments:`.
    pub(super) fn environments(&mut self, file: &ParsedFile, inventory: &mut Inventory) {
        let doc = &file.document;
        for (name, raw) in &doc.environments {
            inventory
                .environments
                .entry(name.value.clone())
                .or_insert_with(|| Environment {
                    name: name.value.clone(),
                    tier: raw.tier,
                    description: raw.description.clone(),
                    location: name.at(&file.path),
                });
        }
    }

    /// `services:`.
    pub(super) fn services(&mut self, file: &ParsedFile, inventory: &mut Inventory) {
        let doc = &file.document;
        for (name, raw) in &doc.services {
            inventory
                .services
                .entry(name.value.clone())
                .or_insert_with(|| Service {
                    name: name.value.clone(),
                    kind: raw.kind,
                    public_facing: raw.public_facing,
                    description: raw.description.clone(),
                    review: raw.review.clone(),
                    location: name.at(&file.path),
                });
        }
    }

    /// `stores:`.
    pub(super) fn stores(&mut self, file: &ParsedFile, inventory: &mut Inventory) {
        let doc = &file.document;
        for (name, raw) in &doc.stores {
            inventory
                .stores
                .entry(name.value.clone())
                .or_insert_with(|| Store {
                    name: name.value.clone(),
                    description: raw.description.clone(),
                    encryption: raw.encryption.clone(),
                    location: name.at(&file.path),
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
        for (name, raw) in &doc.identities {
            let referrer = format!("identity `{name}`");
            if let Some(service) = &raw.service {
                self.reference(
                    &names.services,
                    service,
                    "service",
                    "services",
                    &referrer,
                    || service.at(&file.path),
                );
            }
            let rotation = raw
                .rotation
                .as_ref()
                .and_then(|text| self.period(text, || text.at(&file.path)));
            for secret in &raw.credentials {
                self.reference(
                    &names.secrets,
                    secret,
                    "credential",
                    "secrets",
                    &referrer,
                    || secret.at(&file.path),
                );
            }
            if let Some(account) = raw.aws.as_ref().and_then(|a| a.account.as_ref()) {
                if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
                    self.errors.push(
                        InputError::new(
                            Code::InvalidAwsAccount,
                            format!("AWS account `{account}` of identity `{name}` is not a 12-digit account id"),
                        )
                        .at(account.at(&file.path))
                        .help("write the account id as a quoted 12-digit string, e.g. `account: \"123456789012\"`"),
                    );
                }
            }
            let reason = raw
                .privileged_reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty());
            let privileged = match &raw.privileged {
                Some(flag) if flag.value => {
                    if reason.is_none() {
                        self.errors.push(
                            InputError::new(
                                Code::PrivilegedWithoutReason,
                                format!("identity `{name}` is `privileged` without a reason"),
                            )
                            .at(flag.at(&file.path))
                            .help("say why it may read every secret, e.g. `privileged_reason: break-glass administrator role`"),
                        );
                    }
                    reason.map(str::to_owned)
                }
                _ => None,
            };
            inventory
                .identities
                .entry(name.value.clone())
                .or_insert_with(|| Identity {
                    name: name.value.clone(),
                    kind: raw.kind,
                    description: raw.description.clone(),
                    access: raw.access.clone(),
                    scope: raw.scope.clone(),
                    allow: raw.allow.clone(),
                    service: raw.service.as_deref().cloned(),
                    credentials: values(&raw.credentials),
                    rotation,
                    aws: raw.aws.as_ref().map(|a| AwsIdentity {
                        account: a.account.as_deref().cloned(),
                        name: a.name.clone(),
                        arn: a.arn.clone(),
                    }),
                    privileged,
                    location: name.at(&file.path),
                });
        }
    }
}
