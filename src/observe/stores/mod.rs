//! The account's secret stores (`check --aws`, `--aws-snapshot`): AWS
//! Secrets Manager and SSM Parameter Store, read as metadata only, matched
//! with the inventory's instances and with the IAM state that decides who
//! can read each secret.
//!
//! - [`snapshot`]: the stores part of an AWS snapshot (format version 2),
//!   per region, and what could not be collected;
//! - [`file`]: the AWS snapshot file, version 1 (IAM only) or 2 (IAM and
//!   the stores), read back into both observations;
//! - [`validate`]: the checks every region, name, ARN and date passes,
//!   live or from a snapshot;
//! - [`scope`]: which items a live collection reads in full;
//! - [`gaps`]: each part that could not be collected, as a
//!   `stores-not-verified` error finding;
//! - `collect` (feature `aws`): live collection with the AWS SDK, without
//!   ever reading a value (IAM's `wire` records each call and checks each
//!   answer is whole JSON).
//!
//! A store item is in scope when `settings.stores` (prefixes, tags) says
//! this inventory answers for it; without a scope, every item is.

pub mod facts;
pub mod file;
pub mod gaps;
pub mod readers;
pub mod scope;
pub mod snapshot;
pub mod validate;

#[cfg(feature = "aws")]
pub mod collect;

pub use snapshot::{Parameter, RegionStores, StoreGap, StoreKind, StoredSecret, Stores};
