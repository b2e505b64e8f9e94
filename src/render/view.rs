//! The view model of reports and generated docs: plain, serializable data
//! built from the inventory, the findings, the rules and the evidence.
//!
//! Templates (`templates/`, or a user's `--templates DIR`) see only this
//! structure, never the internal types, so it is the stable contract for
//! anyone who overrides a template; README.md ("Templates and their view
//! model") documents every field. Fields may be added; none is removed or
//! renamed without a new `version`.
//!
//! Secret values never enter it: the inventory holds none, fingerprints are
//! left out, and the default of a variable that carries a secret is reduced
//! to `default_redacted: true`.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::Serialize;

use crate::entities::Action;
use crate::findings::{Finding, Report, Severity, WaiverState};
use crate::inventory::model::{serde_name, Inventory, Secret};
use crate::observe::ObservationKind;
use crate::policy::RuleSet;
use crate::source::{hex, SourceTexts};

/// The version of the view model's shape.
pub const VIEW_VERSION: u32 = 1;

/// The checklist item of rules that name none with `@checklist`.
pub const OTHER_RULES_ITEM: &str = "Other rules";

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
}

/// Which values a run observed, for the audit evidence: environments read
/// on this machine, the fingerprint key's id and the merged fingerprint files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ValuesEvidence {
    /// Environments whose values were read in this run (`--env`).
    pub read: Vec<String>,
    /// The id of the fingerprint key (never the key).
    pub key_id: String,
    /// Whether the key was random, for this run only.
    pub random_key: bool,
    /// Fingerprint files merged (`--fingerprints`), by environment.
    pub fingerprint_files: Vec<FingerprintFileEvidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FingerprintFileEvidence {
    pub environment: String,
    pub file: String,
    /// SHA-256 of the file as read (filled in by [`build`]).
    pub sha256: String,
}

/// Where an IAM snapshot came from, for the audit evidence.
#[derive(Debug, Clone, Serialize)]
pub struct IamEvidence {
    pub account: String,
    pub collected_at: String,
    pub source: String,
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
    pub findings: Vec<FindingView>,
    pub evidence: Evidence,
}

/// Checklist items a run could not check: it made none of the observations
/// their rules judge.
#[derive(Debug, Serialize)]
pub struct NotCheckedGroup {
    /// What was not observed, e.g. "IAM data".
    pub what: &'static str,
    /// The flags or inventory keys that would observe it.
    pub enabled_by: &'static [&'static str],
    /// The items' titles.
    pub items: Vec<String>,
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
pub struct SecretGroup {
    pub classification: String,
    pub secrets: Vec<SecretRow>,
}

#[derive(Debug, Serialize)]
pub struct SecretRow {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub classification: String,
    pub category: Option<String>,
    pub owner: Option<String>,
    pub risk: Option<String>,
    pub never_log: bool,
    pub readers: Option<Vec<String>>,
    pub rotation: RotationView,
    pub instances: Vec<InstanceRow>,
    pub location: String,
}

#[derive(Debug, Serialize)]
pub struct RotationView {
    pub period: Option<String>,
    pub period_days: Option<i64>,
    pub method: Option<String>,
    pub breaks: Vec<String>,
    /// In words: `quarterly; manual, restart required`.
    pub summary: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct InstanceRow {
    pub environment: String,
    pub backend: String,
    pub store: Option<String>,
    pub encryption: String,
    pub env_var: Option<String>,
    pub file: Option<String>,
    pub file_mode: Option<String>,
    /// How the value reaches the service: the env var, else the file path.
    pub delivery: Option<String>,
    pub reference: Option<String>,
    pub last_rotated: Option<String>,
    pub next_due: Option<String>,
    /// Days from `now` to `next_due`; negative when overdue.
    pub days_until_due: Option<i64>,
    pub overdue: bool,
    pub location: String,
}

#[derive(Debug, Serialize)]
pub struct EnvVarGroup {
    pub category: String,
    pub vars: Vec<EnvVarRow>,
}

#[derive(Debug, Serialize)]
pub struct EnvVarRow {
    pub name: String,
    /// The default as written; always `None` for a variable that carries a secret.
    pub default: Option<String>,
    pub has_default: bool,
    /// True when a default exists but is not shown because the variable carries a secret.
    pub default_redacted: bool,
    pub required: bool,
    pub required_in: Vec<String>,
    pub purpose: Option<String>,
    pub secret: Option<String>,
    pub carries_secret: bool,
    pub services: Vec<String>,
    pub location: String,
}

#[derive(Debug, Serialize)]
pub struct IdentityRow {
    pub name: String,
    pub kind: String,
    pub description: Option<String>,
    pub access: Option<String>,
    pub scope: Option<String>,
    pub allow: Vec<String>,
    pub service: Option<String>,
    pub credentials: Vec<String>,
    pub rotation: Option<String>,
    pub aws_account: Option<String>,
    pub aws_arn: Option<String>,
    pub location: String,
}

#[derive(Debug, Serialize)]
pub struct EncryptionRow {
    /// A declared store's name, or a backend's for instances outside any store.
    pub layer: String,
    /// `store` or `backend`.
    pub kind: &'static str,
    pub description: Option<String>,
    /// The mechanisms, `none`, `provider-managed` or `unknown`, sorted.
    pub mechanisms: Vec<String>,
    pub unencrypted: bool,
    /// Secret ids stored there.
    pub secrets: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct NeverLogRow {
    pub id: String,
    pub name: String,
    pub classification: String,
    pub env_vars: Vec<String>,
    pub files: Vec<String>,
    pub risk: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RotationDue {
    pub overdue: Vec<DueRow>,
    pub within_30_days: Vec<DueRow>,
    /// Due in 31 to 90 days.
    pub within_90_days: Vec<DueRow>,
}

#[derive(Debug, Serialize)]
pub struct DueRow {
    pub secret: String,
    pub environment: String,
    pub owner: Option<String>,
    pub last_rotated: String,
    pub next_due: String,
    pub days_until_due: i64,
}

#[derive(Debug, Serialize)]
pub struct ChecklistItem {
    pub title: String,
    /// `anchor`-safe id, e.g. `check-secrets-differ-per-environment`.
    pub anchor: String,
    pub ticked: bool,
    /// `pass`, `waived` (every finding waived), `fail`, or `not-checked`
    /// (every rule of the item judges observations the run did not make).
    pub status: &'static str,
    pub rules: Vec<ChecklistRule>,
    pub open: usize,
    pub waived: usize,
    pub findings: Vec<FindingRef>,
    /// For a `not-checked` item: the observations that would check it.
    pub needs: Vec<ObservationKind>,
}

#[derive(Debug, Serialize)]
pub struct ChecklistRule {
    pub id: String,
    pub title: Option<String>,
    pub builtin: bool,
}

#[derive(Debug, Serialize)]
pub struct FindingRef {
    pub anchor: String,
    pub rule: String,
    pub entity: String,
    pub waived: bool,
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

#[derive(Debug, Serialize)]
pub struct Evidence {
    pub generated_at: Option<String>,
    pub now: String,
    pub tool: Tool,
    pub inventory_files: Vec<FileDigest>,
    pub policy_files: Vec<FileDigest>,
    /// SHA-256 of the `sha256sum`-style lines `<hex>  <file>\n` of every
    /// policy file, sorted by file name.
    pub policy_set_sha256: String,
    pub iam: IamView,
    /// Values observed; `None`: not checked.
    pub values: Option<ValuesEvidence>,
    pub waivers: Vec<WaiverView>,
}

#[derive(Debug, Serialize)]
pub struct FileDigest {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub struct IamView {
    pub checked: bool,
    pub account: Option<String>,
    pub collected_at: Option<String>,
    pub source: Option<String>,
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
    let findings = findings(report, rules, context.fail_on);
    let checklist = checklist(rules, &findings, &context.observed);
    View {
        version: VIEW_VERSION,
        tool: tool(),
        now: context.now.to_string(),
        generated_at: generated_at(context.generated_at),
        fail_on: context.fail_on,
        summary: summary(report, context.fail_on),
        secrets: secrets(inventory, context.now),
        env_vars: env_vars(inventory),
        identities: identities(inventory),
        encryption: encryption(inventory),
        never_log: never_log(inventory),
        rotation_due: rotation_due(inventory, context.now),
        not_checked: not_checked_groups(&checklist),
        checklist,
        findings,
        evidence: evidence(inventory, report, rules, texts, context),
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

fn rotation_view(secret: &Secret) -> RotationView {
    let rotation = &secret.rotation;
    let method = rotation.method.as_ref().map(serde_name);
    let breaks: Vec<String> = rotation
        .breaks
        .iter()
        .map(|b| serde_name(b).replace('_', " "))
        .collect();
    let mut how: Vec<String> = method.iter().cloned().collect();
    how.extend(breaks.iter().cloned());
    let mut parts: Vec<String> = rotation.period.iter().map(|p| p.text.clone()).collect();
    if !how.is_empty() {
        parts.push(how.join(", "));
    }
    RotationView {
        period: rotation.period.as_ref().map(|p| p.text.clone()),
        period_days: rotation.period.as_ref().map(|p| p.days),
        method,
        breaks,
        summary: (!parts.is_empty()).then(|| parts.join("; ")),
    }
}

/// When an instance is next due: last rotation plus the period.
fn next_due(secret: &Secret, last_rotated: Option<Date>, now: Date) -> Option<(Date, i64)> {
    let period = secret.rotation.period.as_ref()?;
    let due = last_rotated?
        .checked_add(jiff::Span::new().days(period.days))
        .ok()?;
    let days = (due - now).get_days() as i64;
    Some((due, days))
}

fn secrets(inventory: &Inventory, now: Date) -> Vec<SecretGroup> {
    let mut by_class: BTreeMap<_, Vec<&Secret>> = BTreeMap::new();
    for secret in inventory.secrets.values() {
        by_class
            .entry(secret.classification)
            .or_default()
            .push(secret);
    }
    by_class
        .into_iter()
        .map(|(classification, mut secrets)| {
            secrets.sort_by(|a, b| (&a.location, &a.id).cmp(&(&b.location, &b.id)));
            SecretGroup {
                classification: serde_name(&classification),
                secrets: secrets
                    .into_iter()
                    .map(|s| secret_row(inventory, s, now))
                    .collect(),
            }
        })
        .collect()
}

fn secret_row(inventory: &Inventory, secret: &Secret, now: Date) -> SecretRow {
    // Environments in the order the inventory declares them.
    let mut ordered: Vec<_> = secret.instances.values().collect();
    ordered.sort_by_key(|i| {
        (
            inventory
                .environments
                .get(&i.environment)
                .map(|e| e.location.clone()),
            i.environment.clone(),
        )
    });
    let instances = ordered
        .into_iter()
        .map(|instance| {
            let due = next_due(secret, instance.last_rotated, now);
            let file = instance.file.as_ref().map(|f| f.path.clone());
            InstanceRow {
                environment: instance.environment.clone(),
                backend: serde_name(&instance.backend),
                store: instance.store.clone(),
                encryption: instance.encryption.clone(),
                env_var: instance.env_var.clone(),
                file_mode: instance
                    .file
                    .as_ref()
                    .and_then(|f| f.mode)
                    .map(|m| format!("{m:04o}")),
                delivery: instance.env_var.clone().or_else(|| file.clone()),
                file,
                reference: instance.reference.clone(),
                last_rotated: instance.last_rotated.map(|d| d.to_string()),
                next_due: due.map(|(d, _)| d.to_string()),
                days_until_due: due.map(|(_, days)| days),
                overdue: due.is_some_and(|(_, days)| days < 0),
                location: instance.location.to_string(),
            }
        })
        .collect();
    SecretRow {
        id: secret.id.clone(),
        name: secret.name.clone(),
        description: secret.description.clone(),
        classification: serde_name(&secret.classification),
        category: secret.category.as_ref().map(serde_name),
        owner: secret.owner.clone(),
        risk: secret.risk.clone(),
        never_log: secret.never_log,
        readers: secret.readers.clone(),
        rotation: rotation_view(secret),
        instances,
        location: secret.location.to_string(),
    }
}

/// The env vars that some secret's instance delivers, whether or not the
/// variable's `secret` link could be inferred.
fn secret_env_vars(inventory: &Inventory) -> BTreeMap<&str, &str> {
    let mut names = BTreeMap::new();
    for secret in inventory.secrets.values() {
        for instance in secret.instances.values() {
            if let Some(name) = &instance.env_var {
                names.entry(name.as_str()).or_insert(secret.id.as_str());
            }
        }
    }
    names
}

fn env_vars(inventory: &Inventory) -> Vec<EnvVarGroup> {
    let delivered = secret_env_vars(inventory);
    let mut groups: BTreeMap<&str, Vec<&crate::inventory::model::EnvVar>> = BTreeMap::new();
    for var in inventory.env_vars.values() {
        groups
            .entry(var.category.as_deref().unwrap_or("Other"))
            .or_default()
            .push(var);
    }
    let mut groups: Vec<(&str, Vec<_>)> = groups.into_iter().collect();
    for (_, vars) in &mut groups {
        vars.sort_by(|a, b| (&a.location, &a.name).cmp(&(&b.location, &b.name)));
    }
    // Categories in the order the inventory first uses them, as documents list them.
    groups.sort_by(|a, b| (&a.1[0].location, a.0).cmp(&(&b.1[0].location, b.0)));
    groups
        .into_iter()
        .map(|(category, vars)| EnvVarGroup {
            category: category.to_owned(),
            vars: vars
                .into_iter()
                .map(|var| {
                    let secret = var
                        .secret
                        .clone()
                        .or_else(|| delivered.get(var.name.as_str()).map(|s| (*s).to_owned()));
                    let carries_secret = secret.is_some();
                    EnvVarRow {
                        name: var.name.clone(),
                        default: if carries_secret {
                            None
                        } else {
                            var.default.clone()
                        },
                        has_default: var.default.is_some(),
                        default_redacted: carries_secret && var.default.is_some(),
                        required: var.required,
                        required_in: var.required_in.clone(),
                        purpose: var.purpose.clone(),
                        secret,
                        carries_secret,
                        services: var.services.clone(),
                        location: var.location.to_string(),
                    }
                })
                .collect(),
        })
        .collect()
}

fn identities(inventory: &Inventory) -> Vec<IdentityRow> {
    let mut identities: Vec<_> = inventory.identities.values().collect();
    identities.sort_by(|a, b| (&a.location, &a.name).cmp(&(&b.location, &b.name)));
    identities
        .into_iter()
        .map(|identity| IdentityRow {
            name: identity.name.clone(),
            kind: serde_name(&identity.kind),
            description: identity.description.clone(),
            access: identity.access.clone(),
            scope: identity.scope.clone(),
            allow: identity.allow.clone(),
            service: identity.service.clone(),
            credentials: identity.credentials.clone(),
            rotation: identity.rotation.as_ref().map(|p| p.text.clone()),
            aws_account: identity.aws.as_ref().and_then(|a| a.account.clone()),
            aws_arn: identity.aws.as_ref().and_then(|a| a.arn.clone()),
            location: identity.location.to_string(),
        })
        .collect()
}

fn encryption(inventory: &Inventory) -> Vec<EncryptionRow> {
    // (kind order, layer) -> (mechanisms, secrets)
    let mut layers: BTreeMap<(u8, String), (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for store in inventory.stores.values() {
        layers
            .entry((0, store.name.clone()))
            .or_default()
            .0
            .insert(store.encryption.clone());
    }
    for secret in inventory.secrets.values() {
        for instance in secret.instances.values() {
            let key = match &instance.store {
                Some(store) => (0, store.clone()),
                None => (1, serde_name(&instance.backend)),
            };
            let entry = layers.entry(key).or_default();
            entry.0.insert(instance.encryption.clone());
            entry.1.insert(secret.id.clone());
        }
    }
    layers
        .into_iter()
        .map(|((kind, layer), (mechanisms, secrets))| {
            let mechanisms: Vec<String> = mechanisms.into_iter().collect();
            EncryptionRow {
                description: if kind == 0 {
                    inventory
                        .stores
                        .get(&layer)
                        .and_then(|s| s.description.clone())
                } else {
                    None
                },
                kind: if kind == 0 { "store" } else { "backend" },
                unencrypted: mechanisms.iter().any(|m| m == "none"),
                mechanisms,
                secrets: secrets.into_iter().collect(),
                layer,
            }
        })
        .collect()
}

fn never_log(inventory: &Inventory) -> Vec<NeverLogRow> {
    let mut secrets: Vec<&Secret> = inventory.secrets.values().filter(|s| s.never_log).collect();
    secrets.sort_by(|a, b| {
        (a.classification, &a.location, &a.id).cmp(&(b.classification, &b.location, &b.id))
    });
    secrets
        .into_iter()
        .map(|secret| {
            let mut env_vars: BTreeSet<String> = secret
                .instances
                .values()
                .filter_map(|i| i.env_var.clone())
                .collect();
            env_vars.extend(
                inventory
                    .env_vars
                    .values()
                    .filter(|v| v.secret.as_deref() == Some(secret.id.as_str()))
                    .map(|v| v.name.clone()),
            );
            let files: BTreeSet<String> = secret
                .instances
                .values()
                .filter_map(|i| i.file.as_ref().map(|f| f.path.clone()))
                .collect();
            NeverLogRow {
                id: secret.id.clone(),
                name: secret.name.clone(),
                classification: serde_name(&secret.classification),
                env_vars: env_vars.into_iter().collect(),
                files: files.into_iter().collect(),
                risk: secret.risk.clone(),
                description: secret.description.clone(),
            }
        })
        .collect()
}

fn rotation_due(inventory: &Inventory, now: Date) -> RotationDue {
    let mut due = RotationDue {
        overdue: Vec::new(),
        within_30_days: Vec::new(),
        within_90_days: Vec::new(),
    };
    for secret in inventory.secrets.values() {
        for instance in secret.instances.values() {
            let Some((next, days)) = next_due(secret, instance.last_rotated, now) else {
                continue;
            };
            let row = DueRow {
                secret: secret.id.clone(),
                environment: instance.environment.clone(),
                owner: secret.owner.clone(),
                last_rotated: instance
                    .last_rotated
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                next_due: next.to_string(),
                days_until_due: days,
            };
            match days {
                ..0 => due.overdue.push(row),
                0..=30 => due.within_30_days.push(row),
                31..=90 => due.within_90_days.push(row),
                _ => {}
            }
        }
    }
    for list in [
        &mut due.overdue,
        &mut due.within_30_days,
        &mut due.within_90_days,
    ] {
        list.sort_by(|a, b| {
            (&a.next_due, &a.secret, &a.environment).cmp(&(&b.next_due, &b.secret, &b.environment))
        });
    }
    due
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

/// A stable position for ordering rules: built-in files in their shipped
/// order, then user files by name, then line.
fn rule_order(rule: &crate::policy::Rule) -> (usize, std::sync::Arc<str>, usize) {
    let builtin_index = rule
        .location
        .file
        .strip_prefix(crate::policy::BUILTIN_PREFIX)
        .and_then(|name| {
            crate::policy::BUILTIN_FILES
                .iter()
                .position(|(file, _)| *file == name)
        });
    (
        builtin_index.unwrap_or(usize::MAX),
        rule.location.file.clone(),
        rule.location.line,
    )
}

pub fn anchor_slug(prefix: &str, text: &str) -> String {
    let mut slug = String::from(prefix);
    let mut dash = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
            dash = false;
        } else if !dash {
            slug.push('-');
            dash = true;
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// The checklist items, in rule order. `observed` names the observations
/// the run made: an item whose rules all judge only observations the run did
/// not make is "not checked" rather than ticked, since nothing was verified.
fn checklist(
    rules: &RuleSet,
    findings: &[FindingView],
    observed: &BTreeSet<ObservationKind>,
) -> Vec<ChecklistItem> {
    let mut ordered: Vec<&crate::policy::Rule> = rules.rules.values().collect();
    ordered.sort_by_key(|r| rule_order(r));
    let mut items: Vec<ChecklistItem> = Vec::new();
    let mut other: Vec<&crate::policy::Rule> = Vec::new();
    for rule in ordered {
        if rule.checklist.is_empty() {
            other.push(rule);
        }
        for title in &rule.checklist {
            let index = match items.iter().position(|i| &i.title == title) {
                Some(index) => index,
                None => {
                    items.push(new_item(title));
                    items.len() - 1
                }
            };
            items[index].rules.push(checklist_rule(rule));
        }
    }
    if !other.is_empty() {
        let mut item = new_item(OTHER_RULES_ITEM);
        item.rules = other.into_iter().map(checklist_rule).collect();
        items.push(item);
    }
    let mut used = BTreeSet::new();
    for item in &mut items {
        // Two titles can slug alike; keep anchors unique.
        let mut anchor = item.anchor.clone();
        let mut n = 2;
        while !used.insert(anchor.clone()) {
            anchor = format!("{}-{n}", item.anchor);
            n += 1;
        }
        item.anchor = anchor;
        let ids: BTreeSet<&str> = item.rules.iter().map(|r| r.id.as_str()).collect();
        for finding in findings.iter().filter(|f| ids.contains(f.rule.as_str())) {
            if finding.waived {
                item.waived += 1;
            } else {
                item.open += 1;
            }
            item.findings.push(FindingRef {
                anchor: finding.anchor.clone(),
                rule: finding.rule.clone(),
                entity: finding.entity.clone(),
                waived: finding.waived,
            });
        }
        let mut needs: Vec<ObservationKind> = Vec::new();
        let unobserved = !item.rules.is_empty()
            && item.rules.iter().all(|r| {
                let kinds = rules.rule(&r.id).map(observed_kinds).unwrap_or_default();
                needs.extend(kinds.iter().copied());
                !kinds.is_empty() && !kinds.iter().any(|kind| observed.contains(kind))
            });
        let not_checked = unobserved && item.findings.is_empty();
        if not_checked {
            needs.sort();
            needs.dedup();
            item.needs = needs;
        }
        item.ticked = item.open == 0 && !not_checked;
        item.status = match (item.open, item.waived) {
            _ if not_checked => "not-checked",
            (0, 0) => "pass",
            (0, _) => "waived",
            _ => "fail",
        };
    }
    items
}

/// The observations a rule judges: its `@observes`, else IAM for a rule
/// that applies only to `observe` (IAM) facts.
fn observed_kinds(rule: &crate::policy::Rule) -> Vec<ObservationKind> {
    if !rule.observes.is_empty() {
        return rule.observes.clone();
    }
    if !rule.actions.is_empty() && rule.actions.iter().all(|a| *a == Action::Observe) {
        return vec![ObservationKind::Iam];
    }
    Vec::new()
}

/// Groups the "not checked" items by the first observation each needs.
fn not_checked_groups(items: &[ChecklistItem]) -> Vec<NotCheckedGroup> {
    let mut groups: Vec<NotCheckedGroup> = Vec::new();
    for kind in ObservationKind::ALL {
        let titles: Vec<String> = items
            .iter()
            .filter(|item| item.status == "not-checked" && item.needs.first() == Some(&kind))
            .map(|item| item.title.clone())
            .collect();
        if !titles.is_empty() {
            groups.push(NotCheckedGroup {
                what: kind.what(),
                enabled_by: kind.enabled_by(),
                items: titles,
            });
        }
    }
    groups
}

fn new_item(title: &str) -> ChecklistItem {
    ChecklistItem {
        title: title.to_owned(),
        anchor: anchor_slug("check-", title),
        ticked: true,
        status: "pass",
        rules: Vec::new(),
        open: 0,
        waived: 0,
        findings: Vec::new(),
        needs: Vec::new(),
    }
}

fn checklist_rule(rule: &crate::policy::Rule) -> ChecklistRule {
    ChecklistRule {
        id: rule.id.clone(),
        title: rule.title.clone(),
        builtin: rule.builtin,
    }
}

fn evidence(
    inventory: &Inventory,
    report: &Report,
    rules: &RuleSet,
    texts: &SourceTexts,
    context: &ViewContext,
) -> Evidence {
    let digest = |file: &str| FileDigest {
        file: file.to_owned(),
        sha256: texts.sha256(file).unwrap_or_default(),
    };
    let inventory_files = inventory.files.iter().map(|f| digest(f)).collect();
    let policy_names: BTreeSet<&str> = rules.rules.values().map(|r| &*r.location.file).collect();
    let policy_files: Vec<FileDigest> = policy_names.into_iter().map(digest).collect();
    let listing: String = policy_files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.file))
        .collect();
    let policy_set_sha256 = {
        use sha2::Digest;
        hex(&sha2::Sha256::digest(listing.as_bytes()))
    };
    let waivers = report
        .waivers
        .iter()
        .map(|w| WaiverView {
            rule: w.rule.clone(),
            entity: w.entity.to_string(),
            environment: w.environment.clone(),
            principal: w.principal.as_ref().map(ToString::to_string),
            reason: w.reason.clone(),
            owner: w.owner.clone(),
            expires: w.expires.to_string(),
            location: format!("{}:{}", w.location.file, w.location.line),
            state: w.state,
            matched: w.matched,
        })
        .collect();
    Evidence {
        generated_at: generated_at(context.generated_at),
        now: context.now.to_string(),
        tool: tool(),
        inventory_files,
        policy_files,
        policy_set_sha256,
        iam: match &context.iam {
            Some(iam) => IamView {
                checked: true,
                account: Some(iam.account.clone()),
                collected_at: Some(iam.collected_at.clone()),
                source: Some(iam.source.clone()),
            },
            None => IamView {
                checked: false,
                account: None,
                collected_at: None,
                source: None,
            },
        },
        values: context.values.clone().map(|mut values| {
            for file in &mut values.fingerprint_files {
                file.sha256 = texts.sha256(&file.file).unwrap_or_default();
            }
            values
        }),
        waivers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_observed() -> BTreeSet<ObservationKind> {
        ObservationKind::ALL.into_iter().collect()
    }

    #[test]
    fn every_builtin_rule_belongs_to_a_checklist_item() {
        let mut texts = SourceTexts::default();
        let rules = crate::policy::load(
            &crate::policy::RuleSources {
                builtin: true,
                user_paths: &[],
            },
            crate::entities::schema::schema(),
            &mut texts,
        )
        .unwrap();
        for rule in rules.rules.values() {
            assert!(!rule.checklist.is_empty(), "{} has no @checklist", rule.id);
        }
        let items = checklist(&rules, &[], &all_observed());
        assert!(items
            .iter()
            .all(|i| i.ticked && i.title != OTHER_RULES_ITEM));
        let covered: usize = items.iter().map(|i| i.rules.len()).sum();
        assert_eq!(covered, rules.rules.len());
    }

    #[test]
    fn user_rules_join_items_by_title_or_fall_under_other_rules() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("team.cedar"),
            "@id(\"team-a\")\n@severity(\"low\")\n@message(\"m\")\n@checklist(\"Secrets never reach logs; Team item\")\nforbid(principal, action == Action::\"define\", resource is Secret) when { resource.never_log };\n\n@id(\"team-b\")\n@severity(\"low\")\n@message(\"m\")\nforbid(principal, action == Action::\"define\", resource is Secret) when { resource.never_log };\n",
        )
        .unwrap();
        let mut texts = SourceTexts::default();
        let paths = [dir.path().to_path_buf()];
        let rules = crate::policy::load(
            &crate::policy::RuleSources {
                builtin: true,
                user_paths: &paths,
            },
            crate::entities::schema::schema(),
            &mut texts,
        )
        .unwrap();
        let items = checklist(&rules, &[], &all_observed());
        let rules_of = |title: &str| -> Vec<String> {
            items
                .iter()
                .find(|i| i.title == title)
                .unwrap()
                .rules
                .iter()
                .map(|r| r.id.clone())
                .collect()
        };
        assert_eq!(
            rules_of("Secrets never reach logs"),
            ["never-log-read-by-log-sink", "team-a"]
        );
        assert_eq!(rules_of("Team item"), ["team-a"]);
        assert_eq!(rules_of(OTHER_RULES_ITEM), ["team-b"]);
        assert_eq!(items.last().unwrap().title, OTHER_RULES_ITEM);
    }

    #[test]
    fn slugs_are_anchor_safe() {
        assert_eq!(
            anchor_slug("check-", "Defaults and .env.example hold no real values"),
            "check-defaults-and-env-example-hold-no-real-values"
        );
    }
}
