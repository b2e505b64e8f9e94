//! The minijinja templates reports and docs are rendered with: the defaults
//! shipped in `templates/` (embedded in the binary) and a user's
//! `--templates DIR`, whose files replace the defaults of the same name.
//!
//! Every template is compiled when loaded, so a syntax error stops the run
//! before anything is written, naming the template file and line; a
//! template nested too deep for the compiler is refused before it (see
//! [`super::bounds`]). `.html`
//! templates escape HTML; `.md` templates escape for markdown table cells
//! (`|`, line breaks, `<`, `>`), so that no inventory text can break a table
//! or inject a `secretary:` docs marker. `|safe` opts out.

use crate::diag::Code;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use crate::diag::{did_you_mean, InputError};
use crate::source::{FileKind, Location, SourceTexts};

/// How built-in templates are named in messages.
pub const BUILTIN_PREFIX: &str = "<builtin>/templates/";

/// The shipped templates, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("report.md", include_str!("../../templates/report.md")),
    ("report.html", include_str!("../../templates/report.html")),
    ("check.md", include_str!("../../templates/check.md")),
    ("secrets.md", include_str!("../../templates/secrets.md")),
    ("env-vars.md", include_str!("../../templates/env-vars.md")),
    (
        "identities.md",
        include_str!("../../templates/identities.md"),
    ),
    (
        "encryption.md",
        include_str!("../../templates/encryption.md"),
    ),
    ("never-log.md", include_str!("../../templates/never-log.md")),
    (
        "rotation-due.md",
        include_str!("../../templates/rotation-due.md"),
    ),
    ("iam.md", include_str!("../../templates/iam.md")),
    (
        "rotation-calendar.md",
        include_str!("../../templates/rotation-calendar.md"),
    ),
    ("checklist.md", include_str!("../../templates/checklist.md")),
    ("scope.md", include_str!("../../templates/scope.md")),
    ("score.md", include_str!("../../templates/score.md")),
    ("findings.md", include_str!("../../templates/findings.md")),
    ("baseline.md", include_str!("../../templates/baseline.md")),
    ("evidence.md", include_str!("../../templates/evidence.md")),
    ("matrix.md", include_str!("../../templates/matrix.md")),
    (
        "frameworks.md",
        include_str!("../../templates/frameworks.md"),
    ),
    (
        "at-a-glance.md",
        include_str!("../../templates/at-a-glance.md"),
    ),
];

/// The tables `secretary docs` can put between markers: each is the
/// markdown template `<name>.md`, the same fragment the report includes.
pub const DOCS_TABLES: &[&str] = &[
    "secrets",
    "env-vars",
    "identities",
    "encryption",
    "never-log",
    "rotation-due",
    "rotation-calendar",
    "checklist",
    "findings",
];

const MARKDOWN: AutoEscape = AutoEscape::Custom("markdown");

/// A loaded, compiled set of templates.
pub struct Templates {
    env: Environment<'static>,
    /// Template name → the file it came from, for error locations.
    files: BTreeMap<String, Arc<str>>,
}

impl Templates {
    /// The shipped templates only.
    pub fn builtin() -> Self {
        let mut texts = SourceTexts::default();
        match Self::load(None, &mut texts) {
            Ok((templates, _)) => templates,
            // The shipped templates are compiled by the tests; this cannot happen.
            Err(errors) => panic!("built-in templates do not compile: {errors:?}"),
        }
    }

    /// The shipped templates, with the files of `dir` replacing those of the
    /// same name. Template texts are recorded in `texts` for error snippets.
    /// Returns warnings for files that replace no shipped template.
    #[allow(clippy::type_complexity)]
    pub fn load(
        dir: Option<&Path>,
        texts: &mut SourceTexts,
    ) -> Result<(Self, Vec<InputError>), Vec<InputError>> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".md") {
                MARKDOWN
            } else {
                minijinja::default_auto_escape_callback(name)
            }
        });
        env.set_formatter(|out, state, value| {
            if state.auto_escape() == MARKDOWN && !value.is_safe() {
                let text = if value.is_none() || value.is_undefined() {
                    String::new()
                } else {
                    value.to_string()
                };
                out.write_str(&escape_markdown(&text))
                    .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, ""))
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        env.add_filter("code", code_span);
        env.add_filter("inline_code", inline_code);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);

        let mut files = BTreeMap::new();
        let mut sources: Vec<Source> = BUILTIN
            .iter()
            .map(|(name, text)| {
                (
                    (*name).to_owned(),
                    Arc::from(format!("{BUILTIN_PREFIX}{name}")),
                    (*text).to_owned(),
                )
            })
            .collect();
        let mut warnings = Vec::new();
        if let Some(dir) = dir {
            let overrides = read_dir(dir)?;
            for (name, display, text) in overrides {
                match sources.iter_mut().find(|(n, _, _)| *n == name) {
                    Some(slot) => *slot = (name, display, text),
                    None => {
                        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
                        let help = match did_you_mean(&name, names.iter().copied()) {
                            Some(close) => format!("did you mean `{close}`? it is used only if another template includes it"),
                            None => "it is used only if another template includes it; `secretary report --help` lists the template names".to_owned(),
                        };
                        warnings.push(
                            InputError::new(
                                Code::UnknownTemplate,
                                format!("template `{name}` replaces no built-in template"),
                            )
                            .at(Location::file_start(&display))
                            .help(help),
                        );
                        sources.push((name, display, text));
                    }
                }
            }
        }
        let mut errors = Vec::new();
        for (name, display, text) in sources {
            texts.insert(&display, text.as_str(), FileKind::Template);
            files.insert(name.clone(), Arc::clone(&display));
            // Bounded before minijinja recurses into it (see `bounds`).
            if let Err(error) = super::bounds::check(&display, &text) {
                errors.push(error);
                continue;
            }
            if let Err(err) = env.add_template_owned(name.clone(), text) {
                errors.push(template_error(&err, &files, Code::TemplateSyntax));
            }
        }
        if errors.is_empty() {
            Ok((Self { env, files }, warnings))
        } else {
            Err(errors)
        }
    }

    /// Renders template `name` with `context` (the serialized view).
    pub fn render(&self, name: &str, context: &Value) -> Result<String, InputError> {
        let template = self.env.get_template(name).map_err(|err| {
            InputError::new(
                Code::MissingTemplate,
                format!("there is no template `{name}`"),
            )
            .help(format!("{err}"))
        })?;
        template
            .render(context)
            .map_err(|err| template_error(&err, &self.files, Code::TemplateError))
    }
}

/// An error of minijinja as an input error at the template's file and line.
fn template_error(
    err: &minijinja::Error,
    files: &BTreeMap<String, Arc<str>>,
    code: Code,
) -> InputError {
    // The innermost cause names the template that failed (an include's).
    let mut inner: &dyn std::error::Error = err;
    let mut located = err;
    while let Some(source) = inner.source() {
        if let Some(e) = source.downcast_ref::<minijinja::Error>() {
            if e.name().is_some() {
                located = e;
            }
        }
        inner = source;
    }
    let name = located.name().unwrap_or("?");
    let what = match located.detail() {
        Some(detail) => format!("{}: {detail}", located.kind()),
        None => located.kind().to_string(),
    };
    let verb = if code == Code::TemplateSyntax {
        "cannot parse"
    } else {
        "cannot render"
    };
    let location = files.get(name).map(|file| {
        let line = located.line().unwrap_or(1);
        Location::new(file, line, 1)
    });
    InputError::new(code, format!("{verb} template `{name}`: {what}"))
        .at_opt(location)
        .help("fix the template (templates see only the view model documented in docs/src/reports.md, \"Templates and their view model\"), or remove it from `--templates` to use the built-in one")
}

/// A template's name, the file it is shown as, and its text.
type Source = (String, Arc<str>, String);

/// The templates in `dir` (not recursive).
fn read_dir(dir: &Path) -> Result<Vec<Source>, Vec<InputError>> {
    let unreadable = |err: &dyn std::fmt::Display| {
        vec![InputError::new(
            Code::UnreadableTemplates,
            format!("cannot read templates directory `{}`: {err}", dir.display()),
        )
        .help("`--templates DIR` names a directory of templates replacing built-in ones by file name, e.g. `report.html`")]
    };
    if !dir.is_dir() {
        return Err(unreadable(&"it is not a directory"));
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| unreadable(&e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| !p.is_dir())
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    entries.sort();
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for path in entries {
        let display: Arc<str> = Arc::from(crate::source::portable_path(&path));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match crate::read::read_text(&path, crate::read::Kind::Template) {
            Ok(text) => found.push((name, display, text)),
            Err(err) => errors.push(
                InputError::new(
                    Code::UnreadableTemplate,
                    format!("cannot read template `{display}`: {err}"),
                )
                .at(Location::file_start(&display))
                .help("check the file's permissions and that it is UTF-8 text"),
            ),
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

/// The `code` filter: `value` as a markdown code span that is safe in a
/// table cell (a backtick fence longer than any run inside, `|` escaped,
/// line breaks as spaces). Inside a code span `<` is literal text, so it is
/// not escaped.
fn code_span(value: Value) -> Value {
    let text = if value.is_none() || value.is_undefined() {
        String::new()
    } else {
        value.to_string()
    };
    let text = text.replace("\r\n", " ").replace(['\n', '\r'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    Value::from_safe_string(format!(
        "{fence}{pad}{}{pad}{fence}",
        text.replace('|', "\\|")
    ))
}

/// The `inline_code` filter of HTML templates: escapes `value` and shows
/// its `backticked` spans (as rule texts write them) as `<code>`.
fn inline_code(value: Value) -> Value {
    let text = if value.is_none() || value.is_undefined() {
        String::new()
    } else {
        value.to_string()
    };
    let mut out = String::with_capacity(text.len() + 16);
    let parts: Vec<&str> = text.split('`').collect();
    // An unpaired backtick stays a backtick.
    let paired = parts.len() % 2 == 1;
    for (index, part) in parts.iter().enumerate() {
        let escaped = minijinja::HtmlEscape(part).to_string();
        if index % 2 == 0 {
            out.push_str(&escaped);
        } else if !paired && index + 1 == parts.len() {
            out.push('`');
            out.push_str(&escaped);
        } else {
            out.push_str("<code>");
            out.push_str(&escaped);
            out.push_str("</code>");
        }
    }
    Value::from_safe_string(out)
}

/// Escapes text for a markdown table cell.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push(' ');
                }
            }
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_template_compiles() {
        let mut texts = SourceTexts::default();
        assert!(Templates::load(None, &mut texts).is_ok());
        for name in DOCS_TABLES {
            assert!(
                BUILTIN.iter().any(|(n, _)| *n == format!("{name}.md")),
                "{name}"
            );
        }
    }

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(
            code_span(Value::from("<builtin>/a")).to_string(),
            "`<builtin>/a`"
        );
        assert_eq!(code_span(Value::from("a`b|c")).to_string(), "``a`b\\|c``");
        assert_eq!(code_span(Value::from("`x`")).to_string(), "`` `x` ``");
    }

    #[test]
    fn inline_code_marks_backticked_spans() {
        assert_eq!(
            inline_code(Value::from("add `rotation: <x>` & go")).to_string(),
            "add <code>rotation: &lt;x&gt;</code> &amp; go"
        );
        assert_eq!(inline_code(Value::from("a ` b")).to_string(), "a ` b");
    }

    #[test]
    fn markdown_escaping_keeps_tables_and_markers_intact() {
        assert_eq!(
            escape_markdown("a|b\r\nc <!-- secretary:end x -->"),
            "a\\|b c &lt;!-- secretary:end x --&gt;"
        );
    }

    #[test]
    fn a_syntax_error_names_the_template_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secrets.md"), "ok\n\n{% if %}\n").unwrap();
        let mut texts = SourceTexts::default();
        let errors = Templates::load(Some(dir.path()), &mut texts).err().unwrap();
        assert_eq!(errors.len(), 1);
        let location = errors[0].location.as_ref().unwrap();
        assert!(location.file.ends_with("secrets.md"), "{location}");
        assert_eq!(location.line, 3);
        assert_eq!(errors[0].code.as_str(), "template-syntax");
    }
}
