//! `secretary policies`: what the rules are and what they mean, and the
//! rules' own tests ([`test`]).

mod test;

use secretary::diag::Code;
use std::fmt::Write as _;

use clap::{Args, Subcommand, ValueEnum};

use super::args::PolicyArgs;
use super::output::Printer;
use super::Outcome;
use secretary::policy::{self, Rule, RuleSet, RuleSources};
use secretary::source::SourceTexts;

#[derive(Subcommand, Debug)]
pub enum PoliciesCommand {
    /// List every rule with its annotations
    List(ListArgs),
    /// Print one rule's text and meaning
    Explain(ExplainArgs),
    /// Print the Cedar schema rules are validated against
    Schema,
    /// Run the rule tests (`*.test.yaml`) next to the rules, with their coverage
    Test(test::TestArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum ListFormat {
    Human,
    Json,
    /// The book's rules reference page (`docs/src/rules-reference.md`)
    Markdown,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The rule's `@id`
    pub id: String,
    #[command(flatten)]
    pub policies: PolicyArgs,
}

pub fn run(command: PoliciesCommand) -> Outcome {
    let printer = Printer::new(anstream::ColorChoice::Never);
    let (args, explain, format) = match command {
        PoliciesCommand::Schema => {
            printer.stdout(secretary::entities::schema::SCHEMA_TEXT.as_bytes());
            return Outcome::Compliant;
        }
        PoliciesCommand::Test(args) => return test::run(args),
        PoliciesCommand::List(list) => (list.policies, None, list.format),
        PoliciesCommand::Explain(explain) => {
            (explain.policies.clone(), Some(explain), ListFormat::Human)
        }
    };
    let mut texts = SourceTexts::default();
    let schema = secretary::entities::schema::schema();
    let (user_paths, packs) = match args.resolve() {
        Ok(resolved) => resolved,
        Err(errors) => {
            printer.errors(&errors, &texts);
            return Outcome::BadInput;
        }
    };
    let pack_names: Vec<_> = packs
        .iter()
        .map(|pack| (pack.path.clone(), pack.display_root()))
        .collect();
    let sources = RuleSources {
        builtin: !args.no_builtin,
        user_paths: &user_paths,
        pack_names: &pack_names,
    };
    // A pack's `secretary-rules.yaml` applies: the list shows the rules as
    // a run without inventory settings uses them.
    let rules = match policy::load(&sources, schema, &mut texts).and_then(|mut rules| {
        rules.apply_settings(&[])?;
        Ok(rules)
    }) {
        Ok(rules) => rules,
        Err(errors) => {
            printer.errors(&errors, &texts);
            return Outcome::BadInput;
        }
    };
    printer.warnings(&rules.warnings, &texts);
    match explain {
        None => {
            let text = match format {
                ListFormat::Human => list_text(&rules),
                ListFormat::Json => list_json(&rules),
                ListFormat::Markdown => secretary::render::reference::rules_markdown(&rules),
            };
            printer.stdout(text.as_bytes());
            Outcome::Compliant
        }
        Some(explain) => match rules.rule(&explain.id) {
            Some(rule) => {
                printer.stdout(explain_text(rule).as_bytes());
                Outcome::Compliant
            }
            None => {
                let ids: Vec<&str> = rules.rules.keys().map(String::as_str).collect();
                let help = match secretary::diag::did_you_mean(&explain.id, ids.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "run `secretary policies list` to see every rule id".to_owned(),
                };
                printer.errors(
                    &[secretary::diag::InputError::new(
                        Code::UnknownRule,
                        format!("no rule has id `{}`", explain.id),
                    )
                    .help(help)],
                    &texts,
                );
                Outcome::BadInput
            }
        },
    }
}

fn list_text(rules: &RuleSet) -> String {
    let mut out = String::new();
    for rule in rules.rules.values() {
        let _ = writeln!(out, "{} [{}]", rule.id, rule.severity);
        if let Some(o) = rules.overrides.iter().find(|o| o.setting.rule == rule.id) {
            let change = match o.to() {
                Some(to) => format!("{} → {to}", o.from),
                None => "switched off".to_owned(),
            };
            let _ = writeln!(
                out,
                "  setting:  {change} (owner {}: {}; {})",
                o.setting.owner, o.setting.reason, o.setting.location
            );
        }
        if let Some(title) = &rule.title {
            let _ = writeln!(out, "  title:    {title}");
        }
        let _ = writeln!(out, "  message:  {}", rule.message_text);
        if !rule.controls.is_empty() {
            let _ = writeln!(out, "  controls: {}", rule.controls.join("; "));
        }
        let actions: Vec<&str> = rule.actions.iter().map(|a| a.name()).collect();
        let _ = writeln!(out, "  facts:    {}", actions.join(", "));
        let _ = writeln!(out, "  source:   {}", rule.location);
    }
    out
}

fn list_json(rules: &RuleSet) -> String {
    let rules: Vec<serde_json::Value> = rules
        .rules
        .values()
        .map(|rule| {
            let setting = rules.overrides.iter().find(|o| o.setting.rule == rule.id);
            serde_json::json!({
                "enabled": rules.disabled(&rule.id).is_none(),
                "default_severity": setting.map_or(rule.severity, |o| o.from),
                "id": rule.id,
                "severity": rule.severity,
                "title": rule.title,
                "message": rule.message_text,
                "controls": rule.controls,
                "description": rule.description,
                "remediation": rule.remediation,
                "facts": rule.actions.iter().map(|a| a.name()).collect::<Vec<_>>(),
                "builtin": rule.builtin,
                "file": &*rule.location.file,
                "line": rule.location.line,
            })
        })
        .collect();
    let mut text =
        serde_json::to_string_pretty(&serde_json::json!({ "rules": rules })).unwrap_or_default();
    text.push('\n');
    text
}

fn explain_text(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} [{}]", rule.id, rule.severity);
    if let Some(title) = &rule.title {
        let _ = writeln!(out, "{title}");
    }
    let _ = writeln!(out);
    if let Some(description) = &rule.description {
        let _ = writeln!(out, "Why: {description}");
    }
    if let Some(remediation) = &rule.remediation {
        let _ = writeln!(out, "Fix: {remediation}");
    }
    if !rule.controls.is_empty() {
        let _ = writeln!(out, "Controls: {}", rule.controls.join("; "));
    }
    let actions: Vec<&str> = rule.actions.iter().map(|a| a.name()).collect();
    let _ = writeln!(out, "Applies to facts: {}", actions.join(", "));
    let _ = writeln!(
        out,
        "Source: {}{}",
        rule.location,
        if rule.builtin { " (built-in)" } else { "" }
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", rule.text);
    out
}
