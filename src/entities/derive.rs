//! Attributes Cedar cannot compute: they need the clock or a view across
//! many entities at once.

use std::collections::{BTreeMap, BTreeSet};

// Read once per instance in every chunk. SipHash's defence against chosen
// keys buys nothing for an inventory its own user wrote; foldhash is faster.
use foldhash::HashMap;

use jiff::civil::Date;
use rayon::prelude::*;

use super::values::ObservedValue;
use crate::inventory::model::Inventory;

type InstanceKey<'a> = (&'a str, &'a str);

pub struct Derived<'a> {
    /// The evaluation date, for ages.
    now: Date,
    /// Other environments of the same secret with the same fingerprint.
    pub shared_environments: HashMap<InstanceKey<'a>, BTreeSet<&'a str>>,
    /// Other secrets with an instance of the same fingerprint.
    pub shared_secrets: HashMap<InstanceKey<'a>, BTreeSet<&'a str>>,
    /// Wider-scoped secrets with the same name, per narrower secret.
    pub shadows: HashMap<&'a str, BTreeSet<&'a str>>,
    /// What was observed of each instance's value (never the value or its fingerprint).
    pub values: HashMap<InstanceKey<'a>, super::values::ValueAttrs>,
    /// The date of each instance's current value as its secret store
    /// records it: it replaces the declared `last_rotated`.
    pub rotated: HashMap<InstanceKey<'a>, Date>,
}

impl Derived<'_> {
    /// Whole days from `last_rotated` to the evaluation date. Computed per
    /// instance as its chunk is built, in parallel, not kept in a map here.
    pub fn age_days(&self, last_rotated: Date) -> i64 {
        // Civil dates have no time zone, so every day is 24 hours.
        last_rotated.duration_until(self.now).as_hours() / 24
    }
}

/// The derived attributes of `inventory` as of `now`. With observed
/// `values` (by secret id and environment), an observed fingerprint replaces the inventory's declared one
/// for its instance, and fingerprints are only compared within one key
/// space (declared ones among themselves, observed ones, all made with one
/// key, among themselves).
pub fn derive<'a>(
    inventory: &'a Inventory,
    now: Date,
    values: Option<&BTreeMap<(String, String), ObservedValue>>,
) -> Derived<'a> {
    let mut derived = Derived {
        now,
        shared_environments: HashMap::default(),
        shared_secrets: HashMap::default(),
        shadows: HashMap::default(),
        values: HashMap::default(),
        rotated: HashMap::default(),
    };
    let observed =
        |secret: &str, env: &str| values.and_then(|v| v.get(&(secret.to_owned(), env.to_owned())));
    if values.is_some() {
        for secret in inventory.secrets.values() {
            for env in secret.instances.keys() {
                if let Some(value) = observed(&secret.id, env) {
                    derived.values.insert(
                        (secret.id.as_str(), env.as_str()),
                        super::values::ValueAttrs::of(&secret.id, value),
                    );
                }
            }
        }
    }
    // Every instance's fingerprint, keyed by key space (`false` declared,
    // `true` observed) and sorted so that equal ones are neighbours. Read
    // and sorted in parallel: a large inventory's instances are scattered
    // in memory, and one thread walking them into a hash map took about
    // 10 ms at 10,000 secrets, while the other core waited.
    let mut fingerprints: Vec<((bool, &str), InstanceKey<'_>)> = inventory
        .secrets
        .par_iter()
        .flat_map_iter(|(_, secret)| {
            secret.instances.iter().filter_map(move |(env, instance)| {
                let fingerprint = match observed(&secret.id, env) {
                    Some(value) => value.fingerprint.as_deref().map(|f| (true, f)),
                    None => instance.fingerprint.as_deref().map(|f| (false, f)),
                };
                fingerprint.map(|f| (f, (secret.id.as_str(), env.as_str())))
            })
        })
        .collect();
    fingerprints.par_sort_unstable();
    let by_fingerprint = fingerprints
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| group.iter().map(|(_, key)| *key).collect::<Vec<_>>());

    for holders in by_fingerprint.filter(|h| h.len() > 1) {
        for &(secret, env) in &holders {
            for &(other_secret, other_env) in &holders {
                if other_secret == secret && other_env != env {
                    derived
                        .shared_environments
                        .entry((secret, env))
                        .or_default()
                        .insert(other_env);
                } else if other_secret != secret {
                    derived
                        .shared_secrets
                        .entry((secret, env))
                        .or_default()
                        .insert(other_secret);
                }
            }
        }
    }

    let mut by_name: BTreeMap<&str, Vec<&crate::inventory::model::Secret>> = BTreeMap::new();
    for secret in inventory.secrets.values() {
        if secret.scope.is_some() {
            by_name
                .entry(secret.name.as_str())
                .or_default()
                .push(secret);
        }
    }
    for group in by_name.values().filter(|g| g.len() > 1) {
        for narrow in group {
            for wide in group {
                let (Some(n), Some(w)) = (&narrow.scope, &wide.scope) else {
                    continue;
                };
                // Organization < team < workspace: a larger level is narrower.
                if n.level > w.level {
                    derived
                        .shadows
                        .entry(narrow.id.as_str())
                        .or_default()
                        .insert(wide.id.as_str());
                }
            }
        }
    }
    derived
}
