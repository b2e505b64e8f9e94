//! `secretary rotation`: the rotation calendar ([`super::view::rotation_calendar`],
//! the report's own table) exported as iCalendar, CSV or JSON, so a team can
//! subscribe to its rotations.
//!
//! **iCalendar** (RFC 5545, written by the `icalendar` crate: text escaped,
//! lines folded at 75 octets, CRLF): one all-day `VEVENT` per scheduled
//! instance, on its next due date. An overdue rotation, and one whose last
//! rotation is not recorded, is dated `now` and its summary starts with
//! `OVERDUE` or `NOT RECORDED`. The UID is a hash of the secret id, the
//! environment and the due date (`not-recorded` when there is none), so it
//! is the same on every run until the secret is rotated and the due date
//! moves; `DTSTAMP` is `now` at midnight UTC, so two runs with the same
//! `--now` give the same bytes. The description names the owner, the
//! period, the method and what rotation breaks.
//!
//! **CSV**: a header, then one row per scheduled instance, in the calendar's
//! order: `secret,environment,state,last_rotated,next_due,days_until_due,
//! period,period_days,owner,method,breaks,location` (`breaks` joined with
//! `; `; empty cells for what is not known).
//!
//! **JSON**: `{ "version": 1, "now", "scheduled": [ { "secret",
//! "environment", "owner", "period", "period_days", "method", "breaks",
//! "last_rotated", "next_due", "days_until_due", "state", "state_text",
//! "when", "location" } ], "without_period": [ { "secret", "owner",
//! "classification", "environments", "method", "breaks", "location" } ] }`.
//! `state` is `not-recorded`, `overdue` or `on-time`; absent values are
//! `null`. Keys are never removed within a version.
//!
//! The inventory holds no secret values, so none can appear here.

use icalendar::{Calendar, Component, Event, Property};
use jiff::civil::Date;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::view::{CalendarState as RotationState, RotationCalendar, ScheduledRotation};

/// The version of the JSON export's shape.
pub const ROTATION_JSON_VERSION: u32 = 1;

/// The event's stable UID: the secret, environment and due date, hashed.
pub fn uid(row: &ScheduledRotation) -> String {
    let due = row.next_due.as_deref().unwrap_or("not-recorded");
    let mut hash = Sha256::new();
    for part in [row.secret.as_str(), row.environment.as_str(), due] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("rotation-{hex}@secretary")
}

fn ics_date(date: &str) -> String {
    date.replace('-', "")
}

fn summary(row: &ScheduledRotation) -> String {
    let what = format!("{} ({})", row.secret, row.environment);
    match (row.state, &row.next_due) {
        (RotationState::Overdue, Some(due)) => format!("OVERDUE: rotate {what}, due {due}"),
        (RotationState::NotRecorded, _) | (_, None) => {
            format!("NOT RECORDED: rotate {what}, last rotation not recorded")
        }
        _ => format!("Rotate {what}"),
    }
}

fn description(row: &ScheduledRotation) -> String {
    let breaks = if row.breaks.is_empty() {
        "nothing declared".to_owned()
    } else {
        row.breaks.join(", ")
    };
    [
        format!("Secret: {}", row.secret),
        format!("Environment: {}", row.environment),
        format!("Owner: {}", row.owner.as_deref().unwrap_or("not declared")),
        format!(
            "Period: {} ({} day{})",
            row.period,
            row.period_days,
            if row.period_days == 1 { "" } else { "s" }
        ),
        format!(
            "Last rotated: {}",
            row.last_rotated.as_deref().unwrap_or("not recorded")
        ),
        format!(
            "Due: {} ({})",
            row.next_due.as_deref().unwrap_or("unknown"),
            row.when
        ),
        format!(
            "Method: {}",
            row.method.as_deref().unwrap_or("not declared")
        ),
        format!("Rotation breaks: {breaks}"),
        format!("Inventory: {}", row.location),
    ]
    .join("\n")
}

/// The calendar as an iCalendar file.
pub fn ics(calendar: &RotationCalendar, now: Date) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new(
            "PRODID",
            format!(
                "-//secretary//rotation calendar {}//EN",
                env!("CARGO_PKG_VERSION")
            ),
        ))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .name("Secret rotations");
    let stamp = format!("{}T000000Z", ics_date(&now.to_string()));
    for row in &calendar.scheduled {
        let on = match (row.state, &row.next_due) {
            (RotationState::OnTime, Some(due)) => due.parse::<Date>().unwrap_or(now),
            _ => now,
        };
        let end = on.tomorrow().unwrap_or(on);
        let event = Event::new()
            .uid(&uid(row))
            .add_property("DTSTAMP", stamp.as_str())
            .append_property(
                Property::new("DTSTART", ics_date(&on.to_string()))
                    .add_parameter("VALUE", "DATE")
                    .done(),
            )
            .append_property(
                Property::new("DTEND", ics_date(&end.to_string()))
                    .add_parameter("VALUE", "DATE")
                    .done(),
            )
            .summary(&summary(row))
            .description(&description(row))
            .add_property("TRANSP", "TRANSPARENT")
            .done();
        cal.push(event);
    }
    cal.done().to_string()
}

/// The schedule as CSV.
pub fn csv(calendar: &RotationCalendar) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "secret",
        "environment",
        "state",
        "last_rotated",
        "next_due",
        "days_until_due",
        "period",
        "period_days",
        "owner",
        "method",
        "breaks",
        "location",
    ])?;
    for row in &calendar.scheduled {
        writer.write_record([
            row.secret.clone(),
            row.environment.clone(),
            serde_name(row.state),
            row.last_rotated.clone().unwrap_or_default(),
            row.next_due.clone().unwrap_or_default(),
            row.days_until_due
                .map(|d| d.to_string())
                .unwrap_or_default(),
            row.period.clone(),
            row.period_days.to_string(),
            row.owner.clone().unwrap_or_default(),
            row.method.clone().unwrap_or_default(),
            row.breaks.join("; "),
            row.location.clone(),
        ])?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn serde_name(state: RotationState) -> String {
    match state {
        RotationState::NotRecorded => "not-recorded",
        RotationState::Overdue => "overdue",
        RotationState::OnTime => "on-time",
    }
    .to_owned()
}

#[derive(Serialize)]
struct JsonExport<'a> {
    version: u32,
    now: String,
    #[serde(flatten)]
    calendar: &'a RotationCalendar,
}

/// The calendar as JSON (pretty, with a final newline).
pub fn json(calendar: &RotationCalendar, now: Date) -> String {
    let export = JsonExport {
        version: ROTATION_JSON_VERSION,
        now: now.to_string(),
        calendar,
    };
    let mut text = serde_json::to_string_pretty(&export).unwrap_or_default();
    text.push('\n');
    text
}
