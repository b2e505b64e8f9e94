//! Compose files under `sources.compose`: observed reads judged by the
//! reader rules and the drift rule, undeclared compose services, literal
//! secret values (never printed), and malformed compose files.

use crate::common;

use std::fs;
use std::path::Path;

use common::{assert_contains, json, run, secretary, NOW};

const INVENTORY: &str = r#"version: 1
environments:
  production: { tier: production }
services:
  api: { kind: api }
  web: { kind: frontend, public_facing: true }
  logs: { kind: log_sink }
  worker: { kind: worker }
secrets:
  DB_PASSWORD:
    classification: critical
    owner: data-team
    never_log: true
    readers: [api]
    rotation: { period: 90d }
    instances:
      production: { backend: env_var, env_var: DB_PASSWORD, last_rotated: 2026-11-01 }
  JWT_SECRET:
    classification: critical
    owner: platform
    readers: [api]
    rotation: { period: 90d }
    instances:
      production:
        backend: docker_secret
        file: { path: /run/secrets/jwt, mode: "0600" }
        last_rotated: 2026-11-01
  STRIPE_KEY:
    classification: critical
    owner: billing
    readers: [api, worker]
    rotation: { period: 90d }
    instances:
      production: { backend: env_var, env_var: STRIPE_KEY, last_rotated: 2026-11-01 }
reads:
  - service: api
    secrets: [DB_PASSWORD, JWT_SECRET]
env_vars:
  DB_PASSWORD: { required: true, secret: DB_PASSWORD }
  STRIPE_KEY: { required: true, secret: STRIPE_KEY }
sources:
  compose:
    - file: docker-compose.yml
      environment: production
      services: { backend: api }
"#;

/// Every form: map and list `environment`, bare pass-through, `${VAR}`,
/// `${VAR:-default}`, `$VAR`, `env_file` (string, list, `{path, required}`),
/// short and long `secrets`, top-level secret definitions, a merge key.
const COMPOSE: &str = r#"x-base: &base
  restart: always
services:
  backend:
    <<: *base
    image: app
    environment:
      DB_PASSWORD: ${DB_PASSWORD}
      API_TOKEN: "CANARY-compose-literal-1"
      PORT: 8080
      PASSWORD_HINT: changeme
      EMPTY_SECRET: ""
    secrets:
      - jwt
  web:
    image: web
    environment:
      - STRIPE_KEY
      - SESSION_SECRET=CANARY-compose-literal-2
    command: ["--db", "${DB_PASSWORD:-CANARY-compose-default-3}"]
  logs:
    image: vector
    env_file:
      - path: ./logs.env
        required: true
      - path: ./missing.env
        required: false
    entrypoint: sh -c 'ship --to $LOG_TARGET'
  worker:
    image: worker
    env_file: worker.env
    secrets:
      - source: jwt
        target: /run/secrets/jwt
  stranger:
    image: busybox
secrets:
  jwt:
    file: ./jwt.txt
  token:
    environment: API_TOKEN
"#;

fn setup(dir: &Path) {
    fs::write(dir.join("inventory.yaml"), INVENTORY).unwrap();
    fs::write(dir.join("docker-compose.yml"), COMPOSE).unwrap();
    fs::write(
        dir.join("logs.env"),
        "DB_PASSWORD=CANARY-envfile-logs\nLOG_TARGET=http://x\n",
    )
    .unwrap();
    fs::write(dir.join("worker.env"), "STRIPE_KEY=CANARY-envfile-worker\n").unwrap();
    fs::write(dir.join("jwt.txt"), "CANARY-jwt-file\n").unwrap();
}

fn check_json(dir: &Path) -> serde_json::Value {
    let out =
        run(secretary(dir).args(["check", "inventory.yaml", "--now", NOW, "--format", "json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    json(&out.stdout)
}

/// `(entity, principal, line)` of each finding of `rule`, sorted.
fn of_rule(report: &serde_json::Value, rule: &str) -> Vec<(String, String, u64)> {
    let mut found: Vec<(String, String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            assert!(
                f["file"].as_str().unwrap().ends_with("docker-compose.yml"),
                "{f}"
            );
            (
                f["entity"].as_str().unwrap_or("-").to_owned(),
                f["principal"].as_str().unwrap_or("-").to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

fn triple(entity: &str, principal: &str, line: u64) -> (String, String, u64) {
    (entity.to_owned(), principal.to_owned(), line)
}

#[test]
fn observed_reads_fire_the_reader_rules_at_the_compose_line() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let report = check_json(dir.path());
    assert_eq!(
        of_rule(&report, "reader-not-allowed"),
        vec![
            triple(r#"Secret::"DB_PASSWORD""#, r#"Service::"logs""#, 24),
            triple(r#"Secret::"DB_PASSWORD""#, r#"Service::"web""#, 20),
            triple(r#"Secret::"JWT_SECRET""#, r#"Service::"worker""#, 33),
            triple(r#"Secret::"STRIPE_KEY""#, r#"Service::"web""#, 18),
        ]
    );
    assert_eq!(
        of_rule(&report, "public-service-reads-secret"),
        vec![
            triple(r#"Secret::"DB_PASSWORD""#, r#"Service::"web""#, 20),
            triple(r#"Secret::"STRIPE_KEY""#, r#"Service::"web""#, 18),
        ]
    );
    assert_eq!(
        of_rule(&report, "never-log-read-by-log-sink"),
        vec![triple(r#"Secret::"DB_PASSWORD""#, r#"Service::"logs""#, 24)]
    );
    // Every finding of an observed read is in the compose file's environment.
    for f in report["findings"].as_array().unwrap() {
        if f["rule"] == "reader-not-allowed" {
            assert_eq!(f["environment"], "production", "{f}");
        }
    }
}

#[test]
fn reads_the_inventory_does_not_list_are_drift() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let report = check_json(dir.path());
    // `api` (compose `backend`) reads DB_PASSWORD and JWT_SECRET as declared:
    // no drift, and no reader finding either.
    assert_eq!(
        of_rule(&report, "compose-read-undeclared"),
        vec![
            triple(r#"Secret::"DB_PASSWORD""#, r#"Service::"logs""#, 24),
            triple(r#"Secret::"DB_PASSWORD""#, r#"Service::"web""#, 20),
            triple(r#"Secret::"JWT_SECRET""#, r#"Service::"worker""#, 33),
            triple(r#"Secret::"STRIPE_KEY""#, r#"Service::"web""#, 18),
            triple(r#"Secret::"STRIPE_KEY""#, r#"Service::"worker""#, 31),
        ]
    );
}

#[test]
fn declared_reads_and_matching_compose_files_find_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("inventory.yaml"), INVENTORY).unwrap();
    fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  backend:\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n      DB_PASSWORD_FILE: /run/secrets/db\n      PORT: 8080\n    secrets: [jwt]\n  worker:\n    environment: [STRIPE_KEY]\nsecrets:\n  jwt: { file: ./jwt.txt }\n",
    )
    .unwrap();
    let mut inventory = INVENTORY.replace(
        "    secrets: [DB_PASSWORD, JWT_SECRET]\n",
        "    secrets: [DB_PASSWORD, JWT_SECRET]\n  - service: worker\n    secrets: [STRIPE_KEY]\n",
    );
    inventory.push('\n');
    fs::write(dir.path().join("inventory.yaml"), inventory).unwrap();
    let out = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(json(&out.stdout)["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn undeclared_compose_services_are_found() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let report = check_json(dir.path());
    let found = of_rule(&report, "compose-service-undeclared");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].2, 35);
    assert!(found[0].0.contains("stranger"), "{found:?}");
}

#[test]
fn literal_secret_values_are_critical_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let report = check_json(dir.path());
    let found = of_rule(&report, "compose-literal-secret");
    let mut lines: Vec<u64> = found.iter().map(|f| f.2).collect();
    lines.sort();
    // API_TOKEN (map form), SESSION_SECRET (list form), the default of
    // `${DB_PASSWORD:-...}`; not PORT or PASSWORD_HINT (not secret-like),
    // EMPTY_SECRET (empty) or `${DB_PASSWORD}` (interpolated).
    assert_eq!(lines, vec![9, 19, 20], "{found:?}");
    for f in report["findings"].as_array().unwrap() {
        if f["rule"] == "compose-literal-secret" {
            assert_eq!(f["severity"], "critical");
        }
    }
}

#[test]
fn canary_values_never_appear_in_any_output() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    fs::write(
        dir.path().join("DOCS.md"),
        "<!-- secretary:begin findings -->\n<!-- secretary:end findings -->\n",
    )
    .unwrap();
    let mut outputs = Vec::new();
    for format in ["human", "json", "sarif", "junit", "markdown"] {
        outputs.push(run(secretary(dir.path()).args([
            "check",
            "inventory.yaml",
            "--now",
            NOW,
            "--format",
            format,
        ])));
    }
    for format in ["markdown", "html"] {
        outputs.push(run(secretary(dir.path()).args([
            "report",
            "inventory.yaml",
            "--now",
            NOW,
            "--format",
            format,
        ])));
    }
    outputs.push(run(secretary(dir.path()).args([
        "docs",
        "DOCS.md",
        "-i",
        "inventory.yaml",
        "--now",
        NOW,
    ])));
    for out in &outputs {
        assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
        assert!(!out.stdout.contains("CANARY"), "{}", out.stdout);
        assert!(!out.stderr.contains("CANARY"), "{}", out.stderr);
    }
    let docs = fs::read_to_string(dir.path().join("DOCS.md")).unwrap();
    assert_contains(&docs, "compose-literal-secret");
    assert!(!docs.contains("CANARY"), "{docs}");
    // The human output names the variable and the line instead.
    assert_contains(&outputs[0].stdout, "API_TOKEN");
}

#[test]
fn a_missing_required_env_file_is_not_verified() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    fs::remove_file(dir.path().join("logs.env")).unwrap();
    let out = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "error[compose-not-verified]");
    assert_contains(&out.stderr, "logs.env");
    assert_contains(&out.stderr, "docker-compose.yml:24");
    // The optional one is not a gap.
    assert!(!out.stderr.contains("missing.env"), "{}", out.stderr);
    // A gap is "not verified", never mistaken for a broken rule.
    assert!(
        !out.stderr.contains("rule-evaluation-error"),
        "{}",
        out.stderr
    );
}

#[test]
fn malformed_compose_files_are_bad_input_with_file_and_line() {
    let cases: [(&str, &str, &str); 4] = [
        (
            "services:\n  api:\n    environment: [A\n",
            "yaml-syntax",
            "docker-compose.yml:",
        ),
        (
            "services:\n  api:\n    environment: \"A=CANARY-bad-1\"\n",
            "compose-invalid",
            "docker-compose.yml:3:18",
        ),
        (
            "services:\n  api:\n    image: a\n  api:\n    image: b\n",
            "duplicate-key",
            "docker-compose.yml:4:3",
        ),
        (
            "services:\n  api:\n    secrets: { a: b }\n",
            "compose-invalid",
            "docker-compose.yml:3:14",
        ),
    ];
    for (text, code, location) in cases {
        let dir = tempfile::tempdir().unwrap();
        setup(dir.path());
        fs::write(dir.path().join("docker-compose.yml"), text).unwrap();
        let out = run(secretary(dir.path()).args(["check", "inventory.yaml", "--now", NOW]));
        assert_eq!(out.code, 2, "{text}\n{}", out.stderr);
        assert_contains(&out.stderr, &format!("error[{code}]"));
        assert_contains(&out.stderr, location);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert!(!out.stderr.contains("CANARY"), "{}", out.stderr);
    }
}

#[test]
fn reports_tick_compose_rules_only_when_compose_files_were_read() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let without = INVENTORY.split("sources:").next().unwrap().to_owned();
    fs::write(dir.path().join("plain.yaml"), without).unwrap();
    let out = run(secretary(dir.path()).args([
        "report",
        "plain.yaml",
        "--now",
        NOW,
        "--format",
        "markdown",
    ]));
    assert_contains(&out.stdout, "Not checked without compose files");
}

#[test]
fn bind_mounted_secret_files_are_observed_reads() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  worker:\n    volumes:\n      - ./data:/data\n      - ./jwt.txt:/run/secrets/jwt:ro\n  web:\n    volumes:\n      - type: bind\n        source: ./jwt.txt\n        target: /run/secrets/jwt\n",
    )
    .unwrap();
    let report = check_json(dir.path());
    assert_eq!(
        of_rule(&report, "reader-not-allowed"),
        vec![
            triple(r#"Secret::"JWT_SECRET""#, r#"Service::"web""#, 8),
            triple(r#"Secret::"JWT_SECRET""#, r#"Service::"worker""#, 5),
        ]
    );
}

#[test]
fn secret_like_variables_the_inventory_lacks_are_found() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let report = check_json(dir.path());
    let mut found: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "compose-secret-variable-undeclared")
        .map(|f| {
            let entity = f["entity"].as_str().unwrap();
            let name = entity.rsplit('#').next().unwrap().trim_end_matches('"');
            (name.to_owned(), f["line"].as_u64().unwrap())
        })
        .collect();
    found.sort();
    // Not DB_PASSWORD / STRIPE_KEY (declared), PORT, LOG_TARGET or
    // PASSWORD_HINT (a setting about a password, not one); API_TOKEN is
    // also what the `token` definition reads.
    assert_eq!(
        found,
        vec![
            ("API_TOKEN".to_owned(), 9),
            ("EMPTY_SECRET".to_owned(), 12),
            ("SESSION_SECRET".to_owned(), 19),
        ]
    );
}
