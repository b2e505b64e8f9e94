//! One inventory item to Cedar entities and facts. Each function builds the
//! entities of one item and the facts that judge it; [`super::EntityPlan`]
//! decides which items share an entity store.

use std::collections::BTreeSet;

use cedar_policy::EntityUid;

use super::data::{
    boolean, entity_ref, entity_set, long, set, string, AttrValue, AttrsBuilder, EntityData,
};
use super::derive::Derived;
use super::{instance_uid, uid, Action, Fact, INVENTORY_ID};
use crate::inventory::model::{
    serde_name, EnvVar, Environment, Identity, Inventory, Read, Secret, Service,
};
use crate::source::Location;

fn define(resource: EntityUid, location: &Location) -> Fact {
    Fact {
        action: Action::Define,
        principal: uid("Inventory", INVENTORY_ID),
        resource: resource.clone(),
        environment: None,
        subject: resource,
        environment_name: None,
        counterpart: None,
        location: location.clone(),
        observed: None,
    }
}

pub fn inventory() -> EntityData {
    EntityData::new(uid("Inventory", INVENTORY_ID), Vec::new())
}

pub fn environment(env: &Environment, facts: Option<&mut Vec<Fact>>) -> EntityData {
    let id = uid("Environment", &env.name);
    if let Some(facts) = facts {
        facts.push(define(id.clone(), &env.location));
    }
    AttrsBuilder::default()
        .set("name", string(&env.name))
        .set("tier", string(env.tier.as_str()))
        .entity(id)
}

pub fn service(service: &Service, facts: Option<&mut Vec<Fact>>) -> EntityData {
    let id = uid("Service", &service.name);
    if let Some(facts) = facts {
        facts.push(define(id.clone(), &service.location));
    }
    AttrsBuilder::default()
        .set("name", string(&service.name))
        .set("kind", string(serde_name(&service.kind)))
        .set("public_facing", boolean(service.public_facing))
        .opt("review", service.review.as_ref().map(string))
        .entity(id)
}

pub fn identity(identity: &Identity, facts: Option<&mut Vec<Fact>>) -> EntityData {
    let id = uid("Identity", &identity.name);
    if let Some(facts) = facts {
        facts.push(define(id.clone(), &identity.location));
    }
    let aws = identity.aws.as_ref();
    AttrsBuilder::default()
        .set("name", string(&identity.name))
        .set("kind", string(serde_name(&identity.kind)))
        .set("allow", set(identity.allow.iter().map(string)))
        .opt("access", identity.access.as_ref().map(string))
        .opt("scope", identity.scope.as_ref().map(string))
        .opt(
            "service",
            identity
                .service
                .as_deref()
                .map(|s| entity_ref("Service", s)),
        )
        .set(
            "credentials",
            entity_set("Secret", identity.credentials.iter().map(String::as_str)),
        )
        .opt(
            "rotation_days",
            identity.rotation.as_ref().map(|p| long(p.days)),
        )
        .opt(
            "aws_account",
            aws.and_then(|a| a.account.as_ref()).map(string),
        )
        .opt("aws_name", aws.and_then(|a| a.name.as_ref()).map(string))
        .opt("aws_arn", aws.and_then(|a| a.arn.as_ref()).map(string))
        .entity(id)
}

/// The secret's entity and one entity per instance, with their facts.
pub fn secret(
    secret: &Secret,
    derived: &Derived<'_>,
    entities: &mut Vec<EntityData>,
    facts: Option<&mut Vec<Fact>>,
) {
    let secret_uid = uid("Secret", &secret.id);
    let mut facts = facts;
    if let Some(facts) = facts.as_deref_mut() {
        facts.push(define(secret_uid.clone(), &secret.location));
    }
    let period = secret.rotation.period.as_ref().map(|p| p.days);
    let shadows = derived.shadows.get(secret.id.as_str());
    entities.push(
        AttrsBuilder::default()
            .set("name", string(&secret.name))
            .set("classification", string(serde_name(&secret.classification)))
            .opt(
                "category",
                secret.category.as_ref().map(|c| string(serde_name(c))),
            )
            .opt("owner", secret.owner.as_ref().map(string))
            .opt(
                "scope_level",
                secret.scope.as_ref().map(|s| string(serde_name(&s.level))),
            )
            .opt(
                "scope_name",
                secret
                    .scope
                    .as_ref()
                    .and_then(|s| s.name.as_ref())
                    .map(string),
            )
            .opt("rotation_days", period.map(long))
            .opt(
                "rotation_method",
                secret
                    .rotation
                    .method
                    .as_ref()
                    .map(|m| string(serde_name(m))),
            )
            .set(
                "rotation_breaks",
                set(secret.rotation.breaks.iter().map(|b| string(serde_name(b)))),
            )
            .set("never_log", boolean(secret.never_log))
            .set("has_format", boolean(secret.format.is_some()))
            .opt("review", secret.review.as_ref().map(string))
            .opt(
                "readers",
                secret
                    .readers
                    .as_ref()
                    .map(|r| entity_set("Service", r.iter().map(String::as_str))),
            )
            .set(
                "environments",
                entity_set("Environment", secret.instances.keys().map(String::as_str)),
            )
            .set(
                "shadows",
                entity_set("Secret", shadows.into_iter().flatten().copied()),
            )
            .entity(secret_uid.clone()),
    );

    for (env, instance) in &secret.instances {
        let key = (secret.id.as_str(), env.as_str());
        let instance_uid = instance_uid(&secret.id, env);
        // The store's date of the current value, when observed, is the truth.
        let last_rotated = derived.rotated.get(&key).copied().or(instance.last_rotated);
        let age = last_rotated.map(|date| derived.age_days(date));
        let overdue = match (age, period) {
            (Some(age), Some(period)) if age > period => Some(age - period),
            _ => None,
        };
        let mode = instance.file.as_ref().and_then(|f| f.mode);
        if let Some(facts) = facts.as_deref_mut() {
            facts.push(Fact {
                action: Action::Store,
                principal: uid("Environment", env),
                resource: instance_uid.clone(),
                environment: None,
                subject: secret_uid.clone(),
                environment_name: Some(env.clone()),
                counterpart: None,
                location: instance.location.clone(),
                observed: None,
            });
        }
        entities.push(
            AttrsBuilder::default()
                .set("secret", AttrValue::Entity(secret_uid.clone()))
                .set("environment", entity_ref("Environment", env))
                .set("backend", string(serde_name(&instance.backend)))
                .opt("env_var", instance.env_var.as_ref().map(string))
                .opt("file_path", instance.file.as_ref().map(|f| string(&f.path)))
                .opt("file_mode", mode.map(|m| string(format!("{m:04o}"))))
                .opt(
                    "file_owner",
                    instance
                        .file
                        .as_ref()
                        .and_then(|f| f.owner.as_ref())
                        .map(string),
                )
                .opt(
                    "file_mode_wider_than_0600",
                    mode.map(|m| boolean(m & !0o600 != 0)),
                )
                .opt("reference", instance.reference.as_ref().map(string))
                .opt("store", instance.store.as_ref().map(string))
                .set("encryption", string(&instance.encryption))
                .opt("last_rotated", last_rotated.map(|d| string(d.to_string())))
                .opt("age_days", age.map(long))
                .opt("rotation_days", period.map(long))
                .opt("days_overdue", overdue.map(long))
                .set(
                    "has_fingerprint",
                    boolean(
                        instance.fingerprint.is_some()
                            || derived.values.get(&key).is_some_and(|v| v.has_fingerprint),
                    ),
                )
                .set(
                    "shared_with_environments",
                    entity_set(
                        "Environment",
                        derived
                            .shared_environments
                            .get(&key)
                            .into_iter()
                            .flatten()
                            .copied(),
                    ),
                )
                .set(
                    "shared_with_secrets",
                    entity_set(
                        "Secret",
                        derived
                            .shared_secrets
                            .get(&key)
                            .into_iter()
                            .flatten()
                            .copied(),
                    ),
                )
                .values(derived.values.get(&key))
                .entity(instance_uid),
        );
    }
}

/// The environments a variable is required in: all of them for `required`.
fn required_environments<'a>(var: &'a EnvVar, inventory: &'a Inventory) -> BTreeSet<&'a str> {
    if var.required {
        inventory.environments.keys().map(String::as_str).collect()
    } else {
        var.required_in.iter().map(String::as_str).collect()
    }
}

pub fn env_var(
    var: &EnvVar,
    inventory: &Inventory,
    referenced: Option<&BTreeSet<String>>,
    facts: Option<&mut Vec<Fact>>,
) -> EntityData {
    let var_uid = uid("EnvVar", &var.name);
    let required = required_environments(var, inventory);
    if let Some(facts) = facts {
        facts.push(define(var_uid.clone(), &var.location));
        for env in &required {
            facts.push(Fact {
                action: Action::Require,
                principal: uid("Environment", env),
                resource: var_uid.clone(),
                environment: None,
                subject: var_uid.clone(),
                environment_name: Some((*env).to_owned()),
                counterpart: None,
                location: var.location.clone(),
                observed: None,
            });
        }
    }
    let tiers: BTreeSet<&str> = required
        .iter()
        .filter_map(|env| inventory.environments.get(*env))
        .map(|env| env.tier.as_str())
        .collect();
    AttrsBuilder::default()
        .set("name", string(&var.name))
        .set("has_default", boolean(var.default.is_some()))
        .set("required", boolean(var.required))
        .set(
            "required_in",
            entity_set("Environment", var.required_in.iter().map(String::as_str)),
        )
        .set("required_in_tiers", set(tiers.into_iter().map(string)))
        .opt(
            "secret",
            var.secret.as_deref().map(|s| entity_ref("Secret", s)),
        )
        .opt("category", var.category.as_ref().map(string))
        .opt("purpose", var.purpose.as_ref().map(string))
        .opt("review", var.review.as_ref().map(string))
        .set(
            "browser_bundled",
            boolean(crate::heuristics::browser_public_name(&var.name)),
        )
        .set(
            "services",
            entity_set("Service", var.services.iter().map(String::as_str)),
        )
        .opt(
            "referenced",
            referenced.map(|names| boolean(names.contains(&var.name))),
        )
        .entity(var_uid)
}

/// One `read` fact per environment the read names, or one for all.
pub fn read_facts(read: &Read, facts: &mut Vec<Fact>) {
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
            observed: None,
        });
    }
}
