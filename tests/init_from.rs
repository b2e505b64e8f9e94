//! `secretary init --from`: a starting inventory from compose and env files
//! that loads, checks, marks every guess for review and holds no value.

use crate::common;

use std::fs;
use std::path::Path;

use common::{assert_contains, run, secretary, NOW};

const COMPOSE: &str = r#"services:
  api:
    image: app
    environment:
      DATABASE_PASSWORD: "CANARY-init-literal"
      PORT: 8080
      STRIPE_SECRET_KEY: ${STRIPE_SECRET_KEY}
    env_file: .env
    secrets:
      - jwt_key
  postgres:
    image: postgres:16
    environment:
      - POSTGRES_PASSWORD
  "my.worker":
    image: worker
secrets:
  jwt_key:
    file: ./jwt.txt
"#;

const ENV_EXAMPLE: &str = "PORT=3000\nLOG_LEVEL=info\nSTRIPE_SECRET_KEY=CANARY-init-example\nSESSION_TOKEN=changeme\nFEATURE_FLAG=CANARY0real0looking0Zk93hQ72mXp1\n";

fn setup(dir: &Path) {
    fs::write(dir.join("docker-compose.prod.yml"), COMPOSE).unwrap();
    fs::write(dir.join(".env.example"), ENV_EXAMPLE).unwrap();
    fs::write(dir.join(".env"), "EXTRA_API_KEY=CANARY-init-envfile\n").unwrap();
}

fn init(dir: &Path, output: &str) -> common::Run {
    run(secretary(dir).args([
        "init",
        "--from",
        "docker-compose.prod.yml",
        "--from",
        ".env.example",
        "-o",
        output,
    ]))
}

#[test]
fn writes_an_inventory_that_checks_and_marks_guesses() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let out = init(dir.path(), "secretary.yaml");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let text = fs::read_to_string(dir.path().join("secretary.yaml")).unwrap();
    assert!(!text.contains("CANARY"), "{text}");
    // Services, env vars from both files, secrets for secret-like names and
    // the docker secret, each classified critical and marked for review.
    for needle in [
        "  api:",
        "  postgres:",
        "  my.worker:",
        "kind: database",
        "  LOG_LEVEL:",
        "  DATABASE_PASSWORD:",
        "  POSTGRES_PASSWORD:",
        "  STRIPE_SECRET_KEY:",
        "  SESSION_TOKEN:",
        "  EXTRA_API_KEY:",
        "  jwt_key:",
        "file: { path: \"/run/secrets/jwt_key\" }",
        "  production: { tier: production }",
        "- file: \"docker-compose.prod.yml\"",
        "environment: production",
        "env_example: [\".env.example\"]",
        "default: \"3000\"",
        "default: \"info\"",
    ] {
        assert_contains(&text, needle);
    }
    let secrets = text.matches("classification: critical").count();
    assert_eq!(secrets, 6, "{text}");
    assert!(text.matches("# REVIEW:").count() >= secrets, "{text}");
    // A real-looking value in a non-secret name is not copied as a default.
    assert!(!text.contains("Zk93hQ72"), "{text}");

    // It loads and checks (findings are expected: owners, rotation, ...).
    let check = run(secretary(dir.path()).args(["check", "secretary.yaml", "--now", NOW]));
    assert!(
        check.code == 0 || check.code == 1,
        "{}\n{}",
        check.stdout,
        check.stderr
    );
    assert!(!check.stdout.contains("CANARY"));
    // The compose file it names agrees with it: no drift and no undeclared service.
    assert!(
        !check.stdout.contains("compose-read-undeclared"),
        "{}",
        check.stdout
    );
    assert!(
        !check.stdout.contains("compose-service-undeclared"),
        "{}",
        check.stdout
    );
    assert!(
        !check.stdout.contains("compose-secret-variable-undeclared"),
        "{}",
        check.stdout
    );
    // The literal in the compose file is still found.
    assert_contains(&check.stdout, "compose-literal-secret");
}

#[test]
fn never_overwrites_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    fs::write(dir.path().join("secretary.yaml"), "keep me\n").unwrap();
    let out = init(dir.path(), "secretary.yaml");
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[file-exists]");
    assert_eq!(
        fs::read_to_string(dir.path().join("secretary.yaml")).unwrap(),
        "keep me\n"
    );
}

#[test]
fn without_an_environment_in_the_names_it_uses_development() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".env.example"), "API_TOKEN=\nPORT=80\n").unwrap();
    let out = run(secretary(dir.path()).args(["init", "--from", ".env.example", "-o", "inv.yaml"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = fs::read_to_string(dir.path().join("inv.yaml")).unwrap();
    assert_contains(&text, "development: { tier: development }");
    assert!(!text.contains("production"), "{text}");
    let check = run(secretary(dir.path()).args(["check", "inv.yaml", "--now", NOW]));
    assert!(check.code == 0 || check.code == 1, "{}", check.stderr);
}

#[test]
fn a_malformed_input_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("compose.yaml"), "services:\n  api: [\n").unwrap();
    let out = run(secretary(dir.path()).args(["init", "--from", "compose.yaml", "-o", "inv.yaml"]));
    assert_eq!(out.code, 2);
    assert_contains(&out.stderr, "error[yaml-syntax]");
    assert_contains(&out.stderr, "compose.yaml:");
    assert!(!dir.path().join("inv.yaml").exists());
    let missing = run(secretary(dir.path()).args(["init", "--from", "nope.yml", "-o", "inv.yaml"]));
    assert_eq!(missing.code, 2);
    assert!(!dir.path().join("inv.yaml").exists());
}
