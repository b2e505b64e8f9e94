//! The command line: one file per subcommand. This is the only module that
//! connects pipeline stages, prints, and chooses the exit code.

mod args;
mod aws;
mod baseline;
mod check;
mod completions;
mod compose;
mod docs;
mod fingerprint;
mod iam;
mod init;
mod init_from;
mod observe;
mod output;
mod outputs;
mod pipeline;
mod policies;
mod repo;
mod report;
mod rotation;
mod schema;
mod values;
mod write;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// How a run ended; each maps to one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above `--fail-on`: exit 0.
    Compliant,
    /// Findings at or above `--fail-on`: exit 1.
    Findings,
    /// Bad input or usage, or a rule that failed to evaluate: exit 2.
    BadInput,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Compliant => ExitCode::SUCCESS,
            Outcome::Findings => ExitCode::from(1),
            Outcome::BadInput => ExitCode::from(2),
        }
    }
}

#[derive(Parser)]
// `bin_name`: usage lines say `secretary`, not the file run (`secretary.exe`
// on Windows).
#[command(
    name = "secretary",
    bin_name = "secretary",
    version,
    about = "Check a secrets inventory against policy-as-code rules written in Cedar",
    long_about = "secretary reads a YAML inventory of environments, services, identities, \
secrets and env vars, turns it into Cedar entities, and reports every fact a `forbid` rule denies.\n\n\
Exit codes: 0 compliant, 1 findings at or above --fail-on, 2 bad input or usage."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check an inventory against the rules
    Check(check::CheckArgs),
    /// Write the audit report: inventory tables, checklist, findings, evidence
    Report(report::ReportArgs),
    /// Export the rotation schedule as iCalendar, CSV or JSON
    Rotation(rotation::RotationArgs),
    /// Regenerate the tables between `secretary:begin`/`end` markers in markdown files
    Docs(docs::DocsArgs),
    /// List or explain the rules
    #[command(subcommand)]
    Policies(policies::PoliciesCommand),
    /// Print the JSON Schema of inventory files (for editors)
    Schema(schema::SchemaArgs),
    /// Write a small commented starter inventory
    Init(init::InitArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(completions::CompletionsArgs),
    /// Read the AWS account's IAM state (live IAM)
    #[command(subcommand)]
    Iam(iam::IamCommand),
    /// Read the AWS account's IAM state and secret stores (live AWS)
    #[command(subcommand)]
    Aws(aws::AwsCommand),
    /// Write keyed fingerprints of one environment's secret values (never the values)
    Fingerprint(fingerprint::FingerprintArgs),
}

pub fn run() -> ExitCode {
    // Rules are evaluated on rayon's global pool, whose threads need this
    // much stack for a rule at the nesting bound (see the constant). Only
    // fails if the pool was built already, which nothing here does.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(secretary::evaluate::EVALUATION_STACK_BYTES)
        .build_global();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            // clap uses 2 for usage errors and 0 for --help / --version.
            return ExitCode::from(err.exit_code().clamp(0, 2) as u8);
        }
    };
    let outcome = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Report(args) => report::run(args),
        Command::Rotation(args) => rotation::run(args),
        Command::Docs(args) => docs::run(args),
        Command::Policies(command) => policies::run(command),
        Command::Schema(args) => schema::run(args),
        Command::Init(args) => init::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Iam(command) => iam::run(command),
        Command::Aws(command) => aws::run(command),
        Command::Fingerprint(args) => fingerprint::run(args),
    };
    outcome.into()
}
