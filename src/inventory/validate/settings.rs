//! `settings:` (written in one file) and `sources:` (added up across files,
//! the repository named once), with paths resolved against each file's directory.
//! Rule settings ([`rule_settings`]) are read the same way from the inventory
//! and from a rule pack's `secretary-rules.yaml`; whether each names a loaded
//! rule is known only once the rules are loaded (`crate::policy`).

use std::sync::Arc;

use super::names::Names;
use super::{ParsedFile, Validator};
use crate::diag::{Code, InputError};
use crate::inventory::model::*;
use crate::source::Location;

impl Validator {
    /// `settings:`, which one file may write.
    pub(super) fn settings(&mut self, files: &[ParsedFile], inventory: &mut Inventory) {
        let mut settings_file: Option<Location> = None;
        for file in files {
            let Some(settings) = file
                .document
                .settings
                .as_ref()
                .filter(|s| s.iam.is_some() || s.stores.is_some() || !s.rules.is_empty())
            else {
                continue;
            };
            let here = settings.key_at(&file.path);
            if let Some(first) = &settings_file {
                self.errors.push(
                    InputError::new(
                        Code::DuplicateSettings,
                        "`settings` is written in more than one file",
                    )
                    .at(here)
                    .related(first.clone(), "first written here")
                    .help("keep `settings:` in one inventory file"),
                );
                continue;
            }
            settings_file = Some(here);
            if let Some(iam) = &settings.iam {
                if let Some(text) = &iam.access_key_max_age {
                    if let Some(p) = self.period(text, || text.at(&file.path)) {
                        inventory.settings.access_key_max_age_days = p.days;
                    }
                }
                if let Some(text) = &iam.unused_credentials_max {
                    if let Some(p) = self.period(text, || text.at(&file.path)) {
                        inventory.settings.unused_credentials_max_days = p.days;
                    }
                }
            }
            let (rules, errors) = rule_settings(&file.path, &settings.rules);
            inventory.settings.rules = rules;
            self.errors.extend(errors);
            if let Some(stores) = &settings.stores {
                let scope = &mut inventory.settings.stores;
                scope.prefixes = stores.prefixes.clone();
                scope.tags = stores
                    .tags
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                if let Some(text) = &stores.unused_max {
                    if let Some(p) = self.period(text, || text.at(&file.path)) {
                        scope.unused_max_days = p.days;
                    }
                }
            }
        }
    }

    /// `sources:` of every file, resolved against each file's directory. The
    /// repository may be named once; the lists add up across files.
    pub(super) fn sources(
        &mut self,
        files: &[ParsedFile],
        names: &Names,
        inventory: &mut Inventory,
    ) {
        let mut repository_file: Option<Location> = None;
        for file in files {
            let Some(raw) = &file.document.sources else {
                continue;
            };
            let f = &file.path;
            let base = file.dir();
            if let Some(written) = &raw.repository {
                let here = written.at(f);
                if let Some(first) = &repository_file {
                    self.errors.push(
                        InputError::new(
                            Code::DuplicateSourcesRepository,
                            "`sources.repository` is written in more than one file",
                        )
                        .at(here)
                        .related(first.clone(), "first written here")
                        .help("name the repository in one inventory file"),
                    );
                } else {
                    repository_file = Some(here.clone());
                    inventory.sources.repository =
                        self.source_path(&base, written, true, "repository", here);
                }
            }
            for written in &raw.env_example {
                let here = written.at(f);
                inventory.sources.env_example.extend(self.source_path(
                    &base,
                    written,
                    false,
                    "`.env.example` file",
                    here,
                ));
            }
            for written in &raw.code {
                let here = written.at(f);
                inventory.sources.code.extend(self.source_path(
                    &base,
                    written,
                    true,
                    "code directory",
                    here,
                ));
            }
            for compose in &raw.compose {
                let here = compose.file.at(f);
                let file_path = self.source_path(&base, &compose.file, false, "compose file", here);
                if let Some(environment) = &compose.environment {
                    self.reference(
                        &names.environments,
                        environment,
                        "environment",
                        "environments",
                        "a compose source",
                        || environment.at(f),
                    );
                }
                for (compose_name, service) in &compose.services {
                    self.reference(
                        &names.services,
                        service,
                        "service",
                        "services",
                        &format!("compose service `{compose_name}`"),
                        || service.at(f),
                    );
                }
                if let Some(file_path) = file_path {
                    inventory.sources.compose.push(ComposeSource {
                        file: file_path,
                        environment: compose.environment.as_deref().cloned(),
                        services: compose
                            .services
                            .iter()
                            .map(|(name, service)| (name.clone(), service.value.clone()))
                            .collect(),
                    });
                }
            }
        }
    }

    /// Resolves a path named under `sources:` and checks that it exists as a
    /// directory (`dir`) or a file.
    fn source_path(
        &mut self,
        base: &std::path::Path,
        written: &str,
        dir: bool,
        what: &str,
        at: Location,
    ) -> Option<SourcePath> {
        let path = base.join(written);
        let problem = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() == dir => None,
            Ok(_) if dir => Some("is not a directory"),
            Ok(_) => Some("is not a file"),
            Err(_) => Some("does not exist"),
        };
        if let Some(problem) = problem {
            self.errors.push(
                InputError::new(
                    Code::MissingSource,
                    format!("the {what} `{written}` {problem}"),
                )
                .at(at)
                .help(format!(
                    "paths under `sources:` are relative to the inventory file (here `{}`); fix the path or remove it",
                    path.display()
                )),
            );
            return None;
        }
        Some(SourcePath {
            written: written.to_owned(),
            path,
            location: at,
        })
    }
}

/// The rule settings written in `file` (the inventory's `settings.rules`, or
/// a pack's `secretary-rules.yaml`), in id order. Each must change
/// something and say why and who: an override no one owns is not on the
/// record.
pub fn rule_settings(
    file: &Arc<str>,
    raw: &crate::inventory::raw::Items<crate::inventory::raw::RawRuleSetting>,
) -> (Vec<RuleSetting>, Vec<InputError>) {
    use crate::findings::Severity;
    use crate::inventory::raw::RuleLevel;
    let mut settings = Vec::new();
    let mut errors = Vec::new();
    for (rule, setting) in raw {
        let at = rule.key_at(file);
        let enabled = setting.enabled.unwrap_or(true);
        let problem = match (setting.severity, enabled) {
            (None, true) => {
                Some("changes nothing: it sets neither `severity` nor `enabled: false`")
            }
            (Some(_), false) => Some("sets a `severity` for a rule it switches off"),
            _ => None,
        };
        if let Some(problem) = problem {
            errors.push(
                InputError::new(
                    Code::InvalidRuleSetting,
                    format!("the setting of rule `{}` {problem}", rule.value),
                )
                .at(at.clone())
                .help("give the rule a `severity` (info, low, medium, high, critical), or `enabled: false` to switch it off"),
            );
        }
        for (field, text) in [("reason", &setting.reason), ("owner", &setting.owner)] {
            if text.trim().is_empty() {
                errors.push(
                    InputError::new(
                        Code::InvalidRuleSetting,
                        format!("the setting of rule `{}` has an empty `{field}`", rule.value),
                    )
                    .at(text.at(file))
                    .help("say why the rule is changed (`reason`) and who decided (`owner`): the report lists both"),
                );
            }
        }
        settings.push(RuleSetting {
            rule: rule.value.clone(),
            severity: setting.severity.map(|level| match level {
                RuleLevel::Info => Severity::Info,
                RuleLevel::Low => Severity::Low,
                RuleLevel::Medium => Severity::Medium,
                RuleLevel::High => Severity::High,
                RuleLevel::Critical => Severity::Critical,
            }),
            enabled,
            reason: setting.reason.value.trim().to_owned(),
            owner: setting.owner.value.trim().to_owned(),
            location: at,
        });
    }
    (settings, errors)
}
