//! Values (issue 5): `value:` sources read with `check --env`, the facts and
//! rules of `policies/values.cedar`, keyed fingerprints, `secretary
//! fingerprint` files and `check --fingerprints`, and canary values that
//! must never appear in any output.
//!
//! Every test writes a real inventory, real files and `.env` files into a
//! temporary directory and sets real environment variables on the child
//! process.

use crate::common;

use std::fs;
use std::path::Path;

use common::{assert_contains, finding_keys, json, run, secretary, NOW};

const KEY_VAR: &str = "SECRETARY_TEST_FP_KEY";
const KEY: &str = "test-fingerprint-key-2f9c4b1e";
const OTHER_KEY: &str = "another-fingerprint-key-8d1a";

/// An inventory with one secret per value source kind, plus a
/// formatted key. `{VALUES}` lets a test add instances.
const INVENTORY: &str = r#"version: 1
environments:
  production: { tier: production }
  staging: { tier: staging }
services:
  api: { kind: api }
secrets:
  DB_PASSWORD:
    classification: important
    owner: platform
    rotation: { period: 90d }
    instances:
      production:
        backend: env_var
        env_var: DB_PASSWORD
        last_rotated: 2026-10-01
        value: { env: DB_PASSWORD }
      staging:
        backend: dotenv
        env_var: DB_PASSWORD
        last_rotated: 2026-10-01
        value: { dotenv: staging.env }
  ADMIN_PASSWORD:
    classification: important
    owner: platform
    rotation: { period: 90d }
    instances:
      production:
        backend: docker_secret
        file: { path: /run/secrets/admin_password, mode: "0600" }
        last_rotated: 2026-10-01
        value: { file: secrets/admin_password }
  BROKER_ENCRYPTION_KEY:
    classification: critical
    owner: platform
    rotation: { period: 90d }
    format: { pattern: "[0-9a-f]{64}" }
    instances:
      production:
        backend: env_var
        env_var: BROKER_ENCRYPTION_KEY
        last_rotated: 2026-10-01
        value: { env: BROKER_ENCRYPTION_KEY }
  SESSION_SECRET:
    classification: critical
    owner: platform
    rotation: { period: 90d }
    instances:
      production:
        backend: env_var
        env_var: SESSION_SECRET
        last_rotated: 2026-10-01
        value: { env: SESSION_SECRET }
"#;

const GOOD_DB: &str = "prod-db-Hq8xV2mK9pL4rT7w";
const GOOD_STAGING_DB: &str = "staging-db-Zt5nB3cY8dF1gJ6q";
const GOOD_ADMIN: &str = "admin-Wm4kP9sX2vN7bQ5e";
const GOOD_SESSION: &str = "session-Lr6tG1hU8yE3aK0z";

fn good_broker() -> String {
    "0123456789abcdef".repeat(4)
}

/// A directory with the inventory and good values in its files.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("secretary.yaml"), INVENTORY).unwrap();
    fs::write(
        dir.path().join("staging.env"),
        format!("# staging\nDB_PASSWORD={GOOD_STAGING_DB}\n"),
    )
    .unwrap();
    fs::create_dir(dir.path().join("secrets")).unwrap();
    fs::write(
        dir.path().join("secrets/admin_password"),
        format!("{GOOD_ADMIN}\n"),
    )
    .unwrap();
    dir
}

/// `secretary check --env production --env staging` with good values in the
/// environment, `overrides` replacing some (`None` removes the variable).
fn check_cmd(dir: &Path, overrides: &[(&str, Option<&str>)]) -> assert_cmd::Command {
    let mut cmd = secretary(dir);
    cmd.args([
        "check",
        "--now",
        NOW,
        "--color",
        "never",
        "--env",
        "production",
        "--env",
        "staging",
        "--fingerprint-key-env",
        KEY_VAR,
    ])
    .env(KEY_VAR, KEY)
    .env("DB_PASSWORD", GOOD_DB)
    .env("BROKER_ENCRYPTION_KEY", good_broker())
    .env("SESSION_SECRET", GOOD_SESSION);
    for (name, value) in overrides {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        };
    }
    cmd
}

/// The value findings of a JSON check: (rule, entity, environment).
fn value_findings(cmd: &mut assert_cmd::Command) -> (i32, Vec<(String, String, String)>, String) {
    cmd.args(["--format", "json"]);
    let out = run(cmd);
    assert!(
        out.code == 0 || out.code == 1,
        "exit {}: {}",
        out.code,
        out.stderr
    );
    let report = json(&out.stdout);
    let keys = finding_keys(&report)
        .into_iter()
        .filter(|(rule, ..)| rule.starts_with("secret-value") || rule.starts_with("fingerprint"))
        .map(|(rule, entity, env, _)| (rule, entity, env))
        .collect();
    (out.code, keys, out.stdout)
}

fn key(rule: &str, secret: &str, env: &str) -> (String, String, String) {
    (
        rule.to_owned(),
        format!("Secret::\"{secret}\""),
        env.to_owned(),
    )
}

#[test]
fn good_values_have_no_findings_and_are_observed() {
    let dir = setup();
    let (_, findings, _) = value_findings(&mut check_cmd(dir.path(), &[]));
    assert_eq!(findings, vec![], "good values are compliant");
}

#[test]
fn a_declared_value_that_is_not_there_is_a_finding() {
    let dir = setup();
    fs::remove_file(dir.path().join("secrets/admin_password")).unwrap();
    fs::write(dir.path().join("staging.env"), "OTHER=1\n").unwrap();
    let (code, findings, stdout) =
        value_findings(&mut check_cmd(dir.path(), &[("SESSION_SECRET", None)]));
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        vec![
            key("secret-value-missing", "ADMIN_PASSWORD", "production"),
            key("secret-value-missing", "DB_PASSWORD", "staging"),
            key("secret-value-missing", "SESSION_SECRET", "production"),
        ]
    );
    assert_contains(&stdout, "has no value at env var `SESSION_SECRET`");
    assert_contains(&stdout, "has no value at file `secrets/admin_password`");
    assert_contains(&stdout, "has no value at `DB_PASSWORD` in `staging.env`");
}

#[test]
fn a_missing_dotenv_file_is_a_missing_value() {
    let dir = setup();
    fs::remove_file(dir.path().join("staging.env")).unwrap();
    let (_, findings, _) = value_findings(&mut check_cmd(dir.path(), &[]));
    assert_eq!(
        findings,
        vec![key("secret-value-missing", "DB_PASSWORD", "staging")]
    );
}

#[test]
fn empty_values_are_findings() {
    let dir = setup();
    fs::write(dir.path().join("secrets/admin_password"), "\n").unwrap();
    let (_, findings, stdout) =
        value_findings(&mut check_cmd(dir.path(), &[("SESSION_SECRET", Some(""))]));
    assert_eq!(
        findings,
        vec![
            key("secret-value-empty", "ADMIN_PASSWORD", "production"),
            key("secret-value-empty", "SESSION_SECRET", "production"),
        ]
    );
    assert_contains(&stdout, "is empty at env var `SESSION_SECRET`");
}

#[test]
fn placeholders_and_example_values_are_findings() {
    let dir = setup();
    // The example value of DB_PASSWORD, copied into the staging .env file.
    let example = "s3cr3t-from-the-example-file-Jq7";
    let inventory = format!("{INVENTORY}sources:\n  env_example: [.env.example]\n");
    fs::write(dir.path().join("secretary.yaml"), inventory).unwrap();
    fs::write(
        dir.path().join(".env.example"),
        format!("DB_PASSWORD={example}\nSESSION_SECRET=\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join("staging.env"),
        format!("DB_PASSWORD=\"{example}\"\n"),
    )
    .unwrap();
    let (_, findings, stdout) = value_findings(&mut check_cmd(
        dir.path(),
        &[("SESSION_SECRET", Some("your-32-char-min-key-goes-here"))],
    ));
    assert_eq!(
        findings,
        vec![
            key("secret-value-placeholder", "DB_PASSWORD", "staging"),
            key("secret-value-placeholder", "SESSION_SECRET", "production"),
        ]
    );
    assert_contains(
        &stdout,
        "DB_PASSWORD in staging is the example value of `DB_PASSWORD` in `.env.example` (at `DB_PASSWORD` in `staging.env` line 1)",
    );
    assert_contains(
        &stdout,
        "SESSION_SECRET in production is a well-known placeholder",
    );
}

#[test]
fn a_value_outside_its_format_is_a_finding() {
    let dir = setup();
    // 63 hex characters, then an upper-case one: both miss the pattern.
    for bad in [&good_broker()[1..], &good_broker().to_uppercase()] {
        let (_, findings, stdout) = value_findings(&mut check_cmd(
            dir.path(),
            &[("BROKER_ENCRYPTION_KEY", Some(bad))],
        ));
        assert_eq!(
            findings,
            vec![key(
                "secret-value-format-mismatch",
                "BROKER_ENCRYPTION_KEY",
                "production"
            )]
        );
        assert_contains(&stdout, "does not match its format pattern `[0-9a-f]{64}`");
    }
    // Lengths.
    let inventory = INVENTORY.replace(
        "format: { pattern: \"[0-9a-f]{64}\" }",
        "format: { min_length: 70, max_length: 80 }",
    );
    fs::write(dir.path().join("secretary.yaml"), inventory).unwrap();
    let (_, findings, stdout) = value_findings(&mut check_cmd(dir.path(), &[]));
    assert_eq!(
        findings,
        vec![key(
            "secret-value-format-mismatch",
            "BROKER_ENCRYPTION_KEY",
            "production"
        )]
    );
    assert_contains(
        &stdout,
        "has 64 characters, fewer than the 70 its format requires",
    );
}

#[test]
fn a_short_critical_secret_is_a_finding_unless_its_format_decides() {
    let dir = setup();
    let (_, findings, stdout) = value_findings(&mut check_cmd(
        dir.path(),
        &[("SESSION_SECRET", Some("Xk4#pQ9!zR"))],
    ));
    assert_eq!(
        findings,
        vec![key(
            "secret-value-too-short",
            "SESSION_SECRET",
            "production"
        )]
    );
    assert_contains(
        &stdout,
        "has 10 characters, fewer than 16 for a critical secret",
    );
    // 16 characters is enough.
    let (_, findings, _) = value_findings(&mut check_cmd(
        dir.path(),
        &[("SESSION_SECRET", Some("Xk4#pQ9!zR2&vB7m"))],
    ));
    assert_eq!(findings, vec![]);
    // An important (not critical) secret may be short: DB_PASSWORD.
    let (_, findings, _) = value_findings(&mut check_cmd(
        dir.path(),
        &[("DB_PASSWORD", Some("Xk4#pQ9!zR"))],
    ));
    assert_eq!(findings, vec![]);
    // A declared format decides instead.
    let inventory = INVENTORY.replace(
        "  SESSION_SECRET:\n    classification: critical\n",
        "  SESSION_SECRET:\n    classification: critical\n    format: { max_length: 12 }\n",
    );
    fs::write(dir.path().join("secretary.yaml"), inventory).unwrap();
    let (_, findings, _) = value_findings(&mut check_cmd(
        dir.path(),
        &[("SESSION_SECRET", Some("Xk4#pQ9!zR"))],
    ));
    assert_eq!(findings, vec![]);
}

#[test]
fn shared_values_are_found_through_fingerprints() {
    let dir = setup();
    // Staging's .env holds production's password; the admin file holds it too.
    fs::write(
        dir.path().join("staging.env"),
        format!("DB_PASSWORD={GOOD_DB}\n"),
    )
    .unwrap();
    fs::write(dir.path().join("secrets/admin_password"), GOOD_DB).unwrap();
    let (_, findings, _) = value_findings(&mut check_cmd(dir.path(), &[]));
    assert_eq!(
        findings,
        vec![
            key(
                "fingerprint-reused-across-environments",
                "DB_PASSWORD",
                "production"
            ),
            key(
                "fingerprint-reused-across-environments",
                "DB_PASSWORD",
                "staging"
            ),
            key(
                "fingerprint-reused-across-secrets",
                "ADMIN_PASSWORD",
                "production"
            ),
            key(
                "fingerprint-reused-across-secrets",
                "DB_PASSWORD",
                "production"
            ),
            key(
                "fingerprint-reused-across-secrets",
                "DB_PASSWORD",
                "staging"
            ),
        ]
    );
}

#[test]
fn observed_fingerprints_replace_declared_ones_and_key_spaces_never_mix() {
    let dir = setup();
    // The inventory declares one fingerprint for both environments (a reuse),
    // but the observed values differ: the observation wins.
    let declared = INVENTORY
        .replace(
            "        value: { env: DB_PASSWORD }\n",
            "        value: { env: DB_PASSWORD }\n        fingerprint: declared-1\n",
        )
        .replace(
            "        value: { dotenv: staging.env }\n",
            "        value: { dotenv: staging.env }\n        fingerprint: declared-1\n",
        );
    fs::write(dir.path().join("secretary.yaml"), &declared).unwrap();
    let mut plain = secretary(dir.path());
    plain.args(["check", "--now", NOW]);
    let (_, findings, _) = value_findings(&mut plain);
    assert_eq!(
        findings.len(),
        2,
        "declared fingerprints are compared without --env"
    );
    let (_, findings, _) = value_findings(&mut check_cmd(dir.path(), &[]));
    assert_eq!(findings, vec![]);

    // A declared fingerprint equal to an observed one is another key space:
    // never compared. Declare staging's fingerprint as what production's
    // observed fingerprint is, and observe only production.
    let fp = fingerprint_file(dir.path(), "production", KEY, &[]);
    let observed = fp["fingerprints"]["DB_PASSWORD"]
        .as_str()
        .unwrap()
        .to_owned();
    let mixed = INVENTORY.replace(
        "        value: { dotenv: staging.env }\n",
        &format!("        value: {{ dotenv: staging.env }}\n        fingerprint: \"{observed}\"\n"),
    );
    fs::write(dir.path().join("secretary.yaml"), mixed).unwrap();
    let mut cmd = secretary(dir.path());
    cmd.args([
        "check",
        "--now",
        NOW,
        "--env",
        "production",
        "--fingerprint-key-env",
        KEY_VAR,
    ])
    .env(KEY_VAR, KEY)
    .env("DB_PASSWORD", GOOD_DB)
    .env("BROKER_ENCRYPTION_KEY", good_broker())
    .env("SESSION_SECRET", GOOD_SESSION);
    let (_, findings, _) = value_findings(&mut cmd);
    assert_eq!(findings, vec![]);
}

/// Runs `secretary fingerprint --env ENV` with `key` and good values (plus
/// `overrides`), and returns the file it wrote.
fn fingerprint_file(
    dir: &Path,
    env: &str,
    key: &str,
    overrides: &[(&str, &str)],
) -> serde_json::Value {
    let out_path = dir.join(format!("fp-{env}.json"));
    let mut cmd = fingerprint_cmd(dir, env, key);
    for (name, value) in overrides {
        cmd.env(name, value);
    }
    cmd.args(["-o", out_path.to_str().unwrap()]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "", "with -o nothing goes to stdout");
    json(&fs::read_to_string(out_path).unwrap())
}

fn fingerprint_cmd(dir: &Path, env: &str, key: &str) -> assert_cmd::Command {
    let mut cmd = secretary(dir);
    cmd.args([
        "fingerprint",
        "--env",
        env,
        "--fingerprint-key-env",
        KEY_VAR,
        "--now",
        NOW,
        "--color",
        "never",
    ])
    .env(KEY_VAR, key)
    .env("DB_PASSWORD", GOOD_DB)
    .env("BROKER_ENCRYPTION_KEY", good_broker())
    .env("SESSION_SECRET", GOOD_SESSION);
    cmd
}

#[test]
fn fingerprint_files_are_stable_per_key_and_differ_across_keys() {
    let dir = setup();
    let first = run(&mut fingerprint_cmd(dir.path(), "production", KEY));
    let second = run(&mut fingerprint_cmd(dir.path(), "production", KEY));
    let other = run(&mut fingerprint_cmd(dir.path(), "production", OTHER_KEY));
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(
        first.stdout, second.stdout,
        "byte-identical with the same key"
    );
    let a = json(&first.stdout);
    let b = json(&other.stdout);
    assert_eq!(a["version"], 1);
    assert_eq!(a["environment"], "production");
    assert_eq!(a["key_id"].as_str().unwrap().len(), 16);
    assert_ne!(a["key_id"], b["key_id"]);
    let secrets: Vec<&String> = a["fingerprints"].as_object().unwrap().keys().collect();
    assert_eq!(
        secrets,
        [
            "ADMIN_PASSWORD",
            "BROKER_ENCRYPTION_KEY",
            "DB_PASSWORD",
            "SESSION_SECRET"
        ]
    );
    for secret in secrets {
        let fp = a["fingerprints"][secret].as_str().unwrap();
        assert!(
            fp.starts_with("hmac-sha256:") && fp.len() == 12 + 64,
            "{fp}"
        );
        assert_ne!(fp, b["fingerprints"][secret].as_str().unwrap());
    }
    assert_eq!(a["missing"], serde_json::json!([]));
    // Another value, another fingerprint.
    let changed = json(
        &run(fingerprint_cmd(dir.path(), "production", KEY).env("DB_PASSWORD", "x-other-value"))
            .stdout,
    );
    assert_ne!(
        changed["fingerprints"]["DB_PASSWORD"],
        a["fingerprints"]["DB_PASSWORD"]
    );
    assert_eq!(
        changed["fingerprints"]["SESSION_SECRET"],
        a["fingerprints"]["SESSION_SECRET"]
    );
}

#[test]
fn fingerprint_lists_missing_values_and_exits_1() {
    let dir = setup();
    let out_path = dir.path().join("fp.json");
    let out = run(fingerprint_cmd(dir.path(), "production", KEY)
        .env_remove("SESSION_SECRET")
        .args(["-o", out_path.to_str().unwrap()]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_contains(
        &out.stderr,
        "no value found in `production` for `SESSION_SECRET`",
    );
    let file = json(&fs::read_to_string(&out_path).unwrap());
    assert_eq!(file["missing"], serde_json::json!(["SESSION_SECRET"]));
    assert!(file["fingerprints"].get("SESSION_SECRET").is_none());
    // An empty value has no fingerprint: it is listed as empty.
    let out = run(fingerprint_cmd(dir.path(), "production", KEY)
        .env("SESSION_SECRET", "")
        .args(["-o", out_path.to_str().unwrap()]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let file = json(&fs::read_to_string(&out_path).unwrap());
    assert_eq!(file["empty"], serde_json::json!(["SESSION_SECRET"]));
    assert_eq!(file["missing"], serde_json::json!([]));
}

#[test]
fn fingerprint_needs_a_set_key_and_a_known_environment() {
    let dir = setup();
    let out = run(fingerprint_cmd(dir.path(), "production", KEY).env_remove(KEY_VAR));
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[missing-fingerprint-key]");
    let out = run(fingerprint_cmd(dir.path(), "production", KEY).env(KEY_VAR, ""));
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "names a variable that is empty");
    let out = run(&mut fingerprint_cmd(dir.path(), "prodution", KEY));
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[unknown-environment]");
    assert_contains(&out.stderr, "did you mean `--env production`?");
    assert_eq!(out.stdout, "");
}

#[test]
fn fingerprint_without_a_key_uses_a_random_one_and_says_so() {
    let dir = setup();
    let keyless = || {
        let out = run(secretary(dir.path())
            .args([
                "fingerprint",
                "--env",
                "production",
                "--now",
                NOW,
                "--color",
                "never",
            ])
            .env("DB_PASSWORD", GOOD_DB)
            .env("BROKER_ENCRYPTION_KEY", good_broker())
            .env("SESSION_SECRET", GOOD_SESSION));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_contains(&out.stderr, "warning[random-fingerprint-key]");
        json(&out.stdout)
    };
    let (first, second) = (keyless(), keyless());
    assert_ne!(first["key_id"], second["key_id"], "a fresh key per run");
    assert_ne!(first["fingerprints"], second["fingerprints"]);
    assert_eq!(
        first["fingerprints"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        second["fingerprints"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>()
    );
}

#[test]
fn an_unreadable_value_is_not_verified_and_writes_no_file() {
    let dir = setup();
    // A directory where the file should be: it exists but cannot be read.
    fs::remove_file(dir.path().join("secrets/admin_password")).unwrap();
    fs::create_dir(dir.path().join("secrets/admin_password")).unwrap();
    let out_path = dir.path().join("fp.json");
    let out = run(
        fingerprint_cmd(dir.path(), "production", KEY).args(["-o", out_path.to_str().unwrap()])
    );
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[value-not-verified]");
    assert!(!out_path.exists(), "no partial fingerprint file");
    let out = run(&mut check_cmd(dir.path(), &[]));
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[value-not-verified]: the value of `ADMIN_PASSWORD` in `production` (file `secrets/admin_password`) is not verified");
    assert_contains(
        &out.stdout,
        "some observations could not be verified: not compliant",
    );
}

#[test]
fn merged_fingerprint_files_find_values_shared_across_environments() {
    let dir = setup();
    let staging_same = fingerprint_file(dir.path(), "staging", KEY, &[]);
    assert_eq!(staging_same["fingerprints"].as_object().unwrap().len(), 1);
    let _ = fingerprint_file(dir.path(), "production", KEY, &[]);
    // Different values: no finding; the compliance job needs no values.
    let mut cmd = secretary(dir.path());
    cmd.args([
        "check",
        "--now",
        NOW,
        "--fingerprints",
        "fp-production.json",
        "--fingerprints",
        "fp-staging.json",
    ]);
    let (_, findings, _) = value_findings(&mut cmd);
    assert_eq!(findings, vec![]);
    // Staging reuses production's password.
    fs::write(
        dir.path().join("staging.env"),
        format!("DB_PASSWORD={GOOD_DB}\n"),
    )
    .unwrap();
    let _ = fingerprint_file(dir.path(), "staging", KEY, &[]);
    let mut cmd = secretary(dir.path());
    cmd.args([
        "check",
        "--now",
        NOW,
        "--fingerprints",
        "fp-production.json",
        "--fingerprints",
        "fp-staging.json",
    ]);
    let (code, findings, stdout) = value_findings(&mut cmd);
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        vec![
            key(
                "fingerprint-reused-across-environments",
                "DB_PASSWORD",
                "production"
            ),
            key(
                "fingerprint-reused-across-environments",
                "DB_PASSWORD",
                "staging"
            ),
        ]
    );
    assert!(!stdout.contains(GOOD_DB));
    // The same, with production read by this run and staging from its file.
    let mut cmd = check_cmd(dir.path(), &[]);
    let mut cmd2 = secretary(dir.path());
    cmd2.args([
        "check",
        "--now",
        NOW,
        "--env",
        "production",
        "--fingerprint-key-env",
        KEY_VAR,
        "--fingerprints",
        "fp-staging.json",
    ])
    .env(KEY_VAR, KEY)
    .env("DB_PASSWORD", GOOD_DB)
    .env("BROKER_ENCRYPTION_KEY", good_broker())
    .env("SESSION_SECRET", GOOD_SESSION);
    let (_, findings, _) = value_findings(&mut cmd2);
    assert_eq!(findings.len(), 2, "{findings:?}");
    // Reading staging here too is a second source for it.
    cmd.args(["--fingerprints", "fp-staging.json"]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[duplicate-fingerprint-environment]");
    assert_contains(&out.stderr, "fp-staging.json:3:");
}

#[test]
fn missing_values_in_a_fingerprint_file_are_findings() {
    let dir = setup();
    let _ = fingerprint_file(dir.path(), "production", KEY, &[]);
    let path = dir.path().join("fp-production.json");
    let mut file = json(&fs::read_to_string(&path).unwrap());
    file["fingerprints"]
        .as_object_mut()
        .unwrap()
        .remove("SESSION_SECRET");
    file["fingerprints"]
        .as_object_mut()
        .unwrap()
        .remove("ADMIN_PASSWORD");
    file["missing"] = serde_json::json!(["SESSION_SECRET"]);
    file["empty"] = serde_json::json!(["ADMIN_PASSWORD"]);
    fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    let mut cmd = secretary(dir.path());
    cmd.args([
        "check",
        "--now",
        NOW,
        "--fingerprints",
        "fp-production.json",
    ]);
    let (_, findings, stdout) = value_findings(&mut cmd);
    assert_eq!(
        findings,
        vec![
            key("secret-value-empty", "ADMIN_PASSWORD", "production"),
            key("secret-value-missing", "SESSION_SECRET", "production"),
        ]
    );
    assert_contains(
        &stdout,
        "has no value at fingerprint file `fp-production.json`",
    );
}

/// Writes `text` as a fingerprint file and returns `check --fingerprints`'s run.
fn merge_error(dir: &Path, files: &[(&str, String)], extra: &[&str]) -> common::Run {
    let mut cmd = secretary(dir);
    cmd.args(["check", "--now", NOW, "--color", "never"]);
    for (name, text) in files {
        fs::write(dir.join(name), text).unwrap();
        cmd.args(["--fingerprints", name]);
    }
    cmd.args(extra).env(KEY_VAR, KEY);
    let out = run(&mut cmd);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    out
}

#[test]
fn bad_fingerprint_files_are_located_errors() {
    let dir = setup();
    let prod = fs::read_to_string({
        fingerprint_file(dir.path(), "production", KEY, &[]);
        dir.path().join("fp-production.json")
    })
    .unwrap();
    let staging_other_key = {
        let out = run(&mut fingerprint_cmd(dir.path(), "staging", OTHER_KEY));
        out.stdout
    };
    // Files made with different keys.
    let out = merge_error(
        dir.path(),
        &[
            ("a.json", prod.clone()),
            ("b.json", staging_other_key.clone()),
        ],
        &[],
    );
    assert_contains(&out.stderr, "error[fingerprint-key-mismatch]");
    assert_contains(&out.stderr, "b.json:4:");
    assert_contains(&out.stderr, "first key at a.json:4:");
    // A file made with another key than this run's.
    let out = merge_error(
        dir.path(),
        &[("b.json", staging_other_key)],
        &["--fingerprint-key-env", KEY_VAR],
    );
    assert_contains(&out.stderr, "error[fingerprint-key-mismatch]");
    assert_contains(&out.stderr, "this run's key has id");
    // The same environment twice.
    let out = merge_error(
        dir.path(),
        &[("a.json", prod.clone()), ("c.json", prod.clone())],
        &[],
    );
    assert_contains(&out.stderr, "error[duplicate-fingerprint-environment]");
    assert_contains(&out.stderr, "c.json:3:");
    // An environment the inventory lacks.
    let out = merge_error(
        dir.path(),
        &[("d.json", prod.replace("\"production\"", "\"prodution\""))],
        &[],
    );
    assert_contains(&out.stderr, "error[unknown-environment]");
    assert_contains(&out.stderr, "did you mean `production`?");
    // A secret the inventory lacks, and one without an instance there.
    let out = merge_error(
        dir.path(),
        &[(
            "e.json",
            prod.replace("\"SESSION_SECRET\"", "\"SESION_SECRET\""),
        )],
        &[],
    );
    assert_contains(&out.stderr, "error[unknown-fingerprint-secret]");
    assert_contains(&out.stderr, "did you mean `SESSION_SECRET`?");
    let staging = {
        fingerprint_file(dir.path(), "staging", KEY, &[]);
        fs::read_to_string(dir.path().join("fp-staging.json")).unwrap()
    };
    let out = merge_error(
        dir.path(),
        &[(
            "f.json",
            staging.replace("\"DB_PASSWORD\"", "\"SESSION_SECRET\""),
        )],
        &[],
    );
    assert_contains(&out.stderr, "has no instance in `staging`");
    // A secret named in `missing` is located on its line too.
    let listed = prod.replace("\"missing\": []", "\"missing\": [\n    \"NOPE\"\n  ]");
    assert_ne!(listed, prod);
    let line = listed.lines().position(|l| l.contains("NOPE")).unwrap() + 1;
    let out = merge_error(dir.path(), &[("m.json", listed)], &[]);
    assert_contains(
        &out.stderr,
        "names secret `NOPE`, which the inventory does not declare",
    );
    assert_contains(&out.stderr, &format!("m.json:{line}:"));
    // Malformed files.
    let out = merge_error(
        dir.path(),
        &[("g.json", "{\n  \"version\": 1,\n  oops\n".into())],
        &[],
    );
    assert_contains(&out.stderr, "error[invalid-fingerprint-file]");
    assert_contains(&out.stderr, "g.json:3:");
    let out = merge_error(
        dir.path(),
        &[("h.json", prod.replace("hmac-sha256:", "sha1:"))],
        &[],
    );
    assert_contains(&out.stderr, "error[invalid-fingerprint-file]");
    let out = merge_error(
        dir.path(),
        &[("i.json", prod.replace("\"version\": 1", "\"version\": 9"))],
        &[],
    );
    assert_contains(&out.stderr, "version `9` is not supported");
    let out =
        run(secretary(dir.path()).args(["check", "--now", NOW, "--fingerprints", "nope.json"]));
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[cannot-read-fingerprint-file]");
}

#[test]
fn unknown_env_is_a_usage_error_with_a_suggestion() {
    let dir = setup();
    let out = run(secretary(dir.path()).args(["check", "--now", NOW, "--env", "stagign"]));
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[unknown-environment]: `--env stagign` names an environment the inventory does not declare");
    assert_contains(&out.stderr, "did you mean `--env staging`?");
    assert_eq!(out.stdout, "");
    // An environment without any `value:` reads nothing, and says so.
    let inventory = INVENTORY.replace("        value: { dotenv: staging.env }\n", "");
    fs::write(dir.path().join("secretary.yaml"), inventory).unwrap();
    let out = run(secretary(dir.path()).args(["check", "--now", NOW, "--env", "staging"]));
    assert_contains(&out.stderr, "warning[no-value-sources]: `--env staging`: no instance in `staging` says where its value lives");
}

#[test]
fn a_random_key_is_announced_and_fingerprints_still_compare_within_the_run() {
    let dir = setup();
    fs::write(
        dir.path().join("staging.env"),
        format!("DB_PASSWORD={GOOD_DB}\n"),
    )
    .unwrap();
    let mut cmd = check_cmd(dir.path(), &[]);
    // Drop the key flag: rebuild the command without it.
    let mut bare = secretary(dir.path());
    bare.args([
        "check",
        "--now",
        NOW,
        "--env",
        "production",
        "--env",
        "staging",
        "--format",
        "json",
    ])
    .env("DB_PASSWORD", GOOD_DB)
    .env("BROKER_ENCRYPTION_KEY", good_broker())
    .env("SESSION_SECRET", GOOD_SESSION);
    let out = run(&mut bare);
    assert_contains(&out.stderr, "warning[random-fingerprint-key]");
    let findings: Vec<String> = finding_keys(&json(&out.stdout))
        .into_iter()
        .map(|k| k.0)
        .filter(|r| r.starts_with("fingerprint"))
        .collect();
    assert_eq!(findings.len(), 2);
    // With a key: no warning.
    let out = run(&mut cmd);
    assert!(
        !out.stderr.contains("random-fingerprint-key"),
        "{}",
        out.stderr
    );
}

#[test]
fn without_env_values_are_not_checked() {
    let dir = setup();
    let report = |args: &[&str]| {
        let mut cmd = secretary(dir.path());
        cmd.args(["report", "--now", NOW])
            .args(args)
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .env(KEY_VAR, KEY)
            .env("DB_PASSWORD", GOOD_DB)
            .env("BROKER_ENCRYPTION_KEY", good_broker())
            .env("SESSION_SECRET", GOOD_SESSION);
        run(&mut cmd).stdout
    };
    let plain = report(&[]);
    assert_contains(&plain, "Not checked without secret values");
    assert_contains(&plain, "Secret values present and real");
    let observed = report(&[
        "--env",
        "production",
        "--env",
        "staging",
        "--fingerprint-key-env",
        KEY_VAR,
    ]);
    assert!(
        !observed.contains("Not checked without secret values"),
        "{observed}"
    );
    assert_contains(&observed, "- [x] Secret values present and real");
    // The audit evidence says which values were read, and with which key.
    assert_contains(&plain, "| Values | not checked |");
    let key_id = fingerprint_file(dir.path(), "production", KEY, &[])["key_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_contains(
        &observed,
        &format!("| Values | read on this machine for `production`, `staging`; fingerprint key id `{key_id}` |"),
    );
    let merged = report(&[
        "--env",
        "staging",
        "--fingerprint-key-env",
        KEY_VAR,
        "--fingerprints",
        "fp-production.json",
    ]);
    assert_contains(
        &merged,
        "read on this machine for `staging`; `production` from `fp-production.json` (SHA-256 `",
    );
    let html = report(&["--format", "html", "--env", "staging"]);
    assert_contains(&html, "(random, this run only)");
}

// ---- Canary values: never in any output ----

const CANARY_ENV: &str = "CANARY-env-7Qx2Lm9Zr4Vb8Ns1";
const CANARY_FILE: &str = "CANARY-file-3Hd6Kp0Wy5Tc2Gj7";
const CANARY_DOTENV: &str = "CANARY-dotenv-9Fa4Re1Ux8Mo3Bi6";
const CANARY_FORMAT: &str = "CANARY-format-5Sn2Vq7Xe0Lc4Dk9";
const CANARY_EXAMPLE: &str = "CANARY-example-1Pz8Jt3Ya6Wh0Qg5";
const CANARY_KEY: &str = "CANARY-key-6Cm1Nb4Tr9Ef2Ks7";
const CANARIES: [&str; 6] = [
    CANARY_ENV,
    CANARY_FILE,
    CANARY_DOTENV,
    CANARY_FORMAT,
    CANARY_EXAMPLE,
    CANARY_KEY,
];

/// Asserts no canary (nor a tell-tale part of one) is in `text`.
#[track_caller]
fn assert_no_canary(what: &str, text: &str) {
    for canary in CANARIES {
        // The random tail is what identifies a value.
        let tail = &canary[canary.len() - 16..];
        assert!(
            !text.contains(tail),
            "{what} contains the canary {canary}:\n{text}"
        );
    }
}

/// A directory whose values are canaries, in every kind of source, with a
/// placeholder copied from `.env.example`, a format mismatch and a value
/// shared across environments (so every value rule fires).
fn canary_setup() -> tempfile::TempDir {
    let dir = setup();
    let inventory = format!("{INVENTORY}sources:\n  env_example: [.env.example]\n");
    fs::write(dir.path().join("secretary.yaml"), inventory).unwrap();
    fs::write(
        dir.path().join(".env.example"),
        format!("SESSION_SECRET={CANARY_EXAMPLE}\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join("staging.env"),
        format!("DB_PASSWORD='{CANARY_ENV}'\nOTHER={CANARY_DOTENV}\n"),
    )
    .unwrap();
    fs::write(dir.path().join("secrets/admin_password"), CANARY_FILE).unwrap();
    fs::write(
        dir.path().join("docs.md"),
        "# Docs\n<!-- secretary:begin secrets -->\n<!-- secretary:end secrets -->\n<!-- secretary:begin findings -->\n<!-- secretary:end findings -->\n<!-- secretary:begin checklist -->\n<!-- secretary:end checklist -->\n",
    )
    .unwrap();
    dir
}

fn canary_cmd(dir: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = secretary(dir);
    cmd.args(args)
        .args([
            "--now",
            NOW,
            "--color",
            "never",
            "--fingerprint-key-env",
            KEY_VAR,
        ])
        .env(KEY_VAR, CANARY_KEY)
        .env("DB_PASSWORD", CANARY_ENV)
        .env("BROKER_ENCRYPTION_KEY", CANARY_FORMAT)
        .env("SESSION_SECRET", CANARY_EXAMPLE)
        .env("SOURCE_DATE_EPOCH", "1700000000");
    cmd
}

#[test]
fn canary_values_never_appear_in_any_output() {
    let dir = canary_setup();
    let envs = ["--env", "production", "--env", "staging"];
    let mut seen_rules = std::collections::BTreeSet::new();
    for format in ["human", "json", "sarif", "junit", "markdown"] {
        let out_file = dir.path().join(format!("out.{format}"));
        let mut args = vec!["check", "--format", format];
        args.extend(envs);
        let out = run(&mut canary_cmd(dir.path(), &args));
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        assert_no_canary(&format!("check --format {format} stdout"), &out.stdout);
        assert_no_canary(&format!("check --format {format} stderr"), &out.stderr);
        if format == "json" {
            for (rule, ..) in finding_keys(&json(&out.stdout)) {
                seen_rules.insert(rule);
            }
        }
        // And written to a file.
        let mut args = vec![
            "check",
            "--format",
            format,
            "-o",
            out_file.to_str().unwrap(),
        ];
        args.extend(envs);
        let out = run(&mut canary_cmd(dir.path(), &args));
        assert_eq!(out.code, 1);
        assert_no_canary(
            &format!("check -o out.{format}"),
            &fs::read_to_string(&out_file).unwrap(),
        );
    }
    for rule in [
        "secret-value-placeholder",
        "secret-value-format-mismatch",
        "fingerprint-reused-across-environments",
    ] {
        assert!(seen_rules.contains(rule), "{rule} fired: {seen_rules:?}");
    }
    for format in ["markdown", "html"] {
        let out_file = dir.path().join(format!("report.{format}"));
        let mut args = vec![
            "report",
            "--format",
            format,
            "-o",
            out_file.to_str().unwrap(),
        ];
        args.extend(envs);
        let out = run(&mut canary_cmd(dir.path(), &args));
        assert_no_canary(&format!("report {format} stderr"), &out.stderr);
        let text = fs::read_to_string(&out_file).unwrap();
        assert_contains(&text, "secret-value-placeholder");
        assert_no_canary(&format!("report {format}"), &text);
    }
    let mut args = vec!["docs", "docs.md"];
    args.extend(envs);
    let out = run(&mut canary_cmd(dir.path(), &args));
    assert_no_canary("docs stdout", &out.stdout);
    assert_no_canary("docs stderr", &out.stderr);
    let docs = fs::read_to_string(dir.path().join("docs.md")).unwrap();
    assert_contains(&docs, "secret-value");
    assert_no_canary("docs.md", &docs);
    // fingerprint, to stdout and to a file.
    for env in ["production", "staging"] {
        let out = run(&mut canary_cmd(dir.path(), &["fingerprint", "--env", env]));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_no_canary("fingerprint stdout", &out.stdout);
        assert_no_canary("fingerprint stderr", &out.stderr);
        let path = format!("fp-{env}.json");
        let out = run(&mut canary_cmd(
            dir.path(),
            &["fingerprint", "--env", env, "-o", &path],
        ));
        assert_no_canary("fingerprint stderr", &out.stderr);
        assert_no_canary(
            "fingerprint file",
            &fs::read_to_string(dir.path().join(&path)).unwrap(),
        );
    }
    let out = run(&mut canary_cmd(
        dir.path(),
        &[
            "check",
            "--fingerprints",
            "fp-production.json",
            "--fingerprints",
            "fp-staging.json",
        ],
    ));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_no_canary("check --fingerprints", &(out.stdout + &out.stderr));
}

#[test]
fn canary_values_never_appear_in_errors() {
    let dir = canary_setup();
    // A malformed .env line holding a canary: located by line, never quoted.
    fs::write(
        dir.path().join("staging.env"),
        format!("DB_PASSWORD={CANARY_ENV}\nthis line holds {CANARY_DOTENV} and no equals\n"),
    )
    .unwrap();
    for args in [
        vec!["check", "--env", "staging"],
        vec!["check", "--env", "staging", "--format", "json"],
        vec!["fingerprint", "--env", "staging"],
    ] {
        let out = run(&mut canary_cmd(dir.path(), &args));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_contains(&out.stderr, "line 2 of `staging.env` is not `KEY=value`");
        assert_contains(&out.stderr, "staging.env:2:");
        assert_no_canary("malformed .env stderr", &out.stderr);
        assert_no_canary("malformed .env stdout", &out.stdout);
    }
    // A fingerprint file that is not JSON, with a canary in it.
    fs::write(
        dir.path().join("bad.json"),
        format!("{{\"version\": 1, {CANARY_FILE}}}"),
    )
    .unwrap();
    let out = run(&mut canary_cmd(
        dir.path(),
        &["check", "--fingerprints", "bad.json"],
    ));
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[invalid-fingerprint-file]");
    // The file's own text is quoted in the snippet, but secretary never puts
    // values in fingerprint files; the message itself quotes nothing of it.
    let message = out.stderr.lines().next().unwrap_or_default();
    assert_no_canary("invalid fingerprint file message", message);
    // A value that is not a file (unreadable): the error names the file only.
    fs::remove_file(dir.path().join("secrets/admin_password")).unwrap();
    fs::create_dir(dir.path().join("secrets/admin_password")).unwrap();
    let out = run(&mut canary_cmd(
        dir.path(),
        &["check", "--env", "production"],
    ));
    assert_eq!(out.code, 2);
    assert_no_canary("unreadable value", &(out.stdout + &out.stderr));
}

#[test]
fn the_claudemesh_example_checks_its_broker_key_and_dotenv_values() {
    let root = common::repo_root();
    let example = |env: &str, broker_key: &str| {
        let mut cmd = secretary(&root);
        cmd.args([
            "check",
            "examples/claudemesh/inventory.yaml",
            "--policies",
            "examples/claudemesh/policies",
            "--now",
            NOW,
            "--format",
            "json",
            "--env",
            env,
            "--fingerprint-key-env",
            KEY_VAR,
        ])
        .env(KEY_VAR, KEY)
        .env(
            "DATABASE_URL",
            "postgres://broker:Hq8xV2mK9pL4rT7w@db.internal/claudemesh",
        )
        .env("BROKER_ENCRYPTION_KEY", broker_key);
        let out = run(&mut cmd);
        assert_eq!(out.code, 1, "{}", out.stderr);
        finding_keys(&json(&out.stdout))
            .into_iter()
            .filter(|(rule, ..)| {
                rule.starts_with("secret-value") || rule.starts_with("fingerprint")
            })
            .map(|(rule, entity, env, _)| (rule, entity, env))
            .collect::<Vec<_>>()
    };
    // Seed 004: "64 hex chars (32 bytes)".
    assert_eq!(example("production", &good_broker()), vec![]);
    assert_eq!(
        example("production", &good_broker()[..32]),
        vec![key(
            "secret-value-format-mismatch",
            "BROKER_ENCRYPTION_KEY",
            "production"
        )]
    );
    // Development reads DATABASE_URL from examples/claudemesh/development.env.
    assert_eq!(example("development", ""), vec![]);
}
