//! Observed values (`check --env`, `--fingerprints`) as attributes of the
//! `SecretInstance` they belong to. The values are read by
//! [`crate::observe::values`]; what it learns is plain data defined here,
//! because the attributes belong to the inventory's own instances, built by
//! this module's siblings.
//!
//! Only facts cross into Cedar: where the value was looked for, whether it
//! was found, its length, emptiness, whether it is a placeholder and whether
//! it fits the declared format. Fingerprints stay in [`super::derive`].

use super::data::{boolean, long, string, AttrsBuilder};

/// What is known about one instance's value. Never the value.
#[derive(Debug, Clone)]
pub struct ObservedValue {
    /// Where the value was looked for, for messages: "env var `X`",
    /// "file `/run/secrets/x`", "`.env` line 3 (`X`)", "fingerprint file `f`".
    pub source: String,
    pub found: bool,
    /// Facts of a value read in this run (absent for values known only by a
    /// fingerprint file, or not found).
    pub facts: Option<ValueFacts>,
    /// The keyed fingerprint (`hmac-sha256:...`): compared, never shown.
    /// Absent for values not found, and for empty ones.
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueFacts {
    /// Characters (bytes, for a value that is not UTF-8).
    pub length: u64,
    pub empty: bool,
    /// Why the value is a placeholder, when it is one.
    pub placeholder: Option<String>,
    /// `None` when the secret declares no format; else whether it matched
    /// and, when not, in what way (never quoting the value).
    pub format: Option<Result<(), String>>,
    /// The value is a published default credential (and not a placeholder).
    pub published_default: bool,
}

/// What a rule may see of an observed value.
#[derive(Debug, Clone)]
pub struct ValueAttrs {
    secret: String,
    source: String,
    found: bool,
    facts: Option<ValueFacts>,
    pub has_fingerprint: bool,
}

impl ValueAttrs {
    pub fn of(secret: &str, value: &ObservedValue) -> ValueAttrs {
        ValueAttrs {
            secret: secret.to_owned(),
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
            )
            .set(
                "published_default_credential",
                boolean(facts.published_default),
            )
            .set(
                "published_default_subject",
                string(format!(
                    "the value of `{}` at {}",
                    value.secret, value.source
                )),
            );
            if let Some(format) = &facts.format {
                self.set("value_format_ok", boolean(format.is_ok()))
                    .opt("value_format_problem", format.clone().err().map(string));
            }
        }
        self
    }
}
