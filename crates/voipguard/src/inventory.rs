//! The inventory file (`voipguard.toml`): which model each device is and at which address it
//! lives, by MAC or path glob; and, for `voipguard scan`, the site's scope, rate and credentials
//! (`contrib/voipguard-site.toml` is a commented example).
//!
//! ```toml
//! [[device]]
//! mac = "000b828c8f97"
//! model = "GRP2612W"
//! address = "10.1.0.20"
//!
//! [[device]]
//! path = "site-a/**/cfg*.xml"
//! model = "WP820"
//!
//! [scan]
//! scope = ["10.1.0.0/24"]
//! rate = 2000
//!
//! [[scan.credentials]]
//! kind = "sip"
//! user = "100"
//! password_file = "secrets/100.txt"
//! ```
//!
//! Every error names the file and line. A password is never part of one: a value of the wrong
//! type is reported without being shown, and the secret itself is only read when a scan asks.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use toml::Spanned;
use voipguard_model::Family;
use voipguard_scan::{Credential, CredentialKind, Secret};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    device: Vec<Spanned<Entry>>,
    scan: Option<ScanEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    mac: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    model: Option<Spanned<String>>,
    address: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanEntry {
    #[serde(default)]
    scope: Vec<Spanned<String>>,
    allow_public: Option<bool>,
    rate: Option<Spanned<u32>>,
    #[serde(default)]
    credentials: Vec<Spanned<CredentialEntry>>,
}

/// `password` is read as any TOML value so that a mistyped one (an unquoted PIN) is refused
/// without serde quoting it in the error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialEntry {
    kind: Spanned<String>,
    user: String,
    password: Option<Spanned<toml::Value>>,
    password_file: Option<String>,
}

impl std::fmt::Debug for CredentialEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialEntry")
            .field("kind", &self.kind)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "redacted"))
            .field("password_file", &self.password_file)
            .finish()
    }
}

/// The inventory's file name, found automatically in an audited folder.
pub const FILE_NAME: &str = "voipguard.toml";

/// The inventory an audit of `paths` uses when none is named: `voipguard.toml` in the first
/// path's folder (a file's own folder) or the nearest folder above it, as cargo finds its manifest.
pub fn discover(paths: &[PathBuf]) -> Option<PathBuf> {
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

/// What the inventory knows of the devices one entry selects.
#[derive(Debug)]
struct Known {
    model: Option<(String, Family)>,
    address: Option<IpAddr>,
}

/// Models and addresses by MAC or path, and the `[scan]` section.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Folder the path globs (and password files) are relative to.
    base: PathBuf,
    by_mac: Vec<(String, Known)>,
    by_path: Vec<(GlobMatcher, Known)>,
    scan: Option<ScanSettings>,
}

/// The `[scan]` section: what `voipguard scan --inventory` uses where the command line is silent.
#[derive(Debug, Default)]
pub struct ScanSettings {
    /// The file, for messages.
    pub file: PathBuf,
    /// Networks the site owns (CIDRs or addresses), already checked to parse.
    pub scope: Vec<String>,
    /// Public address space in `scope` is meant.
    pub allow_public: bool,
    /// Packets per second.
    pub rate: Option<u32>,
    credentials: Vec<CredentialSource>,
}

/// A credential as written: the password inline or in a file read only when a scan needs it.
#[derive(Debug)]
struct CredentialSource {
    line: usize,
    kind: CredentialKind,
    user: String,
    password: PasswordSource,
}

#[derive(Debug)]
enum PasswordSource {
    Inline(Secret),
    File(PathBuf),
}

impl ScanSettings {
    /// The site's credentials, password files read now (relative to the inventory's folder,
    /// trailing line break dropped). Errors name the file and line, never a password.
    pub fn credentials(&self) -> anyhow::Result<Vec<Credential>> {
        self.credentials
            .iter()
            .map(|source| {
                let password = match &source.password {
                    PasswordSource::Inline(secret) => secret.clone(),
                    PasswordSource::File(path) => {
                        let text = std::fs::read_to_string(path).with_context(|| {
                            format!(
                                "{}:{}: cannot read password_file {}",
                                self.file.display(),
                                source.line,
                                path.display()
                            )
                        })?;
                        Secret::new(text.trim_end_matches(['\r', '\n']).to_string())
                    }
                };
                Ok(Credential {
                    kind: source.kind,
                    user: source.user.clone(),
                    password,
                })
            })
            .collect()
    }
}

/// 1-based line of byte `offset` in `text`.
fn line_at(text: &str, offset: usize) -> usize {
    let before = text
        .as_bytes()
        .get(..offset.min(text.len()))
        .unwrap_or_default();
    before.iter().filter(|&&byte| byte == b'\n').count() + 1
}

impl Inventory {
    /// Reads and validates an inventory file; errors name the file and line.
    pub fn load(path: &Path) -> anyhow::Result<Inventory> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read inventory {}", path.display()))?;
        let at = |offset: usize| format!("{}:{}", path.display(), line_at(&text, offset));
        let file: File = toml::from_str(&text).map_err(|err| {
            let offset = err.span().map_or(0, |span| span.start);
            anyhow::anyhow!("{}: {}", at(offset), err.message())
        })?;
        let folder = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty());
        let base = std::path::absolute(folder.unwrap_or(Path::new(".")))?;
        let mut inventory = Inventory {
            base,
            ..Inventory::default()
        };
        for entry in file.device {
            let place = at(entry.span().start);
            let entry = entry.into_inner();
            let model = match entry.model {
                Some(model) => {
                    let Some(family) = Family::from_model(model.get_ref()) else {
                        bail!(
                            "{}: unknown model `{}` (expected a Grandstream GRP/WP/GXP/GXV/HT/GDS or Snom model name)",
                            at(model.span().start),
                            model.get_ref()
                        );
                    };
                    Some((model.into_inner(), family))
                }
                None => None,
            };
            let address = match entry.address {
                Some(address) => {
                    Some(address.get_ref().trim().parse::<IpAddr>().map_err(|_| {
                        anyhow::anyhow!(
                            "{}: address `{}` is not an IPv4 or IPv6 address",
                            at(address.span().start),
                            address.get_ref()
                        )
                    })?)
                }
                None => None,
            };
            if model.is_none() && address.is_none() {
                bail!("{place}: [[device]] gives neither `model` nor `address`");
            }
            let known = Known { model, address };
            match (entry.mac, entry.path) {
                (Some(mac), None) => {
                    let normalised = normalise_mac(mac.get_ref());
                    if normalised.len() != 12 {
                        bail!(
                            "{}: mac `{}` is not 12 hex digits",
                            at(mac.span().start),
                            mac.get_ref()
                        );
                    }
                    inventory.by_mac.push((normalised, known));
                }
                (None, Some(glob)) => {
                    let matcher = Glob::new(glob.get_ref())
                        .with_context(|| format!("{}: bad path glob", at(glob.span().start)))?
                        .compile_matcher();
                    inventory.by_path.push((matcher, known));
                }
                _ => bail!("{place}: [[device]] needs exactly one of `mac` or `path`"),
            }
        }
        if let Some(scan) = file.scan {
            inventory.scan = Some(inventory.scan_settings(path, &text, scan)?);
        }
        Ok(inventory)
    }

    fn scan_settings(
        &self,
        path: &Path,
        text: &str,
        scan: ScanEntry,
    ) -> anyhow::Result<ScanSettings> {
        let at = |offset: usize| format!("{}:{}", path.display(), line_at(text, offset));
        for entry in &scan.scope {
            // Public space is judged when the scan runs: `--allow-public` may grant it there.
            voipguard_scan::Scope::parse(&[entry.get_ref()], true)
                .map_err(|err| anyhow::anyhow!("{}: {err}", at(entry.span().start)))?;
        }
        if let Some(rate) = &scan.rate
            && *rate.get_ref() == 0
        {
            bail!("{}: rate must be at least 1", at(rate.span().start));
        }
        let credentials = scan
            .credentials
            .into_iter()
            .map(|entry| {
                let line = line_at(text, entry.span().start);
                let place = format!("{}:{line}", path.display());
                let entry = entry.into_inner();
                let Some(kind) = CredentialKind::from_name(entry.kind.get_ref()) else {
                    bail!(
                        "{}: credential kind `{}` is not `sip` or `web`",
                        at(entry.kind.span().start),
                        entry.kind.get_ref()
                    );
                };
                if entry.user.is_empty() {
                    bail!("{place}: credential `user` is empty");
                }
                let password = match (entry.password, entry.password_file) {
                    (Some(password), None) => {
                        let span = password.span();
                        match password.into_inner() {
                            toml::Value::String(secret) => {
                                PasswordSource::Inline(Secret::new(secret))
                            }
                            _ => bail!("{}: `password` must be a quoted string", at(span.start)),
                        }
                    }
                    (None, Some(file)) => PasswordSource::File(self.base.join(file)),
                    _ => bail!("{place}: give exactly one of `password` or `password_file`"),
                };
                Ok(CredentialSource {
                    line,
                    kind,
                    user: entry.user,
                    password,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(ScanSettings {
            file: path.to_path_buf(),
            scope: scan
                .scope
                .into_iter()
                .map(|entry| entry.into_inner().trim().to_string())
                .collect(),
            allow_public: scan.allow_public.unwrap_or(false),
            rate: scan.rate.map(Spanned::into_inner),
            credentials,
        })
    }

    /// The `[scan]` section, if the file has one.
    pub fn scan(&self) -> Option<&ScanSettings> {
        self.scan.as_ref()
    }

    /// The model and family the inventory gives a device, MAC first.
    pub fn lookup(&self, mac: Option<&str>, path: &Path) -> Option<(&str, Family)> {
        self.find(mac, std::slice::from_ref(&path), |known| {
            known.model.as_ref()
        })
        .map(|(model, family)| (model.as_str(), *family))
    }

    /// The address the inventory states for a device read from `sources`, MAC first.
    pub fn address(&self, mac: Option<&str>, sources: &[Arc<PathBuf>]) -> Option<IpAddr> {
        let paths: Vec<&Path> = sources.iter().map(|source| source.as_path()).collect();
        self.find(mac, &paths, |known| known.address.as_ref())
            .copied()
    }

    /// Every MAC the inventory places at an address.
    pub fn macs_at_addresses(&self) -> impl Iterator<Item = (&str, IpAddr)> {
        self.by_mac
            .iter()
            .filter_map(|(mac, known)| Some((mac.as_str(), known.address?)))
    }

    /// The first entry selecting the device (its MAC, else a glob matching one of `paths`)
    /// that knows what `wanted` asks.
    fn find<'a, T>(
        &'a self,
        mac: Option<&str>,
        paths: &[&Path],
        wanted: impl Fn(&'a Known) -> Option<&'a T>,
    ) -> Option<&'a T> {
        let by_mac = mac.and_then(|mac| {
            self.by_mac
                .iter()
                .filter(|(known_mac, _)| known_mac == mac)
                .find_map(|(_, known)| wanted(known))
        });
        by_mac.or_else(|| {
            let relative: Vec<PathBuf> = paths.iter().map(|path| self.relative(path)).collect();
            self.by_path
                .iter()
                .filter(|(glob, _)| relative.iter().any(|path| glob.is_match(path)))
                .find_map(|(_, known)| wanted(known))
        })
    }

    fn relative(&self, path: &Path) -> PathBuf {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        absolute
            .strip_prefix(&self.base)
            .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
    }
}

/// 12 lower-case hex digits, separators removed.
pub fn normalise_mac(mac: &str) -> String {
    mac.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (tempfile::TempDir, anyhow::Result<Inventory>) {
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).unwrap_or_else(|err| panic!("{err}"));
        let inventory = Inventory::load(&path);
        (dir, inventory)
    }

    fn error(text: &str) -> String {
        match load(text) {
            (_, Ok(inventory)) => panic!("accepted: {inventory:?}"),
            (_, Err(err)) => format!("{err:#}"),
        }
    }

    #[test]
    fn the_commented_site_example_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contrib/voipguard-site.toml");
        let inventory = Inventory::load(&path).unwrap_or_else(|err| panic!("{err:#}"));
        let scan = inventory.scan().unwrap_or_else(|| panic!("no [scan]"));
        assert_eq!(scan.scope, ["10.1.0.0/24", "fd00:10:1::/64"]);
        assert_eq!((scan.allow_public, scan.rate), (false, Some(2000)));
        assert_eq!(
            inventory.address(Some("000b82a1b2c3"), &[]),
            "10.1.0.20".parse().ok()
        );
        let pbx = Arc::new(path.with_file_name("pbx/etc-asterisk/sip.conf"));
        assert_eq!(inventory.address(None, &[pbx]), "10.1.0.5".parse().ok());
        assert_eq!(
            inventory.lookup(Some("000b82a1b2c3"), Path::new("x.xml")),
            Some(("GRP2612W", Family::Grp))
        );
        // Its password files are not shipped: reading them is left to a scan that needs them.
        let missing = format!("{:#}", scan.credentials().err().unwrap_or_else(|| panic!()));
        assert!(
            missing.contains("voipguard-site.toml:30: cannot read password_file"),
            "{missing}"
        );
    }

    #[test]
    fn credentials_inline_and_from_a_file_never_shown() {
        let (dir, inventory) = load(
            "[scan]\nscope = [\"127.0.0.0/8\"]\n\n[[scan.credentials]]\nkind = \"sip\"\nuser = \"100\"\npassword = \"s3cret-inline\"\n\n[[scan.credentials]]\nkind = \"web\"\nuser = \"admin\"\npassword_file = \"admin.txt\"\n",
        );
        std::fs::write(dir.path().join("admin.txt"), "s3cret-file\n")
            .unwrap_or_else(|err| panic!("{err}"));
        let inventory = inventory.unwrap_or_else(|err| panic!("{err:#}"));
        let scan = inventory.scan().unwrap_or_else(|| panic!("no [scan]"));
        let credentials = scan.credentials().unwrap_or_else(|err| panic!("{err:#}"));
        let read: Vec<(CredentialKind, &str, &str)> = credentials
            .iter()
            .map(|c| (c.kind, c.user.as_str(), c.password.reveal()))
            .collect();
        assert_eq!(
            read,
            [
                (CredentialKind::Sip, "100", "s3cret-inline"),
                (CredentialKind::Web, "admin", "s3cret-file")
            ]
        );
        let shown = format!("{inventory:?} {credentials:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn bad_values_name_the_line_and_never_a_password() {
        let cases = [
            (
                "[scan]\nscope = [\"10.0.0.0/8\",\n  \"10.1.0.0/33\"]\n",
                ":3: scope \"10.1.0.0/33\" is not a CIDR or an address",
            ),
            ("[scan]\nrate = 0\n", ":2: rate must be at least 1"),
            (
                "[scan]\n[[scan.credentials]]\nkind = \"ssh\"\nuser = \"a\"\npassword = \"x\"\n",
                ":3: credential kind `ssh` is not `sip` or `web`",
            ),
            (
                "[scan]\n[[scan.credentials]]\nkind = \"sip\"\nuser = \"100\"\npassword = 98765\n",
                ":5: `password` must be a quoted string",
            ),
            (
                "[[scan.credentials]]\nkind = \"sip\"\nuser = \"100\"\npassword = \"98765\"\npassword_file = \"p\"\n",
                ":1: give exactly one of `password` or `password_file`",
            ),
            (
                "[[device]]\nmac = \"00:0b:82\"\nmodel = \"GRP2612W\"\n",
                ":2: mac `00:0b:82` is not 12 hex digits",
            ),
            (
                "\n[[device]]\nmac = \"000b828c8f97\"\naddress = \"10.0.0.300\"\n",
                ":4: address `10.0.0.300` is not an IPv4 or IPv6 address",
            ),
            (
                "[[device]]\nmac = \"000b828c8f97\"\n",
                ":1: [[device]] gives neither `model` nor `address`",
            ),
            ("[scan]\nscopes = []\n", ":2: unknown field `scopes`"),
        ];
        for (text, expected) in cases {
            let message = error(text);
            assert!(message.contains(expected), "{expected}\n{message}");
            assert!(!message.contains("98765"), "{message}");
        }
    }
}
