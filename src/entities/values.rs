//! Observed values (`check --env`, `--fingerprints`) as attributes of the
//! `SecretInstance` they belong to, and the values that could not be read
//! as error findings.
//!
//! Only facts cross into Cedar: where the value was looked for, whether it
//! was found, its length, emptiness, whether it is a placeholder and whether
//! it fits the declared format. Fingerprints stay in [`super::derive`].

use super::data::{boolean, long, string, AttrsBuilder};
use crate::findings::{Finding, Severity};
use crate::observe::values::{ObservedValue, ValueFacts, ValueObservation, NOT_VERIFIED};

/// What a rule may see of an observed value.
#[derive(Debug, Clone)]
pub struct ValueAttrs {
    source: String,
    found: bool,
    facts: Option<ValueFacts>,
    pub has_fingerprint: bool,
}

impl ValueAttrs {
    pub fn of(value: &ObservedValue) -> ValueAttrs {
        ValueAttrs {
            source: value.source.clone(),
            found: value.found,
            facts: value.facts.clone(),
            has_fingerprint: value.fingerprint.is_some(),
        }
    }
}

impl AttrsBuilder {
    /// The `value_*` attributes of an instance; none when not observed.
    pub(super) fn values(&mut self, value: Option<&ValueAttrs>) -> &mut Self {
        let Some(value) = value else {
            return self;
        };
        self.set("value_source", string(&value.source))
            .set("value_found", boolean(value.found));
        if let Some(facts) = &value.facts {
            self.set(
                "value_length",
                long(i64::try_from(facts.length).unwrap_or(i64::MAX)),
            )
            .set("value_empty", boolean(facts.empty))
            .set("value_placeholder", boolean(facts.placeholder.is_some()))
            .opt(
                "value_placeholder_reason",
                facts.placeholder.as_ref().map(string),
            );
            if let Some(format) = &facts.format {
                self.set("value_format_ok", boolean(format.is_ok()))
                    .opt("value_format_problem", format.clone().err().map(string));
            }
        }
        self
    }
}

/// One error finding per value that could not be read: such a value is
/// not verified, never passed.
pub fn gap_findings(values: &ValueObservation) -> Vec<Finding> {
    values
        .gaps
        .iter()
        .map(|gap| {
            let (entity, message) = if gap.secret.is_empty() {
                (
                    super::uid("Inventory", super::INVENTORY_ID),
                    format!("not verified: placeholder values ({})", gap.problem),
                )
            } else {
                (
                    super::uid("Secret", &gap.secret),
                    format!(
                        "not verified: the value of `{}` in `{}` ({}): {}",
                        gap.secret, gap.environment, gap.source, gap.problem
                    ),
                )
            };
            Finding::new(NOT_VERIFIED, Severity::Error, message, gap.location.clone())
                .entity(entity)
                .environment((!gap.environment.is_empty()).then(|| gap.environment.clone()))
                .remediation(
                    "make the value readable by this run (permissions, path, a valid `.env` file), then run again"
                        .to_owned(),
                )
        })
        .collect()
}
