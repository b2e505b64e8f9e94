//! `secretary check`: load, evaluate, print, exit.

use secretary::diag::Code;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::args::{resolve_now, ColorArgs, PolicyArgs};
use super::output::write_atomic_all;
use super::outputs::OutputArgs;
use super::Outcome;
use secretary::findings::Severity;
use secretary::render;
use secretary::source::SourceTexts;
use secretary::CheckRequest;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Inventory files or directories of them [default: secretary.yaml]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub policies: PolicyArgs,
    #[command(flatten)]
    pub output: OutputArgs<Format>,
    /// Fail (exit 1) on findings at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Low, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today, for reproducible results
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    #[command(flatten)]
    pub color: ColorArgs,
    #[command(flatten)]
    pub observe: super::observe::ObserveArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    // SARIF 2.1.0, for GitHub code scanning (src/render/sarif.rs)
    Sarif,
    // JUnit XML, for CI test reports (src/render/junit.rs)
    Junit,
    // A summary for a pull-request comment or `$GITHUB_STEP_SUMMARY`.
    Markdown,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<FailOn> for Severity {
    fn from(level: FailOn) -> Self {
        match level {
            FailOn::Info => Severity::Info,
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Critical => Severity::Critical,
        }
    }
}

pub fn run(args: CheckArgs) -> Outcome {
    let printer = args.color.printer();
    let mut texts = SourceTexts::default();
    let now = match resolve_now(args.now.as_deref()) {
        Ok(now) => now,
        Err(error) => {
            printer.errors(&[error], &texts);
            return Outcome::BadInput;
        }
    };
    let paths = super::args::inventory_paths(args.paths);
    let request = CheckRequest {
        inventory_paths: paths,
        policy_paths: args.policies.policies,
        builtin_policies: !args.policies.no_builtin,
        now,
    };
    let loaded = match secretary::load(&request, &mut texts) {
        Ok(loaded) => loaded,
        Err(failure) => {
            printer.errors(&failure.errors, &texts);
            return Outcome::BadInput;
        }
    };
    // Live IAM (`--iam`) or a saved snapshot (`--iam-snapshot`), and the rest
    // of the real world the inventory names.
    let observations = match super::observe::gather(&args.observe, &loaded.inventory, &mut texts) {
        Ok(observations) => observations,
        Err(errors) => {
            printer.errors(&errors, &texts);
            return Outcome::BadInput;
        }
    };
    let checked = match secretary::judge(loaded, &observations, now) {
        Ok(checked) => checked,
        Err(failure) => {
            printer.errors(&failure.errors, &texts);
            return Outcome::BadInput;
        }
    };
    printer.warnings(&checked.rules.warnings, &texts);
    let fail_on = Severity::from(args.fail_on);
    // Every output is rendered in memory first; files are written only once
    // all of them rendered, so a run never leaves some outputs half done.
    let mut stdout = None;
    let mut files = Vec::new();
    for (format, path) in &args.output.outputs {
        let mut out = Vec::new();
        let written = match format {
            Format::Human => render::human::render(&mut out, &checked.report, fail_on),
            Format::Json => render::json::render(&mut out, &checked.report, now, fail_on),
            Format::Sarif => render::sarif::render(&mut out, &checked.report, &checked.rules),
            Format::Junit => {
                render::junit::render(&mut out, &checked.report, &checked.rules, fail_on)
            }
            Format::Markdown => render::report::check_summary(
                &mut out,
                &render::view::build(
                    &checked.inventory,
                    &checked.report,
                    &checked.rules,
                    &texts,
                    &render::view::ViewContext {
                        now,
                        generated_at: None,
                        fail_on,
                        iam: super::iam::evidence(observations.iam.as_ref(), &args.observe.iam),
                        observed: observations.kinds(),
                        values: super::values::evidence(observations.values.as_ref()),
                    },
                ),
            ),
        };
        if let Err(err) = written {
            eprintln!("error: cannot render the report: {err}");
            return Outcome::BadInput;
        }
        match path {
            // Colour is for terminals: a file gets plain text.
            Some(path) => files.push((
                path.clone(),
                anstream::adapter::strip_bytes(&out).into_vec(),
            )),
            None => stdout = Some(out),
        }
    }

    // A run that could not judge everything (IAM checks that could not run,
    // rules that failed to evaluate) exits 2. Its report still goes to stdout,
    // to show what was verified and what failed; no file is written for it.
    let not_verified = super::observe::not_verified(&observations);
    let broken: Vec<_> = checked
        .report
        .errors()
        .filter(|f| !secretary::observe::GAP_RULES.contains(&f.rule.as_str()))
        .collect();
    if !not_verified.is_empty() || !broken.is_empty() {
        if let Some(out) = &stdout {
            printer.stdout(out);
        }
        printer.errors(&not_verified, &texts);
    }
    if !broken.is_empty() {
        // Name each broken rule's file and line on stderr, once per rule.
        let mut seen = std::collections::BTreeSet::new();
        let mut errors = Vec::new();
        for finding in &broken {
            if !seen.insert(finding.rule.clone()) {
                continue;
            }
            let location = checked
                .rules
                .rule(&finding.rule)
                .map(|r| r.location.clone());
            errors.push(
                secretary::diag::InputError::new(
                    Code::RuleEvaluationError,
                    finding.message.clone(),
                )
                .at_opt(location)
                .help("a rule that errors is never treated as passing; fix the rule and run again"),
            );
        }
        printer.errors(&errors, &texts);
    }
    if !not_verified.is_empty() || !broken.is_empty() {
        return Outcome::BadInput;
    }
    // Files are written only for a run that could judge the inventory.
    if let Err(error) = write_atomic_all(&files) {
        printer.errors(&[error], &texts);
        return Outcome::BadInput;
    }
    if let Some(out) = stdout {
        printer.stdout(&out);
    }
    let outcome = if checked.report.fails_at(fail_on) {
        Outcome::Findings
    } else {
        Outcome::Compliant
    };
    // The process ends here: freeing a large inventory piece by piece would
    // only delay the exit.
    std::mem::forget(checked);
    std::mem::forget(texts);
    outcome
}
