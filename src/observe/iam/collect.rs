//! Live collection: read an AWS account's IAM state into a [`Snapshot`].
//!
//! The number of calls does not grow with the number of users: the
//! credential report (GenerateCredentialReport, then GetCredentialReport
//! polled with backoff until ready, bounded by `report_timeout`) gives every
//! user's passwords, MFA and keys; GetAccountAuthorizationDetails (filtered,
//! paginated by 1,000) every user, group, role and customer-managed policy,
//! plus a second listing of AWS-managed policies only when some are attached; GetAccountSummary
//! the root user's MFA and keys; GetAccountPasswordPolicy the password
//! policy. That is 5 calls, 6 when AWS-managed policies are attached. The four parts are read
//! concurrently. Nothing is called per user or per key.
//!
//! One deadline (`Options::timeout`, `--iam-timeout`) bounds the whole
//! collection: configuration, every call, retry and page, and the wait for
//! the credential report. A part still unanswered at the deadline is a gap
//! naming the call it was waiting on.
//!
//! Every answer is checked before it is used ([`super::wire`] for the XML,
//! [`super::validate`] and [`report`] for what it says): a listing that
//! repeats a marker or claims more pages without one, a missing or
//! malformed name, ARN, time or policy document, a credential report
//! without the row of a user older than it, a summary without the root's
//! keys. A failed call or a failed check never ends the collection:
//! its part of the snapshot is left out and recorded in `not_collected`
//! with the call, the permission it needs and the problem (after the SDK's
//! retries), so checks report what could not be verified and the run exits 2.
//!
//! Configuration is the AWS SDK's standard chain (environment credentials,
//! profiles, SSO, `AWS_ENDPOINT_URL`, ...) with the command line's
//! `--profile`, `--region` and `--endpoint-url` on top. IAM is global: the
//! region defaults to `us-east-1` when none is configured.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_iam::config::Region;
use aws_sdk_iam::types::{ReportStateType, SummaryKeyType};
use aws_sdk_iam::Client;
use jiff::Timestamp;
use tokio::time::Instant;

use super::details::{authorization_details, Details};
use super::report;
use super::snapshot::{account_of_arn, Gap, PasswordPolicy, Root, Section, Snapshot, User};
use super::validate;
use super::wire::{problem, Wire};

/// How to reach the account.
#[derive(Debug, Clone)]
pub struct Options {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Longest the whole collection may take (`--iam-timeout`).
    pub timeout: Duration,
    /// Longest to wait for the credential report to be ready.
    pub report_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            profile: None,
            region: None,
            endpoint_url: None,
            timeout: Duration::from_secs(300),
            report_timeout: Duration::from_secs(120),
        }
    }
}

/// A collected snapshot and the IAM actions called, in order (one entry per
/// HTTP request, retries included).
#[derive(Debug, Clone)]
pub struct Collected {
    pub snapshot: Snapshot,
    pub calls: Vec<String>,
}

/// Loads the standard AWS configuration and builds an IAM client.
pub async fn client(options: &Options) -> Client {
    client_of(&config(options).await)
}

/// The standard AWS configuration with `options` on top: the deadline as
/// the operation timeout, 3 attempts, the profile, region and endpoint.
pub async fn config(options: &Options) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(options.timeout)
                .connect_timeout(Duration::from_secs(10).min(options.timeout))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .http_client(https_client());
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The HTTP client of every AWS call: hyper with rustls on ring, trusting
/// the platform's root certificates. Built here because the SDK's default
/// client uses aws-lc, whose C build Cargo.toml avoids (docs/src/building.md).
pub fn https_client() -> aws_sdk_iam::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// An IAM client of `config`, signed in `us-east-1` when no region is configured.
pub fn client_of(config: &aws_config::SdkConfig) -> Client {
    let mut builder = aws_sdk_iam::config::Builder::from(config);
    if config.region().is_none() {
        builder = builder.region(Region::new("us-east-1"));
    }
    Client::from_conf(builder.build())
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the AWS client: {e}"))
}

/// `duration` for messages: `2 s`, `1.5 s`.
pub(crate) fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs} s")
    } else {
        format!("{secs:.1} s")
    }
}

/// Collects with the standard configuration, on a runtime of its own.
/// `started` is the collection time recorded in the snapshot; `progress`
/// hears what is being read. Fails only when the configuration cannot be
/// loaded within the deadline.
pub fn collect(
    options: &Options,
    started: Timestamp,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Collected, String> {
    runtime()?.block_on(async {
        let deadline = Instant::now() + options.timeout;
        progress("loading AWS configuration");
        let client = tokio::time::timeout_at(deadline, client(options))
            .await
            .map_err(|_| {
                format!(
                    "loading the AWS configuration did not finish within the {} of `--iam-timeout`",
                    seconds(options.timeout)
                )
            })?;
        Ok(collect_until(&client, options, deadline, started, progress).await)
    })
}

/// Collects through `client` (tests pass clients with recorded responses).
pub fn collect_blocking(
    client: &Client,
    options: &Options,
    started: Timestamp,
) -> Result<Collected, String> {
    Ok(runtime()?.block_on(collect_with(client, options, started, &|_| {})))
}

/// Collects through `client`, within `options.timeout` from now.
pub async fn collect_with(
    client: &Client,
    options: &Options,
    started: Timestamp,
    progress: &(dyn Fn(&str) + Sync),
) -> Collected {
    let deadline = Instant::now() + options.timeout;
    collect_until(client, options, deadline, started, progress).await
}

/// The call a part of the collection is waiting on, for the gap that names
/// it when the deadline passes.
type Waiting = Cell<&'static str>;

/// Runs one part of the collection until `deadline`.
async fn until<T>(
    deadline: Instant,
    options: &Options,
    section: Section,
    waiting: &Waiting,
    part: impl Future<Output = Result<T, Gap>>,
) -> Result<T, Gap> {
    tokio::time::timeout_at(deadline, part)
        .await
        .unwrap_or_else(|_| {
            Err(Gap::new(
                section,
                waiting.get(),
                format!(
                    "no answer within the {} the whole IAM collection may take (`--iam-timeout`)",
                    seconds(options.timeout)
                ),
            ))
        })
}

async fn collect_until(
    client: &Client,
    options: &Options,
    deadline: Instant,
    started: Timestamp,
    progress: &(dyn Fn(&str) + Sync),
) -> Collected {
    let wire = Wire::default();
    let client = Client::from_conf(
        client
            .config()
            .to_builder()
            .interceptor(wire.clone())
            .build(),
    );
    progress(
        "reading the credential report, authorization details, account summary and password policy",
    );
    let waiting: [Waiting; 4] = [
        Cell::new("GenerateCredentialReport"),
        Cell::new("GetAccountAuthorizationDetails"),
        Cell::new("GetAccountSummary"),
        Cell::new("GetAccountPasswordPolicy"),
    ];
    let (report, details, summary, policy) = tokio::join!(
        until(
            deadline,
            options,
            Section::CredentialReport,
            &waiting[0],
            credential_report(&client, options.report_timeout, &waiting[0]),
        ),
        until(
            deadline,
            options,
            Section::AuthorizationDetails,
            &waiting[1],
            authorization_details(&client),
        ),
        until(
            deadline,
            options,
            Section::AccountSummary,
            &waiting[2],
            account_summary(&client),
        ),
        until(
            deadline,
            options,
            Section::PasswordPolicy,
            &waiting[3],
            password_policy(&client),
        ),
    );
    let report = complete(report, &details);
    let mut snapshot = Snapshot::new(started);
    let mut gaps = Vec::new();
    match details {
        Ok(details) => {
            snapshot.users = details.users;
            snapshot.groups = details.groups;
            snapshot.roles = details.roles;
            snapshot.policies = details.policies;
        }
        Err(gap) => gaps.push(gap),
    }
    let mut root = Root {
        mfa_active: None,
        access_keys: Vec::new(),
        access_keys_present: None,
    };
    match report {
        Ok(report) => {
            for (name, row) in report.users {
                let user = match snapshot.users.iter_mut().find(|u| u.name == name) {
                    Some(user) => user,
                    None => {
                        // Authorization details missing (or raced): the report still names the user.
                        snapshot.users.push(User {
                            name: name.clone(),
                            arn: row.arn.clone(),
                            created: None,
                            groups: Vec::new(),
                            attached_policies: Vec::new(),
                            inline_policies: Vec::new(),
                            password: None,
                            mfa_active: None,
                            access_keys: None,
                        });
                        snapshot.users.last_mut().expect("just pushed")
                    }
                };
                user.created = user.created.take().or(row.created);
                user.password = Some(row.password);
                user.mfa_active = Some(row.mfa_active);
                user.access_keys = Some(row.access_keys);
            }
            if let Some(row) = report.root {
                root.mfa_active = Some(row.mfa_active);
                root.access_keys = row.access_keys;
                snapshot.account_id = account_of_arn(&row.arn);
            }
        }
        Err(gap) => gaps.push(gap),
    }
    match summary {
        Ok((mfa, keys)) => {
            root.mfa_active = root.mfa_active.or(Some(mfa));
            root.access_keys_present = Some(keys);
        }
        Err(gap) => gaps.push(gap),
    }
    if root.mfa_active.is_some()
        || root.access_keys_present.is_some()
        || !root.access_keys.is_empty()
    {
        snapshot.root = Some(root);
    }
    match policy {
        Ok(policy) => snapshot.password_policy = policy,
        Err(gap) => gaps.push(gap),
    }
    snapshot.not_collected = gaps;
    snapshot.normalize();
    Collected {
        snapshot,
        calls: wire.calls(),
    }
}

/// The report, unless it lacks a row for a listed user created before the
/// report was generated: such a report lost rows, and the user's keys and
/// password would go unchecked. (A user created since has no row yet, and
/// AWS reuses a report for up to four hours.)
fn complete(
    report: Result<(report::CredentialReport, Option<Timestamp>), Gap>,
    details: &Result<Details, Gap>,
) -> Result<report::CredentialReport, Gap> {
    let (report, generated) = report?;
    let (Some(generated), Ok(details)) = (generated, details) else {
        return Ok(report);
    };
    let lost = details.users.iter().find(|user| {
        !report.users.contains_key(&user.name)
            && user
                .created
                .as_deref()
                .and_then(|c| c.parse::<Timestamp>().ok())
                .is_some_and(|created| created < generated)
    });
    match lost {
        Some(user) => Err(Gap::new(
            Section::CredentialReport,
            "GetCredentialReport",
            format!(
                "the credential report has no row for user `{}`, created before the report was generated",
                user.name
            ),
        )),
        None => Ok(report),
    }
}

async fn credential_report(
    client: &Client,
    timeout: Duration,
    waiting: &Waiting,
) -> Result<(report::CredentialReport, Option<Timestamp>), Gap> {
    let started = Instant::now();
    waiting.set("GenerateCredentialReport");
    let state = client
        .generate_credential_report()
        .send()
        .await
        .map_err(|e| {
            Gap::new(
                Section::CredentialReport,
                "GenerateCredentialReport",
                problem(&e),
            )
        })?;
    waiting.set("GetCredentialReport");
    let fail =
        |problem: String| Gap::new(Section::CredentialReport, "GetCredentialReport", problem);
    let mut ready = state.state() == Some(&ReportStateType::Complete);
    // While the report is generated, GetCredentialReport answers
    // ReportInProgress: poll it with backoff, bounded by `timeout`.
    let mut delay = Duration::from_millis(50);
    loop {
        if !ready {
            if started.elapsed() + delay > timeout {
                return Err(fail(format!(
                    "the credential report was not ready after {} s",
                    timeout.as_secs_f64().ceil()
                )));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        match client.get_credential_report().send().await {
            Ok(output) => {
                if let Some(format) = output.report_format() {
                    if format.as_str() != "text/csv" {
                        return Err(fail(format!(
                            "the report's format is {}, not `text/csv`",
                            validate::quote(format.as_str())
                        )));
                    }
                }
                let content = output
                    .content()
                    .ok_or_else(|| fail("the answer holds no report (no `Content`)".to_owned()))?;
                let generated = output
                    .generated_time()
                    .and_then(|t| Timestamp::new(t.secs(), 0).ok());
                return Ok((report::parse(content.as_ref()).map_err(fail)?, generated));
            }
            Err(err)
                if err.as_service_error().is_some_and(|e| {
                    e.is_credential_report_not_ready_exception()
                        || e.is_credential_report_not_present_exception()
                }) =>
            {
                ready = false;
            }
            Err(err) => return Err(fail(problem(&err))),
        }
    }
}

/// Whether the root user has MFA, and whether it has access keys.
async fn account_summary(client: &Client) -> Result<(bool, bool), Gap> {
    const CALL: &str = "GetAccountSummary";
    let output = client
        .get_account_summary()
        .send()
        .await
        .map_err(|e| Gap::new(Section::AccountSummary, CALL, problem(&e)))?;
    let map = output.summary_map();
    // AWS always counts both: an answer without them is not AWS's answer.
    let value = |key: SummaryKeyType| {
        map.and_then(|m| m.get(&key))
            .map(|v| *v > 0)
            .ok_or_else(|| {
                Gap::new(
                    Section::AccountSummary,
                    CALL,
                    format!("the summary has no `{}`", key.as_str()),
                )
            })
    };
    Ok((
        value(SummaryKeyType::AccountMfaEnabled)?,
        value(SummaryKeyType::AccountAccessKeysPresent)?,
    ))
}

async fn password_policy(client: &Client) -> Result<Option<PasswordPolicy>, Gap> {
    const CALL: &str = "GetAccountPasswordPolicy";
    match client.get_account_password_policy().send().await {
        Ok(output) => {
            // No policy is NoSuchEntity; a success always holds one.
            let p = output.password_policy().ok_or_else(|| {
                Gap::new(
                    Section::PasswordPolicy,
                    CALL,
                    "the answer holds no `PasswordPolicy`".to_owned(),
                )
            })?;
            Ok(Some(PasswordPolicy {
                minimum_password_length: p.minimum_password_length().map(i64::from),
                password_reuse_prevention: p.password_reuse_prevention().map(i64::from),
                max_password_age: p.max_password_age().map(i64::from),
                require_symbols: p.require_symbols(),
                require_numbers: p.require_numbers(),
                require_uppercase_characters: p.require_uppercase_characters(),
                require_lowercase_characters: p.require_lowercase_characters(),
            }))
        }
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            Ok(None)
        }
        Err(err) => Err(Gap::new(Section::PasswordPolicy, CALL, problem(&err))),
    }
}
