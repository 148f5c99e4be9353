//! Embeds every rule file under `rules/` so the binary carries its catalogue.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let rules = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("rules");
    println!("cargo::rerun-if-changed={}", rules.display());
    let mut files = Vec::new();
    for vendor in fs::read_dir(&rules).expect("rules/ exists") {
        let vendor = vendor.expect("readable rules/ entry").path();
        println!("cargo::rerun-if-changed={}", vendor.display());
        if !vendor.is_dir() {
            continue;
        }
        for rule in fs::read_dir(&vendor).expect("readable vendor folder") {
            let rule = rule.expect("readable rule entry").path();
            if rule.extension().is_some_and(|ext| ext == "toml") {
                files.push(rule);
            }
        }
    }
    files.sort();
    let mut out = String::from(
        "/// Every rule file: (path relative to `rules/`, content).\npub(crate) const RULE_FILES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let relative = file
            .strip_prefix(&rules)
            .expect("under rules/")
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(
            out,
            "    ({relative:?}, include_str!({:?})),",
            file.display().to_string()
        )
        .expect("write to String");
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("rule_files.rs");
    fs::write(dest, out).expect("write rule_files.rs");
}
