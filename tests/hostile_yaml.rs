//! Hostile YAML (issue 13, families 1, 2 and 7): deep nesting in flow and
//! block style, alias bombs, aliases into their own anchor, unknown tags,
//! control characters and numbers of every shape, in inventories, compose
//! files and `init --from`. Every case ends in exit 2 naming the file and
//! line, or in the verdict the file deserves; none panics or aborts. Deep
//! and large inputs are generated here, never committed.

use std::fs;
use std::path::Path;

use crate::common::{self, assert_contains, run, secretary, NOW};

/// A valid inventory with one free place (`{extra}`) under a secret's
/// `description`-level keys, and a compose source.
fn inventory(extra: &str) -> String {
    format!(
        "version: 1
environments:
  production: {{ tier: production }}
services:
  api: {{ kind: api }}
secrets:
  JWT_SECRET:
    classification: critical
    owner: platform
    readers: [api]
    rotation: {{ period: 90d }}
    instances:
      production: {{ backend: aws_secrets_manager, env_var: JWT_SECRET, last_rotated: 2026-11-01 }}
{extra}"
    )
}

fn check(dir: &Path, file: &str) -> common::Run {
    run(secretary(dir).args(["check", file, "--now", NOW, "--color", "never"]))
}

/// Writes `text` as `inventory.yaml` and checks it.
fn check_text(text: &str) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("inventory.yaml"), text).unwrap();
    check(dir.path(), "inventory.yaml")
}

/// Asserts exit 2 with `code` at `inventory.yaml:line` and no panic.
#[track_caller]
fn refused(out: &common::Run, code: &str, at: &str) {
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, &format!("error[{code}]"));
    assert_contains(&out.stderr, at);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

fn flow_nesting(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn block_mappings(depth: usize) -> String {
    let mut text = String::new();
    for level in 0..depth {
        text.push_str(&" ".repeat(level));
        text.push_str("k:\n");
    }
    text
}

#[test]
fn flow_nesting_at_any_depth_is_a_limit_not_a_crash() {
    for depth in [65, 1_000, 20_000] {
        let out = check_text(&inventory(&format!("x: {}\n", flow_nesting(depth))));
        refused(&out, "yaml-limit", "inventory.yaml:14:");
        assert_contains(&out.stderr, "more than 64 levels");
    }
}

#[test]
fn block_nesting_at_any_depth_is_a_limit_not_a_crash() {
    for depth in [100, 4_000] {
        let out = check_text(&inventory(&block_mappings(depth)));
        refused(&out, "yaml-limit", "inventory.yaml:");
        // The limit is crossed on the 64th nested key (line 15 + 63).
        assert_contains(&out.stderr, "inventory.yaml:78:66");
    }
    // Sequences in block style: `- - - - x`.
    let deep = format!("x:\n{}x\n", "- ".repeat(5_000));
    refused(
        &check_text(&inventory(&deep)),
        "yaml-limit",
        "inventory.yaml:15:",
    );
}

#[test]
fn nesting_under_the_limit_is_judged_as_any_other_mistake() {
    // 50 levels is within the limit: the file is read, and the unknown key
    // is what is wrong with it.
    let out = check_text(&inventory(&format!("x: {}\n", flow_nesting(50))));
    refused(&out, "unknown-field", "inventory.yaml:14:");
}

#[test]
fn an_alias_bomb_stops_at_the_replay_limit() {
    let mut bomb = String::from("x:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..12 {
        let prev = format!("*a{}", level - 1);
        bomb.push_str(&format!(
            "  a{level}: &a{level} [{}]\n",
            [prev.as_str(); 9].join(", ")
        ));
    }
    let out = check_text(&inventory(&bomb));
    refused(&out, "yaml-limit", "inventory.yaml:");
    assert_contains(&out.stderr, "aliases repeat more than");
}

#[test]
fn an_alias_inside_its_own_anchor_is_refused() {
    let out = check_text(&inventory("x: &loop [a, *loop]\n"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "inventory.yaml:14:");
    assert!(!out.stderr.contains("panicked"));
}

#[test]
fn anchors_and_aliases_read_as_written() {
    let text = "version: 1
environments:
  production: &tier { tier: production }
  production-eu: *tier
services:
  api: { kind: api }
secrets:
  JWT_SECRET:
    classification: critical
    owner: platform
    readers: &readers [api]
    rotation: { period: 90d }
    instances:
      production: &instance { backend: aws_secrets_manager, env_var: JWT_SECRET, last_rotated: 2026-11-01 }
      production-eu: *instance
  SIGNING_KEY:
    classification: critical
    owner: platform
    readers: *readers
    rotation: { period: 7d }
    instances:
      production: *instance
      production-eu: *instance
";
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("inventory.yaml"), text).unwrap();
    let out = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--now",
        NOW,
        "--format",
        "json",
    ]));
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let report = common::json(&out.stdout);
    let entities: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["entity"].as_str())
        .collect();
    // The aliased instance is overdue under SIGNING_KEY's weekly period in
    // both environments: the aliases were replayed where they stand.
    let overdue: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["rule"] == "rotation-overdue"
                && f["entity"].as_str().unwrap_or("").contains("SIGNING_KEY")
        })
        .filter_map(|f| f["environment"].as_str())
        .collect();
    assert_eq!(overdue, ["production", "production-eu"], "{entities:?}");
}

#[test]
fn tags_other_than_yamls_own_are_refused_where_they_are() {
    let out = check_text(&inventory("").replace("owner: platform", "owner: !vault platform"));
    refused(&out, "yaml-tag", "inventory.yaml:9:19");
    assert_contains(&out.stderr, "`!vault`");
    // YAML's own `!!str` keeps a value a string, as quoting does.
    let out = check_text(&inventory("").replace("owner: platform", "owner: !!str 123"));
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn control_characters_are_located_exactly() {
    // A NUL on line 11, in the middle of a value.
    let text = inventory("").replace("readers: [api]", "readers: [a\u{0}pi]");
    let out = check_text(&text);
    refused(&out, "control-character", "inventory.yaml:10:16");
    assert_contains(&out.stderr, "U+0000");
    // An escape character in a comment, a DEL and a C1 control.
    for (character, name) in [
        ('\u{1b}', "U+001B"),
        ('\u{7f}', "U+007F"),
        ('\u{85}', "U+0085"),
    ] {
        let text = inventory(&format!("# a comment {character}\n"));
        let out = check_text(&text);
        refused(&out, "control-character", "inventory.yaml:14:13");
        assert_contains(&out.stderr, name);
    }
}

#[test]
fn a_byte_order_mark_at_the_start_is_read_past() {
    let out = check_text(&format!("\u{feff}{}", inventory("")));
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_tab_in_the_indentation_is_refused_at_the_tab() {
    let out =
        check_text(&inventory("").replace("    owner: platform", "  \t\n    owner: platform"));
    refused(&out, "yaml-syntax", "inventory.yaml:9:3");
    assert_contains(&out.stderr, "YAML does not allow a tab here");
}

#[test]
fn numbers_of_every_shape_are_typed_as_yaml_types_them() {
    // `version` is an unsigned integer: hexadecimal 1 is 1.
    let out = check_text(&inventory("").replace("version: 1", "version: 0x1"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (version, found) in [
        ("-1", "integer `-1`"),
        ("1.5", "floating point `1.5`"),
        ("99999999999999999999999", "an integer beyond 64 bits"),
        (".inf", "floating point `inf`"),
    ] {
        let out = check_text(&inventory("").replace("version: 1", &format!("version: {version}")));
        refused(&out, "wrong-type", "inventory.yaml:1:10");
        assert_contains(&out.stderr, found);
    }
    // Digits with a leading zero are a string (YAML 1.2), and no number.
    let out = check_text(&inventory("").replace("version: 1", "version: 01"));
    refused(&out, "wrong-type", "inventory.yaml:1:10");
    assert_contains(&out.stderr, "a string");
}

/// An inventory that reads `docker-compose.yml`.
fn with_compose(dir: &Path, compose: &str) -> common::Run {
    let text = inventory(
        "sources:\n  compose:\n    - file: docker-compose.yml\n      environment: production\n",
    );
    fs::write(dir.join("inventory.yaml"), text).unwrap();
    fs::write(dir.join("docker-compose.yml"), compose).unwrap();
    check(dir, "inventory.yaml")
}

fn compose_bomb() -> String {
    let mut bomb = String::from(
        "services:\n  api:\n    image: app\n    labels:\n      a0: &a0 {x: y, z: w, u: v, s: t}\n",
    );
    for level in 1..12 {
        let refs: Vec<String> = (0..8).map(|i| format!("k{i}: *a{}", level - 1)).collect();
        bomb.push_str(&format!(
            "      a{level}: &a{level} {{{}}}\n",
            refs.join(", ")
        ));
    }
    bomb
}

#[test]
fn a_compose_alias_bomb_stops_at_the_replay_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = with_compose(dir.path(), &compose_bomb());
    refused(&out, "yaml-limit", "docker-compose.yml:");
}

#[test]
fn deep_compose_files_are_a_limit_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let compose = format!("services:\n  api:\n    labels: {}\n", flow_nesting(20_000));
    let out = with_compose(dir.path(), &compose);
    refused(&out, "yaml-limit", "docker-compose.yml:3:");
}

#[test]
fn compose_control_characters_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let out = with_compose(dir.path(), "services:\n  api:\n    image: a\u{0}pp\n");
    refused(&out, "control-character", "docker-compose.yml:3:13");
}

#[test]
fn compose_anchors_and_merge_keys_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let compose = "x-env: &env\n  JWT_SECRET: ${JWT_SECRET}\nservices:\n  api:\n    image: app\n    environment:\n      <<: *env\n";
    let out = with_compose(dir.path(), compose);
    // The read through the merged block is observed: the inventory does not
    // declare it, which is the one finding.
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert_contains(
        &out.stdout,
        "compose-read-undeclared: Secret::\"JWT_SECRET\"",
    );
}

#[test]
fn init_from_refuses_compose_bombs_and_deep_files_and_writes_nothing() {
    for (name, compose) in [
        ("bomb", compose_bomb()),
        (
            "deep",
            format!("services:\n  api:\n    labels: {}\n", flow_nesting(20_000)),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("compose.yaml"), compose).unwrap();
        let out =
            run(secretary(dir.path()).args(["init", "--from", "compose.yaml", "-o", "inv.yaml"]));
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert_contains(&out.stderr, "error[yaml-limit]");
        assert_contains(&out.stderr, "compose.yaml:");
        assert!(!dir.path().join("inv.yaml").exists(), "{name}");
    }
}

#[test]
fn every_independent_problem_of_a_file_is_listed_in_one_run() {
    // Four mistakes: an unknown key, a wrong type, a dangling reference and
    // a bad date, plus an unknown value and a list where a string goes.
    let text = inventory("")
        .replace(
            "    owner: platform\n",
            "    ownr: platform\n    owner: platform\n",
        )
        .replace(
            "    readers: [api]\n",
            "    readers: [api, billing]\n    never_log: sometimes\n",
        )
        .replace("last_rotated: 2026-11-01", "last_rotated: 2026-13-01")
        .replace("tier: production", "tier: prod")
        + "env_vars:\n  PORT:\n    purpose: [a, b]\n";
    let out = check_text(&text);
    assert_eq!(out.code, 2, "{}", out.stderr);
    for (code, at) in [
        ("unknown-value", "inventory.yaml:3:23"),
        ("unknown-field", "inventory.yaml:9:"),
        ("wrong-type", "inventory.yaml:12:"),
        ("wrong-type", "inventory.yaml:18:"),
        ("unknown-reference", "inventory.yaml:11:"),
        ("invalid-date", "inventory.yaml:15:"),
    ] {
        assert!(
            out.stderr
                .lines()
                .collect::<Vec<_>>()
                .windows(2)
                .any(|w| w[0].contains(&format!("error[{code}]")) && w[1].contains(at)),
            "{code} at {at} missing:\n{}",
            out.stderr
        );
    }
    // Nothing is reported about the placeholders put where the mistakes were.
    assert_eq!(out.stderr.matches("error[").count(), 6, "{}", out.stderr);
}

#[test]
fn an_unknown_value_is_never_echoed() {
    let canary = "sk_live_CANARY4f9a8b7c6d5e";
    let text = inventory("").replace(
        "backend: aws_secrets_manager",
        &format!("backend: {canary}"),
    );
    let out = check_text(&text);
    refused(&out, "unknown-value", "inventory.yaml:13:");
    assert!(!out.stderr.contains("CANARY"), "{}", out.stderr);
    // A near miss still gets its suggestion, which names only a valid value.
    let out = check_text(&inventory("").replace("tier: production", "tier: prodution"));
    refused(&out, "unknown-value", "inventory.yaml:3:");
    assert_contains(&out.stderr, "did you mean `production`?");
    assert!(!out.stderr.contains("prodution"), "{}", out.stderr);
}
