//! What every IAM answer must be before anything is built from it: names,
//! ARNs, times and policy documents, each checked the same way whether it
//! comes from AWS (`--iam`) or from a snapshot file (`--iam-snapshot`), and
//! the size and depth bounds of the IAM inputs.
//!
//! A value that fails here is never guessed at: a live answer's section
//! becomes `not_collected` (the run exits 2 naming the call), a snapshot
//! file is refused with its location. Strict is not brittle: AWS's own
//! placeholders (`N/A`, `no_information`, `not_supported`) are accepted
//! wherever the credential report may write them.
//!
//! The bounds, one constant each (`docs/src/limits.md`):
//! - [`MAX_SNAPSHOT_DEPTH`] (64 levels of JSON nesting) for a snapshot file,
//!   whose size cap is [`crate::read::SNAPSHOT_CAP`] (64 MiB), with every
//!   other file's;
//! - [`MAX_CREDENTIAL_REPORT_BYTES`] (8 MiB: 5,000 users, IAM's quota, take
//!   about 2.3 MB);
//! - [`MAX_POLICY_DOCUMENT_BYTES`] (1 MiB as received, URL-encoded or not)
//!   and [`MAX_POLICY_DEPTH`] (32 levels) for a policy document. A document
//!   sits 6 levels deep in a snapshot, so every document accepted live fits
//!   in a snapshot this build reads back.
//!
//! Depth is checked by a scan before serde_json parses (serde_json's own
//! recursion limit, 128, stays on as a backstop), so the error says where
//! and which limit.

use jiff::Timestamp;
use serde_json::Value;

/// Deepest JSON nesting of a snapshot file.
pub const MAX_SNAPSHOT_DEPTH: usize = 64;
/// Largest credential report (the CSV, once decoded from base64).
pub const MAX_CREDENTIAL_REPORT_BYTES: usize = 8 << 20;
/// Largest policy document, as received (URL-encoded or plain JSON).
pub const MAX_POLICY_DOCUMENT_BYTES: usize = 1 << 20;
/// Deepest JSON nesting of a policy document.
pub const MAX_POLICY_DEPTH: usize = 32;

/// What the credential report writes for "none" (AWS's documented words).
pub const PLACEHOLDERS: [&str; 3] = ["N/A", "no_information", "not_supported"];

/// What an IAM ARN names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
    Role,
    Policy,
    Root,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Role => "role",
            Kind::Policy => "policy",
            Kind::Root => "root",
        }
    }
}

/// The parts of an IAM ARN: `arn:aws:iam::123456789012:user/path/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub account: &'a str,
    pub kind: Kind,
    /// The last part of the resource (empty for the root user).
    pub name: &'a str,
}

/// Text from an answer, fit to quote in a message: at most 64 characters,
/// control characters escaped.
pub fn quote(text: &str) -> String {
    let mut out: String = text.chars().take(64).flat_map(char::escape_debug).collect();
    if text.chars().count() > 64 {
        out.push('…');
    }
    format!("`{out}`")
}

/// Checks an IAM name (user, group, role, policy): 1 to 128 of the
/// characters IAM allows, `A-Z a-z 0-9 _ + = , . @ -`.
pub fn name(what: &str, text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err(format!("a {what} has an empty name"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if text.len() > 128 || !text.chars().all(allowed) {
        return Err(format!(
            "{what} name {} is not an IAM name (1 to 128 of `A-Z a-z 0-9 _ + = , . @ -`)",
            quote(text)
        ));
    }
    Ok(())
}

/// Parses an IAM ARN.
pub fn arn(text: &str) -> Result<Arn<'_>, String> {
    let bad = |why: &str| format!("{} is not an IAM ARN: {why}", quote(text));
    let mut parts = text.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(bad("expected `arn:PARTITION:iam::ACCOUNT:RESOURCE`"));
    };
    let partition_ok = partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        });
    if !partition_ok {
        return Err(bad("the partition is not `aws` or `aws-…`"));
    }
    if service != "iam" || !region.is_empty() {
        return Err(bad("not an IAM resource"));
    }
    let digits = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if resource == "root" {
        if !digits {
            return Err(bad("the account is not 12 digits"));
        }
        return Ok(Arn {
            account,
            kind: Kind::Root,
            name: "",
        });
    }
    let (kind, rest) = match resource.split_once('/') {
        Some(("user", rest)) => (Kind::User, rest),
        Some(("group", rest)) => (Kind::Group, rest),
        Some(("role", rest)) => (Kind::Role, rest),
        Some(("policy", rest)) => (Kind::Policy, rest),
        _ => {
            return Err(bad(
                "the resource is not a user, group, role, policy or root",
            ))
        }
    };
    // AWS-managed policies belong to the account `aws`.
    if !(digits || (kind == Kind::Policy && account == "aws")) {
        return Err(bad("the account is not 12 digits"));
    }
    if !rest.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("the path holds a space or a control character"));
    }
    let name = rest.rsplit('/').next().unwrap_or_default();
    self::name(kind.as_str(), name).map_err(|e| bad(&e))?;
    Ok(Arn {
        account,
        kind,
        name,
    })
}

/// Checks that `text` is the ARN of the `kind` named `name`.
pub fn arn_of(kind: Kind, name: &str, text: &str) -> Result<(), String> {
    let parsed = arn(text)?;
    if parsed.kind != kind || parsed.name != name {
        let what = match kind {
            Kind::Root => "the root user".to_owned(),
            _ => format!("{} `{name}`", kind.as_str()),
        };
        return Err(format!("the ARN {} is not that of {what}", quote(text)));
    }
    Ok(())
}

/// Parses a time as AWS writes it (ISO 8601 with an offset, e.g.
/// `2026-01-31T12:00:00+00:00` or `...Z`).
pub fn time(text: &str) -> Result<Timestamp, String> {
    text.parse::<Timestamp>().map_err(|_| {
        format!(
            "{} is not an ISO 8601 time with an offset (such as `2026-01-31T12:00:00+00:00`)",
            quote(text)
        )
    })
}

/// The byte offset at which `text`, read as JSON, nests deeper than
/// `limit` arrays and objects (strings skipped), if it does.
pub fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, byte) in text.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(offset);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Decodes a policy document as IAM returns it: URL-encoded JSON from AWS,
/// plain JSON from emulators, within [`MAX_POLICY_DOCUMENT_BYTES`] and
/// [`MAX_POLICY_DEPTH`].
pub fn policy_document(text: &str) -> Result<Value, String> {
    if text.len() > MAX_POLICY_DOCUMENT_BYTES {
        return Err(format!(
            "the policy document is {} bytes, over the limit of {MAX_POLICY_DOCUMENT_BYTES}",
            text.len()
        ));
    }
    let trimmed = text.trim();
    let plain = trimmed.starts_with('{');
    let decoded;
    let json = if plain {
        trimmed
    } else {
        decoded = percent_encoding::percent_decode_str(trimmed)
            .decode_utf8()
            .map_err(|e| format!("the policy document is not UTF-8 after URL decoding: {e}"))?
            // `+` is a space in form encoding; AWS encodes a literal `+` as `%2B`.
            .replace('+', " ");
        &decoded
    };
    if let Some(offset) = too_deep(json, MAX_POLICY_DEPTH) {
        return Err(format!(
            "the policy document nests deeper than {MAX_POLICY_DEPTH} levels (at byte {offset})"
        ));
    }
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("the policy document is not JSON: {e}"))?;
    if !value.is_object() {
        return Err("the policy document is not a JSON object".to_owned());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_their_kind_account_and_name() {
        let user = arn("arn:aws:iam::123456789012:user/ci/builder").unwrap();
        assert_eq!(
            (user.account, user.kind, user.name),
            ("123456789012", Kind::User, "builder")
        );
        assert_eq!(
            arn("arn:aws:iam::123456789012:root").unwrap().kind,
            Kind::Root
        );
        let managed = arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
        assert_eq!(managed.unwrap().name, "AWSLambdaBasicExecutionRole");
        assert!(arn("arn:aws-us-gov:iam::123456789012:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport").is_ok());
        for bad in [
            "",
            "deployer",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::12345:user/a",
            "arn:aws:iam::aws:user/a",
            "arn:aws:iam::123456789012:user/",
            "arn:aws:iam::123456789012:user/a b",
            "arn:aws:iam:us-east-1:123456789012:user/a",
            "arn:evil:iam::123456789012:user/a",
            "arn:aws:iam::123456789012:instance-profile/a",
        ] {
            assert!(arn(bad).is_err(), "{bad:?} parsed");
        }
        assert!(arn_of(Kind::User, "a", "arn:aws:iam::123456789012:user/x/a").is_ok());
        assert!(arn_of(Kind::User, "b", "arn:aws:iam::123456789012:user/x/a").is_err());
        assert!(arn_of(Kind::Role, "a", "arn:aws:iam::123456789012:user/a").is_err());
    }

    #[test]
    fn names_are_iam_names() {
        assert!(name("user", "first.last+ci=1,x@example-org_2").is_ok());
        for bad in ["", "a b", "a/b", "ünï", "a\nb", &"x".repeat(129)] {
            assert!(name("user", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn times_are_iso_8601_with_an_offset() {
        assert!(time("2019-04-02T11:20:31+00:00").is_ok());
        assert!(time("2019-04-02T11:20:31Z").is_ok());
        for bad in [
            "31/12/2019 10:00",
            "last tuesday",
            "2019-12-31",
            "2019-12-31T10:00:00",
            "N/A",
        ] {
            assert!(time(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn quotes_are_short_and_escaped() {
        assert_eq!(quote("a\u{1b}[31mb"), "`a\\u{1b}[31mb`");
        assert_eq!(quote(&"x".repeat(100)).chars().count(), 64 + 3);
    }

    #[test]
    fn depth_is_found_before_parsing_and_strings_do_not_count() {
        assert_eq!(too_deep("[[[]]]", 3), None);
        assert_eq!(too_deep("[[[[]]]]", 3), Some(3));
        assert_eq!(too_deep(r#"{"a": "[[[[[[\"[[["}"#, 1), None);
    }

    #[test]
    fn serde_json_keeps_its_recursion_limit() {
        // The backstop under `too_deep`: the crate's `unbounded_depth`
        // feature is off, so deep input is an error, never a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = serde_json::from_str::<Value>(&deep).unwrap_err();
        assert!(err.to_string().contains("recursion limit"), "{err}");
    }

    #[test]
    fn decodes_url_encoded_and_plain_documents_within_bounds() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        assert_eq!(
            policy_document(plain).unwrap(),
            policy_document(encoded).unwrap()
        );
        assert!(policy_document("%7Bnot json").is_err());
        assert!(policy_document("[]").is_err());
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(40), "]".repeat(40));
        assert!(policy_document(&deep)
            .unwrap_err()
            .contains("deeper than 32"));
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_POLICY_DOCUMENT_BYTES));
        assert!(policy_document(&big)
            .unwrap_err()
            .contains("over the limit"));
    }
}
