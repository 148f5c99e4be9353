//! What the daemon keeps in its `state_dir`, each file replaced atomically (temporary file in the
//! same folder, synced, renamed), so that a crash leaves the old or the new version, never half:
//!
//! - `offsets.json`: where each followed file was left (written by the log sources);
//! - `engine.json`: the decision engine's counters and ban history (every
//!   `save_interval_seconds` and at shutdown): repeat offenders stay known across restarts;
//! - `bans.json`: the bans in force with their reason and evidence, written within a second of
//!   every change. `guard status` reads it, and a restarted guard re-applies what a backend lost.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use voipguard_guard::{EngineState, IpNet};

const VERSION: u32 = 1;

/// The state folder's files.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    /// The files of `dir`.
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    /// Creates the folder if missing.
    pub fn create(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create the state folder {}", self.dir.display()))
    }

    /// The log sources' offsets file.
    pub fn offsets(&self) -> PathBuf {
        self.dir.join("offsets.json")
    }

    fn engine(&self) -> PathBuf {
        self.dir.join("engine.json")
    }

    /// The bans file.
    pub fn bans(&self) -> PathBuf {
        self.dir.join("bans.json")
    }

    /// The saved engine state; none on a first start.
    pub fn load_engine(&self) -> anyhow::Result<Option<EngineState>> {
        Ok(load::<EngineFile>(&self.engine())?.map(|file| file.engine))
    }

    /// Saves the engine state.
    pub fn save_engine(&self, engine: EngineState, saved_at: i64) -> anyhow::Result<()> {
        let file = EngineFile {
            version: VERSION,
            saved_at,
            engine,
        };
        save(&self.engine(), &file)
    }

    /// The saved bans; none on a first start.
    pub fn load_bans(&self) -> anyhow::Result<BanBook> {
        Ok(load::<BanBook>(&self.bans())?.unwrap_or_default())
    }

    /// Saves the bans.
    pub fn save_bans(&self, book: &BanBook) -> anyhow::Result<()> {
        save(&self.bans(), book)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct EngineFile {
    version: u32,
    saved_at: i64,
    engine: EngineState,
}

/// One ban as the guard decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BanRecord {
    /// The address or IPv6 prefix.
    pub target: IpNet,
    /// When it was decided (seconds since the epoch).
    pub banned_at: i64,
    /// When it ends.
    pub until: i64,
    /// Why (`10 sip failures in 600 s`).
    pub reason: String,
    /// 1 for a first ban, 2 for the second…
    pub offence: u32,
    /// The source (config name) whose line tipped the balance.
    pub source: String,
    /// That line (shortened).
    pub evidence: String,
}

/// The bans in force, by target.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BanBook {
    version: u32,
    /// When the file was written.
    pub saved_at: i64,
    bans: BTreeMap<IpNet, BanRecord>,
}

impl BanBook {
    /// Records `ban`, replacing an earlier ban of the same target.
    pub fn insert(&mut self, ban: BanRecord) {
        self.bans.insert(ban.target, ban);
    }

    /// Drops the bans `lift` selects, returning them.
    pub fn lift(&mut self, mut lift: impl FnMut(&BanRecord) -> bool) -> Vec<BanRecord> {
        let (lifted, kept): (BTreeMap<_, _>, _) = std::mem::take(&mut self.bans)
            .into_iter()
            .partition(|(_, ban)| lift(ban));
        self.bans = kept;
        lifted.into_values().collect()
    }

    /// Drops the bans ended at `now`; says whether any was.
    pub fn expire(&mut self, now: i64) -> bool {
        let before = self.bans.len();
        self.bans.retain(|_, ban| ban.until > now);
        self.bans.len() != before
    }

    /// The bans in force at `now`, by target.
    pub fn active(&self, now: i64) -> impl Iterator<Item = &BanRecord> {
        self.bans.values().filter(move |ban| ban.until > now)
    }

    /// Marks the book as written at `now`.
    pub fn stamp(&mut self, now: i64) {
        self.version = VERSION;
        self.saved_at = now;
    }
}

trait Versioned {
    fn version(&self) -> u32;
}

impl Versioned for EngineFile {
    fn version(&self) -> u32 {
        self.version
    }
}

impl Versioned for BanBook {
    fn version(&self) -> u32 {
        self.version
    }
}

fn load<T: DeserializeOwned + Versioned>(path: &Path) -> anyhow::Result<Option<T>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read {}", path.display()));
        }
    };
    let value: T = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a state file of this voipguard", path.display()))?;
    if value.version() != VERSION {
        bail!(
            "{} has state version {}, this voipguard reads version {VERSION}",
            path.display(),
            value.version()
        );
    }
    Ok(Some(value))
}

fn save(path: &Path, value: &impl Serialize) -> anyhow::Result<()> {
    let context = || format!("cannot write {}", path.display());
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(folder).with_context(context)?;
    let mut out = std::io::BufWriter::new(temporary.as_file_mut());
    serde_json::to_writer(&mut out, value).with_context(context)?;
    out.flush().with_context(context)?;
    drop(out);
    temporary.as_file().sync_all().with_context(context)?;
    temporary
        .persist(path)
        .map_err(|error| error.error)
        .with_context(context)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bans_round_trip_and_expire() {
        let folder = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let state = StateDir::new(folder.path());
        assert_eq!(state.load_bans().map(|b| b.active(0).count()).ok(), Some(0));
        let mut book = BanBook::default();
        for (target, until) in [("192.0.2.7/32", 200), ("2001:db8::/64", 100)] {
            book.insert(BanRecord {
                target: target.parse().unwrap_or_else(|e| panic!("{e}")),
                banned_at: 50,
                until,
                reason: "3 sip failures in 60 s".into(),
                offence: 1,
                source: "messages".into(),
                evidence: "line".into(),
            });
        }
        book.stamp(60);
        state.save_bans(&book).unwrap_or_else(|e| panic!("{e:#}"));
        let mut back = state.load_bans().unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(back.active(60).count(), 2);
        assert!(back.expire(150));
        let left: Vec<String> = back.active(150).map(|b| b.target.to_string()).collect();
        assert_eq!(left, ["192.0.2.7/32"]);
        let files = std::fs::read_dir(folder.path()).map(Iterator::count).ok();
        assert_eq!(files, Some(1), "no temporary file left behind");
    }

    #[test]
    fn a_foreign_file_is_an_error_naming_it() {
        let folder = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let state = StateDir::new(folder.path());
        std::fs::write(
            state.bans(),
            "{\"version\": 9, \"saved_at\": 0, \"bans\": {}}",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let error = state
            .load_bans()
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(error.contains("bans.json has state version 9"), "{error}");
    }
}
