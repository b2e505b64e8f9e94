//! Each built-in rule fires where it should and nowhere else, on a fixture
//! that holds a positive and a negative case for every rule.

use crate::common;

use common::*;

/// `check` on the every-rule fixture, as JSON.
const FIXTURE_JSON: [&str; 6] = [
    "check",
    "tests/fixtures/rules/inventory.yaml",
    "--now",
    NOW,
    "--format",
    "json",
];

#[test]
fn every_builtin_rule_fires_exactly_where_expected() {
    let root = repo_root();
    let r = run(secretary(&root).args(FIXTURE_JSON));
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let report = json(&r.stdout);
    let keys: Vec<String> = finding_keys(&report)
        .into_iter()
        .map(|(rule, entity, env, principal)| format!("{rule} {entity} {env} {principal}"))
        .collect();
    insta::assert_snapshot!(keys.join("\n"));

    // Every built-in rule is covered by this fixture.
    let listed = json(&run(secretary(&root).args(["policies", "list", "--format", "json"])).stdout);
    let rules: std::collections::BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect();
    let builtin = listed["rules"].as_array().unwrap();
    assert!(builtin.len() >= 16, "{listed}");
    for rule in builtin {
        let id = rule["id"].as_str().unwrap();
        if id.starts_with("iam-") {
            continue; // live IAM rules: tests/iam_rules.rs, on IAM snapshots
        }
        if id.starts_with("store-") {
            continue; // secret stores: tests/stores_rules.rs, on AWS snapshots
        }
        if id.starts_with("secret-value-") {
            continue; // observed values: tests/values.rs, with real values
        }
        if rule["file"] == "<builtin>/repository.cedar" {
            continue; // files, git and `.env.example`: tests/repository.rs
        }
        // Compose and code rules judge real files: tests/compose.rs and tests/code.rs.
        if id.starts_with("compose-") || id.starts_with("code-") || id == "env-var-unreferenced" {
            continue;
        }
        // Compose literals, `.env.example` and `--env` values: tests/published_defaults.rs.
        if id == "published-default-credential" {
            continue;
        }
        assert!(
            rules.contains(id),
            "built-in rule `{id}` has no positive case in the fixture"
        );
    }
}

#[test]
fn findings_are_deterministic_byte_for_byte() {
    let root = repo_root();
    let args = FIXTURE_JSON;
    let first = run(secretary(&root).args(args));
    let second = run(secretary(&root).args(args));
    assert_eq!(first.stdout, second.stdout);
    let human = ["check", "tests/fixtures/rules/inventory.yaml", "--now", NOW];
    assert_eq!(
        run(secretary(&root).args(human)).stdout,
        run(secretary(&root).args(human)).stdout
    );
}

#[test]
fn rotation_age_follows_now() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("inventory.yaml"),
        "version: 1\nenvironments: { production: { tier: production } }\nsecrets:\n  KEY:\n    classification: important\n    owner: me\n    rotation: { period: 90d }\n    instances:\n      production: { backend: vault, last_rotated: 2026-05-07 }\n",
    )
    .unwrap();
    let check = |now: &str| {
        run(secretary(dir.path()).args([
            "check",
            "inventory.yaml",
            "--now",
            now,
            "--format",
            "json",
        ]))
    };
    // Rotated 2026-05-07 with a 90-day period: due on 2026-08-05, overdue the day after.
    let due_day = check("2026-08-05");
    assert_eq!(due_day.code, 0, "{}", due_day.stdout);
    let day_after = check("2026-08-06");
    assert_eq!(day_after.code, 1);
    let report = json(&day_after.stdout);
    assert_eq!(report["findings"][0]["rule"], "rotation-overdue");
    assert_eq!(
        report["findings"][0]["message"],
        "KEY in production was last rotated 91 days ago; its period is 90 days (1 days overdue)"
    );
    // A rotation date after --now is bad input, not a negative age.
    let before = check("2026-05-06");
    assert_eq!(before.code, 2);
    assert_contains(&before.stderr, "error[date-in-future]");
    assert_contains(&before.stderr, "inventory.yaml:9:");
}
