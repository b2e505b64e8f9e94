//! Strict validation of every policy against the shipped schema: the
//! errors that stop a run and the warnings that do not.
//!
//! Cedar skips a policy that errors while it evaluates, so a rule with a
//! typo in an attribute would quietly never fire; Cedar's strict mode finds
//! such rules before any fact is judged. Policies whose annotations were
//! wrong are validated too (see [`parse`](super::parse)), so one run
//! reports every problem. Messages point into the policy's file through
//! the file index each policy keeps.

use std::collections::HashMap;

use cedar_policy::{PolicySet, Schema, ValidationMode, Validator};
use miette::Diagnostic;

use super::files::PolicyFile;
use super::{split, NamedPolicy};
use crate::diag::{Code, InputError};
use crate::source::Location;

/// What validation found.
pub(super) struct Validated {
    pub errors: Vec<InputError>,
    /// Validator warnings, worth showing but not fatal.
    pub warnings: Vec<InputError>,
}

/// Validates `policies` (read from `files`) together against `schema`.
pub(super) fn validate(
    policies: &[NamedPolicy],
    files: &[PolicyFile],
    schema: &Schema,
) -> Validated {
    let mut errors = Vec::new();
    let mut all = PolicySet::new();
    let mut origin: HashMap<String, (&PolicyFile, &(usize, Location))> = HashMap::new();
    for named in policies {
        origin.insert(
            named.policy.id().to_string(),
            (&files[named.file], &named.start),
        );
        if let Err(err) = all.add(named.policy.clone()) {
            errors.push(InputError::new(
                Code::PolicySet,
                format!("cannot add policy: {err}"),
            ));
        }
    }
    let validator = Validator::new(schema.clone());
    let result = validator.validate(&all, ValidationMode::Strict);
    let locate = |id: &str, diag: &dyn Diagnostic| -> Option<Location> {
        let (file, (start, location)) = origin.get(id)?;
        // Without a label, the policy's start.
        let offset = diag
            .labels()
            .and_then(|mut labels| labels.next())
            .map_or(*start, |label| label.offset());
        Some(split::locate_after(location, *start, &file.text, offset))
    };
    for error in result.validation_errors() {
        let id = error.policy_id().to_string();
        errors.push(
            InputError::new(Code::PolicyInvalid, format!("rule `{id}` does not match the schema: {error}"))
                .at_opt(locate(&id, error))
                .help(
                    error
                        .help()
                        .map(|h| h.to_string())
                        .unwrap_or_else(|| "compare the rule with `policies/secretary.cedarschema` (`secretary policies schema`)".into()),
                ),
        );
    }
    let warnings = result
        .validation_warnings()
        .map(|warning| {
            let id = warning.policy_id().to_string();
            InputError::new(Code::PolicyWarning, format!("rule `{id}`: {warning}"))
                .at_opt(locate(&id, warning))
        })
        .collect();
    Validated { errors, warnings }
}
