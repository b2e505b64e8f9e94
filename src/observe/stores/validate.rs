//! What every store item must be before anything is built from it: region
//! names, secret and parameter names and ARNs, dates and resource
//! policies, checked the same way whether they come from AWS (`--aws`) or
//! from a snapshot file (`--aws-snapshot`), as [`crate::observe::iam::validate`]
//! does for IAM (whose time, quoting and policy-document checks are reused).
//!
//! A live answer that fails here is a `not_collected` gap naming the call;
//! a snapshot file is refused at the value. Names follow AWS's documented
//! character sets: a secret name is 1 to 512 of `A-Z a-z 0-9 / _ + = . @ -`,
//! a parameter name 1 to 2,048 of `A-Z a-z 0-9 / _ . -`.

use crate::observe::iam::validate::{quote, time};

use super::snapshot::{Parameter, StoreGap, StoreKind, StoredSecret, Stores};

/// A problem: the key, the offending value, what is wrong.
pub type Problem = (&'static str, String, String);

fn fail(key: &'static str, value: &str) -> impl FnOnce(String) -> Problem {
    let value = value.to_owned();
    move |problem| (key, value, problem)
}

/// An AWS region name: `eu-west-1`, `us-gov-east-1`, `cn-north-1`.
pub fn region(text: &str) -> Result<(), String> {
    let ok = !text.is_empty()
        && text.len() <= 32
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && text.contains('-')
        && !text.starts_with('-')
        && !text.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not an AWS region name (such as `eu-west-1`)",
            quote(text)
        ))
    }
}

/// A Secrets Manager secret name.
pub fn secret_name(text: &str) -> Result<(), String> {
    // `!` only in the names of secrets another service manages (`rds!db-...`).
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/_+=.@-!".contains(c);
    if text.is_empty() || text.len() > 512 || !text.chars().all(allowed) {
        return Err(format!(
            "secret name {} is not a Secrets Manager name (1 to 512 of `A-Z a-z 0-9 / _ + = . @ - !`)",
            quote(text)
        ));
    }
    Ok(())
}

/// An SSM parameter name.
pub fn parameter_name(text: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/_.-".contains(c);
    if text.is_empty() || text.len() > 2048 || !text.chars().all(allowed) {
        return Err(format!(
            "parameter name {} is not an SSM name (1 to 2048 of `A-Z a-z 0-9 / _ . -`)",
            quote(text)
        ));
    }
    Ok(())
}

/// Checks `arn` is `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` with
/// this service and region, a 12-digit account and the resource `resource`
/// accepts.
fn arn_in(
    arn: &str,
    service: &str,
    region: &str,
    resource: impl FnOnce(&str) -> bool,
) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = match parts.as_slice() {
        ["arn", partition, s, r, account, rest] => {
            (*partition == "aws" || partition.starts_with("aws-"))
                && *s == service
                && *r == region
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && rest.bytes().all(|b| b.is_ascii_graphic())
                && resource(rest)
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not the ARN of this {service} item in `{region}`",
            quote(arn)
        ))
    }
}

/// The account of a store ARN.
pub fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4)
}

/// One secret of `region`.
pub fn secret(secret: &StoredSecret, region: &str) -> Result<(), Problem> {
    secret_name(&secret.name).map_err(fail("name", &secret.name))?;
    // `secret:NAME-XXXXXX`: AWS appends six random characters.
    arn_in(&secret.arn, "secretsmanager", region, |rest| {
        rest.strip_prefix("secret:")
            .is_some_and(|r| r.starts_with(secret.name.as_str()))
    })
    .map_err(fail("arn", &secret.arn))?;
    for (key, value) in [
        ("created", &secret.created),
        ("last_rotated", &secret.last_rotated),
        ("last_changed", &secret.last_changed),
        ("last_accessed", &secret.last_accessed),
        ("next_rotation", &secret.next_rotation),
        ("current_version_created", &secret.current_version_created),
    ] {
        if let Some(value) = value {
            time(value).map_err(fail(key, value))?;
        }
    }
    if let Some(days) = secret.rotation_days {
        if !(1..=3650).contains(&days) {
            return Err(fail("rotation_days", &days.to_string())(format!(
                "{days} is not a rotation interval of 1 to 3650 days"
            )));
        }
    }
    if let Some(policy) = &secret.resource_policy {
        if !policy.is_object() {
            return Err(fail("resource_policy", "")(
                "the resource policy is not a JSON object".to_owned(),
            ));
        }
    }
    Ok(())
}

/// The parameter types `DescribeParameters` answers.
pub const PARAMETER_TYPES: [&str; 3] = ["String", "StringList", "SecureString"];

/// One parameter of `region`.
pub fn parameter(parameter: &Parameter, region: &str) -> Result<(), Problem> {
    parameter_name(&parameter.name).map_err(fail("name", &parameter.name))?;
    let expected = format!("parameter/{}", parameter.name.trim_start_matches('/'));
    arn_in(&parameter.arn, "ssm", region, |rest| rest == expected)
        .map_err(fail("arn", &parameter.arn))?;
    if !PARAMETER_TYPES.contains(&parameter.kind.as_str()) {
        return Err(fail("type", &parameter.kind)(format!(
            "{} is not a parameter type (`String`, `StringList` or `SecureString`)",
            quote(&parameter.kind)
        )));
    }
    if let Some(value) = &parameter.last_modified {
        time(value).map_err(fail("last_modified", value))?;
    }
    Ok(())
}

fn gap(gap: &StoreGap) -> Result<(), Problem> {
    region(&gap.region).map_err(fail("region", &gap.region))?;
    let expected = format!("{}:{}", gap.store.service(), gap.call);
    if gap.permission != expected {
        return Err(fail("permission", &gap.permission)(format!(
            "{} is not the permission of `{}` (`{expected}`)",
            quote(&gap.permission),
            gap.call
        )));
    }
    Ok(())
}

impl Stores {
    /// Checks every region, item and gap; the first problem.
    pub fn check(&self) -> Result<(), Problem> {
        let mut seen = std::collections::BTreeSet::new();
        for r in &self.regions {
            region(&r.region).map_err(fail("region", &r.region))?;
            if !seen.insert(r.region.as_str()) {
                return Err(fail("region", &r.region)(format!(
                    "region {} is listed twice",
                    quote(&r.region)
                )));
            }
            for s in r.secrets_manager.iter().flatten() {
                secret(s, &r.region)?;
            }
            for p in r.ssm.iter().flatten() {
                parameter(p, &r.region)?;
            }
            // A store not read is `null` and says why: `null` without a
            // failed call would read as nothing to check.
            for (store, unread) in [
                (StoreKind::SecretsManager, r.secrets_manager.is_none()),
                (StoreKind::Ssm, r.ssm.is_none()),
            ] {
                let explained = self
                    .not_collected
                    .iter()
                    .any(|g| g.region == r.region && g.store == store && g.item.is_none());
                if unread && !explained {
                    return Err(fail("region", &r.region)(format!(
                        "the `{}` of region {} is `null`, but `not_collected` names no failed call for it",
                        store.as_str(),
                        quote(&r.region)
                    )));
                }
            }
        }
        self.not_collected.iter().try_for_each(gap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_regions_and_arns() {
        assert!(region("eu-west-1").is_ok());
        assert!(region("EU").is_err());
        assert!(secret_name("prod/db-password").is_ok());
        assert!(secret_name("has space").is_err());
        assert!(secret_name("rds!cluster-1a2b3c4d").is_ok());
        assert!(parameter_name("/app/db_url").is_ok());
        assert!(parameter_name("").is_err());
        let ok = |rest: &str| rest.starts_with("secret:prod/db");
        assert!(arn_in(
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
            "secretsmanager",
            "eu-west-1",
            ok
        )
        .is_ok());
        assert!(arn_in(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
            "secretsmanager",
            "eu-west-1",
            ok
        )
        .is_err());
    }

    /// A store not read says why: `null` without a failed call is refused,
    /// since it would read as nothing to check.
    #[test]
    fn an_unread_store_needs_its_failed_call() {
        let mut stores = Stores {
            regions: vec![super::super::RegionStores {
                region: "eu-west-1".to_owned(),
                secrets_manager: None,
                ssm: Some(Vec::new()),
            }],
            not_collected: Vec::new(),
        };
        let (key, _, problem) = stores.check().unwrap_err();
        assert_eq!(key, "region");
        assert!(problem.contains("`secrets_manager` of region"), "{problem}");
        stores.not_collected.push(StoreGap::new(
            "eu-west-1",
            StoreKind::SecretsManager,
            "ListSecrets",
            None,
            "AccessDenied".to_owned(),
        ));
        assert!(stores.check().is_ok());
    }
}
