//! The report's "since the previous run" part: how many findings are new
//! and which earlier ones are fixed, against the baseline the run was given
//! (`--baseline`, see [`crate::baseline`]).
//!
//! Findings stay as they are in the view ([`super::FindingView`]); which of
//! them are new is said here by their anchors, so templates mark a finding
//! with `f.anchor in baseline.new_anchors`.

use serde::Serialize;

use super::FindingView;
use crate::baseline::{Comparison, State};
use crate::findings::Severity;

#[derive(Debug, Serialize)]
pub struct BaselineView {
    /// The baseline file as the user named it.
    pub file: String,
    pub new: usize,
    pub unchanged: usize,
    /// The anchors of the new findings (`finding-3`, ...).
    pub new_anchors: Vec<String>,
    /// The baseline's findings this run no longer has.
    pub fixed: Vec<FixedView>,
}

/// A finding of the baseline that is gone: only its key fields and
/// severity are shown, nothing else of the baseline's text.
#[derive(Debug, Serialize)]
pub struct FixedView {
    pub rule: String,
    /// `None` when the baseline's severity is not one secretary writes.
    pub severity: Option<Severity>,
    pub entity: String,
    pub environment: Option<String>,
    pub principal: Option<String>,
}

/// The view of `comparison`, whose states are in the order of `findings`.
pub fn baseline(comparison: &Comparison, findings: &[FindingView]) -> BaselineView {
    BaselineView {
        file: comparison.file.to_string(),
        new: comparison.new_count(),
        unchanged: comparison.unchanged_count(),
        new_anchors: findings
            .iter()
            .zip(&comparison.states)
            .filter(|(_, state)| **state == State::New)
            .map(|(f, _)| f.anchor.clone())
            .collect(),
        fixed: comparison
            .fixed
            .iter()
            .map(|f| FixedView {
                rule: f.rule.clone(),
                severity: f.severity,
                entity: f.entity.clone(),
                environment: f.environment.clone(),
                principal: f.principal.clone(),
            })
            .collect(),
    }
}
