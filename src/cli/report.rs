//! `secretary report`: the audit report, in markdown or self-contained HTML.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::args::FailOn;
use super::baseline::BaselineArgs;
use super::pipeline::{prepare, resolve_generated_at, ReportInputs};
use super::write::emit;
use super::Outcome;
use secretary::findings::Severity;
use secretary::render::report::{self, ReportFormat};
use secretary::render::view::{Limit, View};
use secretary::source::SourceTexts;

#[derive(Args, Debug)]
#[command(
    after_help = "Templates: report.md, report.html and the tables they include \
(secrets.md, env-vars.md, identities.md, encryption.md, never-log.md, rotation-due.md, rotation-calendar.md, \
checklist.md, findings.md, baseline.md, evidence.md, matrix.md, frameworks.md, at-a-glance.md); a file of the same name in `--templates DIR` \
replaces one.\n\nSOURCE_DATE_EPOCH, when set, is the report's generation time, for \
byte-identical reports.\n\nExit codes: 0 compliant, 1 findings at or above --fail-on \
(the report is still written), 2 bad input (nothing is written)."
)]
pub struct ReportArgs {
    /// Inventory files or directories of them [default: secretary.yaml]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Limit the report to this environment (repeatable): findings of other
    /// environments and their instances are left out
    #[arg(long = "environment", value_name = "NAME")]
    pub environments: Vec<String>,
    /// Limit the findings and the frameworks section to this framework's
    /// controls (repeatable; a case-insensitive prefix, e.g. `nist`, `cis`)
    #[arg(long = "framework", value_name = "NAME")]
    pub frameworks: Vec<String>,
    /// Fail (exit 1) on findings at or above this severity; the report is still written
    #[arg(long, value_enum, default_value_t = FailOn::Low, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub inputs: ReportInputs,
    #[command(flatten)]
    pub baseline: BaselineArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum Format {
    Markdown,
    Html,
}

/// What a report written with `-o FILE` holds, for its `wrote` line on
/// stderr: its format and counts, so a CI log shows it without opening it.
fn what(format: Format, view: &View) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let secrets = view.secrets.iter().map(|g| g.secrets.len()).sum();
    let env_vars = view.env_vars.iter().map(|g| g.vars.len()).sum();
    format!(
        "{} report: {}, {}, {}; {}, {} at or above `{}`",
        match format {
            Format::Markdown => "markdown",
            Format::Html => "HTML",
        },
        plural(secrets, "secret", "secrets"),
        plural(env_vars, "env var", "env vars"),
        plural(view.identities.len(), "identity", "identities"),
        plural(view.summary.total, "finding", "findings"),
        view.summary.failing,
        view.fail_on,
    )
}

pub fn run(args: ReportArgs) -> Outcome {
    let printer = super::output::Printer::plain();
    let generated_at = match resolve_generated_at() {
        Ok(at) => at,
        Err(error) => {
            printer.errors(&[error], &SourceTexts::default());
            return Outcome::BadInput;
        }
    };
    let limit = Limit {
        environments: args.environments.clone(),
        frameworks: args.frameworks.clone(),
    };
    let prepared = match prepare(
        &args.inputs,
        args.paths,
        Some(generated_at),
        &limit,
        &args.baseline,
        Severity::from(args.fail_on),
        &printer,
    ) {
        Ok(prepared) => prepared,
        Err(outcome) => return outcome,
    };
    let format = match args.format {
        Format::Markdown => ReportFormat::Markdown,
        Format::Html => ReportFormat::Html,
    };
    let text = match report::report(&prepared.templates, &prepared.view, format) {
        Ok(text) => text,
        Err(error) => {
            printer.errors(&[error], &prepared.texts);
            return Outcome::BadInput;
        }
    };
    let written = emit(
        &printer,
        args.output.as_deref(),
        text,
        (&prepared.inputs, &prepared.texts),
        || what(args.format, &prepared.view),
    );
    if !written {
        return Outcome::BadInput;
    }
    if prepared.fails {
        Outcome::Findings
    } else {
        Outcome::Compliant
    }
}
