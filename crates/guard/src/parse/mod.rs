//! Turning log lines and AMI events into [`LineOutcome`]s.
//!
//! Each line is scanned once for failure keywords (one Aho-Corasick pass); only lines that hold
//! one are parsed further, by hand, without allocating. The peer address is always taken from
//! the position where Asterisk or sshd writes the socket address, never from client-chosen text
//! (From, To, Call-ID/SessionID, user names); when client text imitates the field so that two
//! readings are possible, the line is reported as unparsed rather than guessed.

mod asterisk;
mod security;
mod sshd;
pub(crate) mod stamp;

pub use security::{
    AuthEvent, AuthStep, UnansweredChallenges, auth_event_in_ami, auth_event_in_line,
    parse_ami_event,
};
pub use sshd::SshdMode;

use crate::event::LineOutcome;
use stamp::Stamp;

/// Reads log lines in order. It keeps a little state: the year of year-less timestamps (advanced
/// at a December to January step) and sshd's per-connection details.
#[derive(Debug)]
pub struct Parser {
    year: i32,
    last_month: u8,
    ssh: sshd::Tracker,
    last_stamp: LastStamp,
}

/// The bracketed stamp last read and what it meant. Consecutive lines mostly share their second,
/// and reading a stamp is a good part of the cost of an ordinary line. Only the bracketed form is
/// kept (its reading depends on nothing past the closing bracket), and only until another stamp
/// is read: reading one may move the year of year-less stamps.
#[derive(Debug, Default)]
struct LastStamp {
    text: Vec<u8>,
    seconds: i64,
}

impl Default for Parser {
    /// Year-less timestamps are taken to be in the current year.
    fn default() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        let year = i32::try_from(stamp::civil(now).0).unwrap_or(1970);
        Self::new(year)
    }
}

impl Parser {
    /// A parser that dates year-less timestamps in `year` (and the next one after a December to
    /// January step).
    #[must_use]
    pub fn new(year: i32) -> Self {
        Self {
            year,
            last_month: 0,
            ssh: sshd::Tracker::default(),
            last_stamp: LastStamp::default(),
        }
    }

    /// The same parser, reading sshd messages in `mode`.
    #[must_use]
    pub fn with_sshd_mode(mut self, mode: SshdMode) -> Self {
        self.set_sshd_mode(mode);
        self
    }

    /// Reads sshd messages in `mode` from now on (a configuration reload); connections being
    /// followed are kept.
    pub fn set_sshd_mode(&mut self, mode: SshdMode) {
        self.ssh.mode = mode;
    }

    /// The time of the stamp that starts `line` (a line already read: reading its stamp again
    /// changes nothing), for lines that are not failures but still count, such as challenges.
    pub fn line_time(&mut self, line: &str) -> Option<i64> {
        self.leading_time(line).map(|(seconds, _)| seconds)
    }

    fn seconds(&mut self, stamp: Stamp) -> i64 {
        self.last_stamp.text.clear();
        let year = stamp.year.unwrap_or_else(|| {
            if self.last_month == 12 && stamp.month == 1 {
                self.year += 1;
            }
            self.last_month = stamp.month;
            self.year
        });
        stamp::unix_seconds(year, stamp.month, stamp.day, stamp.seconds_of_day)
            - i64::from(stamp.offset)
    }

    /// The time of the stamp that starts `line` and where the rest of the line starts.
    fn leading_time(&mut self, line: &str) -> Option<(i64, usize)> {
        let cached = &self.last_stamp;
        if !cached.text.is_empty() && line.as_bytes().starts_with(&cached.text) {
            return Some((cached.seconds, cached.text.len()));
        }
        let (stamp, end) = stamp::leading(line)?;
        let seconds = self.seconds(stamp);
        if line.starts_with('[')
            && let Some(text) = line.as_bytes().get(..end)
        {
            self.last_stamp.text.clear();
            self.last_stamp.text.extend_from_slice(text);
            self.last_stamp.seconds = seconds;
        }
        Some((seconds, end))
    }

    /// Reads one line (a trailing newline is ignored).
    pub fn parse_line<'a>(&mut self, line: &'a str) -> LineOutcome<'a> {
        let line = line.trim_end_matches(['\n', '\r']);
        let leading = self.leading_time(line);
        let time = leading.map(|(seconds, _)| seconds);
        if let Some((_, end)) = leading {
            let header_is_syslog = !line.starts_with('[');
            if header_is_syslog
                && let Some((pid, message)) = line
                    .get(end..)
                    .and_then(|rest| sshd::message(rest, line.starts_with('<')))
            {
                return self.ssh.parse(pid, message, line, time);
            }
        }
        if !line.starts_with('{') {
            return asterisk::scan(line, time);
        }
        // The JSON formatter's time is read only from candidate lines: reading a year-less one
        // moves the year of the next.
        if !asterisk::is_candidate(line) {
            return LineOutcome::Ignored;
        }
        let time = time.or_else(|| self.json_time(line));
        asterisk::parse(line, time)
    }

    /// The `timestamp` of Asterisk's `[json]` formatter.
    fn json_time(&mut self, line: &str) -> Option<i64> {
        if !line.starts_with('{') {
            return None;
        }
        let start = line.find("\"timestamp\": \"")? + 14;
        let (stamp, _) = stamp::leading(line.get(start..)?)?;
        Some(self.seconds(stamp))
    }
}
