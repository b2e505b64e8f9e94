//! The JSON Schema of inventory files (`secretary schema`): the published
//! copy is current, `-o` writes it like every other output, every shipped
//! inventory is valid against it, and its constraints on periods, dates and
//! `version` reject what the loader rejects and accept what it accepts.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use secretary::inventory::period::parse_period;

/// The schema file `init`'s modeline points at, at the version's tag.
const PUBLISHED: &str = "docs/src/inventory.schema.json";

fn schema() -> serde_json::Value {
    let r = run(secretary(&repo_root()).arg("schema"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    json(&r.stdout)
}

/// A validator that also checks `format` (2020-12 only annotates it by default).
fn validator(schema: &serde_json::Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the schema compiles")
}

fn errors(validator: &jsonschema::Validator, instance: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn yaml_to_json(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(path).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every inventory file shipped under `examples/`.
fn example_inventories() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(repo_root().join("examples")).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("inventory.yaml").is_file() {
            files.push(dir.join("inventory.yaml"));
        }
        if dir.join("inventory").is_dir() {
            for file in fs::read_dir(dir.join("inventory")).unwrap() {
                let file = file.unwrap().path();
                if matches!(
                    file.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml")
                ) {
                    files.push(file);
                }
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_published_schema_is_current() {
    let published = fs::read_to_string(repo_root().join(PUBLISHED))
        .unwrap_or_else(|e| panic!("{PUBLISHED}: {e}"));
    let printed = run(secretary(&repo_root()).arg("schema")).stdout;
    assert!(
        published == printed,
        "{PUBLISHED} is stale: run `cargo run -- schema -o {PUBLISHED}`"
    );
}

#[test]
fn schema_o_writes_the_file_and_names_it_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(secretary(dir.path()).args(["schema", "-o", "inventory.schema.json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "", "stdout stays clean");
    assert_eq!(
        r.stderr,
        "wrote inventory.schema.json (JSON Schema of inventory files)\n"
    );
    let written = fs::read_to_string(dir.path().join("inventory.schema.json")).unwrap();
    assert_eq!(json(&written), schema());

    // A directory is never replaced: exit 2, nothing written.
    fs::create_dir(dir.path().join("taken")).unwrap();
    let r = run(secretary(dir.path()).args(["schema", "-o", "taken"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(dir.path().join("taken").is_dir());
}

#[test]
fn every_example_inventory_is_valid_against_the_schema() {
    let validator = validator(&schema());
    let files = example_inventories();
    assert!(files.len() >= 6, "{files:?}");
    for file in files {
        let problems = errors(&validator, &yaml_to_json(&file));
        assert!(problems.is_empty(), "{}: {problems:#?}", file.display());
    }
}

#[test]
fn an_init_inventory_starts_with_the_modeline_and_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(secretary(dir.path()).args(["init", "--now", NOW]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = fs::read_to_string(dir.path().join("secretary.yaml")).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "# yaml-language-server: $schema=https://raw.githubusercontent.com/secretary-rs/secretary/v{}/{PUBLISHED}",
            env!("CARGO_PKG_VERSION")
        )
    );
    let problems = errors(
        &validator(&schema()),
        &yaml_to_json(&dir.path().join("secretary.yaml")),
    );
    assert!(problems.is_empty(), "{problems:#?}");
    // It still checks clean.
    let r = run(secretary(dir.path()).args(["check", "--now", NOW]));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// The schema pattern of the field, found in `$defs`.
fn pattern(schema: &serde_json::Value, def: &str, field: &str) -> String {
    schema["$defs"][def]["properties"][field]["pattern"]
        .as_str()
        .unwrap_or_else(|| panic!("{def}.{field} has no pattern"))
        .to_owned()
}

#[test]
fn every_period_and_date_field_is_constrained() {
    let schema = schema();
    let period = pattern(&schema, "Rotation", "period");
    for (def, field) in [
        ("Identity", "rotation"),
        ("StoreSettings", "unused_max"),
        ("IamSettings", "access_key_max_age"),
        ("IamSettings", "unused_credentials_max"),
    ] {
        assert_eq!(pattern(&schema, def, field), period, "{def}.{field}");
    }
    for (def, field) in [("Instance", "last_rotated"), ("Waiver", "expires")] {
        assert_eq!(pattern(&schema, def, field), "^[0-9]{4}-[0-9]{2}-[0-9]{2}$");
        assert_eq!(
            schema["$defs"][def]["properties"][field]["format"], "date",
            "{def}.{field}"
        );
    }
    assert_eq!(schema["properties"]["version"]["const"], 1);
}

/// The period pattern accepts exactly what the loader's `parse_period`
/// accepts: every number up to 40000 of each unit, leading zeros, the
/// named periods, white space around, and near misses.
#[test]
fn the_period_pattern_agrees_with_the_loader() {
    let period = pattern(&schema(), "Rotation", "period");
    let validator = validator(&serde_json::json!({ "type": "string", "pattern": period }));
    let mut texts: Vec<String> = Vec::new();
    for unit in ["d", "w", "y", "m", "", "D"] {
        for n in 0..=40_000 {
            texts.push(format!("{n}{unit}"));
        }
        texts.extend(["00090", "0", "000", "+1", "-1", "1.5"].map(|n| format!("{n}{unit}")));
    }
    texts.extend(
        [
            "daily",
            "weekly",
            "monthly",
            "quarterly",
            "yearly",
            "annually",
            "Daily",
            "month",
            " 90d",
            "90d ",
            "\t90d\n",
            "\u{a0}90d\u{3000}",
            "9 0d",
            "90 d",
            "\u{feff}90d",
            "",
            " ",
            "d",
            "99999999999999999999d",
            "٩٠d",
        ]
        .map(str::to_owned),
    );
    let mut disagree = Vec::new();
    for text in &texts {
        let loader = parse_period(text).is_ok();
        let schema = validator.is_valid(&serde_json::Value::String(text.clone()));
        if loader != schema {
            disagree.push(format!("{text:?}: loader {loader}, schema {schema}"));
        }
    }
    assert!(disagree.is_empty(), "{disagree:#?}");
}

/// A minimal valid inventory, with `{period}`, `{date}`, `{expires}` and
/// `{version}` to replace.
const TEMPLATE: &str = r#"version: {version}
environments:
  production: { tier: production }
services:
  api: { kind: api }
secrets:
  API_KEY:
    classification: important
    owner: platform
    rotation: { period: "{period}" }
    instances:
      production: { backend: aws_secrets_manager, last_rotated: "{date}" }
reads:
  - service: api
    secrets: [API_KEY]
waivers:
  - rule: rotation-overdue
    entity: Secret::API_KEY
    reason: testing
    owner: platform
    expires: "{expires}"
"#;

fn inventory(version: &str, period: &str, date: &str, expires: &str) -> String {
    TEMPLATE
        .replace("{version}", version)
        .replace("{period}", period)
        .replace("{date}", date)
        .replace("{expires}", expires)
}

/// Invalid values are rejected by the schema and by the loader (exit 2);
/// the valid extremes are accepted by both.
#[test]
fn invalid_values_are_rejected_by_both_the_schema_and_the_loader() {
    let validator = validator(&schema());
    let dir = tempfile::tempdir().unwrap();
    let good = ("1", "90d", "2026-11-01", "2027-01-31");
    /// `version`, a rotation period, `last_rotated` and a waiver's `expires`.
    type Values<'a> = (&'a str, &'a str, &'a str, &'a str);
    let cases: &[(&str, Values, bool)] = &[
        ("valid", good, true),
        (
            "longest days",
            ("1", "36500d", "2026-11-01", "2027-01-31"),
            true,
        ),
        (
            "longest weeks",
            ("1", "5214w", "2026-11-01", "2027-01-31"),
            true,
        ),
        (
            "named",
            ("1", "quarterly", "2026-11-01", "2027-01-31"),
            true,
        ),
        ("version 2", ("2", "90d", "2026-11-01", "2027-01-31"), false),
        ("months", ("1", "3m", "2026-11-01", "2027-01-31"), false),
        ("zero days", ("1", "0d", "2026-11-01", "2027-01-31"), false),
        (
            "over 100 years",
            ("1", "36501d", "2026-11-01", "2027-01-31"),
            false,
        ),
        ("no unit", ("1", "90", "2026-11-01", "2027-01-31"), false),
        ("month 13", ("1", "90d", "2026-13-01", "2027-01-31"), false),
        (
            "February 30",
            ("1", "90d", "2026-02-30", "2027-01-31"),
            false,
        ),
        (
            "short month",
            ("1", "90d", "2026-1-01", "2027-01-31"),
            false,
        ),
        (
            "expiry with a time",
            ("1", "90d", "2026-11-01", "2027-01-31T00:00"),
            false,
        ),
    ];
    for (name, (version, period, date, expires), valid) in cases {
        let text = inventory(version, period, date, expires);
        let instance: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        let problems = errors(&validator, &instance);
        assert_eq!(
            problems.is_empty(),
            *valid,
            "{name}: schema says {problems:#?}"
        );
        fs::write(dir.path().join("inventory.yaml"), &text).unwrap();
        let r = run(secretary(dir.path()).args(["check", "inventory.yaml", "--now", NOW]));
        if *valid {
            assert_ne!(r.code, 2, "{name}: loader rejects it:\n{}", r.stderr);
        } else {
            assert_eq!(r.code, 2, "{name}: loader accepts it:\n{}", r.stderr);
        }
    }
}
