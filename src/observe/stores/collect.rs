//! Live collection of the whole AWS observation (`aws snapshot`, `check
//! --aws`): the IAM state (`observe::iam::collect`, global, signed in the
//! first region) and, in each region, the secret stores, as metadata only.
//!
//! Per region:
//! - `ListSecrets`, paginated (100 a page): every secret's name, ARN,
//!   rotation, dates, KMS key, tags and owning service;
//! - for each secret in scope (`settings.stores`; everything without an
//!   inventory): `GetResourcePolicy`, and `ListSecretVersionIds` when
//!   rotation is not enabled or never ran (the `AWSCURRENT` version's
//!   creation date is then the date of the current value) and the secret
//!   changed since its creation (else its value is as old as the secret:
//!   `CreatedDate`, no call), at most [`CONCURRENT_CALLS`] at a time;
//! - `DescribeParameters`, paginated (50 a page): every `SecureString`, and
//!   the `String`/`StringList` parameters the caller names (an
//!   `aws_ssm_parameter` instance's reference; all of them without an
//!   inventory).
//!
//! No value is ever read: `GetSecretValue`, `BatchGetSecretValue` and
//! `GetParameter(s)`/`GetParametersByPath` are never called (tests record
//! every call and hold it to the read-only policy, `docs/src/live-iam.md`).
//!
//! The fault model is IAM's: one deadline (`--iam-timeout`) bounds every
//! call, retry and page; a failed call or a failed check of its answer
//! (`iam::wire`, [`super::validate`]) never ends the collection. A
//! failed listing leaves its store of that region `null`; a failed
//! per-secret call leaves that secret's policy or date unknown. Each is a
//! [`StoreGap`] naming the call, the permission and the problem.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use aws_sdk_secretsmanager::types::SecretListEntry;
use aws_sdk_ssm::types::ParameterMetadata;
use jiff::Timestamp;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::observe::iam::{self, collect as iam_collect, validate as iam_validate};

pub use super::scope::Scope;
use super::snapshot::{Parameter, RegionStores, StoreGap, StoreKind, StoredSecret, Stores};
use super::validate;
use crate::observe::iam::wire::{problem, Wire};

/// Per-secret calls in flight at once, per region.
pub const CONCURRENT_CALLS: usize = 8;
/// Secrets asked for per `ListSecrets` page (AWS's maximum).
const SECRETS_PAGE: i32 = 100;
/// Parameters asked for per `DescribeParameters` page (AWS's maximum).
const PARAMETERS_PAGE: i32 = 50;
/// Most pages of one listing (1,000,000 secrets, 500,000 parameters).
pub const MAX_PAGES: usize = 10_000;
/// The region stores are read in when none is given or configured.
pub const DEFAULT_REGION: &str = "us-east-1";

/// How to reach the account.
#[derive(Debug, Clone)]
pub struct Options {
    /// The IAM options; its `region` is the first of `regions`.
    pub iam: iam_collect::Options,
    /// The regions whose stores are read (`--region`, repeatable); empty:
    /// the configured region, else [`DEFAULT_REGION`].
    pub regions: Vec<String>,
}

/// The IAM snapshot, the stores and every action called (IAM's, then the
/// stores', each in order, retries included).
#[derive(Debug, Clone)]
pub struct Collected {
    pub iam: iam::Snapshot,
    pub stores: Stores,
    pub calls: Vec<String>,
}

/// Collects with the standard configuration, on a runtime of its own.
/// Fails only when the configuration cannot be loaded within the deadline.
pub fn collect(
    options: &Options,
    scope: &Scope,
    started: Timestamp,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Collected, String> {
    iam_collect::runtime()?.block_on(async {
        let deadline = Instant::now() + options.iam.timeout;
        progress("loading AWS configuration");
        let config = tokio::time::timeout_at(deadline, iam_collect::config(&options.iam))
            .await
            .map_err(|_| {
                format!(
                    "loading the AWS configuration did not finish within the {} of `--iam-timeout`",
                    iam_collect::seconds(options.iam.timeout)
                )
            })?;
        Ok(collect_with(&config, options, scope, deadline, started, progress).await)
    })
}

/// Collects with `config` (tests and benches pass one of their own) within
/// `options.iam.timeout`, on a runtime of its own.
pub fn collect_blocking(
    config: &aws_config::SdkConfig,
    options: &Options,
    scope: &Scope,
    started: Timestamp,
) -> Result<Collected, String> {
    iam_collect::runtime()?.block_on(async {
        let deadline = Instant::now() + options.iam.timeout;
        Ok(collect_with(config, options, scope, deadline, started, &|_| {}).await)
    })
}

/// Collects IAM and the stores with `config` until `deadline`.
async fn collect_with(
    config: &aws_config::SdkConfig,
    options: &Options,
    scope: &Scope,
    deadline: Instant,
    started: Timestamp,
    progress: &(dyn Fn(&str) + Sync),
) -> Collected {
    let mut regions = if options.regions.is_empty() {
        vec![config
            .region()
            .map_or_else(|| DEFAULT_REGION.to_owned(), |r| r.to_string())]
    } else {
        options.regions.clone()
    };
    for region in &scope.regions {
        if !regions.contains(region) {
            regions.push(region.clone());
        }
    }
    let iam_client = iam_collect::client_of(config);
    let stores_wire = Wire::json();
    progress("reading IAM and the secret stores");
    let (iam, stores) = tokio::join!(
        iam_collect::collect_with(&iam_client, &options.iam, started, progress),
        stores(
            config,
            &regions,
            scope,
            &stores_wire,
            deadline,
            options.iam.timeout
        ),
    );
    let mut stores = stores;
    name_parameters(&mut stores, iam.snapshot.account_id.as_deref());
    stores.normalize();
    let mut calls = iam.calls;
    calls.extend(stores_wire.calls());
    Collected {
        iam: iam.snapshot,
        stores,
        calls,
    }
}

/// Reads every region's stores.
async fn stores(
    config: &aws_config::SdkConfig,
    regions: &[String],
    scope: &Scope,
    wire: &Wire,
    deadline: Instant,
    timeout: Duration,
) -> Stores {
    let mut stores = Stores::default();
    let mut seen = BTreeSet::new();
    for region in regions.iter().filter(|r| seen.insert(r.as_str())) {
        let region_config = aws_sdk_secretsmanager::config::Region::new(region.clone());
        let sm = aws_sdk_secretsmanager::Client::from_conf(
            aws_sdk_secretsmanager::config::Builder::from(config)
                .region(region_config.clone())
                .interceptor(wire.clone())
                .build(),
        );
        let ssm = aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::config::Builder::from(config)
                .region(region_config)
                .interceptor(wire.clone())
                .build(),
        );
        let at = Deadline {
            at: deadline,
            timeout,
        };
        let (secrets, parameters) = tokio::join!(
            secrets(&sm, region, scope, at),
            parameters(&ssm, region, scope, at),
        );
        let (secrets, mut gaps) = secrets;
        let (ssm, gap) = match parameters {
            Ok(parameters) => (Some(parameters), None),
            Err(gap) => (None, Some(gap)),
        };
        gaps.extend(gap);
        stores.regions.push(RegionStores {
            region: region.clone(),
            secrets_manager: secrets,
            ssm,
        });
        stores.not_collected.extend(gaps);
    }
    stores
}

/// The one deadline of the collection.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    timeout: Duration,
}

impl Deadline {
    /// Runs `call` until the deadline; its problem, or the deadline's.
    async fn run<T>(self, call: impl Future<Output = Result<T, String>>) -> Result<T, String> {
        tokio::time::timeout_at(self.at, call)
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "no answer within the {} the whole AWS collection may take (`--iam-timeout`)",
                    iam_collect::seconds(self.timeout)
                ))
            })
    }
}

/// An RFC 3339 UTC date, to the second.
fn date(t: Option<&aws_sdk_secretsmanager::primitives::DateTime>) -> Option<String> {
    t.and_then(|t| Timestamp::new(t.secs(), 0).ok())
        .map(|t| t.to_string())
}

/// The region's secrets (`null` when the listing failed) and the gaps.
async fn secrets(
    client: &aws_sdk_secretsmanager::Client,
    region: &str,
    scope: &Scope,
    at: Deadline,
) -> (Option<Vec<StoredSecret>>, Vec<StoreGap>) {
    let listed = at.run(list_secrets(client, region)).await;
    let mut secrets = match listed {
        Ok(secrets) => secrets,
        Err(problem) => {
            let gap = StoreGap::new(
                region,
                StoreKind::SecretsManager,
                "ListSecrets",
                None,
                problem,
            );
            return (None, vec![gap]);
        }
    };
    let mut gaps = Vec::new();
    // Per-secret calls, at most CONCURRENT_CALLS in flight.
    let mut tasks = JoinSet::new();
    let mut pending = secrets
        .iter()
        .enumerate()
        .filter(|(_, s)| scope.reads_in_full(s))
        .flat_map(|(index, s)| {
            let mut calls = vec![(index, PerSecret::Policy)];
            if needs_versions(s) {
                calls.push((index, PerSecret::Versions));
            }
            calls
        })
        .collect::<Vec<_>>()
        .into_iter();
    // A secret never changed since its creation holds its first value.
    for secret in secrets.iter_mut().filter(|s| unchanged(s)) {
        secret.current_version_created = secret.created.clone();
    }
    loop {
        while tasks.len() < CONCURRENT_CALLS {
            let Some((index, call)) = pending.next() else {
                break;
            };
            let secret = &secrets[index];
            let (client, region, arn, name) = (
                client.clone(),
                region.to_owned(),
                secret.arn.clone(),
                secret.name.clone(),
            );
            tasks.spawn(async move {
                let answer = match call {
                    PerSecret::Policy => at
                        .run(resource_policy(&client, &arn))
                        .await
                        .map(Answer::Policy),
                    PerSecret::Versions => at
                        .run(current_version(&client, &arn))
                        .await
                        .map(Answer::Created),
                };
                let gap = |problem| {
                    Box::new(StoreGap::new(
                        &region,
                        StoreKind::SecretsManager,
                        call.name(),
                        Some(&name),
                        problem,
                    ))
                };
                (index, answer.map_err(gap))
            });
        }
        let Some(done) = tasks.join_next().await else {
            break;
        };
        match done {
            Ok((index, Ok(Answer::Policy(policy)))) => secrets[index].resource_policy = policy,
            Ok((index, Ok(Answer::Created(created)))) => {
                secrets[index].current_version_created = created
            }
            Ok((_, Err(gap))) => gaps.push(*gap),
            Err(join) => gaps.push(StoreGap::new(
                region,
                StoreKind::SecretsManager,
                "GetResourcePolicy",
                None,
                format!("a per-secret call did not finish: {join}"),
            )),
        }
    }
    (Some(secrets), gaps)
}

/// Whether the secret's current value has not been read from its rotation
/// and was not set at its creation: its `AWSCURRENT` version's date is then
/// asked for (`ListSecretVersionIds`).
fn needs_versions(secret: &StoredSecret) -> bool {
    let rotated = secret.rotation_enabled == Some(true) && secret.last_rotated.is_some();
    !rotated && !unchanged(secret)
}

/// Whether the secret was never changed since its creation (the same
/// second): its value is then the one it was created with, as old as the
/// secret, and no call is needed to date it.
fn unchanged(secret: &StoredSecret) -> bool {
    let rotated = secret.rotation_enabled == Some(true) && secret.last_rotated.is_some();
    !rotated && secret.created.is_some() && secret.last_changed == secret.created
}

#[derive(Debug, Clone, Copy)]
enum PerSecret {
    Policy,
    Versions,
}

impl PerSecret {
    fn name(self) -> &'static str {
        match self {
            PerSecret::Policy => "GetResourcePolicy",
            PerSecret::Versions => "ListSecretVersionIds",
        }
    }
}

enum Answer {
    Policy(Option<serde_json::Value>),
    Created(Option<String>),
}

/// The page tokens of one listing: a token given before is a loop, not a
/// page, and a listing stops at [`MAX_PAGES`].
#[derive(Default)]
struct Pages(BTreeSet<String>);

impl Pages {
    /// The next page's token, if the answer gave one.
    fn next(&mut self, token: Option<&str>) -> Result<Option<String>, String> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if self.0.len() + 1 >= MAX_PAGES {
            return Err(format!("the listing is longer than {MAX_PAGES} pages"));
        }
        if !self.0.insert(token.to_owned()) {
            return Err(format!(
                "the listing repeats the page token {}",
                iam_validate::quote(token)
            ));
        }
        Ok(Some(token.to_owned()))
    }
}

/// Every secret of the region, checked; page tokens must not repeat.
async fn list_secrets(
    client: &aws_sdk_secretsmanager::Client,
    region: &str,
) -> Result<Vec<StoredSecret>, String> {
    let mut secrets = Vec::new();
    let mut pages = Pages::default();
    let mut token: Option<String> = None;
    loop {
        let output = client
            .list_secrets()
            .max_results(SECRETS_PAGE)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| problem(&e))?;
        for entry in output.secret_list() {
            let secret = stored_secret(entry)?;
            validate::secret(&secret, region).map_err(|(key, _, p)| format!("`{key}`: {p}"))?;
            secrets.push(secret);
        }
        match pages.next(output.next_token())? {
            Some(next) => token = Some(next),
            None => return Ok(secrets),
        }
    }
}

fn stored_secret(entry: &SecretListEntry) -> Result<StoredSecret, String> {
    let name = entry
        .name()
        .ok_or("a secret of the listing has no `Name`")?
        .to_owned();
    let arn = entry
        .arn()
        .ok_or_else(|| format!("secret `{name}` has no `ARN`"))?
        .to_owned();
    let rules = entry.rotation_rules();
    let schedule = rules
        .and_then(|r| r.schedule_expression())
        .map(str::to_owned);
    let rotation_days = rules
        .and_then(|r| r.automatically_after_days())
        .filter(|d| *d > 0)
        .or_else(|| schedule.as_deref().and_then(interval_days));
    Ok(StoredSecret {
        name,
        arn,
        rotation_enabled: entry.rotation_enabled(),
        rotation_days,
        rotation_schedule: schedule,
        created: date(entry.created_date()),
        last_rotated: date(entry.last_rotated_date()),
        last_changed: date(entry.last_changed_date()),
        last_accessed: date(entry.last_accessed_date()),
        next_rotation: date(entry.next_rotation_date()),
        current_version_created: None,
        kms_key_id: entry.kms_key_id().map(str::to_owned),
        tags: entry
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_owned(), t.value().unwrap_or("").to_owned())))
            .collect(),
        owning_service: entry.owning_service().map(str::to_owned),
        resource_policy: None,
    })
}

/// The interval in days a rotation `ScheduleExpression` implies:
/// `rate(N days)`, `rate(N hours)` (rounded up to days), and the simple
/// `cron(...)` forms: daily (`cron(0 8 * * ? *)`), every N days
/// (`cron(0 8 */N * ? *)`), weekly (one day of the week) and monthly (one
/// day of the month: 31, its longest interval). `None` for anything else,
/// the expression being kept as AWS wrote it.
pub fn interval_days(expression: &str) -> Option<i64> {
    let expression = expression.trim();
    if let Some(rate) = expression
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let (n, unit) = rate.trim().split_once(' ')?;
        let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
        return match unit.trim() {
            "day" | "days" => Some(n),
            "hour" | "hours" => Some((n + 23) / 24),
            _ => None,
        };
    }
    let cron = expression
        .strip_prefix("cron(")
        .and_then(|r| r.strip_suffix(')'))?;
    let fields: Vec<&str> = cron.split_whitespace().collect();
    let [_minutes, _hours, day, month, weekday, ..] = fields.as_slice() else {
        return None;
    };
    if fields.len() != 6 {
        return None;
    }
    let any = |f: &str| f == "*" || f == "?";
    let number = |f: &str| f.parse::<u32>().is_ok();
    match (*day, *month, *weekday) {
        (d, m, w) if any(d) && any(m) && any(w) => Some(1),
        (d, m, w) if any(m) && any(w) => d
            .strip_prefix("*/")
            .or_else(|| d.strip_prefix("1/"))
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .or_else(|| number(d).then_some(31)),
        (d, m, w) if any(d) && any(m) && !w.contains([',', '-', '/', '#', 'L']) => Some(7),
        _ => None,
    }
}

/// The secret's resource policy (`None`: it has none).
async fn resource_policy(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> Result<Option<serde_json::Value>, String> {
    let output = client
        .get_resource_policy()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| problem(&e))?;
    if output.arn().is_some_and(|a| a != arn) {
        return Err(format!(
            "the answer is about another secret ({})",
            iam_validate::quote(output.arn().unwrap_or_default())
        ));
    }
    output
        .resource_policy()
        .map(iam_validate::policy_document)
        .transpose()
}

/// The creation date of the secret's `AWSCURRENT` version, if it has one.
async fn current_version(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> Result<Option<String>, String> {
    let mut pages = Pages::default();
    let mut token: Option<String> = None;
    loop {
        let output = client
            .list_secret_version_ids()
            .secret_id(arn)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| problem(&e))?;
        let current = output
            .versions()
            .iter()
            .find(|v| v.version_stages().iter().any(|s| s == "AWSCURRENT"));
        if let Some(version) = current {
            let created = date(version.created_date());
            if let Some(created) = &created {
                iam_validate::time(created)?;
            }
            return Ok(created);
        }
        match pages.next(output.next_token())? {
            Some(next) => token = Some(next),
            None => return Ok(None),
        }
    }
}

/// The region's parameters: every `SecureString`, and the others `scope` names.
async fn parameters(
    client: &aws_sdk_ssm::Client,
    region: &str,
    scope: &Scope,
    at: Deadline,
) -> Result<Vec<Parameter>, StoreGap> {
    let listed = at
        .run(async {
            let mut parameters = Vec::new();
            let mut pages = Pages::default();
            let mut token: Option<String> = None;
            loop {
                let output = client
                    .describe_parameters()
                    .max_results(PARAMETERS_PAGE)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| problem(&e))?;
                for metadata in output.parameters() {
                    if let Some(parameter) = parameter(metadata, scope)? {
                        parameters.push(parameter);
                    }
                }
                match pages.next(output.next_token())? {
                    Some(next) => token = Some(next),
                    None => return Ok(parameters),
                }
            }
        })
        .await;
    listed.map_err(|problem| {
        StoreGap::new(region, StoreKind::Ssm, "DescribeParameters", None, problem)
    })
}

/// One parameter, if kept; its ARN is the answer's (or empty, named later
/// by [`name_parameters`]).
fn parameter(metadata: &ParameterMetadata, scope: &Scope) -> Result<Option<Parameter>, String> {
    let name = metadata
        .name()
        .ok_or("a parameter of the listing has no `Name`")?;
    validate::parameter_name(name)?;
    let kind = metadata
        .r#type()
        .ok_or_else(|| format!("parameter `{name}` has no `Type`"))?
        .as_str();
    let wanted = kind == "SecureString"
        || scope
            .parameters
            .as_ref()
            .is_none_or(|names| names.contains(name));
    if !wanted {
        return Ok(None);
    }
    let last_modified = date(metadata.last_modified_date());
    Ok(Some(Parameter {
        name: name.to_owned(),
        arn: metadata.arn().unwrap_or_default().to_owned(),
        kind: kind.to_owned(),
        key_id: metadata.key_id().map(str::to_owned),
        last_modified,
        version: Some(metadata.version()),
        policies: metadata
            .policies()
            .iter()
            .filter_map(|p| p.policy_text().map(str::to_owned))
            .collect(),
    }))
}

/// Names the parameters whose answer gave no ARN (emulators; older APIs)
/// from the region, the account (IAM's, else a secret's) and the name,
/// then checks each. A region whose parameters cannot be named or fail a
/// check loses its parameter list to a gap.
fn name_parameters(stores: &mut Stores, account: Option<&str>) {
    let mut gaps = Vec::new();
    for region in &mut stores.regions {
        let from_secret = region
            .secrets_manager
            .iter()
            .flatten()
            .find_map(|s| validate::account_of(&s.arn).map(str::to_owned));
        let account = account.map(str::to_owned).or(from_secret);
        let Some(parameters) = &mut region.ssm else {
            continue;
        };
        let mut problem = None;
        for parameter in parameters.iter_mut() {
            if parameter.arn.is_empty() {
                let Some(account) = &account else {
                    problem = Some(format!(
                        "parameter `{}` has no `ARN`, and the account id is unknown (IAM was not collected)",
                        parameter.name
                    ));
                    break;
                };
                parameter.arn = format!(
                    "arn:aws:ssm:{}:{account}:parameter/{}",
                    region.region,
                    parameter.name.trim_start_matches('/')
                );
            }
            if let Err((key, _, p)) = validate::parameter(parameter, &region.region) {
                problem = Some(format!("`{key}`: {p}"));
                break;
            }
        }
        if let Some(problem) = problem {
            region.ssm = None;
            gaps.push(StoreGap::new(
                &region.region,
                StoreKind::Ssm,
                "DescribeParameters",
                None,
                problem,
            ));
        }
    }
    stores.not_collected.extend(gaps);
}

#[cfg(test)]
mod tests {
    use super::interval_days;

    #[test]
    fn schedule_expressions_give_their_interval() {
        for (expression, days) in [
            ("rate(30 days)", Some(30)),
            ("rate(1 day)", Some(1)),
            ("rate(4 hours)", Some(1)),
            ("rate(49 hours)", Some(3)),
            ("cron(0 8 * * ? *)", Some(1)),
            ("cron(0 16 */7 * ? *)", Some(7)),
            ("cron(0 16 1/10 * ? *)", Some(10)),
            ("cron(0 8 ? * MON *)", Some(7)),
            ("cron(0 8 1 * ? *)", Some(31)),
            ("cron(0 8 1,15 * ? *)", None),
            ("cron(0 8 ? * MON-FRI *)", None),
            ("cron(0 8 1 */3 ? *)", None),
            ("rate(0 days)", None),
            ("every day", None),
        ] {
            assert_eq!(interval_days(expression), days, "{expression}");
        }
    }
}
