//! Live collection: read an AWS account's IAM state into a [`Snapshot`].
//!
//! The number of calls does not grow with the number of users: the
//! credential report (GenerateCredentialReport, then GetCredentialReport
//! polled with backoff until ready, bounded by a timeout) gives every
//! user's passwords, MFA and keys; GetAccountAuthorizationDetails (filtered,
//! paginated by 1,000) every user, group, role and customer-managed policy,
//! plus a second listing of AWS-managed policies only when some are attached; GetAccountSummary
//! the root user's MFA and keys; GetAccountPasswordPolicy the password
//! policy. That is 5 calls, 6 when AWS-managed policies are attached. The four parts are read
//! concurrently. Nothing is called per user or per key.
//!
//! A failed call never ends the collection: its part of the snapshot is
//! left out and recorded in `not_collected` with the call, the permission it
//! needs and the error (after the SDK's retries), so checks can report what
//! could not be verified.
//!
//! Configuration is the AWS SDK's standard chain (environment credentials,
//! profiles, SSO, `AWS_ENDPOINT_URL`, ...) with the command line's
//! `--profile`, `--region` and `--endpoint-url` on top. IAM is global: the
//! region defaults to `us-east-1` when none is configured.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_iam::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_iam::config::{ConfigBag, Intercept, Region, RuntimeComponents};
use aws_sdk_iam::error::{BoxError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::{EntityType, ReportStateType, SummaryKeyType};
use aws_sdk_iam::Client;
use jiff::Timestamp;

use super::report;
use super::snapshot::{
    account_of_arn, decode_policy_document, Gap, Group, InlinePolicy, ManagedPolicy,
    PasswordPolicy, Role, Root, Section, Snapshot, User,
};

/// How to reach the account.
#[derive(Debug, Clone)]
pub struct Options {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Longest one call may take, retries included.
    pub call_timeout: Duration,
    /// Longest to wait for the credential report to be ready.
    pub report_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            profile: None,
            region: None,
            endpoint_url: None,
            call_timeout: Duration::from_secs(60),
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

/// Records the IAM action of every request sent (from its `Action=` form
/// field), so tests can hold the client to the documented read-only policy
/// and count its calls.
#[derive(Debug, Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "secretary-iam-call-recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.request().body().bytes().unwrap_or_default();
        let action = String::from_utf8_lossy(body)
            .split('&')
            .find_map(|pair| pair.strip_prefix("Action=").map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned());
        if let Ok(mut calls) = self.0.lock() {
            calls.push(format!("iam:{action}"));
        }
        Ok(())
    }
}

/// Loads the standard AWS configuration and builds an IAM client.
pub async fn client(options: &Options) -> Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(options.call_timeout)
                .connect_timeout(Duration::from_secs(10).min(options.call_timeout))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    let mut builder = aws_sdk_iam::config::Builder::from(&config);
    if config.region().is_none() {
        builder = builder.region(Region::new("us-east-1"));
    }
    Client::from_conf(builder.build())
}

/// Collects with the standard configuration, on a runtime of its own.
/// `started` is the collection time recorded in the snapshot; `progress`
/// hears what is being read.
pub fn collect(
    options: &Options,
    started: Timestamp,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Collected, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the AWS client: {e}"))?;
    runtime.block_on(async {
        progress("loading AWS configuration");
        let client = client(options).await;
        Ok(collect_with(&client, options, started, progress).await)
    })
}

/// Collects through `client` (tests pass clients with recorded responses).
pub fn collect_blocking(
    client: &Client,
    options: &Options,
    started: Timestamp,
) -> Result<Collected, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the AWS client: {e}"))?;
    Ok(runtime.block_on(collect_with(client, options, started, &|_| {})))
}

/// Collects through `client`.
pub async fn collect_with(
    client: &Client,
    options: &Options,
    started: Timestamp,
    progress: &(dyn Fn(&str) + Sync),
) -> Collected {
    let recorder = Recorder::default();
    let client = Client::from_conf(
        client
            .config()
            .to_builder()
            .interceptor(recorder.clone())
            .build(),
    );
    progress(
        "reading the credential report, authorization details, account summary and password policy",
    );
    let (report, details, summary, policy) = tokio::join!(
        credential_report(&client, options.report_timeout),
        authorization_details(&client),
        account_summary(&client),
        password_policy(&client),
    );
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
            root.mfa_active = root.mfa_active.or(mfa);
            root.access_keys_present = keys;
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
    let calls = recorder.0.lock().map(|c| c.clone()).unwrap_or_default();
    Collected { snapshot, calls }
}

/// Describes a failed call: the AWS error code and message, a timeout, or
/// the transport problem.
fn problem<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    err: &SdkError<E, R>,
) -> String {
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            match (e.code(), e.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_owned(),
                _ => DisplayErrorContext(err).to_string(),
            }
        }
        SdkError::TimeoutError(_) => "the call timed out".to_owned(),
        other => DisplayErrorContext(other).to_string(),
    }
}

fn gap(section: Section, call: &str, problem: String) -> Gap {
    Gap {
        section,
        call: call.to_owned(),
        permission: format!("iam:{call}"),
        problem,
    }
}

async fn credential_report(
    client: &Client,
    timeout: Duration,
) -> Result<report::CredentialReport, Gap> {
    let started = tokio::time::Instant::now();
    let state = client
        .generate_credential_report()
        .send()
        .await
        .map_err(|e| {
            gap(
                Section::CredentialReport,
                "GenerateCredentialReport",
                problem(&e),
            )
        })?;
    let mut ready = state.state() == Some(&ReportStateType::Complete);
    // While the report is generated, GetCredentialReport answers
    // ReportInProgress: poll it with backoff, bounded by `timeout`.
    let mut delay = Duration::from_millis(50);
    loop {
        if !ready {
            if started.elapsed() + delay > timeout {
                return Err(gap(
                    Section::CredentialReport,
                    "GetCredentialReport",
                    format!(
                        "the credential report was not ready after {} s",
                        timeout.as_secs_f64().ceil()
                    ),
                ));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        match client.get_credential_report().send().await {
            Ok(output) => {
                let content = output.content().map(|b| b.as_ref()).unwrap_or_default();
                return report::parse(content)
                    .map_err(|e| gap(Section::CredentialReport, "GetCredentialReport", e));
            }
            Err(err)
                if err.as_service_error().is_some_and(|e| {
                    e.is_credential_report_not_ready_exception()
                        || e.is_credential_report_not_present_exception()
                }) =>
            {
                ready = false;
            }
            Err(err) => {
                return Err(gap(
                    Section::CredentialReport,
                    "GetCredentialReport",
                    problem(&err),
                ))
            }
        }
    }
}

struct Details {
    users: Vec<User>,
    groups: Vec<Group>,
    roles: Vec<Role>,
    policies: Vec<ManagedPolicy>,
}

fn inline(list: &[aws_sdk_iam::types::PolicyDetail]) -> Result<Vec<InlinePolicy>, String> {
    list.iter()
        .map(|p| {
            let name = p.policy_name().unwrap_or_default().to_owned();
            let document = decode_policy_document(p.policy_document().unwrap_or("{}"))
                .map_err(|e| format!("inline policy `{name}`: {e}"))?;
            Ok(InlinePolicy { name, document })
        })
        .collect()
}

fn attached(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<String> {
    list.iter()
        .filter_map(|p| p.policy_arn().map(str::to_owned))
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
async fn authorization_details(client: &Client) -> Result<Details, Gap> {
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
    let referenced: std::collections::BTreeSet<String> = details
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
    let known: std::collections::BTreeSet<String> =
        details.policies.iter().map(|p| p.arn.clone()).collect();
    if referenced.iter().any(|arn| !known.contains(arn)) {
        details_pages(client, &[EntityType::AwsManagedPolicy], &mut details).await?;
        details
            .policies
            .retain(|p| !p.aws_managed || referenced.contains(&p.arn));
    }
    Ok(details)
}

async fn details_pages(
    client: &Client,
    filter: &[EntityType],
    details: &mut Details,
) -> Result<(), Gap> {
    const CALL: &str = "GetAccountAuthorizationDetails";
    let fail = |problem: String| gap(Section::AuthorizationDetails, CALL, problem);
    let mut marker: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .get_account_authorization_details()
            .set_filter(Some(filter.to_vec()))
            .max_items(1000)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| fail(problem(&e)))?;
        for u in page.user_detail_list() {
            details.users.push(User {
                name: u.user_name().unwrap_or_default().to_owned(),
                arn: u.arn().unwrap_or_default().to_owned(),
                created: time(u.create_date()),
                groups: u.group_list().to_vec(),
                attached_policies: attached(u.attached_managed_policies()),
                inline_policies: inline(u.user_policy_list()).map_err(fail)?,
                password: None,
                mfa_active: None,
                access_keys: None,
            });
        }
        for g in page.group_detail_list() {
            details.groups.push(Group {
                name: g.group_name().unwrap_or_default().to_owned(),
                arn: g.arn().unwrap_or_default().to_owned(),
                attached_policies: attached(g.attached_managed_policies()),
                inline_policies: inline(g.group_policy_list()).map_err(fail)?,
            });
        }
        for r in page.role_detail_list() {
            let name = r.role_name().unwrap_or_default().to_owned();
            let trust_policy = match r.assume_role_policy_document() {
                Some(text) => Some(
                    decode_policy_document(text)
                        .map_err(|e| fail(format!("trust policy of role `{name}`: {e}")))?,
                ),
                None => None,
            };
            details.roles.push(Role {
                arn: r.arn().unwrap_or_default().to_owned(),
                attached_policies: attached(r.attached_managed_policies()),
                inline_policies: inline(r.role_policy_list()).map_err(fail)?,
                trust_policy,
                last_used: time(r.role_last_used().and_then(|u| u.last_used_date())),
                name,
            });
        }
        for p in page.policies() {
            let arn = p.arn().unwrap_or_default().to_owned();
            // Some emulators leave the name out; it is the ARN's last part.
            let name = p
                .policy_name()
                .map(str::to_owned)
                .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or_default().to_owned());
            let default_version = p.default_version_id();
            let version = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version() || v.version_id() == default_version);
            let document = match version.and_then(|v| v.document()) {
                Some(text) => decode_policy_document(text)
                    .map_err(|e| fail(format!("managed policy `{name}`: {e}")))?,
                None => serde_json::Value::Null,
            };
            details.policies.push(ManagedPolicy {
                aws_managed: arn.starts_with("arn:aws:iam::aws:"),
                attachment_count: i64::from(p.attachment_count().unwrap_or(0)),
                name,
                arn,
                document,
            });
        }
        match (page.is_truncated(), page.marker()) {
            (true, Some(next)) => marker = Some(next.to_owned()),
            _ => return Ok(()),
        }
    }
    Err(fail(format!(
        "more than {MAX_PAGES} pages; the listing never ended"
    )))
}

async fn account_summary(client: &Client) -> Result<(Option<bool>, Option<bool>), Gap> {
    let output = client
        .get_account_summary()
        .send()
        .await
        .map_err(|e| gap(Section::AccountSummary, "GetAccountSummary", problem(&e)))?;
    let map = output.summary_map();
    let value = |key: SummaryKeyType| map.and_then(|m| m.get(&key)).map(|v| *v > 0);
    Ok((
        value(SummaryKeyType::AccountMfaEnabled),
        value(SummaryKeyType::AccountAccessKeysPresent),
    ))
}

async fn password_policy(client: &Client) -> Result<Option<PasswordPolicy>, Gap> {
    match client.get_account_password_policy().send().await {
        Ok(output) => Ok(output.password_policy().map(|p| PasswordPolicy {
            minimum_password_length: p.minimum_password_length().map(i64::from),
            password_reuse_prevention: p.password_reuse_prevention().map(i64::from),
            max_password_age: p.max_password_age().map(i64::from),
            require_symbols: p.require_symbols(),
            require_numbers: p.require_numbers(),
            require_uppercase_characters: p.require_uppercase_characters(),
            require_lowercase_characters: p.require_lowercase_characters(),
        })),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            Ok(None)
        }
        Err(err) => Err(gap(
            Section::PasswordPolicy,
            "GetAccountPasswordPolicy",
            problem(&err),
        )),
    }
}
