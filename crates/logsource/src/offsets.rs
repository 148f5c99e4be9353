//! Persisted read positions, so that a restarted guard neither re-reads old lines nor skips new
//! ones.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

use crate::SourceError;

/// How much of a file's beginning identifies it besides its device and inode: inodes are reused
/// once a rotated file is deleted, and a log's first bytes hold a timestamp.
pub(crate) const FINGERPRINT_LEN: usize = 64;

/// Where a followed file was left: which file (device, inode, fingerprint of its first bytes)
/// and the offset just after the last complete line delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileOffset {
    /// `st_dev` of the file.
    pub dev: u64,
    /// `st_ino` of the file.
    pub inode: u64,
    /// Byte offset after the last line delivered.
    pub offset: u64,
    /// How many of the file's first bytes [`FileOffset::fingerprint`] covers (at most 64, never
    /// more than `offset`: only bytes already delivered, which an appended log never changes).
    pub fingerprint_len: u64,
    /// FNV-1a 64 of those bytes.
    pub fingerprint: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    version: u32,
    files: BTreeMap<PathBuf, FileOffset>,
}

const STATE_VERSION: u32 = 1;

#[derive(Debug, Default)]
struct Inner {
    files: BTreeMap<PathBuf, FileOffset>,
    dirty: bool,
}

/// The offsets of all followed files, shared by the followers (which update it after every line
/// they deliver) and the task that writes it to its state file.
///
/// The state file is JSON (`{"version": 1, "files": {"/var/log/asterisk/messages": {"dev": …,
/// "inode": …, "offset": …, "fingerprint_len": …, "fingerprint": …}}}`), replaced atomically
/// (temporary file in the same folder, then rename), so a crash leaves the old or the new state,
/// never half of one.
#[derive(Debug, Clone, Default)]
pub struct OffsetStore {
    file: Option<Arc<Path>>,
    inner: Arc<Mutex<Inner>>,
}

impl OffsetStore {
    /// Reads the state file at `path`; a missing file is a first start (no offsets).
    pub fn load(path: impl Into<PathBuf>) -> Result<Self, SourceError> {
        let path = path.into();
        let files = match std::fs::read(&path) {
            Ok(bytes) => {
                let state: StateFile =
                    serde_json::from_slice(&bytes).map_err(|error| SourceError::StateFile {
                        path: path.clone(),
                        detail: error.to_string(),
                    })?;
                if state.version != STATE_VERSION {
                    return Err(SourceError::StateFile {
                        path,
                        detail: format!("unknown state version {}", state.version),
                    });
                }
                state.files
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => {
                return Err(SourceError::Io {
                    context: format!("reading {}", path.display()),
                    source,
                });
            }
        };
        Ok(Self {
            file: Some(path.into()),
            inner: Arc::new(Mutex::new(Inner {
                files,
                dirty: false,
            })),
        })
    }

    /// A store kept in memory only (for `--replay` and tests): [`OffsetStore::save`] does nothing.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// The saved position of the file followed at `path`.
    pub fn get(&self, path: &Path) -> Option<FileOffset> {
        self.lock().files.get(path).copied()
    }

    pub(crate) fn set(&self, path: &Path, offset: FileOffset) {
        let mut inner = self.lock();
        if inner.files.get(path) != Some(&offset) {
            inner.files.insert(path.to_path_buf(), offset);
            inner.dirty = true;
        }
    }

    /// Writes the state file if anything changed since the last write.
    pub fn save(&self) -> Result<(), SourceError> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let state = {
            let mut inner = self.lock();
            if !inner.dirty {
                return Ok(());
            }
            inner.dirty = false;
            StateFile {
                version: STATE_VERSION,
                files: inner.files.clone(),
            }
        };
        write_atomically(path, &state).inspect_err(|_| self.lock().dirty = true)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The data is plain values updated in one statement each, so a panic elsewhere cannot
        // leave it half-written.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn write_atomically(path: &Path, state: &StateFile) -> Result<(), SourceError> {
    let io_error = |source| SourceError::Io {
        context: format!("writing {}", path.display()),
        source,
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::NamedTempFile::new_in(folder).map_err(io_error)?;
    let json = serde_json::to_vec_pretty(state).map_err(|error| SourceError::StateFile {
        path: path.to_path_buf(),
        detail: error.to_string(),
    })?;
    temporary.write_all(&json).map_err(io_error)?;
    temporary.as_file().sync_all().map_err(io_error)?;
    temporary
        .persist(path)
        .map_err(|error| io_error(error.error))?;
    Ok(())
}

/// FNV-1a, 64 bits: stable across Rust releases (unlike `DefaultHasher`) and enough to tell two
/// log beginnings apart.
pub(crate) fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads_back_atomically() {
        let folder = tempfile::tempdir().unwrap();
        let state = folder.path().join("offsets.json");
        let store = OffsetStore::load(&state).unwrap();
        let log = Path::new("/var/log/asterisk/messages");
        let offset = FileOffset {
            dev: 1,
            inode: 2,
            offset: 300,
            fingerprint_len: 64,
            fingerprint: 9,
        };
        store.set(log, offset);
        store.save().unwrap();
        assert_eq!(OffsetStore::load(&state).unwrap().get(log), Some(offset));
        let leftovers: Vec<_> = std::fs::read_dir(folder.path()).unwrap().collect();
        assert_eq!(
            leftovers.len(),
            1,
            "only the state file, no temporary file left behind"
        );
    }

    #[test]
    fn a_corrupt_state_file_is_an_error_naming_it() {
        let folder = tempfile::tempdir().unwrap();
        let state = folder.path().join("offsets.json");
        std::fs::write(&state, b"{not json").unwrap();
        let error = OffsetStore::load(&state).unwrap_err().to_string();
        assert!(error.contains("offsets.json"), "{error}");
    }

    #[test]
    fn fingerprint_is_fnv1a() {
        // Reference values of FNV-1a 64 (offset basis for "", published test vector for "a").
        assert_eq!(fingerprint(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fingerprint(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
