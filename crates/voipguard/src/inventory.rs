//! The inventory file (`voipguard.toml`): which model each device is, by MAC or path glob.
//!
//! ```toml
//! [[device]]
//! mac = "000b828c8f97"
//! model = "GRP2612W"
//!
//! [[device]]
//! path = "site-a/**/cfg*.xml"
//! model = "WP820"
//! ```

use std::path::Path;

use anyhow::{Context as _, bail};
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use voipguard_model::Family;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    device: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    mac: Option<String>,
    path: Option<String>,
    model: String,
}

/// The inventory's file name, found automatically in an audited folder.
pub const FILE_NAME: &str = "voipguard.toml";

/// The inventory an audit of `paths` uses when none is named: `voipguard.toml` in the first
/// path's folder (a file's own folder) or the nearest folder above it, as cargo finds its manifest.
pub fn discover(paths: &[std::path::PathBuf]) -> Option<std::path::PathBuf> {
    let first = paths.first()?;
    let start = if first.is_dir() {
        first.as_path()
    } else {
        first.parent()?
    };
    let absolute = std::path::absolute(start).ok()?;
    absolute
        .ancestors()
        .map(|folder| folder.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// Models by MAC or path.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Folder the path globs are relative to.
    base: std::path::PathBuf,
    by_mac: Vec<(String, String, Family)>,
    by_path: Vec<(GlobMatcher, String, Family)>,
}

impl Inventory {
    /// Reads and validates an inventory file; errors name the file and line.
    pub fn load(path: &Path) -> anyhow::Result<Inventory> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read inventory {}", path.display()))?;
        let file: File = toml::from_str(&text).map_err(|err| {
            let line = err
                .span()
                .map(|span| text[..span.start].lines().count().max(1));
            anyhow::anyhow!(
                "{}:{}: {}",
                path.display(),
                line.unwrap_or(1),
                err.message()
            )
        })?;
        let folder = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty());
        let base = std::path::absolute(folder.unwrap_or(Path::new(".")))?;
        let mut inventory = Inventory {
            base,
            ..Inventory::default()
        };
        for (number, entry) in file.device.into_iter().enumerate() {
            let place = format!("{}: [[device]] #{}", path.display(), number + 1);
            let Some(family) = Family::from_model(&entry.model) else {
                bail!(
                    "{place}: unknown model `{}` (expected a Grandstream GRP/WP/GXP/GXV/HT/GDS or Snom model name)",
                    entry.model
                );
            };
            match (entry.mac, entry.path) {
                (Some(mac), None) => {
                    inventory
                        .by_mac
                        .push((normalise_mac(&mac), entry.model, family))
                }
                (None, Some(glob)) => {
                    let matcher = Glob::new(&glob)
                        .with_context(|| format!("{place}: bad path glob"))?
                        .compile_matcher();
                    inventory.by_path.push((matcher, entry.model, family));
                }
                _ => bail!("{place}: give exactly one of `mac` or `path`"),
            }
        }
        Ok(inventory)
    }

    /// The model and family the inventory gives a device, MAC first.
    pub fn lookup(&self, mac: Option<&str>, path: &Path) -> Option<(&str, Family)> {
        let by_mac = mac.and_then(|mac| self.by_mac.iter().find(|(known, _, _)| known == mac));
        let found = by_mac
            .map(|(_, model, family)| (model, family))
            .or_else(|| {
                let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                let relative = absolute.strip_prefix(&self.base).unwrap_or(path);
                self.by_path
                    .iter()
                    .find(|(glob, _, _)| glob.is_match(relative))
                    .map(|(_, model, family)| (model, family))
            });
        found.map(|(model, family)| (model.as_str(), *family))
    }
}

/// 12 lower-case hex digits, separators removed.
pub fn normalise_mac(mac: &str) -> String {
    mac.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
