//! The view model of reports and generated docs: plain, serializable data
//! built from the inventory, the findings, the rules and the evidence.
//!
//! Templates (`templates/`, or a user's `--templates DIR`) see only this
//! structure, never the internal types, so it is the stable contract for
//! anyone who overrides a template; the book (`docs/src/reports.md`, "Templates and their view
//! model") documents every field. Fields may be added; none is removed or
//! renamed without a new `version`.
//!
//! Secret values never enter it: the inventory holds none, fingerprints are
//! left out, and the default of a variable that carries a secret is reduced
//! to `default_redacted: true`.
//!
//! The view types here are the report's frame and its findings; the
//! inventory's tables ([`tables`]), the compliance checklist ([`checklist`])
//! with its score ([`coverage`]), the audit evidence with its digests
//! ([`evidence`]) and the header's scope and sign-off ([`scope`]) each build
//! their own part, as do the rotation
//! calendar ([`rotation`]) and the IAM tables ([`iam`]).

mod baseline;
mod checklist;
mod coverage;
mod evidence;
mod frameworks;
mod iam;
mod limit;
mod matrix;
mod pictures;
mod rotation;
mod scope;
mod tables;

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::Serialize;

use crate::findings::{Finding, Report, Severity, WaiverState};
use crate::inventory::model::Inventory;
use crate::observe::ObservationKind;
use crate::policy::RuleSet;
use crate::source::SourceTexts;

pub use baseline::{baseline, BaselineView, FixedView};
pub use checklist::{
    anchor_slug, ChecklistItem, ChecklistRule, ChecklistStatus, FindingRef, NotCheckedGroup,
    Unknown, OTHER_RULES_ITEM,
};
pub use coverage::Score;
pub use evidence::{
    Evidence, FileDigest, FingerprintFileEvidence, IamEvidence, IamView, StoresEvidence,
    ValuesEvidence,
};
pub use frameworks::{framework_of, ControlView, FrameworkView};
pub use iam::{AdminRow, IamGroupRow, IamRoleRow, IamTables, IamUserRow, IdentityGrantRow, KeyRow};
pub use limit::{known_frameworks, Limit, LimitView};
pub use matrix::{Matrix, MatrixCell, MatrixRow, RotationState};
pub use pictures::{Picture, PictureRow};
pub use rotation::{
    calendar as rotation_calendar, RotationCalendar, RotationState as CalendarState,
    ScheduledRotation, UnscheduledSecret,
};
pub use scope::{ScopeView, SignOff};
pub use tables::{
    DueRow, EncryptionRow, EnvVarGroup, EnvVarRow, IdentityRow, InstanceRow, LayerKind,
    NeverLogRow, RotationDue, RotationView, SecretGroup, SecretRow,
};

/// The version of the view model's shape.
pub const VIEW_VERSION: u32 = 1;

/// What the view is built from, beyond the check's results.
#[derive(Debug, Clone)]
pub struct ViewContext {
    /// The evaluation date (`--now`).
    pub now: Date,
    /// When the report was made: `SOURCE_DATE_EPOCH` or the clock, resolved
    /// by the command line (renderers never read the clock). `None` for
    /// outputs that do not show it (`check --format markdown`).
    pub generated_at: Option<jiff::Timestamp>,
    pub fail_on: Severity,
    /// The live IAM snapshot the check used, if any.
    pub iam: Option<IamEvidence>,
    /// The kinds of observation the run made: rules that observe only
    /// others are "not checked".
    pub observed: BTreeSet<ObservationKind>,
    /// Values observed (`check --env`, `--fingerprints`), for the audit evidence.
    pub values: Option<ValuesEvidence>,
    /// The secret stores read (`--aws`, `--aws-snapshot`), for the audit evidence.
    pub stores: Option<StoresEvidence>,
    /// The rule packs loaded (`--policies git+…`), for the audit evidence.
    pub packs: Vec<crate::packs::Pack>,
    /// The environments and frameworks the report is limited to (resolved
    /// by [`Limit::resolve`]); the default covers everything.
    pub limit: LimitView,
    /// The IAM snapshot the run observed (live or from a file), for the
    /// report's IAM tables.
    pub iam_snapshot: Option<crate::observe::iam::Snapshot>,
}

#[derive(Debug, Serialize)]
pub struct View {
    pub version: u32,
    pub tool: Tool,
    pub now: String,
    pub generated_at: Option<String>,
    pub fail_on: Severity,
    pub summary: Summary,
    pub secrets: Vec<SecretGroup>,
    pub env_vars: Vec<EnvVarGroup>,
    pub identities: Vec<IdentityRow>,
    pub encryption: Vec<EncryptionRow>,
    pub never_log: Vec<NeverLogRow>,
    pub rotation_due: RotationDue,
    pub checklist: Vec<ChecklistItem>,
    /// The "not checked" checklist items, grouped by the observation they
    /// need, in `ObservationKind::ALL` order.
    pub not_checked: Vec<NotCheckedGroup>,
    /// The rules the run did not evaluate, grouped the same way: what every
    /// output calls "not checked".
    pub not_checked_rules: Vec<NotCheckedRules>,
    pub findings: Vec<FindingView>,
    pub evidence: Evidence,
    /// What the report is limited to (`report --environment`, `--framework`).
    pub limit: LimitView,
    /// Secrets × environments: backend, rotation state and age.
    pub matrix: Matrix,
    /// The checklist per compliance framework of the rules' `@control`.
    pub frameworks: Vec<FrameworkView>,
    /// The "At a glance" pictures, each with its text equivalent.
    pub pictures: Vec<Picture>,
    /// This run against `--baseline`: new and fixed findings; `None`
    /// without a baseline.
    pub baseline: Option<BaselineView>,
    /// What the report covers (`system:`), its title, the sign-off fields
    /// and the evidence digest: the report's header.
    pub scope: ScopeView,
    /// "N of M checklist items pass" (see [`coverage`]).
    pub score: Score,
    /// Every instance with a rotation period against `now`, and the secrets
    /// without one (the report's rotation calendar, `secretary rotation`).
    pub rotation_calendar: RotationCalendar,
    /// The account's IAM state as tables, when the run has IAM data.
    pub iam_tables: IamTables,
}

/// Rules not evaluated for want of one observation.
#[derive(Debug, Serialize)]
pub struct NotCheckedRules {
    /// What was not observed, e.g. "IAM data".
    pub what: &'static str,
    /// The flags or inventory keys that would observe it.
    pub enabled_by: &'static [&'static str],
    /// The rules' ids, sorted.
    pub rules: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub total: usize,
    /// Findings that fail the run: unwaived, at or above `fail_on`.
    pub failing: usize,
    pub waived: usize,
    /// Rules that failed to evaluate.
    pub errors: usize,
    pub passed: bool,
    /// Every severity, worst first, with its count (zero included).
    pub by_severity: Vec<SeverityCount>,
}

#[derive(Debug, Serialize)]
pub struct SeverityCount {
    pub severity: Severity,
    pub count: usize,
}

#[derive(Debug, Serialize)]
pub struct FindingView {
    /// `finding-1`, `finding-2`, … in report order.
    pub anchor: String,
    pub rule: String,
    pub rule_title: Option<String>,
    pub severity: Severity,
    pub entity: String,
    pub entity_type: String,
    pub entity_name: String,
    pub environment: Option<String>,
    pub principal: Option<String>,
    pub message: String,
    pub controls: Vec<String>,
    pub remediation: Option<String>,
    pub location: String,
    pub file: String,
    pub line: usize,
    pub waived: bool,
    pub waiver: Option<WaiverView>,
    /// Unwaived and at or above `fail_on`.
    pub fails: bool,
}

#[derive(Debug, Serialize)]
pub struct WaiverView {
    pub rule: String,
    pub entity: String,
    pub environment: Option<String>,
    pub principal: Option<String>,
    pub reason: String,
    pub owner: String,
    pub expires: String,
    pub location: String,
    /// `active`, `expired` or `unmatched` (for an applied waiver: `active`).
    pub state: WaiverState,
    pub matched: usize,
}

fn tool() -> Tool {
    Tool {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
    }
}

/// Builds the view. `texts` holds the inventory and policy texts the check
/// read, for their digests.
pub fn build(
    inventory: &Inventory,
    report: &Report,
    rules: &RuleSet,
    texts: &SourceTexts,
    context: &ViewContext,
) -> View {
    // The limit applies here, once, to the inputs of every section (see `limit`).
    let full_inventory = inventory;
    let limited_inventory = context.limit.inventory(inventory);
    let inventory = limited_inventory.as_ref().unwrap_or(inventory);
    let full_report = report;
    let limited_report = context.limit.report(report);
    let report = &limited_report;
    let findings = findings(report, rules, context.fail_on);
    let unknown = coverage::unknown_facts(inventory);
    let checklist = checklist::checklist(
        rules,
        &findings,
        &context.observed,
        &report.facts,
        &unknown,
        |rule| context.limit.keeps_controls(&rule.controls),
    );
    let evidence = evidence::evidence(full_inventory, full_report, rules, texts, context);
    let summary = summary(report, context.fail_on);
    let frameworks = frameworks::frameworks(
        rules,
        &frameworks::Evidence {
            findings: &findings,
            observed: &context.observed,
            facts: &report.facts,
            unknown: &unknown,
        },
        &context.limit.frameworks,
    );
    let pictures = pictures::pictures(inventory, &summary.by_severity, &checklist, context.now);
    View {
        version: VIEW_VERSION,
        tool: tool(),
        now: context.now.to_string(),
        generated_at: generated_at(context.generated_at),
        fail_on: context.fail_on,
        summary,
        secrets: tables::secrets(inventory, context.now),
        env_vars: tables::env_vars(inventory),
        identities: tables::identities(inventory),
        encryption: tables::encryption(inventory),
        never_log: tables::never_log(inventory),
        rotation_due: tables::rotation_due(inventory, context.now),
        not_checked: checklist::not_checked_groups(&checklist),
        not_checked_rules: rules
            .not_checked(&context.observed, &report.findings)
            .into_iter()
            .map(|group| NotCheckedRules {
                what: group.observation.what(),
                enabled_by: group.observation.enabled_by(),
                rules: group.rules,
            })
            .collect(),
        scope: scope::scope(inventory, &evidence),
        score: coverage::score(&checklist),
        checklist,
        findings,
        evidence,
        limit: context.limit.clone(),
        matrix: matrix::matrix(inventory, context.now),
        frameworks,
        pictures,
        baseline: None,
        rotation_calendar: rotation::calendar(inventory, context.now),
        iam_tables: iam::tables(inventory, context.iam_snapshot.as_ref(), context.now),
    }
}

/// RFC 3339 in UTC, to the second.
fn generated_at(at: Option<jiff::Timestamp>) -> Option<String> {
    at.map(|at| at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn summary(report: &Report, fail_on: Severity) -> Summary {
    let counts = report.count_by_severity();
    let by_severity = [Severity::Error]
        .into_iter()
        .chain(Severity::RULE_LEVELS.into_iter().rev())
        .map(|severity| SeverityCount {
            severity,
            count: counts.get(&severity).copied().unwrap_or(0),
        })
        .collect();
    let failing = report.failing_count(fail_on);
    let errors = report.errors().count();
    Summary {
        total: report.findings.len(),
        failing,
        waived: report.waived_count(),
        errors,
        passed: failing == 0 && errors == 0,
        by_severity,
    }
}

fn waiver_view(finding: &Finding) -> Option<WaiverView> {
    let waiver = finding.waiver.as_ref()?;
    Some(WaiverView {
        rule: finding.rule.clone(),
        entity: finding.entity_text(),
        environment: finding.environment.clone(),
        principal: finding.principal_text(),
        reason: waiver.reason.clone(),
        owner: waiver.owner.clone(),
        expires: waiver.expires.to_string(),
        location: waiver.location.to_string(),
        state: WaiverState::Active,
        matched: 1,
    })
}

fn findings(report: &Report, rules: &RuleSet, fail_on: Severity) -> Vec<FindingView> {
    report
        .findings
        .iter()
        .enumerate()
        .map(|(index, finding)| {
            let rule = rules.rule(&finding.rule);
            let (entity_type, entity_name) = match &finding.entity {
                Some(uid) => (uid.type_name().to_string(), uid.id().unescaped().to_owned()),
                None => Default::default(),
            };
            let waived = finding.waiver.is_some();
            FindingView {
                anchor: format!("finding-{}", index + 1),
                rule: finding.rule.clone(),
                rule_title: rule.and_then(|r| r.title.clone()),
                severity: finding.severity,
                entity: finding.entity_text(),
                entity_type,
                entity_name,
                environment: finding.environment.clone(),
                principal: finding.principal_text(),
                message: finding.message.clone(),
                controls: finding.controls.clone(),
                remediation: rule
                    .and_then(|r| r.remediation.clone())
                    .or_else(|| finding.remediation.clone()),
                location: format!("{}:{}", finding.location.file, finding.location.line),
                file: finding.location.file.to_string(),
                line: finding.location.line,
                waived,
                waiver: waiver_view(finding),
                fails: !waived && finding.severity >= fail_on,
            }
        })
        .collect()
}
