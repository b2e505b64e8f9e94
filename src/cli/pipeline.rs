//! The inputs `report` and `docs` share with `check`, and their resolution:
//! run the pipeline, load the templates, and build the view model.
//!
//! To feed another input into reports (the live IAM snapshot), add its
//! arguments to [`ReportInputs`] and its evidence to `ViewContext::iam` in
//! [`prepare`]: both commands pick it up.

use secretary::diag::Code;
use std::path::PathBuf;

use clap::Args;
use jiff::civil::Date;

use super::args::{resolve_now, ColorArgs, PolicyArgs};
use super::check::FailOn;
use super::output::Printer;
use super::Outcome;
use secretary::diag::InputError;
use secretary::findings::Severity;
use secretary::render::templates::Templates;
use secretary::render::view::{self, View, ViewContext};
use secretary::source::SourceTexts;
use secretary::CheckRequest;

#[derive(Args, Debug)]
pub struct ReportInputs {
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today, for reproducible results
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    /// Fail (exit 1) on findings at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Low, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// A directory of templates replacing the built-in ones of the same file name
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    #[command(flatten)]
    pub observe: super::observe::ObserveArgs,
    #[command(flatten)]
    pub color: ColorArgs,
}

/// Everything a report or docs run renders from.
pub struct Prepared {
    pub view: View,
    pub templates: Templates,
    pub texts: SourceTexts,
    /// Whether an unwaived finding reaches `--fail-on`.
    pub fails: bool,
}

/// When the report is made: `SOURCE_DATE_EPOCH` (seconds since 1970, the
/// reproducible-builds convention) when set, else the clock.
pub fn resolve_generated_at() -> Result<jiff::Timestamp, InputError> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
            .ok_or_else(|| {
                InputError::new(
                    Code::InvalidSourceDateEpoch,
                    format!("`SOURCE_DATE_EPOCH={text}` is not a number of seconds since 1970"),
                )
                .help("set it to an integer such as `1700000000`, or unset it to use the clock")
            }),
        _ => Ok(jiff::Timestamp::now()),
    }
}

/// Loads templates and inputs and runs the check; prints every problem and
/// returns the outcome when something is wrong. `generated_at` is `None`
/// for outputs that never show it.
pub fn prepare(
    inputs: &ReportInputs,
    inventory_paths: Vec<PathBuf>,
    generated_at: Option<jiff::Timestamp>,
    printer: &Printer,
) -> Result<Prepared, Outcome> {
    let mut texts = SourceTexts::default();
    let now: Date = match resolve_now(inputs.now.as_deref()) {
        Ok(now) => now,
        Err(error) => {
            printer.errors(&[error], &texts);
            return Err(Outcome::BadInput);
        }
    };
    let mut errors = Vec::new();
    let templates = match Templates::load(inputs.templates.as_deref(), &mut texts) {
        Ok((templates, warnings)) => {
            printer.warnings(&warnings, &texts);
            Some(templates)
        }
        Err(mut problems) => {
            errors.append(&mut problems);
            None
        }
    };
    let paths = super::args::inventory_paths(inventory_paths);
    let request = CheckRequest {
        inventory_paths: paths,
        policy_paths: inputs.policies.policies.clone(),
        builtin_policies: !inputs.policies.no_builtin,
        now,
    };
    let loaded = match secretary::load(&request, &mut texts) {
        Ok(loaded) => loaded,
        Err(mut failure) => {
            errors.append(&mut failure.errors);
            printer.errors(&errors, &texts);
            return Err(Outcome::BadInput);
        }
    };
    // Live IAM (`--iam`) or a saved snapshot (`--iam-snapshot`), and the rest
    // of the real world, as in `check`.
    let observations = match super::observe::gather(&inputs.observe, &loaded.inventory, &mut texts)
    {
        Ok(observations) => observations,
        Err(mut problems) => {
            errors.append(&mut problems);
            printer.errors(&errors, &texts);
            return Err(Outcome::BadInput);
        }
    };
    let checked = match secretary::judge(loaded, &observations, now) {
        Ok(checked) => Some(checked),
        Err(mut failure) => {
            errors.append(&mut failure.errors);
            None
        }
    };
    let (Some(templates), Some(checked)) = (templates, checked) else {
        printer.errors(&errors, &texts);
        return Err(Outcome::BadInput);
    };
    printer.warnings(&checked.rules.warnings, &texts);
    // A rule that failed to evaluate, or IAM checks that could not run, make
    // the verdicts doubtful: no report.
    let mut broken = std::collections::BTreeSet::new();
    let mut errors: Vec<InputError> = super::observe::not_verified(&observations);
    errors.extend(
        checked
            .report
            .errors()
            .filter(|f| !secretary::observe::GAP_RULES.contains(&f.rule.as_str()))
            .filter(|f| broken.insert(f.rule.clone()))
            .map(|f| {
                InputError::new(Code::RuleEvaluationError, f.message.clone())
                .at_opt(checked.rules.rule(&f.rule).map(|r| r.location.clone()))
                .help("a rule that errors is never treated as passing; fix the rule and run again")
            }),
    );
    if !errors.is_empty() {
        printer.errors(&errors, &texts);
        return Err(Outcome::BadInput);
    }
    let fail_on = Severity::from(inputs.fail_on);
    let view = view::build(
        &checked.inventory,
        &checked.report,
        &checked.rules,
        &texts,
        &ViewContext {
            now,
            generated_at,
            fail_on,
            iam: super::iam::evidence(observations.iam.as_ref(), &inputs.observe.iam),
            observed: observations.kinds(),
            values: super::values::evidence(observations.values.as_ref()),
        },
    );
    Ok(Prepared {
        view,
        templates,
        fails: checked.report.fails_at(fail_on),
        texts,
    })
}
