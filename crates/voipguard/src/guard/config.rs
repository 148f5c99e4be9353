//! The guard's configuration file (`guard.toml`; `contrib/guard.toml` is the commented example).
//!
//! Unknown keys are errors, and every error names the file and the line (and column) it is
//! about, so that a typo never silently turns a protection off. AMI secrets are never shown: not
//! in errors, not in `Debug`, not in logs.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use serde::{Deserialize, Deserializer};
use toml::Spanned;
use voipguard_guard::parse::UnansweredChallenges;
use voipguard_guard::{IpNet, Policy, SshdMode, Threshold};
use voipguard_logsource::{AmiConfig, FileConfig, Secret, StartPosition};

/// Where state goes when the file says nothing (the systemd unit's `StateDirectory`).
const DEFAULT_STATE_DIR: &str = "/var/lib/voipguard";
/// How often the engine's counters are saved besides at shutdown.
const DEFAULT_SAVE_SECONDS: u32 = 60;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardConfig {
    /// Where the offsets, the engine's counters and the bans are kept.
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
    /// How often the engine's counters are written (they are also written at shutdown).
    #[serde(default = "default_save_seconds")]
    pub save_interval_seconds: u32,
    /// Digest challenges to one address left unanswered in a run before each further one counts
    /// as a failure (`count` 0: off).
    #[serde(default = "default_unanswered_challenges")]
    pub unanswered_challenges: Threshold,
    /// Networks never banned, besides the trunks and the machine's own addresses.
    #[serde(default, deserialize_with = "networks")]
    pub allowlist: Vec<IpNet>,
    /// The SIP trunks' addresses: never banned, whatever they send.
    #[serde(default, deserialize_with = "networks")]
    pub trunks: Vec<IpNet>,
    /// What is read.
    #[serde(default, rename = "source")]
    pub sources: Vec<Spanned<SourceConfig>>,
    /// Thresholds and ban lengths (the guard crate's `Policy`; its `allowlist` adds to the one
    /// above).
    #[serde(default)]
    pub policy: Policy,
    /// How sshd messages are read.
    #[serde(default)]
    pub sshd: SshdConfig,
    /// What a ban does.
    pub firewall: FirewallConfig,
}

/// Addresses (`203.0.113.5`) or prefixes (`10.0.0.0/8`).
fn networks<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<IpNet>, D::Error> {
    Vec::<String>::deserialize(deserializer)?
        .iter()
        .map(|text| {
            let text = text.trim();
            text.parse::<IpAddr>()
                .map(IpNet::from)
                .or_else(|_| text.parse::<IpNet>())
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{text}` is neither an IP address nor a prefix like 10.0.0.0/8"
                    ))
                })
        })
        .collect()
}

const fn default_unanswered_challenges() -> Threshold {
    UnansweredChallenges::DEFAULT_ALLOWANCE
}

/// `[sshd]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshdConfig {
    /// Which messages count, as fail2ban's sshd filter `mode`: `"normal"` (default), `"ddos"`,
    /// `"extra"` or `"aggressive"`.
    #[serde(default)]
    pub mode: SshdMode,
}

fn default_state_dir() -> PathBuf {
    PathBuf::from(DEFAULT_STATE_DIR)
}

const fn default_save_seconds() -> u32 {
    DEFAULT_SAVE_SECONDS
}

/// One `[[source]]`.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum SourceConfig {
    /// A log file followed across rotation.
    File {
        /// The name in logs and ban records; default: the path.
        name: Option<String>,
        /// The file (absolute: it keys the saved offset).
        path: PathBuf,
        /// Where to start in a file seen for the first time: `"end"` (default, like `tail -f`)
        /// or `"beginning"`.
        #[serde(default)]
        start: Start,
        /// How often the file is checked, in milliseconds (default 250).
        poll_milliseconds: Option<u64>,
    },
    /// Standard input (e.g. `journalctl -f -o cat | voipguard guard`).
    Stdin {
        /// The name in logs and ban records; default `stdin`.
        name: Option<String>,
    },
    /// Asterisk manager interface security events.
    Ami {
        /// The name in logs and ban records; default `ami`.
        name: Option<String>,
        /// `host:port`; default `127.0.0.1:5038`.
        #[serde(default = "default_ami_address")]
        address: String,
        /// The manager.conf account (it needs `read = security`).
        username: String,
        /// Its secret, inline…
        secret: Option<ConfigSecret>,
        /// …or in a file of its own (first line; keep it mode 0600).
        secret_file: Option<PathBuf>,
    },
}

fn default_ami_address() -> String {
    "127.0.0.1:5038".to_owned()
}

/// Where to start in a file the offsets know nothing about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Start {
    /// At its end: history is not replayed.
    #[default]
    End,
    /// At its beginning.
    Beginning,
}

/// A password from the file: `Debug` never shows it and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigSecret(String);

impl fmt::Debug for ConfigSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConfigSecret(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for ConfigSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Any value first, so that a mistyped secret (a number) is never echoed in the error.
        match toml::Value::deserialize(deserializer)? {
            toml::Value::String(secret) => Ok(ConfigSecret(secret)),
            _ => Err(serde::de::Error::custom("the secret must be a string")),
        }
    }
}

/// `[firewall]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "backend", rename_all = "kebab-case", deny_unknown_fields)]
pub enum FirewallConfig {
    /// The `inet voipguard` nftables table; bans expire by nft's element timeouts.
    Nftables {
        /// How nft is run (program then leading arguments); default `["nft"]`.
        #[serde(default = "default_nft")]
        command: Vec<String>,
        /// Also drop banned sources on the forward hook (a PBX in a container or VM).
        #[serde(default)]
        forward: bool,
    },
    /// Logs what it would do and bans nothing.
    DryRun,
    /// Runs the operator's commands; `{address}`, `{prefix}`, `{timeout}`, `{reason}` are
    /// substituted in `ban`, `{address}` and `{prefix}` in `unban`.
    Command {
        /// Run for each ban.
        ban: Vec<String>,
        /// Run when a ban ends (the guard unbans at expiry: a hook has no timeouts of its own).
        unban: Vec<String>,
        /// Longest run of one command before it is killed, in seconds (default 30).
        timeout_seconds: Option<u64>,
    },
}

fn default_nft() -> Vec<String> {
    vec!["nft".to_owned()]
}

impl FirewallConfig {
    /// The name used in logs and `guard status`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Nftables { .. } => "nftables",
            Self::DryRun => "dry-run",
            Self::Command { .. } => "command",
        }
    }
}

/// A source ready to start.
#[derive(Debug, PartialEq, Eq)]
pub enum SourceSpec {
    /// A followed file.
    File(FileConfig),
    /// Standard input.
    Stdin,
    /// AMI.
    Ami(AmiConfig),
}

/// A configuration file as read, with its path and text kept for error positions.
pub struct LoadedConfig {
    /// The file.
    pub path: PathBuf,
    text: String,
    /// What it says.
    pub config: GuardConfig,
}

impl fmt::Debug for LoadedConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the text: it may hold a secret.
        f.debug_struct("LoadedConfig")
            .field("path", &self.path)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl LoadedConfig {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the guard configuration {}", path.display()))?;
        Self::parse(path, text)
    }

    /// Checks `text`, read from `path`.
    pub fn parse(path: &Path, text: String) -> anyhow::Result<Self> {
        let config: GuardConfig = toml::from_str(&text).map_err(|error| {
            // `message()` only: the error's `Display` quotes the offending line, which may be a
            // secret's.
            let place = error
                .span()
                .map(|span| position(&text, span.start))
                .unwrap_or_default();
            anyhow!("{}{place}: {}", path.display(), error.message().trim_end())
        })?;
        let loaded = Self {
            path: path.to_path_buf(),
            text,
            config,
        };
        loaded.check()?;
        Ok(loaded)
    }

    fn check(&self) -> anyhow::Result<()> {
        let mut names = Vec::new();
        let mut stdin = 0;
        for source in &self.config.sources {
            let at = self.at(source);
            match source.get_ref() {
                SourceConfig::File { path, .. } if !path.is_absolute() => {
                    bail!(
                        "{at}: the path of a file source must be absolute, not {}",
                        path.display()
                    )
                }
                SourceConfig::Stdin { .. } => stdin += 1,
                SourceConfig::Ami {
                    secret,
                    secret_file,
                    ..
                } if secret.is_some() == secret_file.is_some() => {
                    bail!("{at}: an AMI source needs exactly one of `secret` and `secret_file`")
                }
                _ => {}
            }
            let name = source_name(source.get_ref());
            if names.contains(&name) {
                bail!("{at}: two sources are named `{name}`; give one a `name`");
            }
            names.push(name);
        }
        if stdin > 1 {
            bail!(
                "{}: standard input can be read by one source only",
                self.path.display()
            );
        }
        if self.config.save_interval_seconds == 0 {
            bail!(
                "{}: save_interval_seconds must be at least 1",
                self.path.display()
            );
        }
        Ok(())
    }

    /// `file:line:column` of a spanned value.
    fn at<T>(&self, value: &Spanned<T>) -> String {
        format!(
            "{}{}",
            self.path.display(),
            position(&self.text, value.span().start)
        )
    }

    /// The sources with their names, secrets read from their files. Errors if there are none.
    pub fn sources(&self) -> anyhow::Result<Vec<(String, SourceSpec)>> {
        if self.config.sources.is_empty() {
            bail!(
                "{}: no [[source]]: the guard would read nothing",
                self.path.display()
            );
        }
        self.config
            .sources
            .iter()
            .map(|source| {
                let name = source_name(source.get_ref());
                let spec = match source.get_ref() {
                    SourceConfig::File {
                        path,
                        start,
                        poll_milliseconds,
                        ..
                    } => {
                        let mut file = FileConfig::new(path);
                        file.first_start = match start {
                            Start::End => StartPosition::End,
                            Start::Beginning => StartPosition::Beginning,
                        };
                        if let Some(every) = poll_milliseconds {
                            file.poll_interval = Duration::from_millis((*every).max(10));
                        }
                        SourceSpec::File(file)
                    }
                    SourceConfig::Stdin { .. } => SourceSpec::Stdin,
                    SourceConfig::Ami {
                        address,
                        username,
                        secret,
                        secret_file,
                        ..
                    } => {
                        let secret = match (secret, secret_file) {
                            (Some(ConfigSecret(secret)), _) => secret.clone(),
                            (None, Some(file)) => read_secret(file)
                                .with_context(|| format!("{}: source `{name}`", self.at(source)))?,
                            (None, None) => bail!("{}: no AMI secret", self.at(source)),
                        };
                        SourceSpec::Ami(AmiConfig::new(address, username, Secret::new(secret)))
                    }
                };
                Ok((name, spec))
            })
            .collect()
    }

    /// The configured networks never banned: `allowlist`, `trunks` and `[policy] allowlist`
    /// (the machine's own addresses are added by the daemon).
    pub fn configured_allowlist(&self) -> Vec<IpNet> {
        let config = &self.config;
        let mut nets: Vec<IpNet> = config
            .allowlist
            .iter()
            .chain(&config.trunks)
            .chain(&config.policy.allowlist)
            .map(IpNet::trunc)
            .collect();
        nets.sort_unstable();
        nets.dedup();
        nets
    }
}

fn source_name(source: &SourceConfig) -> String {
    match source {
        SourceConfig::File { name, path, .. } => {
            name.clone().unwrap_or_else(|| path.display().to_string())
        }
        SourceConfig::Stdin { name } => name.clone().unwrap_or_else(|| "stdin".to_owned()),
        SourceConfig::Ami { name, .. } => name.clone().unwrap_or_else(|| "ami".to_owned()),
    }
}

/// The first line of `path`: files written with `echo` end with a newline that is not part of
/// the secret.
fn read_secret(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the secret file {}", path.display()))?;
    let secret = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('\r');
    if secret.is_empty() {
        bail!("the secret file {} is empty", path.display());
    }
    Ok(secret.to_owned())
}

/// `:line:column` (1-based) of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(1, |start| start.chars().count() + 1);
    format!(":{line}:{column}")
}

/// Networks as an administrator writes them, for logs: a single host without its length.
pub fn describe(nets: &[IpNet]) -> String {
    nets.iter()
        .map(|net| {
            if net.prefix_len() == net.max_prefix_len() {
                IpAddr::to_string(&net.addr())
            } else {
                net.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<LoadedConfig> {
        LoadedConfig::parse(Path::new("guard.toml"), text.to_owned())
    }

    const MINIMAL: &str = r#"
state_dir = "/tmp/state"
trunks = ["203.0.113.5"]
allowlist = ["10.0.0.0/8"]

[[source]]
kind = "file"
path = "/var/log/asterisk/messages"

[[source]]
kind = "ami"
username = "voipguard"
secret = "s3cr3t-never-shown"

[policy]
sip = { count = 3, seconds = 60 }

[firewall]
backend = "dry-run"
"#;

    #[test]
    fn a_minimal_file_reads_back() {
        let loaded = parse(MINIMAL).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(loaded.config.policy.sip.count, 3);
        assert_eq!(loaded.config.policy.iax2, Policy::default().iax2);
        let sources = loaded.sources().unwrap_or_else(|e| panic!("{e:#}"));
        let names: Vec<&str> = sources.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["/var/log/asterisk/messages", "ami"]);
        let allow = describe(&loaded.configured_allowlist());
        assert_eq!(allow, "10.0.0.0/8, 203.0.113.5");
        assert!(!format!("{loaded:?}").contains("s3cr3t"));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let text = MINIMAL.replace("kind = \"file\"", "kind = \"file\"\nfollow = true");
        let error = format!(
            "{:#}",
            parse(&text)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        );
        // Inside a `[[source]]`, serde reports the entry, not the key.
        assert!(
            error.starts_with("guard.toml:6:1: unknown field `follow`"),
            "{error}"
        );

        let text = MINIMAL.replace("\"10.0.0.0/8\"", "\"10.0.0.300/8\"");
        let error = parse(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.starts_with("guard.toml:4:"), "{error}");

        let text = MINIMAL.replace("path = \"/var/log", "path = \"var/log");
        let error = parse(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("guard.toml:6:1: the path of a file source must be absolute"),
            "{error}"
        );
    }

    #[test]
    fn secrets_never_appear_in_errors() {
        let text = MINIMAL.replace(
            "secret = \"s3cr3t-never-shown\"",
            "secret = \"s3cr3t-never-shown\" oops",
        );
        let error = parse(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.starts_with("guard.toml:13:"), "{error}");
        assert!(!error.contains("s3cr3t"), "{error}");

        let text = MINIMAL.replace("secret = \"s3cr3t-never-shown\"", "secret = 123456");
        let error = parse(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("the secret must be a string") && !error.contains("123456"),
            "{error}"
        );

        let text = MINIMAL.replace("secret = \"s3cr3t-never-shown\"", "");
        let error = parse(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("exactly one of `secret` and `secret_file`"),
            "{error}"
        );
    }

    #[test]
    fn the_contrib_example_reads_and_shows_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contrib/guard.toml");
        let loaded = LoadedConfig::load(&path).unwrap_or_else(|e| panic!("{e:#}"));
        let config = &loaded.config;
        assert_eq!(
            config.policy,
            Policy::default(),
            "the example says it shows the defaults"
        );
        assert_eq!(
            config.unanswered_challenges,
            default_unanswered_challenges()
        );
        assert_eq!(config.sshd, SshdConfig::default());
        let kinds: Vec<&str> = config
            .sources
            .iter()
            .map(|source| match source.get_ref() {
                SourceConfig::File { .. } => "file",
                SourceConfig::Stdin { .. } => "stdin",
                SourceConfig::Ami { .. } => "ami",
            })
            .collect();
        assert_eq!(kinds, ["file", "file", "file", "ami"]);
        assert!(matches!(
            &config.firewall,
            FirewallConfig::Nftables { command, forward: false } if command == &["nft"]
        ));
        assert_eq!(
            describe(&loaded.configured_allowlist()),
            "10.0.0.0/8, 203.0.113.5, 203.0.113.6, 2001:db8:100::/48"
        );
        // The AMI secret file is the administrator's: its absence is reported with the place.
        let error = loaded
            .sources()
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(
            error.contains("guard.toml:") && error.contains("ami.secret"),
            "{error}"
        );
    }

    #[test]
    fn the_sshd_mode_is_read_and_checked() {
        assert_eq!(
            parse(MINIMAL).map(|l| l.config.sshd.mode).ok(),
            Some(SshdMode::Normal)
        );
        let text = MINIMAL.replace("[policy]", "[sshd]\nmode = \"aggressive\"\n\n[policy]");
        assert_eq!(
            parse(&text).map(|l| l.config.sshd.mode).ok(),
            Some(SshdMode::Aggressive)
        );
        let text = MINIMAL.replace("[policy]", "[sshd]\nmode = \"paranoid\"\n\n[policy]");
        let error = parse(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("guard.toml:16:8: unknown variant `paranoid`"),
            "{error}"
        );
    }

    #[test]
    fn the_firewall_must_be_chosen() {
        let text = MINIMAL.replace("[firewall]\nbackend = \"dry-run\"\n", "");
        let error = parse(&text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("missing field `firewall`"), "{error}");
    }
}
