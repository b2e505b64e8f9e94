//! Stage 2: observations of the real world that rules compare with the
//! inventory. Today: the AWS account's IAM state ([`iam`]).
//!
//! Observations are plain data. Collecting them live needs the network and
//! the AWS SDK (cargo feature `aws`); everything that reads a collected
//! snapshot builds without it, so offline checks of saved snapshots work in
//! any build.

pub mod iam;
