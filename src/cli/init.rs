//! `secretary init`: write a commented starter inventory. Never overwrites.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::Outcome;

/// The starter, kept in `templates/` so it is reviewed like other output.
pub const STARTER: &str = include_str!("../../templates/starter-inventory.yaml");

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to write the inventory
    #[arg(default_value = "secretary.yaml", value_name = "PATH")]
    pub path: PathBuf,
}

pub fn run(args: InitArgs) -> Outcome {
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
    if let Err(err) = file.write_all(STARTER.as_bytes()) {
        eprintln!("error[unwritable-file]: cannot write `{}`: {err}", args.path.display());
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
