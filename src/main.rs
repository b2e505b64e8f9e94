//! The `secretary` binary: parse arguments, run one subcommand, exit with
//! 0 (compliant), 1 (findings at or above `--fail-on`) or 2 (bad input).

mod cli;

// Building the entity store allocates and frees millions of small values;
// mimalloc does that markedly faster than the system allocator (see
// benches/README.md for the measurements).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
