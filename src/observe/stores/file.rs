//! The AWS snapshot file: what `secretary aws snapshot` writes and
//! `check --aws-snapshot FILE` reads back into both observations.
//!
//! Version 2 is the IAM snapshot object (`observe::iam::snapshot`, whose
//! own version is 1) with `"version": 2` and one more top-level key,
//! `"stores"`, holding [`Stores`]. It is read as [`iam::Snapshot<Stores>`]:
//! the IAM snapshot type carries a slot for what a later version adds,
//! typed here because `observe::iam` cannot name this module's types (this
//! module imports it). Every key stays checked: a `stores` key in a version
//! 1 file, or any unknown key in either, is refused with its line and
//! column.
//!
//! Version 1 files (from `iam snapshot`) still load, with no stores; `iam
//! snapshot` still writes version 1, byte for byte as before. Both
//! `--aws-snapshot` and `--iam-snapshot` read either version (the latter
//! keeps the IAM part only).

use std::path::Path;
use std::sync::Arc;

use crate::diag::InputError;
use crate::observe::iam::{self, snapshot::Format};
use crate::source::SourceTexts;

use super::Stores;

/// The format version `aws snapshot` writes.
pub const AWS_SNAPSHOT_VERSION: u32 = 2;

/// An AWS snapshot (`--aws-snapshot`): version 1 (IAM) or 2 (IAM and the stores).
pub const AWS: Format = Format {
    noun: "AWS snapshot",
    flag: "--aws-snapshot",
    writer: "secretary aws snapshot",
    versions: iam::snapshot::SNAPSHOT_VERSION..=AWS_SNAPSHOT_VERSION,
};

/// An IAM snapshot (`--iam-snapshot`), which may be the IAM part of an AWS one.
pub const IAM_PART: Format = Format {
    versions: iam::snapshot::SNAPSHOT_VERSION..=AWS_SNAPSHOT_VERSION,
    ..iam::snapshot::IAM
};

/// Reads and checks a snapshot file of `format` (see
/// [`iam::snapshot::load`]): the IAM part, and the stores of a version 2.
pub fn load(
    path: &Path,
    texts: &mut SourceTexts,
    format: &Format,
) -> Result<(iam::Snapshot, Option<Stores>), InputError> {
    let (snapshot, file, text) = iam::snapshot::load_as::<Stores>(path, texts, format)?;
    checked(snapshot, &file, &text, format)
}

/// Parses a snapshot's text; `file` names it in errors.
pub fn parse(
    file: &Arc<str>,
    text: &str,
    format: &Format,
) -> Result<(iam::Snapshot, Option<Stores>), InputError> {
    let snapshot = iam::snapshot::parse_as::<Stores>(file, text, format)?;
    checked(snapshot, file, text, format)
}

fn checked(
    snapshot: iam::Snapshot<Stores>,
    file: &Arc<str>,
    text: &str,
    format: &Format,
) -> Result<(iam::Snapshot, Option<Stores>), InputError> {
    if snapshot.version < AWS_SNAPSHOT_VERSION && snapshot.stores.is_some() {
        return Err(format.invalid(
            iam::snapshot::at_key(file, text, "stores"),
            format!(
                "`stores` needs snapshot version {AWS_SNAPSHOT_VERSION}, and this file says version {}",
                snapshot.version
            ),
        ));
    }
    if let Some(stores) = &snapshot.stores {
        stores.check().map_err(|(key, value, problem)| {
            format.invalid(
                iam::snapshot::at_value(file, text, key, &value),
                format!("`stores`: `{key}`: {problem}"),
            )
        })?;
    }
    Ok(snapshot.split())
}

/// The version 2 snapshot of `iam` and `stores`, as pretty JSON with a
/// final newline.
pub fn to_json(iam: iam::Snapshot, stores: Stores) -> String {
    iam.extend(AWS_SNAPSHOT_VERSION, Some(stores)).to_json()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::stores::{RegionStores, StoreGap, StoreKind, StoredSecret};

    fn stores() -> Stores {
        Stores {
            regions: vec![RegionStores {
                region: "eu-west-1".to_owned(),
                secrets_manager: Some(vec![StoredSecret {
                    name: "prod/db".to_owned(),
                    arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"
                        .to_owned(),
                    rotation_enabled: Some(true),
                    rotation_days: Some(30),
                    rotation_schedule: None,
                    created: Some("2026-01-01T00:00:00Z".to_owned()),
                    last_rotated: Some("2026-11-01T00:00:00Z".to_owned()),
                    last_changed: None,
                    last_accessed: None,
                    next_rotation: None,
                    current_version_created: None,
                    kms_key_id: None,
                    tags: Default::default(),
                    owning_service: None,
                    resource_policy: None,
                }]),
                ssm: None,
            }],
            not_collected: vec![StoreGap::new(
                "eu-west-1",
                StoreKind::Ssm,
                "DescribeParameters",
                None,
                "AccessDenied: no".to_owned(),
            )],
        }
    }

    #[test]
    fn version_2_round_trips_and_version_1_is_unchanged() {
        let file: Arc<str> = Arc::from("aws.json");
        let iam = iam::Snapshot::new(jiff::Timestamp::UNIX_EPOCH);
        let v1 = iam.to_json();
        assert!(!v1.contains("stores"), "{v1}");
        let text = to_json(iam.clone(), stores());
        assert!(text.contains("\"version\": 2"), "{text}");
        let (back, back_stores) = parse(&file, &text, &AWS).unwrap();
        assert_eq!(back, iam);
        assert_eq!(back_stores, Some(stores()));
        let (back, none) = parse(&file, &v1, &AWS).unwrap();
        assert_eq!((back, none), (iam.clone(), None));
        // The IAM part of a version 2 file, for `--iam-snapshot`.
        assert_eq!(parse(&file, &text, &IAM_PART).unwrap().0, iam);
        // `iam::snapshot::parse` (version 1 only) refuses version 2.
        assert!(iam::snapshot::parse(&file, &text).is_err());
    }

    #[test]
    fn bad_files_are_located() {
        let file: Arc<str> = Arc::from("aws.json");
        let iam = iam::Snapshot::new(jiff::Timestamp::UNIX_EPOCH);
        let text = to_json(iam.clone(), stores());
        for (bad, expected) in [
            (
                text.replace("\"version\": 2", "\"version\": 3"),
                "version `3`",
            ),
            (
                text.replace("\"version\": 2", "\"version\": 1"),
                "needs snapshot version 2",
            ),
            (
                text.replace("\"ssm\": null", "\"ssm\": null, \"extra\": 1"),
                "not the snapshot format",
            ),
            (
                text.replace("\"rotation_days\": 30", "\"rotation_days\": \"30\""),
                "not the snapshot format",
            ),
            (
                text.replace("eu-west-1:123456789012", "us-east-1:123456789012"),
                "not the ARN",
            ),
            (
                text.replace("2026-11-01T00:00:00Z", "last week"),
                "`last_rotated`",
            ),
        ] {
            let err = parse(&file, &bad, &AWS).unwrap_err();
            let shown = format!("{err:?}");
            assert!(shown.contains(expected), "{expected}: {shown}");
            assert!(err.location.is_some(), "{shown}");
        }
    }
}
