//! The `secretary` binary: parse arguments, run one subcommand, exit with
//! 0 (compliant), 1 (findings at or above `--fail-on`) or 2 (bad input).

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
