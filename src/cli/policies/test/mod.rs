//! `secretary policies test`: runs the rule tests (`*.test.yaml`) found
//! under the rule directories, each case through the one pipeline as
//! `check --no-builtin --policies DIR… --now NOW` would run it, and
//! compares the findings of the file's rules with what the case expects.
//! The format is documented in the book (`docs/src/writing-rules.md`, "Testing rules").
//!
//! Every test file is read and checked before any case runs, so that one
//! run reports every problem of every file (exit 2). The rules load once
//! (for their ids, the coverage and every case's run: loading the built-in
//! rules takes about half a second in a debug build, a case about 20 ms).

mod case;
mod file;
mod outcome;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};

use super::super::output::Printer;
use super::super::Outcome;
use outcome::{CaseResult, Coverage};
use secretary::diag::{Code, InputError};
use secretary::policy::{self, RuleSources};
use secretary::source::{FileKind, SourceTexts};

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Directories of rules and their `*.test.yaml` files [default: .]
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Fail (exit 1) when fewer than this percentage of the rules are covered
    #[arg(long, value_name = "PERCENT", value_parser = percent)]
    pub min_coverage: Option<f64>,
    /// The evaluation date of cases that give no `now:` [default: today (UTC)]
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum TestFormat {
    Human,
    Json,
    Junit,
}

fn percent(text: &str) -> Result<f64, String> {
    match text.trim().trim_end_matches('%').parse::<f64>() {
        Ok(value) if (0.0..=100.0).contains(&value) => Ok(value),
        _ => Err(format!("`{text}` is not a percentage from 0 to 100")),
    }
}

fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".test.yaml"))
}

pub fn run(args: TestArgs) -> Outcome {
    let printer = Printer::new(anstream::ColorChoice::Never);
    let mut texts = SourceTexts::default();
    let fail = |errors: &[InputError], texts: &SourceTexts| {
        printer.errors(errors, texts);
        Outcome::BadInput
    };
    let now = match super::super::args::resolve_now(args.now.as_deref()) {
        Ok(now) => now,
        Err(error) => return fail(&[error], &texts),
    };
    let dirs = if args.dirs.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.dirs
    };
    let rules = match policy::load(
        &RuleSources {
            builtin: false,
            user_paths: &dirs,
            pack_names: &[],
        },
        secretary::entities::schema::schema(),
        &mut texts,
    ) {
        Ok(rules) => rules,
        Err(errors) => return fail(&errors, &texts),
    };
    printer.warnings(&rules.warnings, &texts);

    // Every test file, read and checked before any case runs.
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for dir in &dirs {
        let (found, problems) = secretary::read::walk(dir, is_test_file);
        errors.extend(problems.into_iter().map(|problem| {
            InputError::new(
                Code::UnreadablePath,
                format!(
                    "cannot read `{}`: {}",
                    problem.path.display(),
                    problem.problem
                ),
            )
            .help("fix the path or its permissions")
        }));
        for path in found {
            let display: Arc<str> = Arc::from(secretary::source::portable_path(&path));
            match secretary::read::read_text(&path, secretary::read::Kind::Inventory) {
                Ok(text) => {
                    texts.insert(&display, text.as_str(), FileKind::Inventory);
                    match file::read(&display, &text, &rules) {
                        Ok(file) => files.push(file),
                        Err(mut problems) => errors.append(&mut problems),
                    }
                }
                Err(error) => errors.push(
                    InputError::new(
                        Code::UnreadableFile,
                        format!("cannot read rule test `{display}`: {error}"),
                    )
                    .help("check the path and its permissions"),
                ),
            }
        }
    }
    if files.is_empty() && errors.is_empty() {
        errors.push(
            InputError::new(
                Code::InvalidRuleTest,
                format!(
                    "no rule test (`*.test.yaml`) under {}",
                    dirs.iter()
                        .map(|d| format!("`{}`", d.display()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .help("write a `NAME.test.yaml` next to the rules (see docs/src/writing-rules.md, \"Testing rules\")"),
        );
    }
    if !errors.is_empty() {
        return fail(&errors, &texts);
    }

    // Each case runs against the rules loaded above, as `check` would
    // load them: loading is most of a small case's time.
    let rules = Arc::new(rules);
    let mut results = Vec::new();
    for file in &files {
        for case in &file.cases {
            if let Some(reason) = case::cannot_run_here(case) {
                results.push(CaseResult {
                    file: Arc::clone(&file.path),
                    name: case.name.clone(),
                    location: case.location.clone(),
                    missing: Vec::new(),
                    unexpected: Vec::new(),
                    skipped: Some(reason),
                });
                continue;
            }
            match case::run(file, case, &dirs, &rules, now, &mut texts) {
                Ok(findings) => {
                    let expected: Vec<_> = case.expect.clone();
                    let (missing, unexpected) = outcome::compare(&expected, &findings);
                    results.push(CaseResult {
                        file: Arc::clone(&file.path),
                        name: case.name.clone(),
                        location: case.location.clone(),
                        missing,
                        unexpected,
                        skipped: None,
                    });
                }
                Err(mut problems) => errors.append(&mut problems),
            }
        }
    }
    if !errors.is_empty() {
        return fail(&errors, &texts);
    }

    let coverage = Coverage::of(rules.rules.keys().cloned(), &files);
    let out = match args.format {
        TestFormat::Human => outcome::human(&results, &coverage, args.min_coverage).into_bytes(),
        TestFormat::Json => outcome::json(&results, &coverage, args.min_coverage).into_bytes(),
        TestFormat::Junit => match outcome::junit(&files, &results, &coverage, args.min_coverage) {
            Ok(out) => out,
            Err(error) => {
                eprintln!("error: cannot render the report: {error}");
                return Outcome::BadInput;
            }
        },
    };
    printer.stdout(&out);
    let under = args.min_coverage.is_some_and(|m| coverage.percent() < m);
    if !results.iter().any(CaseResult::failed) && !under {
        Outcome::Compliant
    } else {
        Outcome::Findings
    }
}
