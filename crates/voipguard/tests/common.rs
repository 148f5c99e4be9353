//! Paths shared by the integration tests.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

#[allow(dead_code)] // not every test binary reads the corpus
/// `../shared` beside the checkout, where the real corpus lives (never copied into the project).
pub fn shared() -> PathBuf {
    let shared = workspace().join("../shared");
    assert!(
        shared.join("corpus").is_dir(),
        "../shared/corpus must sit beside the checkout"
    );
    shared
}
