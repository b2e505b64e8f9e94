//! Rule settings (`settings.rules`, a pack's `secretary-rules.yaml`): a rule
//! re-graded or switched off changes the verdict the way it says, every
//! output puts it on the record, and a switched-off rule is never shown as
//! passed. Bad settings are in `tests/fixtures/bad/rule-*`.

use std::path::Path;

use crate::common;

use common::*;

/// A production key rotated 200 days ago with a 90-day period: one
/// `rotation-overdue` finding (high), and a secret with no owner.
const INVENTORY: &str = "version: 1
environments:
  production: { tier: production }
services:
  api: { kind: api }
secrets:
  JWT_SECRET:
    classification: important
    owner: platform
    rotation: { period: 90d }
    readers: [api]
    instances:
      production: { backend: aws_secrets_manager, env_var: JWT_SECRET, last_rotated: 2026-05-07 }
reads:
  - { service: api, secrets: [JWT_SECRET] }
";

const REGRADE: &str = "    rotation-overdue: { severity: low, reason: \"periods are set by the platform team\", owner: secops }\n";
const SWITCH_OFF: &str =
    "    rotation-overdue: { enabled: false, reason: \"rotation is audited elsewhere\", owner: secops }\n";

fn write(dir: &Path, settings: &str) {
    let mut text = INVENTORY.to_owned();
    if !settings.is_empty() {
        text.push_str("settings:\n  rules:\n");
        text.push_str(settings);
    }
    std::fs::write(dir.join("inventory.yaml"), text).unwrap();
}

fn check(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["check", "inventory.yaml", "--now", NOW];
    args.extend_from_slice(extra);
    run(secretary(dir).args(&args))
}

fn severities_of(report: &serde_json::Value, rule: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["severity"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_regraded_rule_keeps_its_findings_at_the_new_severity_and_stops_failing_above_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "");
    let before = check(dir.path(), &["--format", "json", "--fail-on", "medium"]);
    assert_eq!(before.code, 1, "{}", before.stderr);
    assert_eq!(
        severities_of(&json(&before.stdout), "rotation-overdue"),
        ["high"]
    );
    assert_eq!(json(&before.stdout)["overrides"], serde_json::json!([]));

    write(dir.path(), REGRADE);
    let after = check(dir.path(), &["--format", "json", "--fail-on", "medium"]);
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
    let report = json(&after.stdout);
    assert_eq!(severities_of(&report, "rotation-overdue"), ["low"]);
    assert_eq!(
        report["overrides"],
        serde_json::json!([{
            "rule": "rotation-overdue", "from": "high", "to": "low", "enabled": true,
            "reason": "periods are set by the platform team", "owner": "secops",
            "file": "inventory.yaml", "line": 18, "column": 5
        }])
    );
    // Still seen: at the default `--fail-on low` it fails.
    assert_eq!(check(dir.path(), &[]).code, 1);
    let human = check(dir.path(), &["--fail-on", "medium"]);
    assert_contains(
        &human.stdout,
        "rule setting: rotation-overdue high → low (owner secops: periods are set by the platform team; inventory.yaml:18:5)",
    );
}

#[test]
fn a_switched_off_rule_has_no_findings_and_every_format_says_it_was_off() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), SWITCH_OFF);
    let r = check(dir.path(), &["--format", "json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let report = json(&r.stdout);
    assert!(severities_of(&report, "rotation-overdue").is_empty());
    assert_eq!(report["overrides"][0]["to"], serde_json::Value::Null);
    assert_eq!(report["overrides"][0]["enabled"], false);

    // JUnit: one skipped case, `disabled`, never a pass.
    let junit = check(dir.path(), &["--format", "junit"]).stdout;
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some("rotation-overdue"))
        .expect("a suite for the rule");
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].attribute("name"), Some("disabled"));
    let skipped = cases[0]
        .children()
        .find(|n| n.has_tag_name("skipped"))
        .expect("skipped");
    assert_eq!(skipped.attribute("type"), Some("disabled"));
    assert_contains(
        skipped.attribute("message").unwrap(),
        "switched off by secops: rotation is audited elsewhere",
    );

    // SARIF: the rule's configuration is disabled, and a notification says who and why.
    let sarif = json(&check(dir.path(), &["--format", "sarif"]).stdout);
    let sarif_run = &sarif["runs"][0];
    let rule = sarif_run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "rotation-overdue")
        .unwrap();
    assert_eq!(rule["defaultConfiguration"]["enabled"], false);
    assert_eq!(rule["properties"]["override"]["owner"], "secops");
    let notes = sarif_run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes.iter().any(|n| n["message"]["text"]
            .as_str()
            .unwrap()
            .contains("`rotation-overdue`: switched off by secops")),
        "{notes:?}"
    );

    // The report: the item of the rule is not ticked, and the evidence lists the setting.
    for (format, ticked_box) in [("markdown", "- [x] Rotation schedule"), ("html", "")] {
        let r = run(secretary(dir.path()).args([
            "report",
            "inventory.yaml",
            "--now",
            NOW,
            "--format",
            format,
        ]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_contains(&r.stdout, "switched off");
        assert_contains(&r.stdout, "rotation is audited elsewhere");
        if !ticked_box.is_empty() {
            assert!(!r.stdout.contains(ticked_box), "{}", r.stdout);
        }
    }
}

#[test]
fn a_switched_off_observation_rule_is_not_listed_as_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "    iam-root-mfa-missing: { enabled: false, reason: \"no root account: AWS Organizations\", owner: secops }\n",
    );
    let report = json(&check(dir.path(), &["--format", "json"]).stdout);
    let not_checked: Vec<&str> = report["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        not_checked.contains(&"iam-root-access-key"),
        "{not_checked:?}"
    );
    assert!(
        !not_checked.contains(&"iam-root-mfa-missing"),
        "{not_checked:?}"
    );
}

#[test]
fn a_packs_settings_apply_and_the_inventorys_win_rule_by_rule() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    std::fs::create_dir(&pack).unwrap();
    std::fs::write(
        pack.join("secretary-rules.yaml"),
        "rules:\n  rotation-overdue: { severity: critical, reason: pack default, owner: security-team }\n  critical-secret-without-owner: { severity: info, reason: pack default, owner: security-team }\n",
    )
    .unwrap();
    write(dir.path(), "");
    let report = json(&check(dir.path(), &["--format", "json", "--policies", "pack"]).stdout);
    assert_eq!(severities_of(&report, "rotation-overdue"), ["critical"]);
    assert_eq!(report["overrides"].as_array().unwrap().len(), 2);
    assert_eq!(report["overrides"][1]["file"], "pack/secretary-rules.yaml");

    write(dir.path(), REGRADE);
    let report = json(&check(dir.path(), &["--format", "json", "--policies", "pack"]).stdout);
    assert_eq!(severities_of(&report, "rotation-overdue"), ["low"]);
    let rules: Vec<(&str, &str)> = report["overrides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["rule"].as_str().unwrap(), o["owner"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rules,
        [
            ("critical-secret-without-owner", "security-team"),
            ("rotation-overdue", "secops")
        ]
    );

    // `policies list` shows the rules as the pack sets them.
    let listed = json(
        &run(secretary(dir.path()).args([
            "policies",
            "list",
            "--policies",
            "pack",
            "--format",
            "json",
        ]))
        .stdout,
    );
    let rule = listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "rotation-overdue")
        .unwrap();
    assert_eq!(
        (
            &rule["severity"],
            &rule["default_severity"],
            &rule["enabled"]
        ),
        (
            &serde_json::json!("critical"),
            &serde_json::json!("high"),
            &serde_json::json!(true)
        )
    );

    // The settings file is part of the policy digest of the report's evidence.
    let r = run(secretary(dir.path()).args([
        "report",
        "inventory.yaml",
        "--now",
        NOW,
        "--policies",
        "pack",
    ]));
    assert_contains(&r.stdout, "pack/secretary-rules.yaml");
}

/// Every built-in rule keeps its id and its own severity: settings change
/// what a run does with a rule, never the rule.
#[test]
fn builtin_rule_ids_and_default_severities_are_pinned() {
    let listed =
        json(&run(secretary(&repo_root()).args(["policies", "list", "--format", "json"])).stdout);
    let lines: Vec<String> = listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["id"].as_str().unwrap(),
                r["severity"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}
