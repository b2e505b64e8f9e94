//! The pipeline as `check`, `report` and `docs` run it ([`judge`]): load,
//! observe what the arguments ask, judge, and sort out what could not be
//! verified; and the inputs `report` and `docs` share, resolved into the
//! view model they render ([`prepare`]).
//!
//! To feed another input into every command, add it where the library's
//! docs say (`src/lib.rs`); its evidence for reports goes in [`Judged::view`].

use secretary::diag::Code;
use std::path::PathBuf;

use clap::Args;
use jiff::civil::Date;

use super::args::{resolve_now, HiddenColorArgs, PolicyArgs};
use super::baseline::BaselineArgs;
use super::observe::ObserveArgs;
use super::output::Printer;
use super::Outcome;
use secretary::diag::InputError;
use secretary::findings::Severity;
use secretary::observe::Observations;
use secretary::render::templates::Templates;
use secretary::render::view::{self, Limit, LimitView, View, ViewContext};
use secretary::source::SourceTexts;
use secretary::{CheckRequest, Checked};

/// The request of a command's arguments: its inventory paths (the default
/// when none), its rules and its evaluation date.
pub fn request(
    paths: Vec<PathBuf>,
    policies: &PolicyArgs,
    now: Option<&str>,
) -> Result<CheckRequest, Vec<InputError>> {
    let now = resolve_now(now).map_err(|e| vec![e])?;
    let (policy_paths, packs) = policies.resolve()?;
    Ok(CheckRequest {
        inventory: secretary::InventorySource::Paths(super::args::inventory_paths(paths)),
        policy_paths,
        builtin_policies: !policies.no_builtin,
        loaded_rules: None,
        now,
        packs,
    })
}

/// A judged run: the verdicts, what was observed, and what could not be
/// verified. Either of the last two makes the run exit 2.
pub struct Judged {
    pub checked: Checked,
    pub observations: Observations,
    pub now: Date,
    /// Parts of the real world that could not be observed.
    pub not_verified: Vec<InputError>,
    /// Rules that failed to evaluate, one error per rule at its file and
    /// line: a rule that errors never passes.
    pub broken: Vec<InputError>,
    /// The rule packs the rules came from, for the evidence.
    pub packs: Vec<secretary::packs::Pack>,
    /// The findings against `--baseline`, when one is given.
    pub baseline: Option<secretary::baseline::Comparison>,
}

/// Loads `request`, gathers the observations `observe` asks for (live IAM
/// or a saved snapshot, values, files, the repository) and judges them.
/// Fails, with every problem, on bad input.
pub fn judge(
    request: &CheckRequest,
    observe: &ObserveArgs,
    texts: &mut SourceTexts,
) -> Result<Judged, Vec<InputError>> {
    let loaded = secretary::load(request, texts)?;
    let observations = super::observe::gather(
        observe,
        &loaded.inventory,
        &loaded.rules.published_defaults,
        texts,
    )?;
    let checked = secretary::judge(loaded, &observations);
    let not_verified = super::observe::not_verified(&observations);
    let mut seen = std::collections::BTreeSet::new();
    let broken = checked
        .report
        .errors()
        .filter(|f| !secretary::observe::GAP_RULES.contains(&f.rule.as_str()))
        .filter(|f| seen.insert(f.rule.clone()))
        .map(|f| {
            InputError::new(Code::RuleEvaluationError, f.message.clone())
                .at_opt(checked.rules.rule(&f.rule).map(|r| r.location.clone()))
                .help("a rule that errors is never treated as passing; fix the rule and run again")
        })
        .collect();
    Ok(Judged {
        checked,
        observations,
        now: request.now,
        not_verified,
        broken,
        packs: request.packs.clone(),
        baseline: None,
    })
}

/// [`judge`], and this run compared with the baseline of `baseline` when it
/// gives one. A bad baseline is reported with every other input problem.
pub fn judge_against(
    request: &CheckRequest,
    observe: &ObserveArgs,
    baseline: &BaselineArgs,
    texts: &mut SourceTexts,
) -> Result<Judged, Vec<InputError>> {
    let loaded = baseline.load(texts);
    let judged = judge(request, observe, texts);
    match (loaded, judged) {
        (Ok(loaded), Ok(mut judged)) => {
            let checked = &judged.checked;
            let evaluated = |rule: &str| {
                checked.rules.rule(rule).is_some()
                    && checked.rules.disabled(rule).is_none()
                    && !checked
                        .not_checked
                        .iter()
                        .any(|group| group.rules.iter().any(|r| r == rule))
            };
            judged.baseline = loaded.map(|b| secretary::baseline::Comparison {
                only_new: baseline.fail_on_new,
                ..secretary::baseline::Comparison::new(&b, &checked.report, evaluated)
            });
            Ok(judged)
        }
        (loaded, judged) => {
            let mut errors: Vec<InputError> = loaded.err().into_iter().collect();
            errors.extend(judged.err().unwrap_or_default());
            Err(errors)
        }
    }
}

impl Judged {
    /// Whether every verdict could be reached.
    pub fn verified(&self) -> bool {
        self.not_verified.is_empty() && self.broken.is_empty()
    }

    /// The view model of reports and summaries, with the evidence of what
    /// was observed.
    pub fn view(
        &self,
        observe: &ObserveArgs,
        texts: &SourceTexts,
        generated_at: Option<jiff::Timestamp>,
        fail_on: Severity,
    ) -> View {
        self.view_limited(observe, texts, generated_at, fail_on, LimitView::default())
    }

    /// [`Judged::view`] limited to some environments or frameworks.
    pub fn view_limited(
        &self,
        observe: &ObserveArgs,
        texts: &SourceTexts,
        generated_at: Option<jiff::Timestamp>,
        fail_on: Severity,
        limit: LimitView,
    ) -> View {
        let mut view = view::build(
            &self.checked.inventory,
            &self.checked.report,
            &self.checked.rules,
            texts,
            &ViewContext {
                now: self.now,
                generated_at,
                fail_on,
                iam: super::iam::evidence(self.observations.iam.as_ref(), &observe.iam),
                observed: self.observations.kinds(),
                values: super::values::evidence(self.observations.values.as_ref()),
                stores: super::aws::evidence(self.observations.stores.as_ref(), &observe.iam),
                packs: self.packs.clone(),
                limit,
                iam_snapshot: self.observations.iam.clone(),
            },
        );
        view.baseline = self
            .baseline
            .as_ref()
            .map(|comparison| view::baseline(comparison, &view.findings));
        view
    }
}

#[derive(Args, Debug)]
pub struct ReportInputs {
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today, for reproducible results
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    /// A directory of templates replacing the built-in ones of the same file name
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    #[command(flatten)]
    pub observe: super::observe::ObserveArgs,
    #[command(flatten)]
    pub color: HiddenColorArgs,
}

/// Everything a report or docs run renders from.
pub struct Prepared {
    pub view: View,
    pub templates: Templates,
    pub texts: SourceTexts,
    /// The files the run read, which no output may replace.
    pub inputs: super::write::Inputs,
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
    limit: &Limit,
    baseline: &BaselineArgs,
    fail_on: Severity,
    printer: &Printer,
) -> Result<Prepared, Outcome> {
    let mut texts = SourceTexts::default();
    let request = match request(inventory_paths, &inputs.policies, inputs.now.as_deref()) {
        Ok(request) => request,
        Err(errors) => {
            printer.errors(&errors, &texts);
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
    let judged = match judge_against(&request, &inputs.observe, baseline, &mut texts) {
        Ok(judged) => Some(judged),
        Err(mut problems) => {
            errors.append(&mut problems);
            None
        }
    };
    let (Some(templates), Some(judged)) = (templates, judged) else {
        printer.errors(&errors, &texts);
        return Err(Outcome::BadInput);
    };
    printer.warnings(&judged.checked.rules.warnings, &texts);
    // A rule that failed to evaluate, or IAM checks that could not run, make
    // the verdicts doubtful: no report.
    if !judged.verified() {
        let errors = [&judged.not_verified[..], &judged.broken[..]].concat();
        printer.errors(&errors, &texts);
        return Err(Outcome::BadInput);
    }
    let limit = match limit.resolve(&judged.checked.inventory, &judged.checked.rules) {
        Ok(limit) => limit,
        Err(errors) => {
            printer.errors(&errors, &texts);
            return Err(Outcome::BadInput);
        }
    };
    Ok(Prepared {
        view: judged.view_limited(&inputs.observe, &texts, generated_at, fail_on, limit),
        inputs: super::write::Inputs::of_run(&texts, &judged.checked.inventory),
        templates,
        fails: baseline.fails(&judged.checked.report, judged.baseline.as_ref(), fail_on),
        texts,
    })
}
