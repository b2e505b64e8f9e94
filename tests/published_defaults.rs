//! `published-default-credential` with the real binary: compose literals,
//! `.env.example` values and values read with `--env`; identifiers never
//! fire; connection strings with a written password are
//! `compose-literal-secret`; no value (canaries) reaches any output.

use crate::common;

use std::fs;
use std::path::Path;

use common::{json, run, secretary, NOW};

const INVENTORY: &str = r#"version: 1
environments:
  production: { tier: production }
services:
  app: { kind: api }
  db: { kind: database }
secrets:
  db_password:
    classification: critical
    owner: data
    readers: [app, db]
    rotation: { period: 90d }
    instances:
      production:
        backend: env_var
        env_var: POSTGRES_PASSWORD
        last_rotated: 2026-11-01
        value: { env: SEC_TEST_DB_PASSWORD }
  jwt_secret:
    classification: critical
    owner: platform
    readers: [app]
    rotation: { period: 90d }
    instances:
      production:
        backend: env_var
        env_var: JWT_SECRET
        last_rotated: 2026-11-01
        value: { env: SEC_TEST_JWT_SECRET }
  api_token:
    classification: critical
    owner: platform
    readers: [app]
    rotation: { period: 90d }
    instances:
      production:
        backend: env_var
        env_var: API_TOKEN
        last_rotated: 2026-11-01
        value: { env: SEC_TEST_API_TOKEN }
reads:
  - service: app
    secrets: [db_password, jwt_secret, api_token]
  - service: db
    secrets: [db_password]
env_vars:
  POSTGRES_PASSWORD: { secret: db_password }
  JWT_SECRET: { secret: jwt_secret }
  API_TOKEN: { secret: api_token }
sources:
  compose:
    - file: compose.yaml
      environment: production
  env_example: [.env.example]
"#;

const COMPOSE: &str = r#"services:
  db:
    image: postgres
    environment:
      POSTGRES_USER: postgres
      POSTGRES_PASSWORD: postgres
      POSTGRES_DB: postgres
  app:
    image: app
    environment:
      DATABASE_URL: postgres://app:CANARYpw9Xk2Lm7Q@db/app
      READ_URL: "jdbc:postgresql://db/app?user=app&password=CANARYjdbc4Rt8"
      CACHE_URL: redis://:${REDIS_PASS}@cache:6379
      PLAIN_URL: postgres://db:5432/app
      PLACEHOLDER_URL: postgres://app:changeme@db/app
      SESSION_SECRET: ${APP_SESSION_SECRET:-changeme}
      API_TOKEN: ${API_TOKEN}
      ADMIN_USER: admin
      TLS_KEY: ./certs/server.key
"#;

const EXAMPLE: &str = "POSTGRES_USER=postgres\n\
POSTGRES_PASSWORD=supersecret\n\
JWT_SECRET=your-super-secret-jwt-token-with-at-least-32-characters-long\n\
API_TOKEN=changeme\n\
MINIO_ROOT_USER=minioadmin\n\
REPLICA_URL=postgresql://postgres:postgres@replica:5432/postgres\n\
SMTP_PASSWORD=super_secret_password\n";

fn setup(dir: &Path) {
    fs::write(dir.join("inventory.yaml"), INVENTORY).unwrap();
    fs::write(dir.join("compose.yaml"), COMPOSE).unwrap();
    fs::write(dir.join(".env.example"), EXAMPLE).unwrap();
}

/// The messages of findings of `rule`, sorted.
fn messages(report: &serde_json::Value, rule: &str) -> Vec<String> {
    let mut found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

fn check(dir: &Path, envs: &[(&str, &str)]) -> (serde_json::Value, String) {
    let mut cmd = secretary(dir);
    cmd.args(["check", "inventory.yaml", "--now", NOW, "--format", "json"]);
    if !envs.is_empty() {
        cmd.args(["--env", "production"]);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = run(&mut cmd);
    assert_eq!(out.code, 1, "{}", out.stderr);
    (json(&out.stdout), format!("{}{}", out.stdout, out.stderr))
}

#[test]
fn compose_literals_that_are_published_defaults_are_critical() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let (report, _) = check(dir.path(), &[]);
    let found = messages(&report, "published-default-credential");
    let compose: Vec<&String> = found
        .iter()
        .filter(|m| m.contains("compose.yaml"))
        .collect();
    assert_eq!(
        compose,
        [
            "`APP_SESSION_SECRET` of compose service `app` in `compose.yaml` is a well-known published default credential",
            "`PLACEHOLDER_URL` of compose service `app` in `compose.yaml` is a well-known published default credential",
            "`POSTGRES_PASSWORD` of compose service `db` in `compose.yaml` is a well-known published default credential",
        ],
        "{found:#?}"
    );
    // Identifiers with default values are not secrets.
    assert!(!found.iter().any(|m| m.contains("POSTGRES_USER")
        || m.contains("POSTGRES_DB")
        || m.contains("ADMIN_USER")));
    let severity: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "published-default-credential")
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert!(severity.iter().all(|s| *s == "critical"), "{severity:?}");
}

#[test]
fn connection_strings_with_a_written_password_are_literal_secrets() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let (report, _) = check(dir.path(), &[]);
    let found = messages(&report, "compose-literal-secret");
    assert_eq!(
        found,
        [
            // Published defaults written in the file are literal secrets
            // too: Docker runs with them (a `${X:-changeme}` default, a
            // default password, a URL with a default password).
            "APP_SESSION_SECRET of compose service app has a literal value in compose.yaml",
            "DATABASE_URL of compose service app has a literal value in compose.yaml",
            "PLACEHOLDER_URL of compose service app has a literal value in compose.yaml",
            "POSTGRES_PASSWORD of compose service db has a literal value in compose.yaml",
            "READ_URL of compose service app has a literal value in compose.yaml",
        ],
        "interpolated and password-less values are not; {found:#?}"
    );
}

#[test]
fn example_values_that_are_published_defaults_are_found() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let (report, _) = check(dir.path(), &[]);
    let found = messages(&report, "published-default-credential");
    let examples: Vec<&String> = found
        .iter()
        .filter(|m| m.contains(".env.example"))
        .collect();
    assert_eq!(
        examples,
        [
            "`JWT_SECRET` in `.env.example` is a well-known published default credential",
            "`POSTGRES_PASSWORD` in `.env.example` is a well-known published default credential",
            "`REPLICA_URL` in `.env.example` is a well-known published default credential",
        ],
        "a `changeme` marker, identifiers and readable made-up values are not; {found:#?}"
    );
    // A readable made-up password is not a real-looking value either.
    assert!(messages(&report, "env-example-real-value").is_empty());
}

#[test]
fn values_read_with_env_that_are_published_defaults_are_found() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let (report, _) = check(
        dir.path(),
        &[
            ("SEC_TEST_DB_PASSWORD", "postgres"),
            ("SEC_TEST_JWT_SECRET", "mysecretpassword"),
            ("SEC_TEST_API_TOKEN", "changeme"),
        ],
    );
    let found: Vec<String> = messages(&report, "published-default-credential")
        .into_iter()
        .filter(|m| m.starts_with("the value of"))
        .collect();
    assert_eq!(
        found,
        [
            "the value of `db_password` at env var `SEC_TEST_DB_PASSWORD` is a well-known published default credential",
            "the value of `jwt_secret` at env var `SEC_TEST_JWT_SECRET` is a well-known published default credential",
        ]
    );
    // `changeme` is reported once, as a placeholder.
    let placeholders = messages(&report, "secret-value-placeholder");
    assert_eq!(placeholders.len(), 1, "{placeholders:#?}");
    assert!(placeholders[0].contains("api_token"));
}

#[test]
fn canary_values_never_appear_in_any_output() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let canary_env = "CANARYenvQ7x2Lm9Zr4";
    for format in ["json", "human", "sarif", "markdown"] {
        let out = run(secretary(dir.path())
            .args([
                "check",
                "inventory.yaml",
                "--now",
                NOW,
                "--env",
                "production",
            ])
            .args(["--format", format])
            .env("SEC_TEST_DB_PASSWORD", "postgres")
            .env("SEC_TEST_JWT_SECRET", canary_env)
            .env("SEC_TEST_API_TOKEN", "supersecret"));
        assert_eq!(out.code, 1, "{}", out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        for canary in [
            "CANARYpw9Xk2Lm7Q",
            "CANARYjdbc4Rt8",
            canary_env,
            "your-super-secret",
        ] {
            assert!(!all.contains(canary), "{format}: {canary} leaked");
        }
    }
}

#[test]
fn a_policies_directory_adds_its_own_published_defaults() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    fs::create_dir(dir.path().join("policies")).unwrap();
    // A hashed entry for a value of our own, computed as docs/src/values.md says
    // (HMAC-SHA256 under the public key), and a trivial one.
    let ours = "acme-demo-CANARY-9f8e7d6c5b4a";
    let entry = secretary::heuristics::defaults::hash_entry(ours.as_bytes());
    fs::write(
        dir.path().join("policies/published-defaults.txt"),
        format!("# ours\n{entry}\nacmeadmin\n"),
    )
    .unwrap();
    let compose = COMPOSE.replace(
        "POSTGRES_PASSWORD: postgres",
        &format!("POSTGRES_PASSWORD: {ours}"),
    );
    fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    let example = EXAMPLE.replace(
        "POSTGRES_PASSWORD=supersecret",
        "POSTGRES_PASSWORD=acmeadmin",
    );
    fs::write(dir.path().join(".env.example"), example).unwrap();
    let out = run(secretary(dir.path())
        .args(["check", "inventory.yaml", "--now", NOW, "--format", "json"])
        .args(["--policies", "policies"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains("CANARY") && !out.stderr.contains("CANARY"));
    let found = messages(&json(&out.stdout), "published-default-credential");
    for subject in [
        "`POSTGRES_PASSWORD` of compose service `db` in `compose.yaml`",
        "`POSTGRES_PASSWORD` in `.env.example`",
    ] {
        assert!(
            found.iter().any(|m| m.starts_with(subject)),
            "{subject}: {found:#?}"
        );
    }
    // Without the directory, neither is a published default.
    let out = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    let found = messages(&json(&out.stdout), "published-default-credential");
    assert!(
        !found.iter().any(|m| m.contains("POSTGRES_PASSWORD")),
        "{found:#?}"
    );
}

#[test]
fn a_bad_line_in_a_published_defaults_list_is_bad_input_without_its_text() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    fs::create_dir(dir.path().join("policies")).unwrap();
    fs::write(
        dir.path().join("policies/published-defaults.txt"),
        "ok\nQ7x2Lm9Zr4CANARYk8Jq2mZx9vB3nT\nhmac-sha256:CANARY\n",
    )
    .unwrap();
    let out = run(secretary(dir.path())
        .args(["check", "inventory.yaml", "--now", NOW])
        .args(["--policies", "policies"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("published-defaults-invalid"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("published-defaults.txt:2"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("published-defaults.txt:3"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("CANARY") && !out.stdout.contains("CANARY"),
        "{}",
        out.stderr
    );
}
