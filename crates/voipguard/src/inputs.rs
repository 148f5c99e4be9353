//! Turning the paths on the command line into the list of files to read.

use std::path::{Path, PathBuf};

use voipguard_report::InputError;

/// Files larger than this are refused: real provisioning files are well under 1 MiB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Configuration files Asterisk's own modules read: a folder holding one of them is a PBX's
/// configuration set (`/etc/asterisk`), audited as one device.
const ASTERISK_FILES: &[&str] = &[
    "sip.conf",
    "pjsip.conf",
    "pjsip_wizard.conf",
    "iax.conf",
    "extensions.conf",
    "manager.conf",
    "voicemail.conf",
    "http.conf",
    "ari.conf",
    "rtp.conf",
    "logger.conf",
    "asterisk.conf",
    "modules.conf",
    "acl.conf",
    "features.conf",
    "queues.conf",
];

/// What the command line names: phone files, and folders that are Asterisk configuration sets.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Files read one by one (phone configurations, facts files, anything else).
    pub files: Vec<PathBuf>,
    /// Asterisk configuration folders (their whole subtree belongs to the PBX).
    pub asterisk_sets: Vec<AsteriskSet>,
    /// Paths that could not be walked.
    pub errors: Vec<InputError>,
}

/// An Asterisk configuration folder and the `.toml` files directly inside it: Asterisk reads no
/// TOML, so these can only be facts files (most likely the ScopTEL GUI facts of that PBX, kept
/// with its configuration) or something voipguard does not read.
#[derive(Debug)]
pub struct AsteriskSet {
    /// The folder, as reached from the command line.
    pub folder: PathBuf,
    /// Its `.toml` files, sorted, hidden files left out.
    pub toml_files: Vec<PathBuf>,
}

impl AsteriskSet {
    fn new(folder: &Path) -> AsteriskSet {
        let mut toml_files: Vec<PathBuf> = std::fs::read_dir(folder)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| {
                !is_hidden(path)
                    && path.extension().is_some_and(|ext| ext == "toml")
                    && path.is_file()
            })
            .collect();
        toml_files.sort();
        AsteriskSet {
            folder: folder.to_path_buf(),
            toml_files,
        }
    }
}

/// True when `folder` holds a file an Asterisk module reads, or a FreePBX `*_custom.conf` /
/// `*_additional.conf` fragment.
pub fn is_asterisk_set(folder: &Path) -> bool {
    if ASTERISK_FILES
        .iter()
        .any(|name| folder.join(name).is_file())
    {
        return true;
    }
    let Ok(entries) = std::fs::read_dir(folder) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name.ends_with("_custom.conf") || name.ends_with("_additional.conf")
    })
}

/// Every regular file under `paths` in a stable order, the Asterisk configuration folders among
/// them, and one error per path that cannot be walked (missing, unreadable, a symbolic-link loop).
pub fn collect(paths: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs::default();
    let Inputs {
        files,
        asterisk_sets,
        errors,
    } = &mut inputs;
    for root in paths {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        let entries = walker.filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.path()));
        let mut entries = entries.into_iter();
        while let Some(entry) = entries.next() {
            if let Ok(folder) = &entry
                && folder.file_type().is_dir()
                && is_asterisk_set(folder.path())
            {
                asterisk_sets.push(AsteriskSet::new(folder.path()));
                entries.skip_current_dir();
                continue;
            }
            match entry {
                Ok(entry) if entry.file_type().is_file() && !is_inventory(&entry) => {
                    files.push(entry.into_path())
                }
                Ok(_) => {}
                Err(err) => errors.push(walk_error(root, &err)),
            }
        }
    }
    inputs
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
