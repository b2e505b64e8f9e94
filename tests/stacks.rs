//! Issue 14, section 7: first contact with realistic self-hosted stacks,
//! scored against a truth written by hand (`tests/fixtures/stacks/README.md`).
//!
//! For each stack under `tests/fixtures/stacks/`, the real binary runs
//! `secretary init --from <truth.init_from>` in a copy of the stack, then
//! `secretary check` on the inventory it wrote. Two things are scored:
//! - what `init` marks secret (the inventory's `secrets:`), against the
//!   truth's `secrets:`: recall and precision over all stacks;
//! - what the first `check` reports, against the truth's `problems:`: every
//!   problem found, and at most [`MAX_EXTRA_FINDINGS`] other findings per
//!   stack (findings of [`REVIEW_RULE`] are not counted: they are the
//!   inventory's own review list, not noise).
//!
//! The table is printed with `eprintln!` (see it with `--nocapture`) before
//! the assertions, so a red run still shows where the misses are.

use crate::common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use common::{json, run, secretary};

/// Of the truth's secrets, the share `init` must mark.
const MIN_RECALL: f64 = 0.95;
/// Of what `init` marks secret, the share that must be a truth secret.
const MIN_PRECISION: f64 = 0.90;
/// Findings beyond the truth's problems, per stack.
const MAX_EXTRA_FINDINGS: usize = 2;
/// At least this many stacks (the issue asks for eight; a ninth covers URL
/// credentials on their own).
const MIN_STACKS: usize = 9;
/// The one rule whose findings are the inventory's review list.
const REVIEW_RULE: &str = "inventory-review-pending";
/// Extra findings listed one by one in the table; more are counted by rule.
const MAX_LISTED_EXTRA: usize = 10;
/// The evaluation date, unless a truth file names its own `now:`.
const NOW: &str = "2026-12-06";

/// A stack's `truth.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Truth {
    init_from: Vec<String>,
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    secrets: Vec<TruthSecret>,
    #[serde(default)]
    not_secrets: Vec<String>,
    #[serde(default)]
    problems: Vec<Problem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TruthSecret {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

impl TruthSecret {
    fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Problem {
    rule: String,
    subject: String,
}

/// One entry of the inventory's `secrets:` and every name it goes by: its
/// own, the env vars that deliver it (`env_vars.X.secret`, an instance's
/// `env_var`) and the file name of each instance's `file.path`.
#[derive(Debug)]
struct Marked {
    name: String,
    names: BTreeSet<String>,
}

fn marked_secrets(inventory: &serde_yaml::Value) -> Vec<Marked> {
    let mut marked = Vec::new();
    if let Some(secrets) = inventory.get("secrets").and_then(|s| s.as_mapping()) {
        for (name, body) in secrets {
            let Some(name) = name.as_str() else { continue };
            let mut names = BTreeSet::from([name.to_owned()]);
            let instances = body.get("instances").and_then(|i| i.as_mapping());
            for instance in instances.into_iter().flat_map(|m| m.values()) {
                if let Some(var) = instance.get("env_var").and_then(|v| v.as_str()) {
                    names.insert(var.to_owned());
                }
                let path = instance.get("file").and_then(|f| match f.get("path") {
                    Some(p) => p.as_str(),
                    None => f.as_str(),
                });
                if let Some(file) = path.and_then(|p| p.rsplit('/').next()) {
                    names.insert(file.to_owned());
                }
            }
            marked.push(Marked {
                name: name.to_owned(),
                names,
            });
        }
    }
    if let Some(vars) = inventory.get("env_vars").and_then(|s| s.as_mapping()) {
        for (var, body) in vars {
            let (Some(var), Some(secret)) =
                (var.as_str(), body.get("secret").and_then(|s| s.as_str()))
            else {
                continue;
            };
            if let Some(m) = marked.iter_mut().find(|m| m.name == secret) {
                m.names.insert(var.to_owned());
            }
        }
    }
    marked
}

/// What `init` marked, judged against the truth.
#[derive(Debug, Default, PartialEq)]
struct SecretScore {
    /// Truth secrets matched by some marked secret.
    recalled: usize,
    /// Truth secrets.
    total: usize,
    /// Marked secrets that match a truth secret not matched before.
    true_positives: usize,
    /// Marked secrets.
    marked: usize,
    /// Marked but not a secret: `NAME`, or `NAME (dup of TRUTH)` when it
    /// matches only truth secrets already matched (one value, two entries).
    false_positives: Vec<String>,
    /// Truth secrets nothing matched.
    missed: Vec<String>,
}

/// Walks the marked secrets in inventory order: the first that matches a
/// truth secret claims it; a later one matching only claimed truth secrets
/// is a duplicate, which counts against precision (issue 14, section 3: one
/// value, one secret).
fn score_secrets(truth: &[TruthSecret], marked: &[Marked]) -> SecretScore {
    let mut claimed = vec![false; truth.len()];
    let mut score = SecretScore {
        total: truth.len(),
        marked: marked.len(),
        ..SecretScore::default()
    };
    for m in marked {
        let matches: Vec<usize> = truth
            .iter()
            .enumerate()
            .filter(|(_, t)| t.names().any(|n| m.names.contains(n)))
            .map(|(i, _)| i)
            .collect();
        let fresh: Vec<usize> = matches.iter().copied().filter(|&i| !claimed[i]).collect();
        if !fresh.is_empty() {
            score.true_positives += 1;
            for i in fresh {
                claimed[i] = true;
            }
        } else if let Some(&i) = matches.first() {
            score
                .false_positives
                .push(format!("{} (dup of {})", m.name, truth[i].name));
        } else {
            score.false_positives.push(m.name.clone());
        }
    }
    score.recalled = claimed.iter().filter(|c| **c).count();
    score.missed = truth
        .iter()
        .zip(&claimed)
        .filter(|(_, c)| !**c)
        .map(|(t, _)| t.name.clone())
        .collect();
    score
}

/// What `check` reported, judged against the truth's problems.
#[derive(Debug, Default, PartialEq)]
struct ProblemScore {
    found: usize,
    total: usize,
    /// `rule:subject` of each problem no finding reports.
    missing: Vec<String>,
    /// `rule:entity` of each finding that is no truth problem (review
    /// findings excluded).
    extra: Vec<String>,
}

/// `name` occurs in `text` as a whole name: not inside a longer identifier
/// (`JWT_SECRET` is not mentioned by `GOTRUE_JWT_SECRET`).
fn mentions(text: &str, name: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// The names a finding may use for `subject`: the subject itself and, when
/// it is (or is an alias of) a truth secret, all names of that secret.
fn subject_names<'a>(subject: &'a str, secrets: &'a [TruthSecret]) -> Vec<&'a str> {
    let mut names = vec![subject];
    for s in secrets.iter().filter(|s| s.names().any(|n| n == subject)) {
        names.extend(s.names());
    }
    names
}

fn score_findings(truth: &Truth, findings: &[serde_json::Value]) -> ProblemScore {
    let text = |f: &serde_json::Value, key: &str| f[key].as_str().unwrap_or("").to_owned();
    let reports = |p: &Problem, f: &serde_json::Value| {
        text(f, "rule") == p.rule
            && subject_names(&p.subject, &truth.secrets)
                .iter()
                .any(|n| mentions(&text(f, "message"), n) || mentions(&text(f, "entity"), n))
    };
    let mut score = ProblemScore {
        total: truth.problems.len(),
        ..ProblemScore::default()
    };
    for p in &truth.problems {
        if findings.iter().any(|f| reports(p, f)) {
            score.found += 1;
        } else {
            score.missing.push(format!("{}:{}", p.rule, p.subject));
        }
    }
    for f in findings {
        if text(f, "rule") != REVIEW_RULE && !truth.problems.iter().any(|p| reports(p, f)) {
            score
                .extra
                .push(format!("{}:{}", text(f, "rule"), text(f, "entity")));
        }
    }
    score
}

fn stacks_dir() -> PathBuf {
    common::repo_root().join("tests/fixtures/stacks")
}

/// The stacks, by directory name, each with its truth.
fn stacks() -> Vec<(String, Truth)> {
    let mut stacks = Vec::new();
    for entry in fs::read_dir(stacks_dir()).unwrap() {
        let path = entry.unwrap().path();
        let truth = path.join("truth.yaml");
        if !truth.is_file() {
            continue;
        }
        let text = fs::read_to_string(&truth).unwrap();
        let truth: Truth =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", truth.display()));
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        stacks.push((name, truth));
    }
    stacks.sort_by(|a, b| a.0.cmp(&b.0));
    stacks
}

/// Copies the stack's files, except its truth, into `to`.
fn copy_stack(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_stack(&entry.path(), &target);
        } else if entry.file_name() != "truth.yaml" {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// One stack's result; `error` when `init` or `check` did not answer.
struct StackScore {
    name: String,
    secrets: SecretScore,
    problems: ProblemScore,
    error: Option<String>,
}

fn score_stack(name: &str, truth: &Truth) -> StackScore {
    let dir = tempfile::tempdir().unwrap();
    copy_stack(&stacks_dir().join(name), dir.path());
    let mut result = StackScore {
        name: name.to_owned(),
        secrets: score_secrets(&truth.secrets, &[]),
        problems: ProblemScore {
            total: truth.problems.len(),
            missing: truth
                .problems
                .iter()
                .map(|p| format!("{}:{}", p.rule, p.subject))
                .collect(),
            ..ProblemScore::default()
        },
        error: None,
    };
    let mut init = secretary(dir.path());
    init.arg("init");
    for file in &truth.init_from {
        init.args(["--from", file]);
    }
    let out = run(init.args(["-o", "inventory.yaml"]));
    if out.code != 0 {
        result.error = Some(format!(
            "init exit {}: {}",
            out.code,
            first_line(&out.stderr)
        ));
        return result;
    }
    let text = fs::read_to_string(dir.path().join("inventory.yaml")).unwrap();
    let inventory: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    result.secrets = score_secrets(&truth.secrets, &marked_secrets(&inventory));

    let now = truth.now.as_deref().unwrap_or(NOW);
    let out = run(secretary(dir.path()).args([
        "check",
        "inventory.yaml",
        "--format",
        "json",
        "--now",
        now,
        "--fail-on",
        "critical",
    ]));
    if out.code != 0 && out.code != 1 {
        result.error = Some(format!(
            "check exit {}: {}",
            out.code,
            first_line(&out.stderr)
        ));
        return result;
    }
    let report = json(&out.stdout);
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    result.problems = score_findings(truth, &findings);
    result
}

/// `rule ×count` for each rule of `extra` (`rule:entity` entries).
fn rule_counts(extra: &[String]) -> String {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for e in extra {
        *counts.entry(e.split(':').next().unwrap_or("")).or_default() += 1;
    }
    counts
        .iter()
        .map(|(rule, n)| format!("{rule} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// The table `first_contact_is_precise` prints, one row per stack, then the
/// misses, false positives and extra findings of each.
fn table(scores: &[StackScore]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<20} {:>7} {:>9} {:>8} {:>6}  extra rules",
        "stack", "recall", "precision", "problems", "extra"
    );
    for s in scores {
        let mut rules: Vec<&str> = s
            .problems
            .extra
            .iter()
            .map(|e| e.split(':').next().unwrap_or(""))
            .collect();
        rules.sort_unstable();
        rules.dedup();
        let precision = match s.secrets.marked {
            0 => "-".to_owned(),
            marked => format!("{:.0}%", 100.0 * percent(s.secrets.true_positives, marked)),
        };
        let _ = writeln!(
            out,
            "{:<20} {:>6.0}% {:>9} {:>5}/{:<2} {:>6}  {}",
            s.name,
            100.0 * percent(s.secrets.recalled, s.secrets.total),
            precision,
            s.problems.found,
            s.problems.total,
            s.problems.extra.len(),
            rules.join(", ")
        );
    }
    let (recalled, total, tp, marked) = scores.iter().fold((0, 0, 0, 0), |acc, s| {
        (
            acc.0 + s.secrets.recalled,
            acc.1 + s.secrets.total,
            acc.2 + s.secrets.true_positives,
            acc.3 + s.secrets.marked,
        )
    });
    let (found, problems, extra) = scores.iter().fold((0, 0, 0), |acc, s| {
        (
            acc.0 + s.problems.found,
            acc.1 + s.problems.total,
            acc.2 + s.problems.extra.len(),
        )
    });
    let _ = writeln!(
        out,
        "{:<20} {:>6.1}% {:>8.1}% {:>5}/{:<2} {:>6}  ({recalled}/{total} recalled, {tp}/{marked} marked were secrets)",
        "ALL",
        100.0 * percent(recalled, total),
        100.0 * percent(tp, marked),
        found,
        problems,
        extra
    );
    for s in scores {
        let mut lines = Vec::new();
        if let Some(e) = &s.error {
            lines.push(format!("  error: {e}"));
        }
        if !s.secrets.missed.is_empty() {
            lines.push(format!("  missed secrets: {}", s.secrets.missed.join(", ")));
        }
        if !s.secrets.false_positives.is_empty() {
            lines.push(format!(
                "  marked, not secret: {}",
                s.secrets.false_positives.join(", ")
            ));
        }
        if !s.problems.missing.is_empty() {
            lines.push(format!(
                "  problems not found: {}",
                s.problems.missing.join(", ")
            ));
        }
        if !s.problems.extra.is_empty() && s.problems.extra.len() <= MAX_LISTED_EXTRA {
            lines.push(format!("  extra findings: {}", s.problems.extra.join(", ")));
        } else if !s.problems.extra.is_empty() {
            lines.push(format!(
                "  extra findings: {}",
                rule_counts(&s.problems.extra)
            ));
        }
        if !lines.is_empty() {
            let _ = writeln!(out, "{}:\n{}", s.name, lines.join("\n"));
        }
    }
    out
}

/// Red until issue 14's other parts (compose reading, heuristics, `init`)
/// land: the thresholds are the issue's acceptance.
#[test]
fn first_contact_is_precise() {
    let stacks = stacks();
    assert!(
        stacks.len() >= MIN_STACKS,
        "{} stacks, want {MIN_STACKS}",
        stacks.len()
    );
    let scores: Vec<StackScore> = stacks.iter().map(|(n, t)| score_stack(n, t)).collect();
    let table = table(&scores);
    eprintln!("{table}");

    let mut failures = Vec::new();
    let (recalled, total, tp, marked) = scores.iter().fold((0, 0, 0, 0), |acc, s| {
        (
            acc.0 + s.secrets.recalled,
            acc.1 + s.secrets.total,
            acc.2 + s.secrets.true_positives,
            acc.3 + s.secrets.marked,
        )
    });
    if percent(recalled, total) < MIN_RECALL {
        failures.push(format!("recall {recalled}/{total} is below {MIN_RECALL}"));
    }
    if percent(tp, marked) < MIN_PRECISION {
        failures.push(format!("precision {tp}/{marked} is below {MIN_PRECISION}"));
    }
    for s in &scores {
        if let Some(e) = &s.error {
            failures.push(format!("{}: {e}", s.name));
        }
        if !s.problems.missing.is_empty() {
            failures.push(format!("{}: problems not found", s.name));
        }
        if s.problems.extra.len() > MAX_EXTRA_FINDINGS {
            failures.push(format!(
                "{}: {} extra findings, at most {MAX_EXTRA_FINDINGS}",
                s.name,
                s.problems.extra.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}\n{table}", failures.join("\n"));
}

/// The truth files are consistent: every `init_from` file exists, no name is
/// both a secret and not one, no secret is listed twice, every problem's
/// rule is a built-in rule or one issue 14 adds.
#[test]
fn every_truth_file_is_consistent() {
    const NEW_RULES: [&str; 2] = ["published-default-credential", REVIEW_RULE];
    let policies = fs::read_dir(common::repo_root().join("policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cedar"))
        .map(|p| fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    for (name, truth) in stacks() {
        assert!(!truth.init_from.is_empty(), "{name}: no init_from");
        for file in &truth.init_from {
            assert!(
                stacks_dir().join(&name).join(file).is_file(),
                "{name}: init_from `{file}` is missing"
            );
        }
        let mut seen = BTreeSet::new();
        for n in truth.secrets.iter().flat_map(TruthSecret::names) {
            assert!(seen.insert(n), "{name}: `{n}` is listed twice");
            assert!(
                !truth.not_secrets.iter().any(|x| x == n),
                "{name}: `{n}` is both a secret and not one"
            );
        }
        for p in &truth.problems {
            assert!(
                NEW_RULES.contains(&p.rule.as_str())
                    || policies.contains(&format!("@id(\"{}\")", p.rule)),
                "{name}: unknown rule `{}`",
                p.rule
            );
        }
    }
}

/// The scorer itself, on a hand-made inventory and findings with known
/// answers, so that a red `first_contact_is_precise` is red for the right
/// reasons.
#[test]
fn the_scorer_counts_what_it_should() {
    let truth: Truth = serde_yaml::from_str(
        r#"
init_from: [compose.yaml]
secrets:
  - { name: JWT_SECRET, aliases: [GOTRUE_JWT_SECRET, PGRST_JWT_SECRET] }
  - { name: db_password }
  - { name: server.key }
  - { name: SMTP_PASSWORD }
not_secrets: [ANON_KEY]
problems:
  - { rule: compose-literal-secret, subject: PGRST_JWT_SECRET }
  - { rule: published-default-credential, subject: db_password }
  - { rule: env-example-real-value, subject: SMTP_PASSWORD }
"#,
    )
    .unwrap();
    // JWT_SECRET: found via its alias, then duplicated under another alias;
    // db_password: via a docker secret's file; server.key: via an env var
    // that delivers a secret under another name; SMTP_PASSWORD missed;
    // ANON_KEY and localtime: false positives.
    let inventory: serde_yaml::Value = serde_yaml::from_str(
        r#"
secrets:
  AUTH_SECRET:
    instances:
      development: { backend: env_var, env_var: GOTRUE_JWT_SECRET }
  PGRST_JWT_SECRET:
    instances:
      development: { backend: env_var, env_var: PGRST_JWT_SECRET }
  db:
    instances:
      development: { backend: docker_secret, file: { path: /run/secrets/db_password } }
  tls:
    instances:
      development: { backend: env_var }
  ANON_KEY: {}
  localtime:
    instances:
      development: { backend: docker_secret, file: { path: /etc/localtime } }
env_vars:
  server.key: { secret: tls }
  PORT: {}
"#,
    )
    .unwrap();
    let score = score_secrets(&truth.secrets, &marked_secrets(&inventory));
    assert_eq!(
        score,
        SecretScore {
            recalled: 3,
            total: 4,
            true_positives: 3,
            marked: 6,
            false_positives: vec![
                "PGRST_JWT_SECRET (dup of JWT_SECRET)".into(),
                "ANON_KEY".into(),
                "localtime".into()
            ],
            missed: vec!["SMTP_PASSWORD".into()],
        }
    );

    let findings: Vec<serde_json::Value> = serde_json::from_str(
        r#"[
  {"rule": "compose-literal-secret", "entity": "ComposeValue::\"c.yaml:3:5#JWT_SECRET\"", "message": "JWT_SECRET of compose service rest has a literal value in c.yaml"},
  {"rule": "published-default-credential", "entity": "Secret::\"db_password_old\"", "message": "db_password_old has a published default value"},
  {"rule": "env-example-real-value", "entity": "ExampleVar::\"x\"", "message": "`SMTP_PASSWORD` in `.env.example` has a value that looks like a real secret"},
  {"rule": "inventory-review-pending", "entity": "Secret::\"ANON_KEY\"", "message": "ANON_KEY is marked for review"},
  {"rule": "critical-secret-without-owner", "entity": "Secret::\"ANON_KEY\"", "message": "ANON_KEY is critical but has no owner"}
]"#,
    )
    .unwrap();
    let score = score_findings(&truth, &findings);
    assert_eq!(
        score,
        ProblemScore {
            // The literal is reported under the secret's own name, an alias
            // of the subject; `db_password_old` does not mention `db_password`.
            found: 2,
            total: 3,
            missing: vec!["published-default-credential:db_password".into()],
            extra: vec![
                "published-default-credential:Secret::\"db_password_old\"".into(),
                "critical-secret-without-owner:Secret::\"ANON_KEY\"".into()
            ],
        }
    );

    assert!(mentions("`JWT_SECRET` in x", "JWT_SECRET"));
    assert!(!mentions("GOTRUE_JWT_SECRET", "JWT_SECRET"));
    assert!(!mentions("JWT_SECRET_OLD", "JWT_SECRET"));
    assert!(mentions("Secret::\"server.key\"", "server.key"));
    assert_eq!(percent(0, 0), 1.0);
}
