//! Live secret stores against the moto emulator (`tests/moto/`): Secrets
//! Manager and SSM populated through their APIs with canary values,
//! back-dated on moto's objects, with injected faults. Runs the real binary
//! (`aws snapshot`, `check --aws`, `check --aws-snapshot`) and the
//! library's collector; the bad snapshot files need no emulator.
#![cfg(feature = "aws")]

use crate::common;
use crate::fake_iam::aws;
use crate::moto;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use moto::Moto;
use serde_json::{json, Value};

/// The actions of the read-only policy (quoted in docs/src/live-iam.md).
fn read_only_actions() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo_root().join("policies/iam-read-only-policy.json"))
        .expect("policy file");
    json(&text)["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

/// The actions that read a value: never called.
const VALUE_ACTIONS: [&str; 5] = [
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
];

const EU: &str = "eu-west-1";
const US: &str = "us-west-2";
const NOW: &str = "2026-11-23";

/// Calls made since `before`, held to the read-only policy; the stores' calls.
fn checked_calls(moto: &Moto, before: usize) -> Vec<String> {
    let allowed = read_only_actions();
    let calls: Vec<String> = moto.calls()[before..]
        .iter()
        .map(|c| {
            if c.contains(':') {
                c.clone()
            } else {
                format!("iam:{c}")
            }
        })
        .collect();
    for call in &calls {
        assert!(
            allowed.contains(call),
            "`{call}` is not in the read-only policy"
        );
        assert!(
            !VALUE_ACTIONS.contains(&call.as_str()),
            "{call} reads a value"
        );
    }
    calls
}

fn count(calls: &[String], action: &str) -> usize {
    calls.iter().filter(|c| *c == action).count()
}

/// Two regions: rotated, never-rotated, scheduled, service-owned and
/// out-of-scope secrets, and parameters of each type. Returns the canaries.
fn populate(moto: &Moto) -> Vec<String> {
    let reader = json!({
        "Version": "2012-10-17",
        "Statement": [{ "Sid": "App", "Effect": "Allow",
            "Principal": { "AWS": "arn:aws:iam::123456789012:role/app" },
            "Action": "secretsmanager:GetSecretValue", "Resource": "*" }]
    });
    let canaries = moto.populate(json!({
        "users": [{ "name": "alice" }],
        "secrets": [
            { "name": "prod/db", "region": EU, "tags": { "team": "payments" },
              "rotation": { "days": 30 }, "policy": reader },
            { "name": "prod/api-key", "region": EU,
              "kms_key_id": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
            { "name": "prod/rds", "region": EU, "owning_service": "rds",
              "rotation": { "schedule": "rate(10 days)" } },
            { "name": "other-team/token", "region": EU },
            { "name": "prod/west", "region": US, "rotation": { "schedule": "cron(0 8 ? * MON *)", "enabled": false } }
        ],
        "parameters": [
            { "name": "/prod/db-password", "region": EU },
            { "name": "/prod/feature-flag", "region": EU, "type": "String" },
            { "name": "/prod/hosts", "region": EU, "type": "StringList" },
            { "name": "/prod/referenced", "region": EU, "type": "String" },
            { "name": "/west/key", "region": US, "key_id": "alias/custom" }
        ]
    }));
    moto.backdate(json!([
        { "secret": "prod/db", "region": EU, "created": "2025-01-01T00:00:00Z",
          "last_rotated": "2026-10-01T12:00:00Z", "last_accessed": "2026-11-20T00:00:00Z",
          "last_changed": "2026-11-22T09:30:00Z" },
        // Changed since created: the current version is dated by a call.
        { "secret": "prod/api-key", "region": EU, "created": "2024-03-01T00:00:00Z",
          "version_created": "2024-06-01T08:00:00Z", "last_changed": "2024-06-01T08:00:00Z",
          "last_accessed": "2025-01-05T00:00:00Z" },
        { "secret": "prod/west", "region": US, "created": "2025-01-01T00:00:00Z",
          "version_created": "2026-02-01T00:00:00Z", "last_changed": "2026-02-01T00:00:00Z" },
        // Never changed: its value is as old as the secret, no call.
        { "secret": "other-team/token", "region": EU, "created": "2023-01-01T00:00:00Z",
          "last_changed": "2023-01-01T00:00:00Z" }
    ]));
    canaries
}

/// An inventory answering for `prod/` only, referencing one String parameter.
fn inventory(dir: &Path) {
    std::fs::write(
        dir.join("secretary.yaml"),
        r#"version: 1
settings:
  stores:
    prefixes: ["prod/", "/prod/"]
environments:
  production: { tier: production }
secrets:
  DB_PASSWORD:
    classification: critical
    category: infrastructure
    owner: platform
    rotation: { period: 90d, method: automated }
    instances:
      production: { backend: aws_secrets_manager, reference: prod/db, region: eu-west-1, last_rotated: 2026-10-01 }
  REFERENCED:
    classification: sensitive
    category: application
    owner: platform
    rotation: { period: 1y, method: manual }
    instances:
      production: { backend: aws_ssm_parameter, reference: /prod/referenced, region: eu-west-1, last_rotated: 2026-10-01 }
"#,
    )
    .unwrap();
}

fn regions(url: &str) -> [&str; 6] {
    ["--endpoint-url", url, "--region", EU, "--region", US]
}

fn secret<'a>(snapshot: &'a Value, region: &str, name: &str) -> &'a Value {
    snapshot["stores"]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == region)
        .and_then(|r| {
            r["secrets_manager"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == name)
        })
        .unwrap_or_else(|| panic!("no secret {name} in {region}: {snapshot}"))
}

fn parameter_names(snapshot: &Value, region: &str) -> Vec<String> {
    snapshot["stores"]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == region)
        .unwrap()["ssm"]
        .as_array()
        .unwrap_or_else(|| panic!("ssm not collected: {snapshot}"))
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_aws_snapshot_of_two_regions_holds_the_metadata_and_no_value() {
    let (_guard, moto) = Moto::lock();
    let canaries = populate(moto);
    assert_eq!(canaries.len(), 10, "{canaries:?}");
    let dir = tempfile::tempdir().unwrap();
    let url = moto.url();
    let before = moto.calls().len();
    let r = run(aws(dir.path())
        .args(["aws", "snapshot", "-o", "aws.json"])
        .args(regions(&url)));
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(r.stdout.is_empty());
    let calls = checked_calls(moto, before);
    // Listings once per region; per secret only the policy and versions.
    assert_eq!(count(&calls, "secretsmanager:ListSecrets"), 2, "{calls:?}");
    assert_eq!(count(&calls, "ssm:DescribeParameters"), 2, "{calls:?}");
    assert_eq!(
        count(&calls, "secretsmanager:GetResourcePolicy"),
        5,
        "{calls:?}"
    );
    // Only for the secrets changed since their creation and not rotated.
    assert_eq!(
        count(&calls, "secretsmanager:ListSecretVersionIds"),
        2,
        "{calls:?}"
    );

    // Every permission of the read-only policy is used.
    let used: BTreeSet<String> = calls.iter().cloned().collect();
    assert_eq!(used, read_only_actions());

    let text = std::fs::read_to_string(dir.path().join("aws.json")).unwrap();
    for canary in &canaries {
        for (what, output) in [
            ("snapshot", &text),
            ("stdout", &r.stdout),
            ("stderr", &r.stderr),
        ] {
            assert!(
                !output.contains(canary.as_str()),
                "a value leaked into the {what}"
            );
        }
    }
    let snapshot = json(&text);
    assert_eq!(snapshot["version"], 2);
    assert_eq!(snapshot["account_id"], "123456789012");
    assert_eq!(snapshot["users"][0]["name"], "alice");
    assert_eq!(snapshot["stores"]["not_collected"], json!([]));
    let db = secret(&snapshot, EU, "prod/db");
    assert!(db["arn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-"));
    assert_eq!(db["rotation_enabled"], true);
    assert_eq!(db["rotation_days"], 30);
    assert_eq!(db["created"], "2025-01-01T00:00:00Z");
    assert_eq!(db["last_rotated"], "2026-10-01T12:00:00Z");
    assert_eq!(db["last_changed"], "2026-11-22T09:30:00Z");
    assert_eq!(db["last_accessed"], "2026-11-20T00:00:00Z");
    assert_eq!(db["current_version_created"], Value::Null);
    assert_eq!(db["tags"], json!({ "team": "payments" }));
    assert_eq!(db["kms_key_id"], Value::Null);
    assert_eq!(
        db["resource_policy"]["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::123456789012:role/app"
    );
    let key = secret(&snapshot, EU, "prod/api-key");
    assert_eq!(key["current_version_created"], "2024-06-01T08:00:00Z");
    assert_eq!(key["last_rotated"], Value::Null);
    assert!(key["kms_key_id"]
        .as_str()
        .unwrap()
        .contains(":key/1234abcd"));
    assert_eq!(key["resource_policy"], Value::Null);
    let token = secret(&snapshot, EU, "other-team/token");
    assert_eq!(token["current_version_created"], "2023-01-01T00:00:00Z");
    let rds = secret(&snapshot, EU, "prod/rds");
    assert_eq!(rds["owning_service"], "rds");
    assert_eq!(rds["rotation_days"], 10);
    assert_eq!(rds["rotation_schedule"], "rate(10 days)");
    let west = secret(&snapshot, US, "prod/west");
    assert_eq!(west["rotation_enabled"], false);
    assert_eq!(west["rotation_days"], 7);
    assert_eq!(west["current_version_created"], "2026-02-01T00:00:00Z");
    // Without an inventory every parameter is kept.
    assert_eq!(
        parameter_names(&snapshot, EU),
        [
            "/prod/db-password",
            "/prod/feature-flag",
            "/prod/hosts",
            "/prod/referenced"
        ]
    );
    let west_params = &snapshot["stores"]["regions"][1]["ssm"][0];
    assert_eq!(west_params["name"], "/west/key");
    assert_eq!(west_params["type"], "SecureString");
    assert_eq!(west_params["key_id"], "alias/custom");
    assert_eq!(
        west_params["arn"],
        "arn:aws:ssm:us-west-2:123456789012:parameter/west/key"
    );
}

#[test]
fn the_inventory_scope_bounds_per_secret_calls_and_string_parameters() {
    let (_guard, moto) = Moto::lock();
    populate(moto);
    let url = moto.url();
    // The binary: only the 4 `prod/` secrets get per-secret calls.
    let dir = tempfile::tempdir().unwrap();
    inventory(dir.path());
    let before = moto.calls().len();
    let r = run(aws(dir.path())
        .args(["check", "--now", NOW, "--format", "json", "--aws"])
        .args(regions(&url)));
    assert!(r.code == 0 || r.code == 1, "stderr: {}", r.stderr);
    let calls = checked_calls(moto, before);
    assert_eq!(
        count(&calls, "secretsmanager:GetResourcePolicy"),
        4,
        "{calls:?}"
    );

    // The library: String parameters only when referenced.
    use secretary::observe::stores::collect;
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .endpoint_url(&url)
        .region(aws_config::Region::new(EU))
        .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(
            aws_sdk_iam::config::Credentials::new("testing", "testing", None, None, "test"),
        ))
        .http_client(secretary::observe::iam::collect::https_client())
        .build();
    let options = collect::Options {
        iam: Default::default(),
        regions: vec![EU.to_owned()],
    };
    let scope = collect::Scope {
        settings: Default::default(),
        parameters: Some(BTreeSet::from(["/prod/referenced".to_owned()])),
        ..Default::default()
    };
    let collected =
        collect::collect_blocking(&config, &options, &scope, jiff::Timestamp::UNIX_EPOCH).unwrap();
    let names: Vec<&str> = collected.stores.regions[0]
        .ssm
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["/prod/db-password", "/prod/referenced"]);
    for call in &collected.calls {
        assert!(read_only_actions().contains(call), "{call}");
    }
}

#[test]
fn a_check_of_the_live_account_and_of_its_snapshot_agree() {
    let (_guard, moto) = Moto::lock();
    populate(moto);
    let dir = tempfile::tempdir().unwrap();
    inventory(dir.path());
    let url = moto.url();
    let snap = run(aws(dir.path())
        .args(["aws", "snapshot", "-o", "aws.json"])
        .args(regions(&url)));
    assert_eq!(snap.code, 0, "stderr: {}", snap.stderr);
    let args = ["check", "--now", NOW, "--format", "json"];
    let live = run(aws(dir.path()).args(args).arg("--aws").args(regions(&url)));
    let offline = run(aws(dir.path())
        .args(args)
        .args(["--aws-snapshot", "aws.json"]));
    assert_eq!(
        live.code, offline.code,
        "{}\n{}",
        live.stderr, offline.stderr
    );
    assert!(live.code == 0 || live.code == 1, "stderr: {}", live.stderr);
    assert_eq!(live.stdout, offline.stdout);
    // The IAM part of the same file reads with `--iam-snapshot`, as a
    // version 1 file reads with `--aws-snapshot`.
    let v1 =
        run(aws(dir.path()).args(["iam", "snapshot", "-o", "iam.json", "--endpoint-url", &url]));
    assert_eq!(v1.code, 0, "stderr: {}", v1.stderr);
    assert_eq!(
        json(&std::fs::read_to_string(dir.path().join("iam.json")).unwrap())["version"],
        1
    );
    let iam_of_v2 = run(aws(dir.path())
        .args(args)
        .args(["--iam-snapshot", "aws.json"]));
    let iam_of_v1 = run(aws(dir.path())
        .args(args)
        .args(["--iam-snapshot", "iam.json"]));
    let aws_of_v1 = run(aws(dir.path())
        .args(args)
        .args(["--aws-snapshot", "iam.json"]));
    for r in [&iam_of_v2, &iam_of_v1, &aws_of_v1] {
        assert!(r.code == 0 || r.code == 1, "stderr: {}", r.stderr);
    }
    assert_eq!(iam_of_v1.stdout, iam_of_v2.stdout);
    assert_eq!(iam_of_v1.stdout, aws_of_v1.stdout);
}

#[test]
fn a_denied_call_is_a_gap_that_names_it_and_the_rest_is_collected() {
    for (action, item, store, call) in [
        (
            "ListSecrets",
            None,
            "secrets_manager",
            "secretsmanager:ListSecrets",
        ),
        (
            "GetResourcePolicy",
            Some("prod/db"),
            "secrets_manager",
            "secretsmanager:GetResourcePolicy",
        ),
        ("DescribeParameters", None, "ssm", "ssm:DescribeParameters"),
    ] {
        let (_guard, moto) = Moto::lock();
        let canaries = populate(moto);
        match item {
            Some(item) => moto.fault_item(action, "deny", item),
            None => moto.fault(action, "deny"),
        }
        let dir = tempfile::tempdir().unwrap();
        inventory(dir.path());
        let url = moto.url();
        let snap = run(aws(dir.path())
            .args(["aws", "snapshot", "-o", "aws.json"])
            .args(regions(&url)));
        assert_eq!(snap.code, 2, "{action}: {}", snap.stderr);
        assert_contains(&snap.stderr, "error[stores-not-verified]");
        assert_contains(&snap.stderr, &format!("`{action}` failed"));
        assert_contains(&snap.stderr, &format!("`{call}`"));
        let snapshot = json(&std::fs::read_to_string(dir.path().join("aws.json")).unwrap());
        let gaps = snapshot["stores"]["not_collected"].as_array().unwrap();
        // ListSecrets and DescribeParameters fail in both regions; one secret's policy once.
        assert_eq!(gaps.len(), if item.is_some() { 1 } else { 2 }, "{gaps:?}");
        assert!(gaps
            .iter()
            .all(|g| g["store"] == store && g["permission"] == call));
        let eu = &snapshot["stores"]["regions"][0];
        match action {
            "ListSecrets" => {
                assert!(eu["secrets_manager"].is_null());
                assert_eq!(eu["ssm"].as_array().unwrap().len(), 4);
            }
            "DescribeParameters" => {
                assert!(eu["ssm"].is_null());
                assert_eq!(eu["secrets_manager"].as_array().unwrap().len(), 4);
            }
            _ => {
                assert_eq!(gaps[0]["item"], "prod/db");
                assert!(secret(&snapshot, EU, "prod/db")["resource_policy"].is_null());
                assert_eq!(secret(&snapshot, EU, "prod/rds")["owning_service"], "rds");
            }
        }
        // The IAM part is whole.
        assert_eq!(snapshot["not_collected"], json!([]));

        // `check --aws`: the verified findings, an error finding per gap, exit 2.
        let r = run(aws(dir.path())
            .args(["check", "--now", NOW, "--format", "json", "--aws"])
            .args(regions(&url)));
        assert_eq!(r.code, 2, "{action}: {}", r.stderr);
        assert_contains(&r.stderr, &format!("`{call}`"));
        let report = json(&r.stdout);
        assert!(
            finding_keys(&report)
                .iter()
                .any(|(rule, ..)| rule == "stores-not-verified"),
            "{report}"
        );
        for canary in &canaries {
            for text in [&r.stdout, &r.stderr, &snap.stderr] {
                assert!(!text.contains(canary.as_str()), "a value leaked");
            }
        }
    }
}

#[test]
fn an_answer_cut_short_is_a_gap_not_a_shorter_listing() {
    let (_guard, moto) = Moto::lock();
    populate(moto);
    moto.fault("ListSecrets", "truncate");
    moto.fault("DescribeParameters", "truncate");
    let dir = tempfile::tempdir().unwrap();
    let url = moto.url();
    let r = run(aws(dir.path()).args(["aws", "snapshot", "--endpoint-url", &url, "--region", EU]));
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_contains(&r.stderr, "cut short");
    let snapshot = json(&r.stdout);
    let eu = &snapshot["stores"]["regions"][0];
    assert!(eu["secrets_manager"].is_null(), "{eu}");
    assert!(eu["ssm"].is_null(), "{eu}");
    assert_eq!(
        snapshot["stores"]["not_collected"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn aws_and_iam_flags_conflict() {
    let dir = tempfile::tempdir().unwrap();
    inventory(dir.path());
    for args in [
        vec!["--aws", "--iam"],
        vec!["--aws", "--iam-snapshot", "x.json"],
        vec!["--aws", "--aws-snapshot", "x.json"],
        vec!["--aws-snapshot", "x.json", "--iam-snapshot", "y.json"],
    ] {
        let r = run(aws(dir.path()).arg("check").args(&args));
        assert_eq!(r.code, 2, "{args:?}");
        assert_contains(&r.stderr, "cannot be used with");
    }
}

/// A valid version 2 snapshot, with one secret and one gap.
const V2: &str = r#"{
  "version": 2,
  "collected_at": "2026-11-20T10:00:00Z",
  "account_id": "123456789012",
  "users": [],
  "groups": [],
  "roles": [],
  "policies": [],
  "root": null,
  "password_policy": null,
  "not_collected": [],
  "stores": {
    "regions": [
      {
        "region": "eu-west-1",
        "secrets_manager": [
          {
            "name": "prod/db",
            "arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
            "rotation_enabled": true,
            "rotation_days": 30,
            "last_rotated": "2026-10-01T00:00:00Z",
            "tags": { "team": "payments" }
          }
        ],
        "ssm": null
      }
    ],
    "not_collected": [
      {
        "region": "eu-west-1",
        "store": "ssm",
        "call": "DescribeParameters",
        "permission": "ssm:DescribeParameters",
        "problem": "AccessDeniedException: denied"
      }
    ]
  }
}
"#;

#[test]
fn bad_aws_snapshots_are_refused_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    inventory(dir.path());
    // The good one loads; its gap is reported (exit 2) with the findings.
    std::fs::write(dir.path().join("good.json"), V2).unwrap();
    let r = run(aws(dir.path()).args(["check", "--now", NOW, "--aws-snapshot", "good.json"]));
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    assert_contains(&r.stderr, "error[stores-not-verified]");
    assert_contains(&r.stderr, "`ssm:DescribeParameters`");
    // Each bad file, the text its error is located at, and the error.
    for (name, bad, at, expected) in [
        (
            "version-3.json",
            V2.replace("\"version\": 2", "\"version\": 3"),
            "\"version\"",
            "unsupported-iam-snapshot-version",
        ),
        (
            "stores-in-v1.json",
            V2.replace("\"version\": 2", "\"version\": 1"),
            "\"stores\"",
            "needs snapshot version 2",
        ),
        (
            "unknown-key.json",
            V2.replace("\"ssm\": null", "\"ssm\": null, \"kms\": []"),
            "\"kms\"",
            "not the snapshot format",
        ),
        (
            "wrong-type.json",
            V2.replace("\"rotation_days\": 30", "\"rotation_days\": \"30\""),
            "\"rotation_days\"",
            "not the snapshot format",
        ),
        (
            "bad-date.json",
            V2.replace("2026-10-01T00:00:00Z", "last week"),
            "last week",
            "`last_rotated`",
        ),
        (
            "other-region-arn.json",
            V2.replace(
                ":eu-west-1:123456789012:secret",
                ":us-east-1:123456789012:secret",
            ),
            "\"arn\"",
            "not the ARN",
        ),
        (
            "bad-store.json",
            V2.replace("\"store\": \"ssm\"", "\"store\": \"vault\""),
            "vault",
            "not the snapshot format",
        ),
    ] {
        let line = 1 + bad[..bad.find(at).unwrap()].matches('\n').count();
        std::fs::write(dir.path().join(name), &bad).unwrap();
        let r = run(aws(dir.path()).args(["check", "--now", NOW, "--aws-snapshot", name]));
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert_contains(&r.stderr, expected);
        assert_contains(&r.stderr, &format!("{name}:{line}:"));
        assert!(r.stdout.is_empty(), "{name}: no report from a bad snapshot");
        // serde's messages quote the input: never shown (a checked name or
        // date is quoted, shortened, as IAM's are).
        assert!(
            !r.stderr.contains("\"30\""),
            "{name}: serde's message is never shown"
        );
    }
}

#[test]
fn throttling_after_the_retries_and_a_stalled_call_are_gaps() {
    let (_guard, moto) = Moto::lock();
    populate(moto);
    moto.fault("DescribeParameters", "throttle");
    moto.fault_item("GetResourcePolicy", "hang", "prod/db");
    let dir = tempfile::tempdir().unwrap();
    let url = moto.url();
    let before = moto.calls().len();
    let r = run(aws(dir.path()).args([
        "aws",
        "snapshot",
        "--endpoint-url",
        &url,
        "--region",
        EU,
        "--iam-timeout",
        "4",
    ]));
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    let calls = checked_calls(moto, before);
    // The SDK's standard retries: 3 attempts, then a gap.
    assert_eq!(count(&calls, "ssm:DescribeParameters"), 3, "{calls:?}");
    assert_contains(&r.stderr, "ThrottlingException");
    // The stalled call is cut at the deadline; the other secrets' policies were read.
    assert_contains(&r.stderr, "no answer within the 4 s");
    assert_contains(&r.stderr, "the readers of `prod/db`");
    let snapshot = json(&r.stdout);
    let gaps = snapshot["stores"]["not_collected"].as_array().unwrap();
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    assert!(secret(&snapshot, EU, "prod/db")["resource_policy"].is_null());
    assert_eq!(secret(&snapshot, EU, "prod/rds")["owning_service"], "rds");
    assert!(snapshot["stores"]["regions"][0]["ssm"].is_null());
}

/// `check --aws` reads the regions the inventory's instances name as well
/// as `--region`'s: a secret declared in us-west-2 is looked for there even
/// when only eu-west-1 is given, never reported as unread or missing.
#[test]
fn check_reads_the_regions_the_inventory_names() {
    let (_guard, moto) = Moto::lock();
    populate(moto);
    let url = moto.url();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secretary.yaml"),
        r#"version: 1
settings:
  stores:
    prefixes: ["prod/west"]
environments:
  production: { tier: production }
secrets:
  WEST_KEY:
    classification: important
    owner: platform
    rotation: { period: 1y, method: manual }
    instances:
      production: { backend: aws_secrets_manager, reference: prod/west, region: us-west-2, last_rotated: 2026-02-01 }
"#,
    )
    .unwrap();
    let r = run(aws(dir.path())
        .args(["check", "--now", NOW, "--format", "json", "--aws"])
        .args(["--endpoint-url", &url, "--region", EU]));
    assert!(r.code == 0 || r.code == 1, "stderr: {}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"store-region-not-read"), "{rules:?}");
    assert!(!rules.contains(&"store-secret-missing"), "{rules:?}");
    assert!(!rules.contains(&"store-secret-undeclared"), "{rules:?}");
}

/// A secret an instance references is read in full (its resource policy,
/// so its readers) even outside `settings.stores`: the scope narrows
/// undeclared-secret findings, never the judgement of a declared secret.
#[test]
fn a_referenced_secret_outside_the_scope_is_read_in_full() {
    let (_guard, moto) = Moto::lock();
    populate(moto);
    let url = moto.url();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secretary.yaml"),
        r#"version: 1
settings:
  stores:
    prefixes: ["prod/"]
environments:
  production: { tier: production }
secrets:
  TOKEN:
    classification: important
    owner: platform
    rotation: { period: 1y, method: manual }
    instances:
      production: { backend: aws_secrets_manager, reference: other-team/token, region: eu-west-1, last_rotated: 2023-01-01 }
"#,
    )
    .unwrap();
    let before = moto.calls().len();
    let r = run(aws(dir.path())
        .args(["check", "--now", NOW, "--format", "json", "--aws"])
        .args(["--endpoint-url", &url, "--region", EU]));
    assert!(r.code == 0 || r.code == 1, "stderr: {}", r.stderr);
    let calls = checked_calls(moto, before);
    // The 3 `prod/` secrets of eu-west-1, and the referenced one.
    assert_eq!(
        count(&calls, "secretsmanager:GetResourcePolicy"),
        4,
        "{calls:?}"
    );
}
