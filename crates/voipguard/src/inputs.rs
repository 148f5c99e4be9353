//! Turning the paths on the command line into the list of files to read.

use std::path::{Path, PathBuf};

use voipguard_report::InputError;

/// Files larger than this are refused: real provisioning files are well under 1 MiB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Every regular file under `paths` in a stable order, plus one error per path that cannot be
/// walked (missing, unreadable, a symbolic-link loop).
pub fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<InputError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        let entries = walker.filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.path()));
        for entry in entries {
            match entry {
                Ok(entry) if entry.file_type().is_file() && !is_inventory(&entry) => {
                    files.push(entry.into_path())
                }
                Ok(_) => {}
                Err(err) => errors.push(walk_error(root, &err)),
            }
        }
    }
    (files, errors)
}

/// An inventory inside an audited folder describes the fleet; it is not a device.
fn is_inventory(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name() == crate::inventory::FILE_NAME
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with('.'))
}

fn walk_error(root: &Path, err: &walkdir::Error) -> InputError {
    let file = err.path().unwrap_or(root).to_path_buf();
    let message = if let Some(ancestor) = err.loop_ancestor() {
        format!(
            "symbolic link loop back to {}; not followed",
            ancestor.display()
        )
    } else if let Some(io) = err.io_error() {
        format!("cannot read: {io}")
    } else {
        err.to_string()
    };
    InputError {
        file,
        line: None,
        column: None,
        message,
    }
}

/// Reads a file, refusing ones too large to be a configuration.
pub fn read(path: &Path) -> Result<Vec<u8>, InputError> {
    let failure = |message: String| InputError {
        file: path.to_path_buf(),
        line: None,
        column: None,
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|err| failure(format!("cannot read: {err}")))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(failure(format!(
            "file is {} MiB; configuration files over {} MiB are not read",
            size / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    std::fs::read(path).map_err(|err| failure(format!("cannot read: {err}")))
}
