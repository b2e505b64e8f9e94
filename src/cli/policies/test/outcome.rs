//! What the cases showed: expected against actual findings per case, the
//! coverage of the loaded rules, and the three renderings of both (human,
//! JSON, JUnit). Only rule ids and entity ids are printed, never a
//! finding's message: a case may hold canary values, and nothing here
//! reads them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::file::{Key, TestFile};
use secretary::findings::Finding;
use secretary::source::Location;

/// One case's verdict.
pub struct CaseResult {
    pub file: std::sync::Arc<str>,
    pub name: String,
    pub location: Location,
    /// Expected and not found.
    pub missing: Vec<Key>,
    /// Found and not expected.
    pub unexpected: Vec<Key>,
    /// Why the case was not run on this system (see `case::cannot_run_here`).
    pub skipped: Option<&'static str>,
}

impl CaseResult {
    /// Ran, and found what it expected. A skipped case did not pass.
    pub fn passed(&self) -> bool {
        self.skipped.is_none() && !self.failed()
    }

    pub fn failed(&self) -> bool {
        !self.missing.is_empty() || !self.unexpected.is_empty()
    }
}

/// The key of an actual finding, in full.
fn actual_key(finding: &Finding) -> Key {
    Key {
        rule: finding.rule.clone(),
        entity: finding
            .entity
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string),
        environment: finding.environment.clone(),
        principal: finding.principal.as_ref().map(ToString::to_string),
    }
}

/// Whether `expected` (environment and principal only when given) matches
/// `actual`.
fn matches(expected: &Key, actual: &Key) -> bool {
    expected.rule == actual.rule
        && expected.entity == actual.entity
        && (expected.environment.is_none() || expected.environment == actual.environment)
        && (expected.principal.is_none() || expected.principal == actual.principal)
}

/// The multiset match of expected against actual findings. Expectations
/// that say more (an environment, a principal) take their finding first,
/// so that a looser one cannot take it from them.
pub fn compare(expected: &[Key], actual: &[Finding]) -> (Vec<Key>, Vec<Key>) {
    let mut actual: Vec<Option<Key>> = actual.iter().map(|f| Some(actual_key(f))).collect();
    let mut order: Vec<&Key> = expected.iter().collect();
    order.sort_by_key(|k| {
        std::cmp::Reverse(usize::from(k.environment.is_some()) + usize::from(k.principal.is_some()))
    });
    let mut missing = Vec::new();
    for key in order {
        let found = actual
            .iter_mut()
            .find(|a| a.as_ref().is_some_and(|a| matches(key, a)));
        match found {
            Some(slot) => *slot = None,
            None => missing.push(key.clone()),
        }
    }
    missing.sort();
    let mut unexpected: Vec<Key> = actual.into_iter().flatten().collect();
    unexpected.sort();
    (missing, unexpected)
}

/// One rule's coverage: a case expecting a finding of it, and a case (in a
/// file naming it) expecting none.
pub struct RuleCoverage {
    pub rule: String,
    pub finding: bool,
    pub none: bool,
}

pub struct Coverage {
    pub rules: Vec<RuleCoverage>,
}

impl Coverage {
    pub fn of(rule_ids: impl Iterator<Item = String>, files: &[TestFile]) -> Coverage {
        let mut rules: BTreeMap<String, RuleCoverage> = rule_ids
            .map(|rule| {
                (
                    rule.clone(),
                    RuleCoverage {
                        rule,
                        finding: false,
                        none: false,
                    },
                )
            })
            .collect();
        for file in files {
            for case in &file.cases {
                for rule in &file.rules {
                    let Some(coverage) = rules.get_mut(rule) else {
                        continue;
                    };
                    if case.expect.iter().any(|e| &e.rule == rule) {
                        coverage.finding = true;
                    } else {
                        coverage.none = true;
                    }
                }
            }
        }
        Coverage {
            rules: rules.into_values().collect(),
        }
    }

    pub fn covered(&self) -> usize {
        self.rules.iter().filter(|r| r.finding && r.none).count()
    }

    /// The covered share in percent; 100 with no rule at all.
    pub fn percent(&self) -> f64 {
        if self.rules.is_empty() {
            100.0
        } else {
            self.covered() as f64 * 100.0 / self.rules.len() as f64
        }
    }

    fn percent_text(&self) -> String {
        let percent = self.percent();
        if percent.fract() == 0.0 {
            format!("{percent:.0}%")
        } else {
            format!("{percent:.1}%")
        }
    }

    fn lacking(&self) -> impl Iterator<Item = (&RuleCoverage, &'static str)> {
        self.rules.iter().filter_map(|r| match (r.finding, r.none) {
            (true, true) => None,
            (false, true) => Some((r, "no case expects a finding")),
            (true, false) => Some((r, "no case expects none")),
            (false, false) => Some((r, "no case")),
        })
    }

    fn summary(&self) -> String {
        format!(
            "coverage {} ({} of {} rules)",
            self.percent_text(),
            self.covered(),
            self.rules.len()
        )
    }
}

fn key_text(key: &Key) -> String {
    let mut text = format!("{} {}", key.rule, key.entity);
    if let Some(environment) = &key.environment {
        let _ = write!(text, " in {environment}");
    }
    if let Some(principal) = &key.principal {
        let _ = write!(text, " by {principal}");
    }
    text
}

/// The human report: each failing case with its diff, then the summary
/// and the rules lacking coverage.
pub fn human(results: &[CaseResult], coverage: &Coverage, minimum: Option<f64>) -> String {
    let mut out = String::new();
    for result in results {
        if let Some(reason) = result.skipped {
            let _ = writeln!(out, "SKIP {} {}: {reason}", result.location, result.name);
        }
    }
    for result in results.iter().filter(|r| r.failed()) {
        let _ = writeln!(out, "FAIL {} {}", result.location, result.name);
        for key in &result.missing {
            let _ = writeln!(out, "  missing:    {}", key_text(key));
        }
        for key in &result.unexpected {
            let _ = writeln!(out, "  unexpected: {}", key_text(key));
        }
    }
    let failed = results.iter().filter(|r| r.failed()).count();
    let skipped = match results.iter().filter(|r| r.skipped.is_some()).count() {
        0 => String::new(),
        n => format!("{n} skipped, "),
    };
    let _ = writeln!(
        out,
        "{} cases, {failed} failed, {skipped}{}",
        results.len(),
        coverage.summary()
    );
    if let Some(minimum) = minimum {
        if coverage.percent() < minimum {
            let _ = writeln!(out, "coverage is under the minimum of {minimum}%");
        }
    }
    let lacking: Vec<_> = coverage.lacking().collect();
    if !lacking.is_empty() {
        let _ = writeln!(out, "rules lacking coverage:");
        for (rule, what) in lacking {
            let _ = writeln!(out, "  {}: {what}", rule.rule);
        }
    }
    out
}

fn key_json(key: &Key) -> serde_json::Value {
    serde_json::json!({
        "rule": key.rule,
        "entity": key.entity,
        "environment": key.environment,
        "principal": key.principal,
    })
}

/// The JSON report: every case with its verdict and diff, the totals and
/// the coverage of every rule.
pub fn json(results: &[CaseResult], coverage: &Coverage, minimum: Option<f64>) -> String {
    let cases: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({
                "file": &*r.file,
                "line": r.location.line,
                "name": r.name,
                "passed": r.passed(),
                "skipped": r.skipped,
                "missing": r.missing.iter().map(key_json).collect::<Vec<_>>(),
                "unexpected": r.unexpected.iter().map(key_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let rules: Vec<serde_json::Value> = coverage
        .rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "rule": r.rule,
                "expects_finding": r.finding,
                "expects_none": r.none,
                "covered": r.finding && r.none,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "cases": cases,
        "summary": {
            "cases": results.len(),
            "failed": results.iter().filter(|r| r.failed()).count(),
            "skipped": results.iter().filter(|r| r.skipped.is_some()).count(),
        },
        "coverage": {
            "percent": coverage.percent(),
            "covered": coverage.covered(),
            "rules_total": coverage.rules.len(),
            "minimum": minimum,
            "rules": rules,
        },
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}

/// The JUnit report: one test suite per test file, one test case per case,
/// and a `coverage` suite with a skipped case per rule lacking coverage.
pub fn junit(
    files: &[TestFile],
    results: &[CaseResult],
    coverage: &Coverage,
    minimum: Option<f64>,
) -> std::io::Result<Vec<u8>> {
    let mut report = Report::new("secretary policies test");
    for file in files {
        let mut suite = TestSuite::new(&*file.path);
        suite.add_property(Property::new("rules", file.rules.join(", ")));
        for result in results.iter().filter(|r| r.file == file.path) {
            let status = if let Some(reason) = result.skipped {
                let mut status = TestCaseStatus::skipped();
                status.set_message(reason);
                status
            } else if result.passed() {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(format!(
                    "{} missing, {} unexpected",
                    result.missing.len(),
                    result.unexpected.len()
                ));
                let mut diff = format!("case: {}\n", result.location);
                for key in &result.missing {
                    let _ = writeln!(diff, "missing:    {}", key_text(key));
                }
                for key in &result.unexpected {
                    let _ = writeln!(diff, "unexpected: {}", key_text(key));
                }
                status.set_description(diff);
                status
            };
            let mut case = TestCase::new(result.name.as_str(), status);
            case.set_classname(&*file.path);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    let mut suite = TestSuite::new("coverage");
    suite.add_property(Property::new("summary", coverage.summary()));
    suite.add_property(Property::new("percent", coverage.percent().to_string()));
    if let Some(minimum) = minimum {
        suite.add_property(Property::new("minimum", minimum.to_string()));
    }
    for rule in &coverage.rules {
        let status = match coverage.lacking().find(|(r, _)| r.rule == rule.rule) {
            None => TestCaseStatus::success(),
            Some((_, what)) => {
                let mut status = TestCaseStatus::skipped();
                status.set_type("not-covered");
                status.set_message(what);
                status
            }
        };
        let mut case = TestCase::new(rule.rule.as_str(), status);
        case.set_classname("coverage");
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    let mut out = Vec::new();
    report.serialize(&mut out).map_err(std::io::Error::other)?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn result(name: &str, skipped: Option<&'static str>, missing: Vec<Key>) -> CaseResult {
        let file: Arc<str> = Arc::from("t.test.yaml");
        CaseResult {
            location: Location::new(&file, 3, 5),
            file,
            name: name.to_owned(),
            missing,
            unexpected: Vec::new(),
            skipped,
        }
    }

    /// A skipped case says why in every format, is neither passed nor
    /// failed, and the summary counts it apart.
    #[test]
    fn skipped_cases_are_told_apart_from_passed_and_failed_ones() {
        let key = Key {
            rule: "r".to_owned(),
            entity: "Secret::\"A\"".to_owned(),
            environment: None,
            principal: None,
        };
        let results = [
            result("ran", None, Vec::new()),
            result("needs modes", Some("no modes here"), Vec::new()),
            result("broke", None, vec![key]),
        ];
        assert!(results[0].passed() && !results[0].failed());
        assert!(!results[1].passed() && !results[1].failed());
        assert!(!results[2].passed() && results[2].failed());
        let coverage = Coverage::of(std::iter::empty(), &[]);

        let human = human(&results, &coverage, None);
        assert!(
            human.contains("SKIP t.test.yaml:3:5 needs modes: no modes here\n"),
            "{human}"
        );
        assert!(human.contains("FAIL t.test.yaml:3:5 broke\n"), "{human}");
        assert!(human.contains("3 cases, 1 failed, 1 skipped, "), "{human}");
        let ran_only = super::human(&results[..1], &coverage, None);
        assert!(
            ran_only.contains("1 cases, 0 failed, coverage"),
            "{ran_only}"
        );

        let json: serde_json::Value =
            serde_json::from_str(&json(&results, &coverage, None)).unwrap();
        assert_eq!(json["cases"][1]["skipped"], "no modes here");
        assert_eq!(json["cases"][1]["passed"], false);
        assert_eq!(json["cases"][0]["skipped"], serde_json::Value::Null);
        assert_eq!(json["summary"]["failed"], 1);
        assert_eq!(json["summary"]["skipped"], 1);

        let files = [TestFile {
            path: Arc::from("t.test.yaml"),
            rules: Vec::new(),
            cases: Vec::new(),
        }];
        let junit = String::from_utf8(junit(&files, &results, &coverage, None).unwrap()).unwrap();
        assert!(junit.contains("skipped=\"1\""), "{junit}");
        assert!(
            junit.contains("<skipped message=\"no modes here\"/>"),
            "{junit}"
        );
    }
}
