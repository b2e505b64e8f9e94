//! `secretary rotation` and the report's rotation calendar: the iCalendar is
//! read back with a real parser (the `icalendar` crate), the CSV with the
//! `csv` crate; at the pinned `--now`, one year and three years later
//! (when every rotation is overdue).

use crate::common;

use std::collections::BTreeSet;
use std::fs;

use common::*;
use icalendar::{CalendarComponent, Component};

const INVENTORY: &str = "examples/clean/inventory.yaml";
const DATES: [&str; 3] = [NOW, "2027-11-23", "2029-11-23"];

fn rotation(args: &[&str]) -> Run {
    run(secretary(&repo_root()).arg("rotation").args(args))
}

fn export(now: &str, format: &str) -> String {
    let out = rotation(&[INVENTORY, "--now", now, "--format", format]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

/// (uid, dtstart, summary, description) of every event.
fn events(text: &str) -> Vec<(String, String, String, String)> {
    let calendar: icalendar::Calendar = text.parse().expect("the .ics parses");
    calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .map(|e| {
            let value = |key: &str| e.property_value(key).unwrap_or_default().to_owned();
            (
                value("UID"),
                value("DTSTART"),
                value("SUMMARY"),
                value("DESCRIPTION"),
            )
        })
        .collect()
}

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "secret");
    assert_eq!(&header[2], "state");
    assert_eq!(&header[4], "next_due");
    reader.records().map(|r| r.unwrap()).collect()
}

#[test]
fn ics_is_parsed_back_with_one_event_per_scheduled_instance() {
    for now in DATES {
        let ics = export(now, "ics");
        // Lines end in CRLF and are folded at 75 octets.
        assert!(ics.ends_with("\r\n"));
        for line in ics.split("\r\n") {
            assert!(!line.contains('\n'), "bare LF in {line:?}");
            assert!(line.len() <= 75, "line over 75 octets: {line:?}");
        }
        let events = events(&ics);
        let rows = csv_rows(&export(now, "csv"));
        assert!(rows.len() >= 10, "the example schedules instances");
        assert_eq!(events.len(), rows.len(), "one event per scheduled instance");
        let uids: BTreeSet<&str> = events.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(uids.len(), events.len(), "UIDs are unique");
        assert!(uids.iter().all(|u| u.ends_with("@secretary")));
        // Stable: the same bytes on a second run.
        assert_eq!(ics, export(now, "ics"));
        assert!(ics.contains(&format!("DTSTAMP:{}T000000Z", now.replace('-', ""))));
        let today = now.replace('-', "");
        for (row, (_, start, summary, description)) in rows.iter().zip(&events) {
            let (secret, environment, state, due) = (&row[0], &row[1], &row[2], &row[4]);
            assert!(
                summary.contains(secret) && summary.contains(environment),
                "{summary}"
            );
            // The parser unescapes: the description's lines are back.
            assert!(description.contains(&format!("\nOwner: {}", &row[8])));
            assert!(description.contains("\nMethod: "));
            assert!(description.contains("\nRotation breaks: "));
            match state {
                "on-time" => {
                    assert_eq!(start, &due.replace('-', ""));
                    assert!(summary.starts_with("Rotate "));
                }
                "overdue" => {
                    assert_eq!(start, &today, "overdue rotations are dated --now");
                    assert!(summary.starts_with("OVERDUE: "), "{summary}");
                    assert!(summary.contains(due));
                }
                "not-recorded" => {
                    assert_eq!(start, &today);
                    assert!(due.is_empty());
                    assert!(summary.starts_with("NOT RECORDED: "), "{summary}");
                }
                other => panic!("unknown state {other}"),
            }
        }
    }
}

#[test]
fn three_years_on_every_recorded_rotation_is_overdue_and_uids_keep() {
    let pinned = events(&export(NOW, "ics"));
    let later = events(&export("2029-11-23", "ics"));
    let rows = csv_rows(&export("2029-11-23", "csv"));
    assert!(rows.iter().all(|r| &r[2] != "on-time"));
    assert!(rows.iter().any(|r| &r[2] == "overdue"));
    assert!(rows.iter().any(|r| &r[2] == "not-recorded"));
    // Overdue rows first by due date after the not-recorded ones.
    let dues: Vec<&str> = rows.iter().map(|r| r.get(4).unwrap()).collect();
    let mut sorted = dues.clone();
    sorted.sort();
    assert_eq!(dues, sorted);
    // A UID depends on the due date, not on --now: the same rotations.
    let uids = |e: &[(String, String, String, String)]| -> BTreeSet<String> {
        e.iter().map(|e| e.0.clone()).collect()
    };
    assert_eq!(uids(&pinned), uids(&later));
}

#[test]
fn json_matches_the_csv_and_is_documented_shape() {
    let json = json(&export(NOW, "json"));
    assert_eq!(json["version"], 1);
    assert_eq!(json["now"], NOW);
    let scheduled = json["scheduled"].as_array().unwrap();
    assert_eq!(scheduled.len(), csv_rows(&export(NOW, "csv")).len());
    for key in [
        "secret",
        "environment",
        "owner",
        "method",
        "breaks",
        "next_due",
        "state",
    ] {
        assert!(scheduled[0].get(key).is_some(), "missing {key}");
    }
    assert!(json["without_period"].is_array());
}

#[test]
fn output_file_is_written_whole_and_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rotations.ics");
    let out = rotation(&[INVENTORY, "--now", NOW, "-o", file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert_eq!(fs::read_to_string(&file).unwrap(), export(NOW, "ics"));

    let bad_format = rotation(&[INVENTORY, "--format", "xml"]);
    assert_eq!(bad_format.code, 2);
    assert_contains(&bad_format.stderr, "xml");

    let missing = dir.path().join("missing.ics");
    let bad_path = rotation(&["no/such/inventory.yaml", "-o", missing.to_str().unwrap()]);
    assert_eq!(bad_path.code, 2);
    assert_contains(&bad_path.stderr, "no/such/inventory.yaml");
    assert!(!missing.exists(), "nothing is written on bad input");

    let bad_now = rotation(&[INVENTORY, "--now", "tomorrow"]);
    assert_eq!(bad_now.code, 2);
    assert!(bad_now.stdout.is_empty());

    // An output over the inventory is refused, and the inventory kept.
    let before = fs::read_to_string(repo_root().join(INVENTORY)).unwrap();
    let over = rotation(&[INVENTORY, "-o", INVENTORY]);
    assert_eq!(over.code, 2);
    assert_eq!(
        fs::read_to_string(repo_root().join(INVENTORY)).unwrap(),
        before
    );
}

#[test]
fn report_calendar_lists_every_instance_and_secrets_without_a_period() {
    for now in DATES {
        let out = run(secretary(&repo_root())
            .env("SOURCE_DATE_EPOCH", "1795000000")
            .args(["report", INVENTORY, "--now", now, "--format", "markdown"]));
        assert!(out.code <= 1, "{}", out.stderr);
        let md = &out.stdout;
        assert_contains(md, "## Rotation calendar");
        assert_contains(md, "**Secrets without a rotation period**");
        let start = md.find("## Rotation calendar").unwrap();
        let section = &md[start
            ..md[start..]
                .find("\n## ")
                .map_or(md.len(), |e| start + e + 1)];
        let rows = csv_rows(&export(now, "csv"));
        for row in &rows {
            assert_contains(section, &format!("`{}` | {} |", &row[0], &row[1]));
        }
        if now == "2029-11-23" {
            assert!(!section.contains("days left"), "{section}");
            assert_contains(section, "**overdue by ");
        }
        assert_contains(section, "**not recorded**");
    }
}
