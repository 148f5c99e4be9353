//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Audits VoIP phone configurations against the vendors' security guides.
#[derive(Debug, Parser)]
#[command(name = "voipguard", version, about, propagate_version = true)]
pub struct Cli {
    /// More log output on standard error (-v info, -vv debug); VOIPGUARD_LOG overrides.
    #[arg(short = 'v', long = "log-verbose", action = clap::ArgAction::Count, global = true)]
    pub verbose_logs: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read configuration files and folders and decide every applicable control.
    Audit(AuditArgs),
    /// List the checks.
    Rules(RulesArgs),
    /// Print a check's rationale, remediation and references.
    Explain(ExplainArgs),
    /// Facts files: what lives in a GUI or a router (Allworx, ScopTEL's GUI, the site).
    #[command(subcommand)]
    Facts(FactsCommand),
    /// Find the SIP hosts in networks you own and tell what they are (OPTIONS over UDP/TCP).
    Scan(Box<ScanArgs>),
    /// Stop SIP, IAX2, AMI and SSH brute force: run the guard, show its bans, or replay logs to
    /// see what would be banned.
    Guard(GuardArgs),
}

/// `voipguard guard`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct GuardArgs {
    /// `status`; without one, the guard runs as a daemon (or replays with `--replay`).
    #[command(subcommand)]
    pub command: Option<GuardCommand>,
    /// The guard's configuration (contrib/guard.toml documents it). With `--replay`, only its
    /// `[policy]` and allowlist are used.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Replay these logs (`-` for standard input) and report every source seen failing, instead
    /// of running as a daemon.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub replay: Vec<PathBuf>,
    /// Output format of a replay.
    #[arg(long, value_enum, default_value_t = GuardFormat::Text)]
    pub format: GuardFormat,
    /// Year of timestamps that carry none (syslog, Asterisk's default date format); default: the
    /// current year.
    #[arg(long)]
    pub year: Option<i32>,
}

/// Where `voipguard guard` looks for its configuration when `--config` is not given.
pub const DEFAULT_GUARD_CONFIG: &str = "/etc/voipguard/guard.toml";

/// `voipguard guard` subcommands.
#[derive(Debug, Subcommand)]
pub enum GuardCommand {
    /// The bans in force: target, time left, reason, evidence.
    Status(GuardStatusArgs),
}

/// `voipguard guard status`.
#[derive(Debug, Args)]
pub struct GuardStatusArgs {
    /// The guard's configuration (its `state_dir` and `[firewall]` are read).
    #[arg(long, value_name = "FILE", default_value = DEFAULT_GUARD_CONFIG)]
    pub config: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GuardFormat::Text)]
    pub format: GuardFormat,
}

/// Output formats of `voipguard guard --replay` and `voipguard guard status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GuardFormat {
    /// One line per source, for a terminal.
    Text,
    /// The JSON report (docs/guard-json.md).
    Json,
}

/// `voipguard facts`.
#[derive(Debug, Subcommand)]
pub enum FactsCommand {
    /// Print a commented facts file template with every fact left unset.
    Template {
        /// What the facts describe.
        #[arg(long, value_enum)]
        kind: FactsKind,
    },
}

/// Kinds of facts file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FactsKind {
    /// An Allworx server (guide 003).
    Allworx,
    /// A ScopTEL PBX's GUI and host settings (guide 004).
    Scoptel,
    /// The site's router, firewall and internet exposure.
    Site,
}

/// `voipguard audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Files and folders (read recursively; hidden entries inside folders are passed over).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Exit 1 when a check fails at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Low)]
    pub fail_on: FailOn,
    /// Model of every device read (GRP2612W, WP820, GXP2170, D785…): decides what family-specific
    /// settings mean. Overrides the inventory and what the files say.
    #[arg(long)]
    pub model: Option<String>,
    /// Inventory file (TOML) mapping MACs or path globs to models.
    #[arg(long)]
    pub inventory: Option<PathBuf>,
    /// Also list passing and not-applicable checks.
    #[arg(long)]
    pub verbose: bool,
    /// Colours: auto (on a terminal), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Write the report to this file instead of standard output (atomically).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Grouped per device, for a terminal.
    Text,
    /// The versioned JSON contract (docs/json-output.md).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// One self-contained HTML page.
    Html,
}

/// Thresholds for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any failed check.
    Low,
    /// Medium and above.
    Medium,
    /// High and above.
    High,
    /// Critical only.
    Critical,
    /// Never exit 1 for findings.
    Never,
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal only.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `voipguard rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Only checks of this vendor (grandstream, snom).
    #[arg(long)]
    pub vendor: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `voipguard explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Check id (the baseline control id), e.g. GS-SSH-OFF.
    pub id: String,
}

/// `voipguard scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Addresses, CIDRs, ranges (127.0.0.1-127.0.0.50, 10.0.0.1-20) or host names.
    #[arg(required_unless_present = "targets_file")]
    pub targets: Vec<String>,
    /// A file of targets, one per line (# comments).
    #[arg(long, short = 'i')]
    pub targets_file: Option<PathBuf>,
    /// Networks you own (CIDR or address, repeatable or comma-separated). Every target must lie
    /// inside; nothing is sent otherwise. Without it, the `[scan] scope` of the `--inventory`
    /// file; given, it replaces the file's.
    #[arg(long, required_unless_present = "inventory", value_delimiter = ',')]
    pub scope: Vec<String>,
    /// Allow public address space that the scope names (only for networks you own). The
    /// inventory's `allow_public = true` grants it for the file's own scope only.
    #[arg(long)]
    pub allow_public: bool,
    /// The site file (voipguard.toml, as `audit --inventory` reads; contrib/voipguard-site.toml
    /// shows every field): device models and addresses by MAC or path glob, used to match
    /// `--audit` devices to hosts; its `[scan]` section's scope, allow_public and rate apply
    /// where the command line gives none (the command line wins when both do), and its
    /// credentials go to the intrusive checks that log in.
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// Also audit these configuration files and folders (repeatable), as `voipguard audit`
    /// does, and report a live host and the audited device it is as one device, configuration
    /// and live evidence side by side. A host is that device when the wire shows its MAC (SIP
    /// Contact, User-Agent or To-tag, a web page, the neighbour table) or when the inventory
    /// gives the device's MAC or path that host's `address`. Unmatched hosts and
    /// configurations stay separate devices.
    #[arg(long = "audit", value_name = "PATH", conflicts_with = "sip_only")]
    pub audit: Vec<PathBuf>,
    /// Ports probed on every address over UDP and TCP; TLS probes the port one above each
    /// (5060 → 5061), as the guides give it.
    #[arg(long, value_delimiter = ',', default_value = "5060")]
    pub ports: Vec<u16>,
    /// Accounts whose SIP ports are also probed on every host that answered: UDP/TCP 5060,
    /// 5062, … and TLS 5061, 5063, … (one pair per account, as multi-account phones use them).
    /// 0 probes `--ports` only.
    #[arg(long, default_value_t = 6, value_name = "N")]
    pub accounts: u16,
    /// Packets (UDP) or connections (TCP) per second, retransmissions included [default: the
    /// inventory's `[scan] rate`, else 10000].
    #[arg(long)]
    pub rate: Option<u32>,
    /// First retransmission interval in milliseconds (RFC 3261 T1; doubles after each).
    #[arg(long, default_value_t = 500)]
    pub timeout_ms: u64,
    /// Retransmissions of an unanswered UDP probe.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// The User-Agent the scanner announces.
    #[arg(long)]
    pub user_agent: Option<String>,
    /// Transports probed.
    #[arg(long, value_enum, default_value_t = ScanTransport::Udp)]
    pub transport: ScanTransport,
    /// Output format: `text` lists SIP hosts as they answer, then the findings per host;
    /// `jsonl` a JSON object per SIP host; `json`, `sarif` and `html` the findings report.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Exit 1 when a check fails at or above this severity, as `audit` does.
    #[arg(long, value_enum, default_value_t = FailOn::Low)]
    pub fail_on: FailOn,
    /// Only sweep SIP: no service probes, no svmap-like second OPTIONS, no findings.
    #[arg(long)]
    pub sip_only: bool,
    /// Ports of one service, SERVICE=PORT[,PORT...] (repeatable): ssh, telnet, ftp, http,
    /// https, tr069, ami, snmp, tftp. `SERVICE=` leaves the service out. Defaults: ssh 22,
    /// telnet 23, ftp 21, http 80,8080,5555, https 443,8443, tr069 7547, ami 5038, snmp 161,
    /// tftp 69.
    #[arg(long = "service-ports", value_name = "SERVICE=PORTS")]
    pub service_ports: Vec<String>,
    /// Timeout of each service probe step (connect, banner, answer), in milliseconds.
    #[arg(long, default_value_t = 1500)]
    pub service_timeout_ms: u64,
    /// Intrusive checks on every SIP host found, over the transport it answered on (UDP, TCP or
    /// TLS; an address and port answering several is checked once, the first of UDP, TCP,
    /// TLS), by name (comma list; nothing intrusive runs without it): `direct-ip` (an INVITE straight to the host: does it ring?),
    /// `anonymous` (the same from "Anonymous"), `enum` (do REGISTER answers tell existing
    /// extensions from random ones?), `sip-auth` (SIP digest secrets against a small
    /// dictionary, for `--users` and the site file's SIP users, else the extensions `enum`
    /// finds), `web-auth` (vendor
    /// factory-default logins on the web UIs that ask for one). Ringing calls are cancelled,
    /// answered ones hung up, registrations removed; every request is logged, no secret is.
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub intrusive: Vec<String>,
    /// Requests per second per host for the intrusive checks (cleanup is never held back).
    #[arg(long, default_value_t = 5.0)]
    pub intrusive_rate: f64,
    /// Extensions `--intrusive enum` tries instead of 100-110, 200-210, 1000-1010 and 2000:
    /// numbers, ranges and names, comma-separated (`100-199,alice`).
    #[arg(long, value_name = "LIST")]
    pub extensions: Option<String>,
    /// Users `--intrusive sip-auth` guesses secrets for: a file of numbers, ranges and names,
    /// one or more per line (comma-separated; # comments), with the users of the `--inventory`
    /// file's `kind = "sip"` credentials (their secrets are judged offline, never sent).
    /// Without either, the extensions `enum` finds.
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,
    /// Secrets `--intrusive sip-auth` tries after its built-in dictionary, one per line
    /// (repeatable).
    #[arg(long, value_name = "FILE")]
    pub wordlist: Vec<PathBuf>,
    /// The user the test calls of `direct-ip` and `anonymous` address (sip:USER@host).
    #[arg(long, default_value = "voipguard", value_name = "USER")]
    pub call_user: String,
}

/// Transports `voipguard scan` probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanTransport {
    /// UDP only.
    Udp,
    /// TCP only.
    Tcp,
    /// TLS only (the certificate is recorded, never trusted).
    Tls,
    /// UDP, then TCP.
    Both,
    /// UDP, then TCP, then TLS.
    All,
}

/// Output formats of `voipguard scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// A line per SIP host, then the findings per host.
    Text,
    /// A JSON object per SIP host, one per line.
    Jsonl,
    /// The JSON findings report (as `audit --format json`).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// One self-contained HTML page.
    Html,
}
