//! `secretary init`: write a commented starter inventory. Never overwrites
//! a file, and never writes over a file given to `--from`.

use std::path::PathBuf;

use clap::Args;

use super::write::{write, Access, Inputs, Output};
use super::Outcome;
use secretary::source::FileKind;

/// The starter, kept in `templates/` so it is reviewed like other output.
/// `{{ today }}` becomes the date of `init`, so the fresh starter is compliant.
pub const STARTER: &str = include_str!("../../templates/starter-inventory.yaml");

#[derive(Args, Debug)]
#[command(
    after_help = "The inventory's first line is a `yaml-language-server` modeline naming \
the JSON Schema of this version (`docs/src/inventory.schema.json` at its tag), so editors \
complete and check every key; `secretary schema -o FILE` writes the same schema for offline use.\n\n\
Exit codes: 0 the inventory was written, 2 bad input or the file exists (nothing is written)."
)]
pub struct InitArgs {
    /// Where to write the inventory
    #[arg(default_value = "secretary.yaml", value_name = "PATH")]
    pub path: PathBuf,
    /// The date to record as the starter secret's last rotation [default: today]
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    /// Start from these files instead of the example: compose files and env
    /// files (`.env.example`), told apart by content; repeatable
    #[arg(long, value_name = "FILE")]
    pub from: Vec<PathBuf>,
    /// Where to write the inventory (instead of PATH)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: InitArgs) -> Outcome {
    let (path, text, inputs) = if args.from.is_empty() {
        let today = match super::args::resolve_now(args.now.as_deref()) {
            Ok(date) => date,
            Err(error) => return fail(&[error]),
        };
        let text = STARTER.replace("{{ today }}", &today.to_string());
        (&args.path, text, Inputs::default())
    } else {
        // `init --from`: see [`super::init_from`].
        let path = args.output.as_ref().unwrap_or(&args.path);
        let (text, warnings) = match super::init_from::generate(&args.from, path) {
            Ok(generated) => generated,
            Err(errors) => return fail(&errors),
        };
        for warning in &warnings {
            eprintln!("warning: {warning}");
        }
        let mut inputs = Inputs::default();
        for from in &args.from {
            inputs.add(from, FileKind::InitSource);
        }
        (path, text, inputs)
    };
    // The first line tells editors with the YAML language server where the
    // schema of this version is, so they complete and check every key.
    let text = format!(
        "# yaml-language-server: $schema={}\n{text}",
        secretary::inventory::SCHEMA_URL
    );
    // A new file, as the umask allows: an inventory holds no value.
    let output = Output {
        path: path.clone(),
        bytes: text.into_bytes(),
        access: Access::Shared,
        replace: false,
    };
    if let Err(errors) = write(&[output], &inputs) {
        return fail(&errors);
    }
    let next = if args.from.is_empty() {
        "edit it"
    } else {
        "confirm every `review:` and delete it"
    };
    eprintln!(
        "wrote {}; {next}, then run `secretary check {}`",
        path.display(),
        path.display()
    );
    Outcome::Compliant
}

fn fail(errors: &[secretary::diag::InputError]) -> Outcome {
    for error in errors {
        eprint!("{}", error.render(&Default::default()));
    }
    Outcome::BadInput
}
