//! Rule settings: a rule re-graded or switched off, on the record.
//!
//! A team adopting the tool meets dozens of first-run findings; the choice
//! between `--no-builtin` (all or nothing) and one waiver per finding is no
//! choice. A setting changes one rule for the whole run instead, and must
//! say why and who (`reason`, `owner`): every output that judges lists
//! the settings in force ([`Override`]), so an auditor sees what was turned
//! down, and a switched-off rule is reported as disabled, never as passed.
//!
//! Settings come from a rule pack's `secretary-rules.yaml` (read with its
//! rules, [`super::files`]) and from the inventory's `settings.rules`, which
//! win rule by rule. They are applied once both are loaded, since only then
//! is it known whether each names a loaded rule.

use std::collections::BTreeMap;

use cedar_policy::PolicyId;

use super::RuleSet;
use crate::diag::{did_you_mean, Code, InputError};
use crate::findings::Severity;
use crate::inventory::model::RuleSetting;

/// A setting in force: the rule's own severity and what the setting made
/// of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The rule's `@severity`.
    pub from: Severity,
    pub setting: RuleSetting,
}

impl Override {
    /// The severity the rule's findings get; `None` when it is off.
    pub fn to(&self) -> Option<Severity> {
        if self.setting.enabled {
            Some(self.setting.severity.unwrap_or(self.from))
        } else {
            None
        }
    }
}

impl RuleSet {
    /// Applies the packs' settings, then `inventory`'s over them, rule by
    /// rule: re-grades rules and takes switched-off ones out of evaluation.
    /// Fails with every setting that names no loaded rule.
    pub fn apply_settings(&mut self, inventory: &[RuleSetting]) -> Result<(), Vec<InputError>> {
        let mut effective: BTreeMap<String, RuleSetting> = BTreeMap::new();
        for setting in self.pack_settings.iter().chain(inventory) {
            effective.insert(setting.rule.clone(), setting.clone());
        }
        let errors: Vec<InputError> = self
            .pack_settings
            .iter()
            .chain(inventory)
            .filter(|setting| !self.rules.contains_key(&setting.rule))
            .map(|setting| self.unknown(setting))
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        for setting in effective.into_values() {
            let Some(rule) = self.rules.get_mut(&setting.rule) else {
                continue; // reported above
            };
            let from = rule.severity;
            if let Some(severity) = setting.severity {
                rule.severity = severity;
            }
            if !setting.enabled {
                self.disable(&setting.rule);
            }
            self.overrides.push(Override { from, setting });
        }
        Ok(())
    }

    /// The setting that switched rule `id` off, if one did.
    pub fn disabled(&self, id: &str) -> Option<&Override> {
        self.overrides
            .iter()
            .find(|o| o.setting.rule == id && !o.setting.enabled)
    }

    /// Takes rule `id` out of every set the evaluator asks.
    fn disable(&mut self, id: &str) {
        for set in &mut self.sets {
            // Err: the rule is not in this set.
            let _ = set.policies.remove_static(PolicyId::new(id));
            set.screened
                .retain(|s| s.policies.policy(&PolicyId::new(id)).is_none());
            set.has_rules = !set.policies.is_empty() || !set.screened.is_empty();
        }
    }

    fn unknown(&self, setting: &RuleSetting) -> InputError {
        let hint = match did_you_mean(&setting.rule, self.rules.keys().map(String::as_str)) {
            Some(close) => {
                format!("did you mean `{close}`? `secretary policies list` shows every rule")
            }
            None => "check the id with `secretary policies list` (checks of the run itself, such as `waiver-expired`, cannot be changed), or pass the `--policies` directory that defines the rule".to_owned(),
        };
        InputError::new(
            Code::UnknownRule,
            format!(
                "rule setting names rule `{}`, which is not loaded",
                setting.rule
            ),
        )
        .at(setting.location.clone())
        .help(hint)
    }
}
