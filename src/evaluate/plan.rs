//! The entity stores to judge: the inventory and every observation cut
//! into chunks, each a set of Cedar entities and the facts judged against
//! them.
//!
//! A large inventory is judged in chunks: an [`EntityPlan`] groups each
//! secret with its instances, the env vars that carry it and the reads of
//! it, and each chunk gets an entity store of its own holding those items
//! plus everything any of them can refer to (environments, services,
//! identities, and entities a rule names literally). Rules can only reach
//! other entities through attributes, and every attribute that refers to an
//! entity points inside the chunk or at a shared one, so a chunk answers
//! exactly as one store of everything would, in bounded memory and in
//! parallel. A chunk's entities are plain data ([`crate::entities::data`])
//! until evaluation knows which of them a rule may read.
//!
//! Observations add to this, each built by its source under
//! [`crate::observe`]: the IAM account and the repository with its
//! `.env.example` files are judged in chunks of their own, as are compose
//! files and code; reads observed in compose files join their secret's
//! chunk, and secret files and values observed on this machine add
//! attributes to their instances in whichever chunk holds them. This is the
//! one place that knows every source, so it sits above both the entities'
//! building blocks and the observations.

use std::collections::BTreeSet;

use cedar_policy::Entities;
use jiff::civil::Date;

use crate::entities::data::EntityData;
use crate::entities::derive;
use crate::entities::items;
use crate::entities::{EntityLiterals, EntityStore, Fact};
use crate::inventory::model::{EnvVar, Inventory, Read, Secret};
use crate::observe::{compose, iam, repository, stores, Observations};
use crate::source::Location;

/// How many secrets share one entity store. Small, so that a chunk's
/// entities, its Cedar store and the facts judged against them stay in the
/// processor's caches while they are used: at 10,000 secrets, chunks of 16
/// to 64 secrets made a check about a quarter faster than chunks of 512, for
/// the same number of instructions. The shared entities (environments,
/// services, identities) are built again for each chunk, which costs little
/// next to a chunk's own.
const CHUNK_SECRETS: usize = 32;

/// Items judged together against one entity store.
#[derive(Default)]
struct Chunk<'a> {
    /// Facts about the inventory's shared items (environments, services,
    /// identities, env vars that carry no secret) live in the first chunk.
    shared_facts: bool,
    secrets: Vec<&'a Secret>,
    env_vars: Vec<&'a EnvVar>,
    reads: Vec<&'a Read>,
    /// Observed reads of this chunk's secrets (compose files).
    observed_reads: Vec<Fact>,
}

/// The inventory cut into chunks, ready to become entity stores one by one.
pub struct EntityPlan<'a> {
    inventory: &'a Inventory,
    derived: derive::Derived<'a>,
    /// Entities every chunk holds.
    shared: Vec<EntityData>,
    /// Secrets (with their instances) and env vars that rules name literally:
    /// every chunk holds them too.
    pinned_secrets: BTreeSet<&'a str>,
    pinned_env_vars: BTreeSet<&'a str>,
    chunks: Vec<Chunk<'a>>,
    /// The observed IAM account, judged in a chunk of its own.
    iam: Option<iam::facts::IamChunk>,
    /// The repository and `.env.example` files, judged in a chunk of their
    /// own (after the IAM one).
    repository: Option<repository::facts::RepoChunk>,
    /// Observed attributes of secret files' instances (`check --env`).
    instance_attrs: repository::facts::InstanceAttrs,
    /// Compose files and code, judged in a chunk of their own.
    scan: Option<compose::facts::ScanChunk>,
    /// The account's secret stores and who can read them, judged in a
    /// chunk of their own (the last).
    stores: Option<(Vec<EntityData>, Vec<Fact>)>,
    /// Variable names the code or compose files refer to (only when code was scanned).
    referenced: Option<BTreeSet<String>>,
}

/// Plans the entity stores of `inventory` and of what `observations` saw
/// of the real world (empty when nothing was observed), as of `now`.
/// `literals` are the entities the rules name. Every observation reaches
/// the rules through here.
pub fn plan<'a>(
    inventory: &'a Inventory,
    now: Date,
    literals: &EntityLiterals,
    observations: &Observations,
) -> EntityPlan<'a> {
    plan_in_chunks(inventory, now, literals, observations, CHUNK_SECRETS)
}

/// [`plan`] with a chosen chunk size (tests use tiny chunks).
pub(crate) fn plan_in_chunks<'a>(
    inventory: &'a Inventory,
    now: Date,
    literals: &EntityLiterals,
    observations: &Observations,
    chunk_secrets: usize,
) -> EntityPlan<'a> {
    let chunk_secrets = chunk_secrets.max(1);
    // Observed fingerprints replace declared ones; observed facts become
    // attributes of the instances.
    let mut derived = derive::derive(
        inventory,
        now,
        observations.values.as_ref().map(|v| &v.instances),
    );
    // The secret stores: what they add to instances (attributes, the date of
    // the current value) and reads that IAM allows.
    let mut store_facts = observations.stores.as_ref().map(|observed| {
        let readers = stores::readers::analyse(observations.iam.as_ref(), observed);
        stores::facts::build(
            inventory,
            observed,
            observations.iam.as_ref(),
            &readers,
            now,
        )
    });
    if let Some(store_facts) = &store_facts {
        for ((secret, env), date) in &store_facts.rotated {
            let key = inventory.secrets.get_key_value(secret).and_then(|(id, s)| {
                let (env, _) = s.instances.get_key_value(env)?;
                Some((id.as_str(), env.as_str()))
            });
            if let Some(key) = key {
                derived.rotated.insert(key, *date);
            }
        }
    }
    let mut shared = vec![items::inventory()];
    for env in inventory.environments.values() {
        shared.push(items::environment(env, None));
    }
    for service in inventory.services.values() {
        shared.push(items::service(service, None));
    }
    for identity in inventory.identities.values() {
        shared.push(items::identity(identity, None));
    }

    let mut pinned_secrets = BTreeSet::new();
    let mut pinned_env_vars = BTreeSet::new();
    for (type_name, id) in literals {
        match type_name.as_str() {
            "Secret" => {
                pinned_secrets.extend(inventory.secrets.get_key_value(id).map(|(k, _)| k.as_str()))
            }
            "SecretInstance" => {
                let secret = id
                    .rsplit_once('@')
                    .map_or(id.as_str(), |(secret, _)| secret);
                pinned_secrets.extend(
                    inventory
                        .secrets
                        .get_key_value(secret)
                        .map(|(k, _)| k.as_str()),
                );
            }
            "EnvVar" => {
                if let Some((name, var)) = inventory.env_vars.get_key_value(id) {
                    pinned_env_vars.insert(name.as_str());
                    pinned_secrets.extend(
                        var.secret
                            .as_deref()
                            .and_then(|s| inventory.secrets.get_key_value(s))
                            .map(|(k, _)| k.as_str()),
                    );
                }
            }
            _ => {}
        }
    }

    // Secrets in id order, cut into chunks; their env vars and reads follow them.
    let mut chunk_of: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    let mut chunks: Vec<Chunk<'a>> = vec![Chunk {
        shared_facts: true,
        ..Chunk::default()
    }];
    for (index, secret) in inventory.secrets.values().enumerate() {
        if index > 0 && index % chunk_secrets == 0 {
            chunks.push(Chunk::default());
        }
        let last = chunks.len() - 1;
        chunk_of.insert(secret.id.as_str(), last);
        chunks[last].secrets.push(secret);
    }
    for var in inventory.env_vars.values() {
        let chunk = var
            .secret
            .as_deref()
            .and_then(|s| chunk_of.get(s))
            .copied()
            .unwrap_or(0);
        chunks[chunk].env_vars.push(var);
    }
    for read in &inventory.reads {
        let chunk = chunk_of.get(read.secret.as_str()).copied().unwrap_or(0);
        chunks[chunk].reads.push(read);
    }
    let (compose, code) = (observations.compose.as_ref(), observations.code.as_ref());
    let mut observed_reads = compose
        .map(|compose| compose::facts::observed_reads(inventory, compose))
        .unwrap_or_default();
    if let Some(store_facts) = &mut store_facts {
        observed_reads.append(&mut store_facts.reads);
    }
    for (secret, fact) in observed_reads {
        let chunk = chunk_of.get(secret.as_str()).copied().unwrap_or(0);
        chunks[chunk].observed_reads.push(fact);
    }
    let mut instance_attrs = observations
        .files
        .as_ref()
        .map(|files| repository::facts::instance_attrs(inventory, files))
        .unwrap_or_default();
    if let Some(store_facts) = &mut store_facts {
        for (uid, attrs) in store_facts.instance_attrs.drain(..) {
            instance_attrs.entry(uid).or_default().extend(attrs);
        }
    }
    EntityPlan {
        inventory,
        derived,
        shared,
        pinned_secrets,
        pinned_env_vars,
        chunks,
        iam: observations
            .iam
            .as_ref()
            .map(|snapshot| iam::facts::build(inventory, snapshot, now)),
        repository: repository::facts::build(
            inventory,
            observations.repository.as_ref(),
            observations.env_example.as_ref(),
            compose::facts::set_by_compose(compose).as_ref(),
        ),
        instance_attrs,
        scan: compose::facts::scan_chunk(inventory, compose, code),
        stores: store_facts.map(|f| (f.entities, f.facts)),
        referenced: compose::facts::referenced(compose, code),
    }
}

impl EntityPlan<'_> {
    pub fn chunk_count(&self) -> usize {
        self.chunks.len() + self.observed_chunks().count()
    }

    /// The chunks of observations, judged after the inventory's: the
    /// entities and the facts of each.
    fn observed_chunks(&self) -> impl Iterator<Item = (&[EntityData], &[Fact])> {
        [
            self.iam.as_ref().map(|c| (&c.entities[..], &c.facts[..])),
            self.repository
                .as_ref()
                .map(|c| (&c.entities[..], &c.facts[..])),
            self.scan.as_ref().map(|c| (&c.entities[..], &c.facts[..])),
            self.stores.as_ref().map(|(e, f)| (&e[..], &f[..])),
        ]
        .into_iter()
        .flatten()
    }

    /// Builds chunk `index` (below [`Self::chunk_count`]): its entities
    /// and its facts. Past the last chunk, the shared entities and no facts.
    pub fn build_chunk(&self, index: usize) -> EntityStore {
        if let Some(observed) = index.checked_sub(self.chunks.len()) {
            let (own, facts) = self.observed_chunks().nth(observed).unwrap_or_default();
            let mut entities = self.shared.clone();
            entities.extend(own.iter().cloned());
            return EntityStore {
                entities,
                facts: facts.to_vec(),
            };
        }
        let chunk = &self.chunks[index];
        // Sized up front (one entity per secret, instance and env var; a
        // fact for each, and one per read): growing them copied every
        // chunk's entities and facts several times over.
        let instances: usize = chunk.secrets.iter().map(|s| s.instances.len()).sum();
        let items = chunk.secrets.len() + instances + chunk.env_vars.len();
        let mut entities = Vec::with_capacity(self.shared.len() + items);
        entities.extend(self.shared.iter().cloned());
        let mut facts = Vec::with_capacity(items + chunk.env_vars.len() + chunk.reads.len());
        if chunk.shared_facts {
            for env in self.inventory.environments.values() {
                items::environment(env, Some(&mut facts));
            }
            for service in self.inventory.services.values() {
                items::service(service, Some(&mut facts));
            }
            for identity in self.inventory.identities.values() {
                items::identity(identity, Some(&mut facts));
            }
        }
        let mut own_secrets = BTreeSet::new();
        for secret in &chunk.secrets {
            own_secrets.insert(secret.id.as_str());
            items::secret(secret, &self.derived, &mut entities, Some(&mut facts));
        }
        for id in self.pinned_secrets.difference(&own_secrets) {
            if let Some(secret) = self.inventory.secrets.get(*id) {
                items::secret(secret, &self.derived, &mut entities, None);
            }
        }
        let mut own_vars = BTreeSet::new();
        for var in &chunk.env_vars {
            own_vars.insert(var.name.as_str());
            entities.push(items::env_var(
                var,
                self.inventory,
                self.referenced.as_ref(),
                Some(&mut facts),
            ));
        }
        for name in self.pinned_env_vars.difference(&own_vars) {
            if let Some(var) = self.inventory.env_vars.get(*name) {
                entities.push(items::env_var(
                    var,
                    self.inventory,
                    self.referenced.as_ref(),
                    None,
                ));
            }
        }
        for read in &chunk.reads {
            items::read_facts(read, &mut facts);
        }
        repository::facts::extend_entities(&mut entities, &self.instance_attrs);
        facts.extend(chunk.observed_reads.iter().cloned());
        EntityStore { entities, facts }
    }

    /// A location for problems that concern a chunk as a whole.
    pub fn chunk_location(&self, index: usize) -> Location {
        let Some(chunk) = self.chunks.get(index) else {
            return self
                .inventory
                .files
                .first()
                .map(Location::file_start)
                .unwrap_or_else(|| Location::file_start(&std::sync::Arc::from("inventory")));
        };
        chunk
            .secrets
            .first()
            .map(|s| s.location.clone())
            .or_else(|| self.inventory.files.first().map(Location::file_start))
            .unwrap_or_else(|| Location::file_start(&std::sync::Arc::from("inventory")))
    }
}

/// Builds every chunk as a Cedar store checked against `schema`; for tests
/// and the fuzz target, which check that any valid inventory becomes
/// entities that fit the schema.
pub fn build_all(
    inventory: &Inventory,
    now: Date,
    schema: &cedar_policy::Schema,
) -> Result<Vec<(Entities, Vec<Fact>)>, String> {
    let plan = plan(
        inventory,
        now,
        &EntityLiterals::new(),
        &Observations::default(),
    );
    (0..plan.chunk_count())
        .map(|i| {
            let store = plan.build_chunk(i);
            Ok((store.cedar(Some(schema))?, store.facts))
        })
        .collect()
}
