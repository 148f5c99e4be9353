//! `voipguard scan`: admit the targets against the scope (nothing leaves before that), sweep
//! them with SIP OPTIONS and print each answering host with its fingerprint as it arrives; then
//! probe the services of every admitted host and report each host as a device with the findings
//! a scan can decide, through the same emitters as `audit`. With `--audit`, configuration files
//! are audited first and each host that is an audited device (by MAC, or by the address the
//! inventory gives) is reported as that one device, configuration and wire side by side; a
//! configuration a host serves over TFTP joins the audited device of the same MAC.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use voipguard_model::Device;
use voipguard_parsers::Keep;
use voipguard_report::{DeviceResult, InputError, Options, Skipped, Summary};
use voipguard_scan::accounts::{account_follow_ups, tls_ports};
use voipguard_scan::intrusive::{
    HostChecks, IntrusiveCheck, WebAuth, Wordlist, parse_checks, parse_extensions,
};
use voipguard_scan::scanner_filter::{ScannerProbe, probe_scanner_filter};
use voipguard_scan::services::{HostServices, parse_ports};
use voipguard_scan::sweep::DEFAULT_USER_AGENT;
use voipguard_scan::{
    Assessed, Fingerprint, FingerprintTable, HostEvidence, HostHints, IntrusiveConfig, Leaked,
    Plan, Scope, ServiceConfig, SipHost, Sweep, SweepConfig, SweepSummary, Target, Transport,
    WebPage, assess, assess_as, audit_leaked, is_served_copy_of, join_served_copy, judge_intrusive,
    judge_sip_transports, judge_web_auth, merge_same_check, observe, probe_services, run_intrusive,
    run_web_auth, side_by_side, tcp_sweep, tls_sweep, udp_sweep,
};

use crate::Outcome;
use crate::audit::{self, FileResult};
use crate::cli::{ScanArgs, ScanFormat, ScanTransport};
use crate::inventory::{self, Inventory, ScanSettings};

/// Runs the scan. A target outside the scope is an error (exit 2) before any socket opens.
pub fn run(args: &ScanArgs) -> anyhow::Result<Outcome> {
    let inventory = args.inventory.as_deref().map(Inventory::load).transpose()?;
    let site = inventory.as_ref().and_then(Inventory::scan);
    let scope = scope(args, site)?;
    anyhow::ensure!(
        args.audit.is_empty() || args.format != ScanFormat::Jsonl,
        "--audit reports devices: use --format text, json, sarif or html"
    );
    // Devices' models and addresses: the named inventory, else the one `audit` would find.
    // Only a named one lends its [scan] section: a scope is an authorisation, never implied.
    let discovered = match (&inventory, args.audit.is_empty()) {
        (None, false) => inventory::discover(&args.audit)
            .map(|path| Inventory::load(&path))
            .transpose()?,
        _ => None,
    };
    let devices = inventory.as_ref().or(discovered.as_ref());
    let configs = audited_configs(&args.audit, devices)?;
    let mut targets = args
        .targets
        .iter()
        .map(|spec| Target::parse(spec))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(file) = &args.targets_file {
        targets.extend(Target::read_file(file)?);
    }
    let plan = scope.plan(&targets)?;
    let table = FingerprintTable::embedded()?;
    let config = SweepConfig {
        ports: args.ports.clone(),
        rate: args
            .rate
            .or(site.and_then(|site| site.rate))
            .unwrap_or(SweepConfig::default().rate),
        t1: Duration::from_millis(args.timeout_ms.max(1)),
        retransmissions: args.retries,
        user_agent: args
            .user_agent
            .clone()
            .unwrap_or_else(|| DEFAULT_USER_AGENT.to_string()),
        ..SweepConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let service_config = (!args.sip_only)
        .then(|| service_config(args, &config.user_agent))
        .transpose()?;
    let intrusive = intrusive_config(args, &config.user_agent, site)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut sip_hosts: Vec<(SipHost, Option<Fingerprint>)> = Vec::new();
    let sweeps: &[Transport] = match args.transport {
        ScanTransport::Udp => &[Transport::Udp],
        ScanTransport::Tcp => &[Transport::Tcp],
        ScanTransport::Tls => &[Transport::Tls],
        ScanTransport::Both => &[Transport::Udp, Transport::Tcp],
        ScanTransport::All => &[Transport::Udp, Transport::Tcp, Transport::Tls],
    };
    let swept: Vec<(Transport, Vec<u16>)> = sweeps
        .iter()
        .map(|&transport| match transport {
            Transport::Tls => (transport, tls_ports(&args.ports)),
            _ => (transport, args.ports.clone()),
        })
        .collect();
    for (transport, ports) in &swept {
        let config = SweepConfig {
            ports: ports.clone(),
            ..config.clone()
        };
        let summary = runtime.block_on(sweep(
            *transport,
            plan.clone(),
            config,
            &table,
            args.format,
            &mut out,
            &mut sip_hosts,
        ))?;
        tracing::info!(
            transport = %transport,
            probes = summary.probes,
            answered = summary.answered,
            silent = summary.silent,
            transmissions = summary.transmissions,
            seconds = summary.elapsed.as_secs_f64(),
            per_second = summary.probes as f64 / summary.elapsed.as_secs_f64().max(1e-3),
            "sweep done"
        );
        if let Some(error) = &summary.first_send_error {
            tracing::warn!(
                failures = summary.send_failures,
                "some probes could not be sent, first: {error}"
            );
        }
    }
    // The other accounts' ports, only on the hosts that answered: a /16 costs no more.
    let answered: Vec<IpAddr> = sip_hosts.iter().map(|(host, _)| host.target.ip()).collect();
    for follow_up in account_follow_ups(&plan, answered, &swept, args.accounts) {
        let config = SweepConfig {
            ports: follow_up.ports,
            ..config.clone()
        };
        runtime.block_on(sweep(
            follow_up.transport,
            follow_up.plan,
            config,
            &table,
            args.format,
            &mut out,
            &mut sip_hosts,
        ))?;
    }
    let intrusive_results = match &intrusive {
        Some(intrusive) => {
            // The checks speak the transport each host answered on.
            let found: Vec<SipHost> = sip_hosts.iter().map(|(host, _)| host.clone()).collect();
            if found.is_empty() && intrusive.checks.iter().any(|check| check.speaks_sip()) {
                tracing::warn!("no SIP host answered: no intrusive SIP check ran");
            }
            runtime.block_on(run_intrusive(&plan, &found, intrusive))?
        }
        None => Vec::new(),
    };
    let mut outcome = Outcome::Clean;
    let mut probed = None;
    if let Some(mut service_config) = service_config {
        service_config.hints = hints(&sip_hosts, devices);
        let hosts = runtime.block_on(probe_services(&plan, &service_config));
        tracing::info!(hosts = hosts.len(), "service probes done");
        // The web UI of a SIP host is one more fingerprint signal; web-auth and the report
        // then see the combined fingerprint.
        for (sip, fingerprint) in &mut sip_hosts {
            if let Some(host) = hosts.iter().find(|host| host.address == sip.target.ip()) {
                *fingerprint = table.identify_with_web(sip, &WebPage::of(host));
            }
        }
        let web_auth = match &intrusive {
            Some(intrusive) if intrusive.checks.contains(&IntrusiveCheck::WebAuth) => {
                let fingerprints = sip_hosts
                    .iter()
                    .filter_map(|(host, fingerprint)| {
                        Some((host.target.ip(), fingerprint.clone()?))
                    })
                    .collect();
                runtime.block_on(run_web_auth(&plan, &hosts, &fingerprints, intrusive))?
            }
            _ => Vec::new(),
        };
        probed = Some((hosts, web_auth, service_config));
    }
    // Last on the wire: a host's scanner filter may ban whoever sends svmap's OPTIONS, and no
    // other probe should be judged through that ban. The report follows, with its observations.
    // A discovery-only sweep (`--sip-only`) sends nothing but the sweep's own OPTIONS.
    let scanner_probes = if args.sip_only {
        Vec::new()
    } else {
        runtime.block_on(probe_scanner_filter(
            sip_hosts.iter().map(|(host, _)| host),
            &config,
        ))
    };
    if let Some((hosts, web_auth, service_config)) = probed {
        let live = Live {
            sip_hosts: &sip_hosts,
            hosts,
            intrusive: &intrusive_results,
            web_auth: &web_auth,
            scanner_probes: &scanner_probes,
            config: &service_config,
        };
        let summary = report(live, configs, devices, args.format, &mut out)?;
        if summary.errors > 0 && !args.audit.is_empty() {
            outcome = Outcome::InputErrors;
        } else if audit::threshold(args.fail_on)
            .is_some_and(|threshold| summary.fails_at_or_above(threshold))
        {
            outcome = Outcome::Findings;
        }
    }
    for probe in &scanner_probes {
        match args.format {
            ScanFormat::Jsonl => {
                serde_json::to_writer(&mut out, &serde_json::json!({ "scanner_probe": probe }))?;
                writeln!(out)?;
            }
            ScanFormat::Text => writeln!(out, "{}/udp  {}", probe.target, probe.note())?,
            // One document: no line may follow it.
            ScanFormat::Json | ScanFormat::Sarif | ScanFormat::Html => {}
        }
    }
    out.flush()?;
    Ok(outcome)
}

/// `--scope` when given, else the inventory's `[scan] scope`, whose `allow_public` grants
/// public space to that scope only.
fn scope(args: &ScanArgs, site: Option<&ScanSettings>) -> anyhow::Result<Scope> {
    if !args.scope.is_empty() {
        return Ok(Scope::parse(&args.scope, args.allow_public)?);
    }
    match site {
        Some(site) if !site.scope.is_empty() => {
            Scope::parse(&site.scope, args.allow_public || site.allow_public)
                .with_context(|| format!("the [scan] scope of {}", site.file.display()))
        }
        _ => anyhow::bail!(
            "no scope: give --scope, or a `scope` in the [scan] section of the --inventory file"
        ),
    }
}

/// What `--audit` named, audited as `voipguard audit` does: devices with their findings, the
/// files passed over, the files in error.
#[derive(Default)]
struct Configs {
    devices: Vec<Assessed>,
    skipped: Vec<Skipped>,
    errors: Vec<InputError>,
}

fn audited_configs(paths: &[PathBuf], inventory: Option<&Inventory>) -> anyhow::Result<Configs> {
    let mut configs = Configs::default();
    if paths.is_empty() {
        return Ok(configs);
    }
    audit::audit_paths(paths, inventory, &mut |result| {
        match result {
            FileResult::Device(device, findings) => configs.devices.push(Assessed {
                device: *device,
                findings,
            }),
            FileResult::Skipped(skipped) => configs.skipped.push(skipped),
            FileResult::Error(error) => configs.errors.push(error),
        }
        Ok(())
    })?;
    tracing::info!(
        devices = configs.devices.len(),
        errors = configs.errors.len(),
        "configurations audited"
    );
    Ok(configs)
}

fn service_config(args: &ScanArgs, user_agent: &str) -> anyhow::Result<ServiceConfig> {
    let mut config = ServiceConfig {
        timeout: Duration::from_millis(args.service_timeout_ms.max(1)),
        user_agent: user_agent.to_string(),
        ..ServiceConfig::default()
    };
    for spec in &args.service_ports {
        let (service, ports) =
            parse_ports(spec).map_err(|err| anyhow::anyhow!("--service-ports {err}"))?;
        config.ports.insert(service, ports);
    }
    Ok(config)
}

/// The intrusive checks `--intrusive` names, or `None` when it names none. They need the
/// findings report, so `--sip-only` refuses them.
/// The site's credentials are read (password files included) only when a check is named.
fn intrusive_config(
    args: &ScanArgs,
    user_agent: &str,
    site: Option<&ScanSettings>,
) -> anyhow::Result<Option<IntrusiveConfig>> {
    let checks = parse_checks(&args.intrusive.join(","))?;
    if checks.is_empty() {
        return Ok(None);
    }
    anyhow::ensure!(
        !args.sip_only,
        "--intrusive reports findings: it cannot be combined with --sip-only"
    );
    let mut config = IntrusiveConfig {
        checks,
        rate: args.intrusive_rate,
        callee: args.call_user.clone(),
        user_agent: user_agent.to_string(),
        credentials: site
            .map(ScanSettings::credentials)
            .transpose()?
            .unwrap_or_default(),
        ..IntrusiveConfig::default()
    };
    if let Some(list) = &args.extensions {
        config.extensions = parse_extensions(list)?;
    }
    if let Some(file) = &args.users {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read --users {}", file.display()))?;
        let entries: Vec<&str> = text
            .lines()
            .map(|line| line.split('#').next().unwrap_or_default().trim())
            .filter(|line| !line.is_empty())
            .collect();
        config.auth_users = parse_extensions(&entries.join(","))
            .with_context(|| format!("--users {}", file.display()))?;
    }
    for file in &args.wordlist {
        config.wordlist.extend(Wordlist::read(file)?);
    }
    Ok(Some(config))
}

/// What the SIP sweep and the inventory taught about each host: MACs (from SIP headers, or an
/// inventory device's `address`) and Snom models name the files TFTP is asked for.
fn hints(
    sip_hosts: &[(SipHost, Option<Fingerprint>)],
    inventory: Option<&Inventory>,
) -> HashMap<IpAddr, HostHints> {
    let mut hints: HashMap<IpAddr, HostHints> = HashMap::new();
    for (mac, address) in inventory.into_iter().flat_map(Inventory::macs_at_addresses) {
        hints.entry(address).or_default().macs.push(mac.to_string());
    }
    for (host, fingerprint) in sip_hosts {
        hints
            .entry(host.target.ip())
            .or_default()
            .macs
            .extend(host.macs.iter().cloned());
        if let Some(fingerprint) = fingerprint
            && fingerprint.vendor == "Snom"
            && let Some(model) = &fingerprint.model
        {
            hints
                .entry(host.target.ip())
                .or_default()
                .snom_models
                .push(model.clone());
        }
    }
    hints
}

/// What the wire showed: SIP hosts, the services of every host, the intrusive checks' results.
struct Live<'a> {
    sip_hosts: &'a [(SipHost, Option<Fingerprint>)],
    hosts: Vec<HostServices>,
    intrusive: &'a [HostChecks],
    web_auth: &'a [WebAuth],
    scanner_probes: &'a [ScannerProbe],
    config: &'a ServiceConfig,
}

/// One device per host that answered SIP or any service, in address order (joined with the
/// audited device it is, if any), then the audited devices no host matched, through the
/// report emitter of `format` (`text` after the SIP lines; `jsonl` lists services instead).
fn report(
    live: Live<'_>,
    configs: Configs,
    inventory: Option<&Inventory>,
    format: ScanFormat,
    out: &mut impl Write,
) -> anyhow::Result<Summary> {
    let Live {
        sip_hosts,
        hosts,
        intrusive,
        web_auth,
        scanner_probes,
        config,
    } = live;
    let mut by_address: BTreeMap<IpAddr, HostServices> =
        hosts.into_iter().map(|host| (host.address, host)).collect();
    for (sip, _) in sip_hosts {
        let host = by_address
            .entry(sip.target.ip())
            .or_insert_with(|| HostServices {
                address: sip.target.ip(),
                services: Vec::new(),
                probed: config.ports.clone(),
                macs: Vec::new(),
            });
        host.macs.extend(sip.macs.iter().cloned());
        host.macs.sort();
        host.macs.dedup();
    }
    let emitter_format = match format {
        ScanFormat::Jsonl => {
            for host in by_address.values() {
                serde_json::to_writer(&mut *out, host)?;
                writeln!(out)?;
            }
            for checks in intrusive {
                serde_json::to_writer(&mut *out, &serde_json::json!({ "intrusive": checks }))?;
                writeln!(out)?;
            }
            for web in web_auth {
                serde_json::to_writer(&mut *out, &serde_json::json!({ "web_auth": web }))?;
                writeln!(out)?;
            }
            // Raw listings judge nothing: no finding to fail on.
            return Ok(Summary::default());
        }
        ScanFormat::Text => voipguard_report::Format::Text,
        ScanFormat::Json => voipguard_report::Format::Json,
        ScanFormat::Sarif => voipguard_report::Format::Sarif,
        ScanFormat::Html => voipguard_report::Format::Html,
    };
    let catalogue = voipguard_checks::catalogue().map_err(|err| anyhow::anyhow!("{err}"))?;
    let options = Options {
        catalogue,
        color: false,
        verbose: false,
    };
    let mut emitter = voipguard_report::emitter(emitter_format, Box::new(&mut *out), options);
    let mut summary = Summary::default();
    let keep = Keep::only(catalogue.settings_read());
    let Configs {
        devices: mut configs,
        mut skipped,
        mut errors,
    } = configs;
    // A served provisioning file is audited as the file itself. A copy of an audited device's
    // configuration joins that device before the wire is set beside it (so the wire is compared
    // once with both files); any other follows the host that leaked it.
    let mut served: HashMap<IpAddr, Vec<Assessed>> = HashMap::new();
    for (address, host) in &by_address {
        for file in audit_leaked(host, catalogue, &keep) {
            match file.outcome {
                Leaked::Audited(copy) => {
                    match configs
                        .iter_mut()
                        .find(|audited| is_served_copy_of(&copy, audited))
                    {
                        Some(audited) => {
                            tracing::info!(source = %file.source.display(), device = %audited.device.id, "a served copy of an audited configuration joins it");
                            join_served_copy(audited, copy);
                        }
                        None => served.entry(*address).or_default().push(copy),
                    }
                }
                Leaked::Skipped(reason) => skipped.push(Skipped {
                    file: file.source,
                    reason,
                }),
                Leaked::Unreadable(error) => errors.push(InputError {
                    file: error.file,
                    line: Some(error.line),
                    column: Some(error.column),
                    message: error.message,
                }),
            }
        }
    }
    let mut unmatched: Vec<Option<Assessed>> = configs.into_iter().map(Some).collect();
    for (address, host) in &by_address {
        let audited = unmatched
            .iter_mut()
            .find(|config| {
                config
                    .as_ref()
                    .is_some_and(|config| is_same_device(&config.device, host, inventory))
            })
            .and_then(Option::take);
        let fingerprint = sip_hosts
            .iter()
            .find(|(sip, fingerprint)| sip.target.ip() == *address && fingerprint.is_some())
            .and_then(|(_, fingerprint)| fingerprint.as_ref());
        let mut assessed = match &audited {
            Some(audited) => assess_as(host, &audited.device, catalogue),
            None => assess(host, fingerprint, catalogue),
        };
        for (sip, _) in sip_hosts
            .iter()
            .filter(|(sip, _)| sip.target.ip() == *address)
        {
            assessed.device.sources.push(Arc::new(PathBuf::from(format!(
                "sip://{}/{}",
                sip.target, sip.transport
            ))));
        }
        let answers: Vec<&SipHost> = sip_hosts
            .iter()
            .filter(|(sip, _)| sip.target.ip() == *address)
            .map(|(sip, _)| sip)
            .collect();
        assessed.findings.extend(judge_sip_transports(
            assessed.device.vendor,
            &answers,
            catalogue,
        ));
        for checks in intrusive
            .iter()
            .filter(|checks| checks.target.ip() == *address)
        {
            assessed.findings.extend(judge_intrusive(checks, catalogue));
        }
        for web in web_auth.iter().filter(|web| web.address == *address) {
            assessed.findings.extend(judge_web_auth(web, catalogue));
        }
        assessed.findings = merge_same_check(assessed.findings);
        let probes: Vec<&ScannerProbe> = scanner_probes
            .iter()
            .filter(|probe| probe.target.ip() == *address)
            .collect();
        let observations = observe(HostEvidence {
            vendor: assessed.device.vendor,
            fingerprint,
            answers: &answers,
            scanner_probes: &probes,
            web_auth: web_auth.iter().find(|web| web.address == *address),
        });
        if let Some(audited) = audited {
            assessed = side_by_side(audited, assessed);
        }
        let mut devices = vec![assessed];
        devices.extend(served.remove(address).unwrap_or_default());
        for (index, assessed) in devices.iter().enumerate() {
            summary.add_device(&assessed.findings);
            // The host's own device carries what the wire taught; a file it served does not.
            let observed = if index == 0 { &observations[..] } else { &[] };
            emitter
                .device(DeviceResult {
                    device: &assessed.device,
                    findings: &assessed.findings,
                    observations: observed,
                })
                .context("cannot write the report")?;
        }
    }
    for config in unmatched.into_iter().flatten() {
        summary.add_device(&config.findings);
        emitter
            .device(DeviceResult {
                device: &config.device,
                findings: &config.findings,
                observations: &[],
            })
            .context("cannot write the report")?;
    }
    summary.skipped = skipped.len();
    summary.errors = errors.len();
    emitter
        .finish(&skipped, &errors, &summary)
        .context("cannot write the report")?;
    Ok(summary)
}

/// True when the audited `config` is the device at `host`: the wire showed its MAC, or the
/// inventory gives its MAC or one of its files the host's address.
fn is_same_device(config: &Device, host: &HostServices, inventory: Option<&Inventory>) -> bool {
    config
        .mac
        .as_ref()
        .is_some_and(|mac| host.macs.contains(mac))
        || inventory.and_then(|inventory| inventory.address(config.mac.as_deref(), &config.sources))
            == Some(host.address)
}

async fn sweep(
    transport: Transport,
    plan: Plan,
    config: SweepConfig,
    table: &FingerprintTable,
    format: ScanFormat,
    out: &mut impl Write,
    found: &mut Vec<(SipHost, Option<Fingerprint>)>,
) -> anyhow::Result<SweepSummary> {
    let mut sweep: Sweep = match transport {
        Transport::Udp => udp_sweep(plan, config)?,
        Transport::Tcp => tcp_sweep(plan, config)?,
        Transport::Tls => tls_sweep(plan, config)?,
    };
    let bar = progress_bar(sweep.progress.total.load(Ordering::Relaxed), transport);
    let progress = std::sync::Arc::clone(&sweep.progress);
    let ticker_bar = bar.clone();
    let ticker = tokio::spawn(async move {
        loop {
            ticker_bar.set_position(progress.done.load(Ordering::Relaxed));
            ticker_bar.set_message(format!(
                "{} found",
                progress.answered.load(Ordering::Relaxed)
            ));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    while let Some(host) = sweep.hosts.recv().await {
        let fingerprint = table.identify(&host);
        let written = bar.suspend(|| write_host(out, &host, fingerprint.as_ref(), format));
        written?;
        found.push((host, fingerprint));
    }
    ticker.abort();
    bar.finish_and_clear();
    Ok(sweep.finish().await)
}

/// A progress bar on a terminal; hidden when standard error is piped.
fn progress_bar(total: u64, transport: Transport) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let template = format!(
        "{{bar:40}} {{pos}}/{{len}} {} probes {{per_sec}} {{msg}} eta {{eta}}",
        transport
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

#[derive(Serialize)]
struct JsonLine<'a> {
    #[serde(flatten)]
    host: &'a SipHost,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a Fingerprint>,
}

fn write_host(
    out: &mut impl Write,
    host: &SipHost,
    fingerprint: Option<&Fingerprint>,
    format: ScanFormat,
) -> anyhow::Result<()> {
    match format {
        ScanFormat::Jsonl => {
            serde_json::to_writer(&mut *out, &JsonLine { host, fingerprint })?;
            writeln!(out)?;
        }
        ScanFormat::Text => writeln!(out, "{}", text_line(host, fingerprint))?,
        // The report formats carry SIP hosts as devices at the end.
        ScanFormat::Json | ScanFormat::Sarif | ScanFormat::Html => {}
    }
    Ok(())
}

fn text_line(host: &SipHost, fingerprint: Option<&Fingerprint>) -> String {
    let mut line = format!(
        "{}/{}  {} {}",
        host.target, host.transport, host.status, host.reason
    );
    match fingerprint {
        Some(f) => {
            line.push_str(&format!("  {} {}", f.vendor, f.product));
            for (label, value) in [
                ("model", &f.model),
                ("firmware", &f.firmware),
                ("platform", &f.platform),
            ] {
                if let Some(value) = value {
                    line.push_str(&format!(" {label} {value}"));
                }
            }
            line.push_str(&format!(
                " (confidence {:.2}: {})",
                f.confidence,
                f.signals.join("+")
            ));
        }
        None => line.push_str("  unrecognised"),
    }
    for (label, value) in [("Server", &host.server), ("User-Agent", &host.user_agent)] {
        if let Some(value) = value {
            line.push_str(&format!("  {label}: {value:?}"));
        }
    }
    if !host.allow.is_empty() {
        line.push_str(&format!("  Allow: {}", host.allow.join(",")));
    }
    if let Some(responder) = host.responder {
        line.push_str(&format!("  answered from {responder}"));
    }
    line.push_str(&format!("  rtt {:.1} ms", host.rtt.as_secs_f64() * 1e3));
    line
}
