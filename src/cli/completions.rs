//! `secretary completions SHELL`: print a shell completion script.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Outcome;

#[derive(Args, Debug)]
#[command(after_help = "Install, for example:\n  \
bash:       secretary completions bash > ~/.local/share/bash-completion/completions/secretary\n  \
zsh:        secretary completions zsh > \"${fpath[1]}/_secretary\"\n  \
fish:       secretary completions fish > ~/.config/fish/completions/secretary.fish\n  \
powershell: secretary completions powershell >> $PROFILE\n  \
elvish:     secretary completions elvish >> ~/.config/elvish/rc.elv")]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs) -> Outcome {
    let mut command = super::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "secretary", &mut script);
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&script).and_then(|_| stdout.flush()) {
        Ok(()) => Outcome::Compliant,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Outcome::Compliant,
        Err(err) => {
            eprintln!("error: cannot write the completion script: {err}");
            Outcome::BadInput
        }
    }
}
