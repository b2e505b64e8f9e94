//! Source code under `sources.code`: environment variable references in
//! each language, `.gitignore` honoured, secret-like variables the
//! inventory lacks, and inventory env vars nothing refers to.

use crate::common;

use std::fs;
use std::path::Path;

use common::{json, run, secretary, NOW};

const INVENTORY: &str = r#"version: 1
environments:
  production: { tier: production }
services:
  api: { kind: api }
  db: { kind: database }
secrets:
  JWT_SECRET:
    classification: critical
    owner: platform
    readers: [api]
    rotation: { period: 90d }
    instances:
      production: { backend: env_var, env_var: JWT_SECRET, last_rotated: 2026-11-01 }
env_vars:
  JWT_SECRET: { required: true, secret: JWT_SECRET }
  DATABASE_URL: { required: true }
  UNUSED_VAR: { required: false }
  COMPOSE_ONLY: { required: false }
sources:
  code: [src]
"#;

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn setup(dir: &Path) {
    write(dir, "inventory.yaml", INVENTORY);
    write(
        dir,
        "src/main.rs",
        "fn main() {\n    let url = std::env::var(\"DATABASE_URL\");\n    let key = env::var(\"STRIPE_SECRET_KEY\");\n}\n",
    );
    write(
        dir,
        "src/web/app.ts",
        "const url = process.env.NEXT_PUBLIC_URL;\nconst token = process.env[\"GITHUB_TOKEN\"];\n",
    );
    write(
        dir,
        "src/py/app.py",
        "import os\nkey = os.environ[\"API_KEY\"]\njwt = os.getenv(\"JWT_SECRET\")\ncert = os.getenv(\"TLS_KEY_PATH\")\n",
    );
    write(
        dir,
        "src/go/main.go",
        "package main\n\nfunc main() {\n\tos.Getenv(\"AWS_SECRET_ACCESS_KEY\")\n}\n",
    );
    write(dir, "src/rb/app.rb", "pw = ENV.fetch(\"SMTP_PASSWORD\")\n");
    write(
        dir,
        "src/deploy.sh",
        "#!/bin/sh\n# uses $COMMENTED_TOKEN\necho \"${DEPLOY_TOKEN}\"\ncd \"$PWD\"\n",
    );
    // Ignored by .gitignore (no git repository needed), and hidden files.
    write(dir, "src/.gitignore", "generated/\n");
    write(
        dir,
        "src/generated/bundle.js",
        "process.env.IGNORED_TOKEN\n",
    );
    write(dir, "src/.hidden/x.py", "os.getenv(\"HIDDEN_TOKEN\")\n");
}

fn check(dir: &Path) -> serde_json::Value {
    let out =
        run(secretary(dir).args(["check", "inventory.yaml", "--now", NOW, "--format", "json"]));
    assert!(out.code == 1 || out.code == 0, "{}", out.stderr);
    json(&out.stdout)
}

/// `(entity, file, line)` of each finding of `rule`, sorted.
fn of_rule(report: &serde_json::Value, rule: &str) -> Vec<(String, String, u64)> {
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            (
                f["entity"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap().replace('\\', "/"),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn secret_like_variables_missing_from_the_inventory_are_found_in_each_language() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let report = check(dir.path());
    let found: Vec<(String, u64)> = of_rule(&report, "code-secret-variable-undeclared")
        .into_iter()
        .map(|(_, file, line)| (file, line))
        .collect();
    let mut expected = vec![
        ("src/deploy.sh".to_owned(), 3),
        ("src/go/main.go".to_owned(), 4),
        ("src/main.rs".to_owned(), 3),
        ("src/py/app.py".to_owned(), 2),
        ("src/rb/app.rb".to_owned(), 1),
        ("src/web/app.ts".to_owned(), 2),
    ];
    expected.sort();
    let mut found = found;
    found.sort();
    assert_eq!(found, expected);
    let text = report.to_string();
    for name in [
        "STRIPE_SECRET_KEY",
        "GITHUB_TOKEN",
        "API_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "SMTP_PASSWORD",
        "DEPLOY_TOKEN",
    ] {
        assert!(text.contains(name), "{name} missing");
    }
    // Declared, not secret-like, commented out, ignored or hidden: nothing.
    for name in [
        "NEXT_PUBLIC_URL",
        "IGNORED_TOKEN",
        "HIDDEN_TOKEN",
        "COMMENTED_TOKEN",
        "TLS_KEY_PATH",
        "PWD",
    ] {
        assert!(!text.contains(name), "{name} reported");
    }
}

#[test]
fn inventory_env_vars_nothing_refers_to_are_low_findings_at_the_inventory() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let report = check(dir.path());
    let found = of_rule(&report, "env-var-unreferenced");
    let entities: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    // DATABASE_URL and JWT_SECRET are read by the code; COMPOSE_ONLY is not.
    assert_eq!(
        entities,
        vec![r#"EnvVar::"COMPOSE_ONLY""#, r#"EnvVar::"UNUSED_VAR""#]
    );
    for (_, file, _) in &found {
        assert_eq!(file, "inventory.yaml");
    }
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "env-var-unreferenced")
        .all(|f| f["severity"] == "low"));
}

#[test]
fn a_compose_file_counts_as_a_reference() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  db:\n    environment: [COMPOSE_ONLY]\n",
    );
    write(
        dir.path(),
        "inventory.yaml",
        &INVENTORY.replace(
            "  code: [src]\n",
            "  code: [src]\n  compose:\n    - file: docker-compose.yml\n",
        ),
    );
    let report = check(dir.path());
    let found = of_rule(&report, "env-var-unreferenced");
    let entities: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(entities, vec![r#"EnvVar::"UNUSED_VAR""#]);
}

#[test]
fn without_sources_code_nothing_is_judged_as_unreferenced() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    write(
        dir.path(),
        "inventory.yaml",
        &INVENTORY.replace("sources:\n  code: [src]\n", ""),
    );
    let report = check(dir.path());
    assert!(of_rule(&report, "env-var-unreferenced").is_empty());
    assert!(of_rule(&report, "code-secret-variable-undeclared").is_empty());
}

#[test]
fn a_git_repository_ignore_file_is_honoured_too() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    fs::create_dir_all(dir.path().join(".git")).unwrap();
    write(dir.path(), ".gitignore", "src/py/\n");
    let report = check(dir.path());
    let files: Vec<String> = of_rule(&report, "code-secret-variable-undeclared")
        .into_iter()
        .map(|f| f.1)
        .collect();
    assert!(!files.iter().any(|f| f.contains("py/")), "{files:?}");
    assert!(files.iter().any(|f| f.contains("main.rs")), "{files:?}");
}
