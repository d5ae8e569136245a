//! `docs/findings.md` is generated from the catalog; this keeps it in sync.

#[test]
fn findings_doc_is_in_sync() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/findings.md");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = mtasts_core::catalog::markdown();
    assert!(
        on_disk == generated,
        "docs/findings.md is out of date with crates/core/src/catalog.rs; regenerate it with\n  cargo run -q -p mtasts -- explain --all --markdown > docs/findings.md"
    );
}
