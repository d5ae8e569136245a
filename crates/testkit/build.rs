//! Embeds every scenario file in `scenarios/` so the binary (and `mtasts serve --demo`) carries
//! the catalogue with it, and the hostile world of `scenarios/hostile/` for the tests.
use std::fmt::Write;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out = String::new();
    // The demo catalogue, and the hostile world (tests only, never in the demo).
    for (constant, dir) in [("FILES", root.clone()), ("HOSTILE", root.join("hostile"))] {
        embed(&mut out, constant, &dir);
    }
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("scenarios.rs");
    std::fs::write(dest, out).unwrap();
}

fn embed(out: &mut String, constant: &str, dir: &std::path::Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    writeln!(out, "pub(crate) const {constant}: &[(&str, &str)] = &[").unwrap();
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
        writeln!(
            out,
            "    ({stem:?}, include_str!({:?})),",
            f.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
}
