//! Compose files read as Docker Compose reads them, through the real
//! binary: flow collections closing left of their key, `include:`,
//! `extends:`, merge-key lists, profiles, long-form secrets, `env_file`
//! and interpolation; with the bounds, the errors (file and line, never a
//! value) and `init --from` on the same files. Each file is written at test
//! time in a temporary directory.

use crate::common;

use std::fs;
use std::path::Path;

use common::{assert_contains, json, run, secretary, NOW};

const INVENTORY: &str = r#"version: 1
environments:
  production: { tier: production }
services:
  api: { kind: api }
  worker: { kind: worker }
  debug: { kind: worker }
secrets:
  DB_PASSWORD:
    classification: critical
    owner: data-team
    readers: [api, worker, debug]
    rotation: { period: 90d }
    instances:
      production: { backend: env_var, env_var: DB_PASSWORD, last_rotated: 2026-11-01 }
  JWT_SECRET:
    classification: critical
    owner: platform
    readers: [api, worker, debug]
    rotation: { period: 90d }
    instances:
      production:
        backend: docker_secret
        file: { path: /run/secrets/jwt_signing, mode: "0400" }
        last_rotated: 2026-11-01
  TLS_KEY:
    classification: critical
    owner: platform
    readers: [api, worker, debug]
    rotation: { period: 90d }
    instances:
      production:
        backend: file
        file: { path: /etc/app/tls.key, mode: "0400" }
        last_rotated: 2026-11-01
sources:
  compose:
    - file: compose.yml
      environment: production
"#;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn check(dir: &Path) -> common::Run {
    run(secretary(dir).args(["check", "inventory.yaml", "--now", NOW, "--format", "json"]))
}

/// `(secret, service, file name, line)` of each `compose-read-undeclared`.
fn undeclared(dir: &Path) -> Vec<(String, String, String, u64)> {
    let out = check(dir);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("CANARY"), "{}", out.stdout);
    assert!(!out.stderr.contains("CANARY"), "{}", out.stderr);
    let report = json(&out.stdout);
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "compose-read-undeclared")
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let name = file.rsplit(['/', '\\']).next().unwrap().to_owned();
            (
                f["entity"].as_str().unwrap().replace("Secret::", ""),
                f["principal"].as_str().unwrap().replace("Service::", ""),
                name,
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

fn q(secret: &str, service: &str, file: &str, line: u64) -> (String, String, String, u64) {
    (
        format!("\"{secret}\""),
        format!("\"{service}\""),
        file.to_owned(),
        line,
    )
}

fn project(compose: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "inventory.yaml", INVENTORY);
    write(dir.path(), "compose.yml", compose);
    dir
}

#[test]
fn flow_collections_closing_left_of_their_key_are_read() {
    // `[` and `{`, nested, with comments and quoted brackets, several in
    // one file: yaml-rust2 alone refuses each closing line.
    let dir = project(
        r#"services:
  api:
    command: [
      "serve", # ] in a comment [
      "--db=${DB_PASSWORD}",
      ']quoted[',
    ]
    environment: {
      A: 1, B: [x,
  y]
  }
  worker:
    secrets: [
    {source: jwt, target: jwt_signing}
    ]
secrets:
  jwt: { file: ./jwt.txt }
"#,
    );
    assert_eq!(
        undeclared(dir.path()),
        vec![
            q("DB_PASSWORD", "api", "compose.yml", 5),
            q("JWT_SECRET", "worker", "compose.yml", 14),
        ]
    );
    // An error elsewhere in such a file is reported at its own line.
    write(
        dir.path(),
        "compose.yml",
        "services:\n  api:\n    command: [\n    x\n    ]\n   bad: 1\n",
    );
    let out = check(dir.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "error[yaml-syntax]");
    assert_contains(&out.stderr, "compose.yml:6");
}

#[test]
fn included_and_extended_services_are_read_where_they_are_written() {
    let dir = project(
        r#"include:
  - sub/worker.yml
  - path: [sub/debug.yml, sub/debug.override.yml]
    project_directory: sub
services:
  api:
    extends: { file: common/base.yml, service: base }
    environment:
      PORT: 8080
"#,
    );
    write(
        dir.path(),
        "sub/worker.yml",
        "services:\n  worker:\n    extends: { file: ../common/base.yml, service: tls }\n",
    );
    write(
        dir.path(),
        "sub/debug.yml",
        "services:\n  debug:\n    image: x\n",
    );
    write(
        dir.path(),
        "sub/debug.override.yml",
        "services:\n  debug:\n    profiles: [debug]\n    env_file: debug.env\n",
    );
    write(dir.path(), "sub/debug.env", "DB_PASSWORD=CANARY-debug\n");
    write(
        dir.path(),
        "common/base.yml",
        "services:\n  base:\n    environment:\n      - DB_PASSWORD\n    secrets:\n      - source: jwt\n        target: jwt_signing\n  tls:\n    extends: base\n    volumes:\n      - ./tls.key:/etc/app/tls.key:ro\nsecrets:\n  jwt: { file: ./jwt.txt }\n",
    );
    assert_eq!(
        undeclared(dir.path()),
        vec![
            q("DB_PASSWORD", "api", "base.yml", 4),
            q("DB_PASSWORD", "debug", "debug.override.yml", 4),
            q("DB_PASSWORD", "worker", "base.yml", 4),
            q("JWT_SECRET", "api", "base.yml", 6),
            q("JWT_SECRET", "worker", "base.yml", 6),
            q("TLS_KEY", "worker", "base.yml", 11),
        ]
    );
}

#[test]
fn merge_key_lists_apply_in_environment_and_service() {
    let dir = project(
        r#"x-db: &db
  DB_PASSWORD: ${DB_PASSWORD}
  PORT: "1"
x-other: &other
  PORT: "2"
x-service: &service
  secrets:
    - source: jwt
      target: jwt_signing
services:
  api:
    environment:
      <<: [*other, *db]
      LEVEL: info
  worker:
    <<: *service
    image: x
secrets:
  jwt: { file: ./jwt.txt }
"#,
    );
    assert_eq!(
        undeclared(dir.path()),
        vec![
            q("DB_PASSWORD", "api", "compose.yml", 2),
            q("JWT_SECRET", "worker", "compose.yml", 8),
        ]
    );
}

#[test]
fn missing_includes_and_env_files_are_not_verified() {
    let dir = project(
        "include:\n  - gone.yml\nservices:\n  api:\n    env_file:\n      - path: needed.env\n      - path: optional.env\n        required: false\n",
    );
    let out = check(dir.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "error[compose-not-verified]");
    assert_contains(&out.stderr, "gone.yml` not found");
    assert_contains(&out.stderr, "compose.yml:2");
    assert_contains(&out.stderr, "env file");
    assert_contains(&out.stderr, "needed.env");
    assert_contains(&out.stderr, "compose.yml:6");
    assert!(!out.stderr.contains("optional.env"), "{}", out.stderr);
}

/// A compose file, other files beside it, the message and the `file:line`.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static str,
);

#[test]
fn broken_includes_extends_and_templates_are_bad_input_at_file_and_line() {
    let cases: [Case; 5] = [
        (
            "services:\n  api:\n    extends: worker\n  worker:\n    extends:\n      service: api\n",
            &[],
            "extends itself through `extends`: api -> worker -> api",
            "compose.yml:6",
        ),
        (
            "services:\n  api:\n    extends: { file: base.yml, service: nope }\n",
            &[("base.yml", "services:\n  other: {}\n")],
            "no service `nope`",
            "compose.yml:3",
        ),
        (
            "include: [a.yml]\n",
            &[("a.yml", "include:\n  - compose.yml\n")],
            "includes itself",
            "a.yml:2",
        ),
        (
            "services:\n  api:\n    environment:\n      TOKEN: \"CANARY-${not valid}\"\n",
            &[],
            "invalid interpolation",
            "compose.yml:4",
        ),
        (
            "include: [bad.yml]\n",
            &[("bad.yml", "services:\n  api: [\n")],
            "cannot parse compose file",
            "bad.yml:",
        ),
    ];
    for (compose, others, message, at) in cases {
        let dir = project(compose);
        for (name, text) in others {
            write(dir.path(), name, text);
        }
        let out = check(dir.path());
        assert_eq!(out.code, 2, "{compose}\n{}", out.stderr);
        assert_contains(&out.stderr, message);
        assert_contains(&out.stderr, at);
        assert!(!out.stderr.contains("CANARY"), "{}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
}

#[test]
fn include_bombs_and_long_extends_chains_stop_at_the_limit() {
    let dir = project("include: [l0_0.yml, l0_1.yml]\n");
    // 40 levels, each file including both files of the next level: 2^40
    // paths through 82 files, more than the limit: it stops there.
    for level in 0..40 {
        for i in 0..2 {
            let text = format!("include: [l{n}_0.yml, l{n}_1.yml]\n", n = level + 1);
            write(dir.path(), &format!("l{level}_{i}.yml"), &text);
        }
    }
    for i in 0..2 {
        write(dir.path(), &format!("l40_{i}.yml"), "services: {}\n");
    }
    let out = check(dir.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "more than 64 compose files");

    let mut chain = String::from("services:\n");
    for i in 0..100 {
        chain.push_str(&format!("  s{i}:\n    extends: s{}\n", i + 1));
    }
    chain.push_str("  s100:\n    image: x\n");
    let dir = project(&chain);
    let out = check(dir.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "longer than 32 services");
}

#[test]
fn init_from_follows_includes_extends_and_flow_collections() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "docker-compose.yml",
        "include:\n  - sub/db.yml\nservices:\n  api:\n    extends: { file: common.yml, service: base }\n    command: [\n      \"--key\", \"${STRIPE_SECRET_KEY}\",\n    ]\n",
    );
    write(
        dir.path(),
        "sub/db.yml",
        "services:\n  postgres:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: \"CANARY-included-literal\"\n",
    );
    write(
        dir.path(),
        "common.yml",
        "services:\n  base:\n    environment: [SESSION_SECRET]\n",
    );
    let out = run(secretary(dir.path()).args([
        "init",
        "--from",
        "docker-compose.yml",
        "-o",
        "secretary.yaml",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = fs::read_to_string(dir.path().join("secretary.yaml")).unwrap();
    assert!(!text.contains("CANARY"), "{text}");
    for needle in [
        "  api:",
        "  postgres:",
        "  STRIPE_SECRET_KEY:",
        "  SESSION_SECRET:",
        "  POSTGRES_PASSWORD:",
    ] {
        assert_contains(&text, needle);
    }
}

#[test]
fn literals_in_included_files_are_found_where_they_are_written() {
    // Two included files with a literal at the same line and column, and
    // a second compose source including one of them again.
    let text = "services:\n  SERVICE:\n    environment:\n      API_TOKEN: \"CANARY-literal\"\n";
    let dir = project("include: [a/one.yml, b/two.yml]\n");
    write(dir.path(), "a/one.yml", &text.replace("SERVICE", "api"));
    write(dir.path(), "b/two.yml", &text.replace("SERVICE", "worker"));
    write(dir.path(), "again.yml", "include: [a/one.yml]\n");
    let inventory = INVENTORY.replace(
        "      environment: production\n",
        "      environment: production\n    - file: again.yml\n",
    );
    write(dir.path(), "inventory.yaml", &inventory);
    let out = check(dir.path());
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains("CANARY"), "{}", out.stdout);
    let report = json(&out.stdout);
    let mut found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "compose-literal-secret")
        .map(|f| {
            format!(
                "{}:{}",
                f["file"].as_str().unwrap().rsplit('/').next().unwrap(),
                f["line"]
            )
        })
        .collect();
    found.sort();
    found.dedup();
    assert_eq!(found, vec!["one.yml:4", "two.yml:4"]);
}

/// Values that share a place in the file: an anchor merged into several
/// services writes its literals once (judged once, at that place), and
/// `FOO: ${FOO:-x}` is an interpolation and a default at one node (the
/// default is a literal Docker runs with when `FOO` is unset). None of them
/// stops the run (two entities with one id did).
#[test]
fn values_sharing_a_place_are_judged_apart() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "inventory.yaml", INVENTORY);
    write(
        dir.path(),
        "compose.yml",
        "x-common: &common\n  SESSION_SECRET: Zq8vLm2Rx9TkWp4Nc7Hs\n  LOG_LEVEL: info\n\
         services:\n\
         \x20 api:\n    environment:\n      <<: *common\n      DB_PASSWORD: ${DB_PASSWORD:-CANARY_default_pw}\n\
         \x20 worker:\n    environment:\n      <<: [*common]\n      DB_PASSWORD: ${DB_PASSWORD:-CANARY_default_pw}\n\
         \x20 debug:\n    environment: *common\n",
    );
    let out = check(dir.path());
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("CANARY") && !out.stderr.contains("CANARY"));
    assert!(!out.stdout.contains("Zq8vLm2Rx9TkWp4Nc7Hs"));
    let report = json(&out.stdout);
    let literal: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "compose-literal-secret")
        .map(|f| {
            (
                f["message"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let at = |name: &str| -> Vec<u64> {
        let mut lines: Vec<u64> = literal
            .iter()
            .filter(|(m, _)| m.starts_with(&format!("{name} ")))
            .map(|(_, l)| *l)
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(at("SESSION_SECRET"), vec![2], "{literal:?}");
    assert_eq!(at("DB_PASSWORD"), vec![8, 12], "{literal:?}");
}

/// A fresh clone has `.env.production.sample`, never `.env.production`:
/// the example beside a missing `env_file` gives its keys (only keys are
/// read from an `env_file`), so the check is complete and says nothing of
/// a missing file. Without an example, the gap stays (above).
#[test]
fn a_missing_env_file_is_read_from_the_example_beside_it() {
    let dir = project("services:\n  api:\n    env_file: config/.env.production\n");
    write(
        dir.path(),
        "config/.env.production.sample",
        "SIGNING_TOKEN=CANARY_sample_value\nLOG_LEVEL=info\n",
    );
    let out = check(dir.path());
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        !out.stderr.contains("compose-not-verified"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("CANARY") && !out.stderr.contains("CANARY"));
    let report = json(&out.stdout);
    let undeclared: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "compose-secret-variable-undeclared")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(undeclared.len(), 1, "{undeclared:?}");
    assert_contains(undeclared[0], "SIGNING_TOKEN");
}
