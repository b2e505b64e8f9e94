//! The repository the inventory describes, and the secret files on this
//! machine: what the checkout and the host would let leak.
//!
//! - [`files`]: each declared secret file of the environments named with
//!   `check --env` (exists, permission bits, owner; never its content);
//! - [`git`]: which secret files and `.env` files git tracks, and which it
//!   would let someone commit (`sources.repository`);
//! - [`env_example`]: the variables `.env.example` files list, and values
//!   in them that look real (`sources.env_example`);
//! - [`facts`]: secret files add attributes to their `SecretInstance`
//!   entities, in whichever chunk holds them; the repository, its files and
//!   the example files' variables are judged by `scan` facts from the
//!   `Repository` principal in a chunk of their own. A secret file whose
//!   metadata cannot be read is a `files-not-verified` error finding, a
//!   repository git cannot be asked about a `repository-not-verified` one.

pub mod env_example;
pub mod facts;
pub mod files;
pub mod git;
