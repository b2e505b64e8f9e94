//! The IAM credential report: one CSV row per user (and one for the root
//! user, `<root_account>`), with password, MFA and access key state. One
//! call gives every user's credentials, however many users there are.
//!
//! Times are ISO 8601; `N/A`, `no_information` and `not_supported` mean
//! "none". The report holds no secret: no password, no secret access key,
//! not even a key id.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::snapshot::{AccessKey, Password};

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

/// Parses the report's CSV text.
pub fn parse(csv_text: &[u8]) -> Result<CredentialReport, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(csv_text);
    let headers = reader
        .headers()
        .map_err(|e| format!("credential report has no header: {e}"))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let user_col = column("user").ok_or("credential report has no `user` column")?;
    let arn_col = column("arn").ok_or("credential report has no `arn` column")?;
    let mut report = CredentialReport::default();
    for record in reader.records() {
        let record = record.map_err(|e| format!("credential report is not valid CSV: {e}"))?;
        let field = |name: &str| -> Option<&str> {
            column(name)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let time = |name: &str| field(name).and_then(normalize_time);
        let flag = |name: &str| field(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let user = record.get(user_col).unwrap_or_default().trim().to_owned();
        let arn = record.get(arn_col).unwrap_or_default().trim().to_owned();
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
        let password_enabled = flag("password_enabled");
        let row = Row {
            created: time("user_creation_time"),
            password: Password {
                // The root user always has a password; the report says `not_supported`.
                enabled: password_enabled || user == ROOT,
                last_used: time("password_last_used"),
                last_changed: time("password_last_changed"),
            },
            mfa_active: flag("mfa_active"),
            access_keys,
            user: user.clone(),
            arn,
        };
        if user == ROOT {
            report.root = Some(row);
        } else if !user.is_empty() {
            report.users.insert(user, row);
        }
    }
    Ok(report)
}

/// An ISO 8601 time from the report as RFC 3339 UTC, or `None` for the
/// report's words for "none" and for anything unreadable.
fn normalize_time(text: &str) -> Option<String> {
    text.parse::<Timestamp>().ok().map(|t| t.to_string())
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
}
