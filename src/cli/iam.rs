//! `secretary iam snapshot` and the IAM flags of `check` (`--iam`,
//! `--iam-snapshot`): where the IAM observation comes from.

use secretary::diag::Code;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::args::HiddenColorArgs;
use super::Outcome;
use secretary::diag::InputError;
use secretary::observe::iam::Snapshot;
use secretary::observe::stores::file;
use secretary::source::SourceTexts;

/// How to reach the AWS account (standard AWS configuration otherwise:
/// environment credentials, profiles, SSO, `AWS_ENDPOINT_URL`, ...).
#[derive(Args, Debug, Clone)]
pub struct AwsArgs {
    /// AWS profile to use (default: AWS_PROFILE or `default`)
    #[arg(long, value_name = "NAME", help_heading = "Live AWS")]
    pub profile: Option<String>,
    /// AWS region; repeatable: secret stores are read in each, IAM (global) is signed in the first (default: the configured one, else us-east-1)
    #[arg(long, value_name = "REGION", help_heading = "Live AWS")]
    pub region: Vec<String>,
    /// AWS endpoint, e.g. an emulator (default: AWS_ENDPOINT_URL or AWS's own)
    #[arg(long, value_name = "URL", help_heading = "Live AWS")]
    pub endpoint_url: Option<String>,
    /// Longest the whole AWS collection may take (every call, retry and page), in seconds
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Live AWS"
    )]
    pub iam_timeout: u64,
    /// Longest to wait for the credential report to be ready, in seconds
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 120,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Live AWS"
    )]
    pub report_timeout: u64,
}

/// The AWS flags of `check`.
#[derive(Args, Debug, Clone)]
pub struct CheckIamArgs {
    /// Also read the live AWS account's IAM state and check it (read-only; see the book's Live IAM page)
    #[arg(long, conflicts_with = "iam_snapshot", help_heading = "Live AWS")]
    pub iam: bool,
    /// Check a saved IAM snapshot (from `secretary iam snapshot`) instead of the live account
    #[arg(long, value_name = "FILE", help_heading = "Live AWS")]
    pub iam_snapshot: Option<PathBuf>,
    /// Also read the live AWS account's IAM state and secret stores (Secrets Manager, SSM Parameter Store; metadata only) and check them
    #[arg(
        long = "aws",
        conflicts_with_all = ["iam", "iam_snapshot", "aws_snapshot"],
        help_heading = "Live AWS"
    )]
    pub aws_live: bool,
    /// Check a saved AWS snapshot (from `secretary aws snapshot`, or an IAM snapshot) instead of the live account
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["iam", "iam_snapshot"],
        help_heading = "Live AWS"
    )]
    pub aws_snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Subcommand, Debug)]
pub enum IamCommand {
    /// Read the AWS account's IAM state and write it as a JSON snapshot
    Snapshot(SnapshotArgs),
}

#[derive(Args, Debug)]
pub struct SnapshotArgs {
    /// Write the snapshot to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub color: HiddenColorArgs,
}

pub fn run(command: IamCommand) -> Outcome {
    match command {
        IamCommand::Snapshot(args) => run_snapshot(args),
    }
}

fn run_snapshot(args: SnapshotArgs) -> Outcome {
    let printer = super::output::Printer::plain();
    let texts = SourceTexts::default();
    let snapshot = match live(&args.aws) {
        Ok(snapshot) => snapshot,
        Err(error) => {
            printer.errors(&[error], &texts);
            return Outcome::BadInput;
        }
    };
    let gaps = gap_errors(&snapshot);
    emit_snapshot(snapshot.to_json(), args.output.as_ref(), &gaps, &printer)
}

/// Writes a collected snapshot to `output` (atomically) or stdout, then
/// reports what could not be collected: the snapshot records its gaps, and
/// the run still fails on them.
pub fn emit_snapshot(
    json: String,
    output: Option<&PathBuf>,
    gaps: &[InputError],
    printer: &super::output::Printer,
) -> Outcome {
    let texts = SourceTexts::default();
    match output {
        Some(path) => {
            let output = super::write::Output {
                path: path.clone(),
                bytes: json.into_bytes(),
                access: super::write::Access::Shared,
                replace: true,
            };
            if let Err(errors) = super::write::write(&[output], &super::write::Inputs::new()) {
                printer.errors(&errors, &texts);
                return Outcome::BadInput;
            }
        }
        None => printer.stdout(json.as_bytes()),
    }
    if gaps.is_empty() {
        Outcome::Compliant
    } else {
        printer.errors(gaps, &texts);
        Outcome::BadInput
    }
}

/// The parts of `snapshot` that could not be collected, as errors.
pub fn gap_errors(snapshot: &Snapshot) -> Vec<InputError> {
    snapshot
        .not_collected
        .iter()
        .map(|gap| {
            InputError::new(
                Code::IamNotVerified,
                format!(
                    "`{}` failed: {}; not verified: {}",
                    gap.call,
                    gap.problem,
                    gap.section.affects()
                ),
            )
            .help(format!(
                "the caller needs `{}` (the read-only IAM policy in the book's Live IAM page lists every permission); check credentials, throttling and network, then run again",
                gap.permission
            ))
        })
        .collect()
}

/// The IAM observation `check` asked for: none, a snapshot file, or the
/// live account. Called once the inventory is known to be valid (see
/// [`super::observe::gather`]).
pub fn observe(
    args: &CheckIamArgs,
    texts: &mut SourceTexts,
) -> Result<Option<Snapshot>, Vec<InputError>> {
    if let Some(path) = &args.iam_snapshot {
        // Version 1, or the IAM part of a version 2 (`aws snapshot`).
        return file::load(path, texts, &file::IAM_PART)
            .map(|(iam, _)| Some(iam))
            .map_err(|e| vec![e]);
    }
    if args.iam {
        return live(&args.aws).map(Some).map_err(|e| vec![e]);
    }
    Ok(None)
}

/// The IAM collection options of `args`.
#[cfg(feature = "aws")]
pub fn options(args: &AwsArgs) -> secretary::observe::iam::collect::Options {
    use std::time::Duration;
    secretary::observe::iam::collect::Options {
        profile: args.profile.clone(),
        region: args.region.first().cloned(),
        endpoint_url: args.endpoint_url.clone(),
        timeout: Duration::from_secs(args.iam_timeout),
        report_timeout: Duration::from_secs(args.report_timeout),
    }
}

/// A spinner on stderr when it is a terminal, cleared by `finish`.
#[cfg(feature = "aws")]
pub fn spinner() -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        bar
    })
}

/// The error of a collection that could not start.
#[cfg(feature = "aws")]
pub fn collection_failed(problem: String) -> InputError {
    InputError::new(Code::IamCollectionFailed, problem).help(
        "check the AWS configuration (`AWS_PROFILE` or `--profile`, `AWS_REGION` or `--region`, `AWS_ENDPOINT_URL` or `--endpoint-url`), or check a saved snapshot with `--aws-snapshot FILE` or `--iam-snapshot FILE`",
    )
}

#[cfg(feature = "aws")]
fn live(args: &AwsArgs) -> Result<Snapshot, InputError> {
    let spinner = spinner();
    let progress = |message: &str| {
        if let Some(bar) = &spinner {
            bar.set_message(format!("IAM: {message}"));
        }
    };
    let collected = secretary::observe::iam::collect::collect(
        &options(args),
        jiff::Timestamp::now(),
        &progress,
    );
    if let Some(bar) = &spinner {
        bar.finish_and_clear();
    }
    collected.map(|c| c.snapshot).map_err(collection_failed)
}

#[cfg(not(feature = "aws"))]
fn live(_args: &AwsArgs) -> Result<Snapshot, InputError> {
    Err(InputError::new(
        Code::IamLiveUnavailable,
        "this secretary was built without live IAM collection (cargo feature `aws`)",
    )
    .help("check a saved snapshot with `--iam-snapshot FILE`, or build with the default features"))
}

/// What reports show of the IAM observation a run used: which account, when
/// it was collected, and from where.
pub fn evidence(
    snapshot: Option<&Snapshot>,
    args: &CheckIamArgs,
) -> Option<secretary::render::view::IamEvidence> {
    snapshot.map(|snapshot| secretary::render::view::IamEvidence {
        account: snapshot
            .account_id
            .clone()
            .unwrap_or_else(|| "unknown".to_owned()),
        collected_at: snapshot.collected_at.clone(),
        source: match args.iam_snapshot.as_ref().or(args.aws_snapshot.as_ref()) {
            Some(path) => path.display().to_string(),
            None => "live account".to_owned(),
        },
    })
}
