//! The validated inventory: every reference resolves, every date and period
//! parsed. Later stages (entities, reports) read only these types.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;

pub use super::raw::{
    Backend, Category, Classification, IdentityKind, RotationImpact, RotationMethod, ScopeLevel,
    ServiceKind, Tier,
};
use crate::source::Location;

#[derive(Debug, Default, Clone)]
pub struct Inventory {
    /// The files the inventory was read from, in load order.
    pub files: Vec<Arc<str>>,
    /// The directory relative paths of the first file resolve against: its
    /// own, or the workspace of a rule test's case.
    pub dir: std::path::PathBuf,
    pub environments: BTreeMap<String, Environment>,
    pub services: BTreeMap<String, Service>,
    pub identities: BTreeMap<String, Identity>,
    pub stores: BTreeMap<String, Store>,
    pub secrets: BTreeMap<String, Secret>,
    /// One entry per (service, secret) pair named under `reads`.
    pub reads: Vec<Read>,
    pub env_vars: BTreeMap<String, EnvVar>,
    /// Accepted risks, in file order.
    pub waivers: Vec<Waiver>,
    /// Thresholds of the built-in checks (`settings:`).
    pub settings: Settings,
    /// The real files the inventory describes (`sources:`), resolved.
    pub sources: Sources,
    /// The system the inventory describes (`system:`), when declared.
    pub system: Option<System>,
}

/// The scope of an audit (`system:`): shown in the report's title and header.
#[derive(Debug, Clone)]
pub struct System {
    pub name: Option<String>,
    pub description: Option<String>,
    pub owners: Vec<String>,
    /// Declared environment names, in the order written.
    pub environments_in_scope: Vec<String>,
    pub reviewer: Option<String>,
    /// Where `system:` is written.
    pub location: Location,
}

/// The real files an inventory describes, with paths resolved against the
/// file that names them. Every path existed when the inventory was loaded.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    pub repository: Option<SourcePath>,
    pub env_example: Vec<SourcePath>,
    pub compose: Vec<ComposeSource>,
    pub code: Vec<SourcePath>,
}

/// A path named under `sources:`.
#[derive(Debug, Clone)]
pub struct SourcePath {
    /// The path as written, for messages.
    pub written: String,
    /// The path resolved against the directory of the inventory file.
    pub path: std::path::PathBuf,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct ComposeSource {
    pub file: SourcePath,
    /// The environment the file deploys; `None`: every environment.
    pub environment: Option<String>,
    /// Compose service name to inventory service name, where they differ.
    pub services: BTreeMap<String, String>,
}

impl ComposeSource {
    /// The inventory service a compose service is.
    pub fn service_for<'a>(&'a self, compose_service: &'a str) -> &'a str {
        self.services
            .get(compose_service)
            .map_or(compose_service, String::as_str)
    }
}

/// Thresholds of the built-in checks, with their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Days an access key may live when its identity declares no rotation (CIS 1.14).
    pub access_key_max_age_days: i64,
    /// Days a password or access key may go unused (CIS 1.12).
    pub unused_credentials_max_days: i64,
    /// The part of the account's secret stores this inventory answers for.
    pub stores: StoreSettings,
    /// Rules re-graded or switched off (`settings.rules`), in id order.
    pub rules: Vec<RuleSetting>,
}

/// One rule re-graded or switched off, on the record: from `settings.rules`
/// of the inventory or a rule pack's `secretary-rules.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSetting {
    pub rule: String,
    /// The severity the rule's findings get instead of its `@severity`.
    pub severity: Option<crate::findings::Severity>,
    /// `false`: the rule is not evaluated.
    pub enabled: bool,
    pub reason: String,
    pub owner: String,
    /// Where the setting is written (its rule id).
    pub location: Location,
}

/// `settings.stores`: which Secrets Manager secrets and SSM parameters of
/// the account this inventory answers for, and how long one may go unread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSettings {
    /// Name prefixes (`prod/`, `/myapp/`): a store item whose name starts
    /// with one is in scope. Empty with no `tags`: everything is in scope.
    pub prefixes: Vec<String>,
    /// Tags (`team: payments`): a store item carrying one of them (key and
    /// value) is in scope.
    pub tags: Vec<(String, String)>,
    /// Days a secret may go unread (`unused_max`, default `90d`).
    pub unused_max_days: i64,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            prefixes: Vec::new(),
            tags: Vec::new(),
            unused_max_days: 90,
        }
    }
}

impl StoreSettings {
    /// Whether a store item named `name` with `tags` is in scope.
    pub fn in_scope<'a>(
        &self,
        name: &str,
        mut tags: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> bool {
        (self.prefixes.is_empty() && self.tags.is_empty())
            || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
            || tags.any(|(k, v)| self.tags.iter().any(|(sk, sv)| sk == k && sv == v))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            access_key_max_age_days: 90,
            unused_credentials_max_days: 45,
            stores: StoreSettings::default(),
            rules: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub tier: Tier,
    pub description: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub kind: ServiceKind,
    pub public_facing: bool,
    pub description: Option<String>,
    /// A guess still to confirm (`review:`), as written by `init --from`.
    pub review: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct Identity {
    pub name: String,
    pub kind: IdentityKind,
    pub description: Option<String>,
    pub access: Option<String>,
    pub scope: Option<String>,
    pub allow: Vec<String>,
    pub service: Option<String>,
    /// Secret ids.
    pub credentials: Vec<String>,
    pub rotation: Option<Period>,
    pub aws: Option<AwsIdentity>,
    /// Why the identity may read every secret (`privileged: true`), if it may.
    pub privileged: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct AwsIdentity {
    pub account: Option<String>,
    pub name: Option<String>,
    pub arn: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Store {
    pub name: String,
    pub description: Option<String>,
    pub encryption: String,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct Secret {
    /// The key under `secrets:`; unique across the inventory.
    pub id: String,
    /// The name the system knows it by (defaults to the id).
    pub name: String,
    pub description: Option<String>,
    pub classification: Classification,
    pub category: Option<Category>,
    pub owner: Option<String>,
    pub scope: Option<Scope>,
    pub risk: Option<String>,
    pub rotation: Rotation,
    pub never_log: bool,
    /// Allowed readers (service names); `None` when the inventory does not restrict them.
    pub readers: Option<Vec<String>>,
    /// By environment name. Boxed: a B-tree leaf holds room for eleven
    /// values, and a secret has two or three instances, so unboxed
    /// instances would take several kilobytes per secret.
    pub instances: BTreeMap<String, Box<Instance>>,
    /// What a value must look like (`format:`), checked on observed values.
    pub format: Option<ValueFormat>,
    /// A guess still to confirm (`review:`), as written by `init --from`.
    pub review: Option<String>,
    pub location: Location,
}

/// A secret's declared value format.
#[derive(Debug, Clone)]
pub struct ValueFormat {
    /// The pattern as written, for messages.
    pub pattern_text: Option<String>,
    /// The pattern anchored at both ends: the whole value must match.
    pub pattern: Option<regex::bytes::Regex>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub location: Location,
}

/// Where an instance's value can be read at check time.
#[derive(Debug, Clone)]
pub struct ValueSource {
    pub kind: ValueSourceKind,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSourceKind {
    /// A process environment variable.
    Env(String),
    /// A file holding the value: the path as written and resolved.
    File {
        written: String,
        path: std::path::PathBuf,
    },
    /// A variable in a `.env` file.
    Dotenv {
        written: String,
        path: std::path::PathBuf,
        key: String,
    },
}

#[derive(Debug, Clone)]
pub struct Scope {
    pub level: ScopeLevel,
    pub name: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct Rotation {
    pub period: Option<Period>,
    pub method: Option<RotationMethod>,
    pub breaks: Vec<RotationImpact>,
    pub notes: Option<String>,
}

/// A rotation period as written (`90d`, `quarterly`) and in days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub text: String,
    pub days: i64,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub environment: String,
    pub backend: Backend,
    pub env_var: Option<String>,
    pub file: Option<SecretFile>,
    pub reference: Option<String>,
    /// The AWS region of a store item named by `reference` (not an ARN).
    pub region: Option<String>,
    pub store: Option<String>,
    /// The mechanism, `none`, `provider-managed` or `unknown` (see [`super::raw::RawInstance`]).
    pub encryption: String,
    /// Whether `encryption` was written on the instance (not defaulted).
    pub encryption_declared: bool,
    pub last_rotated: Option<Date>,
    /// Opaque; only ever compared for equality, never printed.
    pub fingerprint: Option<String>,
    /// Where the value can be read at check time (`value:`).
    pub value: Option<ValueSource>,
    pub notes: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct SecretFile {
    pub path: String,
    /// The directory a relative `path` resolves against (the inventory
    /// file's, or the workspace of a rule test's case).
    pub dir: std::path::PathBuf,
    /// Permission bits, e.g. `0o600`.
    pub mode: Option<u32>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Read {
    pub service: String,
    pub secret: String,
    /// Empty means every environment.
    pub environments: Vec<String>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    /// The default as written. It may be a secret (a "hardcoded dev value"):
    /// never print it for a variable that carries a secret.
    pub default: Option<String>,
    pub required: bool,
    pub required_in: Vec<String>,
    pub purpose: Option<String>,
    pub category: Option<String>,
    /// The secret it carries, declared or inferred from an instance's `env_var`.
    pub secret: Option<String>,
    pub services: Vec<String>,
    /// A guess still to confirm (`review:`), as written by `init --from`.
    pub review: Option<String>,
    pub location: Location,
}

/// An accepted risk: which finding, why, who, until when.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub rule: String,
    pub entity: EntityRef,
    pub environment: Option<String>,
    pub principal: Option<EntityRef>,
    pub reason: String,
    pub owner: String,
    /// The last day the waiver applies.
    pub expires: Date,
    pub location: Location,
}

/// An entity named in the inventory's own words: a type (`Secret`) and an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRef {
    pub kind: String,
    pub id: String,
}

impl EntityRef {
    /// The entity types a waiver may name, with the inventory section that
    /// defines their ids.
    pub const KINDS: [(&'static str, &'static str); 5] = [
        ("Secret", "secrets"),
        ("EnvVar", "env_vars"),
        ("Service", "services"),
        ("Identity", "identities"),
        ("Environment", "environments"),
    ];

    /// Parses `Type::"id"` (as findings print it) or `Type::id`.
    pub fn parse(text: &str) -> Option<EntityRef> {
        let (kind, rest) = text.trim().split_once("::")?;
        let id = match rest.strip_prefix('"') {
            Some(quoted) => {
                let inner = quoted.strip_suffix('"')?;
                let mut id = String::with_capacity(inner.len());
                let mut chars = inner.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => id.push(chars.next()?),
                        '"' => return None,
                        c => id.push(c),
                    }
                }
                id
            }
            None => rest.to_owned(),
        };
        let kind_ok =
            !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        (kind_ok && !id.is_empty()).then(|| EntityRef {
            kind: kind.to_owned(),
            id,
        })
    }

    /// The uid as Cedar (and so every finding) prints it: `Secret::"JWT_SECRET"`.
    pub fn uid(&self) -> String {
        format!("{}::\"{}\"", self.kind, self.id.escape_debug())
    }
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Development => "development",
            Tier::Staging => "staging",
            Tier::Production => "production",
        }
    }
}

/// The snake_case name serde uses for an enum value, for entity attributes and
/// reports, so the words users write in YAML are the words rules compare with.
pub fn serde_name<T: serde::Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
