//! Stage 5: findings, the result of a check.
//!
//! A [`Finding`] is plain data: which rule, about which inventory item, how
//! severe, what it says, where it comes from. Renderers only read these.
//! Findings are sorted into one stable order so that two runs over the same
//! input print the same bytes.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::source::Location;

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
    /// The inventory item, as Cedar prints its uid: `Secret::"JWT_SECRET"`.
    pub entity: String,
    pub environment: Option<String>,
    /// The other party, e.g. the service that reads a secret.
    pub principal: Option<String>,
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
    /// The entity uid as findings print it, e.g. `Secret::"JWT_SECRET"`.
    pub entity: String,
    pub environment: Option<String>,
    /// The other party the waiver is limited to, as findings print it.
    pub principal: Option<String>,
    pub reason: String,
    pub owner: String,
    pub expires: jiff::civil::Date,
    pub location: Location,
    pub state: WaiverState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiverState {
    /// In force and accepting this many findings.
    Active { matched: usize },
    /// Past its expiry date: it accepts nothing and is itself a finding.
    Expired,
    /// In force but matching no finding: it can be removed.
    Unmatched,
}

impl Finding {
    fn sort_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.severity),
            &self.rule,
            &self.entity,
            &self.environment,
            &self.principal,
            &self.location,
        )
    }
}

/// The result of evaluating all rules on all facts.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Every declared waiver and its state, for the audit ledger.
    pub waivers: Vec<WaiverStatus>,
}

impl Report {
    pub fn new(mut findings: Vec<Finding>) -> Self {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings.dedup();
        Self {
            findings,
            waivers: Vec::new(),
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
