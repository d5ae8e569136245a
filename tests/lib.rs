//! Browser end-to-end tests live in `browser.rs`; see README "Run the tests".
