//! Every shipped example inventory: it loads, its findings are pinned, and
//! the clean example is compliant. An example is a directory under
//! `examples/` with `inventory.yaml` or `inventory/`, and optionally
//! `policies/` with the project-specific rules its document states.

use crate::common;

use std::path::{Path, PathBuf};

use common::*;

fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn check_example(dir: &Path) -> Run {
    let name = dir.file_name().unwrap().to_str().unwrap();
    let base = format!("examples/{name}");
    let inventory = if dir.join("inventory.yaml").is_file() {
        format!("{base}/inventory.yaml")
    } else {
        format!("{base}/inventory")
    };
    let mut cmd = secretary(&repo_root());
    cmd.args(["check", &inventory, "--now", NOW, "--format", "json"]);
    if dir.join("policies").is_dir() {
        cmd.args(["--policies", &format!("{base}/policies")]);
    }
    run(&mut cmd)
}

#[test]
fn every_example_loads_and_its_findings_are_pinned() {
    let examples = examples();
    assert!(
        examples.len() >= 6,
        "one example per seed document plus a clean one: {examples:?}"
    );
    for dir in examples {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let r = check_example(&dir);
        assert!(
            r.code == 0 || r.code == 1,
            "{name}: exit {}\n{}",
            r.code,
            r.stderr
        );
        assert!(r.stderr.is_empty(), "{name} printed warnings: {}", r.stderr);
        let report = json(&r.stdout);
        let pinned: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} [{}] {}{}{} @ {}:{}\n    {}",
                    f["rule"].as_str().unwrap(),
                    f["severity"].as_str().unwrap(),
                    f["entity"].as_str().unwrap(),
                    f["environment"]
                        .as_str()
                        .map(|e| format!(" in {e}"))
                        .unwrap_or_default(),
                    f["principal"]
                        .as_str()
                        .map(|p| format!(" by {p}"))
                        .unwrap_or_default(),
                    f["file"].as_str().unwrap(),
                    f["line"],
                    f["message"].as_str().unwrap(),
                )
            })
            .collect();
        insta::assert_snapshot!(format!("example-{name}"), pinned.join("\n"));
    }
}

#[test]
fn the_clean_example_is_compliant() {
    let r = check_example(&repo_root().join("examples/clean"));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(json(&r.stdout)["summary"]["total"], 0);
}

/// The problems each seed document itself states appear as findings.
#[test]
fn documented_problems_are_found() {
    let expect = [
        ("sasha", "secret-env-var-default", "EnvVar::\"JWT_SECRET\""),
        ("sasha", "unencrypted-at-rest", ""),
        (
            "supabase-gateway",
            "service-key-gateway-only",
            "Secret::\"SUPABASE_SERVICE_KEY\"",
        ),
        ("agent-platform", "scope-shadowing", ""),
        (
            "alga-psa",
            "fingerprint-reused-across-secrets",
            "Secret::\"crypto_key\"",
        ),
        (
            "claudemesh",
            "unencrypted-at-rest",
            "Secret::\"mesh.root_key\"",
        ),
    ];
    for (example, rule, entity) in expect {
        let r = check_example(&repo_root().join("examples").join(example));
        let report = json(&r.stdout);
        let found = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == rule && (entity.is_empty() || f["entity"] == entity));
        assert!(
            found,
            "{example}: expected a `{rule}` finding on {entity}: {report:#}"
        );
    }
}

/// Runs an example with its inventory text changed by `mutate`, to show that
/// a project rule the document states catches the violation it describes.
fn check_mutated(example: &str, mutate: impl Fn(&str) -> String) -> serde_json::Value {
    let root = repo_root();
    let source = root.join("examples").join(example).join("inventory.yaml");
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&source).unwrap();
    let changed = mutate(&text);
    assert_ne!(changed, text, "the mutation must change the inventory");
    std::fs::write(dir.path().join("inventory.yaml"), changed).unwrap();
    // Files the inventory names under `sources:` (a compose file) come along.
    for entry in std::fs::read_dir(source.parent().unwrap()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && path.file_name().is_some_and(|n| n != "inventory.yaml") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let policies = root.join("examples").join(example).join("policies");
    let r = run(secretary(dir.path())
        .args([
            "check",
            "inventory.yaml",
            "--now",
            NOW,
            "--format",
            "json",
            "--policies",
        ])
        .arg(&policies));
    assert_eq!(r.code, 1, "{}", r.stderr);
    json(&r.stdout)
}

fn has_finding(report: &serde_json::Value, rule: &str) -> bool {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == rule)
}

#[test]
fn seed_001_secrets_are_files_never_env_vars() {
    let report = check_mutated("alga-psa", |text| {
        text.replacen("backend: docker_secret", "backend: env_var", 1)
    });
    assert!(
        has_finding(&report, "alga-secret-not-a-mounted-file"),
        "{report:#}"
    );
}

#[test]
fn seed_003_local_encrypted_is_for_development_only() {
    let report = check_mutated("agent-platform", |text| {
        text.replacen(
            "  test:\n    tier: development",
            "  test:\n    tier: staging",
            1,
        )
    });
    assert!(
        has_finding(&report, "local-encrypted-development-only"),
        "{report:#}"
    );
}

/// Seed 001's compose example (`examples/alga-psa/docker-compose.yaml`) is
/// compared with `reads`: the bind mount gives `server` db_password_server,
/// so dropping that read is drift.
#[test]
fn seed_001_compose_example_is_compared_with_reads() {
    let report = check_mutated("alga-psa", |text| {
        text.replacen(
            "      - db_password_server\n      - redis_password\n",
            "      - redis_password\n",
            1,
        )
    });
    let drift: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "compose-read-undeclared")
        .collect();
    assert_eq!(drift.len(), 1, "{report:#}");
    assert_eq!(drift[0]["entity"], "Secret::\"db_password_server\"");
    assert_eq!(drift[0]["principal"], "Service::\"server\"");
    assert_eq!(drift[0]["file"], "docker-compose.yaml");
    assert_eq!(drift[0]["line"], 19);
}
