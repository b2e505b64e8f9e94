//! The report's pictures ("At a glance"): findings by severity, findings
//! per checklist item, the rotations due in the next twelve months, and the
//! age of secret instances against their periods.
//!
//! Each picture is its numbers (`rows`, the text equivalent both formats
//! print as a table) and an inline SVG drawn from them by
//! [`crate::render::svg`], which only the HTML report shows.

use jiff::civil::Date;
use jiff::ToSpan;
use serde::Serialize;

use super::checklist::{ChecklistItem, ChecklistStatus};
use super::matrix::{rotated, secret_order, RotationState};
use super::SeverityCount;
use crate::findings::Severity;
use crate::inventory::model::Inventory;
use crate::render::svg::{bar_chart, Bar, BarStyle};

#[derive(Debug, Serialize)]
pub struct Picture {
    /// Unique in the page, e.g. `picture-severity`.
    pub id: &'static str,
    pub title: String,
    /// What the picture shows, in one sentence.
    pub caption: String,
    /// The headings of the text equivalent's two columns.
    pub columns: [&'static str; 2],
    pub rows: Vec<PictureRow>,
    /// The SVG element, escaped, to embed as is (HTML only).
    pub svg: String,
}

#[derive(Debug, Serialize)]
pub struct PictureRow {
    pub label: String,
    pub value: usize,
    /// E.g. `overdue`, `3 waived`.
    pub note: Option<String>,
}

fn picture(
    id: &'static str,
    title: &str,
    caption: String,
    columns: [&'static str; 2],
    bars: Vec<Bar>,
) -> Picture {
    Picture {
        id,
        title: title.to_owned(),
        svg: bar_chart(id, title, &caption, &bars),
        caption,
        columns,
        rows: bars
            .into_iter()
            .map(|b| PictureRow {
                label: b.label,
                value: b.value,
                note: b.note,
            })
            .collect(),
    }
}

pub(super) fn pictures(
    inventory: &Inventory,
    by_severity: &[SeverityCount],
    checklist: &[ChecklistItem],
    now: Date,
) -> Vec<Picture> {
    vec![
        severity(by_severity),
        per_item(checklist),
        timeline(inventory, now),
        ages(inventory, now),
    ]
}

fn severity(counts: &[SeverityCount]) -> Picture {
    let bars = counts
        .iter()
        .map(|c| Bar {
            label: c.severity.to_string(),
            value: c.count,
            style: match c.severity {
                Severity::Error | Severity::Critical | Severity::High => BarStyle::Bad,
                Severity::Medium => BarStyle::Warn,
                Severity::Low => BarStyle::Plain,
                _ => BarStyle::Muted,
            },
            note: None,
        })
        .collect();
    let total: usize = counts.iter().map(|c| c.count).sum();
    picture(
        "picture-severity",
        "Findings by severity",
        format!("{total} findings by severity, worst first (waived ones included)."),
        ["Severity", "Findings"],
        bars,
    )
}

fn per_item(checklist: &[ChecklistItem]) -> Picture {
    let bars = checklist
        .iter()
        .filter(|item| {
            !matches!(
                item.status,
                ChecklistStatus::NotChecked | ChecklistStatus::NotApplicable
            )
        })
        .map(|item| Bar {
            label: item.title.clone(),
            value: item.open,
            style: if item.open > 0 {
                BarStyle::Bad
            } else {
                BarStyle::Plain
            },
            note: (item.waived > 0).then(|| format!("open, {} waived", item.waived)),
        })
        .collect();
    picture(
        "picture-checklist",
        "Open findings per checklist item",
        "Open findings of each checked checklist item; items not checked or not applicable are left out.".to_owned(),
        ["Checklist item", "Open findings"],
        bars,
    )
}

/// Rotations due per calendar month, from the month of `now` for twelve
/// months, after a first bar of those already overdue. A rotation not yet
/// due counts in its month and again every period after it within the
/// twelve months; an overdue one counts once, as overdue.
fn timeline(inventory: &Inventory, now: Date) -> Picture {
    let first = now.first_of_month();
    let months: Vec<Date> = (0..12)
        .filter_map(|i| first.checked_add(i.months()).ok())
        .collect();
    let end = first.checked_add(12.months()).unwrap_or(Date::MAX);
    let mut counts = vec![0usize; months.len()];
    let mut overdue = 0;
    for secret in secret_order(inventory) {
        for instance in secret.instances.values() {
            let r = rotated(secret, instance, now);
            let (Some(mut due), Some(period)) = (r.next_due, r.period_days) else {
                continue;
            };
            if due < now {
                overdue += 1;
                continue;
            }
            while due < end {
                if let Some(slot) = months.iter().rposition(|m| *m <= due) {
                    counts[slot] += 1;
                }
                match due.checked_add(period.max(1).days()) {
                    Ok(next) => due = next,
                    Err(_) => break,
                }
            }
        }
    }
    let mut bars = vec![Bar {
        label: format!("overdue at {now}"),
        value: overdue,
        style: BarStyle::Bad,
        note: (overdue > 0).then(|| "overdue".to_owned()),
    }];
    bars.extend(months.iter().zip(counts).map(|(month, count)| Bar {
        label: month.strftime("%Y-%m").to_string(),
        value: count,
        style: BarStyle::Plain,
        note: None,
    }));
    picture(
        "picture-timeline",
        "Rotations due in the next 12 months",
        format!(
            "Instance rotations due per month from {} for 12 months (a rotation recurs every period), after those already overdue at {now}.",
            first.strftime("%Y-%m")
        ),
        ["Month", "Rotations due"],
        bars,
    )
}

/// Instances by age against their secret's period.
fn ages(inventory: &Inventory, now: Date) -> Picture {
    const LABELS: [(&str, BarStyle); 6] = [
        ("under 50% of period", BarStyle::Plain),
        ("50–90% of period", BarStyle::Plain),
        ("90–100% of period", BarStyle::Warn),
        ("overdue (over 100%)", BarStyle::Bad),
        ("no period", BarStyle::Muted),
        ("not recorded", BarStyle::Muted),
    ];
    let mut counts = [0usize; 6];
    for secret in secret_order(inventory) {
        for instance in secret.instances.values() {
            let r = rotated(secret, instance, now);
            let bucket = match (r.state, r.age_days, r.period_days) {
                (RotationState::NoPeriod, ..) => 4,
                (RotationState::NotRecorded, ..) => 5,
                (RotationState::Overdue, ..) => 3,
                (_, Some(age), Some(period)) if period > 0 => {
                    // Percent of the period, in whole numbers.
                    match age.max(0) * 100 / period {
                        ..50 => 0,
                        50..90 => 1,
                        _ => 2,
                    }
                }
                _ => 5,
            };
            counts[bucket] += 1;
        }
    }
    let bars = LABELS
        .iter()
        .zip(counts)
        .map(|((label, style), value)| Bar {
            label: (*label).to_owned(),
            value,
            style: *style,
            note: (*style == BarStyle::Bad && value > 0).then(|| "overdue".to_owned()),
        })
        .collect();
    picture(
        "picture-ages",
        "Age of secret instances against their rotation period",
        format!("Secret instances by the time since their last rotation, as a share of their secret's period, at {now}."),
        ["Age", "Instances"],
        bars,
    )
}
