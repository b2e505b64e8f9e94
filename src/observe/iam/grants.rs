//! What IAM policies grant, computed locally from their documents.
//!
//! Only `Allow` statements grant; `Deny` statements, conditions, resource
//! scoping and permission boundaries can only take permissions away, so
//! ignoring them over-reports and never hides a grant (conservative). An
//! `Allow` with `NotAction` grants everything except the listed actions and
//! is treated as granting `*`.
//!
//! Action names are matched as IAM does: `*` matches any run of characters,
//! `?` any one character, and the whole name is case-insensitive.

use serde_json::Value;

use super::snapshot::{InlinePolicy, Snapshot};

/// One `Allow` statement of one policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowStatement {
    /// Where it comes from, e.g. `managed policy `AdministratorAccess``.
    pub policy: String,
    /// The statement's `Sid`, or `#N` (its 1-based index) when it has none.
    pub statement: String,
    /// The `Action` patterns; `["*"]` for a `NotAction` statement.
    pub actions: Vec<String>,
    /// Whether the statement used `NotAction`.
    pub not_action: bool,
    /// The `Resource` patterns (empty for `NotResource`).
    pub resources: Vec<String>,
}

impl AllowStatement {
    /// `Allow` of `*` on `*`: full administrator access (CIS 1.16).
    pub fn full_admin(&self) -> bool {
        !self.not_action
            && self.actions.iter().any(|a| a == "*" || a == "*:*")
            && self.resources.iter().any(|r| r == "*")
    }

    /// `name` (policy and statement) for messages.
    pub fn describe(&self) -> String {
        format!("statement {} of {}", self.statement, self.policy)
    }
}

/// A policy element that is one string or a list of them, as a list.
pub(crate) fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The `Allow` statements of a policy document.
pub fn allow_statements(document: &Value, policy: &str) -> Vec<AllowStatement> {
    let statements = match document.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    };
    statements
        .into_iter()
        .enumerate()
        .filter(|(_, s)| s.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .map(|(index, s)| {
            let not_action = s.get("NotAction").is_some();
            AllowStatement {
                policy: policy.to_owned(),
                statement: s
                    .get("Sid")
                    .and_then(Value::as_str)
                    .filter(|sid| !sid.is_empty())
                    .map(|sid| format!("`{sid}`"))
                    .unwrap_or_else(|| format!("#{}", index + 1)),
                actions: if not_action {
                    vec!["*".to_owned()]
                } else {
                    strings(s.get("Action"))
                },
                not_action,
                resources: strings(s.get("Resource")),
            }
        })
        .collect()
}

/// Whether the IAM pattern `pattern` matches the action name `action`.
pub fn matches(pattern: &str, action: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let a: Vec<char> = action.to_ascii_lowercase().chars().collect();
    glob(&p, &a, false)
}

/// Whether the IAM resource pattern `pattern` matches the ARN `arn`
/// (`*` and `?` wildcards; unlike actions, resources are case-sensitive).
pub fn matches_resource(pattern: &str, arn: &str) -> bool {
    // Called for every statement and candidate secret: ASCII, the common
    // case, is matched in place; `?` must match a whole character otherwise.
    if pattern.is_ascii() && arn.is_ascii() {
        return glob(pattern.as_bytes(), arn.as_bytes(), false);
    }
    let p: Vec<char> = pattern.chars().collect();
    let a: Vec<char> = arn.chars().collect();
    glob(&p, &a, false)
}

/// Whether every action `granted` (itself a pattern) can match is matched
/// by `allowed`: `s3:*` covers `s3:Get*`, `s3:Get*` does not cover `s3:*`.
pub fn covers(allowed: &str, granted: &str) -> bool {
    let p: Vec<char> = allowed.to_ascii_lowercase().chars().collect();
    let g: Vec<char> = granted.to_ascii_lowercase().chars().collect();
    glob(&p, &g, true)
}

/// Glob matching with `*` and `?` in `pattern`. With `text_is_pattern`, the
/// wildcards of `text` stand for any characters: a `?` of the pattern covers
/// a `?` of the text but not its `*`, and a literal covers only itself.
fn glob<T: Copy + Eq + From<u8>>(pattern: &[T], text: &[T], text_is_pattern: bool) -> bool {
    let (any, one) = (T::from(b'*'), T::from(b'?'));
    // Classic backtracking over the last `*` of the pattern.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let step = p < pattern.len()
            && match pattern[p] {
                c if c == one => !(text_is_pattern && text[t] == any),
                c if c == any => false,
                c => c == text[t] && !(text_is_pattern && (c == any || c == one)),
            };
        if p < pattern.len() && pattern[p] == any {
            star = Some((p, t));
            p += 1;
        } else if step {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == any)
}

/// A granted action that the allow list does not cover.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Excess {
    pub action: String,
    pub statement: String,
    pub policy: String,
}

/// The actions of `statements` that no entry of `allow` covers, sorted.
pub fn beyond_allow(statements: &[AllowStatement], allow: &[String]) -> Vec<Excess> {
    let mut excess: Vec<Excess> = statements
        .iter()
        .flat_map(|s| {
            s.actions
                .iter()
                .filter(|action| !allow.iter().any(|a| covers(a, action)))
                .map(|action| Excess {
                    action: if s.not_action {
                        "* (NotAction)".to_owned()
                    } else {
                        action.clone()
                    },
                    statement: s.statement.clone(),
                    policy: s.policy.clone(),
                })
        })
        .collect();
    excess.sort();
    excess.dedup();
    excess
}

/// The `Allow` statements that apply to user `name`: its inline and
/// attached policies and those of its groups.
pub fn user_statements(snapshot: &Snapshot, name: &str) -> Vec<AllowStatement> {
    let Some(user) = snapshot.users.iter().find(|u| u.name == name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    inline(&mut out, &user.inline_policies, &format!("user `{name}`"));
    managed(&mut out, snapshot, &user.attached_policies);
    for group_name in &user.groups {
        if let Some(group) = snapshot.groups.iter().find(|g| &g.name == group_name) {
            inline(
                &mut out,
                &group.inline_policies,
                &format!("group `{group_name}`"),
            );
            managed(&mut out, snapshot, &group.attached_policies);
        }
    }
    out
}

/// The `Allow` statements of role `name`'s inline and attached policies.
pub fn role_statements(snapshot: &Snapshot, name: &str) -> Vec<AllowStatement> {
    let Some(role) = snapshot.roles.iter().find(|r| r.name == name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    inline(&mut out, &role.inline_policies, &format!("role `{name}`"));
    managed(&mut out, snapshot, &role.attached_policies);
    out
}

fn inline(out: &mut Vec<AllowStatement>, policies: &[InlinePolicy], owner: &str) {
    for policy in policies {
        out.extend(allow_statements(
            &policy.document,
            &format!("inline policy `{}` of {owner}", policy.name),
        ));
    }
}

fn managed(out: &mut Vec<AllowStatement>, snapshot: &Snapshot, arns: &[String]) {
    for arn in arns {
        match snapshot.policies.iter().find(|p| &p.arn == arn) {
            Some(policy) => out.extend(allow_statements(
                &policy.document,
                &format!("managed policy `{}`", policy.name),
            )),
            // Attached but its document is unknown: assume the worst.
            None => out.push(AllowStatement {
                policy: format!("managed policy `{arn}` (document not collected)"),
                statement: "#1".to_owned(),
                actions: vec!["*".to_owned()],
                not_action: false,
                resources: Vec::new(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_iam_wildcards_case_insensitively() {
        assert!(matches("s3:Get*", "s3:GetObject"));
        assert!(matches("S3:get*", "s3:GetObject"));
        assert!(matches("*", "iam:CreateUser"));
        assert!(matches("s3:?etObject", "s3:GetObject"));
        assert!(!matches("s3:Get*", "s3:PutObject"));
        assert!(!matches("s3:GetObject", "s3:GetObjectAcl"));
        assert!(matches(
            "bedrock:InvokeModel*",
            "bedrock:InvokeModelWithResponseStream"
        ));
    }

    #[test]
    fn covering_is_conservative_for_wildcards() {
        assert!(covers("s3:*", "s3:Get*"));
        assert!(covers("*", "*"));
        assert!(covers("s3:Get*", "s3:GetObject"));
        assert!(!covers("s3:GetObject", "s3:Get*"));
        assert!(!covers("s3:Get*", "s3:*"));
        assert!(!covers("s3:?etObject", "s3:*etObject"));
        assert!(covers("s3:?etObject", "s3:?etObject"));
        assert!(!covers("s3:GetObject", "*"));
    }

    #[test]
    fn reads_statements_sids_and_not_action() {
        let doc = json!({"Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "*", "Resource": "*"}
        ]});
        let statements = allow_statements(&doc, "managed policy `P`");
        assert_eq!(statements.len(), 3);
        assert_eq!(statements[0].statement, "`Read`");
        assert_eq!(statements[1].statement, "#3");
        assert!(statements[1].not_action);
        assert!(!statements[1].full_admin());
        assert!(statements[2].full_admin());
        let excess = beyond_allow(&statements, &["s3:*".to_owned()]);
        assert_eq!(
            excess.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["*", "* (NotAction)"]
        );
        assert!(beyond_allow(
            &statements[..1],
            &["s3:Get*".to_owned(), "s3:List*".to_owned()]
        )
        .is_empty());
    }
}
