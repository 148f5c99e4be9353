//! The sweep engine: OPTIONS to every admitted address and port, paced and retransmitted.
//!
//! UDP uses one socket per address family for the whole sweep, so a /16 costs two file
//! descriptors, not 65,536. One task, the scheduler, owns the sockets and all probe state, so a
//! probe costs no message or wake-up between tasks:
//!
//! * it sends first transmissions in target order, each rendered from a per-socket
//!   [`RequestTemplate`] (only the target and the probe's token are written per datagram), paced
//!   by a token bucket (`rate` packets per second, retransmissions included) and bounded by
//!   `max_outstanding`;
//! * it reads every waiting datagram between sends, finds the probe's token in the raw bytes and
//!   parses only the first answer to a live probe (duplicates drawn by retransmissions and
//!   strays cost a substring search);
//! * it retransmits silent probes on RFC 3261 timer A (doubling intervals, starting at T1 and
//!   adapting to the measured round-trip time) and gives them up after the full last interval;
//! * it hands each answered probe out as a [`SipHost`] when the reader has room, so a reader
//!   slower than the wire holds compact parsed answers back, not the sweep.
//!
//! TCP ([`tcp_sweep`]) and TLS ([`tls_sweep`]) open one connection per address and port, a
//! bounded number at a time (`max_connections`, so a /16 never exhausts file descriptors),
//! send one OPTIONS and read one response.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use compact_str::CompactString;
use serde::Serialize;
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::scope::Plan;
use crate::sip::{
    Correlator, OptionsRequest, RequestTemplate, Response, TokenFinder, Transport,
    complete_message_len,
};
use crate::tls::{self, TlsInfo};
use crate::tls_versions;

/// How a sweep behaves on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepConfig {
    /// Ports probed on every address.
    pub ports: Vec<u16>,
    /// Packets (UDP) or connection attempts (TCP) per second, retransmissions included.
    pub rate: u32,
    /// RFC 3261 T1: the first retransmission interval (doubling after each).
    pub t1: Duration,
    /// Retransmissions of a silent UDP probe before it is given up; the wait after the last one
    /// is the full doubled T1 interval.
    pub retransmissions: u32,
    /// The shortest first retransmission interval. Retransmissions start at T1 and follow the
    /// measured round-trip time once hosts answer (never below this, never above T1).
    pub min_retransmit_interval: Duration,
    /// UDP probes in flight at most.
    pub max_outstanding: usize,
    /// TCP and TLS connections open at most: each is a file descriptor.
    pub max_connections: usize,
    /// TCP and TLS: time for connecting, the handshake, and again for the response.
    pub tcp_timeout: Duration,
    /// The User-Agent the scanner announces.
    pub user_agent: String,
}

/// The scanner's honest default User-Agent.
pub const DEFAULT_USER_AGENT: &str = concat!("voipguard/", env!("CARGO_PKG_VERSION"));

impl Default for SweepConfig {
    fn default() -> Self {
        Self {
            ports: vec![5060],
            rate: 10_000,
            t1: Duration::from_millis(500),
            retransmissions: 2,
            min_retransmit_interval: Duration::from_millis(50),
            max_outstanding: 100_000,
            max_connections: 256,
            tcp_timeout: Duration::from_secs(2),
            user_agent: DEFAULT_USER_AGENT.to_string(),
        }
    }
}

impl SweepConfig {
    /// The longest a silent UDP probe is waited for in total (T1 + 2·T1 + … + the final wait;
    /// shorter once measured round trips bring the retransmissions forward).
    pub fn udp_probe_lifetime(&self) -> Duration {
        (0..=self.retransmissions)
            .map(|level| self.interval(level))
            .sum()
    }

    fn interval(&self, level: u32) -> Duration {
        self.t1
            .saturating_mul(1_u32.checked_shl(level).unwrap_or(u32::MAX))
    }
}

/// A sweep that cannot start.
#[derive(Debug, Error)]
pub enum SweepError {
    /// No socket could be opened or its address learned.
    #[error("cannot open a {family} socket: {source}")]
    Socket {
        /// `IPv4` or `IPv6`.
        family: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// Nothing to probe on.
    #[error("no port to probe")]
    NoPorts,
    /// A zero rate would never send.
    #[error("the rate must be at least 1 per second")]
    ZeroRate,
}

/// A host that answered a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SipHost {
    /// The address and port probed.
    pub target: SocketAddr,
    /// Where the response came from, when not the target (NAT, multi-homed or wildcard-bound).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responder: Option<SocketAddr>,
    /// Transport of the probe.
    pub transport: Transport,
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// `Server` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// `User-Agent` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Methods in `Allow`. (Short strings kept inline: a dense sweep holds tens of thousands
    /// of hosts, and one heap allocation per method and header name was most of their memory.)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<CompactString>,
    /// Extensions in `Supported`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supported: Vec<CompactString>,
    /// The responder's To-tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_tag: Option<String>,
    /// Digest realm of a 401/407.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// Every header name present (lower-case), for vendor-specific markers.
    pub header_names: Vec<CompactString>,
    /// TLS: the certificate chain presented and the legacy versions accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsInfo>,
    /// Round-trip time, from the transmission the response followed.
    #[serde(serialize_with = "serialize_millis")]
    pub rtt: Duration,
    /// Transmissions sent before the answer (1 = answered the first).
    pub transmissions: u32,
    /// MAC addresses the answer gave away (Contact, `+sip.instance`, User-Agent, To-tag).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub macs: Vec<String>,
}

fn serialize_millis<S: serde::Serializer>(
    rtt: &Duration,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((rtt.as_secs_f64() * 1e6).round() / 1e3)
}

impl SipHost {
    fn new(
        target: SocketAddr,
        from: SocketAddr,
        transport: Transport,
        response: &Response,
        rtt: Duration,
        transmissions: u32,
    ) -> Self {
        let text = |name: &str| response.header(name).map(str::to_string);
        Self {
            target,
            responder: (from != target).then_some(from),
            transport,
            status: response.status,
            reason: response.reason.clone(),
            server: text("server"),
            user_agent: text("user-agent"),
            allow: response
                .items("allow")
                .map(|method| method.to_ascii_uppercase().into())
                .collect(),
            supported: response.items("supported").map(Into::into).collect(),
            to_tag: response.to_tag().map(str::to_string),
            realm: response.realm().map(str::to_string),
            header_names: response.header_names().map(Into::into).collect(),
            tls: None,
            rtt,
            transmissions,
            macs: response.macs(),
        }
    }
}

/// Live counters a progress bar can read while the sweep runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// Address-port pairs to probe.
    pub total: AtomicU64,
    /// Pairs decided (answered, given up or failed to send).
    pub done: AtomicU64,
    /// Pairs that answered.
    pub answered: AtomicU64,
}

/// What a finished sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepSummary {
    /// Address-port pairs probed.
    pub probes: u64,
    /// Datagrams sent or connections attempted, retransmissions included.
    pub transmissions: u64,
    /// Pairs that answered.
    pub answered: u64,
    /// Pairs that stayed silent through every retransmission (or refused / timed out on TCP).
    pub silent: u64,
    /// Pairs whose request could not be sent (e.g. no route).
    pub send_failures: u64,
    /// The first send error, to explain `send_failures`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_send_error: Option<String>,
    /// Wall time.
    #[serde(serialize_with = "serialize_millis")]
    pub elapsed: Duration,
}

/// A running sweep: hosts arrive on `hosts` as they answer; `finish` waits for the summary.
#[derive(Debug)]
pub struct Sweep {
    /// Answering hosts, in the order they answered.
    pub hosts: mpsc::Receiver<SipHost>,
    /// Live counters.
    pub progress: Arc<Progress>,
    task: tokio::task::JoinHandle<SweepSummary>,
}

impl Sweep {
    /// Waits for the sweep to end. Drain `hosts` first (or concurrently): a UDP sweep holds
    /// answers back while nobody reads them (a TCP or TLS sweep pauses), and stops once `hosts`
    /// is dropped.
    pub async fn finish(self) -> SweepSummary {
        drop(self.hosts);
        self.task.await.unwrap_or_default()
    }
}

const RESULT_BUFFER: usize = 1024;
const RECEIVE_BUFFER_BYTES: usize = 8 << 20;

pub(crate) struct Family {
    pub(crate) socket: Arc<UdpSocket>,
    pub(crate) local: SocketAddr,
}

/// Opens a socket for the family of `probe_target` and learns which local address the kernel
/// would use towards it (a connected throwaway socket: `connect` on UDP sends nothing).
pub(crate) fn open_family(probe_target: IpAddr) -> Result<Family, SweepError> {
    let (family, unspecified, domain) = match probe_target {
        IpAddr::V4(_) => (
            "IPv4",
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            socket2::Domain::IPV4,
        ),
        IpAddr::V6(_) => (
            "IPv6",
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            socket2::Domain::IPV6,
        ),
    };
    let error = |source| SweepError::Socket { family, source };
    let probe = std::net::UdpSocket::bind(SocketAddr::new(unspecified, 0)).map_err(error)?;
    probe
        .connect(SocketAddr::new(probe_target, 9))
        .map_err(error)?;
    let local_ip = probe.local_addr().map_err(error)?.ip();
    let socket = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))
        .map_err(error)?;
    // A larger receive buffer absorbs the burst of answers a dense range sends back; the kernel
    // caps it at net.core.rmem_max, which is fine.
    let _ = socket.set_recv_buffer_size(RECEIVE_BUFFER_BYTES);
    let _ = socket.set_send_buffer_size(RECEIVE_BUFFER_BYTES);
    socket.set_nonblocking(true).map_err(error)?;
    socket
        .bind(&SocketAddr::new(unspecified, 0).into())
        .map_err(error)?;
    let socket = UdpSocket::from_std(socket.into()).map_err(error)?;
    let port = socket.local_addr().map_err(error)?.port();
    Ok(Family {
        socket: Arc::new(socket),
        local: SocketAddr::new(local_ip, port),
    })
}

fn targets(plan: Plan, ports: Vec<u16>) -> impl Iterator<Item = SocketAddr> + Send + 'static {
    plan.into_addresses().flat_map(move |address| {
        ports
            .clone()
            .into_iter()
            .map(move |port| SocketAddr::new(address, port))
    })
}

/// Starts a UDP sweep of every admitted address on every configured port. Must run inside a
/// tokio runtime; sockets are opened before it returns, so socket errors surface here.
pub fn udp_sweep(plan: Plan, config: SweepConfig) -> Result<Sweep, SweepError> {
    if config.ports.is_empty() {
        return Err(SweepError::NoPorts);
    }
    if config.rate == 0 {
        return Err(SweepError::ZeroRate);
    }
    let first_of = |v4: bool| {
        plan.ranges()
            .iter()
            .find(|r| r.first().is_ipv4() == v4)
            .map(|r| r.first())
    };
    let v4 = first_of(true).map(open_family).transpose()?;
    let v6 = first_of(false).map(open_family).transpose()?;
    let progress = Arc::new(Progress::default());
    let probes =
        u64::try_from(plan.len().saturating_mul(config.ports.len() as u128)).unwrap_or(u64::MAX);
    progress.total.store(probes, Ordering::Relaxed);
    let correlator = Correlator::random();
    let endpoint = |family: Family| {
        let template =
            RequestTemplate::new(family.local, Transport::Udp, &config.user_agent, correlator);
        Endpoint { family, template }
    };
    let v4 = v4.map(endpoint);
    let v6 = v6.map(endpoint);
    let (host_tx, host_rx) = mpsc::channel(RESULT_BUFFER);
    let pace = Pace::new(f64::from(config.rate));
    let scheduler = Scheduler {
        targets: Box::new(targets(plan, config.ports.clone())),
        config,
        correlator,
        tokens: correlator.token_finder(),
        v4,
        v6,
        progress: Arc::clone(&progress),
        hosts: host_tx,
        answers: VecDeque::new(),
        outstanding: HashMap::new(),
        timers: BinaryHeap::new(),
        rtt: RttEstimator {
            smoothed: None,
            variation: Duration::ZERO,
        },
        pace,
        summary: SweepSummary {
            probes,
            ..SweepSummary::default()
        },
        next_seq: 0,
        request: String::with_capacity(512),
        datagram: vec![0_u8; 65_536],
    };
    let task = tokio::spawn(scheduler.run());
    Ok(Sweep {
        hosts: host_rx,
        progress,
        task,
    })
}

/// An answer waiting for the hosts channel: the full [`SipHost`] is built only when the reader
/// takes it, so a fast sweep spends its time on the wire, not on copying strings.
struct Answer {
    target: SocketAddr,
    from: SocketAddr,
    response: Response,
    rtt: Duration,
    transmissions: u32,
}

impl Answer {
    fn into_host(self) -> SipHost {
        SipHost::new(
            self.target,
            self.from,
            Transport::Udp,
            &self.response,
            self.rtt,
            self.transmissions,
        )
    }
}

/// A socket and the request every probe through it sends.
struct Endpoint {
    family: Family,
    template: RequestTemplate,
}

/// Datagrams read from one socket before the scheduler turns back to sending: enough to empty
/// a burst of answers, few enough to keep the pace.
const RECEIVE_BATCH: usize = 512;

struct InFlight {
    target: SocketAddr,
    last_sent: Instant,
    transmissions: u32,
}

/// Smoothed round-trip time (RFC 6298 style): retransmissions follow how fast this network
/// actually answers instead of waiting T1 when every answer takes a millisecond.
struct RttEstimator {
    smoothed: Option<Duration>,
    variation: Duration,
}

impl RttEstimator {
    fn sample(&mut self, rtt: Duration) {
        match self.smoothed {
            None => {
                self.smoothed = Some(rtt);
                self.variation = rtt / 2;
            }
            Some(smoothed) => {
                let error = smoothed.abs_diff(rtt);
                self.variation = (self.variation * 3 + error) / 4;
                self.smoothed = Some((smoothed * 7 + rtt) / 8);
            }
        }
    }

    /// The first retransmission interval: T1 until an answer is seen, then the smoothed RTT plus
    /// four deviations, kept between `floor` and T1.
    fn first_interval(&self, floor: Duration, t1: Duration) -> Duration {
        self.smoothed
            .map_or(t1, |smoothed| smoothed + self.variation * 4)
            .clamp(floor.min(t1), t1)
    }
}

/// The sending rate, AIMD like TCP congestion control: a live host that needed a
/// retransmission means a packet was lost on the way (the responder or the path is saturated),
/// so the rate drops; every answer to a first transmission raises it back towards `--rate`.
/// Silence teaches nothing (a dead address looks the same at any rate), so sweeps of mostly
/// empty space keep the full rate.
struct Pace {
    ceiling: f64,
    current: f64,
    next_decrease: Option<Instant>,
}

impl Pace {
    const DECREASE: f64 = 0.5;

    fn new(ceiling: f64) -> Self {
        Self {
            ceiling,
            current: ceiling,
            next_decrease: None,
        }
    }

    fn floor(&self) -> f64 {
        (self.ceiling / 100.0).max(1.0).min(self.ceiling)
    }

    /// Losses surface one retransmission interval late and in clumps: one decrease per
    /// interval answers one congestion episode.
    fn loss(&mut self, now: Instant, holdoff: Duration) {
        if self.next_decrease.is_some_and(|at| now < at) {
            return;
        }
        self.current = (self.current * Self::DECREASE).max(self.floor());
        self.next_decrease = Some(now + holdoff);
    }

    /// Back to the ceiling within about half a second of clean answers.
    fn delivered(&mut self) {
        self.current =
            (self.current + 2.0 * self.ceiling / self.current.max(1.0)).min(self.ceiling);
    }
}

struct Scheduler {
    targets: Box<dyn Iterator<Item = SocketAddr> + Send>,
    config: SweepConfig,
    correlator: Correlator,
    tokens: TokenFinder,
    v4: Option<Endpoint>,
    v6: Option<Endpoint>,
    progress: Arc<Progress>,
    hosts: mpsc::Sender<SipHost>,
    /// Answered probes the hosts channel had no room for yet.
    answers: VecDeque<Answer>,
    outstanding: HashMap<u64, InFlight>,
    /// When each outstanding probe's current interval ends: (deadline, probe). One entry per
    /// outstanding probe; entries of answered probes are skipped when they surface.
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    rtt: RttEstimator,
    pace: Pace,
    summary: SweepSummary,
    next_seq: u64,
    request: String,
    datagram: Vec<u8>,
}

enum Sent {
    Ok,
    Failed,
}

/// Waits until `endpoint`'s socket has a datagram; never, without a socket.
async fn readable(endpoint: Option<&Endpoint>) {
    match endpoint {
        // An error surfaces again from the read that follows.
        Some(endpoint) => drop(endpoint.family.socket.readable().await),
        None => std::future::pending().await,
    }
}

impl Scheduler {
    /// One task sends, receives and times out: no channel or wake-up between a datagram and
    /// its probe, which is most of what a probe costs once the request is a template.
    async fn run(mut self) -> SweepSummary {
        let started = Instant::now();
        let mut tokens = 1.0;
        let mut refilled = Instant::now();
        let mut targets_left = true;
        loop {
            let rate = self.pace.current;
            // At most 2 ms worth of packets back to back (the timer wakes about once a
            // millisecond): longer bursts overflow a responder's socket buffer even when the rate
            // is sustainable.
            let burst = (rate / 500.0).max(1.0);
            self.receive_all();
            if !self.hand_over() {
                return self.done(started);
            }
            let now = Instant::now();
            tokens = (tokens + now.duration_since(refilled).as_secs_f64() * rate).min(burst);
            refilled = now;
            self.expire_and_retransmit(now, &mut tokens).await;
            while targets_left
                && tokens >= 1.0
                && self.outstanding.len() < self.config.max_outstanding
            {
                let Some(target) = self.targets.next() else {
                    targets_left = false;
                    break;
                };
                tokens -= 1.0;
                self.first_transmission(target).await;
            }
            if !targets_left && self.outstanding.is_empty() {
                return self.finish(started).await;
            }
            let next_timer = self.timers.peek().map(|Reverse((due, _))| *due);
            let can_send_new = targets_left && self.outstanding.len() < self.config.max_outstanding;
            let wants_token = can_send_new || next_timer.is_some_and(|due| due <= now);
            let mut wake = now + self.config.t1;
            if wants_token {
                wake = wake.min(now + Duration::from_secs_f64((1.0 - tokens).max(0.0) / rate));
            }
            if let Some(timer) = next_timer.filter(|due| *due > now) {
                wake = wake.min(timer);
            }
            if wake <= now {
                tokio::task::yield_now().await;
                continue;
            }
            let mut reader_gone = false;
            tokio::select! {
                () = readable(self.v4.as_ref()) => {}
                () = readable(self.v6.as_ref()) => {}
                permit = self.hosts.reserve(), if !self.answers.is_empty() => match permit {
                    Ok(permit) => {
                        if let Some(answer) = self.answers.pop_front() {
                            permit.send(answer.into_host());
                        }
                    }
                    Err(_) => reader_gone = true,
                },
                () = tokio::time::sleep_until(wake.into()) => {}
            }
            if reader_gone {
                return self.done(started);
            }
        }
    }

    /// Reads every datagram waiting on both sockets (up to a batch each).
    fn receive_all(&mut self) {
        for v6 in [false, true] {
            for _ in 0..RECEIVE_BATCH {
                let endpoint = if v6 { &self.v6 } else { &self.v4 };
                let Some(endpoint) = endpoint else { break };
                match endpoint.family.socket.try_recv_from(&mut self.datagram) {
                    Ok((len, from)) => self.on_datagram(len, from, Instant::now()),
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                    // ICMP errors surface as receive errors on some systems; the socket stays
                    // usable.
                    Err(_) => {}
                }
            }
        }
    }

    /// Attributes a datagram to its probe; only the first answer to a live probe is parsed.
    fn on_datagram(&mut self, len: usize, from: SocketAddr, at: Instant) {
        let bytes = self.datagram.get(..len).unwrap_or_default();
        let parsed;
        let seq = match self.tokens.probe_of(bytes) {
            Some(seq) => {
                parsed = None;
                seq
            }
            None => {
                let Ok(response) = Response::parse(bytes) else {
                    return;
                };
                let Some(seq) = self.correlator.probe_of(&response) else {
                    return;
                };
                parsed = Some(response);
                seq
            }
        };
        // Retransmissions can draw several answers; the first one decides.
        if !self.outstanding.contains_key(&seq) {
            return;
        }
        let Some(response) = parsed.or_else(|| Response::parse(bytes).ok()) else {
            return;
        };
        let Some(in_flight) = self.outstanding.remove(&seq) else {
            return;
        };
        self.summary.answered += 1;
        self.progress.answered.fetch_add(1, Ordering::Relaxed);
        self.progress.done.fetch_add(1, Ordering::Relaxed);
        let rtt = at.saturating_duration_since(in_flight.last_sent);
        // Karn: an answer after a retransmission may answer either copy, so it is no sample.
        if in_flight.transmissions == 1 {
            self.rtt.sample(rtt);
            self.pace.delivered();
        } else {
            let holdoff = self
                .rtt
                .first_interval(self.config.min_retransmit_interval, self.config.t1);
            self.pace.loss(at, holdoff);
        }
        self.answers.push_back(Answer {
            target: in_flight.target,
            from,
            response,
            rtt,
            transmissions: in_flight.transmissions,
        });
    }

    /// Passes answers on while the hosts channel has room; false when nobody reads the hosts
    /// any more.
    fn hand_over(&mut self) -> bool {
        while let Some(answer) = self.answers.pop_front() {
            match self.hosts.try_reserve() {
                Ok(permit) => permit.send(answer.into_host()),
                Err(mpsc::error::TrySendError::Full(())) => {
                    self.answers.push_front(answer);
                    return true;
                }
                Err(mpsc::error::TrySendError::Closed(())) => return false,
            }
        }
        true
    }

    /// Every probe is decided: the answers still held go out as the reader takes them.
    async fn finish(mut self, started: Instant) -> SweepSummary {
        self.summary.elapsed = started.elapsed();
        while let Some(answer) = self.answers.pop_front() {
            if self.hosts.send(answer.into_host()).await.is_err() {
                break;
            }
        }
        self.summary
    }

    fn done(mut self, started: Instant) -> SweepSummary {
        self.summary.elapsed = started.elapsed();
        self.summary
    }

    async fn send(&mut self, target: SocketAddr, seq: u64) -> Sent {
        let endpoint = match target.ip() {
            IpAddr::V4(_) => self.v4.as_ref(),
            IpAddr::V6(_) => self.v6.as_ref(),
        };
        let Some(endpoint) = endpoint else {
            return Sent::Failed;
        };
        endpoint.template.write(target, seq, &mut self.request);
        self.summary.transmissions += 1;
        match endpoint
            .family
            .socket
            .send_to(self.request.as_bytes(), target)
            .await
        {
            Ok(_) => Sent::Ok,
            Err(err) => {
                self.summary
                    .first_send_error
                    .get_or_insert_with(|| format!("{target}: {err}"));
                Sent::Failed
            }
        }
    }

    /// How long after its `transmissions`-th transmission a probe is retransmitted, or, after
    /// the last one, given up. Retransmissions follow the measured RTT (doubling each time);
    /// the final wait is always the full RFC 3261 interval, so a slow host still has the
    /// configured time to answer.
    fn interval_after(&self, transmissions: u32) -> Duration {
        let level = transmissions.saturating_sub(1);
        if level >= self.config.retransmissions {
            return self.config.interval(level);
        }
        let first = self
            .rtt
            .first_interval(self.config.min_retransmit_interval, self.config.t1);
        first.saturating_mul(1_u32.checked_shl(level).unwrap_or(u32::MAX))
    }

    async fn first_transmission(&mut self, target: SocketAddr) {
        let seq = self.next_seq;
        self.next_seq += 1;
        match self.send(target, seq).await {
            Sent::Ok => {
                let now = Instant::now();
                self.outstanding.insert(
                    seq,
                    InFlight {
                        target,
                        last_sent: now,
                        transmissions: 1,
                    },
                );
                self.timers
                    .push(Reverse((now + self.interval_after(1), seq)));
            }
            Sent::Failed => self.decided_without_answer(true),
        }
    }

    fn decided_without_answer(&mut self, send_failed: bool) {
        if send_failed {
            self.summary.send_failures += 1;
        } else {
            self.summary.silent += 1;
        }
        self.progress.done.fetch_add(1, Ordering::Relaxed);
    }

    async fn expire_and_retransmit(&mut self, now: Instant, tokens: &mut f64) {
        while let Some(&Reverse((due, seq))) = self.timers.peek() {
            if due > now {
                break;
            }
            let Some(in_flight) = self.outstanding.get(&seq) else {
                self.timers.pop();
                continue;
            };
            if in_flight.transmissions > self.config.retransmissions {
                self.timers.pop();
                self.outstanding.remove(&seq);
                self.decided_without_answer(false);
                continue;
            }
            if *tokens < 1.0 {
                break;
            }
            *tokens -= 1.0;
            let target = in_flight.target;
            self.timers.pop();
            match self.send(target, seq).await {
                Sent::Ok => {
                    let sent = Instant::now();
                    let transmissions = match self.outstanding.get_mut(&seq) {
                        Some(in_flight) => {
                            in_flight.last_sent = sent;
                            in_flight.transmissions += 1;
                            in_flight.transmissions
                        }
                        None => continue,
                    };
                    let due = sent + self.interval_after(transmissions);
                    self.timers.push(Reverse((due, seq)));
                }
                Sent::Failed => {
                    self.outstanding.remove(&seq);
                    self.decided_without_answer(true);
                }
            }
        }
    }
}

/// Starts a TCP sweep: one connection per admitted address and port (at most
/// `max_connections` open, `rate` new ones per second), one OPTIONS, one response.
pub fn tcp_sweep(plan: Plan, config: SweepConfig) -> Result<Sweep, SweepError> {
    stream_sweep(plan, config, Transport::Tcp)
}

/// Starts a TLS sweep: as [`tcp_sweep`], with a TLS handshake before the OPTIONS. The
/// certificate chain is recorded whatever it is (never trusted: nothing sent needs
/// protecting), and every host that answered is asked whether it also accepts TLS 1.0 or 1.1
/// ([`crate::tls_versions`]); both land in [`SipHost::tls`].
pub fn tls_sweep(plan: Plan, config: SweepConfig) -> Result<Sweep, SweepError> {
    stream_sweep(plan, config, Transport::Tls)
}

fn stream_sweep(
    plan: Plan,
    config: SweepConfig,
    transport: Transport,
) -> Result<Sweep, SweepError> {
    if config.ports.is_empty() {
        return Err(SweepError::NoPorts);
    }
    if config.rate == 0 {
        return Err(SweepError::ZeroRate);
    }
    let progress = Arc::new(Progress::default());
    let probes =
        u64::try_from(plan.len().saturating_mul(config.ports.len() as u128)).unwrap_or(u64::MAX);
    progress.total.store(probes, Ordering::Relaxed);
    let (host_tx, host_rx) = mpsc::channel(RESULT_BUFFER);
    let task_progress = Arc::clone(&progress);
    let task = tokio::spawn(async move {
        let started = Instant::now();
        let config = Arc::new(config);
        let correlator = Correlator::random();
        let mut summary = SweepSummary {
            probes,
            ..SweepSummary::default()
        };
        let mut running = JoinSet::new();
        let mut pace = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(config.rate)));
        pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let record = |outcome: Result<Option<SipHost>, String>, summary: &mut SweepSummary| {
            task_progress.done.fetch_add(1, Ordering::Relaxed);
            match outcome {
                Ok(Some(host)) => {
                    summary.answered += 1;
                    task_progress.answered.fetch_add(1, Ordering::Relaxed);
                    Some(host)
                }
                Ok(None) => {
                    summary.silent += 1;
                    None
                }
                Err(err) => {
                    summary.send_failures += 1;
                    summary.first_send_error.get_or_insert(err);
                    None
                }
            }
        };
        for (seq, target) in (0_u64..).zip(targets(plan, config.ports.clone())) {
            while running.len() >= config.max_connections.max(1) {
                if let Some(Ok(outcome)) = running.join_next().await
                    && let Some(host) = record(outcome, &mut summary)
                    && host_tx.send(host).await.is_err()
                {
                    return summary;
                }
            }
            pace.tick().await;
            summary.transmissions += 1;
            running.spawn(stream_probe(
                target,
                Arc::clone(&config),
                correlator,
                seq,
                transport,
            ));
        }
        while let Some(joined) = running.join_next().await {
            if let Ok(outcome) = joined
                && let Some(host) = record(outcome, &mut summary)
                && host_tx.send(host).await.is_err()
            {
                break;
            }
        }
        summary.elapsed = started.elapsed();
        summary
    });
    Ok(Sweep {
        hosts: host_rx,
        progress,
        task,
    })
}

/// `Ok(None)`: nothing SIP there (refused, timed out, no TLS handshake, or not a response to
/// our probe). `Err`: the connection attempt itself failed for a reason worth reporting (no
/// route…).
async fn stream_probe(
    target: SocketAddr,
    config: Arc<SweepConfig>,
    correlator: Correlator,
    seq: u64,
    transport: Transport,
) -> Result<Option<SipHost>, String> {
    let connect = tokio::time::timeout(config.tcp_timeout, TcpStream::connect(target)).await;
    let stream = match connect {
        Err(_) => return Ok(None),
        Ok(Err(err))
            if matches!(
                err.kind(),
                io::ErrorKind::ConnectionRefused | io::ErrorKind::TimedOut
            ) =>
        {
            return Ok(None);
        }
        Ok(Err(err)) => return Err(format!("{target}: {err}")),
        Ok(Ok(stream)) => stream,
    };
    let local = stream
        .local_addr()
        .map_err(|err| format!("{target}: {err}"))?;
    let request = OptionsRequest {
        target,
        local,
        transport,
        user_agent: &config.user_agent,
        correlator,
        seq,
    }
    .render();
    let answer = if transport == Transport::Tls {
        let handshake =
            tokio::time::timeout(config.tcp_timeout, tls::handshake(stream, target.ip())).await;
        let Ok(Ok((mut stream, mut info))) = handshake else {
            return Ok(None);
        };
        let answer = exchange(&mut stream, &request, config.tcp_timeout).await;
        if answer.is_some() {
            info.versions = tls_versions::probe_legacy(target, config.tcp_timeout).await;
        }
        answer.map(|answer| (answer, Some(info)))
    } else {
        let mut stream = stream;
        exchange(&mut stream, &request, config.tcp_timeout)
            .await
            .map(|answer| (answer, None))
    };
    let Some(((response, rtt), tls)) = answer else {
        return Ok(None);
    };
    // Provisional responses (100 Trying) carry no fingerprint worth keeping over silence, but
    // they do prove a SIP stack: keep them.
    Ok(
        (correlator.probe_of(&response) == Some(seq)).then(|| SipHost {
            tls,
            ..SipHost::new(target, target, transport, &response, rtt, 1)
        }),
    )
}

/// Sends `request` and reads one response (at most 64 KiB: a scanner needs no more), with
/// the time it took.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &str,
    timeout: Duration,
) -> Option<(Response, Duration)> {
    let sent = Instant::now();
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut buffer = Vec::with_capacity(2048);
    let read = tokio::time::timeout(timeout, async {
        let mut chunk = [0_u8; 4096];
        while complete_message_len(&buffer).is_none() && buffer.len() < 65_536 {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buffer.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            }
        }
    })
    .await;
    let rtt = sent.elapsed();
    if read.is_err() && buffer.is_empty() {
        return None;
    }
    let message = complete_message_len(&buffer)
        .and_then(|len| buffer.get(..len))
        .unwrap_or(&buffer);
    Response::parse(message)
        .ok()
        .map(|response| (response, rtt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_lifetime_follows_timer_a() {
        let config = SweepConfig {
            t1: Duration::from_millis(500),
            retransmissions: 2,
            ..SweepConfig::default()
        };
        // 0.5 + 1 + 2: sent at 0, 0.5, 1.5, given up at 3.5 s.
        assert_eq!(config.udp_probe_lifetime(), Duration::from_millis(3500));
        let one = SweepConfig {
            retransmissions: 1,
            ..config.clone()
        };
        assert_eq!(one.udp_probe_lifetime(), Duration::from_millis(1500));
        let absurd = SweepConfig {
            retransmissions: 40,
            ..config
        };
        assert!(absurd.udp_probe_lifetime() > Duration::from_secs(3600));
    }

    #[test]
    fn retransmissions_follow_the_measured_round_trip() {
        let mut rtt = RttEstimator {
            smoothed: None,
            variation: Duration::ZERO,
        };
        let floor = Duration::from_millis(50);
        let t1 = Duration::from_millis(500);
        assert_eq!(rtt.first_interval(floor, t1), t1, "T1 until a host answers");
        for _ in 0..20 {
            rtt.sample(Duration::from_micros(300));
        }
        assert_eq!(
            rtt.first_interval(floor, t1),
            floor,
            "never below the floor"
        );
        for _ in 0..50 {
            rtt.sample(Duration::from_millis(900));
        }
        assert_eq!(rtt.first_interval(floor, t1), t1, "never above T1");
    }

    #[test]
    fn pace_backs_off_on_loss_and_recovers_on_answers() {
        let start = Instant::now();
        let holdoff = Duration::from_millis(100);
        let mut pace = Pace::new(100_000.0);
        pace.loss(start, holdoff);
        assert_eq!(pace.current, 50_000.0);
        pace.loss(start + Duration::from_millis(10), holdoff);
        assert_eq!(
            pace.current, 50_000.0,
            "one decrease per congestion episode"
        );
        pace.loss(start + holdoff, holdoff);
        assert_eq!(pace.current, 25_000.0);
        for _ in 0..100 {
            pace.loss(start + holdoff * 1000, Duration::ZERO);
        }
        assert_eq!(pace.current, 1_000.0, "floor: 1 % of the ceiling");
        for _ in 0..100_000 {
            pace.delivered();
        }
        assert_eq!(pace.current, 100_000.0, "back to the ceiling, never above");
    }
}
