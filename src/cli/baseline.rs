//! `--baseline` and `--fail-on-new` of `check` and `report`: the trend of
//! scheduled runs (see [`secretary::baseline`]), and the pull-request gate
//! that fails only on what a change brings.

use std::path::PathBuf;

use clap::Args;

use secretary::baseline::{self, Comparison};
use secretary::diag::InputError;
use secretary::findings::{Report, Severity};
use secretary::source::SourceTexts;

#[derive(Args, Debug, Clone, Default)]
pub struct BaselineArgs {
    /// Compare with an earlier `check --format json` output: each finding is marked new or unchanged, and the fixed ones are listed
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Fail (exit 1) only on new findings at or above --fail-on, a pull-request gate; needs --baseline
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,
}

impl BaselineArgs {
    /// The baseline, read and checked, when one is given.
    pub fn load(&self, texts: &mut SourceTexts) -> Result<Option<baseline::Baseline>, InputError> {
        self.baseline
            .as_deref()
            .map(|path| baseline::load(path, texts))
            .transpose()
    }

    /// Whether the run fails: on every unwaived finding at or above
    /// `fail_on`, or with `--fail-on-new` on the new ones only.
    pub fn fails(
        &self,
        report: &Report,
        comparison: Option<&Comparison>,
        fail_on: Severity,
    ) -> bool {
        match comparison {
            Some(comparison) if self.fail_on_new => {
                comparison.new_failing_count(report, fail_on) > 0
            }
            _ => report.fails_at(fail_on),
        }
    }
}
