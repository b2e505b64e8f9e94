//! `secretary check`: judge (see [`super::pipeline::judge`]), print, exit.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::args::{ColorArgs, FailOn, PolicyArgs};
use super::outputs::OutputArgs;
use super::pipeline::{judge_against, request};
use super::write::{write, Access, Inputs, Output};
use super::Outcome;
use secretary::findings::Severity;
use secretary::render;
use secretary::source::SourceTexts;

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
    #[command(flatten)]
    pub baseline: super::baseline::BaselineArgs,
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

pub fn run(args: CheckArgs) -> Outcome {
    let printer = args.color.printer();
    let mut texts = SourceTexts::default();
    let request = match request(args.paths, &args.policies, args.now.as_deref()) {
        Ok(request) => request,
        Err(errors) => {
            printer.errors(&errors, &texts);
            return Outcome::BadInput;
        }
    };
    let judged = match judge_against(&request, &args.observe, &args.baseline, &mut texts) {
        Ok(judged) => judged,
        Err(errors) => {
            printer.errors(&errors, &texts);
            return Outcome::BadInput;
        }
    };
    let checked = &judged.checked;
    printer.warnings(&checked.rules.warnings, &texts);
    let fail_on = Severity::from(args.fail_on);
    let baseline = judged.baseline.as_ref();
    // Every output is rendered in memory first; files are written only once
    // all of them rendered, so a run never leaves some outputs half done.
    let mut stdout = None;
    let mut files = Vec::new();
    let mut written_formats = Vec::new();
    for (format, path) in &args.output.outputs {
        let mut out = Vec::new();
        let written = match format {
            Format::Human => render::human::render(
                &mut out,
                &checked.report,
                &checked.not_checked,
                &checked.rules.overrides,
                fail_on,
                baseline,
            ),
            Format::Json => render::json::render(
                &mut out,
                &checked.report,
                &checked.not_checked,
                &checked.rules.overrides,
                &render::json::Run {
                    packs: &request.packs,
                    now: request.now,
                    fail_on,
                    baseline,
                },
            ),
            Format::Sarif => render::sarif::render(
                &mut out,
                &checked.report,
                &checked.rules,
                &checked.not_checked,
                baseline,
            ),
            Format::Junit => render::junit::render(
                &mut out,
                &checked.report,
                &checked.rules,
                &checked.not_checked,
                fail_on,
                baseline,
            ),
            Format::Markdown => render::report::check_summary(
                &mut out,
                &judged.view(&args.observe, &texts, None, fail_on),
            ),
        };
        if let Err(err) = written {
            eprintln!("error: cannot render the report: {err}");
            return Outcome::BadInput;
        }
        match path {
            // Colour is for terminals: a file gets plain text.
            Some(path) => {
                written_formats.push(
                    clap::ValueEnum::to_possible_value(format)
                        .map(|v| v.get_name().to_owned())
                        .unwrap_or_default(),
                );
                files.push(Output {
                    path: path.clone(),
                    bytes: anstream::adapter::strip_bytes(&out).into_vec(),
                    // No format shows a value or its fingerprint.
                    access: Access::Shared,
                    replace: true,
                })
            }
            None => stdout = Some(out),
        }
    }

    // A run that could not judge everything (IAM checks that could not run,
    // rules that failed to evaluate) exits 2. Its report still goes to stdout,
    // to show what was verified and what failed; no file is written for it.
    if !judged.verified() {
        if let Some(out) = &stdout {
            printer.stdout(out);
        }
        printer.errors(&judged.not_verified, &texts);
        printer.errors(&judged.broken, &texts);
        return Outcome::BadInput;
    }
    // Files are written only for a run that could judge the inventory, and
    // none over a file it read.
    let inputs = Inputs::of_run(&texts, &checked.inventory);
    if let Err(errors) = write(&files, &inputs) {
        printer.errors(&errors, &texts);
        return Outcome::BadInput;
    }
    // One line per file written, after all of them are in place.
    let total = checked.report.findings.len();
    for (output, format) in files.iter().zip(written_formats) {
        eprintln!(
            "wrote {} ({format}: {total} finding{})",
            output.path.display(),
            if total == 1 { "" } else { "s" }
        );
    }
    if let Some(out) = stdout {
        printer.stdout(&out);
    }
    let outcome = if args.baseline.fails(&checked.report, baseline, fail_on) {
        Outcome::Findings
    } else {
        Outcome::Compliant
    };
    // The process ends here: freeing a large inventory piece by piece would
    // only delay the exit.
    std::mem::forget(judged);
    std::mem::forget(texts);
    outcome
}
