//! `secrets:` and their instances: references, rotation periods, dates,
//! file modes and what "encrypted at rest" means for each instance.

use std::collections::BTreeMap;

use super::names::Names;
use super::{default_encryption, values, ParsedFile, Validator};
use crate::diag::{Code, InputError};
use crate::inventory::model::*;
use crate::inventory::raw::RawInstance;
use crate::source::Location;

impl Validator {
    /// `secrets:`, each with its instances, value source and format.
    pub(super) fn secrets(&mut self, file: &ParsedFile, names: &Names, inventory: &mut Inventory) {
        let doc = &file.document;
        let f = &file.path;
        for (id, raw) in &doc.secrets {
            let referrer = format!("secret `{id}`");
            let period = raw
                .rotation
                .as_ref()
                .and_then(|r| r.period.as_ref())
                .and_then(|text| self.period(text, || text.at(f)));
            if let Some(readers) = &raw.readers {
                for reader in readers {
                    self.reference(
                        &names.services,
                        reader,
                        "reader",
                        "services",
                        &referrer,
                        || reader.at(f),
                    );
                }
            }
            let mut instances = BTreeMap::new();
            for (env, raw_instance) in &raw.instances {
                let at = env.at(f);
                self.reference(
                    &names.environments,
                    env,
                    "environment",
                    "environments",
                    &referrer,
                    || at.clone(),
                );
                if let Some(mut instance) = self.instance(f, id, env, raw_instance, names, at) {
                    if let Some(secret_file) = &mut instance.file {
                        secret_file.dir = file.dir();
                    }
                    let secret_name = raw.name.as_deref().unwrap_or(id);
                    instance.value = raw_instance.value.as_ref().and_then(|value| {
                        self.value_source(file, id, env, secret_name, &instance, value)
                    });
                    instances.insert(env.value.clone(), Box::new(instance));
                }
            }
            let format = raw
                .format
                .as_ref()
                .and_then(|format| self.value_format(file, id, format));
            inventory
                .secrets
                .entry(id.value.clone())
                .or_insert_with(|| Secret {
                    id: id.value.clone(),
                    name: raw.name.clone().unwrap_or_else(|| id.value.clone()),
                    description: raw.description.clone(),
                    classification: raw.classification,
                    category: raw.category,
                    owner: raw.owner.clone().filter(|o| !o.trim().is_empty()),
                    scope: raw.scope.as_ref().map(|s| Scope {
                        level: s.level,
                        name: s.name.clone(),
                    }),
                    risk: raw.risk.clone(),
                    rotation: Rotation {
                        period,
                        method: raw.rotation.as_ref().and_then(|r| r.method),
                        breaks: raw
                            .rotation
                            .as_ref()
                            .map(|r| r.breaks.clone())
                            .unwrap_or_default(),
                        notes: raw.rotation.as_ref().and_then(|r| r.notes.clone()),
                    },
                    never_log: raw.never_log,
                    readers: raw.readers.as_deref().map(values),
                    instances,
                    format,
                    review: raw.review.clone(),
                    location: id.at(f),
                });
        }
    }

    fn instance(
        &mut self,
        f: &std::sync::Arc<str>,
        id: &str,
        env: &str,
        raw: &RawInstance,
        names: &Names,
        at: Location,
    ) -> Option<Instance> {
        let referrer = format!("instance `{id}` in `{env}`");
        if let Some(store) = &raw.store {
            self.reference(&names.stores, store, "store", "stores", &referrer, || {
                store.at(f)
            });
        }
        let last_rotated = raw
            .last_rotated
            .as_ref()
            .and_then(|text| self.date(text, "last_rotated", || text.at(f)));

        if matches!(*raw.backend, Backend::File | Backend::DockerSecret) && raw.file.is_none() {
            self.errors.push(
                InputError::new(
                    Code::MissingFile,
                    format!("{referrer} is stored in a file but does not say which"),
                )
                .at(raw.backend.at(f))
                .help("add `file: { path: /run/secrets/NAME, mode: \"0600\" }`"),
            );
        }
        let mode = raw
            .file
            .as_ref()
            .and_then(|file| file.mode.as_ref())
            .and_then(|text| {
                let digits = text.trim_start_matches("0o");
                match u32::from_str_radix(digits, 8) {
                    Ok(mode) if mode <= 0o7777 && !digits.is_empty() => Some(mode),
                    _ => {
                        self.errors.push(
                            InputError::new(
                                Code::InvalidFileMode,
                                format!("file mode `{text}` is not an octal permission"),
                            )
                            .at(text.at(f))
                            .help("write the mode as a quoted octal string, e.g. `mode: \"0600\"`"),
                        );
                        None
                    }
                }
            });

        let declared = raw.encryption.as_ref().map(|e| e.trim().to_owned());
        if *raw.backend == Backend::PlaintextDbColumn {
            if let Some(written) = raw
                .encryption
                .as_ref()
                .filter(|e| !e.trim().eq_ignore_ascii_case("none"))
            {
                self.errors.push(
                    InputError::new(
                        Code::ContradictoryEncryption,
                        format!("{referrer} is a plaintext column but declares encryption `{}`", written.trim()),
                    )
                    .at(written.at(f))
                    .help("use `backend: encrypted_db_column` if the column is encrypted, or `encryption: none`"),
                );
            }
        }
        if let Some(region) = &raw.region {
            let aws = matches!(
                *raw.backend,
                Backend::AwsSecretsManager | Backend::AwsSsmParameter
            );
            let problem = if !aws {
                Some(format!(
                    "{referrer} names a `region`, but its backend is not an AWS store"
                ))
            } else if !aws_region(&region.value) {
                Some(format!(
                    "the `region` of {referrer} is not an AWS region name"
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                self.errors.push(
                    InputError::new(Code::InvalidAwsRegion, problem)
                        .at(region.at(f))
                        .help("write an AWS region such as `eu-west-1`, on an `aws_secrets_manager` or `aws_ssm_parameter` instance"),
                );
            }
        }
        let encryption_declared = declared.as_deref().is_some_and(|e| !e.is_empty());
        let encryption = match declared {
            Some(e) if e.eq_ignore_ascii_case("none") => "none".to_owned(),
            Some(e) if !e.is_empty() => e,
            // A named store decides later (`apply_store_encryption`).
            _ => default_encryption(*raw.backend).to_owned(),
        };
        Some(Instance {
            environment: env.to_owned(),
            backend: *raw.backend,
            env_var: raw.env_var.clone(),
            file: raw.file.as_ref().map(|file| SecretFile {
                path: file.path.clone(),
                dir: std::path::PathBuf::new(),
                mode,
                owner: file.owner.clone(),
            }),
            reference: raw.reference.clone(),
            region: raw.region.as_ref().map(|r| r.value.clone()),
            store: raw.store.as_deref().cloned(),
            encryption,
            encryption_declared,
            last_rotated,
            fingerprint: raw.fingerprint.clone().filter(|f| !f.is_empty()),
            value: None,
            notes: raw.notes.clone(),
            location: at,
        })
    }
}

/// Whether `name` has the shape of an AWS region: `eu-west-1`,
/// `us-gov-east-1`, `ap-southeast-4`.
fn aws_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}
