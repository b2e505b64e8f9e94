//! The distribution files: the GitHub workflows, the Action (`action.yml`
//! and `action/install.sh`) and the pre-commit hooks. They run only on
//! GitHub or in a user's repository, so these tests read them as their
//! consumers do (YAML) and check that they agree with each other and with
//! the binary: inputs used are declared, the released targets are the ones
//! the installer downloads and each is tested before it is released, and the
//! hooks' command line is one secretary accepts.
//! `scripts/e2e-action.sh` runs the install script itself against packaged
//! assets.

use crate::common;

use std::collections::BTreeSet;
use std::fs;

use common::*;
use serde_yaml::Value;

fn yaml(path: &str) -> Value {
    let text = fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

fn workflows() -> Vec<(String, Value)> {
    let mut paths: Vec<_> = fs::read_dir(repo_root().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let rel = p
                .strip_prefix(repo_root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let value = yaml(&rel);
            (rel, value)
        })
        .collect()
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The action's declared inputs.
fn action_inputs() -> BTreeSet<String> {
    let action = yaml("action.yml");
    action["inputs"]
        .as_mapping()
        .expect("action.yml declares inputs")
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

/// Every step of every job of a workflow.
fn steps(workflow: &Value) -> Vec<&Value> {
    workflow["jobs"]
        .as_mapping()
        .expect("a workflow has jobs")
        .values()
        .flat_map(|job| job["steps"].as_sequence().into_iter().flatten())
        .collect()
}

/// The released targets of `action/install.sh`, as (RUNNER_OS, RUNNER_ARCH, target).
fn installer_targets() -> Vec<(String, String, String)> {
    let script = fs::read_to_string(repo_root().join("action/install.sh")).unwrap();
    let start = script
        .find("<<'TARGETS'\n")
        .expect("install.sh lists its targets")
        + 12;
    let end = start + script[start..].find("\nTARGETS\n").expect("the list ends");
    script[start..end]
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f.len(), 3, "`{line}`: RUNNER_OS RUNNER_ARCH target");
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

#[test]
fn every_workflow_and_the_action_parse() {
    let all = workflows();
    let names: Vec<&str> = all.iter().map(|(p, _)| p.as_str()).collect();
    for expected in [
        ".github/workflows/release.yml",
        ".github/workflows/secretary-compliance.yml",
    ] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    for (path, workflow) in &all {
        assert!(workflow["on"].is_mapping(), "{path}: no `on:` triggers");
        for step in steps(workflow) {
            assert!(
                step.get("uses").is_some() != step.get("run").is_some(),
                "{path}: a step has exactly one of `uses` and `run`: {step:?}"
            );
        }
    }
    let action = yaml("action.yml");
    assert_eq!(str_of(&action["runs"], "using"), Some("composite"));
    for step in action["runs"]["steps"].as_sequence().unwrap() {
        if step.get("run").is_some() {
            assert!(
                step.get("shell").is_some(),
                "a composite run step needs `shell`: {step:?}"
            );
        }
    }
}

#[test]
fn the_action_uses_only_inputs_it_declares() {
    let declared = action_inputs();
    for name in [
        "version",
        "inventory",
        "policies",
        "fail-on",
        "args",
        "sarif",
    ] {
        assert!(declared.contains(name), "input `{name}` not declared");
    }
    let text = fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let used = regex::Regex::new(r"inputs\.([A-Za-z0-9_-]+)").unwrap();
    let mut seen = BTreeSet::new();
    for expr in text.split("${{").skip(1) {
        let expr = &expr[..expr.find("}}").expect("an expression ends")];
        for cap in used.captures_iter(expr) {
            assert!(
                declared.contains(&cap[1]),
                "action.yml uses undeclared input `{}`",
                &cap[1]
            );
            seen.insert(cap[1].to_string());
        }
    }
    assert_eq!(seen, declared, "every declared input is used");
}

#[test]
fn workflows_pass_only_declared_inputs_to_the_action() {
    let declared = action_inputs();
    let mut uses_of_action = 0;
    for (path, workflow) in workflows() {
        for step in steps(&workflow) {
            let Some(uses) = str_of(step, "uses") else {
                continue;
            };
            if !(uses.starts_with("secretary-rs/secretary@") || uses == "./") {
                continue;
            }
            uses_of_action += 1;
            for key in step["with"].as_mapping().into_iter().flat_map(|m| m.keys()) {
                let key = key.as_str().unwrap();
                assert!(
                    declared.contains(key),
                    "{path}: input `{key}` is not declared by action.yml"
                );
            }
        }
    }
    assert!(
        uses_of_action > 0,
        "the compliance workflow uses the action"
    );
}

#[test]
fn the_compliance_workflow_pins_this_release() {
    let workflow = yaml(".github/workflows/secretary-compliance.yml");
    let pinned = format!("secretary-rs/secretary@v{}", env!("CARGO_PKG_VERSION"));
    assert!(
        steps(&workflow)
            .iter()
            .any(|s| str_of(s, "uses") == Some(pinned.as_str())),
        "the compliance workflow uses {pinned}"
    );
}

/// The release matrix: (runner label, target) of each build job.
fn release_matrix() -> Vec<(String, String)> {
    let release = yaml(".github/workflows/release.yml");
    release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .expect("release.yml builds a matrix")
        .iter()
        .map(|m| {
            (
                str_of(m, "os").unwrap().to_string(),
                str_of(m, "target").unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_released_targets_are_the_ones_the_installer_downloads() {
    // The runner labels release.yml uses, as the runner reports itself.
    let runner = |label: &str| match label {
        "ubuntu-24.04" => ("Linux", "X64"),
        "ubuntu-24.04-arm" => ("Linux", "ARM64"),
        "macos-13" => ("macOS", "X64"),
        "macos-14" => ("macOS", "ARM64"),
        "windows-latest" => ("Windows", "X64"),
        other => panic!("unknown runner label `{other}`: add it here"),
    };
    let mut released: Vec<(String, String, String)> = release_matrix()
        .iter()
        .map(|(os, target)| {
            let (o, a) = runner(os);
            (o.to_string(), a.to_string(), target.clone())
        })
        .collect();
    let mut installed = installer_targets();
    released.sort();
    installed.sort();
    assert_eq!(
        released, installed,
        "release.yml matrix vs action/install.sh targets"
    );
    assert_eq!(installed.len(), 5);
}

#[test]
fn every_released_target_is_tested_before_it_is_packaged() {
    let release = yaml(".github/workflows/release.yml");
    let build = &release["jobs"]["build"];
    let steps: Vec<&Value> = build["steps"].as_sequence().unwrap().iter().collect();
    let run_of = |s: &Value| str_of(s, "run").unwrap_or("").to_string();
    let test = steps
        .iter()
        .position(|s| run_of(s).trim() == "./scripts/test.sh")
        .expect("the build job runs scripts/test.sh");
    let package = steps
        .iter()
        .position(|s| run_of(s).contains("./scripts/package.sh \"${{ matrix.target }}\""))
        .expect("the build job packages with scripts/package.sh");
    assert!(test < package, "tests run before packaging");
    assert_eq!(
        str_of(&steps[test]["env"], "CARGO_BUILD_TARGET"),
        Some("${{ matrix.target }}"),
        "the tests build for the released target"
    );
    assert!(steps[test].get("if").is_none() && steps[test].get("continue-on-error").is_none());
    assert_ne!(build["strategy"]["fail-fast"].as_bool(), Some(false));
    // Publishing waits for every matrix job; the image for the release.
    assert_eq!(str_of(&release["jobs"]["release"], "needs"), Some("build"));
    assert_eq!(str_of(&release["jobs"]["image"], "needs"), Some("release"));
    let text = serde_yaml::to_string(&release["jobs"]["release"]).unwrap();
    assert_contains(&text, &format!("-eq {}", release_matrix().len()));
}

#[test]
fn the_release_publishes_the_image_the_docker_hook_runs() {
    let release = yaml(".github/workflows/release.yml");
    let text = serde_yaml::to_string(&release["jobs"]["image"]).unwrap();
    assert_contains(
        &text,
        "ghcr.io/secretary-rs/secretary:${{ github.ref_name }}",
    );
    let hooks = yaml(".pre-commit-hooks.yaml");
    let docker = hooks
        .as_sequence()
        .unwrap()
        .iter()
        .find(|h| str_of(h, "language") == Some("docker_image"))
        .expect("a docker_image hook");
    let image = str_of(docker, "entry").unwrap().split(' ').next().unwrap();
    assert_eq!(
        image,
        format!(
            "ghcr.io/secretary-rs/secretary:v{}",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn the_hooks_run_a_real_command_only_for_inventory_changes() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().expect("a list of hooks");
    let languages: BTreeSet<&str> = hooks
        .iter()
        .map(|h| str_of(h, "language").unwrap())
        .collect();
    assert_eq!(languages, BTreeSet::from(["docker_image", "system"]));
    for hook in hooks {
        let id = str_of(hook, "id").unwrap();
        assert_eq!(hook["pass_filenames"].as_bool(), Some(false), "{id}");
        // Runs for inventory, rule and lock files, not for unrelated ones.
        let files = regex::Regex::new(str_of(hook, "files").unwrap()).unwrap();
        for path in [
            "secretary.yaml",
            "deploy/secretary.yml",
            "secretary.lock",
            "examples/clean/inventory.yaml",
            "examples/sasha/inventory/prod.yaml",
            "policies/team.cedar",
        ] {
            assert!(files.is_match(path), "{id} does not run for {path}");
        }
        for path in [
            "src/main.rs",
            ".github/workflows/ci.yml",
            "docker-compose.yaml",
            "README.md",
        ] {
            assert!(!files.is_match(path), "{id} runs for the unrelated {path}");
        }
        // The entry after the program (or image) and the args are a command
        // secretary accepts: compliant today, failing once the clean
        // example's rotations fall overdue (`high`).
        let entry: Vec<&str> = str_of(hook, "entry").unwrap().split(' ').skip(1).collect();
        let args: Vec<&str> = hook["args"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(args, ["--fail-on", "high"], "{id}");
        for (now, code) in [(NOW, 0), ("2028-01-01", 1)] {
            let r = run(secretary(&repo_root().join("examples/clean"))
                .args(&entry)
                .arg("inventory.yaml")
                .args(&args)
                .args(["--now", now]));
            assert_eq!(r.code, code, "{id} on {now}: {}{}", r.stdout, r.stderr);
        }
    }
}
