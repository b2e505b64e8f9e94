//! `secretary rotation`: the rotation schedule as iCalendar, CSV or JSON.
//!
//! It loads the inventory (and the rules, so a bad `--policies` is the same
//! error as in `report`) and exports [`view::rotation_calendar`], the
//! function the report's rotation calendar is built with. It judges
//! nothing, so its exit code says only whether the export was written.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::args::{HiddenColorArgs, PolicyArgs};
use super::output::Printer;
use super::pipeline::request;
use super::write::{emit, Inputs};
use super::Outcome;
use secretary::render::rotation;
use secretary::render::view;
use secretary::source::SourceTexts;

#[derive(Args, Debug)]
#[command(
    after_help = "iCalendar: one all-day event per instance with a rotation period, on its \
next due date; overdue ones, and ones whose last rotation is not recorded, are dated --now \
and marked OVERDUE or NOT RECORDED. UIDs are stable (secret, environment, due date), so a \
calendar can subscribe to the file.\n\nExit codes: 0 the schedule was written, 2 bad input \
(nothing is written)."
)]
pub struct RotationArgs {
    /// Inventory files or directories of them [default: secretary.yaml]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Ics)]
    pub format: Format,
    /// Write the schedule to FILE (atomically) instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Compute due dates as of this date (YYYY-MM-DD) instead of today, for reproducible results
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    #[command(flatten)]
    pub policies: PolicyArgs,
    #[command(flatten)]
    pub color: HiddenColorArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum Format {
    /// iCalendar (RFC 5545)
    Ics,
    Csv,
    Json,
}

pub fn run(args: RotationArgs) -> Outcome {
    let printer = Printer::plain();
    let mut texts = SourceTexts::default();
    let request = match request(args.paths, &args.policies, args.now.as_deref()) {
        Ok(request) => request,
        Err(errors) => {
            printer.errors(&errors, &texts);
            return Outcome::BadInput;
        }
    };
    let loaded = match secretary::load(&request, &mut texts) {
        Ok(loaded) => loaded,
        Err(errors) => {
            printer.errors(&errors, &texts);
            return Outcome::BadInput;
        }
    };
    printer.warnings(&loaded.rules.warnings, &texts);
    let calendar = view::rotation_calendar(&loaded.inventory, loaded.now);
    let text = match args.format {
        Format::Ics => rotation::ics(&calendar, loaded.now),
        Format::Json => rotation::json(&calendar, loaded.now),
        Format::Csv => match rotation::csv(&calendar) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("error: could not write the CSV: {error}");
                return Outcome::BadInput;
            }
        },
    };
    let inputs = Inputs::of_run(&texts, &loaded.inventory);
    let written = emit(
        &printer,
        args.output.as_deref(),
        text,
        (&inputs, &texts),
        || {
            let n = calendar.scheduled.len();
            format!(
                "{}: {n} scheduled rotation{}, {} without a period",
                match args.format {
                    Format::Ics => "iCalendar",
                    Format::Csv => "CSV",
                    Format::Json => "JSON",
                },
                if n == 1 { "" } else { "s" },
                calendar.without_period.len(),
            )
        },
    );
    if !written {
        return Outcome::BadInput;
    }
    Outcome::Compliant
}
