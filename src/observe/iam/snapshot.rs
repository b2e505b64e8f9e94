//! The IAM snapshot: one AWS account's identities, policies and credential
//! state at one moment, as a versioned JSON document.
//!
//! `secretary iam snapshot` writes it; `secretary check --iam-snapshot FILE`
//! reads it back, and `check --iam` builds the same value in memory, so both
//! give the same findings for the same account state. The format is
//! documented in the book (`docs/src/live-iam.md`); `version` changes when a field
//! changes meaning.
//!
//! A snapshot never holds a secret: the credential report and the
//! authorization details carry no passwords or secret access keys. Access
//! keys are named by user and slot (`alice#1`), as the credential report
//! does; key ids would need a call per user.
//!
//! What could not be collected is listed in `not_collected` with the API
//! call, the permission it needs and the error; sections that depend on it
//! are then absent (`null`), never empty, so no rule mistakes missing data
//! for a clean account.

use crate::diag::Code;
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::validate::{self, Kind, MAX_SNAPSHOT_DEPTH};
use crate::diag::InputError;
use crate::source::{FileKind, Location, SourceTexts};

/// The snapshot format version `iam snapshot` writes (IAM only). Version 2
/// (`aws snapshot`) adds the secret stores: see `observe::stores::file`.
pub const SNAPSHOT_VERSION: u32 = 1;

/// An account's IAM state. `X` is what a later format version adds at the
/// top level (version 2: the secret stores, a type of `observe::stores`,
/// which imports this module and so cannot be named here); an IAM-only
/// snapshot has [`NoExtension`], so a `stores` key in it is refused as
/// unknown, as any other would be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot<X = NoExtension> {
    /// Format version: `1` (IAM) or `2` (IAM and the secret stores).
    pub version: u32,
    /// When the collection started, RFC 3339 in UTC.
    pub collected_at: String,
    /// The 12-digit account id, read from the ARNs collected.
    pub account_id: Option<String>,
    /// IAM users, by name. From the credential report and the authorization details.
    #[serde(default)]
    pub users: Vec<User>,
    /// IAM groups, by name (authorization details).
    #[serde(default)]
    pub groups: Vec<Group>,
    /// IAM roles, by name (authorization details).
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Managed policies attached to at least one user, group or role, with
    /// their default version's document.
    #[serde(default)]
    pub policies: Vec<ManagedPolicy>,
    /// The root user's credentials; `null` when not collected.
    pub root: Option<Root>,
    /// The account password policy: `null` when the account has none (or
    /// when it was not collected: see `not_collected`).
    pub password_policy: Option<PasswordPolicy>,
    /// What could not be collected, and why.
    #[serde(default)]
    pub not_collected: Vec<Gap>,
    /// Version 2 only: the secret stores (absent from version 1, whose
    /// bytes it leaves unchanged).
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub stores: Option<X>,
}

/// The extension of an IAM-only snapshot: none. It has no value, so a
/// version 1 file with a `stores` key is not the snapshot format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoExtension {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub name: String,
    pub arn: String,
    /// When the user was created (RFC 3339).
    #[serde(default)]
    pub created: Option<String>,
    /// Group names (authorization details).
    #[serde(default)]
    pub groups: Vec<String>,
    /// ARNs of managed policies attached to the user directly.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Policies embedded in the user.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// Console password (credential report); `null` when not collected.
    #[serde(default)]
    pub password: Option<Password>,
    /// Whether an MFA device is active (credential report).
    #[serde(default)]
    pub mfa_active: Option<bool>,
    /// The user's access keys (credential report); `null` when not collected.
    #[serde(default)]
    pub access_keys: Option<Vec<AccessKey>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Password {
    pub enabled: bool,
    #[serde(default)]
    pub last_used: Option<String>,
    #[serde(default)]
    pub last_changed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    /// `1` or `2`: the credential report's key slot.
    pub slot: u8,
    /// `Active` or `Inactive`.
    pub status: String,
    /// When the key was created or last rotated (RFC 3339).
    #[serde(default)]
    pub created: Option<String>,
    /// When the key was last used (RFC 3339), `null` if never.
    #[serde(default)]
    pub last_used: Option<String>,
}

impl AccessKey {
    pub fn active(&self) -> bool {
        self.status == "Active"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    pub arn: String,
    #[serde(default)]
    pub attached_policies: Vec<String>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub name: String,
    pub arn: String,
    #[serde(default)]
    pub attached_policies: Vec<String>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// Who may assume the role (decoded JSON).
    #[serde(default)]
    pub trust_policy: Option<Value>,
    /// When the role was last used, if AWS reported it.
    #[serde(default)]
    pub last_used: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlinePolicy {
    pub name: String,
    /// The policy document (decoded JSON).
    pub document: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedPolicy {
    pub name: String,
    pub arn: String,
    /// Whether AWS manages it (`arn:aws:iam::aws:policy/...`).
    pub aws_managed: bool,
    pub attachment_count: i64,
    /// The default version's document (decoded JSON).
    pub document: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Root {
    /// Whether the root user has an MFA device.
    pub mfa_active: Option<bool>,
    /// Root access keys from the credential report's `<root_account>` row.
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
    /// Whether the account summary counts root access keys
    /// (`AccountAccessKeysPresent`); `null` when not collected.
    #[serde(default)]
    pub access_keys_present: Option<bool>,
}

impl Root {
    /// Whether any root access key exists, from either source.
    pub fn has_access_key(&self) -> bool {
        self.access_keys_present == Some(true) || self.access_keys.iter().any(AccessKey::active)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    #[serde(default)]
    pub minimum_password_length: Option<i64>,
    #[serde(default)]
    pub password_reuse_prevention: Option<i64>,
    #[serde(default)]
    pub max_password_age: Option<i64>,
    #[serde(default)]
    pub require_symbols: bool,
    #[serde(default)]
    pub require_numbers: bool,
    #[serde(default)]
    pub require_uppercase_characters: bool,
    #[serde(default)]
    pub require_lowercase_characters: bool,
}

/// A part of the snapshot that could not be collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    /// Which part of the snapshot is missing.
    pub section: Section,
    /// The IAM API call that failed, e.g. `GetCredentialReport`.
    pub call: String,
    /// The IAM permission that call needs, e.g. `iam:GetCredentialReport`.
    pub permission: String,
    /// What went wrong (the AWS error code and message, or the timeout).
    pub problem: String,
}

impl Gap {
    /// `section` not collected: `call` (which needs `iam:{call}`) failed
    /// with `problem`.
    pub fn new(section: Section, call: &str, problem: String) -> Gap {
        Gap {
            section,
            call: call.to_owned(),
            permission: format!("iam:{call}"),
            problem,
        }
    }
}

/// The parts of a snapshot, each from one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Passwords, MFA, access keys, root keys: the credential report.
    CredentialReport,
    /// Users, groups, roles, policies: GetAccountAuthorizationDetails.
    AuthorizationDetails,
    /// Root MFA and key counts: GetAccountSummary.
    AccountSummary,
    /// GetAccountPasswordPolicy.
    PasswordPolicy,
}

impl Section {
    pub fn as_str(self) -> &'static str {
        match self {
            Section::CredentialReport => "credential_report",
            Section::AuthorizationDetails => "authorization_details",
            Section::AccountSummary => "account_summary",
            Section::PasswordPolicy => "password_policy",
        }
    }

    /// What cannot be verified without this section, for messages.
    pub fn affects(self) -> &'static str {
        match self {
            Section::CredentialReport => {
                "access key age and use, unused passwords, console MFA, root access keys"
            }
            Section::AuthorizationDetails => {
                "drift, least privilege, administrator policies, policies attached to users"
            }
            Section::AccountSummary => "root MFA and root access keys",
            Section::PasswordPolicy => "password length and reuse prevention",
        }
    }
}

impl Snapshot {
    /// An empty snapshot collected at `collected_at`.
    pub fn new(collected_at: Timestamp) -> Self {
        Snapshot {
            version: SNAPSHOT_VERSION,
            // Whole seconds: enough for evidence, and stable to read.
            collected_at: Timestamp::new(collected_at.as_second(), 0)
                .unwrap_or(collected_at)
                .to_string(),
            account_id: None,
            users: Vec::new(),
            groups: Vec::new(),
            roles: Vec::new(),
            policies: Vec::new(),
            root: None,
            password_policy: None,
            not_collected: Vec::new(),
            stores: None,
        }
    }

    /// This snapshot with `extension` (which needs `version`).
    pub fn extend<X>(self, version: u32, extension: Option<X>) -> Snapshot<X> {
        self.replace_stores(version, extension).0
    }
}

impl<X> Snapshot<X> {
    /// The IAM part alone (version 1), and the extension.
    pub fn split(self) -> (Snapshot, Option<X>) {
        self.replace_stores(SNAPSHOT_VERSION, None)
    }

    /// The same IAM state as `version` with `stores`, and the extension it had.
    fn replace_stores<Y>(self, version: u32, stores: Option<Y>) -> (Snapshot<Y>, Option<X>) {
        let Snapshot {
            version: _,
            collected_at,
            account_id,
            users,
            groups,
            roles,
            policies,
            root,
            password_policy,
            not_collected,
            stores: old,
        } = self;
        let snapshot = Snapshot {
            version,
            collected_at,
            account_id,
            users,
            groups,
            roles,
            policies,
            root,
            password_policy,
            not_collected,
            stores,
        };
        (snapshot, old)
    }

    /// Whether `section` was collected.
    pub fn has(&self, section: Section) -> bool {
        !self.not_collected.iter().any(|gap| gap.section == section)
    }

    /// Sorts every list so that the same account state gives the same bytes.
    pub fn normalize(&mut self) {
        self.users.sort_by(|a, b| a.name.cmp(&b.name));
        self.groups.sort_by(|a, b| a.name.cmp(&b.name));
        self.roles.sort_by(|a, b| a.name.cmp(&b.name));
        self.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
        for user in &mut self.users {
            user.groups.sort();
            user.attached_policies.sort();
            user.inline_policies.sort_by(|a, b| a.name.cmp(&b.name));
            if let Some(keys) = &mut user.access_keys {
                keys.sort_by_key(|k| k.slot);
            }
        }
        for group in &mut self.groups {
            group.attached_policies.sort();
            group.inline_policies.sort_by(|a, b| a.name.cmp(&b.name));
        }
        for role in &mut self.roles {
            role.attached_policies.sort();
            role.inline_policies.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.not_collected.sort_by(|a, b| {
            (a.section, &a.call, &a.problem).cmp(&(b.section, &b.call, &b.problem))
        });
        if self.account_id.is_none() {
            self.account_id = self
                .users
                .iter()
                .map(|u| u.arn.as_str())
                .chain(self.roles.iter().map(|r| r.arn.as_str()))
                .chain(self.groups.iter().map(|g| g.arn.as_str()))
                .find_map(account_of_arn);
        }
    }

    /// The snapshot as pretty JSON with a final newline.
    pub fn to_json(&self) -> String
    where
        X: Serialize,
    {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The time of collection.
    pub fn collected_at(&self) -> Option<Timestamp> {
        self.collected_at.parse().ok()
    }
}

/// The account id in an IAM ARN: `arn:aws:iam::123456789012:user/x`.
pub fn account_of_arn(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_owned())
}

/// What a kind of snapshot file is called in messages, who writes it and
/// which format versions it may have.
#[derive(Debug, Clone)]
pub struct Format {
    /// `IAM snapshot`.
    pub noun: &'static str,
    /// The flag that reads it: `--iam-snapshot`.
    pub flag: &'static str,
    /// The command that writes it: `secretary iam snapshot`.
    pub writer: &'static str,
    /// The versions it may have.
    pub versions: std::ops::RangeInclusive<u32>,
}

/// An IAM-only snapshot (version 1), as `iam snapshot` writes it.
pub const IAM: Format = Format {
    noun: "IAM snapshot",
    flag: "--iam-snapshot",
    writer: "secretary iam snapshot",
    versions: SNAPSHOT_VERSION..=SNAPSHOT_VERSION,
};

impl Format {
    /// A problem of the file's content at `at`, with the fix.
    pub fn invalid(&self, at: Location, message: String) -> InputError {
        InputError::new(Code::InvalidIamSnapshot, message)
            .at(at)
            .help(format!(
            "write snapshots with `{} -o FILE`; the format is described in docs/src/live-iam.md",
            self.writer
        ))
    }
}

/// Reads and checks a snapshot file: a regular file of at most
/// [`crate::read::SNAPSHOT_CAP`], read through the one door for files
/// ([`crate::read`]). Every problem is located in the file; its text is
/// never quoted, since a wrong file given here may hold secrets.
pub fn load(path: &Path, texts: &mut SourceTexts) -> Result<Snapshot, InputError> {
    load_as(path, texts, &IAM).map(|(snapshot, ..)| snapshot)
}

/// [`load`] for a snapshot of `format`, whose later versions add `X`; with
/// the file's name and text, to locate problems of `X`.
pub fn load_as<X: serde::de::DeserializeOwned>(
    path: &Path,
    texts: &mut SourceTexts,
    format: &Format,
) -> Result<(Snapshot<X>, Arc<str>, String), InputError> {
    let display: Arc<str> = Arc::from(crate::source::portable_path(path));
    let text =
        crate::read::read_text(path, crate::read::Kind::Snapshot).map_err(|err| match err {
            crate::read::ReadError::NotUtf8 { line, column } => InputError::new(
                Code::InvalidIamSnapshot,
                format!("{} is not UTF-8 text", format.noun),
            )
            .at(Location::new(&display, line, column))
            .help(format!(
                "give `{}` a file written by `{} -o FILE`",
                format.flag, format.writer
            )),
            err => InputError::new(
                Code::CannotReadIamSnapshot,
                format!("cannot read {} `{display}`: {err}", format.noun),
            )
            .help(format!(
                "write one with `{} -o FILE`, or check the path",
                format.writer
            )),
        })?;
    // Recorded as an input (no output may replace it), never quoted.
    texts.insert(&display, text.as_str(), FileKind::IamSnapshot);
    let snapshot = parse_as(&display, &text, format)?;
    Ok((snapshot, display, text))
}

/// Parses a snapshot's text; `file` names it in errors.
pub fn parse(file: &Arc<str>, text: &str) -> Result<Snapshot, InputError> {
    parse_as(file, text, &IAM)
}

/// [`parse`] for a snapshot of `format`, whose later versions add `X`
/// (checked by the caller: this checks the IAM part).
pub fn parse_as<X: serde::de::DeserializeOwned>(
    file: &Arc<str>,
    text: &str,
    format: &Format,
) -> Result<Snapshot<X>, InputError> {
    let noun = format.noun;
    if let Some(offset) = validate::too_deep(text, MAX_SNAPSHOT_DEPTH) {
        return Err(format.invalid(
            Location::from_offset(file, text, offset),
            format!("{noun} nests deeper than {MAX_SNAPSHOT_DEPTH} levels of arrays and objects"),
        ));
    }
    let snapshot: Snapshot<X> = serde_json::from_str(text).map_err(|err| {
        // serde_json's message may quote the input (`invalid type: string
        // "..."`), and a file given here by mistake may hold secrets: say
        // what kind of problem it is and where, never the text.
        let problem = match err.classify() {
            serde_json::error::Category::Eof => format!("{noun} ends before its JSON does"),
            serde_json::error::Category::Data => format!(
                "{noun} is JSON but not the snapshot format (a key or a value's type is wrong)"
            ),
            _ => format!("{noun} is not valid JSON"),
        };
        format.invalid(Location::new(file, err.line(), err.column()), problem)
    })?;
    if !format.versions.contains(&snapshot.version) {
        let (low, high) = (format.versions.start(), format.versions.end());
        let reads = if low == high {
            format!("version {low}")
        } else {
            format!("versions {low} to {high}")
        };
        return Err(InputError::new(
            Code::UnsupportedIamSnapshotVersion,
            format!("{noun} version `{}` is not supported", snapshot.version),
        )
        .at(at_key(file, text, "version"))
        .help(format!(
            "this secretary reads {reads}; collect the snapshot again with `{}`",
            format.writer
        )));
    }
    snapshot.check().map_err(|(key, value, problem)| {
        format.invalid(
            at_value(file, text, key, &value),
            format!("`{key}`: {problem}"),
        )
    })?;
    Ok(snapshot)
}

/// Where `key` first appears in `text` (else the file's start).
pub fn at_key(file: &Arc<str>, text: &str, key: &str) -> Location {
    text.find(&format!("\"{key}\""))
        .map(|offset| Location::from_offset(file, text, offset))
        .unwrap_or_else(|| Location::file_start(file))
}

/// Where the string `value` of `key` is in `text`: at the value when it is
/// a string of the file, else at the key.
pub fn at_value(file: &Arc<str>, text: &str, key: &str, value: &str) -> Location {
    serde_json::to_string(value)
        .ok()
        .and_then(|quoted| {
            text.find(&format!(": {quoted}"))
                .or_else(|| text.find(&quoted))
        })
        .map(|offset| Location::from_offset(file, text, offset))
        .unwrap_or_else(|| at_key(file, text, key))
}

impl<X> Snapshot<X> {
    /// Checks every name, ARN and time as a live answer is checked
    /// ([`validate`]); the first problem as `(key, value, problem)`.
    fn check(&self) -> Result<(), (&'static str, String, String)> {
        let fail = |key: &'static str, value: &str| {
            let value = value.to_owned();
            move |problem: String| (key, value, problem)
        };
        let time = |key: &'static str, value: &Option<String>| match value {
            Some(v) => validate::time(v).map(drop).map_err(fail(key, v)),
            None => Ok(()),
        };
        let policies = |attached: &[String], inline: &[InlinePolicy]| {
            for arn in attached {
                let parsed = validate::arn(arn).map_err(fail("attached_policies", arn))?;
                if parsed.kind != Kind::Policy {
                    return Err(fail("attached_policies", arn)(format!(
                        "{} is not the ARN of a policy",
                        validate::quote(arn)
                    )));
                }
            }
            for policy in inline {
                validate::name("policy", &policy.name).map_err(fail("name", &policy.name))?;
            }
            Ok(())
        };
        validate::time(&self.collected_at).map_err(fail("collected_at", &self.collected_at))?;
        if let Some(account) = &self.account_id {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail("account_id", account)(format!(
                    "{} is not a 12-digit account id",
                    validate::quote(account)
                )));
            }
        }
        for user in &self.users {
            validate::name("user", &user.name).map_err(fail("name", &user.name))?;
            validate::arn_of(Kind::User, &user.name, &user.arn).map_err(fail("arn", &user.arn))?;
            time("created", &user.created)?;
            for group in &user.groups {
                validate::name("group", group).map_err(fail("groups", group))?;
            }
            policies(&user.attached_policies, &user.inline_policies)?;
            if let Some(password) = &user.password {
                time("last_used", &password.last_used)?;
                time("last_changed", &password.last_changed)?;
            }
            for key in user.access_keys.iter().flatten() {
                time("created", &key.created)?;
                time("last_used", &key.last_used)?;
            }
        }
        for group in &self.groups {
            validate::name("group", &group.name).map_err(fail("name", &group.name))?;
            validate::arn_of(Kind::Group, &group.name, &group.arn)
                .map_err(fail("arn", &group.arn))?;
            policies(&group.attached_policies, &group.inline_policies)?;
        }
        for role in &self.roles {
            validate::name("role", &role.name).map_err(fail("name", &role.name))?;
            validate::arn_of(Kind::Role, &role.name, &role.arn).map_err(fail("arn", &role.arn))?;
            policies(&role.attached_policies, &role.inline_policies)?;
            time("last_used", &role.last_used)?;
        }
        for policy in &self.policies {
            validate::arn_of(Kind::Policy, &policy.name, &policy.arn)
                .map_err(fail("arn", &policy.arn))?;
        }
        for key in self.root.iter().flat_map(|r| &r.access_keys) {
            time("created", &key.created)?;
            time("last_used", &key.last_used)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_come_from_arns() {
        assert_eq!(
            account_of_arn("arn:aws:iam::123456789012:user/a").as_deref(),
            Some("123456789012")
        );
        assert_eq!(account_of_arn("arn:aws:iam::aws:policy/X"), None);
    }

    #[test]
    fn rejects_other_versions_and_bad_times() {
        let file: Arc<str> = Arc::from("snap.json");
        let err = parse(
            &file,
            "{\n  \"version\": 2,\n  \"collected_at\": \"2026-01-01T00:00:00Z\",\n  \"account_id\": null,\n  \"root\": null,\n  \"password_policy\": null\n}",
        )
        .unwrap_err();
        assert_eq!(err.code.as_str(), "unsupported-iam-snapshot-version");
        let err = parse(
            &file,
            "{\"version\": 1, \"collected_at\": \"yesterday\", \"account_id\": null, \"root\": null, \"password_policy\": null}",
        )
        .unwrap_err();
        assert_eq!(err.code.as_str(), "invalid-iam-snapshot");
    }
}
