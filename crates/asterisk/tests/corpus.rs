//! Every real PBX set in `shared/corpus/asterisk/` loads; a snapshot per set keeps its shape.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use voipguard_asterisk::{Config, ConfigError, ConfigSet};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/asterisk")
}

/// Categories listed one by one; larger files are summarised (one export has 1,669 peers).
const LISTED_CATEGORIES: usize = 25;

/// Files, includes, execs, errors, warnings and categories with template information. No value is
/// printed, so no secret can reach the snapshot.
fn summary(set: &ConfigSet) -> String {
    let mut out = String::new();
    for config in &set.configs {
        summarise(&mut out, config);
    }
    for file in &set.included_only {
        let _ = writeln!(out, "included only: {}", file.display());
    }
    out
}

fn summarise(out: &mut String, config: &Config) {
    let _ = writeln!(out, "== {}", config.file.display());
    let files: Vec<String> = config
        .files_read
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    let _ = writeln!(out, "files read: {}", files.join(", "));
    for include in &config.includes {
        let _ = writeln!(
            out,
            "{:?} {} '{}' -> {} file(s)",
            include.kind,
            include.origin,
            include.target,
            include.files.len()
        );
    }
    for exec in &config.execs {
        let _ = writeln!(out, "exec {} '{}'", exec.origin, exec.command);
    }
    for error in &config.errors {
        let _ = writeln!(out, "error {error}");
    }
    for warning in config.warnings.iter().take(5) {
        let _ = writeln!(out, "warning {warning}");
    }
    if config.warnings.len() > 5 {
        let _ = writeln!(out, "... {} warnings in all", config.warnings.len());
    }
    let variables: usize = config.categories.iter().map(|c| c.variables.len()).sum();
    let _ = writeln!(
        out,
        "{} categories ({} templates), {} variables",
        config.categories.len(),
        config.categories.iter().filter(|c| c.is_template).count(),
        variables
    );
    for category in config.categories.iter().take(LISTED_CATEGORIES) {
        let inherited = category.variables.iter().filter(|v| v.inherited).count();
        let _ = writeln!(
            out,
            "  [{}]{}{} @{} vars={} inherited={}",
            category.name,
            if category.is_template { "(!)" } else { "" },
            if category.inherits.is_empty() {
                String::new()
            } else {
                format!(" inherits={}", category.inherits.join(","))
            },
            category.origin,
            category.variables.len(),
            inherited
        );
    }
    if config.categories.len() > LISTED_CATEGORIES {
        let _ = writeln!(
            out,
            "  ... {} more",
            config.categories.len() - LISTED_CATEGORIES
        );
    }
}

#[test]
fn every_corpus_set_loads() {
    let mut sets: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("shared corpus")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    assert!(sets.len() >= 14, "corpus sets found: {}", sets.len());
    for folder in sets {
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let set = ConfigSet::load(&folder).expect("set folder");
        assert!(!set.configs.is_empty(), "{name}: no configuration");
        for config in &set.configs {
            // A real set may lack a file it includes (and what that file would define: a `(+)`
            // or template target), or ship a headerless FreePBX fragment without its includer.
            if let Some(first) = config.errors.first() {
                assert!(
                    matches!(
                        first,
                        ConfigError::MissingInclude { .. } | ConfigError::NoCategory { .. }
                    ),
                    "{name}: unexpected {first}"
                );
            }
            for error in &config.errors {
                assert!(
                    matches!(
                        error,
                        ConfigError::MissingInclude { .. }
                            | ConfigError::NoCategory { .. }
                            | ConfigError::AppendWithoutTarget { .. }
                            | ConfigError::UnknownTemplate { .. }
                    ),
                    "{name}: unexpected {error}"
                );
            }
        }
        insta::assert_snapshot!(name.clone(), summary(&set));
    }
}
