//! SNMP v1/v2c `GetRequest` for `sysDescr.0`, built and read with a small BER codec (only the
//! types such a request and its response use: INTEGER, OCTET STRING, NULL, OBJECT IDENTIFIER,
//! SEQUENCE and the PDU tags).

/// `sysDescr.0`, the device's own description (vendor, model, firmware on most phones).
pub const SYS_DESCR: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 1, 0];

const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OBJECT_IDENTIFIER: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
const GET_REQUEST: u8 = 0xa0;
const GET_RESPONSE: u8 = 0xa2;

/// Protocol version as carried in the message (`0` = v1, `1` = v2c).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SnmpVersion {
    /// SNMPv1.
    V1,
    /// SNMPv2c.
    V2c,
}

impl SnmpVersion {
    fn wire(self) -> i64 {
        match self {
            Self::V1 => 0,
            Self::V2c => 1,
        }
    }
}

/// A decoded `GetResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnmpResponse {
    /// The version the agent answered with.
    pub version: i64,
    /// The community echoed back.
    pub community: Vec<u8>,
    /// The request id echoed back.
    pub request_id: i64,
    /// 0 when the value was returned.
    pub error_status: i64,
    /// The first variable's value when it is an OCTET STRING, as text.
    pub value: Option<String>,
}

fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_length(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

fn integer(value: i64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    // Minimal two's complement: drop leading bytes that only repeat the sign.
    let mut start = 0;
    while start < 7 {
        let (Some(&this), Some(&next)) = (bytes.get(start), bytes.get(start + 1)) else {
            break;
        };
        let redundant = (this == 0x00 && next & 0x80 == 0) || (this == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    tlv(INTEGER, bytes.get(start..).unwrap_or_default())
}

fn oid(arcs: &[u32]) -> Vec<u8> {
    let mut content = Vec::new();
    let (first, second) = (
        arcs.first().copied().unwrap_or(0),
        arcs.get(1).copied().unwrap_or(0),
    );
    let mut encode = |arc: u32| {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        content.extend(groups.iter().rev());
    };
    encode(first * 40 + second);
    for &arc in arcs.iter().skip(2) {
        encode(arc);
    }
    tlv(OBJECT_IDENTIFIER, &content)
}

/// A `GetRequest` for `arcs` (value NULL), ready to send in one datagram.
pub fn get_request(
    version: SnmpVersion,
    community: &str,
    request_id: i64,
    arcs: &[u32],
) -> Vec<u8> {
    let varbind = tlv(SEQUENCE, &[oid(arcs), tlv(NULL, &[])].concat());
    let varbinds = tlv(SEQUENCE, &varbind);
    let pdu = tlv(
        GET_REQUEST,
        &[integer(request_id), integer(0), integer(0), varbinds].concat(),
    );
    tlv(
        SEQUENCE,
        &[
            integer(version.wire()),
            tlv(OCTET_STRING, community.as_bytes()),
            pdu,
        ]
        .concat(),
    )
}

/// One TLV at the start of `input`: (tag, content, rest). `None` on anything malformed or
/// truncated, including indefinite lengths (SNMP forbids them).
fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let bytes = rest.get(..count)?;
        let len = bytes
            .iter()
            .fold(0_usize, |len, &b| (len << 8) | usize::from(b));
        (len, rest.get(count..)?)
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (found, content, rest) = read_tlv(input)?;
    (found == tag).then_some((content, rest))
}

fn read_integer(input: &[u8]) -> Option<(i64, &[u8])> {
    let (content, rest) = expect(input, INTEGER)?;
    if content.is_empty() || content.len() > 8 {
        return None;
    }
    let negative = content.first().is_some_and(|b| b & 0x80 != 0);
    let start = if negative { -1_i64 } else { 0 };
    let value = content
        .iter()
        .fold(start, |value, &b| (value << 8) | i64::from(b));
    Some((value, rest))
}

/// Decodes a `GetResponse`; `None` for anything else or anything malformed.
pub fn parse_response(datagram: &[u8]) -> Option<SnmpResponse> {
    let (message, _) = expect(datagram, SEQUENCE)?;
    let (version, rest) = read_integer(message)?;
    let (community, rest) = expect(rest, OCTET_STRING)?;
    let (pdu, _) = expect(rest, GET_RESPONSE)?;
    let (request_id, rest) = read_integer(pdu)?;
    let (error_status, rest) = read_integer(rest)?;
    let (_error_index, rest) = read_integer(rest)?;
    let (varbinds, _) = expect(rest, SEQUENCE)?;
    let value = expect(varbinds, SEQUENCE)
        .and_then(|(varbind, _)| expect(varbind, OBJECT_IDENTIFIER).map(|(_, value)| value))
        .and_then(|value| expect(value, OCTET_STRING))
        .map(|(text, _)| String::from_utf8_lossy(text).trim().to_string());
    Some(SnmpResponse {
        version,
        community: community.to_vec(),
        request_id,
        error_status,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_request_matches_net_snmp_bytes() {
        // v2c, community public, request id 0x1234, sysDescr.0 = NULL, encoded by hand from X.690.
        let expected: &[u8] = &[
            0x30, 0x27, 0x02, 0x01, 0x01, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', 0xa0,
            0x1a, 0x02, 0x02, 0x12, 0x34, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30,
            0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
        ];
        assert_eq!(
            get_request(SnmpVersion::V2c, "public", 0x1234, SYS_DESCR),
            expected
        );
    }

    #[test]
    fn integers_are_minimal_twos_complement() {
        assert_eq!(integer(0), [2, 1, 0]);
        assert_eq!(integer(127), [2, 1, 0x7f]);
        assert_eq!(integer(128), [2, 2, 0, 0x80]);
        assert_eq!(integer(-1), [2, 1, 0xff]);
        assert_eq!(integer(-129), [2, 2, 0xff, 0x7f]);
        for value in [
            0,
            1,
            127,
            128,
            255,
            256,
            65_535,
            -1,
            -128,
            -129,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(read_integer(&integer(value)).map(|(v, _)| v), Some(value));
        }
    }

    #[test]
    fn large_arcs_and_long_lengths() {
        assert_eq!(
            oid(&[1, 3, 6, 1, 4, 1, 311]),
            [6, 7, 0x2b, 6, 1, 4, 1, 0x82, 0x37]
        );
        let long = tlv(OCTET_STRING, &[b'x'; 300]);
        assert_eq!(long.get(..4), Some([0x04, 0x82, 0x01, 0x2c].as_slice()));
        assert_eq!(
            read_tlv(&long).map(|(_, c, r)| (c.len(), r.len())),
            Some((300, 0))
        );
    }

    fn response(value: &[u8]) -> Vec<u8> {
        let varbind = tlv(SEQUENCE, &[oid(SYS_DESCR), value.to_vec()].concat());
        let pdu = tlv(
            GET_RESPONSE,
            &[integer(77), integer(0), integer(0), tlv(SEQUENCE, &varbind)].concat(),
        );
        tlv(
            SEQUENCE,
            &[integer(1), tlv(OCTET_STRING, b"public"), pdu].concat(),
        )
    }

    #[test]
    fn reads_a_sysdescr_response() {
        let parsed = parse_response(&response(&tlv(OCTET_STRING, b"Grandstream GXP2170 ")));
        assert_eq!(
            parsed,
            Some(SnmpResponse {
                version: 1,
                community: b"public".to_vec(),
                request_id: 77,
                error_status: 0,
                value: Some("Grandstream GXP2170".to_string()),
            })
        );
        // noSuchObject (v2c exception 0x80) is an answer without a value.
        let no_such = parse_response(&response(&[0x80, 0x00]));
        assert_eq!(no_such.map(|r| r.value), Some(None));
    }

    #[test]
    fn malformed_input_never_panics() {
        let good = response(&tlv(OCTET_STRING, b"x"));
        for cut in 0..good.len() {
            assert_eq!(parse_response(good.get(..cut).unwrap_or_default()), None);
        }
        for bad in [
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff][..],
            &[0x30, 0x80],
            &[0xa2, 0x00],
            &[],
        ] {
            assert_eq!(parse_response(bad), None);
        }
        // A GetRequest is not a response.
        assert_eq!(
            parse_response(&get_request(SnmpVersion::V1, "public", 1, SYS_DESCR)),
            None
        );
    }
}
