//! Hostile rules and templates (issue 13, families 1, 3 and 7): rules and
//! templates nested too deep for a recursive parser (brackets and chains of
//! operators, generated here at several depths, and exactly at the bound),
//! oversized and empty policy files, `has` tests on attributes the schema
//! does not declare, rules a run cannot evaluate (JUnit `<skipped>`, "not
//! checked" in every format) and templates located at their line. Every
//! case ends in exit 2 at the file and line, or in the verdict the input
//! deserves; none panics or aborts.

use std::fs;
use std::path::Path;

use secretary::policy::bounds::{depth, MAX_POLICY_DEPTH};
use secretary::render::bounds::{depth as template_depth, MAX_TEMPLATE_DEPTH};

use crate::common::{self, assert_contains, json, repo_root, run, secretary, NOW};

/// A valid inventory with one secret read by one service.
const INVENTORY: &str = "version: 1
environments:
  production: { tier: production }
services:
  api: { kind: api }
secrets:
  JWT_SECRET:
    classification: critical
    owner: platform-team
    never_log: true
    readers: [api]
    rotation: { period: 90d }
    instances:
      production:
        backend: aws_secrets_manager
        env_var: JWT_SECRET
        last_rotated: 2026-10-01
reads:
  - service: api
    secrets: [JWT_SECRET]
env_vars:
  JWT_SECRET:
    required: true
    secret: JWT_SECRET
";

/// One rule on secrets' `define` facts with `condition` as its `when`,
/// starting on line 2 after a comment.
fn rule(condition: &str) -> String {
    format!(
        "// a user rule\n@id(\"user-rule\")\n@severity(\"low\")\n@message(\"{{resource}} matched\")\nforbid (principal, action == Action::\"define\", resource is Secret)\nwhen {{ {condition} }};\n"
    )
}

/// A directory with the inventory and `rules` as `rules.cedar`.
fn dir_with(rules: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("inventory.yaml"), INVENTORY).unwrap();
    fs::write(dir.path().join("rules.cedar"), rules).unwrap();
    dir
}

/// `check` of the inventory with `rules.cedar` added, in JSON.
fn check_rules(dir: &Path, extra: &[&str]) -> common::Run {
    run(secretary(dir)
        .args([
            "check",
            "inventory.yaml",
            "--policies",
            "rules.cedar",
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .args(extra))
}

/// Asserts exit 2 with `code` at `at`, nothing on stdout, no panic.
#[track_caller]
fn refused(out: &common::Run, code: &str, at: &str) {
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, &format!("error[{code}]"));
    assert_contains(&out.stderr, at);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert!(!out.stderr.contains("overflow"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

/// Asserts a verdict (0 or 1) in which every rule evaluated.
#[track_caller]
fn judged(out: &common::Run) -> serde_json::Value {
    assert!(
        out.code == 0 || out.code == 1,
        "{}: {}",
        out.code,
        out.stderr
    );
    let report = json(&out.stdout);
    assert_eq!(report["summary"]["errors"], 0, "{}", out.stdout);
    report
}

/// The largest `n` for which `make(n)` is within `limit` by `measure`.
fn largest_within(
    limit: usize,
    measure: fn(&str) -> usize,
    make: &dyn Fn(usize) -> String,
) -> usize {
    let (mut lo, mut hi) = (1, 4 * limit);
    assert!(measure(&make(lo)) <= limit && measure(&make(hi)) > limit);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if measure(&make(mid)) <= limit {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Makes an input `n` deep.
type Generator = Box<dyn Fn(usize) -> String>;

/// Conditions that nest `n` deep in one way each; every one is valid and
/// true for the inventory's secret.
fn deep_conditions() -> Vec<(&'static str, Generator)> {
    vec![
        (
            "brackets",
            Box::new(|n| format!("{}resource.never_log{}", "(".repeat(n), ")".repeat(n))),
        ),
        (
            "negations",
            Box::new(|n| {
                let n = n * 2;
                format!("{}resource.never_log{}", "!(".repeat(n), ")".repeat(n))
            }),
        ),
        (
            "or-chain",
            Box::new(|n| vec!["resource.never_log"; n].join(" || ")),
        ),
        (
            "and-chain",
            Box::new(|n| vec!["resource.never_log"; n].join(" && ")),
        ),
        (
            "sum-chain",
            Box::new(|n| format!("1{} > 0", " + 1".repeat(n))),
        ),
        (
            "if-chain",
            Box::new(|n| {
                format!(
                    "{}true{}",
                    "if true then ".repeat(n),
                    " else false".repeat(n)
                )
            }),
        ),
        (
            "nested-sets",
            Box::new(|n| format!("{}1{}.isEmpty() == false", "[".repeat(n), "]".repeat(n))),
        ),
    ]
}

#[test]
fn deep_brackets_at_several_depths_are_a_limit_not_a_crash() {
    for n in [70, 150, 1_000, 100_000] {
        let text = rule(&format!("{}true{}", "(".repeat(n), ")".repeat(n)));
        let dir = dir_with(&text);
        let out = check_rules(dir.path(), &[]);
        refused(&out, "policy-too-deep", "rules.cedar:6:");
        assert_contains(
            &out.stderr,
            &format!("deeper than {MAX_POLICY_DEPTH} levels"),
        );
    }
}

#[test]
fn long_chains_of_operators_are_a_limit_not_a_crash() {
    for (what, make) in deep_conditions() {
        for n in [200, 20_000] {
            let dir = dir_with(&rule(&make(n)));
            let out = check_rules(dir.path(), &[]);
            assert_eq!(out.code, 2, "{what} {n}: {}", out.stderr);
            assert_contains(&out.stderr, "error[policy-too-deep]");
            assert_contains(&out.stderr, "rules.cedar:6:");
            assert!(!out.stderr.contains("overflow"), "{what} {n}");
        }
    }
}

#[test]
fn index_chains_and_records_nested_deep_are_a_limit_not_a_crash() {
    for condition in [
        format!("resource{} == 1", "[\"a\"]".repeat(5_000)),
        format!("{}1{} == {{}}", "{a: ".repeat(5_000), "}".repeat(5_000)),
        format!("{}false", "!".repeat(5_000)),
    ] {
        let dir = dir_with(&rule(&condition));
        let out = check_rules(dir.path(), &[]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(!out.stderr.contains("overflow"), "{}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
}

#[test]
fn rules_exactly_at_the_bound_load_and_evaluate() {
    // The worst case for the stack: a debug build, rules as deep as the
    // bound allows, loaded on the load thread and judged on the pool's.
    for (what, make) in deep_conditions() {
        let n = largest_within(MAX_POLICY_DEPTH, depth, &|n| rule(&make(n)));
        let text = rule(&make(n));
        assert!(
            depth(&text) + 2 >= MAX_POLICY_DEPTH,
            "{what}: {}",
            depth(&text)
        );
        let dir = dir_with(&text);
        let report = judged(&check_rules(dir.path(), &[]));
        let fired = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "user-rule");
        assert!(fired, "{what} at depth {n} should match: {report:#}");
    }
}

#[test]
fn many_statements_each_within_the_bound_load() {
    let deep = format!("{}resource.never_log{}", "(".repeat(40), ")".repeat(40));
    let mut text = String::new();
    for i in 0..300 {
        text.push_str(&rule(&deep).replace("user-rule", &format!("user-rule-{i}")));
    }
    assert!(depth(&text) <= MAX_POLICY_DEPTH);
    let dir = dir_with(&text);
    let report = judged(&check_rules(dir.path(), &[]));
    assert_eq!(report["findings"].as_array().unwrap().len(), 300);
}

#[test]
fn brackets_in_strings_and_comments_do_not_count() {
    let noise = "(".repeat(10_000);
    let text = format!(
        "// {noise}\n@id(\"quoted\")\n@severity(\"low\")\n@message(\"{{resource}} {noise}\")\nforbid (principal, action == Action::\"define\", resource is Secret)\nwhen {{ resource.name == \"{noise}[[[\" }};\n"
    );
    let dir = dir_with(&text);
    let report = judged(&check_rules(dir.path(), &[]));
    assert_eq!(report["summary"]["total"], 0, "{report:#}");
}

#[test]
fn a_policy_file_over_the_cap_is_refused_unread() {
    let dir = dir_with("");
    // A valid rule, then comments up to one byte past the cap.
    let mut text = rule("resource.never_log");
    let cap = secretary::read::POLICY_CAP as usize;
    let line = format!("// {}\n", "x".repeat(1_000));
    while text.len() <= cap {
        text.push_str(&line);
    }
    fs::write(dir.path().join("rules.cedar"), &text).unwrap();
    let out = check_rules(dir.path(), &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "rules.cedar");
    assert_contains(&out.stderr, "16 MiB");
    assert!(out.stdout.is_empty());
}

#[test]
fn empty_and_comment_only_policy_files_are_warnings() {
    for (text, what) in [
        ("", "empty"),
        ("// nothing yet\n\n// still nothing\n", "comments"),
    ] {
        let dir = dir_with(text);
        let out = check_rules(dir.path(), &[]);
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
        assert_contains(&out.stderr, "warning[empty-policy-file]");
        assert_contains(&out.stderr, "policy file `rules.cedar` holds no policy");
    }
    // In a directory too, next to a file with rules.
    let dir = dir_with("");
    let rules = dir.path().join("rules");
    fs::create_dir(&rules).unwrap();
    fs::write(rules.join("a.cedar"), rule("resource.never_log")).unwrap();
    fs::write(rules.join("b.cedar"), "// todo\n").unwrap();
    let out = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--policies",
        "rules",
        "--now",
        NOW,
    ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_contains(&out.stderr, "warning[empty-policy-file]");
    assert_contains(&out.stderr, "b.cedar");
    assert!(!out.stderr.contains("a.cedar"), "{}", out.stderr);
}

/// Each entity type and the first attribute it declares, from the schema.
fn declared_attributes() -> Vec<(String, String)> {
    let schema = &secretary::entities::schema::json()[""];
    schema["entityTypes"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(name, ty)| {
            let attrs = ty.pointer("/shape/attributes")?.as_object()?;
            Some((name.clone(), attrs.keys().next()?.clone()))
        })
        .collect()
}

/// Each action and the resource types it applies to.
fn actions() -> Vec<(String, Vec<String>)> {
    let schema = &secretary::entities::schema::json()[""];
    schema["actions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, action)| {
            let types = action["appliesTo"]["resourceTypes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
                .collect();
            (name.clone(), types)
        })
        .collect()
}

#[test]
fn a_has_typo_is_a_load_error_on_every_entity_type() {
    let attributes = declared_attributes();
    let mut checked = 0;
    for (action, types) in actions() {
        for ty in types {
            let Some((_, attr)) = attributes.iter().find(|(name, _)| *name == ty) else {
                continue;
            };
            let typo = format!("{attr}x");
            let text = format!(
                "// {ty}\n@id(\"typo\")\n@severity(\"low\")\n@message(\"{{resource}}\")\nforbid (principal, action == Action::\"{action}\", resource is {ty})\nwhen {{ resource has {typo} && resource.{typo} == \"x\" }};\n"
            );
            let dir = dir_with(&text);
            let out = check_rules(dir.path(), &[]);
            refused(&out, "policy-invalid", "rules.cedar:6:17");
            assert_contains(&out.stderr, &format!("`has {typo}`"));
            assert_contains(&out.stderr, &format!("entity type `{ty}` does not declare"));
            assert_contains(&out.stderr, &format!("did you mean `{attr}`?"));
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked}");
}

#[test]
fn has_typos_on_principals_context_and_attributes_are_load_errors() {
    for (condition, expected, hint) in [
        (
            "principal has kindd",
            "entity type `Service` does not declare",
            "`kind`",
        ),
        (
            "context has enviroment",
            "the context does not declare",
            "`environment`",
        ),
        (
            "context has environment && context.environment has tierr",
            "entity type `Environment` does not declare",
            "`tier`",
        ),
    ] {
        let text = format!(
            "// read facts\n@id(\"typo\")\n@severity(\"low\")\n@message(\"{{resource}}\")\nforbid (principal, action == Action::\"read\", resource)\nwhen {{ {condition} }};\n"
        );
        let dir = dir_with(&text);
        let out = check_rules(dir.path(), &[]);
        refused(&out, "policy-invalid", "rules.cedar:6:");
        assert_contains(&out.stderr, expected);
        assert_contains(&out.stderr, &format!("did you mean {hint}?"));
    }
    // Any resource: an attribute no resource type declares, typo or not.
    let dir = dir_with(
        "@id(\"any\")\n@severity(\"low\")\n@message(\"{resource}\")\nforbid (principal, action, resource)\nwhen { resource has tierr };\n",
    );
    let out = check_rules(dir.path(), &[]);
    refused(&out, "policy-invalid", "rules.cedar:5:17");
    assert_contains(&out.stderr, "none of");
}

#[test]
fn a_has_test_that_some_possible_type_declares_loads() {
    // `tier` is declared by Environment only; the rule is fine for resources
    // that may be environments, and finds nothing here.
    let dir = dir_with(
        "@id(\"tiers\")\n@severity(\"low\")\n@message(\"{resource}\")\nforbid (principal, action, resource)\nwhen { resource has tier && resource.tier == \"nonexistent\" };\n",
    );
    let report = judged(&check_rules(dir.path(), &[]));
    assert_eq!(report["summary"]["total"], 0);
    // A correct `has` guard on an optional attribute fires.
    let dir = dir_with(&rule(
        "resource has owner && resource.owner == \"platform-team\"",
    ));
    let report = judged(&check_rules(dir.path(), &[]));
    assert_eq!(report["findings"][0]["rule"], "user-rule");
}

#[test]
fn a_template_is_located_at_its_slot_not_at_the_first_line() {
    let text = format!(
        "{}\n@id(\"tmpl\")\n@severity(\"low\")\n@message(\"{{resource}}\")\nforbid (principal, action == Action::\"define\", resource == ?resource);\n",
        rule("resource.never_log")
    );
    let dir = dir_with(&text);
    let out = check_rules(dir.path(), &[]);
    refused(&out, "policy-template", "rules.cedar:11:60");
    // Its line is quoted, not the comment on line 1.
    assert_contains(
        &out.stderr,
        "11 | forbid (principal, action == Action::\"define\", resource == ?resource);",
    );
}

#[test]
fn not_utf8_policy_text_is_refused_at_its_line() {
    let dir = dir_with("");
    let mut bytes = rule("resource.never_log").into_bytes();
    bytes.extend_from_slice(b"// \xff\xfe\n");
    fs::write(dir.path().join("rules.cedar"), bytes).unwrap();
    let out = check_rules(dir.path(), &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "rules.cedar");
    assert_contains(&out.stderr, "line 7");
}

/// `check` of the IAM fixture inventory, without IAM data, in `format`.
fn iam_inventory_check(format: &str) -> common::Run {
    run(secretary(&repo_root()).args([
        "check",
        "tests/fixtures/iam/inventory.yaml",
        "--now",
        NOW,
        "--format",
        format,
    ]))
}

#[test]
fn junit_skips_the_rules_a_run_did_not_evaluate() {
    let out = iam_inventory_check("junit");
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let doc = roxmltree::Document::parse(&out.stdout).unwrap();
    let suite = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some(name))
            .unwrap_or_else(|| panic!("suite {name}"))
    };
    for rule in [
        "iam-root-mfa-missing",
        "iam-user-undeclared",
        "secret-value-empty",
    ] {
        let suite = suite(rule);
        assert_eq!(suite.attribute("skipped"), Some("1"), "{rule}");
        let case = suite
            .children()
            .find(|n| n.has_tag_name("testcase"))
            .unwrap();
        assert_eq!(case.attribute("name"), Some("not checked"), "{rule}");
        let skipped = case.children().find(|n| n.has_tag_name("skipped")).unwrap();
        assert_eq!(skipped.attribute("type"), Some("not-checked"));
        assert_contains(skipped.attribute("message").unwrap(), "enable with");
    }
    // No rule that needs IAM data passes.
    for suite in doc.descendants().filter(|n| n.has_tag_name("testsuite")) {
        let name = suite.attribute("name").unwrap();
        if name.starts_with("iam-") {
            assert!(
                !suite
                    .descendants()
                    .any(|n| n.attribute("name") == Some("no findings")),
                "{name} passed without IAM data"
            );
        }
    }
    // With IAM data, they are judged: none is skipped.
    let out = run(secretary(&repo_root()).args([
        "check",
        "tests/fixtures/iam/inventory.yaml",
        "--iam-snapshot",
        "tests/fixtures/iam/clean-snapshot.json",
        "--now",
        NOW,
        "--format",
        "junit",
    ]));
    let doc = roxmltree::Document::parse(&out.stdout).unwrap();
    let skipped_iam = doc.descendants().filter(|n| {
        n.has_tag_name("testsuite")
            && n.attribute("name").is_some_and(|s| s.starts_with("iam-"))
            && n.attribute("skipped") != Some("0")
    });
    assert_eq!(skipped_iam.count(), 0, "{}", out.stdout);
}

#[test]
fn every_format_says_not_checked_for_the_same_rules() {
    let report = json(&iam_inventory_check("json").stdout);
    let iam = report["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["observation"] == "iam")
        .expect("IAM rules not checked");
    let rules: Vec<&str> = iam["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(rules.contains(&"iam-root-mfa-missing"), "{rules:?}");
    let total: usize = report["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["rules"].as_array().unwrap().len())
        .sum();
    assert_eq!(report["summary"]["not_checked"], total);

    let human = iam_inventory_check("human").stdout;
    assert_contains(
        &human,
        &format!(
            "not checked without IAM data (enable with `--iam` or `--iam-snapshot FILE` or `--aws` or `--aws-snapshot FILE`): {} rules",
            rules.len()
        ),
    );
    let markdown = iam_inventory_check("markdown").stdout;
    assert_contains(
        &markdown,
        &format!("- not checked without IAM data (enable with `--iam` or `--iam-snapshot FILE` or `--aws` or `--aws-snapshot FILE`): {} rules", rules.len()),
    );
    let sarif = json(&iam_inventory_check("sarif").stdout);
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    for rule in &rules {
        assert!(
            notes.iter().any(|n| n["associatedRule"]["id"] == *rule
                && n["message"]["text"]
                    .as_str()
                    .unwrap()
                    .contains("not checked")),
            "{rule}"
        );
    }
    assert_eq!(notes.len(), total);
    // The HTML report agrees.
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let out = run(secretary(&repo_root())
        .args([
            "report",
            "tests/fixtures/iam/inventory.yaml",
            "--now",
            NOW,
            "--format",
            "html",
            "-o",
        ])
        .arg(&html));
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    assert_contains(
        &fs::read_to_string(&html).unwrap(),
        "Not checked without IAM data",
    );
}

/// `report` with `template` as the user's `secrets.md`, to `out.md`.
fn report_with_template(template: &str) -> (tempfile::TempDir, common::Run) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("inventory.yaml"), INVENTORY).unwrap();
    let templates = dir.path().join("templates");
    fs::create_dir(&templates).unwrap();
    fs::write(templates.join("secrets.md"), template).unwrap();
    let out = run(secretary(dir.path()).args([
        "report",
        "inventory.yaml",
        "--now",
        NOW,
        "--format",
        "markdown",
        "--templates",
        "templates",
        "-o",
        "out.md",
    ]));
    (dir, out)
}

#[test]
fn deep_templates_are_a_limit_not_a_crash() {
    let n = 10_000;
    for template in [
        format!(
            "line one\n{}x{}\n",
            "{% if true %}".repeat(n),
            "{% endif %}".repeat(n)
        ),
        format!("line one\n{{{{ {}1{} }}}}\n", "(".repeat(n), ")".repeat(n)),
        format!("line one\n{{{{ 1{} }}}}\n", " + 1".repeat(n * 10)),
        format!("line one\n{{{{ 1{} }}}}\n", "|string".repeat(n * 10)),
        format!("line one\n{{{{ range{} }}}}\n", "(1)".repeat(n * 10)),
        format!("line one\n{{{{ secrets{} }}}}\n", "[0]".repeat(n * 10)),
        format!(
            "line one\n{{% for a in secrets %}}{}{{% endfor %}}\n",
            "{% for b in secrets %}".repeat(n)
        ),
    ] {
        let (dir, out) = report_with_template(&template);
        let what = &template[..40];
        assert_eq!(out.code, 2, "{what}: {}", out.stderr);
        assert_contains(&out.stderr, "error[template-too-deep]");
        assert_contains(&out.stderr, "templates/secrets.md:2:");
        assert_contains(
            &out.stderr,
            &format!("deeper than {MAX_TEMPLATE_DEPTH} levels"),
        );
        assert!(!out.stderr.contains("overflow"), "{what}");
        assert!(
            !dir.path().join("out.md").exists(),
            "{what}: a file was written"
        );
    }
}

#[test]
fn templates_exactly_at_the_bound_render() {
    for make in [
        (|n: usize| format!("{{{{ 1{} }}}}\n", " + 1".repeat(n))) as fn(usize) -> String,
        |n| {
            format!(
                "{}x{}\n",
                "{% if true %}".repeat(n),
                "{% endif %}".repeat(n)
            )
        },
        |n| format!("{{{{ \"x\"{} }}}}\n", "|lower".repeat(n)),
    ] {
        let n = largest_within(MAX_TEMPLATE_DEPTH, template_depth, &make);
        let template = make(n);
        assert!(template_depth(&template) + 2 >= MAX_TEMPLATE_DEPTH);
        let (dir, out) = report_with_template(&template);
        assert!(out.code == 0 || out.code == 1, "{n}: {}", out.stderr);
        assert!(dir.path().join("out.md").exists());
    }
}

#[test]
fn an_oversized_template_is_refused_unread() {
    let cap = secretary::read::TEMPLATE_CAP as usize;
    let (dir, out) = report_with_template(&"x".repeat(cap + 1));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "secrets.md");
    assert!(!dir.path().join("out.md").exists());
}

#[test]
fn every_problem_of_every_rule_file_is_told_in_one_run() {
    let dir = dir_with("");
    let rules = dir.path().join("rules");
    fs::create_dir(&rules).unwrap();
    let deep = format!("{}true{}", "(".repeat(5_000), ")".repeat(5_000));
    fs::write(rules.join("a-deep.cedar"), rule(&deep)).unwrap();
    fs::write(
        rules.join("b-typo.cedar"),
        rule("resource has ownr && resource.ownr == \"x\"").replace("user-rule", "typo-rule"),
    )
    .unwrap();
    fs::write(rules.join("c-empty.cedar"), "").unwrap();
    let out = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--policies",
        "rules",
        "--now",
        NOW,
    ]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_contains(&out.stderr, "error[policy-too-deep]");
    assert_contains(&out.stderr, "a-deep.cedar:6:");
    assert_contains(&out.stderr, "error[policy-invalid]");
    assert_contains(&out.stderr, "b-typo.cedar:6:17");
    assert_contains(&out.stderr, "did you mean `owner`?");
}

#[test]
fn listing_and_explaining_rules_refuse_the_same_inputs() {
    let deep = rule(&format!("{}true", "if true then ".repeat(10_000)));
    let dir = dir_with(&deep);
    for args in [
        &["policies", "list", "--policies", "rules.cedar"][..],
        &[
            "policies",
            "explain",
            "user-rule",
            "--policies",
            "rules.cedar",
        ][..],
    ] {
        let out = run(secretary(dir.path()).args(args));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_contains(&out.stderr, "error[policy-too-deep]");
        assert_contains(&out.stderr, "rules.cedar:6:");
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }
}
