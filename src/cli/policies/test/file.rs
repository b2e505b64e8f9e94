//! A rule-test file (`*.test.yaml`, see `docs/src/writing-rules.md`): read with
//! the inventory's YAML reader, then checked into a [`TestFile`] before any
//! case runs, so that every problem of every file is reported at its line
//! in one run. An inline inventory stays a raw document with its positions
//! in the test file; it is validated when its case runs, as a loaded file.

use std::collections::BTreeMap;
use std::path::{Component, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use serde::Deserialize;

use secretary::diag::{did_you_mean, Code, InputError};
use secretary::inventory::raw::{RawDocument, ScalarString};
use secretary::policy::RuleSet;
use secretary::source::{Location, Spanned};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTestFile {
    #[serde(default)]
    rule: Option<Spanned<String>>,
    #[serde(default)]
    rules: Option<Spanned<Vec<Spanned<String>>>>,
    cases: Spanned<Vec<Spanned<RawCase>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: Spanned<String>,
    #[serde(default)]
    now: Option<Spanned<ScalarString>>,
    #[serde(default)]
    inventory: Option<Spanned<RawDocument>>,
    #[serde(default)]
    file: Option<Spanned<String>>,
    #[serde(default)]
    iam_snapshot: Option<Spanned<String>>,
    #[serde(default)]
    aws_snapshot: Option<Spanned<String>>,
    #[serde(default)]
    env: Vec<Spanned<String>>,
    #[serde(default)]
    workspace: Option<Spanned<RawWorkspace>>,
    expect: Vec<Spanned<RawExpect>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkspace {
    #[serde(default)]
    git: bool,
    #[serde(default)]
    files: Vec<Spanned<RawWorkspaceFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkspaceFile {
    path: Spanned<String>,
    content: String,
    #[serde(default)]
    mode: Option<Spanned<ScalarString>>,
    #[serde(default)]
    commit: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    #[serde(default)]
    rule: Option<Spanned<String>>,
    entity: Spanned<String>,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    principal: Option<Spanned<String>>,
}

/// A checked test file: its rules and its cases.
pub struct TestFile {
    /// The file as the user named it (through its directory).
    pub path: Arc<str>,
    pub rules: Vec<String>,
    pub cases: Vec<Case>,
}

pub struct Case {
    pub name: String,
    /// Where the case starts (its `- name:` item).
    pub location: Location,
    pub now: Option<Date>,
    pub inventory: CaseInventory,
    /// Snapshot paths as written: relative to the test file.
    pub iam_snapshot: Option<PathBuf>,
    pub aws_snapshot: Option<PathBuf>,
    pub env: Vec<String>,
    pub workspace: Option<Workspace>,
    pub expect: Vec<Key>,
}

pub enum CaseInventory {
    /// Written in the case; positions in the test file.
    Inline(Box<RawDocument>),
    /// A file or directory, as written: relative to the test file.
    Path(PathBuf),
}

pub struct Workspace {
    pub git: bool,
    pub files: Vec<WorkspaceFile>,
}

pub struct WorkspaceFile {
    /// Relative, without `..`: inside the workspace.
    pub path: PathBuf,
    /// Never printed: it may be a canary value.
    pub content: String,
    pub mode: Option<u32>,
    pub commit: bool,
    pub location: Location,
}

/// One expected finding: a rule and an entity as Cedar prints them, and
/// an environment and a principal when given.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub rule: String,
    pub entity: String,
    pub environment: Option<String>,
    pub principal: Option<String>,
}

/// Reads `text` (the file `path`) into a checked test file, against the
/// loaded `rules`.
pub fn read(path: &Arc<str>, text: &str, rules: &RuleSet) -> Result<TestFile, Vec<InputError>> {
    let (raw, stepped) = secretary::inventory::yaml::parse::<RawTestFile>(path, text)?;
    if !stepped.is_empty() {
        return Err(stepped.into_iter().map(|s| s.error).collect());
    }
    let mut errors = Vec::new();
    let names = file_rules(path, &raw, rules, &mut errors);
    if raw.cases.value.is_empty() {
        errors.push(
            bad(path, raw.cases.key_at(path), "the file has no cases")
                .help("add a case under `cases:` with a `name`, an inventory and `expect`"),
        );
    }
    let mut seen: BTreeMap<String, Location> = BTreeMap::new();
    let mut cases = Vec::new();
    for raw_case in raw.cases.value {
        let at = raw_case.at(path);
        let name = &raw_case.value.name;
        if let Some(first) = seen.get(&name.value) {
            errors.push(
                InputError::new(
                    Code::DuplicateName,
                    format!("two cases are named `{}`", name.value),
                )
                .at(name.at(path))
                .related(first.clone(), "first named here")
                .help("give each case of a file its own name"),
            );
        } else {
            seen.insert(name.value.clone(), name.at(path));
        }
        if let Some(case) = read_case(path, raw_case.value, at, &names, &mut errors) {
            cases.push(case);
        }
    }
    if errors.is_empty() {
        Ok(TestFile {
            path: Arc::clone(path),
            rules: names,
            cases,
        })
    } else {
        Err(errors)
    }
}

fn bad(_path: &Arc<str>, at: Location, message: impl Into<String>) -> InputError {
    InputError::new(Code::InvalidRuleTest, message).at(at)
}

/// The rules the file names (`rule:` or `rules:`), each a loaded rule.
fn file_rules(
    path: &Arc<str>,
    raw: &RawTestFile,
    rules: &RuleSet,
    errors: &mut Vec<InputError>,
) -> Vec<String> {
    let named: Vec<&Spanned<String>> = match (&raw.rule, &raw.rules) {
        (Some(rule), None) => vec![rule],
        (None, Some(list)) if !list.value.is_empty() => list.value.iter().collect(),
        (None, Some(list)) => {
            errors.push(
                bad(path, list.key_at(path), "`rules:` is empty")
                    .help("name the rules the file tests, e.g. `rules: [rotation-overdue]`"),
            );
            return Vec::new();
        }
        (Some(rule), Some(_)) => {
            errors.push(
                bad(
                    path,
                    rule.key_at(path),
                    "the file has both `rule:` and `rules:`",
                )
                .help("name one rule with `rule:` or several with `rules:`, not both"),
            );
            return Vec::new();
        }
        (None, None) => {
            errors.push(
                bad(path, Location::file_start(path), "the file names no rule")
                    .help("add `rule: RULE-ID` (or `rules: [A, B]`) naming the rules it tests"),
            );
            return Vec::new();
        }
    };
    let mut names = Vec::new();
    for rule in named {
        if rules.rule(&rule.value).is_some() {
            if !names.contains(&rule.value) {
                names.push(rule.value.clone());
            }
        } else {
            errors.push(unknown_rule(path, rule, rules));
        }
    }
    names
}

fn unknown_rule(path: &Arc<str>, rule: &Spanned<String>, rules: &RuleSet) -> InputError {
    let help = match did_you_mean(&rule.value, rules.rules.keys().map(String::as_str)) {
        Some(close) => format!("did you mean `{close}`? `secretary policies list --no-builtin --policies DIR` shows every rule"),
        None => "check the id with `secretary policies list --no-builtin --policies DIR`".to_owned(),
    };
    InputError::new(
        Code::UnknownRule,
        format!("the test names rule `{}`, which is not loaded", rule.value),
    )
    .at(rule.at(path))
    .help(help)
}

fn read_case(
    path: &Arc<str>,
    raw: RawCase,
    location: Location,
    rules: &[String],
    errors: &mut Vec<InputError>,
) -> Option<Case> {
    let before = errors.len();
    let inventory = match (raw.inventory, raw.file) {
        (Some(document), None) => Some(CaseInventory::Inline(Box::new(document.value))),
        (None, Some(file)) => Some(CaseInventory::Path(PathBuf::from(&file.value))),
        (Some(_), Some(file)) => {
            errors.push(
                bad(path, file.key_at(path), format!("case `{}` has both `inventory:` and `file:`", raw.name.value))
                    .help("give the inventory inline under `inventory:` or as a path under `file:`, not both"),
            );
            None
        }
        (None, None) => {
            errors.push(
                bad(path, location.clone(), format!("case `{}` has no inventory", raw.name.value))
                    .help("add `inventory:` (an inventory written in the case) or `file: PATH` (relative to the test file)"),
            );
            None
        }
    };
    let now = raw
        .now
        .as_ref()
        .and_then(|now| match now.value.0.trim().parse::<Date>() {
            Ok(date) => Some(date),
            Err(_) => {
                errors.push(
                    InputError::new(
                        Code::InvalidDate,
                        format!("`now: {}` is not a date", now.value.0),
                    )
                    .at(now.at(path))
                    .help("write it as `YYYY-MM-DD`, e.g. `now: 2026-11-23`"),
                );
                None
            }
        });
    let workspace = raw.workspace.map(|w| read_workspace(path, w, errors));
    let mut expect = Vec::new();
    for entry in raw.expect {
        if let Some(key) = read_expect(path, &entry, rules, errors) {
            expect.push(key);
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(Case {
        name: raw.name.value,
        location,
        now,
        inventory: inventory?,
        iam_snapshot: raw.iam_snapshot.map(|p| PathBuf::from(p.value)),
        aws_snapshot: raw.aws_snapshot.map(|p| PathBuf::from(p.value)),
        env: raw.env.into_iter().map(|e| e.value).collect(),
        workspace,
        expect,
    })
}

fn read_workspace(
    path: &Arc<str>,
    raw: Spanned<RawWorkspace>,
    errors: &mut Vec<InputError>,
) -> Workspace {
    let git = raw.value.git;
    let mut files = Vec::new();
    for file in raw.value.files {
        let at = file.at(path);
        let written = &file.value.path;
        let relative = PathBuf::from(&written.value);
        let inside = !written.value.is_empty()
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !inside {
            errors.push(
                bad(
                    path,
                    written.at(path),
                    format!(
                        "workspace file `{}` is not a relative path inside the workspace",
                        written.value
                    ),
                )
                .help("write a path relative to the workspace, without `..`, e.g. `config/.env`"),
            );
            continue;
        }
        let mode = match &file.value.mode {
            None => None,
            Some(text) => match u32::from_str_radix(text.value.0.trim_start_matches("0o"), 8) {
                Ok(mode) if mode <= 0o7777 => Some(mode),
                _ => {
                    errors.push(
                        InputError::new(
                            Code::InvalidFileMode,
                            format!("`mode: {}` is not an octal file mode", text.value.0),
                        )
                        .at(text.at(path))
                        .help("write the mode as an octal string, e.g. `mode: \"600\"`"),
                    );
                    None
                }
            },
        };
        if file.value.commit && !git {
            errors.push(
                bad(
                    path,
                    at.clone(),
                    format!(
                        "workspace file `{}` says `commit: true` in a workspace without git",
                        written.value
                    ),
                )
                .help("add `git: true` to the workspace, or remove `commit: true`"),
            );
        }
        files.push(WorkspaceFile {
            path: relative,
            content: file.value.content,
            mode,
            commit: file.value.commit,
            location: at,
        });
    }
    Workspace { git, files }
}

fn read_expect(
    path: &Arc<str>,
    entry: &Spanned<RawExpect>,
    rules: &[String],
    errors: &mut Vec<InputError>,
) -> Option<Key> {
    let raw = &entry.value;
    let rule = match &raw.rule {
        Some(rule) if rules.contains(&rule.value) => Some(rule.value.clone()),
        Some(rule) => {
            errors.push(
                bad(
                    path,
                    rule.at(path),
                    format!(
                        "the expected finding names rule `{}`, which the file does not test",
                        rule.value
                    ),
                )
                .help(format!(
                    "name one of the file's rules ({}), or add the rule to `rules:`",
                    rules.join(", ")
                )),
            );
            None
        }
        None if rules.len() == 1 => Some(rules[0].clone()),
        // The file's rules were already reported as wrong.
        None if rules.is_empty() => None,
        None => {
            errors.push(
                bad(
                    path,
                    entry.at(path),
                    "the expected finding names no rule, and the file tests several",
                )
                .help(format!("add `rule:` naming one of {}", rules.join(", "))),
            );
            None
        }
    };
    let entity = entity_text(path, &raw.entity, "entity", errors);
    let principal = match &raw.principal {
        Some(principal) => Some(entity_text(path, principal, "principal", errors)?),
        None => None,
    };
    Some(Key {
        rule: rule?,
        entity: entity?,
        environment: raw.environment.clone(),
        principal,
    })
}

/// An entity uid as Cedar prints it (`Type::"id"`), so that spacing or
/// escapes written differently still match.
fn entity_text(
    path: &Arc<str>,
    written: &Spanned<String>,
    what: &str,
    errors: &mut Vec<InputError>,
) -> Option<String> {
    match written.value.parse::<cedar_policy::EntityUid>() {
        Ok(uid) => Some(uid.to_string()),
        Err(_) => {
            errors.push(
                InputError::new(
                    Code::InvalidEntity,
                    format!("`{what}: {}` is not an entity", written.value),
                )
                .at(written.at(path))
                .help(format!(
                    "write it as Cedar prints it, e.g. `{what}: 'Secret::\"JWT\"'`, as `check --format json` shows it"
                )),
            );
            None
        }
    }
}
