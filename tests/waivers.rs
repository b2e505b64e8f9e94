//! Waivers end to end: a waived finding passes and shows as waived, an
//! expired waiver fails, a waiver that matches nothing is reported, and a
//! waiver can be limited to an environment or a reader.

use crate::common;

use std::fs;

use common::*;

/// A secret env var with a default (`secret-env-var-default`, high), a
/// secret read by a service that is not an allowed reader
/// (`reader-not-allowed`, high), and stored unencrypted in each environment
/// (`unencrypted-at-rest`, high, once per environment).
const BASE: &str = r#"version: 1
environments:
  staging: { tier: staging }
  production: { tier: production }
services:
  api: { kind: api }
  worker: { kind: worker }
secrets:
  JWT_SECRET:
    classification: critical
    owner: platform-team
    rotation: { period: 90d }
    readers: [api]
    instances:
      staging: { backend: env_var, env_var: JWT_SECRET, encryption: none, last_rotated: 2026-11-01 }
      production: { backend: env_var, env_var: JWT_SECRET, encryption: none, last_rotated: 2026-11-01 }
reads:
  - service: worker
    secrets: [JWT_SECRET]
env_vars:
  JWT_SECRET:
    default: "dev"
"#;

/// Runs `check` on BASE with `waivers`, in human and JSON format, as of
/// `now` (default NOW). The report is `null` when the run exits 2.
fn check(waivers: &str, now: Option<&str>, extra: &[&str]) -> (Run, serde_json::Value, Run) {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{BASE}waivers:\n{waivers}");
    fs::write(dir.path().join("inventory.yaml"), text).unwrap();
    let args = ["check", "inventory.yaml", "--now", now.unwrap_or(NOW)];
    let human = run(secretary(dir.path()).args(args).args(extra));
    let json_run = run(secretary(dir.path())
        .args(args)
        .args(extra)
        .args(["--format", "json"]));
    assert_eq!(human.code, json_run.code);
    let report = if json_run.code == 2 {
        serde_json::Value::Null
    } else {
        json(&json_run.stdout)
    };
    (human, report, json_run)
}

fn rules(report: &serde_json::Value) -> Vec<(String, bool)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                !f["waiver"].is_null(),
            )
        })
        .collect()
}

const ALL: &str = r#"  - rule: unencrypted-at-rest
    entity: Secret::"JWT_SECRET"
    reason: the host encrypts its disks; tracked in SEC-12
    owner: platform-team
    expires: 2027-03-31
  - rule: secret-env-var-default
    entity: EnvVar::"JWT_SECRET"
    reason: the default is a dev-only key; production sets the variable
    owner: platform-team
    expires: 2027-03-31
  - rule: reader-not-allowed
    entity: Secret::JWT_SECRET
    principal: Service::"worker"
    reason: the worker verifies tokens until the split lands
    owner: api-team
    expires: 2026-11-23
"#;

#[test]
fn waived_findings_pass_and_are_shown_as_waived() {
    let (human, report, _) = check(ALL, None, &[]);
    assert_eq!(human.code, 0, "{}{}", human.stdout, human.stderr);
    let found = rules(&report);
    assert!(!found.is_empty());
    assert!(found.iter().all(|(_, waived)| *waived), "{found:?}");
    // The encryption waiver names no environment, so it covers both.
    let unencrypted = found.iter().filter(|(r, _)| r == "unencrypted-at-rest");
    assert_eq!(unencrypted.count(), 2);
    assert_eq!(report["summary"]["waived"], found.len());
    assert_eq!(report["summary"]["at_or_above_fail_on"], 0);
    assert_eq!(report["summary"]["passed"], true);
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "reader-not-allowed");
    assert_eq!(finding["waiver"]["owner"], "api-team");
    assert_eq!(finding["waiver"]["expires"], "2026-11-23");
    assert_eq!(finding["waiver"]["line"], 34);
    let ledger = report["waivers"].as_array().unwrap();
    assert_eq!(ledger.len(), 3);
    assert_eq!(ledger[0]["state"], "active");
    assert_eq!(ledger[0]["matched"], 2);
    // The friendly form `Secret::JWT_SECRET` is normalised.
    assert_eq!(ledger[2]["entity"], "Secret::\"JWT_SECRET\"");
    assert_eq!(ledger[2]["principal"], "Service::\"worker\"");
    assert_contains(&human.stdout, "[waived]");
    assert_contains(
        &human.stdout,
        "waived: the default is a dev-only key; production sets the variable (owner platform-team, until 2027-03-31; inventory.yaml:29:5)",
    );
    assert_contains(&human.stdout, "4 waived; none at or above `low`: compliant");
}

#[test]
fn an_expired_waiver_fails_and_no_longer_waives() {
    // The reader waiver's last day is 2026-11-23: in force on that day, expired the next.
    let (human, report, _) = check(ALL, Some("2026-11-24"), &[]);
    assert_eq!(human.code, 1, "{}", human.stdout);
    let expired: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "waiver-expired")
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["severity"], "high");
    assert_eq!(expired[0]["line"], 34, "located at the waiver");
    assert_eq!(expired[0]["principal"], "Service::\"worker\"");
    assert_contains(
        expired[0]["message"].as_str().unwrap(),
        "expired on 2026-11-23 (owner: api-team)",
    );
    let found = rules(&report);
    assert!(
        found.contains(&("reader-not-allowed".to_owned(), false)),
        "{found:?}"
    );
    assert!(
        found.contains(&("secret-env-var-default".to_owned(), true)),
        "{found:?}"
    );
    assert_eq!(report["waivers"][2]["state"], "expired");
    assert_contains(
        &human.stdout,
        "high waiver-expired: Secret::\"JWT_SECRET\" (read by Service::\"worker\")",
    );
}

#[test]
fn a_waiver_matching_nothing_is_reported_for_removal() {
    let waivers = r#"  - rule: secret-env-var-default
    entity: EnvVar::"JWT_SECRET"
    environment: production
    reason: wrongly scoped, the finding has no environment
    owner: platform-team
    expires: 2027-03-31
"#;
    let (human, report, _) = check(waivers, None, &["--fail-on", "critical"]);
    assert_eq!(
        human.code, 0,
        "an info finding does not fail at --fail-on critical"
    );
    let unmatched: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "waiver-unmatched")
        .collect();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0]["severity"], "info");
    assert_eq!(unmatched[0]["line"], 24);
    assert_eq!(report["waivers"][0]["state"], "unmatched");
    // The finding it was meant for is not waived.
    assert!(rules(&report).contains(&("secret-env-var-default".to_owned(), false)));
    assert_contains(
        &human.stdout,
        "info waiver-unmatched: EnvVar::\"JWT_SECRET\" in production",
    );
    // --fail-on info makes stale waivers fail.
    let (strict, _, _) = check(waivers, None, &["--fail-on", "info"]);
    assert_eq!(strict.code, 1);
}

#[test]
fn a_waiver_limited_to_one_environment_covers_only_it() {
    let waivers = r#"  - rule: unencrypted-at-rest
    entity: Secret::"JWT_SECRET"
    environment: staging
    reason: staging only
    owner: api-team
    expires: 2027-03-31
"#;
    let (human, report, _) = check(waivers, None, &[]);
    assert_eq!(human.code, 1);
    let readers: Vec<(String, bool)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unencrypted-at-rest")
        .map(|f| {
            (
                f["environment"].as_str().unwrap().to_owned(),
                !f["waiver"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        readers,
        [
            ("production".to_owned(), false),
            ("staging".to_owned(), true)
        ]
    );
    assert_eq!(report["waivers"][0]["matched"], 1);
}

#[test]
fn a_rule_not_loaded_is_bad_input() {
    // A waiver for a built-in rule is an error when the built-in rules are left out.
    let (human, _, json_run) = check(ALL, None, &["--no-builtin"]);
    assert_eq!(human.code, 2);
    assert!(json_run.stdout.is_empty());
    assert_contains(
        &human.stderr,
        "error[unknown-rule]: waiver names rule `secret-env-var-default`, which is not loaded",
    );
    assert_contains(&human.stderr, "--> inventory.yaml:29:5");
}

/// The checklist line of the item that `rule` belongs to, in a markdown report.
fn checklist_line<'a>(markdown: &'a str, rule: &str) -> &'a str {
    markdown
        .lines()
        .find(|line| line.starts_with("- [") && line.contains(&format!("`{rule}`")))
        .unwrap_or_else(|| panic!("no checklist item lists `{rule}`:\n{markdown}"))
}

#[test]
fn the_report_ticks_items_whose_findings_are_all_waived_and_lists_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("inventory.yaml"),
        format!("{BASE}waivers:\n{ALL}"),
    )
    .unwrap();
    let report = |now: &str| {
        run(secretary(dir.path())
            .env("SOURCE_DATE_EPOCH", "1795392000")
            .args([
                "report",
                "inventory.yaml",
                "--format",
                "markdown",
                "--now",
                now,
            ]))
    };

    let waived = report(NOW);
    assert_eq!(waived.code, 0, "{}", waived.stderr);
    assert!(
        checklist_line(&waived.stdout, "reader-not-allowed").starts_with("- [x]"),
        "{}",
        waived.stdout
    );
    assert_contains(
        &waived.stdout,
        "| api-team | 2026-11-23 | active (1 matched) |",
    );

    // A day later the reader waiver has expired: its item is open again and
    // the ledger says so.
    let expired = report("2026-11-24");
    assert_eq!(expired.code, 1, "{}", expired.stderr);
    assert!(
        checklist_line(&expired.stdout, "reader-not-allowed").starts_with("- [ ]"),
        "{}",
        expired.stdout
    );
    assert_contains(&expired.stdout, "| api-team | 2026-11-23 | expired |");
}
