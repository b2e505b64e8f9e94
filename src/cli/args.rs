//! Arguments shared by several subcommands, and their resolution into
//! settings: no stage reads argv, the environment or the clock itself.

use secretary::diag::Code;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use jiff::civil::Date;

use crate::cli::output::Printer;
use secretary::diag::InputError;
use secretary::findings::Severity;
use secretary::packs::{self, Pack};

#[derive(Args, Debug, Clone)]
pub struct PolicyArgs {
    /// A directory of `.cedar` rules (or one file) to add, or a rule pack
    /// `git+https://host/org/repo.git@TAG#subdir` pinned in the lock; repeatable
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// Leave out the built-in rules
    #[arg(long)]
    pub no_builtin: bool,
    /// The lock pinning each rule pack's commit and files [default: secretary.lock]
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
    /// Accept rule packs whose ref or files changed since they were locked (after review)
    #[arg(long, conflicts_with = "offline")]
    pub update_lock: bool,
    /// Use the lock and the pack cache only: never fetch a rule pack
    #[arg(long)]
    pub offline: bool,
    /// Accept a rule pack ref that is a branch (the lock still pins its commit)
    #[arg(long)]
    pub allow_branch: bool,
}

impl PolicyArgs {
    /// The rule paths to load, each rule pack fetched (or taken from the
    /// cache) and checked against the lock, and the packs.
    pub fn resolve(&self) -> Result<(Vec<PathBuf>, Vec<Pack>), Vec<InputError>> {
        packs::resolve(
            &self.policies,
            &packs::Options {
                lock: self
                    .lock
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("secretary.lock")),
                cache: cache_dir(),
                offline: self.offline,
                allow_branch: self.allow_branch,
                update_lock: self.update_lock,
            },
        )
    }
}

/// Where rule packs are cached: `$SECRETARY_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/secretary`, else `%LOCALAPPDATA%\secretary` (Windows),
/// else `~/.cache/secretary`.
fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("SECRETARY_CACHE_DIR")
        .or_else(|| {
            var("XDG_CACHE_HOME")
                .filter(|p| p.is_absolute())
                .map(|p| p.join("secretary"))
        })
        .or_else(|| {
            cfg!(windows)
                .then(|| var("LOCALAPPDATA").map(|p| p.join("secretary")))
                .flatten()
        })
        .or_else(|| var("HOME").map(|p| p.join(".cache").join("secretary")))
}

/// The least severity that fails a run (`--fail-on`), for `check` and
/// `report`.
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

/// `--color`, on `check`: the one command with coloured output (its
/// `human` format). Error messages are plain text for every command.
#[derive(Args, Debug, Clone)]
pub struct ColorArgs {
    /// When to colour the `human` format on stdout: NO_COLOR and TERM=dumb turn `auto` off
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `--color` on a command whose output has no colour (`report`, `docs`,
/// `rotation`, `fingerprint`, `iam snapshot`, `aws snapshot`): still
/// accepted, and checked, so scripts written when these commands listed it
/// keep working, but hidden from `--help` and without effect.
#[derive(Args, Debug, Clone)]
pub struct HiddenColorArgs {
    #[arg(long, value_enum, value_name = "WHEN", hide = true)]
    pub color: Option<ColorChoice>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorArgs {
    pub fn printer(&self) -> Printer {
        Printer::new(match self.color {
            ColorChoice::Auto => anstream::ColorChoice::Auto,
            ColorChoice::Always => anstream::ColorChoice::Always,
            ColorChoice::Never => anstream::ColorChoice::Never,
        })
    }
}

/// `--now`: the date every age is computed against. Defaults to today (UTC)
/// so that CI runs agree wherever the runner is.
pub fn resolve_now(now: Option<&str>) -> Result<Date, InputError> {
    match now {
        Some(text) => text.trim().parse::<Date>().map_err(|_| {
            InputError::new(Code::InvalidNow, format!("`--now {text}` is not a date"))
                .help("write it as `YYYY-MM-DD`, e.g. `--now 2026-01-31`")
        }),
        None => Ok(jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()),
    }
}

/// The inventory paths a command was given, or `secretary.yaml` (the file
/// `secretary init` writes) when none was.
pub fn inventory_paths(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from("secretary.yaml")]
    } else {
        paths
    }
}
