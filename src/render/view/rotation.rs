//! The rotation calendar: every instance of a secret that has a rotation
//! period, with when it was last rotated, when it is next due and what
//! rotating it breaks; and the secrets that have no period.
//!
//! The report's "Rotation calendar" section and `secretary rotation` (the
//! iCalendar, CSV and JSON export) both show [`calendar`], so the schedule a
//! team subscribes to is the one the auditor reads. An instance with no
//! `last_rotated` is "not recorded", never on time: nothing shows it was
//! ever rotated.

use jiff::civil::Date;
use serde::Serialize;

use crate::inventory::model::{serde_name, Inventory, Secret};

/// The schedule and the secrets outside it.
#[derive(Debug, Clone, Serialize)]
pub struct RotationCalendar {
    /// One row per instance of a secret with a period: the instances with
    /// no recorded rotation first, then by due date (overdue first).
    pub scheduled: Vec<ScheduledRotation>,
    /// Secrets without a rotation period, in declaration order.
    pub without_period: Vec<UnscheduledSecret>,
}

/// Where an instance stands against its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RotationState {
    /// No `last_rotated`: the due date is unknown.
    NotRecorded,
    /// Past its due date.
    Overdue,
    /// Due today or later.
    OnTime,
}

impl RotationState {
    /// The state in words, as every output writes it.
    pub fn text(self) -> &'static str {
        match self {
            RotationState::NotRecorded => "not recorded",
            RotationState::Overdue => "overdue",
            RotationState::OnTime => "on time",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduledRotation {
    /// The secret's id.
    pub secret: String,
    pub environment: String,
    pub owner: Option<String>,
    /// The period as written (`90d`, `quarterly`) and in days.
    pub period: String,
    pub period_days: i64,
    /// `rotation.method`, e.g. `manual`.
    pub method: Option<String>,
    /// `rotation.breaks`, in words (`restart required`).
    pub breaks: Vec<String>,
    pub last_rotated: Option<String>,
    pub next_due: Option<String>,
    /// Days from `now` to `next_due`: negative when overdue.
    pub days_until_due: Option<i64>,
    pub state: RotationState,
    /// `state` in words: `not recorded`, `overdue`, `on time`.
    pub state_text: &'static str,
    /// `12 days left`, `overdue by 40 days`, `due today` or `not recorded`.
    pub when: String,
    /// The instance's inventory location (`file:line`).
    pub location: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnscheduledSecret {
    pub secret: String,
    pub owner: Option<String>,
    pub classification: String,
    /// The environments it has instances in.
    pub environments: Vec<String>,
    pub method: Option<String>,
    pub breaks: Vec<String>,
    pub location: String,
}

fn breaks(secret: &Secret) -> Vec<String> {
    secret
        .rotation
        .breaks
        .iter()
        .map(|b| serde_name(b).replace('_', " "))
        .collect()
}

fn when(state: RotationState, days: Option<i64>) -> String {
    let plural = |n: i64| if n == 1 { "" } else { "s" };
    match (state, days) {
        (RotationState::NotRecorded, _) | (_, None) => "not recorded".to_owned(),
        (_, Some(0)) => "due today".to_owned(),
        (_, Some(d)) if d < 0 => format!("overdue by {} day{}", -d, plural(-d)),
        (_, Some(d)) => format!("{d} day{} left", plural(d)),
    }
}

/// The rotation calendar as of `now`.
pub fn calendar(inventory: &Inventory, now: Date) -> RotationCalendar {
    let mut scheduled = Vec::new();
    let mut secrets: Vec<&Secret> = inventory.secrets.values().collect();
    secrets.sort_by(|a, b| (&a.location, &a.id).cmp(&(&b.location, &b.id)));
    let mut without_period = Vec::new();
    for secret in secrets {
        let method = secret.rotation.method.as_ref().map(serde_name);
        let Some(period) = &secret.rotation.period else {
            let mut environments: Vec<String> = secret
                .instances
                .values()
                .map(|i| i.environment.clone())
                .collect();
            environments.sort();
            environments.dedup();
            without_period.push(UnscheduledSecret {
                secret: secret.id.clone(),
                owner: secret.owner.clone(),
                classification: serde_name(&secret.classification),
                environments,
                method,
                breaks: breaks(secret),
                location: secret.location.to_string(),
            });
            continue;
        };
        for instance in secret.instances.values() {
            let due = instance
                .last_rotated
                .and_then(|last| last.checked_add(jiff::Span::new().days(period.days)).ok());
            let days = due.map(|due| (due - now).get_days() as i64);
            let state = match days {
                None => RotationState::NotRecorded,
                Some(d) if d < 0 => RotationState::Overdue,
                Some(_) => RotationState::OnTime,
            };
            scheduled.push(ScheduledRotation {
                secret: secret.id.clone(),
                environment: instance.environment.clone(),
                owner: secret.owner.clone(),
                period: period.text.clone(),
                period_days: period.days,
                method: method.clone(),
                breaks: breaks(secret),
                last_rotated: instance.last_rotated.map(|d| d.to_string()),
                next_due: due.map(|d| d.to_string()),
                days_until_due: days,
                state,
                state_text: state.text(),
                when: when(state, days),
                location: instance.location.to_string(),
            });
        }
    }
    // Not recorded first (nothing shows them on time), then by due date:
    // overdue rows have the earliest dates.
    scheduled.sort_by(|a, b| {
        let key = |r: &ScheduledRotation| {
            (
                r.state != RotationState::NotRecorded,
                r.next_due.clone(),
                r.secret.clone(),
                r.environment.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    RotationCalendar {
        scheduled,
        without_period,
    }
}
