//! The names each section defines: collected from every file first, so that
//! a reference in one file can name an item defined in another, and a name
//! defined twice is reported with both places.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::{ParsedFile, Validator};
use crate::diag::{Code, InputError};
use crate::source::{Location, Spanned};

/// Every name each section defines, with where it was first defined.
#[derive(Default)]
pub(super) struct Names {
    pub(super) environments: BTreeMap<String, Location>,
    pub(super) services: BTreeMap<String, Location>,
    pub(super) identities: BTreeMap<String, Location>,
    pub(super) stores: BTreeMap<String, Location>,
    pub(super) secrets: BTreeMap<String, Location>,
    pub(super) env_vars: BTreeMap<String, Location>,
}

/// The sections that define names, in the order their names are collected.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Environments,
    Services,
    Identities,
    Stores,
    Secrets,
    EnvVars,
}

impl Section {
    const ALL: [Section; 6] = [
        Section::Environments,
        Section::Services,
        Section::Identities,
        Section::Stores,
        Section::Secrets,
        Section::EnvVars,
    ];

    /// The section's key in a file.
    fn key(self) -> &'static str {
        match self {
            Section::Environments => "environments",
            Section::Services => "services",
            Section::Identities => "identities",
            Section::Stores => "stores",
            Section::Secrets => "secrets",
            Section::EnvVars => "env_vars",
        }
    }

    /// What one of its items is called.
    fn item(self) -> &'static str {
        match self {
            Section::Environments => "environment",
            Section::Services => "service",
            Section::Identities => "identity",
            Section::Stores => "store",
            Section::Secrets => "secret",
            Section::EnvVars => "env var",
        }
    }
}

impl Names {
    fn of(&mut self, section: Section) -> &mut BTreeMap<String, Location> {
        match section {
            Section::Environments => &mut self.environments,
            Section::Services => &mut self.services,
            Section::Identities => &mut self.identities,
            Section::Stores => &mut self.stores,
            Section::Secrets => &mut self.secrets,
            Section::EnvVars => &mut self.env_vars,
        }
    }
}

/// A name one file defines, where, and what is wrong with the name itself.
struct FileName<'a> {
    section: Section,
    name: &'a Spanned<String>,
    here: Location,
    errors: Vec<InputError>,
}

/// The names `file` defines, in section order.
fn file_names(file: &ParsedFile) -> Vec<FileName<'_>> {
    let doc = &file.document;
    let keys: [Vec<&Spanned<String>>; 6] = [
        doc.environments.keys().collect(),
        doc.services.keys().collect(),
        doc.identities.keys().collect(),
        doc.stores.keys().collect(),
        doc.secrets.keys().collect(),
        doc.env_vars.keys().collect(),
    ];
    let mut out = Vec::with_capacity(keys.iter().map(Vec::len).sum());
    for (section, names) in Section::ALL.into_iter().zip(keys) {
        let what = section.item();
        for name in names {
            let here = name.at(&file.path);
            let mut errors = Vec::new();
            if name.trim().is_empty() {
                errors.push(
                    InputError::new(Code::EmptyName, format!("a {what} has an empty name"))
                        .at(here.clone())
                        .help("give it a name"),
                );
            }
            if section == Section::Environments
                && !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                errors.push(
                    InputError::new(
                        Code::InvalidName,
                        format!("environment name `{name}` has characters other than letters, digits, `-`, `_` and `.`"),
                    )
                    .at(here.clone())
                    .help("rename the environment, e.g. `production` or `eu-staging`"),
                );
            }
            out.push(FileName {
                section,
                name,
                here,
                errors,
            });
        }
    }
    out
}

impl Validator {
    pub(super) fn collect_names(&mut self, files: &[ParsedFile]) -> Names {
        // Each file's names and their positions are found in parallel; the
        // registry is then filled in file order, so "first defined" and the
        // order of errors do not depend on threads.
        let per_file: Vec<Vec<FileName<'_>>> = files.par_iter().map(file_names).collect();
        let mut names = Names::default();
        for (file, entries) in files.iter().zip(per_file) {
            let doc = &file.document;
            if doc.version.value != 1 {
                self.errors.push(
                    InputError::new(
                        Code::UnsupportedVersion,
                        format!("inventory version `{}` is not supported", doc.version.value),
                    )
                    .at(doc.version.at(&file.path))
                    .help("set `version: 1`"),
                );
            }
            for FileName {
                section,
                name,
                here,
                mut errors,
            } in entries
            {
                self.errors.append(&mut errors);
                let seen = names.of(section);
                let (section, what) = (section.key(), section.item());
                match seen.get(name.as_str()) {
                    Some(first) if first.file != here.file || first.line != here.line => {
                        self.errors.push(
                            InputError::new(
                                Code::DuplicateName,
                                format!("{what} `{name}` is defined more than once"),
                            )
                            .at(here)
                            .related(first.clone(), "first defined")
                            .help(format!(
                                "keep one definition of `{name}` under `{section}:`, or rename one"
                            )),
                        );
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(name.value.clone(), here);
                    }
                }
            }
        }
        names
    }
}
