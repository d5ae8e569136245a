//! The views; one component per file.

pub mod domain_form;
pub mod finding;
pub mod light;
pub mod report;
pub mod section;
