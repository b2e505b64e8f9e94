//! `--format` / `-o` pairs: several outputs from one run.
//!
//! ```text
//! secretary check --format sarif -o out.sarif --format junit -o junit.xml --format human
//! ```
//!
//! Each `-o FILE` writes the `--format` written just before it; a `--format`
//! without its own `-o` goes to stdout, and at most one may. With a single
//! `--format` and a single `-o` their order does not matter, and without any
//! `--format`, `-o FILE` writes the default format. Clap's derive API does
//! not say where on the command line an argument stood, so this group of
//! arguments is implemented by hand and pairs them by their indices.

use std::path::PathBuf;

use clap::builder::EnumValueParser;
use clap::error::ErrorKind;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches, ValueEnum};

/// The formats of one run, each with its file (`None`: stdout).
#[derive(Debug, Clone)]
pub struct OutputArgs<F> {
    pub outputs: Vec<(F, Option<PathBuf>)>,
}

const FORMAT: &str = "format";
const OUTPUT: &str = "output";

impl<F> Args for OutputArgs<F>
where
    F: ValueEnum + Default + Clone + Send + Sync + 'static,
{
    fn augment_args(cmd: Command) -> Command {
        let default = F::default()
            .to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default();
        cmd.arg(
            Arg::new(FORMAT)
                .long(FORMAT)
                .value_name("FORMAT")
                .value_parser(EnumValueParser::<F>::new())
                .action(ArgAction::Append)
                .help(format!(
                    "Output format [default: {default}]; repeat it, each with its own `-o FILE`, for several outputs from one run"
                )),
        )
        .arg(
            Arg::new(OUTPUT)
                .short('o')
                .long(OUTPUT)
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .action(ArgAction::Append)
                .help("Write the `--format` just before it to FILE instead of stdout, atomically; nothing is written on bad input"),
        )
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl<F> FromArgMatches for OutputArgs<F>
where
    F: ValueEnum + Default + Clone + Send + Sync + 'static,
{
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let formats: Vec<(usize, F)> =
            match (matches.indices_of(FORMAT), matches.get_many::<F>(FORMAT)) {
                (Some(indices), Some(values)) => indices.zip(values.cloned()).collect(),
                _ => Vec::new(),
            };
        let outputs: Vec<(usize, PathBuf)> = match (
            matches.indices_of(OUTPUT),
            matches.get_many::<PathBuf>(OUTPUT),
        ) {
            (Some(indices), Some(values)) => indices.zip(values.cloned()).collect(),
            _ => Vec::new(),
        };
        pair(formats, outputs).map(|outputs| OutputArgs { outputs })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

fn name<F: ValueEnum>(format: &F) -> String {
    format
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}

fn usage_error(message: String) -> clap::Error {
    clap::Error::raw(
        ErrorKind::ArgumentConflict,
        format!("{message}\n\n  tip: write each output as `--format FORMAT -o FILE`, e.g. `--format sarif -o secretary.sarif --format human`"),
    )
}

/// Pairs each `-o` with the `--format` just before it.
fn pair<F: ValueEnum + Default + Clone>(
    mut formats: Vec<(usize, F)>,
    outputs: Vec<(usize, PathBuf)>,
) -> Result<Vec<(F, Option<PathBuf>)>, clap::Error> {
    if formats.is_empty() {
        if outputs.len() > 1 {
            return Err(usage_error(format!(
                "`-o` is given {} times but no `--format` says what to write to each file",
                outputs.len()
            )));
        }
        formats.push((0, F::default()));
    }
    let mut paired: Vec<(F, Option<PathBuf>)> =
        formats.iter().map(|(_, f)| (f.clone(), None)).collect();
    if formats.len() == 1 && outputs.len() == 1 {
        paired[0].1 = Some(outputs[0].1.clone());
    } else {
        for (index, path) in outputs {
            let Some(slot) = formats.iter().rposition(|(at, _)| *at < index) else {
                return Err(usage_error(format!(
                    "`-o {}` comes before any `--format`, so it is not clear which format it writes",
                    path.display()
                )));
            };
            if let Some(first) = &paired[slot].1 {
                return Err(usage_error(format!(
                    "`--format {}` is followed by two outputs, `-o {}` and `-o {}`",
                    name(&paired[slot].0),
                    first.display(),
                    path.display()
                )));
            }
            paired[slot].1 = Some(path);
        }
    }
    let to_stdout: Vec<String> = paired
        .iter()
        .filter(|(_, path)| path.is_none())
        .map(|(format, _)| format!("`--format {}`", name(format)))
        .collect();
    if to_stdout.len() > 1 {
        let (last, rest) = to_stdout.split_last().expect("more than one");
        return Err(usage_error(format!(
            "{} and {last} would all write to stdout; give all but one of them an `-o FILE`",
            rest.join(", ")
        )));
    }
    // Two outputs that are one file, however spelled, are refused with
    // every other clash when the files are written (`cli::write`).
    Ok(paired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
    enum Fmt {
        #[default]
        Human,
        Json,
        Sarif,
    }

    fn paths(pairs: &[(Fmt, Option<PathBuf>)]) -> Vec<(Fmt, Option<&str>)> {
        pairs
            .iter()
            .map(|(f, p)| (*f, p.as_ref().map(|p| p.to_str().unwrap())))
            .collect()
    }

    fn parse(args: &[&str]) -> Result<Vec<(Fmt, Option<PathBuf>)>, clap::Error> {
        let cmd = OutputArgs::<Fmt>::augment_args(Command::new("t"));
        let matches = cmd.try_get_matches_from(std::iter::once("t").chain(args.iter().copied()))?;
        OutputArgs::<Fmt>::from_arg_matches(&matches).map(|o| o.outputs)
    }

    #[test]
    fn each_output_belongs_to_the_format_before_it() {
        let pairs = parse(&[
            "--format", "sarif", "-o", "a.sarif", "--format", "human", "--format", "json", "-o",
            "b.json",
        ])
        .unwrap();
        assert_eq!(
            paths(&pairs),
            [
                (Fmt::Sarif, Some("a.sarif")),
                (Fmt::Human, None),
                (Fmt::Json, Some("b.json"))
            ]
        );
    }

    #[test]
    fn one_pair_in_any_order_and_the_default_format() {
        assert_eq!(
            paths(&parse(&["-o", "x", "--format", "json"]).unwrap()),
            [(Fmt::Json, Some("x"))]
        );
        assert_eq!(
            paths(&parse(&["-o", "x"]).unwrap()),
            [(Fmt::Human, Some("x"))]
        );
        assert_eq!(paths(&parse(&[]).unwrap()), [(Fmt::Human, None)]);
    }

    #[test]
    fn mismatched_pairs_are_usage_errors() {
        for (args, says) in [
            (
                &["--format", "json", "--format", "human"][..],
                "would all write to stdout",
            ),
            (
                &["--format", "json", "-o", "a", "-o", "b"][..],
                "followed by two outputs",
            ),
            (
                &[
                    "-o", "a", "--format", "json", "--format", "sarif", "-o", "b",
                ][..],
                "comes before any `--format`",
            ),
            (&["-o", "a", "-o", "b"][..], "no `--format`"),
        ] {
            let err = parse(args).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ArgumentConflict);
            assert!(err.to_string().contains(says), "{args:?}: {err}");
        }
    }
}
