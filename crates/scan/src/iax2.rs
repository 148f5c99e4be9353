//! IAX2 discovery: a POKE to UDP 4569 on every admitted address, paced and retransmitted once.
//!
//! A POKE (RFC 5456 §6.7.1) is the cheapest IAX2 question: it asks a peer whether it is
//! alive, starts no call and needs no authentication. chan_iax2 answers it with a PONG without
//! allocating a call number (its "apathetic" reply: source call number 1, our call number as
//! destination, our timestamp echoed). Any full frame that comes back addressed to one of our
//! call numbers proves an IAX2 stack (a REJECT or INVAL says as much as a PONG), and is
//! acknowledged, as RFC 5456 §6.9.1 asks of every full frame but an ACK.
//!
//! Each probe in flight holds one of the 32,767 source call numbers, which is how an answer is
//! matched to its probe (even one from an address other than the one probed). All probes
//! share one socket per address family and one rate; a silent probe is retransmitted once, with
//! the R bit set as RFC 5456 §8.1.1 requires, then given up.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::scope::Plan;
use crate::sweep::open_family;

/// The IANA port of IAX2.
pub const IAX2_PORT: u16 = 4569;

/// Full-frame header length: source and destination call numbers, timestamp, sequence
/// numbers, frame type, subclass.
const HEADER_LEN: usize = 12;
/// The F bit of the first word: a full frame (a mini frame carries media only).
const FULL_FRAME: u16 = 0x8000;
/// The R bit of the second word: this frame is a retransmission.
const RETRANSMITTED: u16 = 0x8000;
/// Frame type 6: IAX control.
const FRAME_IAX: u8 = 6;
/// The highest frame type RFC 5456 §8.2 defines (DTMF begin).
const LAST_FRAME_TYPE: u8 = 12;
/// Call numbers are 15 bits; 0 means "none yet".
const CALL_NUMBERS: u16 = 0x7fff;
/// Transmissions of one POKE: the first and one retransmission.
const TRANSMISSIONS: u32 = 2;

/// IAX control subclasses (RFC 5456 §8.4) this module sends or must not mistake for answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Command {
    Ack = 0x04,
    Poke = 0x1e,
}

/// The name of an IAX control subclass, for reports.
fn command_name(subclass: u8) -> &'static str {
    match subclass {
        0x01 => "NEW",
        0x02 => "PING",
        0x03 => "PONG",
        0x04 => "ACK",
        0x05 => "HANGUP",
        0x06 => "REJECT",
        0x07 => "ACCEPT",
        0x08 => "AUTHREQ",
        0x09 => "AUTHREP",
        0x0a => "INVAL",
        0x0b => "LAGRQ",
        0x0c => "LAGRP",
        0x0d => "REGREQ",
        0x0e => "REGAUTH",
        0x0f => "REGACK",
        0x10 => "REGREJ",
        0x11 => "REGREL",
        0x12 => "VNAK",
        0x1e => "POKE",
        0x20 => "MWI",
        0x21 => "UNSUPPORT",
        0x22 => "TRANSFER",
        0x28 => "CALLTOKEN",
        _ => "IAX control",
    }
}

/// One IAX2 full-frame header (RFC 5456 §8.1.1), as sent or received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullFrame {
    /// Source call number (15 bits).
    pub source_call: u16,
    /// Destination call number (15 bits).
    pub destination_call: u16,
    /// The R bit: a retransmission.
    pub retransmitted: bool,
    /// Milliseconds since the call began (for a POKE: whatever the sender chose).
    pub timestamp: u32,
    /// Outbound sequence number.
    pub out_seq: u8,
    /// Inbound sequence number: the next frame expected from the other side.
    pub in_seq: u8,
    /// Frame type (6: IAX control).
    pub frame_type: u8,
    /// Subclass byte as sent (C bit included).
    pub subclass: u8,
}

impl FullFrame {
    /// The 12 bytes on the wire, network byte order.
    pub fn to_bytes(self) -> [u8; HEADER_LEN] {
        let source = FULL_FRAME | (self.source_call & CALL_NUMBERS);
        let destination = (self.destination_call & CALL_NUMBERS)
            | if self.retransmitted { RETRANSMITTED } else { 0 };
        let [s0, s1] = source.to_be_bytes();
        let [d0, d1] = destination.to_be_bytes();
        let [t0, t1, t2, t3] = self.timestamp.to_be_bytes();
        [
            s0,
            s1,
            d0,
            d1,
            t0,
            t1,
            t2,
            t3,
            self.out_seq,
            self.in_seq,
            self.frame_type,
            self.subclass,
        ]
    }

    /// Reads a full frame's header; `None` for a mini frame, a datagram too short, or a frame
    /// type RFC 5456 does not define (not IAX2, then).
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let header: &[u8; HEADER_LEN] = bytes.get(..HEADER_LEN)?.try_into().ok()?;
        let [
            s0,
            s1,
            d0,
            d1,
            t0,
            t1,
            t2,
            t3,
            out_seq,
            in_seq,
            frame_type,
            subclass,
        ] = *header;
        let source = u16::from_be_bytes([s0, s1]);
        let destination = u16::from_be_bytes([d0, d1]);
        if source & FULL_FRAME == 0 || !(1..=LAST_FRAME_TYPE).contains(&frame_type) {
            return None;
        }
        Some(Self {
            source_call: source & CALL_NUMBERS,
            destination_call: destination & CALL_NUMBERS,
            retransmitted: destination & RETRANSMITTED != 0,
            timestamp: u32::from_be_bytes([t0, t1, t2, t3]),
            out_seq,
            in_seq,
            frame_type,
            subclass,
        })
    }

    /// True for an IAX control frame of `command`.
    fn is(self, command: Command) -> bool {
        self.frame_type == FRAME_IAX && self.subclass == command as u8
    }

    /// What the frame is, for reports: `PONG`, `REJECT`, … or `frame type N`.
    pub fn describe(self) -> String {
        if self.frame_type == FRAME_IAX {
            command_name(self.subclass).to_string()
        } else {
            format!("frame type {}", self.frame_type)
        }
    }
}

/// The POKE of call number `call`: a new exchange, so no destination call and both sequence
/// numbers 0.
pub fn poke(call: u16, timestamp: u32, retransmitted: bool) -> FullFrame {
    FullFrame {
        source_call: call,
        destination_call: 0,
        retransmitted,
        timestamp,
        out_seq: 0,
        in_seq: 0,
        frame_type: FRAME_IAX,
        subclass: Command::Poke as u8,
    }
}

/// The ACK of `answer` received on our call `call` (RFC 5456 §6.9.1: the answer's timestamp,
/// our next outbound sequence number, the answer's sequence number + 1 as inbound).
fn ack(call: u16, answer: FullFrame) -> FullFrame {
    FullFrame {
        source_call: call,
        destination_call: answer.source_call,
        retransmitted: false,
        timestamp: answer.timestamp,
        out_seq: 1,
        in_seq: answer.out_seq.wrapping_add(1),
        frame_type: FRAME_IAX,
        subclass: Command::Ack as u8,
    }
}

/// A host whose IAX2 stack answered a POKE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Iax2Answer {
    /// The address and port poked.
    pub target: SocketAddr,
    /// Where the answer came from, when not the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responder: Option<SocketAddr>,
    /// What came back (`PONG`, or the control frame another stack sent).
    pub reply: String,
    /// POKEs sent before the answer (1 = the first was answered).
    pub transmissions: u32,
}

/// How an IAX2 sweep behaves on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PokeConfig {
    /// Ports poked on every address.
    pub ports: Vec<u16>,
    /// POKEs per second, retransmissions included (ACKs of answers are not counted).
    pub rate: u32,
    /// How long each POKE is waited for, before the retransmission and after it.
    pub timeout: Duration,
}

struct InFlight {
    target: SocketAddr,
    timestamp: u32,
    transmissions: u32,
}

struct Received {
    from: SocketAddr,
    frame: FullFrame,
}

/// The sweep's state: sockets, call numbers, probes in flight and their deadlines.
struct Poker<'a> {
    config: &'a PokeConfig,
    v4: Option<Arc<UdpSocket>>,
    v6: Option<Arc<UdpSocket>>,
    started: Instant,
    spacing: Duration,
    next_send: Instant,
    free_calls: Vec<u16>,
    in_flight: HashMap<u16, InFlight>,
    /// Every wait is the same length, so deadlines come due in the order they were set.
    deadlines: VecDeque<(Instant, u16, u32)>,
    answers: Vec<Iax2Answer>,
}

/// POKEs every admitted address on every configured port; returns the answers in target
/// order. At most 32,767 POKEs are in flight (one per call number); nothing is sent to a family
/// whose socket cannot be opened (the reason is logged).
pub async fn poke_sweep(plan: &Plan, config: &PokeConfig) -> Vec<Iax2Answer> {
    if config.ports.is_empty() || config.rate == 0 {
        return Vec::new();
    }
    let socket_for = |v4: bool| {
        let first = plan
            .ranges()
            .iter()
            .find(|range| range.first().is_ipv4() == v4)?
            .first();
        open_family(first)
            .map_err(|err| tracing::warn!("IAX2 POKE sweep: {err}"))
            .ok()
            .map(|family| family.socket)
    };
    let now = Instant::now();
    let mut poker = Poker {
        config,
        v4: socket_for(true),
        v6: socket_for(false),
        started: now,
        spacing: Duration::from_secs_f64(1.0 / f64::from(config.rate)),
        next_send: now,
        free_calls: (1..=CALL_NUMBERS).rev().collect(),
        in_flight: HashMap::new(),
        deadlines: VecDeque::new(),
        answers: Vec::new(),
    };
    let (received_tx, received) = mpsc::channel(1024);
    let mut receivers = JoinSet::new();
    for socket in [&poker.v4, &poker.v6].into_iter().flatten() {
        receivers.spawn(receive(Arc::clone(socket), received_tx.clone()));
    }
    drop(received_tx);
    let ports = config.ports.clone();
    let targets = plan.clone().into_addresses().flat_map(move |address| {
        ports
            .clone()
            .into_iter()
            .map(move |port| SocketAddr::new(address, port))
    });
    poker.run(targets, received).await;
    receivers.abort_all();
    let mut answers = poker.answers;
    answers.sort_by_key(|answer| answer.target);
    answers
}

impl Poker<'_> {
    async fn run(
        &mut self,
        mut targets: impl Iterator<Item = SocketAddr>,
        mut received: mpsc::Receiver<Received>,
    ) {
        let mut exhausted = false;
        loop {
            self.expire_and_retransmit().await;
            let now = Instant::now();
            if !exhausted && !self.free_calls.is_empty() && self.next_send <= now {
                match targets.next() {
                    Some(target) => {
                        self.first_transmission(target).await;
                        continue;
                    }
                    None => exhausted = true,
                }
            }
            if exhausted && self.in_flight.is_empty() {
                return;
            }
            let wake = [
                self.deadlines.front().map(|(due, _, _)| *due),
                (!exhausted && !self.free_calls.is_empty()).then_some(self.next_send),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + self.config.timeout);
            tokio::select! {
                got = received.recv() => match got {
                    Some(got) => self.answer(got).await,
                    // No socket is left to answer on: the silent probes cannot be decided.
                    None => return,
                },
                () = tokio::time::sleep_until(wake.into()) => {}
            }
        }
    }

    /// Takes a send slot: `rate` per second, without saving up a burst while idle.
    fn take_slot(&mut self, now: Instant) {
        self.next_send = self.next_send.max(now) + self.spacing;
    }

    async fn send(&self, target: SocketAddr, frame: FullFrame) -> bool {
        let socket = if target.is_ipv4() { &self.v4 } else { &self.v6 };
        match socket {
            Some(socket) => socket.send_to(&frame.to_bytes(), target).await.is_ok(),
            None => false,
        }
    }

    async fn first_transmission(&mut self, target: SocketAddr) {
        self.take_slot(Instant::now());
        let Some(call) = self.free_calls.pop() else {
            return;
        };
        // A timestamp unique enough to tell a late answer to an earlier user of the call
        // number from the answer to this one.
        let timestamp = u32::try_from(self.started.elapsed().as_millis())
            .unwrap_or(u32::MAX)
            .max(1);
        if self.send(target, poke(call, timestamp, false)).await {
            self.in_flight.insert(
                call,
                InFlight {
                    target,
                    timestamp,
                    transmissions: 1,
                },
            );
            self.deadlines
                .push_back((Instant::now() + self.config.timeout, call, 1));
        } else {
            self.free_calls.push(call);
        }
    }

    async fn expire_and_retransmit(&mut self) {
        let now = Instant::now();
        while let Some(&(due, call, transmissions)) = self.deadlines.front() {
            if due > now {
                return;
            }
            let current = self
                .in_flight
                .get(&call)
                .filter(|probe| probe.transmissions == transmissions)
                .map(|probe| (probe.target, probe.timestamp));
            let Some((target, timestamp)) = current else {
                // Answered, or already retransmitted: this deadline is stale.
                self.deadlines.pop_front();
                continue;
            };
            if transmissions >= TRANSMISSIONS {
                self.deadlines.pop_front();
                self.in_flight.remove(&call);
                self.free_calls.push(call);
                continue;
            }
            if self.next_send > now {
                return;
            }
            self.deadlines.pop_front();
            self.take_slot(now);
            if self.send(target, poke(call, timestamp, true)).await {
                if let Some(probe) = self.in_flight.get_mut(&call) {
                    probe.transmissions += 1;
                }
                self.deadlines.push_back((
                    Instant::now() + self.config.timeout,
                    call,
                    transmissions + 1,
                ));
            } else {
                self.in_flight.remove(&call);
                self.free_calls.push(call);
            }
        }
    }

    async fn answer(&mut self, Received { from, frame }: Received) {
        let call = frame.destination_call;
        let ours = self
            .in_flight
            .get(&call)
            .is_some_and(|probe| from == probe.target || frame.timestamp == probe.timestamp);
        // An ACK answers nothing we asked; a POKE would be another scanner's question.
        if !ours || frame.is(Command::Ack) || frame.is(Command::Poke) {
            return;
        }
        let Some(probe) = self.in_flight.remove(&call) else {
            return;
        };
        self.free_calls.push(call);
        let _ = self.send(from, ack(call, frame)).await;
        self.answers.push(Iax2Answer {
            target: probe.target,
            responder: (from != probe.target).then_some(from),
            reply: frame.describe(),
            transmissions: probe.transmissions,
        });
    }
}

async fn receive(socket: Arc<UdpSocket>, received: mpsc::Sender<Received>) {
    let mut buffer = vec![0_u8; 2048];
    loop {
        // ICMP "port unreachable" surfaces as a receive error on some systems: keep reading.
        let Ok((len, from)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        let Some(frame) = FullFrame::parse(buffer.get(..len).unwrap_or_default()) else {
            continue;
        };
        if received.send(Received { from, frame }).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poke_layout_follows_rfc_5456() {
        let bytes = poke(0x1234, 0x0102_0304, false).to_bytes();
        assert_eq!(
            bytes,
            [
                0x92, 0x34, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0, 0, 6, 0x1e
            ]
        );
        let again = poke(0x1234, 0x0102_0304, true).to_bytes();
        assert_eq!(again.get(2..4), Some(&[0x80, 0x00][..]), "R bit set");
        assert_eq!(
            FullFrame::parse(&bytes),
            Some(poke(0x1234, 0x0102_0304, false))
        );
    }

    #[test]
    fn chan_iax2_pong_is_recognised_and_acked() {
        // What chan_iax2 sends back: source call 1, our call as destination, our timestamp,
        // inbound sequence 1, IAX control PONG.
        let pong = [0x80, 0x01, 0x12, 0x34, 0, 0, 0x01, 0xf4, 0, 1, 6, 3];
        let frame = FullFrame::parse(&pong).unwrap_or_else(|| panic!("not parsed"));
        assert_eq!(
            (frame.source_call, frame.destination_call, frame.timestamp),
            (1, 0x1234, 500)
        );
        assert_eq!(frame.describe(), "PONG");
        assert_eq!(
            ack(0x1234, frame).to_bytes(),
            [0x92, 0x34, 0x00, 0x01, 0, 0, 0x01, 0xf4, 1, 1, 6, 4]
        );
    }

    #[test]
    fn what_is_not_an_iax2_full_frame() {
        assert_eq!(FullFrame::parse(b"SIP/2.0 200 OK\r\n"), None, "F bit clear");
        assert_eq!(
            FullFrame::parse(&[0x80, 1, 0, 2, 0, 0, 0, 1, 0, 1]),
            None,
            "too short"
        );
        assert_eq!(
            FullFrame::parse(&[0x80, 1, 0, 2, 0, 0, 0, 1, 0, 1, 0x47, 3]),
            None,
            "no such frame type"
        );
    }
}
