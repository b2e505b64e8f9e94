//! Limiting a report to some environments (`report --environment`) or some
//! compliance frameworks (`report --framework`).
//!
//! The limit is applied in one place, before the view is built: [`build`]
//! (in `mod.rs`) narrows the inventory to the chosen environments' instances
//! and the findings to those environments and frameworks, then builds every
//! table, the checklist and the pictures from the narrowed inputs as usual,
//! so no section can disagree with another. The audit evidence (digests,
//! waiver ledger) is always of the whole run.
//!
//! [`build`]: super::build

use std::collections::BTreeSet;

use serde::Serialize;

use super::frameworks::framework_of;
use crate::diag::{did_you_mean, Code, InputError};
use crate::findings::{Finding, Report};
use crate::inventory::model::Inventory;
use crate::policy::RuleSet;

/// What the user asked to limit the report to, as typed.
#[derive(Debug, Clone, Default)]
pub struct Limit {
    /// Environment names; empty: every environment.
    pub environments: Vec<String>,
    /// Framework names or prefixes of them, any case; empty: every framework.
    pub frameworks: Vec<String>,
}

/// What the report covers, as templates see it (`limit`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LimitView {
    /// The environments the report is limited to, in the inventory's order;
    /// empty when it covers every environment.
    pub environments: Vec<String>,
    /// The frameworks (full names) the findings and the frameworks section
    /// are limited to; empty when not limited.
    pub frameworks: Vec<String>,
}

impl Limit {
    /// Checks the names against the inventory's environments and the rules'
    /// frameworks, and resolves framework prefixes to full names. Reports
    /// every unknown name.
    pub fn resolve(
        &self,
        inventory: &Inventory,
        rules: &RuleSet,
    ) -> Result<LimitView, Vec<InputError>> {
        let mut errors = Vec::new();
        let mut environments = Vec::new();
        for name in &self.environments {
            if inventory.environments.contains_key(name) {
                environments.push(name.clone());
                continue;
            }
            let known: Vec<&str> = inventory.environments.keys().map(String::as_str).collect();
            let close = known
                .iter()
                .copied()
                .find(|k| !name.is_empty() && k.starts_with(name.as_str()))
                .or_else(|| did_you_mean(name, known.iter().copied()));
            let help = match close {
                Some(close) => format!(
                    "did you mean `{close}`? the environments are: {}",
                    known.join(", ")
                ),
                None if known.is_empty() => {
                    "the inventory declares no environment under `environments:`".to_owned()
                }
                None => format!("use one of: {}", known.join(", ")),
            };
            errors.push(
                InputError::new(
                    Code::UnknownEnvironment,
                    format!("`--environment {name}` names no environment of the inventory"),
                )
                .help(help),
            );
        }
        // Inventory order (declaration), not the order typed.
        let mut order: Vec<(&crate::source::Location, &String)> = inventory
            .environments
            .values()
            .filter(|e| environments.contains(&e.name))
            .map(|e| (&e.location, &e.name))
            .collect();
        order.sort();
        let environments = order.into_iter().map(|(_, name)| name.clone()).collect();

        let known = known_frameworks(rules);
        let mut frameworks = BTreeSet::new();
        for typed in &self.frameworks {
            let wanted = typed.trim().to_lowercase();
            let matched: Vec<&String> = known
                .iter()
                .filter(|f| !wanted.is_empty() && f.to_lowercase().starts_with(&wanted))
                .collect();
            if matched.is_empty() {
                let list: Vec<&str> = known.iter().map(String::as_str).collect();
                errors.push(
                    InputError::new(
                        Code::UnknownFramework,
                        format!("`--framework {typed}` matches no framework of the rules' `@control` annotations"),
                    )
                    .help(if list.is_empty() {
                        "no loaded rule names a control with `@control`".to_owned()
                    } else {
                        format!("the known frameworks are: {} (a case-insensitive prefix is enough, e.g. `nist`)", list.join("; "))
                    }),
                );
            }
            frameworks.extend(matched.into_iter().cloned());
        }
        if errors.is_empty() {
            Ok(LimitView {
                environments,
                frameworks: frameworks.into_iter().collect(),
            })
        } else {
            Err(errors)
        }
    }
}

/// Every framework the loaded rules name, sorted.
pub fn known_frameworks(rules: &RuleSet) -> BTreeSet<String> {
    rules
        .rules
        .values()
        .flat_map(|r| r.controls.iter())
        .map(|c| framework_of(c).0)
        .collect()
}

impl LimitView {
    fn keeps_environment(&self, environment: Option<&str>) -> bool {
        match environment {
            // A finding of no environment (an identity, a file) stays.
            None => true,
            Some(env) => self.environments.is_empty() || self.environments.iter().any(|e| e == env),
        }
    }

    /// Whether findings of a rule with these `@control`s are in the report:
    /// the checklist holds only such rules, so an item is never ticked for
    /// want of findings the limit left out.
    pub(super) fn keeps_controls(&self, controls: &[String]) -> bool {
        self.frameworks.is_empty()
            || controls
                .iter()
                .any(|c| self.frameworks.contains(&framework_of(c).0))
    }

    /// Whether a finding is in the report.
    pub fn keeps(&self, finding: &Finding) -> bool {
        self.keeps_environment(finding.environment.as_deref())
            && self.keeps_controls(&finding.controls)
    }

    /// The findings in the report (waivers unchanged).
    pub(super) fn report(&self, report: &Report) -> Report {
        Report {
            findings: report
                .findings
                .iter()
                .filter(|f| self.keeps(f))
                .cloned()
                .collect(),
            waivers: report.waivers.clone(),
            // Facts are counted per rule, across environments: the checklist
            // of a limited report still knows which rules had facts at all.
            facts: report.facts.clone(),
        }
    }

    /// The inventory with only the chosen environments and their instances;
    /// a secret deployed only elsewhere is left out, one deployed nowhere stays.
    pub(super) fn inventory(&self, inventory: &Inventory) -> Option<Inventory> {
        if self.environments.is_empty() {
            return None;
        }
        let mut limited = inventory.clone();
        limited
            .environments
            .retain(|name, _| self.environments.contains(name));
        limited.secrets.retain(|_, secret| {
            let deployed = !secret.instances.is_empty();
            secret
                .instances
                .retain(|env, _| self.environments.contains(env));
            !deployed || !secret.instances.is_empty()
        });
        Some(limited)
    }
}
