//! `system:`, the scope of an audit, which one file may write: its name,
//! owners and reviewer are shown in the report's header, and each
//! environment in scope must be a declared environment.

use super::names::Names;
use super::{ParsedFile, Validator};
use crate::diag::{Code, InputError};
use crate::inventory::model::{Inventory, System};
use crate::source::{Location, Spanned};

impl Validator {
    /// `system:`, written in at most one file.
    pub(super) fn system(
        &mut self,
        files: &[ParsedFile],
        names: &Names,
        inventory: &mut Inventory,
    ) {
        let mut first: Option<Location> = None;
        for file in files {
            let Some(raw) = &file.document.system else {
                continue;
            };
            let here = raw.key_at(&file.path);
            if let Some(first) = &first {
                self.errors.push(
                    InputError::new(
                        Code::DuplicateSystem,
                        "`system` is written in more than one file",
                    )
                    .at(here)
                    .related(first.clone(), "first written here")
                    .help("keep `system:` in one inventory file"),
                );
                continue;
            }
            first = Some(here.clone());
            let mut text = |value: &Spanned<String>, key: &str| -> String {
                if value.trim().is_empty() {
                    self.errors.push(
                        InputError::new(Code::EmptyField, format!("`system.{key}` is empty"))
                            .at(value.at(&file.path))
                            .help(format!("write a value for `{key}` or leave the key out")),
                    );
                }
                value.value.clone()
            };
            let name = raw.name.as_ref().map(|n| text(n, "name"));
            let owners = raw.owners.iter().map(|o| text(o, "owners")).collect();
            let reviewer = raw.reviewer.as_ref().map(|r| text(r, "reviewer"));
            let mut environments_in_scope: Vec<String> = Vec::new();
            for env in &raw.environments_in_scope {
                let known = self.reference(
                    &names.environments,
                    env,
                    "environment",
                    "environments",
                    "`system.environments_in_scope`",
                    || env.at(&file.path),
                );
                if known && !environments_in_scope.contains(&env.value) {
                    environments_in_scope.push(env.value.clone());
                }
            }
            inventory.system = Some(System {
                name,
                description: raw.description.clone().filter(|d| !d.trim().is_empty()),
                owners,
                environments_in_scope,
                reviewer,
                location: here,
            });
        }
    }
}
