//! Line timestamps: Asterisk's bracketed dates, syslog, ISO 8601 and RFC 5424 headers.

/// A timestamp as written; the year is absent in syslog and Asterisk's default date format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub year: Option<i32>,
    pub month: u8,
    pub day: u8,
    pub seconds_of_day: u32,
    /// Offset east of UTC written on the line, in seconds.
    pub offset: i32,
}

/// Seconds since the Unix epoch of a civil date and time (proleptic Gregorian).
pub(crate) fn unix_seconds(year: i32, month: u8, day: u8, seconds_of_day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = i64::from(month);
    let day_of_year = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    days * 86_400 + i64::from(seconds_of_day)
}

/// The civil date and time of seconds since the Unix epoch: (year, month, day, h, m, s).
pub(crate) fn civil(unix: i64) -> (i64, u8, u8, u8, u8, u8) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let narrow = |v: i64| u8::try_from(v).unwrap_or(0);
    (
        year,
        narrow(month),
        narrow(day),
        narrow(secs / 3600),
        narrow(secs / 60 % 60),
        narrow(secs % 60),
    )
}

/// Length of a [`UtcWriter::write`] text.
pub(crate) const UTC_TEXT_BYTES: usize = 20;

/// Writes `YYYY-MM-DDTHH:MM:SSZ` by hand, keeping the date part of the last day written: reports
/// print two per source, a million sources, and most fall on a few days.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UtcWriter {
    day: i64,
    date: [u8; 11],
}

impl Default for UtcWriter {
    fn default() -> Self {
        Self {
            day: i64::MIN,
            date: [0; 11],
        }
    }
}

fn two_digits(value: u8) -> [u8; 2] {
    [b'0' + value / 10 % 10, b'0' + value % 10]
}

impl UtcWriter {
    pub(crate) fn write(&mut self, unix: i64) -> [u8; UTC_TEXT_BYTES] {
        let day = unix.div_euclid(86_400);
        if day != self.day {
            let (year, month, day_of_month, ..) = civil(unix);
            let year = u16::try_from(year.clamp(0, 9999)).unwrap_or(0);
            let [y1, y2] = two_digits(u8::try_from(year / 100).unwrap_or(0));
            let [y3, y4] = two_digits(u8::try_from(year % 100).unwrap_or(0));
            let [m1, m2] = two_digits(month);
            let [d1, d2] = two_digits(day_of_month);
            self.date = [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2, b'T'];
            self.day = day;
        }
        let seconds = unix.rem_euclid(86_400);
        let part = |value: i64| two_digits(u8::try_from(value).unwrap_or(0));
        let [h1, h2] = part(seconds / 3600);
        let [mi1, mi2] = part(seconds / 60 % 60);
        let [s1, s2] = part(seconds % 60);
        let [a, b, c, d, e, f, g, h, i, j, k] = self.date;
        [
            a, b, c, d, e, f, g, h, i, j, k, h1, h2, b':', mi1, mi2, b':', s1, s2, b'Z',
        ]
    }
}

/// A [`UtcWriter::write`] text as a `str` (it holds only ASCII digits and separators).
pub(crate) fn utc_str(text: &[u8; UTC_TEXT_BYTES]) -> &str {
    std::str::from_utf8(text).unwrap_or_default()
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn format_utc(unix: i64) -> String {
    utc_str(&UtcWriter::default().write(unix)).to_owned()
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn digits(bytes: &[u8], at: usize, count: usize) -> Option<u32> {
    let slice = bytes.get(at..at + count)?;
    slice.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn narrow(value: u32) -> Option<u8> {
    u8::try_from(value).ok()
}

/// `HH:MM:SS` at `at`.
fn clock(bytes: &[u8], at: usize) -> Option<u32> {
    let (h, m, s) = (
        digits(bytes, at, 2)?,
        digits(bytes, at + 3, 2)?,
        digits(bytes, at + 6, 2)?,
    );
    let separators = bytes.get(at + 2) == Some(&b':') && bytes.get(at + 5) == Some(&b':');
    (separators && h < 24 && m < 60 && s < 61).then_some(h * 3600 + m * 60 + s)
}

/// `Mon dd HH:MM:SS` (day padded with a space, a zero or nothing); returns the stamp and its end.
fn syslog(bytes: &[u8]) -> Option<(Stamp, usize)> {
    let name = bytes.get(..3)?;
    let month = MONTHS.iter().position(|m| m.as_slice() == name)?;
    if bytes.get(3) != Some(&b' ') {
        return None;
    }
    let mut at = 4;
    if bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    let day_len = if bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
        2
    } else {
        1
    };
    let day = digits(bytes, at, day_len)?;
    at += day_len;
    if bytes.get(at) != Some(&b' ') {
        return None;
    }
    let seconds_of_day = clock(bytes, at + 1)?;
    let stamp = Stamp {
        year: None,
        month: narrow(u32::try_from(month).ok()? + 1)?,
        day: narrow(day)?,
        seconds_of_day,
        offset: 0,
    };
    Some((stamp, at + 9))
}

/// Seconds since the Unix epoch of a whole ISO 8601 text with its year, such as AMI's
/// `EventTV: 2019-06-07T21:17:59.819+0000`; `None` for anything else.
pub(crate) fn iso_seconds(text: &str) -> Option<i64> {
    let (stamp, end) = iso(text.as_bytes())?;
    let year = stamp.year.filter(|_| end == text.len())?;
    Some(unix_seconds(year, stamp.month, stamp.day, stamp.seconds_of_day) - i64::from(stamp.offset))
}

/// `YYYY-MM-DD[ T]HH:MM:SS[.fff][Z|±HH:MM|±HHMM]`.
fn iso(bytes: &[u8]) -> Option<(Stamp, usize)> {
    let year = digits(bytes, 0, 4)?;
    let month = digits(bytes, 5, 2)?;
    let day = digits(bytes, 8, 2)?;
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    if !matches!(bytes.get(10), Some(b' ' | b'T')) {
        return None;
    }
    let seconds_of_day = clock(bytes, 11)?;
    let mut at = 19;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    let mut offset = 0;
    match bytes.get(at) {
        Some(b'Z') => at += 1,
        Some(&sign @ (b'+' | b'-')) => {
            let hours = digits(bytes, at + 1, 2)?;
            let colon = usize::from(bytes.get(at + 3) == Some(&b':'));
            let minutes = digits(bytes, at + 3 + colon, 2)?;
            let magnitude = i32::try_from(hours * 3600 + minutes * 60).ok()?;
            offset = if sign == b'-' { -magnitude } else { magnitude };
            at += 5 + colon;
        }
        _ => {}
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let stamp = Stamp {
        year: Some(i32::try_from(year).ok()?),
        month: narrow(month)?,
        day: narrow(day)?,
        seconds_of_day,
        offset,
    };
    Some((stamp, at))
}

/// The timestamp that starts a line, in any supported header shape, and the byte offset where
/// the rest of the line starts.
pub(crate) fn leading(line: &str) -> Option<(Stamp, usize)> {
    let bytes = line.as_bytes();
    match bytes.first()? {
        b'[' => {
            let inner = bytes.get(1..)?;
            let (stamp, end) = iso(inner).or_else(|| syslog(inner))?;
            let close = end + 1 + memchr::memchr(b']', inner.get(end..)?)?;
            Some((stamp, close + 1))
        }
        b'<' => {
            // RFC 5424: `<PRI>VERSION TIMESTAMP ...`
            let space = memchr::memchr(b' ', bytes)?;
            let (stamp, end) = iso(bytes.get(space + 1..)?)?;
            Some((stamp, space + 1 + end))
        }
        b'0'..=b'9' => iso(bytes),
        _ => syslog(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_times_read_as_written_with_their_offset() {
        assert_eq!(
            iso_seconds("2019-06-07T21:17:59.819+0000"),
            Some(unix_seconds(2019, 6, 7, 21 * 3600 + 17 * 60 + 59))
        );
        assert_eq!(
            iso_seconds("2015-05-24T08:42:16.296+0300"),
            Some(unix_seconds(2015, 5, 24, 5 * 3600 + 42 * 60 + 16))
        );
        assert_eq!(iso_seconds("2015-05-24T08:42:16+0300 trailing"), None);
        assert_eq!(iso_seconds("x"), None);
    }

    #[test]
    fn epoch_round_trip() {
        let t = unix_seconds(2024, 2, 29, 3600 + 2 * 60 + 3);
        assert_eq!(format_utc(t), "2024-02-29T01:02:03Z");
        assert_eq!(format_utc(-1), "1969-12-31T23:59:59Z");
        let mut writer = UtcWriter::default();
        writer.write(t);
        assert_eq!(utc_str(&writer.write(t + 3600)), "2024-02-29T02:02:03Z");
        assert_eq!(utc_str(&writer.write(t + 86_400)), "2024-03-01T01:02:03Z");
        assert_eq!(unix_seconds(1970, 1, 1, 0), 0);
    }

    #[test]
    fn shapes() {
        let (s, end) = leading("[Nov  6 08:00:01] NOTICE").unwrap_or_else(|| panic!("no stamp"));
        assert_eq!(
            (s.year, s.month, s.day, s.seconds_of_day, end),
            (None, 11, 6, 28801, 17)
        );
        let (s, _) = leading("[2024-11-06 08:00:01.123] N").unwrap_or_else(|| panic!("no stamp"));
        assert_eq!((s.year, s.month, s.day), (Some(2024), 11, 6));
        let (s, _) = leading("Feb 7 16:01:07 linux").unwrap_or_else(|| panic!("no stamp"));
        assert_eq!((s.month, s.day), (2, 7));
        let (s, _) =
            leading("2015-04-16T18:02:50.321974+00:00 host").unwrap_or_else(|| panic!("no stamp"));
        assert_eq!((s.offset, s.seconds_of_day), (0, 18 * 3600 + 2 * 60 + 50));
        let (s, _) = leading("<38>1 2019-07-08T17:40:16.954167-04:00 h")
            .unwrap_or_else(|| panic!("no stamp"));
        assert_eq!(s.offset, -4 * 3600);
        assert!(leading("NOTICE[566]: chan_sip.c").is_none());
    }
}
