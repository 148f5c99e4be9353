//! Replaying logs through the parser and the decision engine: every source address seen failing,
//! with its failures per service, first and last time, reasons, and whether the policy would ban
//! it. Lines are read in place from the reader's buffer, and the report is written by hand
//! ([`ReplayReport::write_json`]): a replay may report a million sources.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hashbrown::HashSet;
use ipnet::IpNet;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::addrmap::AddrMap;
use crate::decide::{Decision, Engine, Policy, Threshold};
use crate::event::{LineOutcome, Reason, Service};
use crate::parse::stamp::{self, UtcWriter};
use crate::parse::{Parser, UnansweredChallenges, auth_event_in_line};

/// Unparsed lines quoted in the report, and the length they are cut to.
const UNPARSED_EXAMPLES: usize = 10;
const EXAMPLE_BYTES: usize = 160;
/// Alerts listed in the report.
const ALERTS_LISTED: usize = 100;

/// Per-source totals, packed: a replay of a million attackers keeps a million of these.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    failures: [u32; 4],
    /// Seconds since the epoch; 0 when no line had a time.
    first: u32,
    last: u32,
    reasons: u32,
}

/// A line that looked like a failure but could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnparsedExample {
    /// The file (or `-` for standard input).
    pub origin: String,
    /// 1-based line number.
    pub line: u64,
    /// Why it could not be read.
    pub reason: &'static str,
    /// The start of the line.
    pub text: String,
}

/// One source address in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// The peer address.
    pub address: IpAddr,
    /// Failures per service (services without failures are left out).
    pub failures: BTreeMap<Service, u64>,
    /// First failure (`YYYY-MM-DDTHH:MM:SSZ`), if lines carried times.
    pub first_seen: Option<String>,
    /// Last failure.
    pub last_seen: Option<String>,
    /// Why its lines were failures.
    pub reasons: Vec<Reason>,
    /// Whether the policy banned it (or its IPv6 prefix) during the replay.
    pub would_ban: bool,
}

/// The outcome of a replay.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    /// Lines read.
    pub lines: u64,
    /// Lines that were failures.
    pub failures: u64,
    /// Lines that looked like failures but could not be read.
    pub unparsed: u64,
    /// The first few of them.
    pub unparsed_examples: Vec<UnparsedExample>,
    /// Bans the policy decided.
    pub bans: u64,
    /// Distributed-attempt alerts (the first hundred).
    pub alerts: Vec<Decision>,
    /// Every source seen failing, most failures first.
    sources: Sources,
}

/// A source as kept until the report is written: the packed totals. It is written as a
/// [`SourceReport`] straight from these, without building one: a report may hold a million.
#[derive(Debug, Clone, Copy)]
struct SourceRow {
    /// The report order as one integer, so that sorting a million rows compares plain numbers.
    /// Upper half: most failures first, as the total's complement (a total of four `u32`s fits
    /// in 34 bits), shifted to leave the low bit to the family, IPv4 (0) before IPv6 (1). Lower
    /// half: the IPv4 address, or the IPv6 address's place in [`Sources::v6`] (sorted).
    key: u128,
    totals: Totals,
    would_ban: bool,
}

/// The rows in report order, and the IPv6 addresses their keys point to.
#[derive(Debug, Clone)]
struct Sources {
    rows: Vec<SourceRow>,
    v6: Vec<Ipv6Addr>,
}

impl SourceRow {
    fn new(family: u64, low: u64, totals: Totals, would_ban: bool) -> Self {
        let total: u64 = totals.failures.iter().map(|&n| u64::from(n)).sum();
        let rank = ((1u64 << 34) - total) << 1 | family;
        Self {
            key: u128::from(rank) << 64 | u128::from(low),
            totals,
            would_ban,
        }
    }

    fn address(&self, v6: &[Ipv6Addr]) -> IpAddr {
        let low = u64::try_from(self.key & u128::from(u64::MAX)).unwrap_or(0);
        if (self.key >> 64) & 1 == 0 {
            IpAddr::V4(Ipv4Addr::from(u32::try_from(low).unwrap_or(0)))
        } else {
            let at = usize::try_from(low).unwrap_or(usize::MAX);
            IpAddr::V6(v6.get(at).copied().unwrap_or(Ipv6Addr::UNSPECIFIED))
        }
    }

    fn services(&self) -> impl Iterator<Item = (Service, u32)> {
        Service::ALL
            .into_iter()
            .zip(self.totals.failures)
            .filter(|&(_, n)| n > 0)
    }

    /// From the lowest bit up, which is [`Reason::ALL`]'s order.
    fn reasons(&self) -> impl Iterator<Item = Reason> {
        let mut bits = self.totals.reasons;
        std::iter::from_fn(move || {
            let reason = Reason::ALL.get(bits.trailing_zeros() as usize).copied()?;
            bits &= bits - 1;
            Some(reason)
        })
    }

    fn report(&self, v6: &[Ipv6Addr]) -> SourceReport {
        let when = |seconds: u32| (seconds != 0).then(|| stamp::format_utc(i64::from(seconds)));
        SourceReport {
            address: self.address(v6),
            failures: self.services().map(|(s, n)| (s, u64::from(n))).collect(),
            first_seen: when(self.totals.first),
            last_seen: when(self.totals.last),
            reasons: self.reasons().collect(),
            would_ban: self.would_ban,
        }
    }
}

/// The `failures` object of a row.
struct ServiceCounts<'a>(&'a SourceRow);

impl Serialize for ServiceCounts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (service, count) in self.0.services() {
            map.serialize_entry(&service, &u64::from(count))?;
        }
        map.end()
    }
}

/// The `reasons` list of a row.
struct Reasons<'a>(&'a SourceRow);

impl Serialize for Reasons<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for reason in self.0.reasons() {
            seq.serialize_element(&reason)?;
        }
        seq.end()
    }
}

/// A row being written, with the clock the rows of one report share.
struct RowOut<'a> {
    row: &'a SourceRow,
    v6: &'a [Ipv6Addr],
    clock: &'a Cell<UtcWriter>,
}

/// Writes exactly what serialising [`SourceRow::report`] would.
impl Serialize for RowOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (row, totals) = (self.row, &self.row.totals);
        let when = |seconds: u32| {
            (seconds != 0).then(|| {
                let mut clock = self.clock.get();
                let text = clock.write(i64::from(seconds));
                self.clock.set(clock);
                text
            })
        };
        let first = when(totals.first);
        let last = if totals.last == totals.first {
            first
        } else {
            when(totals.last)
        };
        let first_seen = first.as_ref().map(stamp::utc_str);
        let last_seen = last.as_ref().map(stamp::utc_str);
        let mut report = serializer.serialize_struct("SourceReport", 6)?;
        report.serialize_field("address", &row.address(self.v6))?;
        report.serialize_field("failures", &ServiceCounts(row))?;
        report.serialize_field("first_seen", &first_seen)?;
        report.serialize_field("last_seen", &last_seen)?;
        report.serialize_field("reasons", &Reasons(row))?;
        report.serialize_field("would_ban", &row.would_ban)?;
        report.end()
    }
}

impl Serialize for Sources {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let clock = Cell::new(UtcWriter::default());
        serializer.collect_seq(self.rows.iter().map(|row| RowOut {
            row,
            v6: &self.v6,
            clock: &clock,
        }))
    }
}

impl ReplayReport {
    /// Every source seen failing, most failures first.
    pub fn sources(&self) -> impl Iterator<Item = SourceReport> + '_ {
        self.sources
            .rows
            .iter()
            .map(|row| row.report(&self.sources.v6))
    }

    /// How many sources were seen failing.
    #[must_use]
    pub fn source_count(&self) -> usize {
        self.sources.rows.len()
    }

    /// Writes the report as compact JSON: the same bytes as `serde_json::to_writer(out, self)`,
    /// about three times faster on large reports, whose source rows are formatted by hand
    /// into one reused buffer instead of going through a serializer a million times.
    ///
    /// # Errors
    /// When writing fails.
    pub fn write_json(&self, mut out: impl Write) -> io::Result<()> {
        let mut buffer = Vec::with_capacity(JSON_BUFFER_BYTES + 512);
        write!(
            buffer,
            "{{\"lines\":{},\"failures\":{},\"unparsed\":{},\"unparsed_examples\":",
            self.lines, self.failures, self.unparsed
        )?;
        serde_json::to_writer(&mut buffer, &self.unparsed_examples)?;
        write!(buffer, ",\"bans\":{},\"alerts\":", self.bans)?;
        serde_json::to_writer(&mut buffer, &self.alerts)?;
        buffer.extend_from_slice(b",\"sources\":[");
        let mut clock = UtcWriter::default();
        for (index, row) in self.sources.rows.iter().enumerate() {
            if index > 0 {
                buffer.push(b',');
            }
            row.write_json(&mut buffer, &self.sources.v6, &mut clock)?;
            if buffer.len() >= JSON_BUFFER_BYTES {
                out.write_all(&buffer)?;
                buffer.clear();
            }
        }
        buffer.extend_from_slice(b"]}");
        out.write_all(&buffer)
    }
}

/// How much of a JSON report is gathered before it is written out.
const JSON_BUFFER_BYTES: usize = 1 << 16;

/// Appends `value` in decimal.
fn push_decimal(buffer: &mut Vec<u8>, mut value: u64) {
    if value < 10 {
        buffer.push(b'0' + u8::try_from(value).unwrap_or(0));
        return;
    }
    let mut divisor = 10;
    while divisor <= value / 10 {
        divisor *= 10;
    }
    // Byte by byte: copying a short slice of unknown length costs a call.
    while divisor > 0 {
        buffer.push(b'0' + u8::try_from(value / divisor).unwrap_or(0));
        value %= divisor;
        divisor /= 10;
    }
}

/// Appends `octet` in decimal: [`push_decimal`] without its loops, for the four of every IPv4
/// address.
fn push_octet(buffer: &mut Vec<u8>, octet: u8) {
    if octet >= 100 {
        buffer.push(b'0' + octet / 100);
    }
    if octet >= 10 {
        buffer.push(b'0' + octet / 10 % 10);
    }
    buffer.push(b'0' + octet % 10);
}

impl SourceRow {
    /// The row as [`ReplayReport::write_json`] writes it. Every text written is plain ASCII
    /// that JSON strings need not escape: addresses, times, service and reason names.
    fn write_json(
        &self,
        buffer: &mut Vec<u8>,
        v6: &[Ipv6Addr],
        clock: &mut UtcWriter,
    ) -> io::Result<()> {
        buffer.extend_from_slice(b"{\"address\":\"");
        match self.address(v6) {
            IpAddr::V4(v4) => {
                for (index, octet) in v4.octets().into_iter().enumerate() {
                    if index > 0 {
                        buffer.push(b'.');
                    }
                    push_octet(buffer, octet);
                }
            }
            IpAddr::V6(v6) => write!(buffer, "{v6}")?,
        }
        buffer.extend_from_slice(b"\",\"failures\":{");
        for (index, (service, count)) in self.services().enumerate() {
            if index > 0 {
                buffer.push(b',');
            }
            buffer.push(b'"');
            buffer.extend_from_slice(service.as_str().as_bytes());
            buffer.extend_from_slice(b"\":");
            push_decimal(buffer, u64::from(count));
        }
        let (first, last) = (self.totals.first, self.totals.last);
        let first_text = (first != 0).then(|| clock.write(i64::from(first)));
        let last_text = if last == first {
            first_text
        } else {
            (last != 0).then(|| clock.write(i64::from(last)))
        };
        for (key, text) in [
            (&b"},\"first_seen\":"[..], first_text),
            (b",\"last_seen\":", last_text),
        ] {
            buffer.extend_from_slice(key);
            match text {
                Some(text) => {
                    buffer.push(b'"');
                    buffer.extend_from_slice(&text);
                    buffer.push(b'"');
                }
                None => buffer.extend_from_slice(b"null"),
            }
        }
        buffer.extend_from_slice(b",\"reasons\":[");
        for (index, reason) in self.reasons().enumerate() {
            if index > 0 {
                buffer.push(b',');
            }
            buffer.push(b'"');
            buffer.extend_from_slice(reason.as_str().as_bytes());
            buffer.push(b'"');
        }
        buffer.extend_from_slice(if self.would_ban {
            b"],\"would_ban\":true}"
        } else {
            b"],\"would_ban\":false}"
        });
        Ok(())
    }
}

/// Bits of a key sorted per pass of [`sort_by_key`].
const DIGIT_BITS: u32 = 11;

/// `rows` in the order of their (unique) keys, by a least-significant-digit radix sort over the
/// digits where keys differ: a report's keys differ in the address and a few low bits of the
/// count, so a million rows take five linear passes instead of twenty rounds of comparisons.
/// The second buffer is no larger than the totals table freed just before.
fn sort_by_key(rows: Vec<SourceRow>) -> Vec<SourceRow> {
    const MASK: u128 = (1 << DIGIT_BITS) - 1;
    let (all, any) = rows.iter().fold((u128::MAX, 0u128), |(all, any), row| {
        (all & row.key, any | row.key)
    });
    let varying = all ^ any;
    let mut from = rows;
    let mut to = from.clone();
    for shift in (0..128).step_by(DIGIT_BITS as usize) {
        if (varying >> shift) & MASK == 0 {
            continue;
        }
        let digit = |row: &SourceRow| usize::try_from((row.key >> shift) & MASK).unwrap_or(0);
        let mut next = vec![0usize; 1 << DIGIT_BITS];
        for row in &from {
            if let Some(count) = next.get_mut(digit(row)) {
                *count += 1;
            }
        }
        let mut start = 0;
        for slot in &mut next {
            let count = *slot;
            *slot = start;
            start += count;
        }
        for row in &from {
            if let Some(place) = next.get_mut(digit(row)) {
                if let Some(target) = to.get_mut(*place) {
                    *target = *row;
                }
                *place += 1;
            }
        }
        std::mem::swap(&mut from, &mut to);
    }
    from
}

/// Per-source totals in the order sources first failed, found through an index of their places.
/// The index, looked up on every failure, holds 8 bytes per IPv4 source instead of the totals'
/// 32: it stays in cache longer and grows by moving less, and a new source's totals are
/// appended in sequence.
#[derive(Debug, Default)]
struct TotalsTable {
    places: AddrMap<u32>,
    entries: Vec<(IpAddr, Totals)>,
}

impl TotalsTable {
    /// `None` only past four billion sources.
    fn entry(&mut self, address: IpAddr) -> Option<&mut Totals> {
        let next = u32::try_from(self.entries.len()).ok()?;
        let place = *self.places.get_or_insert(address, next);
        if place == next {
            self.entries.push((address, Totals::default()));
        }
        self.entries
            .get_mut(usize::try_from(place).ok()?)
            .map(|(_, totals)| totals)
    }
}

/// A replay in progress.
#[derive(Debug)]
pub struct Replay {
    parser: Parser,
    /// Challenges nobody answers count as the daemon counts them.
    challenges: UnansweredChallenges,
    engine: Engine,
    totals: TotalsTable,
    banned: HashSet<IpNet>,
    lines: u64,
    failures: u64,
    unparsed: u64,
    unparsed_examples: Vec<UnparsedExample>,
    bans: u64,
    alerts: Vec<Decision>,
    last_time: Option<i64>,
    last_expire: i64,
    expire_every: i64,
}

fn shorten(text: &str, bytes: usize) -> String {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default().to_owned()
}

impl Replay {
    /// A replay deciding with `policy`, reading lines with `parser`, counting unanswered
    /// challenges beyond [`UnansweredChallenges::DEFAULT_ALLOWANCE`].
    #[must_use]
    pub fn new(policy: Policy, parser: Parser) -> Self {
        let expire_every = i64::from(policy.longest_window().max(1));
        Self {
            expire_every,
            parser,
            challenges: UnansweredChallenges::new(UnansweredChallenges::DEFAULT_ALLOWANCE),
            engine: Engine::new(policy),
            totals: TotalsTable::default(),
            banned: HashSet::new(),
            lines: 0,
            failures: 0,
            unparsed: 0,
            unparsed_examples: Vec::new(),
            bans: 0,
            alerts: Vec::new(),
            last_time: None,
            last_expire: i64::MIN,
        }
    }

    /// The same replay, with another allowance of unanswered challenges (`count` 0: off).
    #[must_use]
    pub fn with_unanswered_challenges(mut self, allowance: Threshold) -> Self {
        self.challenges.set_allowance(allowance);
        self
    }

    /// Takes one line; `origin` and `number` only label unparsed examples.
    pub fn line(&mut self, origin: &str, number: u64, line: &str) {
        self.lines += 1;
        let parser = &mut self.parser;
        let outcome = parser.parse_line(line);
        let last_time = self.last_time;
        // A challenge is dated by its line, as failures are: a replay has no clock of its own.
        let outcome = self
            .challenges
            .count(outcome, line, auth_event_in_line, || {
                parser.line_time(line).or(last_time).unwrap_or(0)
            });
        match outcome {
            LineOutcome::Ignored => {}
            LineOutcome::Unparsed(reason) => {
                self.unparsed += 1;
                if self.unparsed_examples.len() < UNPARSED_EXAMPLES {
                    self.unparsed_examples.push(UnparsedExample {
                        origin: origin.to_owned(),
                        line: number,
                        reason,
                        text: shorten(line.trim_end(), EXAMPLE_BYTES),
                    });
                }
            }
            LineOutcome::Failure(failure) => {
                self.failures += 1;
                let now = failure.time.or(self.last_time).unwrap_or(0);
                if failure.time.is_some() {
                    self.last_time = failure.time;
                }
                let at = u32::try_from(now.max(0)).unwrap_or(u32::MAX);
                if let Some(totals) = self.totals.entry(failure.address) {
                    let count = &mut totals.failures[failure.service.index()];
                    *count = count.saturating_add(failure.attempts);
                    if at != 0 {
                        if totals.first == 0 {
                            totals.first = at;
                        }
                        totals.last = totals.last.max(at);
                    }
                    totals.reasons |= failure.reason.bit();
                }
                // Sweeping once per longest window keeps at most two windows of state, at a cost spread
                // over all the window's lines.
                if now >= self.last_expire.saturating_add(self.expire_every) {
                    self.engine.expire(now);
                    self.last_expire = now;
                }
                for decision in self.engine.observe(&failure, now) {
                    match decision {
                        Decision::Ban { target, .. } => {
                            self.bans += 1;
                            self.banned.insert(target);
                        }
                        alert @ Decision::Alert { .. } => {
                            if self.alerts.len() < ALERTS_LISTED {
                                self.alerts.push(alert);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Streams every line of `reader` (invalid UTF-8 is read lossily).
    ///
    /// # Errors
    /// When reading fails.
    pub fn read(&mut self, origin: &str, mut reader: impl BufRead) -> io::Result<()> {
        // Lines are read in place from the reader's buffer; only one cut by the buffer's end is
        // copied, into `partial`.
        let mut partial = Vec::new();
        let mut number = 0;
        loop {
            let chunk = match reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if chunk.is_empty() {
                if !partial.is_empty() {
                    number += 1;
                    self.bytes(origin, number, &partial);
                }
                return Ok(());
            }
            // One validation for the whole chunk is cheaper than one per line; lines past the
            // first invalid byte are validated (and repaired) one by one.
            let text = match std::str::from_utf8(chunk) {
                Ok(text) => text,
                Err(error) => chunk
                    .get(..error.valid_up_to())
                    .and_then(|valid| std::str::from_utf8(valid).ok())
                    .unwrap_or_default(),
            };
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', chunk) {
                let line = chunk.get(start..=end).unwrap_or_default();
                let line_text = text.get(start..=end);
                start = end + 1;
                number += 1;
                if partial.is_empty() {
                    match line_text {
                        Some(line) => self.line(origin, number, line),
                        None => self.bytes(origin, number, line),
                    }
                } else {
                    partial.extend_from_slice(line);
                    self.bytes(origin, number, &partial);
                    partial.clear();
                }
            }
            partial.extend_from_slice(chunk.get(start..).unwrap_or_default());
            let length = chunk.len();
            reader.consume(length);
        }
    }

    fn bytes(&mut self, origin: &str, number: u64, line: &[u8]) {
        match std::str::from_utf8(line) {
            Ok(line) => self.line(origin, number, line),
            Err(_) => {
                let line = String::from_utf8_lossy(line).into_owned();
                self.line(origin, number, &line);
            }
        }
    }

    /// The report.
    #[must_use]
    pub fn finish(self) -> ReplayReport {
        let Self {
            engine,
            totals,
            banned,
            ..
        } = self;
        let policy = engine.policy().clone();
        drop(engine);
        let would_ban =
            |address: IpAddr| !banned.is_empty() && banned.contains(&policy.target(address));
        let TotalsTable { places, entries } = totals;
        drop(places);
        let mut rows = Vec::with_capacity(entries.len());
        let mut v6_totals = Vec::new();
        for (address, totals) in entries {
            match address {
                IpAddr::V4(v4) => rows.push(SourceRow::new(
                    0,
                    u64::from(u32::from(v4)),
                    totals,
                    would_ban(address),
                )),
                IpAddr::V6(v6) => v6_totals.push((v6, totals)),
            }
        }
        v6_totals.sort_unstable_by_key(|&(v6, _)| v6);
        let mut v6 = Vec::with_capacity(v6_totals.len());
        for (place, (address, totals)) in (0u64..).zip(v6_totals) {
            rows.push(SourceRow::new(
                1,
                place,
                totals,
                would_ban(IpAddr::V6(address)),
            ));
            v6.push(address);
        }
        let rows = sort_by_key(rows);
        ReplayReport {
            lines: self.lines,
            failures: self.failures,
            unparsed: self.unparsed,
            unparsed_examples: self.unparsed_examples,
            bans: self.bans,
            alerts: self.alerts,
            sources: Sources { rows, v6 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SourceRow, Totals, push_decimal, push_octet, sort_by_key};

    #[test]
    fn radix_sort_orders_by_key() {
        // xorshift: keys spread over every byte, and a run sharing most of their bytes.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut rows: Vec<SourceRow> = (0..5000)
            .map(|_| (u128::from(next()) << 64) | u128::from(next()))
            .chain((0..5000).map(|n| (7u128 << 64) | (n * 0x1_0001)))
            .map(|key| SourceRow {
                key,
                totals: Totals::default(),
                would_ban: key & 1 == 1,
            })
            .collect();
        rows.push(rows.first().copied().unwrap_or_else(|| panic!("rows")));
        let mut expected: Vec<(u128, bool)> = rows.iter().map(|r| (r.key, r.would_ban)).collect();
        expected.sort_unstable();
        let sorted: Vec<(u128, bool)> = sort_by_key(rows)
            .iter()
            .map(|r| (r.key, r.would_ban))
            .collect();
        assert_eq!(sorted, expected);
        assert!(sort_by_key(Vec::new()).is_empty());
    }

    #[test]
    fn decimals() {
        for value in [
            0,
            7,
            10,
            99,
            100,
            255,
            1_000_000,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut buffer = Vec::new();
            push_decimal(&mut buffer, value);
            assert_eq!(buffer, value.to_string().as_bytes());
        }
        for octet in 0..=u8::MAX {
            let mut buffer = Vec::new();
            push_octet(&mut buffer, octet);
            assert_eq!(buffer, octet.to_string().as_bytes());
        }
    }
}
