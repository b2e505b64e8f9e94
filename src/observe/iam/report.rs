//! The IAM credential report: one CSV row per user (and one for the root
//! user, `<root_account>`), with password, MFA and access key state. One
//! call gives every user's credentials, however many users there are.
//!
//! The report is checked before anything is read from it, so a garbled one
//! is a fault, never a clean account: the columns this module reads must be
//! there (extra columns, which AWS may add, are ignored), every row has as
//! many fields as the header, every user name is an IAM name, every ARN is
//! that row's user (or the root user), every time is ISO 8601 with an
//! offset and every flag `true` or `false`. AWS's placeholders `N/A`,
//! `no_information` and `not_supported` mean "none" in any time or flag
//! column. At most [`MAX_CREDENTIAL_REPORT_BYTES`] are read.
//!
//! The report holds no secret: no password, no secret access key, not even
//! a key id.

use std::collections::BTreeMap;

use super::snapshot::{AccessKey, Password};
use super::validate::{self, Kind, MAX_CREDENTIAL_REPORT_BYTES, PLACEHOLDERS};

/// The credential state of one row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub user: String,
    pub arn: String,
    pub created: Option<String>,
    pub password: Password,
    pub mfa_active: bool,
    pub access_keys: Vec<AccessKey>,
}

/// The parsed report: users by name, and the root row if present.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CredentialReport {
    pub users: BTreeMap<String, Row>,
    pub root: Option<Row>,
}

const ROOT: &str = "<root_account>";

/// The columns read, which every report must have.
const REQUIRED: [&str; 13] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
];

/// The documented time columns, checked wherever they appear.
const TIMES: [&str; 10] = [
    "user_creation_time",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "cert_1_last_rotated",
    "cert_2_last_rotated",
];

/// The documented flag columns, checked wherever they appear.
const FLAGS: [&str; 6] = [
    "password_enabled",
    "mfa_active",
    "access_key_1_active",
    "access_key_2_active",
    "cert_1_active",
    "cert_2_active",
];

/// Parses and checks the report's CSV text; the error says which line and
/// column is wrong.
pub fn parse(csv_text: &[u8]) -> Result<CredentialReport, String> {
    if csv_text.len() > MAX_CREDENTIAL_REPORT_BYTES {
        return Err(format!(
            "the credential report is {} bytes, over the limit of {MAX_CREDENTIAL_REPORT_BYTES}",
            csv_text.len()
        ));
    }
    let csv_text = csv_text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(csv_text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv_text);
    let headers = reader
        .headers()
        .map_err(|e| format!("the credential report's header is not CSV text: {e}"))?
        .clone();
    let mut columns: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, name) in headers.iter().enumerate() {
        if columns.insert(name.trim(), index).is_some() {
            return Err(format!(
                "the credential report names column {} twice",
                validate::quote(name)
            ));
        }
    }
    let missing: Vec<&str> = REQUIRED
        .into_iter()
        .filter(|c| !columns.contains_key(c))
        .collect();
    if let Some(first) = missing.first() {
        let more = match missing.len() {
            1 => String::new(),
            n => format!(" (nor {} other columns read)", n - 1),
        };
        return Err(format!(
            "the credential report has no column `{first}`{more}; its header is not the documented format"
        ));
    }
    let mut report = CredentialReport::default();
    for record in reader.records() {
        let record = record.map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths {
                pos,
                expected_len,
                len,
            } => format!(
                "credential report line {}: {len} field{} where the header has {expected_len}",
                pos.as_ref().map_or(0, csv::Position::line),
                if *len == 1 { "" } else { "s" }
            ),
            _ => format!("the credential report is not CSV text: {e}"),
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let at = |column: &str, problem: String| {
            format!("credential report line {line}, column `{column}`: {problem}")
        };
        let cell = |column: &str| columns.get(column).and_then(|&i| record.get(i));
        // Times and flags, checked in every documented column present.
        let mut times: BTreeMap<&str, Option<String>> = BTreeMap::new();
        for column in TIMES {
            let Some(text) = cell(column) else { continue };
            let value = if PLACEHOLDERS.contains(&text) {
                None
            } else {
                Some(validate::time(text).map_err(|e| at(column, e))?.to_string())
            };
            times.insert(column, value);
        }
        let mut flags: BTreeMap<&str, bool> = BTreeMap::new();
        for column in FLAGS {
            let Some(text) = cell(column) else { continue };
            let value = if text.eq_ignore_ascii_case("true") {
                true
            } else if text.eq_ignore_ascii_case("false") || PLACEHOLDERS.contains(&text) {
                false
            } else {
                return Err(at(
                    column,
                    format!("{} is not `true` or `false`", validate::quote(text)),
                ));
            };
            flags.insert(column, value);
        }
        let time = |column: &str| times.get(column).cloned().flatten();
        let flag = |column: &str| flags.get(column).copied().unwrap_or(false);
        let user = cell("user").unwrap_or_default().to_owned();
        let arn = cell("arn").unwrap_or_default().to_owned();
        if user == ROOT {
            validate::arn_of(Kind::Root, "", &arn).map_err(|e| at("arn", e))?;
        } else {
            validate::name("user", &user).map_err(|e| at("user", e))?;
            validate::arn_of(Kind::User, &user, &arn).map_err(|e| at("arn", e))?;
        }
        let mut access_keys = Vec::new();
        for slot in [1u8, 2] {
            let created = time(&format!("access_key_{slot}_last_rotated"));
            let active = flag(&format!("access_key_{slot}_active"));
            // A slot without a date holds no key (an inactive key keeps its date).
            if created.is_none() && !active {
                continue;
            }
            access_keys.push(AccessKey {
                slot,
                status: if active { "Active" } else { "Inactive" }.to_owned(),
                created,
                last_used: time(&format!("access_key_{slot}_last_used_date")),
            });
        }
        let row = Row {
            created: time("user_creation_time"),
            password: Password {
                // The root user always has a password; the report says `not_supported`.
                enabled: flag("password_enabled") || user == ROOT,
                last_used: time("password_last_used"),
                last_changed: time("password_last_changed"),
            },
            mfa_active: flag("mfa_active"),
            access_keys,
            user: user.clone(),
            arn,
        };
        let duplicate = if user == ROOT {
            report.root.replace(row).is_some()
        } else {
            report.users.insert(user.clone(), row).is_some()
        };
        if duplicate {
            return Err(at(
                "user",
                format!("{} has a second row", validate::quote(&user)),
            ));
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2026-01-02T00:00:00+00:00,not_supported,not_supported,false,true,2021-05-01T10:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
alice,arn:aws:iam::123456789012:user/alice,2024-01-01T00:00:00+00:00,true,no_information,2024-01-01T00:00:00+00:00,N/A,true,true,2024-02-01T00:00:00+00:00,2026-01-01T00:00:00+00:00,us-east-1,s3,false,2024-03-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A
bob,arn:aws:iam::123456789012:user/bob,2024-01-01T00:00:00+00:00,false,not_supported,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

    #[test]
    fn reads_users_keys_and_the_root_row() {
        let report = parse(REPORT.as_bytes()).unwrap();
        let root = report.root.as_ref().unwrap();
        assert_eq!(root.access_keys.len(), 1);
        assert!(root.access_keys[0].active());
        assert!(!root.mfa_active);
        let alice = &report.users["alice"];
        assert!(alice.password.enabled);
        assert_eq!(alice.password.last_used, None);
        assert!(alice.mfa_active);
        assert_eq!(alice.access_keys.len(), 2);
        assert_eq!(alice.access_keys[0].status, "Active");
        assert_eq!(alice.access_keys[1].status, "Inactive");
        assert_eq!(
            alice.access_keys[0].last_used.as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
        let bob = &report.users["bob"];
        assert!(!bob.password.enabled);
        assert!(bob.access_keys.is_empty());
    }

    #[test]
    fn rejects_a_report_without_the_user_column() {
        assert!(parse(b"name,arn\nx,y\n").is_err());
    }

    /// The documented format with every placeholder AWS writes, a user with
    /// a path, a column AWS may add later and a BOM: a healthy account.
    #[test]
    fn accepts_every_placeholder_and_extra_columns() {
        let mut text = String::from("\u{feff}");
        for (i, line) in REPORT.lines().enumerate() {
            text.push_str(line);
            text.push_str(if i == 0 {
                ",a_column_aws_may_add\n"
            } else {
                ",N/A\n"
            });
        }
        text.push_str("carol,arn:aws:iam::123456789012:user/team/a/carol,2024-01-01T00:00:00Z,TRUE,no_information,2024-01-01T00:00:00Z,2025-01-01T00:00:00+01:00,FALSE,not_supported,N/A,no_information,N/A,N/A,false,N/A,N/A,N/A,N/A,N/A,N/A,not_supported,N/A,anything\n");
        let report = parse(text.as_bytes()).unwrap();
        assert_eq!(report.users.len(), 3);
        let carol = &report.users["carol"];
        assert!(carol.password.enabled);
        assert_eq!(carol.password.last_used, None);
        assert!(carol.access_keys.is_empty());
    }

    #[track_caller]
    fn rejected(text: &str, expected: &str) {
        let err = parse(text.as_bytes()).unwrap_err();
        assert!(err.contains(expected), "`{expected}` not in: {err}");
    }

    /// `REPORT` with one cell of `user`'s row replaced.
    fn with_cell(user: &str, column: &str, value: &str) -> String {
        let mut lines = REPORT.lines();
        let header = lines.next().unwrap();
        let index = header.split(',').position(|c| c == column).unwrap();
        let mut out = format!("{header}\n");
        for line in lines {
            let mut cells: Vec<&str> = line.split(',').collect();
            if cells[0] == user {
                cells[index] = value;
            }
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    #[test]
    fn rejects_what_is_not_the_documented_format() {
        rejected(
            &REPORT.replace("mfa_active", "mfa_actve"),
            "no column `mfa_active`",
        );
        rejected(
            &REPORT.replace(',', ";"),
            "no column `user` (nor 12 other columns read)",
        );
        rejected(
            &REPORT.replacen("user,arn", "user,user", 1),
            "names column `user` twice",
        );
        rejected(
            &with_cell("alice", "access_key_1_last_rotated", "31/12/2019 10:00"),
            "line 3, column `access_key_1_last_rotated`: `31/12/2019 10:00` is not an ISO 8601 time",
        );
        rejected(
            &with_cell("bob", "password_last_used", "last tuesday"),
            "line 4, column `password_last_used`",
        );
        rejected(
            &with_cell("bob", "cert_2_last_rotated", ""),
            "column `cert_2_last_rotated`",
        );
        rejected(
            &with_cell("alice", "mfa_active", "yes"),
            "`yes` is not `true` or `false`",
        );
        rejected(&with_cell("alice", "user", ""), "a user has an empty name");
        rejected(
            &with_cell("alice", "arn", "arn:aws:iam::123456789012:user/mallory"),
            "is not that of user `alice`",
        );
        rejected(
            &with_cell(
                "<root_account>",
                "arn",
                "arn:aws:iam::123456789012:user/root",
            ),
            "is not that of the root user",
        );
        let row = REPORT.lines().nth(2).unwrap().replace("alice", "mallory");
        rejected(
            &format!("{REPORT}\"{row}\"\n"),
            "line 5: 1 field where the header has 22",
        );
        rejected(
            &format!("{REPORT}{}\n", REPORT.lines().nth(2).unwrap()),
            "`alice` has a second row",
        );
        let big = format!("{REPORT}{}", "x".repeat(MAX_CREDENTIAL_REPORT_BYTES));
        rejected(&big, "over the limit of 8388608");
    }
}
