//! Waivers: accepted risk, recorded rather than hidden.
//!
//! The inventory's `waivers:` section names findings (rule, entity, and
//! optionally environment and principal) whose risk someone accepted, why,
//! and until when. This stage runs after evaluation: it marks each matching
//! finding as waived (still reported, no longer failing the run), and turns
//! waivers that no longer do their job into findings of their own:
//!
//! - `waiver-expired` (high): the expiry date is before `--now`. The waiver
//!   accepts nothing, so the finding it covered fails again, and the stale
//!   waiver itself fails the run until someone renews or removes it.
//! - `waiver-unmatched` (info): the waiver is in force but matches no finding,
//!   typically because the problem was fixed. It is reported so the waiver
//!   can be deleted before it silently accepts a future regression, but at
//!   `info` it does not turn a build red by default: fixing a finding should
//!   never make a run fail. `--fail-on info` makes it fail.
//!
//! Every waiver ends up in the report's ledger with its state.

use crate::diag::Code;
use cedar_policy::EntityUid;
use jiff::civil::Date;

use crate::diag::{did_you_mean, InputError};
use crate::findings::{AppliedWaiver, Finding, Report, Severity, WaiverState, WaiverStatus};
use crate::inventory::model::{EntityRef, Waiver};
use crate::policy::RuleSet;

/// The rule id of the finding an expired waiver raises.
pub const EXPIRED_RULE: &str = "waiver-expired";
/// The rule id of the finding a waiver that matches nothing raises.
pub const UNMATCHED_RULE: &str = "waiver-unmatched";

/// A rule that is not written in Cedar: the waiver checks above. Formats
/// that list rules (SARIF, JUnit) list these too.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinCheck {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub description: &'static str,
    pub remediation: &'static str,
}

pub const BUILTIN_CHECKS: [BuiltinCheck; 2] = [
    BuiltinCheck {
        id: EXPIRED_RULE,
        severity: Severity::High,
        title: "Waiver expired",
        description: "A waiver accepted a finding's risk until a date that has passed. The waiver no longer applies: the finding it covered fails again, and the stale waiver is reported until it is renewed or removed.",
        remediation: "Fix the finding and remove the waiver, or, if the risk is still accepted, have its owner review it and move `expires` to a new date.",
    },
    BuiltinCheck {
        id: UNMATCHED_RULE,
        severity: Severity::Info,
        title: "Waiver matches no finding",
        description: "A waiver in force matches no finding, usually because the problem was fixed. Left in place, it would silently accept the same finding if it came back.",
        remediation: "Remove the waiver, or correct its `rule`, `entity`, `environment` or `principal` if it was meant to match a finding.",
    },
];

/// Checks that every waiver names a loaded rule. Rule ids are only known
/// once rules are loaded, so this runs after both inputs are read.
pub fn check_rules(waivers: &[Waiver], rules: &RuleSet) -> Vec<InputError> {
    let mut errors = Vec::new();
    for waiver in waivers {
        if BUILTIN_CHECKS.iter().any(|check| check.id == waiver.rule) {
            errors.push(
                InputError::new(
                    Code::UnknownRule,
                    format!(
                        "waiver names rule `{}`, which cannot be waived",
                        waiver.rule
                    ),
                )
                .at(waiver.location.clone())
                .help("renew or remove the waiver the finding is about instead"),
            );
        } else if rules.rule(&waiver.rule).is_none() {
            let help = match did_you_mean(&waiver.rule, rules.rules.keys().map(String::as_str)) {
                Some(close) => format!("did you mean `{close}`? `secretary policies list` shows every rule"),
                None => "check the id with `secretary policies list`, or pass the `--policies` directory that defines the rule".to_owned(),
            };
            errors.push(
                InputError::new(
                    Code::UnknownRule,
                    format!("waiver names rule `{}`, which is not loaded", waiver.rule),
                )
                .at(waiver.location.clone())
                .help(help),
            );
        }
    }
    errors
}

/// Applies `waivers` to the report's findings as of `now`, adds a finding for
/// each expired or unmatched waiver, and fills the ledger.
pub fn apply(report: Report, waivers: &[Waiver], now: Date) -> Report {
    if waivers.is_empty() {
        return report;
    }
    let mut findings = report.findings;
    let uid = |entity: &EntityRef| crate::entities::uid(&entity.kind, &entity.id);
    let uids: Vec<(EntityUid, Option<EntityUid>)> = waivers
        .iter()
        .map(|w| (uid(&w.entity), w.principal.as_ref().map(uid)))
        .collect();
    let mut matched = vec![0usize; waivers.len()];
    for finding in &mut findings {
        // A rule that failed to evaluate is never accepted.
        if finding.severity == Severity::Error {
            continue;
        }
        let hit = waivers
            .iter()
            .zip(&uids)
            .position(|(waiver, (entity, principal))| {
                waiver.expires >= now
                    && waiver.rule == finding.rule
                    && finding.entity.as_ref() == Some(entity)
                    && (waiver.environment.is_none() || waiver.environment == finding.environment)
                    && (principal.is_none() || *principal == finding.principal)
            });
        if let Some(index) = hit {
            matched[index] += 1;
            let waiver = &waivers[index];
            finding.waiver = Some(AppliedWaiver {
                reason: waiver.reason.clone(),
                owner: waiver.owner.clone(),
                expires: waiver.expires,
                location: waiver.location.clone(),
            });
        }
    }
    let mut ledger = Vec::with_capacity(waivers.len());
    for ((waiver, (entity, principal)), matched) in waivers.iter().zip(uids).zip(matched) {
        let state = if waiver.expires < now {
            WaiverState::Expired
        } else if matched == 0 {
            WaiverState::Unmatched
        } else {
            WaiverState::Active
        };
        let subject = describe(&waiver.rule, &entity, waiver.environment.as_deref());
        let raised = match state {
            WaiverState::Expired => Some((
                &BUILTIN_CHECKS[0],
                format!(
                    "{subject} expired on {} (owner: {}); the finding it accepted is no longer waived",
                    waiver.expires, waiver.owner
                ),
            )),
            WaiverState::Unmatched => Some((
                &BUILTIN_CHECKS[1],
                format!("{subject} matches no finding; remove it"),
            )),
            WaiverState::Active => None,
        };
        if let Some((check, message)) = raised {
            findings.push(
                Finding::new(check.id, check.severity, message, waiver.location.clone())
                    .entity(entity.clone())
                    .environment(waiver.environment.clone())
                    .principal(principal.clone())
                    .remediation(check.remediation.to_owned()),
            );
        }
        ledger.push(WaiverStatus {
            rule: waiver.rule.clone(),
            entity,
            environment: waiver.environment.clone(),
            principal,
            reason: waiver.reason.clone(),
            owner: waiver.owner.clone(),
            expires: waiver.expires,
            location: waiver.location.clone(),
            matched,
            state,
        });
    }
    let mut report = Report::new(findings);
    report.waivers = ledger;
    report
}

fn describe(rule: &str, entity: &EntityUid, environment: Option<&str>) -> String {
    match environment {
        Some(env) => format!("waiver of `{rule}` for {entity} in {env}"),
        None => format!("waiver of `{rule}` for {entity}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::inventory::model::EntityRef;

    /// A waiver's entity prints exactly as Cedar prints a finding's uid, and
    /// parses back from it, so users can copy it from any output.
    #[test]
    fn waiver_uids_print_as_cedar_prints_them() {
        for (kind, id) in [
            ("Secret", "JWT_SECRET"),
            ("EnvVar", "a \"quoted\" \\ name"),
            ("Service", "mesh.root_key"),
        ] {
            let cedar = cedar_policy::EntityUid::from_type_name_and_id(
                kind.parse().unwrap(),
                cedar_policy::EntityId::new(id),
            );
            let ours = EntityRef {
                kind: kind.to_owned(),
                id: id.to_owned(),
            };
            assert_eq!(ours.uid(), cedar.to_string());
            assert_eq!(EntityRef::parse(&cedar.to_string()), Some(ours));
        }
        assert_eq!(
            EntityRef::parse("Secret::JWT_SECRET").map(|e| e.uid()),
            Some("Secret::\"JWT_SECRET\"".to_owned())
        );
        for bad in ["JWT_SECRET", "Secret::", "::x", "Secret::\"x", "Se cret::x"] {
            assert_eq!(EntityRef::parse(bad), None, "{bad}");
        }
    }
}
