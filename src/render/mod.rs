//! Stage 6: print findings. Renderers write to any `io::Write` so tests can
//! capture output; none reads the environment or the clock.

pub mod bounds;
pub mod catalog;
pub mod docs;
pub mod human;
pub mod json;
pub mod junit;
pub mod reference;
pub mod report;
pub mod rotation;
pub mod sarif;
pub mod svg;
pub mod templates;
pub mod view;
