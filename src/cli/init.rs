//! `secretary init`: write a commented starter inventory. Never overwrites.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::Outcome;

/// The starter, kept in `templates/` so it is reviewed like other output.
/// `{{ today }}` becomes the date of `init`, so the fresh starter is compliant.
pub const STARTER: &str = include_str!("../../templates/starter-inventory.yaml");

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to write the inventory
    #[arg(default_value = "secretary.yaml", value_name = "PATH")]
    pub path: PathBuf,
    /// The date to record as the starter secret's last rotation [default: today]
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    /// Start from these files instead of the example: compose files (`.yml`,
    /// `.yaml`) and env files (`.env.example`); repeatable
    #[arg(long, value_name = "FILE")]
    pub from: Vec<PathBuf>,
    /// Where to write the inventory (instead of PATH)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: InitArgs) -> Outcome {
    if !args.from.is_empty() {
        return run_from(&args);
    }
    let today = match super::args::resolve_now(args.now.as_deref()) {
        Ok(date) => date,
        Err(error) => {
            eprint!("{}", error.render(&Default::default()));
            return Outcome::BadInput;
        }
    };
    let text = STARTER.replace("{{ today }}", &today.to_string());
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&args.path);
    let mut file = match file {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "error[file-exists]: `{}` already exists\n  = help: choose another path (`secretary init PATH`) or remove the file",
                args.path.display()
            );
            return Outcome::BadInput;
        }
        Err(err) => {
            eprintln!(
                "error[unwritable-file]: cannot create `{}`: {err}\n  = help: check that the directory exists and is writable",
                args.path.display()
            );
            return Outcome::BadInput;
        }
    };
    if let Err(err) = file.write_all(text.as_bytes()) {
        eprintln!(
            "error[unwritable-file]: cannot write `{}`: {err}",
            args.path.display()
        );
        let _ = std::fs::remove_file(&args.path);
        return Outcome::BadInput;
    }
    eprintln!(
        "wrote {}; edit it, then run `secretary check {}`",
        args.path.display(),
        args.path.display()
    );
    Outcome::Compliant
}

/// `init --from`: see [`super::init_from`].
fn run_from(args: &InitArgs) -> Outcome {
    let path = args.output.as_ref().unwrap_or(&args.path);
    if path.exists() {
        eprintln!(
            "error[file-exists]: `{}` already exists\n  = help: choose another path (`-o FILE`) or remove the file",
            path.display()
        );
        return Outcome::BadInput;
    }
    let (text, warnings) = match super::init_from::generate(&args.from, path) {
        Ok(generated) => generated,
        Err(errors) => {
            for error in &errors {
                eprint!("{}", error.render(&Default::default()));
            }
            return Outcome::BadInput;
        }
    };
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    // Written beside its destination, then moved in place without replacing
    // a file that appeared meanwhile.
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    let written = tempfile::NamedTempFile::new_in(dir).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.as_file().sync_all()?;
        file.persist_noclobber(path).map_err(|e| e.error)?;
        Ok(())
    });
    match written {
        Ok(()) => {
            eprintln!(
                "wrote {}; review every `# REVIEW:` line, then run `secretary check {}`",
                path.display(),
                path.display()
            );
            Outcome::Compliant
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "error[file-exists]: `{}` already exists\n  = help: choose another path (`-o FILE`) or remove the file",
                path.display()
            );
            Outcome::BadInput
        }
        Err(err) => {
            eprintln!(
                "error[unwritable-file]: cannot write `{}`: {err}\n  = help: check that the directory exists and is writable",
                path.display()
            );
            Outcome::BadInput
        }
    }
}
