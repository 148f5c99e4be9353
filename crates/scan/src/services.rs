//! Service exposure: which of the services the guides warn about answer on each admitted host.
//!
//! Every host of a [`Plan`] gets, concurrently and each under a timeout: a TCP connection and
//! banner read for SSH, Telnet, FTP and the Asterisk Manager Interface; `GET /` over HTTP and
//! over TLS for web UIs (a TLS port is also asked whether it accepts TLS 1.0 and 1.1) (ScopTEL's GUI on 5555 and Allworx's admin page on 8080 included, and
//! TR-069's connection-request port 7547); an SNMP `GetRequest` for `sysDescr.0` with the factory
//! communities; ADB's CNXN on 5555 (the port ScopTEL's GUI also uses: each probe recognises only
//! its own protocol, and probes of one port take turns); and, over the whole plan at once, a
//! paced IAX2 POKE to 4569. Then, with the MAC addresses learned on the way (operator hints, the pages
//! themselves, the kernel's neighbour table), TFTP read requests for the provisioning files a
//! phone would fetch. A bounded number of hosts is probed at once, so a large plan never holds
//! more than `max_hosts` × (ports per host) sockets.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpStream, UdpSocket};
use tokio::task::JoinSet;

use crate::adb::{self, AdbAnswer};
use crate::http::{self, HttpInfo};
use crate::iax2::{self, PokeConfig};
use crate::scope::Plan;
use crate::snmp::{self, SnmpVersion};
use crate::sweep::DEFAULT_USER_AGENT;
use crate::tftp::{self, TftpAnswer};
use crate::tls::{self, TlsInfo};
use crate::tls_versions;

/// A service the scan looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// SSH (banner `SSH-2.0-…`).
    Ssh,
    /// Telnet.
    Telnet,
    /// FTP (banner `220 …`).
    Ftp,
    /// Web UI over plain HTTP (TLS tried when the port does not speak HTTP).
    Http,
    /// Web UI over TLS (plain HTTP tried when the handshake fails).
    Https,
    /// TR-069 connection-request port (HTTP).
    Tr069,
    /// Asterisk Manager Interface (banner `Asterisk Call Manager/…`).
    Ami,
    /// SNMP v1/v2c, UDP.
    Snmp,
    /// TFTP, UDP.
    Tftp,
    /// ADB over TCP on Android phones (a CNXN answered).
    Adb,
    /// IAX2, UDP (a POKE answered).
    Iax2,
}

impl Service {
    /// Every service, in probe order.
    pub const ALL: [Service; 11] = [
        Service::Ssh,
        Service::Telnet,
        Service::Ftp,
        Service::Http,
        Service::Https,
        Service::Tr069,
        Service::Ami,
        Service::Snmp,
        Service::Tftp,
        Service::Adb,
        Service::Iax2,
    ];

    /// Lower-case name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Service::Ssh => "ssh",
            Service::Telnet => "telnet",
            Service::Ftp => "ftp",
            Service::Http => "http",
            Service::Https => "https",
            Service::Tr069 => "tr069",
            Service::Ami => "ami",
            Service::Snmp => "snmp",
            Service::Tftp => "tftp",
            Service::Adb => "adb",
            Service::Iax2 => "iax2",
        }
    }

    /// The service of a name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|service| service.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Where the service listens unless told otherwise: the well-known ports, plus the VoIP
    /// ones the guides name (ScopTEL's GUI on 5555, Allworx's admin page and many phones'
    /// alternative web port on 8080). 5555 is both ScopTEL's GUI and Android's ADB: each
    /// probe recognises only its own protocol there.
    pub fn default_ports(self) -> &'static [u16] {
        match self {
            Service::Ssh => &[22],
            Service::Telnet => &[23],
            Service::Ftp => &[21],
            Service::Http => &[80, 8080, 5555],
            Service::Https => &[443, 8443],
            Service::Tr069 => &[7547],
            Service::Ami => &[5038],
            Service::Snmp => &[161],
            Service::Tftp => &[69],
            Service::Adb => &[crate::adb::ADB_PORT],
            Service::Iax2 => &[crate::iax2::IAX2_PORT],
        }
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What one host is known to be before its services are probed (from the SIP sweep or the
/// operator), used to name the provisioning files TFTP is asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostHints {
    /// MAC addresses, 12 hex digits.
    pub macs: Vec<String>,
    /// Snom models (`D785`), for `snom<model>.htm`.
    pub snom_models: Vec<String>,
}

/// How the service probes behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Ports per service; a service absent here is not probed.
    pub ports: BTreeMap<Service, Vec<u16>>,
    /// Per step: connecting, the banner, the answer, each UDP request.
    pub timeout: Duration,
    /// Hosts probed at once.
    pub max_hosts: usize,
    /// IAX2 POKEs per second over the whole plan, the retransmission included.
    pub rate: u32,
    /// The User-Agent sent to web servers.
    pub user_agent: String,
    /// SNMP communities tried (factory defaults only: these appear in reports).
    pub communities: Vec<String>,
    /// What is known of some hosts already.
    pub hints: HashMap<IpAddr, HostHints>,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            ports: Service::ALL
                .into_iter()
                .map(|service| (service, service.default_ports().to_vec()))
                .collect(),
            timeout: Duration::from_millis(1500),
            max_hosts: 32,
            rate: 1_000,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            communities: vec!["public".to_string(), "private".to_string()],
            hints: HashMap::new(),
        }
    }
}

/// Reads a port override `SERVICE=PORT[,PORT…]` (`ssh=22,2222`); an empty list (`telnet=`)
/// turns the service off.
pub fn parse_ports(spec: &str) -> Result<(Service, Vec<u16>), String> {
    let (name, ports) = spec
        .split_once('=')
        .ok_or_else(|| format!("{spec:?}: expected SERVICE=PORT[,PORT...]"))?;
    let service = Service::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Service::ALL.iter().map(|s| s.name()).collect();
        format!(
            "{spec:?}: unknown service {name:?} (one of {})",
            names.join(", ")
        )
    })?;
    let ports = ports
        .split(',')
        .map(str::trim)
        .filter(|port| !port.is_empty())
        .map(|port| {
            port.parse::<u16>()
                .ok()
                .filter(|port| *port > 0)
                .ok_or_else(|| format!("{spec:?}: {port:?} is not a port"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((service, ports))
}

/// What answered on one port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Found {
    /// The connection opened; nothing recognisable was said within the timeout.
    Open,
    /// The server spoke first: its first line, control characters removed.
    Banner {
        /// The line.
        text: String,
    },
    /// A web server, over TLS or not.
    Web {
        /// The handshake, when the port speaks TLS.
        #[serde(skip_serializing_if = "Option::is_none")]
        tls: Option<TlsInfo>,
        /// The answer to `GET /`.
        #[serde(skip_serializing_if = "Option::is_none")]
        http: Option<HttpInfo>,
    },
    /// An SNMP agent answered a factory community.
    Snmp {
        /// Version that answered.
        version: SnmpVersion,
        /// The factory community it accepted (`public` or `private`).
        community: String,
        /// `sysDescr.0`.
        #[serde(skip_serializing_if = "Option::is_none")]
        sys_descr: Option<String>,
    },
    /// A TFTP server handed out a file.
    Tftp {
        /// The name asked for.
        file: String,
        /// Its size.
        size: usize,
        /// The content, for the audit parsers: provisioning files hold passwords, so it is
        /// never serialised nor shown by `Debug`, and reaches output only through an audit's
        /// redaction ([`crate::leaked`]).
        #[serde(skip)]
        content: FileContent,
    },
    /// An ADB daemon answered the host's CNXN.
    Adb(AdbAnswer),
    /// An IAX2 stack answered a POKE.
    Iax2 {
        /// What came back (`PONG`, or another control frame).
        reply: String,
        /// Where the answer came from, when not the address poked.
        #[serde(skip_serializing_if = "Option::is_none")]
        responder: Option<SocketAddr>,
    },
}

/// A file's bytes, which may hold secrets: `Debug` shows only their length.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct FileContent(Vec<u8>);

impl FileContent {
    /// Wraps what a server sent.
    pub fn new(bytes: Vec<u8>) -> Self {
        FileContent(bytes)
    }

    /// The bytes, for a parser.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for FileContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bytes (not shown: may hold secrets)", self.0.len())
    }
}

/// One service that answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceResult {
    /// The service the port was probed as.
    pub service: Service,
    /// The port.
    pub port: u16,
    /// What answered.
    #[serde(flatten)]
    pub found: Found,
}

impl ServiceResult {
    /// The banner line, when the server spoke first.
    pub fn banner(&self) -> Option<&str> {
        match &self.found {
            Found::Banner { text } => Some(text),
            _ => None,
        }
    }

    /// The answer to `GET /`, over TLS or not.
    pub fn http(&self) -> Option<&HttpInfo> {
        match &self.found {
            Found::Web { http, .. } => http.as_ref(),
            _ => None,
        }
    }

    /// What an ADB daemon answered.
    pub fn adb(&self) -> Option<&AdbAnswer> {
        match &self.found {
            Found::Adb(answer) => Some(answer),
            _ => None,
        }
    }

    /// The TLS handshake.
    pub fn tls(&self) -> Option<&TlsInfo> {
        match &self.found {
            Found::Web { tls, .. } => tls.as_ref(),
            _ => None,
        }
    }

    /// `scheme://address:port`, the place evidence names.
    pub fn place(&self, address: IpAddr) -> String {
        let scheme = match (&self.found, self.service) {
            (Found::Web { tls: Some(_), .. }, _) => "https",
            (Found::Web { tls: None, .. }, _) => "http",
            (_, service) => service.name(),
        };
        format!("{scheme}://{}", SocketAddr::new(address, self.port))
    }
}

/// Everything that answered on one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostServices {
    /// The host.
    pub address: IpAddr,
    /// What answered, by service and port.
    pub services: Vec<ServiceResult>,
    /// Every port probed, by service (answering or not), so "closed" can be told from "not
    /// looked at".
    pub probed: BTreeMap<Service, Vec<u16>>,
    /// MAC addresses known or learned for the host.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub macs: Vec<String>,
}

impl HostServices {
    /// True when `port` was probed as `service`.
    pub fn probed(&self, service: Service, port: u16) -> bool {
        self.probed
            .get(&service)
            .is_some_and(|ports| ports.contains(&port))
    }
}

/// Probes every host of the plan; returns the hosts where anything answered, in address
/// order. Must run inside a tokio runtime.
pub async fn probe_services(plan: &Plan, config: &ServiceConfig) -> Vec<HostServices> {
    let poke = PokeConfig {
        ports: config
            .ports
            .get(&Service::Iax2)
            .cloned()
            .unwrap_or_default(),
        rate: config.rate,
        timeout: config.timeout,
    };
    let (mut hosts, iax2) = tokio::join!(probe_hosts(plan, config), iax2::poke_sweep(plan, &poke));
    // A host answering IAX2 alone is still a host.
    for answer in iax2 {
        let address = answer.target.ip();
        let at = match hosts.binary_search_by_key(&address, |host| host.address) {
            Ok(at) => at,
            Err(at) => {
                hosts.insert(
                    at,
                    HostServices {
                        address,
                        services: Vec::new(),
                        probed: config.ports.clone(),
                        macs: Vec::new(),
                    },
                );
                at
            }
        };
        if let Some(host) = hosts.get_mut(at) {
            host.services.push(ServiceResult {
                service: Service::Iax2,
                port: answer.target.port(),
                found: Found::Iax2 {
                    reply: answer.reply,
                    responder: answer.responder,
                },
            });
            host.services
                .sort_by_key(|result| (result.service, result.port));
        }
    }
    hosts
}

async fn probe_hosts(plan: &Plan, config: &ServiceConfig) -> Vec<HostServices> {
    let config = Arc::new(config.clone());
    let mut running = JoinSet::new();
    let mut hosts = Vec::new();
    for address in plan.addresses() {
        while running.len() >= config.max_hosts.max(1) {
            if let Some(Ok(Some(host))) = running.join_next().await {
                hosts.push(host);
            }
        }
        running.spawn(probe_host(address, Arc::clone(&config)));
    }
    while let Some(done) = running.join_next().await {
        if let Ok(Some(host)) = done {
            hosts.push(host);
        }
    }
    hosts.sort_by_key(|host: &HostServices| host.address);
    hosts
}

async fn probe_host(address: IpAddr, config: Arc<ServiceConfig>) -> Option<HostServices> {
    // One connection at a time per port: where two services share one (5555 is ScopTEL's GUI
    // and Android's ADB), a single-threaded daemon busy with the other probe's question would
    // make this one time out. Ports still run concurrently; the web probe goes first.
    let mut by_port: BTreeMap<(bool, u16), Vec<Service>> = BTreeMap::new();
    for (&service, ports) in &config.ports {
        // TFTP needs the MACs the other probes learn; IAX2 is swept over the whole plan.
        if matches!(service, Service::Tftp | Service::Iax2) {
            continue;
        }
        for &port in ports {
            let udp = service == Service::Snmp;
            by_port.entry((udp, port)).or_default().push(service);
        }
    }
    let mut probes = JoinSet::new();
    for ((_, port), services) in by_port {
        let config = Arc::clone(&config);
        probes.spawn(async move {
            let mut found = Vec::new();
            for service in services {
                if let Some(answer) =
                    probe_port(SocketAddr::new(address, port), service, &config).await
                {
                    found.push(ServiceResult {
                        service,
                        port,
                        found: answer,
                    });
                }
            }
            found
        });
    }
    let mut services = Vec::new();
    while let Some(done) = probes.join_next().await {
        if let Ok(found) = done {
            services.extend(found);
        }
    }
    let hints = config.hints.get(&address).cloned().unwrap_or_default();
    let mut macs = hints.macs.clone();
    macs.extend(
        services
            .iter()
            .filter_map(ServiceResult::http)
            .flat_map(|http| http.macs.iter().cloned()),
    );
    macs.extend(neighbour_mac(address));
    for mac in &mut macs {
        mac.make_ascii_lowercase();
    }
    macs.sort();
    macs.dedup();
    for &port in config.ports.get(&Service::Tftp).into_iter().flatten() {
        let files = provisioning_files(&macs, &hints.snom_models);
        services.extend(probe_tftp(SocketAddr::new(address, port), &files, config.timeout).await);
    }
    drop_unrecognised_where_adb_answered(&mut services);
    if services.is_empty() {
        return None;
    }
    services.sort_by_key(|result| (result.service, result.port));
    Some(HostServices {
        address,
        services,
        probed: config.ports.clone(),
        macs,
    })
}

/// A port where ADB answered is ADB's: the web probes' "open, nothing recognisable" there
/// (adbd hangs up on `GET /`) is the same daemon, not a second service. A web server that did
/// answer HTTP on the port is kept: then ADB did not answer, and the port is the GUI's.
fn drop_unrecognised_where_adb_answered(services: &mut Vec<ServiceResult>) {
    let adb_ports: Vec<u16> = services
        .iter()
        .filter(|result| result.adb().is_some())
        .map(|result| result.port)
        .collect();
    services.retain(|result| {
        !(matches!(result.found, Found::Open)
            && matches!(result.service, Service::Http | Service::Https)
            && adb_ports.contains(&result.port))
    });
}

/// The provisioning files a phone would fetch, from what is known of it.
fn provisioning_files(macs: &[String], snom_models: &[String]) -> Vec<String> {
    macs.iter()
        .map(|mac| format!("cfg{mac}.xml"))
        .chain(std::iter::once("cfg.xml".to_string()))
        .chain(snom_models.iter().map(|model| {
            let model = model.to_ascii_lowercase();
            format!("snom{}.htm", model.strip_prefix("snom").unwrap_or(&model))
        }))
        .collect()
}

async fn probe_tftp(server: SocketAddr, files: &[String], timeout: Duration) -> Vec<ServiceResult> {
    let mut served = Vec::new();
    for file in files {
        match tftp::fetch(server, file, timeout).await {
            Ok(TftpAnswer::File(content)) => served.push(ServiceResult {
                service: Service::Tftp,
                port: server.port(),
                found: Found::Tftp {
                    file: file.clone(),
                    size: content.len(),
                    content: FileContent::new(content),
                },
            }),
            Ok(TftpAnswer::Refused(_)) => {}
            // Nobody there: the other names would only wait out the same timeout.
            Ok(TftpAnswer::Silent) | Err(_) => break,
        }
    }
    served
}

async fn probe_port(target: SocketAddr, service: Service, config: &ServiceConfig) -> Option<Found> {
    if service == Service::Snmp {
        return probe_snmp(target, config).await;
    }
    let tcp = connect(target, config.timeout).await?;
    match service {
        // Not ADB (an HTTP GUI, another daemon): the probes of that service report the port.
        Service::Adb => adb::probe(tcp, config.timeout).await.map(Found::Adb),
        Service::Ssh | Service::Telnet | Service::Ftp | Service::Ami => {
            Some(read_banner(tcp, config.timeout).await)
        }
        Service::Http | Service::Tr069 => {
            match web_plain(tcp, target, config).await {
                Some(http) => Some(Found::Web {
                    tls: None,
                    http: Some(http),
                }),
                // Not HTTP: perhaps TLS on an unusual port.
                None => Some(web_tls(target, config).await.unwrap_or(Found::Open)),
            }
        }
        Service::Https => match web_tls_on(tcp, target, config).await {
            Some(found) => Some(found),
            None => Some(match connect(target, config.timeout).await {
                Some(tcp) => web_plain(tcp, target, config)
                    .await
                    .map_or(Found::Open, |http| Found::Web {
                        tls: None,
                        http: Some(http),
                    }),
                None => Found::Open,
            }),
        },
        Service::Snmp | Service::Tftp | Service::Iax2 => None,
    }
}

async fn connect(target: SocketAddr, timeout: Duration) -> Option<TcpStream> {
    tokio::time::timeout(timeout, TcpStream::connect(target))
        .await
        .ok()?
        .ok()
}

/// The first line the server sends unasked, control characters (and Telnet negotiation)
/// removed; [`Found::Open`] when it says nothing printable in time.
async fn read_banner(mut tcp: TcpStream, timeout: Duration) -> Found {
    let mut received = Vec::new();
    let mut chunk = [0_u8; 512];
    let deadline = tokio::time::Instant::now() + timeout;
    while received.len() < 1024 && !received.contains(&b'\n') {
        match tokio::time::timeout_at(deadline, tcp.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => received.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            _ => break,
        }
    }
    let line = received
        .split(|b| *b == b'\n')
        .map(|line| {
            line.iter()
                .filter(|b| b.is_ascii_graphic() || **b == b' ')
                .map(|b| char::from(*b))
                .collect::<String>()
        })
        .find(|line| !line.trim().is_empty());
    match line {
        Some(text) => Found::Banner {
            text: text.trim().to_string(),
        },
        None => Found::Open,
    }
}

fn host_header(target: SocketAddr) -> String {
    crate::sip::uri_hostport(target)
}

async fn web_plain(
    mut tcp: TcpStream,
    target: SocketAddr,
    config: &ServiceConfig,
) -> Option<HttpInfo> {
    tokio::time::timeout(
        config.timeout,
        http::exchange(&mut tcp, &host_header(target), &config.user_agent),
    )
    .await
    .ok()?
    .ok()?
}

async fn web_tls(target: SocketAddr, config: &ServiceConfig) -> Option<Found> {
    let tcp = connect(target, config.timeout).await?;
    web_tls_on(tcp, target, config).await
}

async fn web_tls_on(tcp: TcpStream, target: SocketAddr, config: &ServiceConfig) -> Option<Found> {
    let (mut stream, mut info) =
        tokio::time::timeout(config.timeout, tls::handshake(tcp, target.ip()))
            .await
            .ok()?
            .ok()?;
    let http = tokio::time::timeout(
        config.timeout,
        http::exchange(&mut stream, &host_header(target), &config.user_agent),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .flatten();
    drop(stream);
    info.versions = tls_versions::probe_legacy(target, config.timeout).await;
    Some(Found::Web {
        tls: Some(info),
        http,
    })
}

/// Tries each factory community, v2c then v1, and stops at the first that answers.
async fn probe_snmp(target: SocketAddr, config: &ServiceConfig) -> Option<Found> {
    let bind: SocketAddr = if target.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(bind).await.ok()?;
    socket.connect(target).await.ok()?;
    let mut buffer = vec![0_u8; 4096];
    let mut request_id: i64 = i64::from(fastrand::u32(1..0x7fff_ffff));
    for community in &config.communities {
        for version in [SnmpVersion::V2c, SnmpVersion::V1] {
            request_id += 1;
            let request = snmp::get_request(version, community, request_id, snmp::SYS_DESCR);
            socket.send(&request).await.ok()?;
            let deadline = tokio::time::Instant::now() + config.timeout;
            // A closed port answers with ICMP, which surfaces as a receive error: nobody there.
            while let Ok(received) =
                tokio::time::timeout_at(deadline, socket.recv(&mut buffer)).await
            {
                let len = received.ok()?;
                let Some(response) = snmp::parse_response(buffer.get(..len).unwrap_or_default())
                else {
                    continue;
                };
                if response.request_id == request_id {
                    return Some(Found::Snmp {
                        version,
                        community: community.clone(),
                        sys_descr: response.value,
                    });
                }
            }
        }
    }
    None
}

/// The MAC the kernel's neighbour table holds for `address` (Linux, IPv4), learned by the
/// probes just sent; `None` elsewhere or for hosts not on the local link.
fn neighbour_mac(address: IpAddr) -> Option<String> {
    let table = std::fs::read_to_string("/proc/net/arp").ok()?;
    mac_in_arp_table(&table, address)
}

fn mac_in_arp_table(table: &str, address: IpAddr) -> Option<String> {
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (ip, flags, mac) = (fields.first()?, fields.get(2)?, fields.get(3)?);
        let complete = u32::from_str_radix(flags.trim_start_matches("0x"), 16).ok()? & 0x2 != 0;
        let mac: String = mac.chars().filter(char::is_ascii_hexdigit).collect();
        (ip.parse::<IpAddr>().ok()? == address
            && complete
            && mac.len() == 12
            && mac != "000000000000")
            .then(|| mac.to_ascii_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_overrides() {
        assert_eq!(
            parse_ports("ssh=22,2222"),
            Ok((Service::Ssh, vec![22, 2222]))
        );
        assert_eq!(parse_ports("TFTP=6969"), Ok((Service::Tftp, vec![6969])));
        assert_eq!(parse_ports("telnet="), Ok((Service::Telnet, vec![])));
        for bad in ["ssh", "gopher=70", "ssh=0", "ssh=70000", "ssh=x"] {
            assert!(parse_ports(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn provisioning_file_names() {
        assert_eq!(
            provisioning_files(&["000b828c8f97".to_string()], &["D785".to_string()]),
            ["cfg000b828c8f97.xml", "cfg.xml", "snomd785.htm"]
        );
        assert_eq!(
            provisioning_files(&[], &["snom760".to_string()]),
            ["cfg.xml", "snom760.htm"]
        );
    }

    #[test]
    fn arp_table_lines() {
        let table = "IP address       HW type     Flags       HW address            Mask     Device\n\
                     192.168.1.20     0x1         0x2         00:0b:82:8c:8f:97     *        eth0\n\
                     192.168.1.21     0x1         0x0         00:00:00:00:00:00     *        eth0\n";
        let ip = |text: &str| text.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert_eq!(
            mac_in_arp_table(table, ip("192.168.1.20")).as_deref(),
            Some("000b828c8f97")
        );
        assert_eq!(mac_in_arp_table(table, ip("192.168.1.21")), None);
        assert_eq!(mac_in_arp_table(table, ip("192.168.1.22")), None);
        assert_eq!(mac_in_arp_table("", ip("192.168.1.20")), None);
    }
}
