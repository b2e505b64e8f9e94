//! `secretary policies test`: rule tests (`*.test.yaml`) in temporary
//! directories next to one or two user rules copied from the built-in
//! files, run by the real binary. Every exit path: passing (0), a failing
//! case or too little coverage (1), each class of bad test file (2, at its
//! `file:line`); the three formats; a workspace with git and file modes; an
//! IAM snapshot; and a canary value that must reach no output.

use crate::common;

use std::fs;
use std::path::Path;

use common::*;

const CANARY: &str = "CANARYq7Zx9Lm2Vb8Nc4";

/// The text of the built-in rule `id` in `policies/FILE`: from its `@id`
/// line to the next blank line.
fn builtin_rule(file: &str, id: &str) -> String {
    let text = fs::read_to_string(repo_root().join("policies").join(file)).unwrap();
    let start = text
        .find(&format!("@id(\"{id}\")"))
        .unwrap_or_else(|| panic!("rule {id} in {file}"));
    let rest = &text[start..];
    let end = rest.find("\n\n").unwrap_or(rest.len());
    format!("{}\n\n", &rest[..end])
}

/// A rule directory: `rules.cedar` holding `rules`, and test files.
fn rule_dir(rules: &[(&str, &str)], tests: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text: String = rules.iter().map(|(f, id)| builtin_rule(f, id)).collect();
    fs::write(dir.path().join("rules.cedar"), text).unwrap();
    for (name, text) in tests {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn policies_test(dir: &Path, args: &[&str]) -> Run {
    run(secretary(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["policies", "test", ".", "--now", NOW])
        .args(args))
}

const OVERDUE: &[(&str, &str)] = &[("rotation.cedar", "rotation-overdue")];

/// An inventory of one production secret last rotated on `date`, indented
/// to sit under a case's `inventory:`.
fn jwt_rotated(date: &str) -> String {
    format!(
        "      version: 1\n      environments: {{ prod: {{ tier: production }} }}\n      secrets:\n        JWT:\n          classification: critical\n          rotation: {{ period: 90d }}\n          instances:\n            prod: {{ backend: env_var, last_rotated: {date} }}\n"
    )
}

fn overdue_file(expect_overdue: &str) -> String {
    format!(
        "rule: rotation-overdue\ncases:\n  - name: an overdue key\n    inventory:\n{}    expect: {expect_overdue}\n  - name: a fresh key\n    inventory:\n{}    expect: []\n",
        jwt_rotated("2026-01-01"),
        jwt_rotated("2026-11-01"),
    )
}

#[test]
fn passing_tests_exit_0_with_full_coverage() {
    let dir = rule_dir(
        OVERDUE,
        &[(
            "tests/rotation.test.yaml",
            &overdue_file("[{ entity: 'Secret::\"JWT\"', environment: prod }]"),
        )],
    );
    let out = policies_test(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout,
        "2 cases, 0 failed, coverage 100% (1 of 1 rules)\n"
    );
    // Coverage at the minimum passes.
    let out = policies_test(dir.path(), &["--min-coverage", "100"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn a_failing_case_exits_1_with_its_diff() {
    let dir = rule_dir(
        OVERDUE,
        &[(
            "tests/rotation.test.yaml",
            &overdue_file("[{ entity: 'Secret::\"JWT\"', environment: staging }]"),
        )],
    );
    let out = policies_test(dir.path(), &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_contains(&out.stdout, "FAIL ./tests/rotation.test.yaml:3:");
    assert_contains(
        &out.stdout,
        "missing:    rotation-overdue Secret::\"JWT\" in staging",
    );
    assert_contains(
        &out.stdout,
        "unexpected: rotation-overdue Secret::\"JWT\" in prod",
    );
    assert_contains(
        &out.stdout,
        "2 cases, 1 failed, coverage 100% (1 of 1 rules)",
    );
    insta::assert_snapshot!("failing-human", out.stdout);
}

#[test]
fn coverage_under_the_minimum_exits_1_and_names_what_rules_miss() {
    // Two rules; only `rotation-overdue` has both kinds of case.
    let dir = rule_dir(
        &[
            ("rotation.cedar", "rotation-overdue"),
            ("rotation.cedar", "rotation-period-missing"),
        ],
        &[
            (
                "tests/rotation.test.yaml",
                &overdue_file("[{ entity: 'Secret::\"JWT\"' }]"),
            ),
            (
                "tests/period.test.yaml",
                "rule: rotation-period-missing\ncases:\n  - name: no period\n    inventory:\n      version: 1\n      secrets:\n        JWT: { classification: critical }\n    expect: [{ entity: 'Secret::\"JWT\"' }]\n",
            ),
        ],
    );
    let out = policies_test(dir.path(), &["--min-coverage", "50"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_contains(&out.stdout, "coverage 50% (1 of 2 rules)");
    assert_contains(&out.stdout, "rotation-period-missing: no case expects none");
    let out = policies_test(dir.path(), &["--min-coverage", "60"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_contains(&out.stdout, "coverage is under the minimum of 60%");
    let out = policies_test(dir.path(), &["--min-coverage", "101"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
}

#[test]
fn json_and_junit_outputs_parse_and_agree() {
    let dir = rule_dir(
        OVERDUE,
        &[(
            "tests/rotation.test.yaml",
            &overdue_file("[{ entity: 'Secret::\"OTHER\"' }]"),
        )],
    );
    let out = policies_test(dir.path(), &["--format", "json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let report = json(&out.stdout);
    assert_eq!(report["summary"]["cases"], 2);
    assert_eq!(report["summary"]["failed"], 1);
    let failed = &report["cases"][0];
    assert_eq!(failed["passed"], false);
    assert_eq!(failed["line"], 3);
    assert_eq!(failed["missing"][0]["entity"], "Secret::\"OTHER\"");
    assert_eq!(failed["unexpected"][0]["entity"], "Secret::\"JWT\"");
    assert_eq!(failed["unexpected"][0]["environment"], "prod");
    assert_eq!(report["coverage"]["percent"], 100.0);
    assert_eq!(report["coverage"]["rules"][0]["rule"], "rotation-overdue");

    let out = policies_test(dir.path(), &["--format", "junit"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let doc = roxmltree::Document::parse(&out.stdout).expect("JUnit is XML");
    let suites: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let names: Vec<_> = suites
        .iter()
        .map(|s| s.attribute("name").unwrap())
        .collect();
    assert_eq!(names, ["./tests/rotation.test.yaml", "coverage"]);
    let cases: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    assert!(cases[0].children().any(|n| n.has_tag_name("failure")));
    assert!(!cases[1].children().any(|n| n.has_tag_name("failure")));
}

/// Runs a one-file rule test expected to be refused: exit 2, nothing on
/// stdout, and each `needle` (a `file:line`, a code, a hint) on stderr.
fn refused(rules: &[(&str, &str)], test: &str, needles: &[&str]) {
    let dir = rule_dir(rules, &[("t.test.yaml", test)]);
    let out = policies_test(dir.path(), &[]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "");
    for needle in needles {
        assert_contains(&out.stderr, needle);
    }
}

const INVENTORY: &str = "    inventory: { version: 1 }\n";

#[test]
fn bad_test_files_exit_2_at_their_line() {
    // An unknown field.
    refused(
        OVERDUE,
        &format!("rule: rotation-overdue\ncases:\n  - name: a\n{INVENTORY}    expct: []\n"),
        &[
            "./t.test.yaml:5:5",
            "unknown key `expct`",
            "did you mean `expect`?",
        ],
    );
    // A rule that is not loaded, with a did-you-mean.
    refused(
        OVERDUE,
        &format!("rule: rotation-overdu\ncases:\n  - name: a\n{INVENTORY}    expect: []\n"),
        &[
            "./t.test.yaml:1:7",
            "error[unknown-rule]",
            "did you mean `rotation-overdue`?",
        ],
    );
    // Both an inline inventory and a file; then neither.
    refused(
        OVERDUE,
        &format!("rule: rotation-overdue\ncases:\n  - name: a\n{INVENTORY}    file: x.yaml\n    expect: []\n"),
        &["./t.test.yaml:5:5", "has both `inventory:` and `file:`"],
    );
    refused(
        OVERDUE,
        "rule: rotation-overdue\ncases:\n  - name: a\n    expect: []\n",
        &["./t.test.yaml:3:", "case `a` has no inventory"],
    );
    // Two cases of one name.
    refused(
        OVERDUE,
        &format!("rule: rotation-overdue\ncases:\n  - name: a\n{INVENTORY}    expect: []\n  - name: a\n{INVENTORY}    expect: []\n"),
        &["./t.test.yaml:6:11", "two cases are named `a`", "./t.test.yaml:3:11"],
    );
    // A fixture that cannot be read.
    refused(
        OVERDUE,
        "rule: rotation-overdue\ncases:\n  - name: a\n    file: fixtures/missing.yaml\n    expect: []\n",
        &["fixtures/missing.yaml", "does not exist", "in case `a`", "./t.test.yaml:3:"],
    );
    // An inline inventory that does not validate: its error at its line.
    refused(
        OVERDUE,
        "rule: rotation-overdue\ncases:\n  - name: a\n    inventory:\n      version: 1\n      secrets:\n        JWT:\n          classification: critical\n          readers: [nobody]\n    expect: []\n",
        &["./t.test.yaml:9:", "error[unknown-reference]", "`nobody`"],
    );
    // An entity that does not parse.
    refused(
        OVERDUE,
        &format!("rule: rotation-overdue\ncases:\n  - name: a\n{INVENTORY}    expect: [{{ entity: Secret JWT }}]\n"),
        &["./t.test.yaml:5:24", "error[invalid-entity]", "`entity: Secret JWT` is not an entity"],
    );
    let two = &[
        ("rotation.cedar", "rotation-overdue"),
        ("rotation.cedar", "rotation-period-missing"),
    ];
    // No `rule` in an expected finding of a file testing two rules.
    refused(
        two,
        &format!("rules: [rotation-overdue, rotation-period-missing]\ncases:\n  - name: a\n{INVENTORY}    expect:\n      - entity: 'Secret::\"A\"'\n"),
        &["./t.test.yaml:6:", "names no rule, and the file tests several"],
    );
    // An expected finding of a rule the file does not test.
    refused(
        two,
        &format!("rule: rotation-overdue\ncases:\n  - name: a\n{INVENTORY}    expect:\n      - {{ rule: rotation-period-missing, entity: 'Secret::\"A\"' }}\n"),
        &["./t.test.yaml:6:17", "which the file does not test"],
    );
    // Neither `rule` nor `rules`.
    refused(
        OVERDUE,
        &format!("cases:\n  - name: a\n{INVENTORY}    expect: []\n"),
        &["./t.test.yaml:1:1", "the file names no rule"],
    );
}

#[test]
fn no_test_file_is_bad_usage() {
    let dir = rule_dir(OVERDUE, &[]);
    let out = policies_test(dir.path(), &[]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert_contains(&out.stderr, "no rule test (`*.test.yaml`)");
}

#[test]
fn a_workspace_case_runs_in_a_git_repository_with_file_modes_and_shows_no_value() {
    let test = format!(
        r#"rules: [secret-file-too-open-on-disk, env-file-committed]
cases:
  - name: an open secret file and a committed .env
    env: [production]
    inventory:
      version: 1
      environments: {{ production: {{ tier: production }} }}
      sources: {{ repository: . }}
      secrets:
        DB:
          classification: important
          instances:
            production: {{ backend: file, file: {{ path: secrets/db, mode: "0600" }} }}
    workspace:
      git: true
      files:
        - {{ path: secrets/db, content: "{CANARY}\n", mode: "644" }}
        - {{ path: .env, content: "API_KEY={CANARY}\n", commit: true }}
    expect:
      - {{ rule: env-file-committed, entity: 'RepoFile::".env"' }}
      - {{ rule: secret-file-too-open-on-disk, entity: 'Secret::"DB"', environment: production }}
  - name: a closed file and nothing committed
    env: [production]
    inventory:
      version: 1
      environments: {{ production: {{ tier: production }} }}
      sources: {{ repository: . }}
      secrets:
        DB:
          classification: important
          instances:
            production: {{ backend: file, file: {{ path: secrets/db, mode: "0600" }} }}
    workspace:
      git: true
      files:
        - {{ path: secrets/db, content: "{CANARY}\n", mode: "600" }}
        - {{ path: .env, content: "API_KEY={CANARY}\n" }}
        - {{ path: .gitignore, content: ".env\n", commit: true }}
    expect: []
"#
    );
    let dir = rule_dir(
        &[
            ("repository.cedar", "secret-file-too-open-on-disk"),
            ("repository.cedar", "env-file-committed"),
        ],
        &[("tests/files.test.yaml", &test)],
    );
    for format in ["human", "json", "junit"] {
        let out = policies_test(dir.path(), &["--format", format]);
        // Without Unix modes both cases are skipped, which fails nothing.
        assert_eq!(out.code, 0, "{format}: {}{}", out.stdout, out.stderr);
        assert!(!out.stdout.contains(CANARY), "{format}: {}", out.stdout);
        assert!(!out.stderr.contains(CANARY), "{format}: {}", out.stderr);
    }
    // A failing run shows no value either.
    let failing = test.replace(
        "    expect: []\n",
        "    expect: [{ rule: env-file-committed, entity: 'RepoFile::\".env\"' }]\n",
    );
    fs::write(dir.path().join("tests/files.test.yaml"), failing).unwrap();
    let out = policies_test(dir.path(), &[]);
    if cfg!(unix) {
        assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
        assert_contains(
            &out.stdout,
            "missing:    env-file-committed RepoFile::\".env\"",
        );
    } else {
        assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
        assert_contains(&out.stdout, "which this system does not have");
    }
    assert!(!out.stdout.contains(CANARY) && !out.stderr.contains(CANARY));
}

#[test]
fn a_case_reads_an_iam_snapshot_relative_to_the_test_file() {
    let fixtures = repo_root().join("tests/fixtures/iam");
    let inventory = fs::read_to_string(fixtures.join("inventory.yaml")).unwrap();
    // The same inventory without the `ops` user the snapshot holds.
    let start = inventory.find("  ops:").unwrap();
    let end = inventory.find("  app:").unwrap();
    let without_ops = format!("{}{}", &inventory[..start], &inventory[end..]);
    let dir = rule_dir(
        &[("iam.cedar", "iam-user-undeclared")],
        &[
            ("tests/fixtures/full.yaml", &inventory),
            ("tests/fixtures/without-ops.yaml", &without_ops),
            (
                "tests/iam.test.yaml",
                "rule: iam-user-undeclared\ncases:\n  - name: every user declared\n    file: fixtures/full.yaml\n    iam_snapshot: fixtures/snapshot.json\n    expect: []\n  - name: ops undeclared\n    file: fixtures/without-ops.yaml\n    iam_snapshot: fixtures/snapshot.json\n    expect: [{ entity: 'IamUser::\"ops\"' }]\n",
            ),
        ],
    );
    fs::copy(
        fixtures.join("clean-snapshot.json"),
        dir.path().join("tests/fixtures/snapshot.json"),
    )
    .unwrap();
    let out = policies_test(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_contains(
        &out.stdout,
        "2 cases, 0 failed, coverage 100% (1 of 1 rules)",
    );
}

#[test]
fn entity_ids_holding_paths_do_not_depend_on_where_the_command_runs() {
    let dir = rule_dir(
        &[("repository.cedar", "env-example-undeclared-variable")],
        &[
            ("tests/fixtures/app.env.example", "TOKEN=\nPORT=3000\n"),
            (
                "tests/example.test.yaml",
                "rule: env-example-undeclared-variable\ncases:\n  - name: TOKEN is not declared\n    inventory:\n      version: 1\n      env_vars: { PORT: {} }\n      sources: { env_example: [fixtures/app.env.example] }\n    expect: [{ entity: 'ExampleVar::\"fixtures/app.env.example#TOKEN\"' }]\n  - name: both are declared\n    inventory:\n      version: 1\n      env_vars: { PORT: {}, TOKEN: {} }\n      sources: { env_example: [fixtures/app.env.example] }\n    expect: []\n",
            ),
        ],
    );
    let name = dir.path().file_name().unwrap().to_str().unwrap().to_owned();
    for (from, arg) in [
        (dir.path().to_path_buf(), "."),
        (dir.path().parent().unwrap().to_path_buf(), name.as_str()),
        (dir.path().join("tests"), ".."),
    ] {
        let out = run(secretary(&from).args(["policies", "test", arg, "--now", NOW]));
        assert_eq!(out.code, 0, "from {from:?}: {}{}", out.stdout, out.stderr);
    }
}

/// Dogfooding: the built-in rules' own tests (`policies/tests/`) pass and
/// cover every built-in rule, from the repository root and from inside the
/// rules' directory alike, with no note from any case on stderr.
#[test]
fn the_builtin_rules_pass_their_own_tests_at_full_coverage() {
    let root = repo_root();
    for (dir, arg) in [(root.clone(), "policies"), (root.join("policies"), ".")] {
        let r = run(secretary(&dir).args(["policies", "test", arg, "--min-coverage", "100"]));
        assert_eq!(
            r.code,
            0,
            "from {}:\n{}{}",
            dir.display(),
            r.stdout,
            r.stderr
        );
        if cfg!(unix) {
            assert_contains(&r.stdout, "0 failed, coverage 100%");
        } else {
            // The cases that set file modes are skipped, and say so.
            assert_contains(&r.stdout, "0 failed, ");
            assert_contains(&r.stdout, " skipped, coverage 100%");
            assert_contains(&r.stdout, "which this system does not have");
        }
        assert!(!r.stderr.contains("warning["), "{}", r.stderr);
    }
    let listed = json(&run(secretary(&root).args(["policies", "list", "--format", "json"])).stdout);
    let builtin = listed["rules"].as_array().unwrap().len();
    assert_contains(
        &run(secretary(&root).args(["policies", "test", "policies"])).stdout,
        &format!("({builtin} of {builtin} rules)"),
    );
}
