//! Stage 3: what Cedar judges, as Cedar entities and facts.
//!
//! Each inventory item becomes an entity whose attributes are described by
//! `policies/secretary.cedarschema` ([`schema`]), built by `items`. What
//! Cedar cannot compute by itself (an instance's age, which other
//! environments or secrets share a fingerprint, which wider-scoped secret a
//! narrower one overrides) is computed here into attributes ([`derive`]).
//! Each fact to judge becomes a [`Fact`]: a principal, an action and a
//! resource, plus where in the inventory it comes from.
//!
//! Fingerprints are only compared here; they never become attributes, so no
//! rule or message can print one.
//!
//! This module is a leaf below [`crate::observe`]: it holds the building
//! blocks every observed source uses for its own entities and facts
//! ([`uid`], [`Action`], [`Fact`], [`data`]'s plain entities, the schema),
//! and knows no observation. An observed source builds its entities and
//! facts in its own directory under `observe/` (`observe::iam::facts`, for
//! one); what an observation adds to the inventory's own entities is plain
//! data defined here ([`values`] for observed values). The chunk planner
//! that puts the inventory's and the observations' entities together,
//! `evaluate::plan`, sits above both.

pub mod data;
pub(crate) mod derive;
pub(crate) mod items;
pub mod schema;
pub mod values;

use std::collections::BTreeSet;
use std::str::FromStr;

use cedar_policy::{Entities, EntityId, EntityTypeName, EntityUid};

use data::EntityData;

use crate::source::Location;

/// The kinds of fact secretary asks Cedar about; each is one Cedar action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Define,
    Store,
    Read,
    Require,
    /// An observed IAM item, judged by the AWS account (principal).
    Observe,
    /// Something found in the repository's files (`sources:`), judged by the
    /// repository (principal).
    Scan,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Define,
        Action::Store,
        Action::Read,
        Action::Require,
        Action::Observe,
        Action::Scan,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::Define => "define",
            Action::Store => "store",
            Action::Read => "read",
            Action::Require => "require",
            Action::Observe => "observe",
            Action::Scan => "scan",
        }
    }

    pub fn uid(self) -> EntityUid {
        static UIDS: std::sync::OnceLock<Vec<EntityUid>> = std::sync::OnceLock::new();
        let uids = UIDS.get_or_init(|| {
            Action::ALL
                .iter()
                .map(|a| uid("Action", a.name()))
                .collect()
        });
        uids[self as usize].clone()
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// The resource types each action applies to, as in the schema.
pub fn resource_types(action: Action) -> &'static [&'static str] {
    match action {
        Action::Define => &["Environment", "Service", "Identity", "Secret", "EnvVar"],
        Action::Store => &["SecretInstance"],
        Action::Read => &["Secret"],
        Action::Require => &["EnvVar"],
        Action::Observe => &[
            "AwsAccount",
            "IamUser",
            "IamRole",
            "IamAccessKey",
            "IamPolicy",
            "Identity",
            "StoreItem",
            "StoreAccess",
            "StoreReader",
        ],
        Action::Scan => &[
            "RepoFile",
            "ExampleVar",
            "EnvVar",
            "ComposeService",
            "ComposeVariable",
            "ComposeValue",
            "CodeReference",
        ],
    }
}

/// One request to evaluate: "may `principal` do `action` to `resource`?"
#[derive(Debug, Clone)]
pub struct Fact {
    pub action: Action,
    pub principal: EntityUid,
    pub resource: EntityUid,
    /// For `read` facts limited to one environment.
    pub environment: Option<EntityUid>,
    /// The inventory item a finding on this fact is about, e.g. `Secret::"JWT_SECRET"`.
    pub subject: EntityUid,
    /// The environment name, when the fact concerns one.
    pub environment_name: Option<String>,
    /// The other party, when it matters to the reader (e.g. the reading service).
    pub counterpart: Option<EntityUid>,
    pub location: Location,
    /// For `read` facts observed in the real world (a compose file): whether
    /// the inventory's `reads:` declares them. `None` for declared reads.
    pub observed: Option<Observed>,
}

/// How an observed `read` relates to the inventory (the request's context).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    pub declared: bool,
    /// Where it was seen (`context.source`).
    pub source: ObservedSource,
}

/// Where a read was observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservedSource {
    /// A compose file gives the service the secret.
    Compose,
    /// IAM policies let the service's AWS identity read the secret's store item.
    Iam,
}

impl ObservedSource {
    /// The value of `context.source`.
    pub fn name(self) -> &'static str {
        match self {
            ObservedSource::Compose => "compose",
            ObservedSource::Iam => "iam",
        }
    }
}

/// One chunk's entities and the facts to judge against them.
pub struct EntityStore {
    /// As plain data: [`evaluate`](crate::evaluate) makes Cedar entities of
    /// only those a rule may read.
    pub entities: Vec<EntityData>,
    pub facts: Vec<Fact>,
}

impl EntityStore {
    /// All of the chunk's entities as a Cedar store, checked against
    /// `schema` when one is given.
    pub fn cedar(&self, schema: Option<&cedar_policy::Schema>) -> Result<Entities, String> {
        cedar_store(self.entities.iter().cloned(), schema)
    }
}

/// A Cedar store of `entities`, checked against `schema` when one is given.
/// Fails only on an internal inconsistency (an entity that does not conform
/// to the schema), which is a bug in secretary, not bad input.
///
/// Without a schema (the store a chunk's facts are judged against), the
/// store skips Cedar's transitive closure of the entity hierarchy: these
/// entities have no parents, because the schema has no hierarchy, so the
/// closure is complete as given, and computing it anyway cost 3% of a large
/// check. With a schema (debug builds check every chunk so) Cedar's public
/// constructor validates each entity and computes the closure as usual.
pub fn cedar_store(
    entities: impl Iterator<Item = EntityData>,
    schema: Option<&cedar_policy::Schema>,
) -> Result<Entities, String> {
    let store = match schema {
        Some(schema) => Entities::from_entities(entities.map(EntityData::into_cedar), Some(schema)),
        None => cedar_policy_core::entities::Entities::from_entities(
            entities.map(EntityData::into_core),
            None::<&cedar_policy_core::entities::NoEntitiesSchema>,
            cedar_policy_core::entities::TCComputation::AssumeAlreadyComputed,
            cedar_policy_core::extensions::Extensions::all_available(),
        )
        .map(Entities::from),
    };
    store.map_err(|e| format!("internal error: entities do not match the Cedar schema: {e}"))
}

/// Builds a uid of `type_name` (one of the schema's unqualified types).
pub fn uid(type_name: &str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(entity_type(type_name), EntityId::new(id))
}

/// The schema's entity types, parsed once: Cedar's parser is far too costly
/// to run for each of hundreds of thousands of uids.
const TYPE_NAMES: [&str; 23] = [
    "Action",
    "Inventory",
    "Environment",
    "Service",
    "Identity",
    "Secret",
    "SecretInstance",
    "EnvVar",
    "AwsAccount",
    "IamUser",
    "IamRole",
    "IamAccessKey",
    "IamPolicy",
    "Repository",
    "RepoFile",
    "ExampleVar",
    "ComposeService",
    "ComposeVariable",
    "ComposeValue",
    "CodeReference",
    "StoreItem",
    "StoreAccess",
    "StoreReader",
];

fn entity_type(type_name: &str) -> EntityTypeName {
    static PARSED: std::sync::OnceLock<Vec<EntityTypeName>> = std::sync::OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        TYPE_NAMES
            .iter()
            .filter_map(|name| EntityTypeName::from_str(name).ok())
            .collect()
    });
    match TYPE_NAMES.iter().position(|name| *name == type_name) {
        Some(index) if index < parsed.len() => parsed[index].clone(),
        // Only called with the schema's own type names (tested below).
        _ => EntityTypeName::from_str(type_name).unwrap_or_else(|_| parsed[0].clone()),
    }
}

/// The uid of an instance of `secret` in `environment`. Environment names
/// cannot contain `@`, so the id is unambiguous.
pub fn instance_uid(secret: &str, environment: &str) -> EntityUid {
    uid("SecretInstance", &format!("{secret}@{environment}"))
}

pub const INVENTORY_ID: &str = "inventory";

/// Entities that rules name literally, e.g. `Secret::"X"` in `Secret::"X".owner`.
pub type EntityLiterals = BTreeSet<(String, String)>;
