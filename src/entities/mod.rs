//! Stage 3: turn the inventory into Cedar entities and facts.
//!
//! Each inventory item becomes an entity whose attributes are described by
//! `policies/secretary.cedarschema` ([`schema`]). What Cedar cannot compute
//! by itself (an instance's age, which other environments or secrets share a
//! fingerprint, which wider-scoped secret a narrower one overrides) is
//! computed here into attributes ([`derive`]). Each fact to judge becomes a
//! [`Fact`]: a principal, an action and a resource, plus where in the
//! inventory it comes from.
//!
//! Fingerprints are only compared here; they never become attributes, so no
//! rule or message can print one.

mod derive;
pub mod schema;

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{Entities, Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression};
use jiff::civil::Date;

use crate::inventory::model::{serde_name, Inventory};
use crate::source::Location;

/// The kinds of fact secretary asks Cedar about; each is one Cedar action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Define,
    Store,
    Read,
    Require,
}

impl Action {
    pub const ALL: [Action; 4] = [Action::Define, Action::Store, Action::Read, Action::Require];

    pub fn name(self) -> &'static str {
        match self {
            Action::Define => "define",
            Action::Store => "store",
            Action::Read => "read",
            Action::Require => "require",
        }
    }

    pub fn uid(self) -> EntityUid {
        uid("Action", self.name())
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
}

/// Everything the evaluator needs: the entity store and the facts.
pub struct EntityStore {
    pub entities: Entities,
    pub facts: Vec<Fact>,
}

/// Builds a uid of `type_name` (one of the schema's unqualified types).
pub fn uid(type_name: &str, id: &str) -> EntityUid {
    let type_name = EntityTypeName::from_str(type_name).unwrap_or_else(|_| {
        // Only called with the schema's own type names.
        unreachable!("`{type_name}` is a valid entity type name")
    });
    EntityUid::from_type_name_and_id(type_name, EntityId::new(id))
}

/// The uid of an instance of `secret` in `environment`. Environment names
/// cannot contain `@`, so the id is unambiguous.
pub fn instance_uid(secret: &str, environment: &str) -> EntityUid {
    uid("SecretInstance", &format!("{secret}@{environment}"))
}

pub const INVENTORY_ID: &str = "inventory";

#[derive(Default)]
struct Builder {
    entities: Vec<Entity>,
}

type Attrs = HashMap<String, RestrictedExpression>;

fn string(value: impl Into<String>) -> RestrictedExpression {
    RestrictedExpression::new_string(value.into())
}

fn entity_ref(type_name: &str, id: &str) -> RestrictedExpression {
    RestrictedExpression::new_entity_uid(uid(type_name, id))
}

fn entity_set<'a>(type_name: &str, ids: impl IntoIterator<Item = &'a str>) -> RestrictedExpression {
    RestrictedExpression::new_set(ids.into_iter().map(|id| entity_ref(type_name, id)))
}

fn insert_opt(attrs: &mut Attrs, key: &str, value: Option<RestrictedExpression>) {
    if let Some(value) = value {
        attrs.insert(key.to_owned(), value);
    }
}

impl Builder {
    fn push(&mut self, uid: EntityUid, attrs: Attrs) -> Result<(), String> {
        let entity = Entity::new(uid, attrs, HashSet::new()).map_err(|e| e.to_string())?;
        self.entities.push(entity);
        Ok(())
    }
}

/// Builds the entity store and the facts of `inventory`, as of `now`.
///
/// Fails only on an internal inconsistency (an entity that does not conform
/// to the schema), which is a bug in secretary, not bad input.
pub fn build(
    inventory: &Inventory,
    now: Date,
    schema: &cedar_policy::Schema,
) -> Result<EntityStore, String> {
    let derived = derive::derive(inventory, now);
    let mut b = Builder::default();
    let mut facts = Vec::new();
    let inventory_uid = uid("Inventory", INVENTORY_ID);
    b.entities
        .push(Entity::new_no_attrs(inventory_uid.clone(), HashSet::new()));

    let define = |resource: EntityUid, location: &Location| Fact {
        action: Action::Define,
        principal: inventory_uid.clone(),
        resource: resource.clone(),
        environment: None,
        subject: resource,
        environment_name: None,
        counterpart: None,
        location: location.clone(),
    };

    for env in inventory.environments.values() {
        let mut attrs = Attrs::new();
        attrs.insert("name".into(), string(&env.name));
        attrs.insert("tier".into(), string(env.tier.as_str()));
        let id = uid("Environment", &env.name);
        facts.push(define(id.clone(), &env.location));
        b.push(id, attrs)?;
    }

    for service in inventory.services.values() {
        let mut attrs = Attrs::new();
        attrs.insert("name".into(), string(&service.name));
        attrs.insert("kind".into(), string(serde_name(&service.kind)));
        attrs.insert(
            "public_facing".into(),
            RestrictedExpression::new_bool(service.public_facing),
        );
        let id = uid("Service", &service.name);
        facts.push(define(id.clone(), &service.location));
        b.push(id, attrs)?;
    }

    for identity in inventory.identities.values() {
        let mut attrs = Attrs::new();
        attrs.insert("name".into(), string(&identity.name));
        attrs.insert("kind".into(), string(serde_name(&identity.kind)));
        attrs.insert(
            "allow".into(),
            RestrictedExpression::new_set(identity.allow.iter().map(string)),
        );
        insert_opt(&mut attrs, "access", identity.access.as_ref().map(string));
        insert_opt(&mut attrs, "scope", identity.scope.as_ref().map(string));
        insert_opt(
            &mut attrs,
            "service",
            identity
                .service
                .as_deref()
                .map(|s| entity_ref("Service", s)),
        );
        attrs.insert(
            "credentials".into(),
            entity_set("Secret", identity.credentials.iter().map(String::as_str)),
        );
        insert_opt(
            &mut attrs,
            "rotation_days",
            identity
                .rotation
                .as_ref()
                .map(|p| RestrictedExpression::new_long(p.days)),
        );
        if let Some(aws) = &identity.aws {
            insert_opt(&mut attrs, "aws_account", aws.account.as_ref().map(string));
            insert_opt(&mut attrs, "aws_name", aws.name.as_ref().map(string));
            insert_opt(&mut attrs, "aws_arn", aws.arn.as_ref().map(string));
        }
        let id = uid("Identity", &identity.name);
        facts.push(define(id.clone(), &identity.location));
        b.push(id, attrs)?;
    }

    for secret in inventory.secrets.values() {
        let secret_uid = uid("Secret", &secret.id);
        let mut attrs = Attrs::new();
        attrs.insert("name".into(), string(&secret.name));
        attrs.insert(
            "classification".into(),
            string(serde_name(&secret.classification)),
        );
        insert_opt(
            &mut attrs,
            "category",
            secret.category.as_ref().map(|c| string(serde_name(c))),
        );
        insert_opt(&mut attrs, "owner", secret.owner.as_ref().map(string));
        if let Some(scope) = &secret.scope {
            attrs.insert("scope_level".into(), string(serde_name(&scope.level)));
            insert_opt(&mut attrs, "scope_name", scope.name.as_ref().map(string));
        }
        insert_opt(
            &mut attrs,
            "rotation_days",
            secret
                .rotation
                .period
                .as_ref()
                .map(|p| RestrictedExpression::new_long(p.days)),
        );
        insert_opt(
            &mut attrs,
            "rotation_method",
            secret
                .rotation
                .method
                .as_ref()
                .map(|m| string(serde_name(m))),
        );
        attrs.insert(
            "rotation_breaks".into(),
            RestrictedExpression::new_set(
                secret.rotation.breaks.iter().map(|b| string(serde_name(b))),
            ),
        );
        attrs.insert(
            "never_log".into(),
            RestrictedExpression::new_bool(secret.never_log),
        );
        insert_opt(
            &mut attrs,
            "readers",
            secret
                .readers
                .as_ref()
                .map(|r| entity_set("Service", r.iter().map(String::as_str))),
        );
        attrs.insert(
            "environments".into(),
            entity_set("Environment", secret.instances.keys().map(String::as_str)),
        );
        attrs.insert(
            "shadows".into(),
            entity_set(
                "Secret",
                derived
                    .shadows
                    .get(secret.id.as_str())
                    .into_iter()
                    .flatten()
                    .copied(),
            ),
        );
        facts.push(define(secret_uid.clone(), &secret.location));
        b.push(secret_uid.clone(), attrs)?;

        for (env, instance) in &secret.instances {
            let instance_uid = instance_uid(&secret.id, env);
            let mut attrs = Attrs::new();
            attrs.insert(
                "secret".into(),
                RestrictedExpression::new_entity_uid(secret_uid.clone()),
            );
            attrs.insert("environment".into(), entity_ref("Environment", env));
            attrs.insert("backend".into(), string(serde_name(&instance.backend)));
            insert_opt(&mut attrs, "env_var", instance.env_var.as_ref().map(string));
            if let Some(file) = &instance.file {
                attrs.insert("file_path".into(), string(&file.path));
                if let Some(mode) = file.mode {
                    attrs.insert("file_mode".into(), string(format!("{mode:04o}")));
                    attrs.insert(
                        "file_mode_wider_than_0600".into(),
                        RestrictedExpression::new_bool(mode & !0o600 != 0),
                    );
                }
            }
            insert_opt(
                &mut attrs,
                "reference",
                instance.reference.as_ref().map(string),
            );
            insert_opt(&mut attrs, "store", instance.store.as_ref().map(string));
            attrs.insert("encryption".into(), string(&instance.encryption));
            let age = derived
                .age_days
                .get(&(secret.id.as_str(), env.as_str()))
                .copied();
            insert_opt(
                &mut attrs,
                "last_rotated",
                instance.last_rotated.map(|d| string(d.to_string())),
            );
            insert_opt(
                &mut attrs,
                "age_days",
                age.map(RestrictedExpression::new_long),
            );
            let period = secret.rotation.period.as_ref().map(|p| p.days);
            insert_opt(
                &mut attrs,
                "rotation_days",
                period.map(RestrictedExpression::new_long),
            );
            if let (Some(age), Some(period)) = (age, period) {
                if age > period {
                    attrs.insert(
                        "days_overdue".into(),
                        RestrictedExpression::new_long(age - period),
                    );
                }
            }
            attrs.insert(
                "has_fingerprint".into(),
                RestrictedExpression::new_bool(instance.fingerprint.is_some()),
            );
            let key = (secret.id.as_str(), env.as_str());
            attrs.insert(
                "shared_with_environments".into(),
                entity_set(
                    "Environment",
                    derived
                        .shared_environments
                        .get(&key)
                        .into_iter()
                        .flatten()
                        .copied(),
                ),
            );
            attrs.insert(
                "shared_with_secrets".into(),
                entity_set(
                    "Secret",
                    derived
                        .shared_secrets
                        .get(&key)
                        .into_iter()
                        .flatten()
                        .copied(),
                ),
            );
            facts.push(Fact {
                action: Action::Store,
                principal: uid("Environment", env),
                resource: instance_uid.clone(),
                environment: None,
                subject: secret_uid.clone(),
                environment_name: Some(env.clone()),
                counterpart: None,
                location: instance.location.clone(),
            });
            b.push(instance_uid, attrs)?;
        }
    }

    for var in inventory.env_vars.values() {
        let var_uid = uid("EnvVar", &var.name);
        let mut attrs = Attrs::new();
        attrs.insert("name".into(), string(&var.name));
        attrs.insert(
            "has_default".into(),
            RestrictedExpression::new_bool(var.default.is_some()),
        );
        attrs.insert(
            "required".into(),
            RestrictedExpression::new_bool(var.required),
        );
        attrs.insert(
            "required_in".into(),
            entity_set("Environment", var.required_in.iter().map(String::as_str)),
        );
        insert_opt(
            &mut attrs,
            "secret",
            var.secret.as_deref().map(|s| entity_ref("Secret", s)),
        );
        insert_opt(&mut attrs, "category", var.category.as_ref().map(string));
        insert_opt(&mut attrs, "purpose", var.purpose.as_ref().map(string));
        let required_envs: Vec<&String> = if var.required {
            inventory.environments.keys().collect()
        } else {
            var.required_in.iter().collect()
        };
        let tiers: std::collections::BTreeSet<&str> = required_envs
            .iter()
            .filter_map(|env| inventory.environments.get(env.as_str()))
            .map(|env| env.tier.as_str())
            .collect();
        attrs.insert(
            "required_in_tiers".into(),
            RestrictedExpression::new_set(tiers.into_iter().map(string)),
        );
        attrs.insert(
            "services".into(),
            entity_set("Service", var.services.iter().map(String::as_str)),
        );
        facts.push(define(var_uid.clone(), &var.location));
        // One `require` fact per environment the variable is required in.
        let mut seen = HashSet::new();
        for env in required_envs {
            if seen.insert(env) {
                facts.push(Fact {
                    action: Action::Require,
                    principal: uid("Environment", env),
                    resource: var_uid.clone(),
                    environment: None,
                    subject: var_uid.clone(),
                    environment_name: Some(env.clone()),
                    counterpart: None,
                    location: var.location.clone(),
                });
            }
        }
        b.push(var_uid, attrs)?;
    }

    for read in &inventory.reads {
        let principal = uid("Service", &read.service);
        let resource = uid("Secret", &read.secret);
        let environments: Vec<Option<&String>> = if read.environments.is_empty() {
            vec![None]
        } else {
            read.environments.iter().map(Some).collect()
        };
        for env in environments {
            facts.push(Fact {
                action: Action::Read,
                principal: principal.clone(),
                resource: resource.clone(),
                environment: env.map(|e| uid("Environment", e)),
                subject: resource.clone(),
                environment_name: env.cloned(),
                counterpart: Some(principal.clone()),
                location: read.location.clone(),
            });
        }
    }

    let entities = Entities::from_entities(b.entities, Some(schema)).map_err(|e| {
        format!("internal error: the inventory's entities do not match the Cedar schema: {e}")
    })?;
    Ok(EntityStore { entities, facts })
}
