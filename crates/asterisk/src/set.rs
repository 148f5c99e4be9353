//! A whole `/etc/asterisk`-style folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;

use crate::{Config, ConfigError};

/// Every top-level configuration of a folder.
///
/// Top-level means: a `*.conf` file directly in the folder that no other such file includes
/// (directly or through further includes). FreePBX's `sip_additional.conf` is therefore read as
/// part of `sip.conf` when `sip.conf` is present, and on its own when it is not (an export that
/// ships only the fragment). Two files including each other both stay top-level, each reporting
/// the cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSet {
    /// The folder read (standing for astetcdir).
    pub folder: PathBuf,
    /// Top-level configurations, sorted by file name; each keeps its own errors.
    pub configs: Vec<Config>,
    /// `*.conf` files of the folder read only as part of another file, sorted.
    pub included_only: Vec<Arc<Path>>,
}

/// The folder itself could not be listed.
#[derive(Debug, Error)]
#[error("{}: cannot list the config folder: {source}", folder.display())]
pub struct LoadError {
    /// The folder.
    pub folder: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

impl ConfigSet {
    /// Parses every top-level `*.conf` of `folder`. Only an unlistable folder fails; problems
    /// inside files are in each [`Config::errors`], so one broken file hides nothing else.
    pub fn load(folder: &Path) -> Result<ConfigSet, LoadError> {
        let entries = std::fs::read_dir(folder).map_err(|source| LoadError {
            folder: folder.to_path_buf(),
            source,
        })?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| name.ends_with(".conf") && !name.starts_with('.'))
            .collect();
        names.sort();
        let all: Vec<Config> = names.iter().map(|n| Config::load(folder, n)).collect();
        let reaches = |from: &Config, to: &Config| {
            from.file != to.file && from.files_read.iter().skip(1).any(|f| *f == to.file)
        };
        let top_level: Vec<bool> = all
            .iter()
            .map(|c| {
                !all.iter()
                    .any(|other| reaches(other, c) && !reaches(c, other))
            })
            .collect();
        let mut configs = Vec::new();
        let mut included_only = Vec::new();
        for (config, top) in all.into_iter().zip(top_level) {
            if top {
                configs.push(config);
            } else {
                included_only.push(config.file);
            }
        }
        Ok(ConfigSet {
            folder: folder.to_path_buf(),
            configs,
            included_only,
        })
    }

    /// The top-level configuration read from `file` (e.g. `"sip.conf"`).
    pub fn config(&self, file: &str) -> Option<&Config> {
        self.configs
            .iter()
            .find(|c| c.file.as_ref() == Path::new(file))
    }

    /// Every error of every configuration.
    pub fn errors(&self) -> impl Iterator<Item = &ConfigError> {
        self.configs.iter().flat_map(|c| c.errors.iter())
    }
}
