//! No input panics; a production-sized export parses quickly.

use std::fmt::Write as _;
use std::time::Instant;

use proptest::prelude::*;
use voipguard_asterisk::Config;

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let config = Config::parse_bytes("fuzz.conf", &bytes);
        prop_assert!(config.categories.iter().all(|c| c.origin.line >= 1));
    }

    #[test]
    fn config_shaped_text_never_panics(
        lines in proptest::collection::vec(
            "(\\[[a-z!+()=,]{0,8}\\]?(\\([!+a-z,=]{0,8}\\)?)?|[a-z\\\\]{0,4} ?\\+?=>? ?[a-z;\\\\-]{0,6}|;--|--;|;---|#(include|tryinclude|exec|x) ?[a-z*\"<>/.]{0,8}|\u{feff}\r)",
            0..40,
        )
    ) {
        let text = lines.join("\n");
        let config = Config::parse_bytes("fuzz.conf", text.as_bytes());
        let variables: usize = config.categories.iter().map(|c| c.variables.len()).sum();
        prop_assert!(variables <= lines.len() * (config.categories.len() + 1));
    }
}

/// The shape of `shared/bench/gen_sip_peers.py` (a FreePBX/Issabel `sip_additional.conf`):
/// 1,669 peers of ~25 lines each.
#[test]
fn a_41000_line_export_parses_fast() {
    let mut text = String::from(
        ";--------------------------------------------------------------------------------;\n",
    );
    for ext in 0..1669 {
        let _ = write!(
            text,
            "\n[{n}]\ndeny=0.0.0.0/0.0.0.0\nsecret=s{n}x\ndtmfmode=rfc2833\ncanreinvite=no\ncontext=from-internal\n\
             host=dynamic\ntrustrpid=yes\nsendrpid=no\ntype=friend\nnat=yes\nport=5060\nqualify=yes\n\
             qualifyfreq=60\ntransport=udp\navpf=no\nicesupport=no\nencryption=no\ncallgroup=\npickupgroup=\n\
             dial=SIP/{n}\nmailbox={n}@device\npermit=0.0.0.0/0.0.0.0\ncallerid=device <{n}>\ncallcounter=yes\n",
            n = 1000 + ext
        );
    }
    let lines = text.lines().count();
    assert!(lines > 41_000, "{lines} lines");
    let start = Instant::now();
    let config = Config::parse_bytes("sip_additional.conf", text.as_bytes());
    let elapsed = start.elapsed();
    assert_eq!(config.categories.len(), 1669);
    assert!(config.errors.is_empty() && config.warnings.is_empty());
    let last = config.category("2668").expect("last peer");
    assert_eq!(last.all("permit").count(), 1);
    assert_eq!(
        last.get("callcounter").map(|v| v.origin.line),
        Some(lines as u32)
    );
    // Unoptimised test builds are several times slower than release; this still catches a
    // quadratic slip.
    assert!(elapsed.as_millis() < 1500, "took {elapsed:?}");
}
