//! GetAccountAuthorizationDetails: every user, group, role and managed
//! policy of the account in one paginated listing, checked item by item.
//!
//! Every listed item needs an IAM name and its own ARN, every attached
//! policy an ARN, every policy document must decode within the bounds of
//! [`validate`], and a policy something holds needs its document: a missing
//! one would grant nothing, so it is a fault, never an empty policy. The
//! listing ends when an answer says it is complete; a marker given twice,
//! or more pages claimed without one, is a fault rather than a loop, and
//! [`MAX_PAGES`] bounds the rest.

use std::collections::{BTreeSet, HashSet};

use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::types::{AttachedPolicy, EntityType, PolicyDetail};
use aws_sdk_iam::Client;
use jiff::Timestamp;

use super::snapshot::{Gap, Group, InlinePolicy, ManagedPolicy, Role, Section, User};
use super::validate::{self, Kind};
use super::wire::problem;

/// The identities and policies of the account.
pub struct Details {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    pub policies: Vec<ManagedPolicy>,
}

/// A required name of an item in the listing.
fn named(what: &str, name: Option<&str>) -> Result<String, String> {
    let name = name.unwrap_or_default();
    validate::name(what, name)?;
    Ok(name.to_owned())
}

/// The checked ARN of the `kind` named `name`.
fn arn_of(kind: Kind, name: &str, arn: Option<&str>) -> Result<String, String> {
    let arn = arn.unwrap_or_default();
    validate::arn_of(kind, name, arn).map_err(|e| format!("{e} (in the listing of `{name}`)"))?;
    Ok(arn.to_owned())
}

fn inline(list: &[PolicyDetail]) -> Result<Vec<InlinePolicy>, String> {
    list.iter()
        .map(|p| {
            let name = named("inline policy", p.policy_name())?;
            let text = p
                .policy_document()
                .ok_or_else(|| format!("inline policy `{name}` has no document"))?;
            let document = validate::policy_document(text)
                .map_err(|e| format!("inline policy `{name}`: {e}"))?;
            Ok(InlinePolicy { name, document })
        })
        .collect()
}

fn attached(list: &[AttachedPolicy]) -> Result<Vec<String>, String> {
    list.iter()
        .map(|p| {
            let arn = p.policy_arn().unwrap_or_default();
            match validate::arn(arn)?.kind {
                Kind::Policy => Ok(arn.to_owned()),
                _ => Err(format!(
                    "attached policy {} is not the ARN of a policy",
                    validate::quote(arn)
                )),
            }
        })
        .collect()
}

fn time(t: Option<&aws_sdk_iam::primitives::DateTime>) -> Option<String> {
    let t = t?;
    Timestamp::new(t.secs(), 0).ok().map(|t| t.to_string())
}

/// Pages of at most 1,000 items; stops after this many pages.
const MAX_PAGES: usize = 10_000;

/// Users, groups, roles and customer-managed policies in one filtered,
/// paginated listing; then, only if some are attached, the AWS-managed
/// policies (their documents are needed to know what they grant). AWS
/// lists only the attached ones; emulators may list all, so only those
/// something holds are kept.
pub async fn authorization_details(client: &Client) -> Result<Details, Gap> {
    let mut details = Details {
        users: Vec::new(),
        groups: Vec::new(),
        roles: Vec::new(),
        policies: Vec::new(),
    };
    let local = [
        EntityType::User,
        EntityType::Group,
        EntityType::Role,
        EntityType::LocalManagedPolicy,
    ];
    details_pages(client, &local, &mut details).await?;
    let referenced: BTreeSet<String> = details
        .users
        .iter()
        .flat_map(|u| u.attached_policies.iter())
        .chain(
            details
                .groups
                .iter()
                .flat_map(|g| g.attached_policies.iter()),
        )
        .chain(
            details
                .roles
                .iter()
                .flat_map(|r| r.attached_policies.iter()),
        )
        .cloned()
        .collect();
    let known: BTreeSet<String> = details.policies.iter().map(|p| p.arn.clone()).collect();
    if referenced.iter().any(|arn| !known.contains(arn)) {
        details_pages(client, &[EntityType::AwsManagedPolicy], &mut details).await?;
        details
            .policies
            .retain(|p| !p.aws_managed || referenced.contains(&p.arn));
    }
    // A policy held without its document would grant nothing: never guess.
    if let Some(policy) = details.policies.iter().find(|p| p.document.is_null()) {
        return Err(Gap::new(
            Section::AuthorizationDetails,
            "GetAccountAuthorizationDetails",
            format!(
                "managed policy `{}` is listed without its default version's document",
                policy.name
            ),
        ));
    }
    Ok(details)
}

async fn details_pages(
    client: &Client,
    filter: &[EntityType],
    details: &mut Details,
) -> Result<(), Gap> {
    const CALL: &str = "GetAccountAuthorizationDetails";
    let fail = |problem: String| Gap::new(Section::AuthorizationDetails, CALL, problem);
    let mut marker: Option<String> = None;
    let mut seen: HashSet<String> = HashSet::new();
    for _ in 0..MAX_PAGES {
        let page = client
            .get_account_authorization_details()
            .set_filter(Some(filter.to_vec()))
            .max_items(1000)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| fail(problem(&e)))?;
        read_page(&page, details).map_err(fail)?;
        match (page.is_truncated(), page.marker()) {
            (false, _) => return Ok(()),
            (true, Some(next)) if !next.is_empty() => {
                if !seen.insert(next.to_owned()) {
                    return Err(fail(format!(
                        "the listing answered IsTruncated=true with the marker {} it had given before: it would never end",
                        validate::quote(next)
                    )));
                }
                marker = Some(next.to_owned());
            }
            (true, _) => return Err(fail(
                "the listing answered IsTruncated=true without a marker: the rest cannot be read"
                    .to_owned(),
            )),
        }
    }
    Err(fail(format!(
        "more than {MAX_PAGES} pages; the listing never ended"
    )))
}

/// Checks one page of the listing and adds what it holds to `details`.
fn read_page(
    page: &GetAccountAuthorizationDetailsOutput,
    details: &mut Details,
) -> Result<(), String> {
    for u in page.user_detail_list() {
        let name = named("user", u.user_name())?;
        let groups = u
            .group_list()
            .iter()
            .map(|g| named("group", Some(g)))
            .collect::<Result<_, _>>()?;
        details.users.push(User {
            arn: arn_of(Kind::User, &name, u.arn())?,
            created: time(u.create_date()),
            groups,
            attached_policies: attached(u.attached_managed_policies())?,
            inline_policies: inline(u.user_policy_list())?,
            password: None,
            mfa_active: None,
            access_keys: None,
            name,
        });
    }
    for g in page.group_detail_list() {
        let name = named("group", g.group_name())?;
        details.groups.push(Group {
            arn: arn_of(Kind::Group, &name, g.arn())?,
            attached_policies: attached(g.attached_managed_policies())?,
            inline_policies: inline(g.group_policy_list())?,
            name,
        });
    }
    for r in page.role_detail_list() {
        let name = named("role", r.role_name())?;
        let trust_policy = match r.assume_role_policy_document() {
            Some(text) => Some(
                validate::policy_document(text)
                    .map_err(|e| format!("trust policy of role `{name}`: {e}"))?,
            ),
            None => None,
        };
        details.roles.push(Role {
            arn: arn_of(Kind::Role, &name, r.arn())?,
            attached_policies: attached(r.attached_managed_policies())?,
            inline_policies: inline(r.role_policy_list())?,
            trust_policy,
            last_used: time(r.role_last_used().and_then(|u| u.last_used_date())),
            name,
        });
    }
    for p in page.policies() {
        let arn = p.arn().unwrap_or_default();
        let parsed = validate::arn(arn)?;
        // Some emulators leave the name out; it is the ARN's last part.
        let name = p.policy_name().unwrap_or(parsed.name).to_owned();
        let arn = arn_of(Kind::Policy, &name, Some(arn))?;
        let default_version = p.default_version_id();
        let version = p
            .policy_version_list()
            .iter()
            .find(|v| v.is_default_version() || v.version_id() == default_version);
        let document = match version.and_then(|v| v.document()) {
            Some(text) => validate::policy_document(text)
                .map_err(|e| format!("managed policy `{name}`: {e}"))?,
            // Checked once the listing is known to hold the policy.
            None => serde_json::Value::Null,
        };
        details.policies.push(ManagedPolicy {
            aws_managed: parsed.account == "aws",
            attachment_count: i64::from(p.attachment_count().unwrap_or(0)),
            name,
            arn,
            document,
        });
    }
    Ok(())
}
