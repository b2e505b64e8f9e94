//! `secretary docs`: regenerate the tables between
//! `<!-- secretary:begin NAME -->` / `<!-- secretary:end NAME -->` markers,
//! or with `--check` show what is stale (for CI) and change nothing.

use secretary::diag::Code;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::pipeline::{prepare, ReportInputs};
use super::write::{guard, write, Access, Output};
use super::Outcome;
use secretary::diag::InputError;
use secretary::render::{docs, report, templates::DOCS_TABLES};
use secretary::source::Location;

#[derive(Args, Debug)]
#[command(
    after_help = "Tables: secrets, env-vars, identities, encryption, never-log, \
rotation-due, rotation-calendar, checklist, findings (the markdown templates `NAME.md` of the report).\n\n\
Arguments: the positional FILEs are the markdown files `docs` rewrites; the inventory it \
reads is given with `-i/--inventory` (every other command takes it as positional PATHs).\n\n\
Findings never change the exit code of `docs`: gate a run on them with `secretary check` or \
`secretary report --fail-on`.\n\n\
Exit codes: 0 every file is current (or was updated), 1 with --check: some file is \
stale (its diff is on stdout), 2 bad input (nothing is written)."
)]
pub struct DocsArgs {
    /// The markdown files to update (outputs, not the inventory): each with
    /// `<!-- secretary:begin NAME -->` … `<!-- secretary:end NAME -->` markers
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The inventory to read: files or directories of them; repeatable [default: secretary.yaml]
    #[arg(long = "inventory", short = 'i', value_name = "PATH")]
    pub inventory: Vec<PathBuf>,
    /// Accepted for scripts written when `docs` listed it, and ignored: the
    /// tables do not depend on it and findings never fail `docs`
    #[arg(long, value_enum, value_name = "SEVERITY", hide = true)]
    pub fail_on: Option<super::args::FailOn>,
    /// Change nothing: print a diff of stale tables and exit 1 if there are any
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub inputs: ReportInputs,
}

pub fn run(args: DocsArgs) -> Outcome {
    let printer = super::output::Printer::plain();
    if let Some(level) = args.fail_on {
        let level = clap::ValueEnum::to_possible_value(&level)
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default();
        eprintln!(
            "warning: `docs --fail-on {level}` has no effect: findings never fail `docs`; gate on them with `secretary check --fail-on {level}`"
        );
    }
    let prepared = match prepare(
        &args.inputs,
        args.inventory.clone(),
        None,
        &Default::default(),
        &Default::default(),
        // The tables show no verdict, so the threshold changes nothing.
        secretary::findings::Severity::Low,
        &printer,
    ) {
        Ok(prepared) => prepared,
        Err(outcome) => return outcome,
    };
    // Every file named is an output, updated or not: none may be an input
    // of the run (the inventory, a template, …) or named twice. Each is its
    // own input by design: it is read, and rewritten keeping its mode.
    if !args.check {
        let named: Vec<&std::path::Path> = args.files.iter().map(PathBuf::as_path).collect();
        if let Err(errors) = guard(&named, &prepared.inputs) {
            printer.errors(&errors, &prepared.texts);
            return Outcome::BadInput;
        }
    }
    let context = report::context(&prepared.view);
    let mut errors = Vec::new();
    let mut updates = Vec::new();
    for path in &args.files {
        let display: Arc<str> = Arc::from(secretary::source::portable_path(path));
        let text = match secretary::read::read_text(path, secretary::read::Kind::Docs) {
            Ok(text) => text,
            Err(err) => {
                errors.push(
                    InputError::new(
                        Code::UnreadableDocsFile,
                        format!("cannot read `{display}`: {err}"),
                    )
                    .help("check the path; `secretary docs` updates existing markdown files"),
                );
                continue;
            }
        };
        let mut render = |name: &str| prepared.templates.render(&format!("{name}.md"), &context);
        match docs::update(&display, &text, &mut render) {
            Ok(updated) => {
                if !text.contains("<!-- secretary:begin") {
                    printer.warnings(
                        &[InputError::new(
                            Code::NoDocsMarkers,
                            format!("`{display}` has no `secretary:begin` marker"),
                        )
                        .at(Location::file_start(&display))
                        .help(format!(
                            "add `<!-- secretary:begin NAME -->` and `<!-- secretary:end NAME -->` around a table; NAME is one of {}",
                            DOCS_TABLES.join(", ")
                        ))],
                        &prepared.texts,
                    );
                }
                if updated != text {
                    updates.push((path.clone(), display, text, updated));
                }
            }
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if !errors.is_empty() {
        printer.errors(&errors, &prepared.texts);
        return Outcome::BadInput;
    }
    if args.check {
        let mut diff = String::new();
        for (_, display, old, new) in &updates {
            diff.push_str(
                &similar::TextDiff::from_lines(old, new)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{display}"), &format!("b/{display}"))
                    .to_string(),
            );
        }
        printer.stdout(diff.as_bytes());
        if updates.is_empty() {
            return Outcome::Compliant;
        }
        eprintln!(
            "{} of {} file{} stale; run `secretary docs` without `--check` to update",
            updates.len(),
            args.files.len(),
            if args.files.len() == 1 {
                " is"
            } else {
                "s are"
            }
        );
        return Outcome::Findings;
    }
    let outputs: Vec<Output> = updates
        .iter()
        .map(|(path, _, _, new)| Output {
            path: path.clone(),
            bytes: new.clone().into_bytes(),
            access: Access::Shared,
            replace: true,
        })
        .collect();
    if let Err(errors) = write(&outputs, &prepared.inputs) {
        printer.errors(&errors, &prepared.texts);
        return Outcome::BadInput;
    }
    for (_, display, _, _) in &updates {
        eprintln!("updated {display}");
    }
    Outcome::Compliant
}
