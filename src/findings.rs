//! Stage 5: findings, the result of a check.
//!
//! A [`Finding`] is plain data: which rule, about which inventory item, how
//! severe, what it says, where it comes from. Renderers only read these.
//! Findings are sorted into one stable order so that two runs over the same
//! input print the same bytes.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use cedar_policy::EntityUid;
use serde::Serialize;

use crate::source::Location;

/// What identifies a finding across runs: its rule id, entity uid,
/// environment and principal as every output prints them, never its
/// message or location (which may change) and never a value. One function
/// for every use, so a SARIF alert and a `--baseline` agree on what is
/// "the same finding".
pub fn key(rule: &str, entity: &str, environment: Option<&str>, principal: Option<&str>) -> String {
    format!(
        "{rule}|{entity}|{}|{}",
        environment.unwrap_or(""),
        principal.unwrap_or("")
    )
}

/// How serious a finding is. `Error` is not a rule's severity: it marks a
/// rule that failed to evaluate, which must never pass silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
    Error,
}

impl Severity {
    /// The severities a rule may declare with `@severity`.
    pub const RULE_LEVELS: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::RULE_LEVELS
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or_else(|| {
                format!("unknown severity `{s}`; use one of info, low, medium, high, critical")
            })
    }
}

/// One rule's verdict on one fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// The inventory item, if the finding is about one. Outputs print it as
    /// Cedar prints a uid: `Secret::"JWT_SECRET"` ([`Finding::entity_text`]).
    pub entity: Option<EntityUid>,
    pub environment: Option<String>,
    /// The other party, e.g. the service that reads a secret.
    pub principal: Option<EntityUid>,
    pub message: String,
    pub controls: Vec<String>,
    pub remediation: Option<String>,
    pub location: Location,
    /// The waiver that accepts this finding's risk, if one does. A waived
    /// finding is still reported, but does not fail the run.
    pub waiver: Option<AppliedWaiver>,
}

/// The waiver that matched a finding: enough to show who accepted the risk,
/// why and until when, next to the finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedWaiver {
    pub reason: String,
    pub owner: String,
    pub expires: jiff::civil::Date,
    /// Where the waiver is declared.
    pub location: Location,
}

/// One waiver of the ledger, with what became of it in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaiverStatus {
    pub rule: String,
    pub entity: EntityUid,
    pub environment: Option<String>,
    /// The other party the waiver is limited to.
    pub principal: Option<EntityUid>,
    pub reason: String,
    pub owner: String,
    pub expires: jiff::civil::Date,
    pub location: Location,
    pub state: WaiverState,
    /// How many findings it accepts (only an active waiver accepts any).
    pub matched: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverState {
    /// In force and accepting findings.
    Active,
    /// Past its expiry date: it accepts nothing and is itself a finding.
    Expired,
    /// In force but matching no finding: it can be removed.
    Unmatched,
}

impl Finding {
    /// A finding about no entity yet, in no environment, with no controls,
    /// remediation or waiver: the builder methods below add those.
    pub fn new(
        rule: impl Into<String>,
        severity: Severity,
        message: impl Into<String>,
        location: Location,
    ) -> Self {
        Finding {
            rule: rule.into(),
            severity,
            entity: None,
            environment: None,
            principal: None,
            message: message.into(),
            controls: Vec::new(),
            remediation: None,
            location,
            waiver: None,
        }
    }

    pub fn entity(mut self, entity: impl Into<Option<EntityUid>>) -> Self {
        self.entity = entity.into();
        self
    }

    pub fn environment(mut self, environment: impl Into<Option<String>>) -> Self {
        self.environment = environment.into();
        self
    }

    pub fn principal(mut self, principal: impl Into<Option<EntityUid>>) -> Self {
        self.principal = principal.into();
        self
    }

    pub fn controls(mut self, controls: Vec<String>) -> Self {
        self.controls = controls;
        self
    }

    pub fn remediation(mut self, remediation: impl Into<Option<String>>) -> Self {
        self.remediation = remediation.into();
        self
    }

    /// The entity as Cedar prints its uid, `Secret::"JWT_SECRET"`; empty for
    /// a finding about no entity.
    pub fn entity_text(&self) -> String {
        self.entity
            .as_ref()
            .map(EntityUid::to_string)
            .unwrap_or_default()
    }

    /// The other party as Cedar prints its uid.
    pub fn principal_text(&self) -> Option<String> {
        self.principal.as_ref().map(EntityUid::to_string)
    }

    /// What identifies this finding across runs ([`key`]): the SARIF
    /// partial fingerprint and the key a `--baseline` is compared by.
    pub fn key(&self) -> String {
        key(
            &self.rule,
            &self.entity_text(),
            self.environment.as_deref(),
            self.principal_text().as_deref(),
        )
    }

    /// The report order: worst first, then as the printed fields sort.
    fn order(&self, other: &Self) -> Ordering {
        other
            .severity
            .cmp(&self.severity)
            .then_with(|| self.rule.cmp(&other.rule))
            .then_with(|| cmp_printed(self.entity.as_ref(), other.entity.as_ref()))
            .then_with(|| self.environment.cmp(&other.environment))
            .then_with(|| cmp_printed(self.principal.as_ref(), other.principal.as_ref()))
            .then_with(|| self.location.cmp(&other.location))
    }
}

/// Orders uids as their printed forms (`Type::"id"`) sort, without printing
/// them: the order of reports is the order of the text they show. `None`
/// (printed as nothing) comes first.
fn cmp_printed(a: Option<&EntityUid>, b: Option<&EntityUid>) -> Ordering {
    fn chars(uid: &EntityUid) -> impl Iterator<Item = char> + '_ {
        let name = uid.type_name();
        name.namespace_components()
            .flat_map(|part| part.chars().chain("::".chars()))
            .chain(name.basename().chars())
            .chain("::\"".chars())
            .chain(uid.id().unescaped().escape_debug())
            .chain(std::iter::once('"'))
    }
    /// An id Cedar prints as it is, and whose every byte sorts after the
    /// closing `"`: two such ids of one type sort as their printed forms do.
    fn plain(id: &str) -> bool {
        id.bytes().all(|b| b > b'"' && b != b'\\' && b < 0x7f)
    }
    match (a, b) {
        // Nearly every comparison of a large report: one type, plain ids.
        (Some(a), Some(b))
            if a.type_name() == b.type_name()
                && plain(a.id().unescaped())
                && plain(b.id().unescaped()) =>
        {
            a.id().unescaped().cmp(b.id().unescaped())
        }
        (Some(a), Some(b)) => chars(a).cmp(chars(b)),
        _ => a.is_some().cmp(&b.is_some()),
    }
}

/// The result of evaluating all rules on all facts.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Every declared waiver and its state, for the audit ledger.
    pub waivers: Vec<WaiverStatus>,
    /// How many facts each rule was asked about, by rule id (see
    /// `evaluate::Evaluation::facts`): a checklist item whose rules were
    /// asked about none is "not applicable". Rules asked about none are
    /// absent.
    pub facts: BTreeMap<String, usize>,
}

impl Report {
    pub fn new(mut findings: Vec<Finding>) -> Self {
        findings.sort_by(Finding::order);
        findings.dedup();
        Self {
            findings,
            waivers: Vec::new(),
            facts: BTreeMap::new(),
        }
    }

    pub fn count_by_severity(&self) -> BTreeMap<Severity, usize> {
        let mut counts = BTreeMap::new();
        for finding in &self.findings {
            *counts.entry(finding.severity).or_insert(0) += 1;
        }
        counts
    }

    /// How many unwaived findings reach `threshold`: the ones that fail the run.
    pub fn failing_count(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= threshold && f.waiver.is_none())
            .count()
    }

    /// How many findings a waiver accepts.
    pub fn waived_count(&self) -> usize {
        self.findings.iter().filter(|f| f.waiver.is_some()).count()
    }

    /// Whether any unwaived finding reaches `threshold`.
    pub fn fails_at(&self, threshold: Severity) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity >= threshold && f.waiver.is_none())
    }

    /// Findings from rules that could not be evaluated.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports sort findings by the text they print, so the order must not
    /// change with how uids are held.
    #[test]
    fn uids_sort_as_they_print() {
        let uids: Vec<Option<EntityUid>> = [
            ("Secret", "ab"),
            ("Secret", "a"),
            ("Secret", "abc"),
            ("Secret", "aB_c"),
            ("Secret", "ab c"),
            ("Secret", "ab!"),
            ("Secret", "a\"b"),
            ("Secret", "a\\b"),
            ("Secret", "a\nb"),
            ("SecretInstance", "ab@prod"),
            ("EnvVar", "ab"),
        ]
        .into_iter()
        .map(|(kind, id)| Some(crate::entities::uid(kind, id)))
        .chain([None])
        .collect();
        for a in &uids {
            for b in &uids {
                let text = |uid: &Option<EntityUid>| uid.as_ref().map(ToString::to_string);
                assert_eq!(
                    cmp_printed(a.as_ref(), b.as_ref()),
                    text(a)
                        .unwrap_or_default()
                        .cmp(&text(b).unwrap_or_default()),
                    "{a:?} {b:?}"
                );
            }
        }
    }
}
