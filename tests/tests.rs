//! The integration tests, as one test binary: each `tests/*.rs` file is a
//! module of it, as in ripgrep. Every separate binary cost a link of the
//! whole crate and its dependencies; one binary links once.
//!
//! Cargo.toml sets `autotests = false`, so a new test file runs only once it
//! is declared here. insta names snapshots after the module path, so theirs
//! are `tests/snapshots/tests__<file>__<name>.snap`. The live IAM modules
//! (`iam_live`, `iam_recorded`, the endpoint half of `iam_faults`) are
//! built only with the `aws` feature;
//! `scripts/test.sh` runs `iam_rules` without it.

mod common;
#[cfg(feature = "aws")]
mod fake_iam;
#[cfg(feature = "aws")]
mod moto;

mod bad_inputs;
mod baseline;
mod book;
mod cli;
mod code;
mod compose;
mod compose_spec;
mod examples;
mod formats;
mod hostile_files;
mod hostile_outputs;
mod hostile_policies;
mod hostile_yaml;
mod iam_examples;
mod iam_faults;
mod iam_live;
mod iam_recorded;
mod iam_rules;
mod iam_tables;
mod init_from;
mod layout;
mod msrv;
mod packs;
mod published_defaults;
mod report;
mod report_scope;
mod repository;
mod rotation;
mod rule_settings;
mod rules;
mod rules_test_command;
mod schema;
mod scope_score;
mod stacks;
mod stores_live;
mod stores_rules;
mod values;
mod waivers;
mod workflows;
