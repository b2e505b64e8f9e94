//! `secretary aws snapshot` and the AWS flags of `check` (`--aws`,
//! `--aws-snapshot`): the IAM state and the secret stores together, live or
//! from a version 2 snapshot file (`observe::stores::file`).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::args::HiddenColorArgs;
use super::iam::{AwsArgs, CheckIamArgs};
use super::Outcome;
use secretary::diag::{Code, InputError};
use secretary::inventory::Inventory;
use secretary::observe::iam::Snapshot;
use secretary::observe::stores::{file, Stores};
use secretary::source::SourceTexts;

#[derive(Subcommand, Debug)]
pub enum AwsCommand {
    /// Read the AWS account's IAM state and secret stores (metadata only) and write them as a JSON snapshot
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

pub fn run(command: AwsCommand) -> Outcome {
    match command {
        AwsCommand::Snapshot(args) => run_snapshot(args),
    }
}

fn run_snapshot(args: SnapshotArgs) -> Outcome {
    let printer = super::output::Printer::plain();
    let texts = SourceTexts::default();
    // Without an inventory, every secret and parameter is in scope.
    let (iam, stores) = match live(&args.aws, &Scope::Everything) {
        Ok(observed) => observed,
        Err(error) => {
            printer.errors(&[error], &texts);
            return Outcome::BadInput;
        }
    };
    let mut gaps = super::iam::gap_errors(&iam);
    gaps.extend(gap_errors(&stores));
    super::iam::emit_snapshot(
        file::to_json(iam, stores),
        args.output.as_ref(),
        &gaps,
        &printer,
    )
}

/// The parts of the stores that could not be read, as errors.
pub fn gap_errors(stores: &Stores) -> Vec<InputError> {
    stores
        .not_collected
        .iter()
        .map(|gap| {
            let what = secretary::observe::stores::gaps::unverified(gap);
            InputError::new(
                Code::StoresNotVerified,
                format!(
                    "`{}` failed in `{}`: {}; not verified: {what}",
                    gap.call, gap.region, gap.problem
                ),
            )
            .help(format!(
                "the caller needs `{}` (the read-only IAM policy in the book's Live IAM page lists every permission); check credentials, throttling and network, then run again",
                gap.permission
            ))
        })
        .collect()
}

/// Which store items a live collection reads in full.
#[cfg_attr(not(feature = "aws"), allow(dead_code))]
pub enum Scope<'a> {
    /// `aws snapshot`: everything.
    Everything,
    /// `check --aws`: what the inventory answers for.
    Of(&'a Inventory),
}

/// The IAM state and the stores (`None` from a version 1 file).
pub type Observed = (Snapshot, Option<Stores>);

/// The AWS observation `check` asked for with `--aws` or `--aws-snapshot`,
/// if it did.
pub fn observe(
    args: &CheckIamArgs,
    inventory: &Inventory,
    texts: &mut SourceTexts,
) -> Option<Result<Observed, Vec<InputError>>> {
    if let Some(path) = &args.aws_snapshot {
        return Some(file::load(path, texts, &file::AWS).map_err(|e| vec![e]));
    }
    if args.aws_live {
        return Some(
            live(&args.aws, &Scope::Of(inventory))
                .map(|(iam, stores)| (iam, Some(stores)))
                .map_err(|e| vec![e]),
        );
    }
    None
}

#[cfg(feature = "aws")]
fn live(args: &AwsArgs, scope: &Scope) -> Result<(Snapshot, Stores), InputError> {
    use secretary::observe::stores::collect;

    let options = collect::Options {
        iam: super::iam::options(args),
        regions: args.region.clone(),
    };
    let scope = match scope {
        Scope::Everything => collect::Scope::default(),
        Scope::Of(inventory) => collect::Scope::of(inventory),
    };
    let spinner = super::iam::spinner();
    let progress = |message: &str| {
        if let Some(bar) = &spinner {
            bar.set_message(format!("AWS: {message}"));
        }
    };
    let collected = collect::collect(&options, &scope, jiff::Timestamp::now(), &progress);
    if let Some(bar) = &spinner {
        bar.finish_and_clear();
    }
    collected
        .map(|c| (c.iam, c.stores))
        .map_err(super::iam::collection_failed)
}

#[cfg(not(feature = "aws"))]
fn live(_args: &AwsArgs, _scope: &Scope) -> Result<(Snapshot, Stores), InputError> {
    Err(InputError::new(
        Code::IamLiveUnavailable,
        "this secretary was built without live AWS collection (cargo feature `aws`)",
    )
    .help("check a saved snapshot with `--aws-snapshot FILE`, or build with the default features"))
}

/// What reports show of the secret stores a run read: the regions, how many
/// secrets and parameters, and from where.
pub fn evidence(
    stores: Option<&Stores>,
    args: &CheckIamArgs,
) -> Option<secretary::render::view::StoresEvidence> {
    stores.map(|stores| secretary::render::view::StoresEvidence {
        regions: stores.regions.iter().map(|r| r.region.clone()).collect(),
        secrets: stores
            .regions
            .iter()
            .map(|r| r.secrets_manager.as_ref().map_or(0, Vec::len))
            .sum(),
        parameters: stores
            .regions
            .iter()
            .map(|r| r.ssm.as_ref().map_or(0, Vec::len))
            .sum(),
        source: match &args.aws_snapshot {
            Some(path) => path.display().to_string(),
            None => "live account".to_owned(),
        },
    })
}
