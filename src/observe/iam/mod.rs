//! The AWS account's IAM state (`--iam`, `--iam-snapshot`): what it
//! observes, the facts it adds and the gaps it reports.
//!
//! - [`facts`]: the account, its users, roles, access keys and policies
//!   (and the inventory's AWS identities) as Cedar entities, judged by
//!   `observe` facts from the `AwsAccount` principal in a chunk of their
//!   own; each part of the account that could not be collected is an
//!   `iam-not-verified` error finding;
//! - [`snapshot`]: the documented, versioned JSON snapshot of an account
//!   (what `secretary iam snapshot` writes and `check --iam-snapshot` reads);
//! - [`report`]: parsing of the IAM credential report (CSV) into it;
//! - [`grants`]: what a policy document allows, IAM wildcard matching, and
//!   the actions an identity is granted beyond its declared allow list;
//! - [`validate`]: the checks every name, ARN, time and policy document
//!   passes, live or from a snapshot, and the size and depth bounds;
//! - `collect` (feature `aws`): live collection with the AWS SDK, in a
//!   fixed number of calls whatever the number of users, within one
//!   deadline; `details` reads and checks the authorization details,
//!   `wire` checks each answer is whole, well-formed XML.

pub mod facts;
pub mod grants;
pub mod report;
pub mod snapshot;
pub mod validate;

#[cfg(feature = "aws")]
pub mod collect;
#[cfg(feature = "aws")]
mod details;
#[cfg(feature = "aws")]
pub(crate) mod wire;

pub use snapshot::{Gap, Section, Snapshot};
