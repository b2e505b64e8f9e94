//! The inventory as written: what one YAML file deserializes into.
//!
//! These types mirror the file format one to one and are the source of the
//! JSON Schema that `secretary schema` prints, so their doc comments are user
//! documentation. They hold strings for dates, durations and references;
//! [`super::validate`] checks those and builds the [`super::model`].
//!
//! Where a check made after reading needs a position (a reference, a date,
//! an item's key), the field is [`Spanned`]: the position travels with the
//! value.
//!
//! No `#[serde(flatten)]` and no untagged enums here: both make serde_yaml
//! lose error positions.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::source::Spanned;

/// The items of a section, by name, each name with where it is written.
pub type Items<T> = BTreeMap<Spanned<String>, T>;

/// One inventory file. Every section is optional, so an inventory can be split
/// across files (e.g. one per team); names must be unique across all files.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "secretary inventory")]
pub struct RawDocument {
    /// Format version of this file. Must be `1`.
    #[schemars(extend("const" = 1))]
    pub version: Spanned<u32>,
    /// Deployment environments, by name (e.g. `production`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub environments: Items<RawEnvironment>,
    /// Components that consume secrets (APIs, frontends, workers, CI, log sinks), by name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub services: Items<RawService>,
    /// Human and machine identities and their least-privilege boundaries, by name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub identities: Items<RawIdentity>,
    /// Storage layers and how they encrypt at rest (e.g. `redis`, `postgres`), by name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub stores: Items<RawStore>,
    /// Secrets, by id. The id is how rules and other sections refer to a secret.
    #[serde(default, deserialize_with = "null_as_default")]
    pub secrets: Items<RawSecret>,
    /// Which services actually read which secrets.
    #[serde(default, deserialize_with = "null_as_default")]
    pub reads: Vec<Spanned<RawRead>>,
    /// The plain configuration inventory: every environment variable, secret or not, by name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub env_vars: Items<RawEnvVar>,
    /// Accepted risks: findings that are known, owned and allowed until a date. A waived
    /// finding is still reported, marked as waived, and does not fail the run.
    #[serde(default, deserialize_with = "null_as_default")]
    pub waivers: Vec<RawWaiver>,
    /// Thresholds of the built-in checks (written in at most one file).
    #[serde(default)]
    pub settings: Option<Spanned<RawSettings>>,
    /// The real files this inventory describes, checked against it: the repository,
    /// `.env.example` files, docker-compose files and source code. Paths are relative
    /// to the file that names them.
    #[serde(default)]
    pub sources: Option<RawSources>,
    /// What this inventory describes, for the report's title and header: the system's
    /// name, owners, the environments in the audit's scope and the reviewer (written in
    /// at most one file).
    #[serde(default)]
    pub system: Option<Spanned<RawSystem>>,
}

/// The system an inventory describes: the scope of an audit.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "System")]
pub struct RawSystem {
    /// The system's name, e.g. `payments`: the report is titled after it.
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    /// One or two sentences on what the system is.
    #[serde(default)]
    pub description: Option<String>,
    /// Who answers for the system (teams or people).
    #[serde(default, deserialize_with = "null_as_default")]
    pub owners: Vec<Spanned<String>>,
    /// The declared environments the audit covers, e.g. `[production]`; each must be
    /// declared under `environments`. When absent, every environment is in scope.
    #[serde(default, deserialize_with = "null_as_default")]
    pub environments_in_scope: Vec<Spanned<String>>,
    /// Who reviews and signs the report.
    #[serde(default)]
    pub reviewer: Option<Spanned<String>>,
}

/// The real files an inventory describes.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Sources")]
pub struct RawSources {
    /// The git work tree the system lives in (e.g. `..`). Secret files and `.env` files
    /// inside it must not be committed, and must be ignored by git.
    #[serde(default)]
    pub repository: Option<Spanned<String>>,
    /// `.env.example` files: they must list the same variables as `env_vars`, and hold
    /// no real-looking secret value.
    #[serde(default, deserialize_with = "null_as_default")]
    pub env_example: Vec<Spanned<String>>,
    /// docker-compose files: the variables and docker secrets each compose service
    /// receives are observed reads, judged like the `reads` section.
    #[serde(default, deserialize_with = "null_as_default")]
    pub compose: Vec<RawComposeSource>,
    /// Directories of source code to scan for environment variable references
    /// (`.gitignore` is honoured).
    #[serde(default, deserialize_with = "null_as_default")]
    pub code: Vec<Spanned<String>>,
}

/// A docker-compose file and how its services map to the inventory.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ComposeSource")]
pub struct RawComposeSource {
    /// Path of the compose file.
    pub file: Spanned<String>,
    /// The environment this compose file deploys; when absent, its reads apply in
    /// every environment.
    #[serde(default)]
    pub environment: Option<Spanned<String>>,
    /// Compose service name to inventory service name, where they differ (by default a
    /// compose service is the inventory service of the same name).
    #[serde(default, deserialize_with = "null_as_default")]
    pub services: BTreeMap<String, Spanned<String>>,
}

/// Thresholds of the built-in checks.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Settings")]
pub struct RawSettings {
    /// Thresholds of the live IAM checks (`check --iam`, `--iam-snapshot`).
    #[serde(default)]
    pub iam: Option<RawIamSettings>,
    /// The part of the account's secret stores (Secrets Manager, SSM Parameter Store)
    /// this inventory answers for (`check --aws`, `--aws-snapshot`).
    #[serde(default)]
    pub stores: Option<RawStoreSettings>,
    /// Built-in or pack rules re-graded or switched off, by rule id, each on the record
    /// with a reason and an owner (listed in the report's evidence and the JSON output).
    #[serde(default, deserialize_with = "null_as_default")]
    pub rules: Items<RawRuleSetting>,
}

/// One rule's setting: a new severity, or `enabled: false`, with who decided and why.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RuleSetting")]
pub struct RawRuleSetting {
    /// The severity findings of the rule get instead of its `@severity`.
    #[serde(default)]
    pub severity: Option<RuleLevel>,
    /// `false` removes the rule from evaluation: it has no findings and is reported as
    /// disabled (JUnit: skipped), never as passed.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Why the rule is re-graded or off: auditors read it in the report's evidence.
    pub reason: Spanned<String>,
    /// Who decided (a team or a person).
    pub owner: Spanned<String>,
}

/// The severities a rule setting may give a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleLevel {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// A `secretary-rules.yaml` file in a `--policies` directory: the settings a rule pack
/// ships with. Settings in the inventory win over them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RulePackSettings")]
pub struct RawRulesFile {
    /// Rule settings by rule id, as under the inventory's `settings.rules`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub rules: Items<RawRuleSetting>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StoreSettings")]
pub struct RawStoreSettings {
    /// Name prefixes of the secrets and parameters this inventory answers for (e.g.
    /// `prod/payments/`, `/payments/`). Without `prefixes` and `tags`, every secret in
    /// the account is in scope.
    #[serde(default, deserialize_with = "null_as_default")]
    pub prefixes: Vec<String>,
    /// Tags (key: value) of the secrets this inventory answers for; a secret carrying
    /// any of them is in scope.
    #[serde(default)]
    pub tags: Option<std::collections::BTreeMap<String, String>>,
    /// Longest a secret may go unread before `store-secret-unused` (default `90d`).
    #[serde(default)]
    #[schemars(pattern(super::PERIOD_PATTERN))]
    pub unused_max: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "IamSettings")]
pub struct RawIamSettings {
    /// Oldest an access key may be when its identity declares no `rotation` (default `90d`, CIS 1.14).
    #[serde(default)]
    #[schemars(pattern(super::PERIOD_PATTERN))]
    pub access_key_max_age: Option<Spanned<String>>,
    /// Longest a password or access key may go unused (default `45d`, CIS 1.12).
    #[serde(default)]
    #[schemars(pattern(super::PERIOD_PATTERN))]
    pub unused_credentials_max: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Environment")]
pub struct RawEnvironment {
    /// How the environment is treated by rules: `development`, `staging` or `production`.
    pub tier: Tier,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Development,
    Staging,
    Production,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Service")]
pub struct RawService {
    /// What the component is; rules use it (e.g. a `log_sink` must not read never-log secrets).
    pub kind: ServiceKind,
    /// Whether the component's code or output reaches users directly. A browser bundle is
    /// public-facing: anything it reads is visible to anyone.
    #[serde(default)]
    pub public_facing: bool,
    #[serde(default)]
    pub description: Option<String>,
    /// A guess still to confirm (what to check), written by `secretary init --from`.
    /// Each entry that has one is reported once, as `inventory-review-pending` (info),
    /// until the line is removed.
    #[serde(default)]
    pub review: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    Api,
    Gateway,
    Frontend,
    Worker,
    Inference,
    Database,
    Cache,
    Ci,
    LogSink,
    Proxy,
    Cli,
    Agent,
    Scheduler,
    External,
    Other,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Identity")]
pub struct RawIdentity {
    /// What kind of identity this is.
    pub kind: IdentityKind,
    #[serde(default)]
    pub description: Option<String>,
    /// Least-privilege boundary in words: what this identity may do (seed table "Access Level").
    #[serde(default)]
    pub access: Option<String>,
    /// Least-privilege boundary in words: where it applies (e.g. `Per-deployment`, `CI/CD only`).
    #[serde(default)]
    pub scope: Option<String>,
    /// Machine-checkable allow list of actions (e.g. `ecr:BatchGetImage`, `logs:PutLogEvents`).
    #[serde(default)]
    pub allow: Vec<String>,
    /// The service this identity acts for, if any.
    #[serde(default)]
    pub service: Option<Spanned<String>>,
    /// The secrets that are this identity's credentials (its password, its access key), by id.
    #[serde(default)]
    pub credentials: Vec<Spanned<String>>,
    /// How often this identity's credentials must rotate, e.g. `90d`.
    #[serde(default)]
    #[schemars(pattern(super::PERIOD_PATTERN))]
    pub rotation: Option<Spanned<String>>,
    /// For AWS IAM users and roles: where the identity lives.
    #[serde(default)]
    pub aws: Option<RawAwsIdentity>,
    /// An identity that may read every secret by design (an administrator, SSO or
    /// break-glass role): its broad access is acknowledged, not a finding. Needs
    /// `privileged_reason`.
    #[serde(default)]
    pub privileged: Option<Spanned<bool>>,
    /// Why the identity is privileged, for the audit trail.
    #[serde(default)]
    pub privileged_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// A person.
    Human,
    /// An application role such as "regular user" or "admin".
    AppRole,
    /// A holder of an API key issued by the system.
    ApiKeyConsumer,
    /// A CI/CD pipeline (e.g. GitHub Actions).
    Ci,
    /// A process on the same host (e.g. a local CLI).
    LocalProcess,
    /// A non-human account in some other system.
    ServiceAccount,
    AwsIamUser,
    AwsIamRole,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AwsIdentity")]
pub struct RawAwsIdentity {
    /// The 12-digit AWS account id, quoted (e.g. `"748732838505"`).
    #[serde(default)]
    pub account: Option<Spanned<String>>,
    /// The IAM user or role name.
    #[serde(default)]
    pub name: Option<String>,
    /// The full ARN, if known.
    #[serde(default)]
    pub arn: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Store")]
pub struct RawStore {
    #[serde(default)]
    pub description: Option<String>,
    /// The encryption-at-rest mechanism (e.g. `Fernet`, `AES-256-GCM`, `S3 SSE`), or `none`.
    pub encryption: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Secret")]
pub struct RawSecret {
    /// The name the system knows the secret by, when it differs from the id. Several
    /// secrets may share a name at different scopes (the narrowest scope wins).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// How bad exposure is: `critical`, `important`, `sensitive` or `public`.
    pub classification: Classification,
    /// What the secret is for.
    #[serde(default)]
    pub category: Option<Category>,
    /// Who answers for the secret: a team or a person.
    #[serde(default)]
    pub owner: Option<String>,
    /// Where the secret is visible, for systems with scoped secrets.
    #[serde(default)]
    pub scope: Option<RawScope>,
    /// What an attacker could do with it (e.g. "Forge any user session").
    #[serde(default)]
    pub risk: Option<String>,
    /// How and how often it rotates.
    #[serde(default)]
    pub rotation: Option<RawRotation>,
    /// The value must never be written to logs.
    #[serde(default)]
    pub never_log: bool,
    /// The services allowed to read the secret. Omit to leave readers unrestricted.
    #[serde(default)]
    pub readers: Option<Vec<Spanned<String>>>,
    /// Where the secret lives in each environment, by environment name.
    // Boxed for memory, as `model::Secret::instances` is.
    #[serde(default)]
    pub instances: Items<Box<RawInstance>>,
    /// What a value must look like, checked when values are observed (`check --env`).
    #[serde(default)]
    pub format: Option<Spanned<RawFormat>>,
    /// A guess still to confirm (what to check), written by `secretary init --from`.
    /// Each entry that has one is reported once, as `inventory-review-pending` (info),
    /// until the line is removed.
    #[serde(default)]
    pub review: Option<String>,
}

/// What a secret's value must look like. Checked only when values are observed
/// (`check --env NAME`); the value itself is never printed.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Format")]
pub struct RawFormat {
    /// A regular expression the whole value must match (Rust `regex` syntax; anchors
    /// are implied), e.g. `[0-9a-f]{64}` for 64 hex characters.
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
    /// The fewest characters a value may have.
    #[serde(default)]
    pub min_length: Option<Spanned<u64>>,
    /// The most characters a value may have.
    #[serde(default)]
    pub max_length: Option<u64>,
}

/// Where an instance's value can be read at check time, on the machine of its
/// environment (`check --env NAME`, `secretary fingerprint --env NAME`). Exactly
/// one of `env`, `file` and `dotenv`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ValueSource")]
pub struct RawValueSource {
    /// A process environment variable holding the value, e.g. `DB_PASSWORD`.
    #[serde(default)]
    pub env: Option<Spanned<String>>,
    /// A file holding the value (one trailing newline is ignored): absolute, e.g.
    /// `/run/secrets/db_password`, or relative to the inventory file.
    #[serde(default)]
    pub file: Option<Spanned<String>>,
    /// A `.env` file holding the value, relative to the inventory file (or absolute).
    #[serde(default)]
    pub dotenv: Option<Spanned<String>>,
    /// With `dotenv`: the variable in that file. Default: the instance's `env_var`,
    /// else the secret's name.
    #[serde(default)]
    pub key: Option<Spanned<String>>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Critical,
    Important,
    Sensitive,
    Public,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Model and API providers (Anthropic, OpenAI, ...).
    Provider,
    /// Databases, caches, cloud storage, encryption keys.
    Infrastructure,
    /// Third-party integrations (GitHub PATs, Slack, webhooks, email).
    Integration,
    /// Per-task or per-agent credentials.
    AgentSpecific,
    /// The application's own signing and session keys.
    Application,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Scope")]
pub struct RawScope {
    /// `organization` (widest), `team` or `workspace` (narrowest).
    pub level: ScopeLevel,
    /// Which organization, team or workspace.
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ScopeLevel {
    Organization,
    Team,
    Workspace,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Rotation")]
pub struct RawRotation {
    /// How often: a number and a unit, `d` (days), `w` (weeks) or `y` (years), e.g. `90d`;
    /// or `monthly`, `quarterly`, `yearly`.
    #[serde(default)]
    #[schemars(pattern(super::PERIOD_PATTERN))]
    pub period: Option<Spanned<String>>,
    /// `manual` or `automated`.
    #[serde(default)]
    pub method: Option<RotationMethod>,
    /// What rotating breaks.
    #[serde(default)]
    pub breaks: Vec<RotationImpact>,
    /// Free-text notes on the procedure.
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RotationMethod {
    Manual,
    Automated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RotationImpact {
    /// Consumers must restart to pick up the new value.
    RestartRequired,
    /// Every token signed with the old value stops validating.
    InvalidatesTokens,
    /// Every session encrypted with the old value ends.
    InvalidatesSessions,
    /// Data encrypted with the old value must be re-encrypted.
    ReencryptionRequired,
    /// Several components must be deployed together.
    CoordinatedDeploy,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Instance")]
pub struct RawInstance {
    /// Where the value is stored in this environment.
    pub backend: Spanned<Backend>,
    /// The environment variable that delivers the value to the service, if any.
    #[serde(default)]
    pub env_var: Option<String>,
    /// The file that delivers the value, if any (docker secrets, mounted files).
    #[serde(default)]
    pub file: Option<RawFile>,
    /// A locator in the backend: an ARN, a Vault path, a `table.column`, a CI secret name.
    #[serde(default)]
    pub reference: Option<String>,
    /// The AWS region of an `aws_secrets_manager` or `aws_ssm_parameter` instance whose
    /// `reference` is a name, not an ARN (default: any region read).
    #[serde(default)]
    pub region: Option<Spanned<String>>,
    /// The storage layer (from `stores`) that holds it.
    #[serde(default)]
    pub store: Option<Spanned<String>>,
    /// Encryption at rest: a mechanism (e.g. `AES-256-GCM`, `KMS`, `bcrypt`) or `none`.
    /// Defaults from the backend: `none` for plaintext columns, images, build args and
    /// `.env` files; `provider-managed` for secret managers; otherwise the `store`'s
    /// encryption if one is named, else `unknown`.
    #[serde(default)]
    pub encryption: Option<Spanned<String>>,
    /// The date the value was last rotated, `YYYY-MM-DD`.
    #[serde(default)]
    #[schemars(pattern(super::DATE_PATTERN), extend("format" = "date"))]
    pub last_rotated: Option<Spanned<String>>,
    /// An opaque keyed hash of the value, computed elsewhere, used to check that values
    /// differ across environments and secrets. Never the value itself.
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Where the value can be read at check time on this environment's machine, so that
    /// `check --env NAME` can judge it (length, placeholder, format, fingerprint) without
    /// ever printing it.
    #[serde(default)]
    pub value: Option<Spanned<RawValueSource>>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// A process environment variable set by the host or orchestrator.
    EnvVar,
    /// A `.env` file read at start-up (development only).
    Dotenv,
    /// A file on disk.
    File,
    /// A Docker secret mounted under `/run/secrets`.
    DockerSecret,
    /// AWS Secrets Manager: `reference` is the secret's name or ARN (`region` picks the
    /// region of a name).
    AwsSecretsManager,
    /// AWS Systems Manager Parameter Store: `reference` is the parameter's name or ARN.
    AwsSsmParameter,
    GcpSecretManager,
    AzureKeyVault,
    /// HashiCorp Vault.
    Vault,
    /// A platform's environment-variable store (Vercel, Railway, Fly.io, ECS task definition).
    PlatformEnv,
    /// A CI system's secret store (e.g. GitHub Actions repository secrets).
    CiSecret,
    /// A team password manager (1Password, Bitwarden).
    PasswordManager,
    /// An encrypted database column.
    EncryptedDbColumn,
    /// A one-way hash in a database column (the value itself is not recoverable).
    HashedDbColumn,
    /// A plaintext database column.
    PlaintextDbColumn,
    /// A locally encrypted store (e.g. Fernet in a database; development only).
    LocalEncrypted,
    /// Baked into a container image.
    Image,
    /// Passed as a container build argument (ends up in image history).
    BuildArg,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "File")]
pub struct RawFile {
    /// Path of the file as the service sees it, e.g. `/run/secrets/db_password`.
    pub path: String,
    /// Permission bits as an octal string, quoted, e.g. `"0600"`.
    #[serde(default)]
    pub mode: Option<Spanned<String>>,
    /// The owning user of the file.
    #[serde(default)]
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Read")]
pub struct RawRead {
    /// The reading service.
    pub service: Spanned<String>,
    /// The secrets it reads, by id.
    pub secrets: Vec<Spanned<String>>,
    /// The environments where it reads them; omit for all environments.
    #[serde(default)]
    pub environments: Vec<Spanned<String>>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "EnvVar")]
pub struct RawEnvVar {
    /// The default used when the variable is unset. Only whether a default exists is ever
    /// reported for variables that carry a secret, never the default itself.
    #[serde(default)]
    pub default: Option<ScalarString>,
    /// The variable must be set in every environment.
    #[serde(default)]
    pub required: bool,
    /// The variable must be set in these environments.
    #[serde(default)]
    pub required_in: Vec<Spanned<String>>,
    #[serde(default)]
    pub purpose: Option<String>,
    /// A free-form group for documentation tables (e.g. `Security`, `Paths`).
    #[serde(default)]
    pub category: Option<String>,
    /// The secret this variable carries, by id. Set it for every variable that holds a secret.
    #[serde(default)]
    pub secret: Option<Spanned<String>>,
    /// The services that read this variable.
    #[serde(default)]
    pub services: Vec<Spanned<String>>,
    /// A guess still to confirm (what to check), written by `secretary init --from`.
    /// Each entry that has one is reported once, as `inventory-review-pending` (info),
    /// until the line is removed.
    #[serde(default)]
    pub review: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Waiver")]
pub struct RawWaiver {
    /// The id of the rule whose finding is accepted, e.g. `secret-env-var-default`.
    pub rule: Spanned<String>,
    /// The inventory item, as findings print it: `Secret::"JWT_SECRET"`. The quotes may be
    /// left out (`Secret::JWT_SECRET`). Types: `Secret`, `EnvVar`, `Service`, `Identity`,
    /// `Environment`.
    pub entity: Spanned<String>,
    /// Only the finding in this environment; omit to accept it in every environment.
    #[serde(default)]
    pub environment: Option<Spanned<String>>,
    /// Only the finding about this other party (e.g. `Service::"worker"`, the reader);
    /// omit to accept it whoever the other party is.
    #[serde(default)]
    pub principal: Option<Spanned<String>>,
    /// Why the risk is accepted.
    pub reason: Spanned<String>,
    /// Who accepted it and answers for it: a team or a person.
    pub owner: Spanned<String>,
    /// The last day the waiver applies, `YYYY-MM-DD`. After it, the waiver is itself a
    /// finding (`waiver-expired`) and the finding it accepted fails again.
    #[schemars(pattern(super::DATE_PATTERN), extend("format" = "date"))]
    pub expires: Spanned<String>,
}

/// An empty section (`secrets:` with nothing under it yet) means an empty
/// collection, as a person drafting a file expects.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A YAML scalar kept as text: `3005`, `true` and `"eu.i.posthog.com"` all
/// become strings, because env var defaults are strings whatever YAML thinks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalarString(pub String);

impl<'de> Deserialize<'de> for ScalarString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ScalarString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ScalarString(v.to_owned()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(ScalarString(v.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for ScalarString {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": ["string", "number", "boolean"] })
    }
}
