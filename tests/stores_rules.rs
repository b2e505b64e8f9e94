//! Every secret store rule, positive and negative, judged through the
//! library's one pipeline (`secretary::load` then `secretary::judge`) on
//! the observation a `--aws-snapshot` file gives: the IAM state and the
//! stores of `tests/fixtures/stores/snapshot.json`. The clean snapshot
//! gives only the acknowledged broad reader; each case changes one thing
//! and must give exactly the findings listed. Builds and passes without
//! the AWS SDK.

use crate::common;

use std::sync::Arc;

use common::repo_root;
use serde_json::{json, Value};

use secretary::observe::Observations;
use secretary::source::SourceTexts;
use secretary::CheckRequest;

const INVENTORY: &str = "tests/fixtures/stores/inventory.yaml";
const NOW: &str = "2026-12-06";

fn clean() -> Value {
    let text = std::fs::read_to_string(repo_root().join("tests/fixtures/stores/snapshot.json"))
        .expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// The findings of a check of the fixture inventory (`inventory` replaced
/// by `edit` when given) against `snapshot`, as `rule entity: message`.
fn judge_with(
    snapshot: &Value,
    edit: Option<&dyn Fn(&str) -> String>,
    policies: &[&str],
) -> Vec<String> {
    judge_at(snapshot, edit, policies, NOW)
}

/// [`judge_with`] as of `now`.
fn judge_at(
    snapshot: &Value,
    edit: Option<&dyn Fn(&str) -> String>,
    policies: &[&str],
    now: &str,
) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut inventory = repo_root().join(INVENTORY);
    if let Some(edit) = edit {
        let text = std::fs::read_to_string(&inventory).unwrap();
        inventory = dir.path().join("inventory.yaml");
        std::fs::write(&inventory, edit(&text)).unwrap();
    }
    let mut policy_paths = Vec::new();
    for (index, policy) in policies.iter().enumerate() {
        let path = dir.path().join(format!("rule{index}.cedar"));
        std::fs::write(&path, policy).unwrap();
        policy_paths.push(path);
    }
    // Through the loader `--aws-snapshot` uses: every case is a valid file.
    let (iam, stores) = secretary::observe::stores::file::parse(
        &Arc::from("snapshot.json"),
        &serde_json::to_string_pretty(snapshot).unwrap(),
        &secretary::observe::stores::file::AWS,
    )
    .unwrap_or_else(|e| panic!("the snapshot loads: {e:?}"));
    let stores = stores.expect("a version 2 snapshot has stores");
    let request = CheckRequest {
        inventory: secretary::InventorySource::Paths(vec![inventory]),
        policy_paths,
        builtin_policies: true,
        loaded_rules: None,
        now: now.parse().unwrap(),
        packs: Vec::new(),
    };
    let mut texts = SourceTexts::default();
    let loaded = match secretary::load(&request, &mut texts) {
        Ok(loaded) => loaded,
        Err(errors) => panic!("{errors:?}"),
    };
    let observations = Observations {
        iam: Some(iam),
        stores: Some(stores),
        ..Observations::default()
    };
    let checked = secretary::judge(loaded, &observations);
    // The IAM rules are tested on their own (iam_rules.rs).
    let mut out: Vec<String> = checked
        .report
        .findings
        .iter()
        .filter(|f| !f.rule.starts_with("iam-"))
        .map(|f| format!("{} {}: {}", f.rule, f.entity_text(), f.message))
        .collect();
    out.sort();
    out
}

fn judge(snapshot: &Value) -> Vec<String> {
    judge_with(snapshot, None, &[])
}

/// The rule ids of `findings` (with their entity), for exact comparison.
fn ids(findings: &[String]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f.split(": ").next().unwrap().to_owned())
        .collect()
}

const ACKNOWLEDGED: &str =
    "store-reader-wildcard-acknowledged StoreReader::\"arn:aws:iam::111122223333:role/admin\"";

#[track_caller]
fn expect(findings: &[String], extra: &[&str]) {
    let mut want: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    want.push(ACKNOWLEDGED.to_owned());
    want.sort();
    assert_eq!(ids(findings), want, "{findings:#?}");
}

fn at<'a>(snapshot: &'a mut Value, pointer: &str) -> &'a mut Value {
    snapshot
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no `{pointer}` in the fixture"))
}

const SM: &str = "/stores/regions/0/secrets_manager";

#[test]
fn the_clean_account_has_only_the_acknowledged_admin() {
    let findings = judge(&clean());
    expect(&findings, &[]);
    assert!(
        findings[0].contains("role `admin` (identity `admin`) can read every secret in secrets_manager, ssm through statement #1 of managed policy `AdministratorAccess`; acknowledged: break-glass"),
        "{findings:#?}"
    );
}

#[test]
fn a_reference_the_store_lacks_is_missing() {
    let mut s = clean();
    *at(&mut s, &format!("{SM}/1/name")) = json!("prod/signing-key-old");
    *at(&mut s, &format!("{SM}/1/arn")) =
        json!("arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/signing-key-old-Zy98Xw");
    let findings = judge(&s);
    // The renamed secret is in scope and now undeclared, too.
    expect(
        &findings,
        &[
            "store-secret-missing Secret::\"SIGNING_KEY\"",
            "store-secret-undeclared StoreItem::\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/signing-key-old-Zy98Xw\"",
        ],
    );
}

#[test]
fn undeclared_secrets_count_only_in_scope_and_not_when_aws_owns_them() {
    let mut s = clean();
    // Out of scope (billing/) and owned by RDS: no finding in the clean run.
    // In scope, secure, unreferenced: a finding; a plain String parameter is not a secret.
    let secrets = at(&mut s, SM).as_array_mut().unwrap();
    secrets.push(json!({"name": "prod/orphan", "arn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/orphan-Aa11Bb"}));
    let params = at(&mut s, "/stores/regions/0/ssm").as_array_mut().unwrap();
    params.push(json!({"name": "/prod/feature-flags", "arn": "arn:aws:ssm:eu-west-1:111122223333:parameter/prod/feature-flags", "type": "String"}));
    params.push(json!({"name": "/prod/old-token", "arn": "arn:aws:ssm:eu-west-1:111122223333:parameter/prod/old-token", "type": "SecureString"}));
    expect(
        &judge(&s),
        &[
            "store-secret-undeclared StoreItem::\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/orphan-Aa11Bb\"",
            "store-secret-undeclared StoreItem::\"arn:aws:ssm:eu-west-1:111122223333:parameter/prod/old-token\"",
        ],
    );
    // Without a scope, every secret is in scope (RDS's still exempt).
    let unscoped = |text: &str| text.replace("    prefixes: [\"prod/\", \"/prod/\"]\n", "");
    let findings = judge_with(&clean(), Some(&unscoped), &[]);
    expect(
        &findings,
        &["store-secret-undeclared StoreItem::\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:billing/stripe-key-Po09Iu\""],
    );
    // Scoped by tag instead: only the tagged secret is in scope.
    let by_tag = |text: &str| {
        text.replace(
            "    prefixes: [\"prod/\", \"/prod/\"]\n",
            "    tags: { team: billing }\n",
        )
    };
    let mut tagged = clean();
    at(&mut tagged, &format!("{SM}/3"))
        .as_object_mut()
        .unwrap()
        .insert("tags".into(), json!({"team": "billing"}));
    expect(
        &judge_with(&tagged, Some(&by_tag), &[]),
        &["store-secret-undeclared StoreItem::\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:billing/stripe-key-Po09Iu\""],
    );
}

#[test]
fn automated_rotation_must_be_enabled_within_the_period() {
    // Rotation off: the current version's date stands for the rotation date.
    let mut s = clean();
    *at(&mut s, &format!("{SM}/0/rotation_enabled")) = json!(false);
    at(&mut s, &format!("{SM}/0"))
        .as_object_mut()
        .unwrap()
        .insert(
            "current_version_created".into(),
            json!("2026-11-01T03:00:00Z"),
        );
    expect(
        &judge(&s),
        &["store-rotation-disabled Secret::\"SERVICE_KEY\""],
    );
    let mut s = clean();
    *at(&mut s, &format!("{SM}/0/rotation_days")) = json!(120);
    let findings = judge(&s);
    expect(
        &findings,
        &["store-rotation-disabled Secret::\"SERVICE_KEY\""],
    );
    assert!(findings
        .iter()
        .any(|f| f.contains("an interval of 120 days (period 90 days)")));
}

#[test]
fn the_store_date_replaces_the_declared_one_and_drift_is_reported() {
    // The store says August: the declared November is wrong, and the value
    // is overdue although the inventory says it is fresh.
    let mut s = clean();
    *at(&mut s, &format!("{SM}/0/last_rotated")) = json!("2026-08-01T03:00:00Z");
    let findings = judge(&s);
    expect(
        &findings,
        &[
            "rotation-overdue Secret::\"SERVICE_KEY\"",
            "store-rotation-date-drift Secret::\"SERVICE_KEY\"",
        ],
    );
    assert!(findings.iter().any(|f| f.contains("declares last_rotated 2026-11-01, but the store's current value dates from 2026-08-01 (92 days apart)")), "{findings:#?}");
    assert!(
        findings
            .iter()
            .any(|f| f.contains("last rotated 127 days ago")),
        "{findings:#?}"
    );
    // A day apart is not drift (time zones, a rotation at midnight).
    let mut s = clean();
    *at(&mut s, &format!("{SM}/0/last_rotated")) = json!("2026-11-02T01:00:00Z");
    expect(&judge(&s), &[]);
}

#[test]
fn last_changed_is_never_a_rotation_and_a_missing_date_is_not_fresh() {
    // Without rotation, the current version's date counts; LastChangedDate
    // (a tag edit) does not, however recent.
    let mut s = clean();
    *at(&mut s, &format!("{SM}/1/current_version_created")) = json!("2025-06-01T12:00:00Z");
    *at(&mut s, &format!("{SM}/1/created")) = json!("2025-06-01T12:00:00Z");
    let findings = judge(&s);
    expect(
        &findings,
        &[
            "rotation-overdue Secret::\"SIGNING_KEY\"",
            "store-rotation-date-drift Secret::\"SIGNING_KEY\"",
        ],
    );
    // No version date: the creation date is the oldest the value can be.
    let mut s = clean();
    at(&mut s, &format!("{SM}/1"))
        .as_object_mut()
        .unwrap()
        .remove("current_version_created");
    let findings = judge(&s);
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("rotation-overdue Secret::\"SIGNING_KEY\"")),
        "{findings:#?}"
    );
    // No date at all: said, and the declared date is kept, not a fresh one.
    let mut s = clean();
    let secret = at(&mut s, &format!("{SM}/1")).as_object_mut().unwrap();
    secret.remove("current_version_created");
    secret.remove("created");
    expect(
        &judge(&s),
        &["store-rotation-date-unknown Secret::\"SIGNING_KEY\""],
    );
}

#[test]
fn unused_secrets_and_the_aws_managed_key() {
    let mut s = clean();
    *at(&mut s, &format!("{SM}/0/last_accessed")) = json!("2026-06-01T00:00:00Z");
    let findings = judge(&s);
    expect(&findings, &["store-secret-unused Secret::\"SERVICE_KEY\""]);
    assert!(findings
        .iter()
        .any(|f| f.contains("last read 188 days ago (limit 90)")));
    // Never read: counted from creation.
    let mut s = clean();
    at(&mut s, &format!("{SM}/0"))
        .as_object_mut()
        .unwrap()
        .remove("last_accessed");
    expect(&judge(&s), &["store-secret-unused Secret::\"SERVICE_KEY\""]);

    let mut s = clean();
    *at(&mut s, &format!("{SM}/0/kms_key_id")) = json!(null);
    *at(&mut s, "/stores/regions/0/ssm/0/key_id") = json!("alias/aws/ssm");
    expect(
        &judge(&s),
        &[
            "store-default-kms-key Secret::\"DB_PASSWORD\"",
            "store-default-kms-key Secret::\"SERVICE_KEY\"",
        ],
    );
    let mut s = clean();
    *at(&mut s, "/stores/regions/0/ssm/0/type") = json!("String");
    expect(
        &judge(&s),
        &["store-parameter-plaintext Secret::\"DB_PASSWORD\""],
    );
}

#[test]
fn a_region_the_run_did_not_read_is_reported_not_passed() {
    let other = |text: &str| text.replace("region: eu-west-1", "region: us-east-2");
    // The parameter it meant is then undeclared, too.
    expect(
        &judge_with(&clean(), Some(&other), &[]),
        &[
            "store-region-not-read Secret::\"DB_PASSWORD\"",
            "store-secret-undeclared StoreItem::\"arn:aws:ssm:eu-west-1:111122223333:parameter/prod/db-password\"",
        ],
    );
}

#[test]
fn readers_are_judged_against_iam_and_resource_policies() {
    let mut s = clean();
    // The worker's role may read the service key, and an undeclared user
    // may read it through the secret's resource policy.
    let worker = at(&mut s, "/roles/2/inline_policies/0/document/Statement")
        .as_array_mut()
        .unwrap();
    worker.push(json!({"Sid": "TooBroad", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/service-*"}));
    at(&mut s, &format!("{SM}/0")).as_object_mut().unwrap().insert("resource_policy".into(), json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Contractor", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    ]}));
    let findings = judge(&s);
    expect(
        &findings,
        &[
            "store-reader-not-allowed Secret::\"SERVICE_KEY\"",
            "store-reader-not-allowed Secret::\"SERVICE_KEY\"",
        ],
    );
    assert!(findings.iter().any(|f| f.contains("role `worker` (identity `worker-role`) can read SERVICE_KEY in prod through statement `TooBroad` of inline policy `secrets` of role `worker`, but its allowed readers are gateway")), "{findings:#?}");
    assert!(findings.iter().any(|f| f.contains("user `bob` (undeclared) can read SERVICE_KEY in prod through statement `Contractor` of the resource policy of secret `prod/service-key`")), "{findings:#?}");

    // A project rule about reads judges the access IAM allows as well.
    let gateway_only = r#"
@id("service-key-gateway-only")
@severity("critical")
@message("{principal} reads {resource}")
forbid(principal, action == Action::"read", resource == Secret::"SERVICE_KEY")
unless { principal == Service::"gateway" };
"#;
    let findings = judge_with(&s, None, &[gateway_only]);
    assert!(
        findings.contains(
            &"service-key-gateway-only Secret::\"SERVICE_KEY\": worker reads SERVICE_KEY"
                .to_owned()
        ),
        "{findings:#?}"
    );
    // ... and says where the read comes from.
    let from_iam = r#"
@id("live-reads")
@severity("info")
@message("{principal} may read {resource}")
forbid(principal, action == Action::"read", resource)
when { context has source && context.source == "iam" && !context.declared };
"#;
    let findings = judge_with(&s, None, &[from_iam]);
    assert!(
        findings.contains(
            &"live-reads Secret::\"SERVICE_KEY\": worker may read SERVICE_KEY".to_owned()
        ),
        "{findings:#?}"
    );
}

#[test]
fn a_deny_takes_a_reader_away_and_a_condition_does_not() {
    let mut s = clean();
    let worker = at(&mut s, "/roles/2/inline_policies/0/document/Statement")
        .as_array_mut()
        .unwrap();
    worker.push(json!({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/service-*"}));
    worker.push(json!({"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"Bool": {"aws:ViaAWSService": "false"}}}));
    expect(
        &judge(&s),
        &["store-reader-not-allowed Secret::\"SERVICE_KEY\""],
    );
    let worker = at(&mut s, "/roles/2/inline_policies/0/document/Statement")
        .as_array_mut()
        .unwrap();
    worker
        .last_mut()
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove("Condition");
    expect(&judge(&s), &[]);
}

#[test]
fn broad_readers_are_reported_once_unless_privileged() {
    let mut s = clean();
    let roles = at(&mut s, "/roles").as_array_mut().unwrap();
    roles.push(json!({
        "name": "sso-readonly",
        "arn": "arn:aws:iam::111122223333:role/sso-readonly",
        "inline_policies": [{"name": "all-secrets", "document": {"Statement": [
            {"Sid": "All", "Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}
        ]}}]
    }));
    let findings = judge(&s);
    expect(
        &findings,
        &["store-reader-wildcard StoreReader::\"arn:aws:iam::111122223333:role/sso-readonly\""],
    );
    assert!(findings.iter().any(|f| f.contains("role `sso-readonly` (undeclared) can read every secret in secrets_manager through statement `All` of inline policy `all-secrets` of role `sso-readonly`")), "{findings:#?}");
    // Without the privileged declaration, the admin is a finding too.
    let plain = |text: &str| {
        text.replace("    privileged: true\n", "")
            .replace("    privileged_reason: break-glass administrator role, used under incident procedure\n", "")
    };
    let findings = judge_with(&clean(), Some(&plain), &[]);
    assert_eq!(
        ids(&findings),
        ["store-reader-wildcard StoreReader::\"arn:aws:iam::111122223333:role/admin\""]
    );
}

/// The two examples that keep production secrets in Secrets Manager, checked
/// against their recorded AWS snapshots through the real binary: the
/// findings are pinned, and each example's README explains them.
#[test]
fn the_examples_recorded_aws_snapshots_give_the_documented_findings() {
    let root = repo_root();
    for example in ["supabase-gateway", "agent-platform"] {
        let dir = format!("examples/{example}");
        let r = common::run(common::secretary(&root).args([
            "check",
            &format!("{dir}/inventory.yaml"),
            "--policies",
            &format!("{dir}/policies"),
            "--aws-snapshot",
            &format!("{dir}/aws-snapshot.json"),
            "--now",
            common::NOW,
            "--format",
            "json",
        ]));
        assert_eq!(r.code, 1, "{example}: {}", r.stderr);
        let report = common::json(&r.stdout);
        let keys: Vec<String> = common::finding_keys(&report)
            .into_iter()
            .filter(|(rule, ..)| !rule.starts_with("rotation-period-missing"))
            .map(|(rule, entity, env, principal)| format!("{rule} {entity} {env} {principal}"))
            .collect();
        insta::assert_snapshot!(format!("aws-snapshot-{example}"), keys.join("\n"));
    }
}

/// The same account judged a year and three years on: the store's dates
/// age like declared ones (nothing is assumed fresh), and no rule breaks.
#[test]
fn the_store_dates_age_with_now() {
    let year = judge_at(&clean(), None, &[], "2027-12-06");
    expect(
        &year,
        &[
            "rotation-overdue Secret::\"DB_PASSWORD\"",
            "rotation-overdue Secret::\"SERVICE_KEY\"",
            "rotation-overdue Secret::\"SIGNING_KEY\"",
            "store-secret-unused Secret::\"SERVICE_KEY\"",
            "store-secret-unused Secret::\"SIGNING_KEY\"",
        ],
    );
    assert!(
        year.iter()
            .any(|f| f.contains("SERVICE_KEY in prod was last rotated 400 days ago")),
        "{year:#?}"
    );
    let three = judge_at(&clean(), None, &[], "2029-12-06");
    assert_eq!(ids(&three), ids(&year), "{three:#?}");
    assert!(
        three.iter().any(|f| f.contains("last read 1102 days ago")),
        "{three:#?}"
    );
}
