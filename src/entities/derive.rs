//! Attributes Cedar cannot compute: they need the clock or a view across
//! many entities at once.

use std::collections::{BTreeMap, BTreeSet};

// Read once per instance in every chunk. SipHash's defence against chosen
// keys buys nothing for an inventory its own user wrote; foldhash is faster.
use foldhash::HashMap;

use jiff::civil::Date;

use crate::inventory::model::Inventory;

type InstanceKey<'a> = (&'a str, &'a str);

#[derive(Default)]
pub struct Derived<'a> {
    /// Whole days from last rotation to `now`, per (secret, environment).
    pub age_days: HashMap<InstanceKey<'a>, i64>,
    /// Other environments of the same secret with the same fingerprint.
    pub shared_environments: HashMap<InstanceKey<'a>, BTreeSet<&'a str>>,
    /// Other secrets with an instance of the same fingerprint.
    pub shared_secrets: HashMap<InstanceKey<'a>, BTreeSet<&'a str>>,
    /// Wider-scoped secrets with the same name, per narrower secret.
    pub shadows: HashMap<&'a str, BTreeSet<&'a str>>,
    /// What was observed of each instance's value (never the value or its fingerprint).
    pub values: HashMap<InstanceKey<'a>, super::values::ValueAttrs>,
}

pub fn derive(inventory: &Inventory, now: Date) -> Derived<'_> {
    derive_observed(inventory, now, None)
}

/// [`derive`], with observed values: an observed fingerprint replaces the
/// inventory's declared one for its instance, and fingerprints are only
/// compared within one key space (declared ones among themselves, observed
/// ones, all made with one key, among themselves).
pub fn derive_observed<'a>(
    inventory: &'a Inventory,
    now: Date,
    values: Option<&crate::observe::values::ValueObservation>,
) -> Derived<'a> {
    let mut derived = Derived::default();
    // Keyed by (key space, fingerprint): `false` declared, `true` observed.
    let mut by_fingerprint: HashMap<(bool, &str), Vec<InstanceKey<'_>>> = HashMap::default();
    let observed = |secret: &str, env: &str| {
        values.and_then(|v| v.instances.get(&(secret.to_owned(), env.to_owned())))
    };

    for secret in inventory.secrets.values() {
        for (env, instance) in &secret.instances {
            let key = (secret.id.as_str(), env.as_str());
            if let Some(date) = instance.last_rotated {
                // Civil dates have no time zone, so every day is 24 hours.
                let age = date.duration_until(now).as_hours() / 24;
                derived.age_days.insert(key, age);
            }
            if let Some(value) = observed(&secret.id, env) {
                derived
                    .values
                    .insert(key, super::values::ValueAttrs::of(value));
            }
            let fingerprint = match observed(&secret.id, env) {
                Some(value) => value.fingerprint.as_deref().map(|f| (true, f)),
                None => instance.fingerprint.as_deref().map(|f| (false, f)),
            };
            if let Some(fingerprint) = fingerprint {
                by_fingerprint.entry(fingerprint).or_default().push(key);
            }
        }
    }

    for holders in by_fingerprint.values().filter(|h| h.len() > 1) {
        for &(secret, env) in holders {
            for &(other_secret, other_env) in holders {
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
