//! AST-SIP-23: no unknown or misspelled keys in sip.conf / iax.conf (chan_sip and chan_iax2
//! ignore them).
//!
//! ## What it does
//! Reports every key of sip.conf that chan_sip does not read, in `[general]` and in peers
//! alike (the keys of `[general]` and of peers together, as listed in Asterisk's
//! `sip.conf.sample` and read by chan_sip's `reload_config`/`build_peer`, with the older
//! spellings chan_sip still accepts and the realtime columns it reads back), naming the key that
//! was probably meant: a known misspelling (`password=` for `secret=`), or the closest known key
//! when only one or two letters differ. In iax.conf, only the known misspellings are reported.
//!
//! ## Why is this bad?
//! Both drivers skip unknown keys without an error the administrator sees in the file. A peer
//! with `password=` instead of `secret=` has no secret at all, and chan_sip then accepts any
//! password for it; a misspelled `premit=` leaves the peer open to every address.
//!
//! ## Example
//! ```ini
//! [1001]
//! type=friend
//! password=Vq7#pLm2!xRt9
//! ```
//! Use instead: `secret=Vq7#pLm2!xRt9`.
//!
//! ## References
//! - reference/asterisk.md 2.10 "Unknown or misspelled keys"; sip.conf.sample (Asterisk 16),
//!   chan_sip.c `reload_config`, `build_peer`, `handle_common_options`; iax.conf.sample

use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::asterisk_peers::{Driver, DriverConfig, Offenders};
use crate::context::Context;

/// Keys neither driver knows, with the key that was meant (from the sample configs' key names).
const MISSPELLINGS: &[(&str, &str)] = &[
    ("password", "secret"),
    ("passwd", "secret"),
    ("md5password", "md5secret"),
    ("allowguests", "allowguest"),
    ("alwaysauthrejects", "alwaysauthreject"),
    ("premit", "permit"),
    ("contactpremit", "contactpermit"),
    ("insecurity", "insecure"),
    // Phone provisioning's name for the authentication user (InterLinked1's sip.conf).
    ("authid", "defaultuser"),
];

/// Keys FreePBX writes into every device of sip_additional.conf for its own bookkeeping
/// (`dial=SIP/100`): chan_sip skips them, and nobody meant a chan_sip setting by them.
const FREEPBX_BOOKKEEPING: &[&str] = &["dial"];

/// Every key chan_sip reads in sip.conf (Asterisk 11 to 20): `[general]`, peers and
/// `[authentication]`, sorted. From sip.conf.sample and chan_sip.c, with the older names it
/// still accepts (`canreinvite`, `username`, `externip`, `maxexpirey`, the `ssl*` TLS names,
/// `call-limit`) and the realtime columns `build_peer` reads back (`regseconds`, `ipaddr`, …).
const CHAN_SIP_KEYS: &[&str] = &[
    "accept_outofcall_message",
    "accountcode",
    "acl",
    "allow",
    "allowexternaldomains",
    "allowguest",
    "allowoverlap",
    "allowsubscribe",
    "allowtransfer",
    "alwaysauthreject",
    "amaflags",
    "auth",
    "auth_message_requests",
    "auth_options_requests",
    "authfailureevents",
    "autocreatepeer",
    "autodomain",
    "autoframing",
    "avpf",
    "bindaddr",
    "bindport",
    "buggymwi",
    "busylevel",
    "call-limit",
    "callbackextension",
    "callcounter",
    "callerid",
    "callevents",
    "callgroup",
    "callingpres",
    "canreinvite",
    "cid_number",
    "cid_tag",
    "compactheaders",
    "contactacl",
    "contactdeny",
    "contactpermit",
    "context",
    "cos_audio",
    "cos_sip",
    "cos_text",
    "cos_video",
    "defaultexpirey",
    "defaultexpiry",
    "defaultip",
    "defaultuser",
    "deny",
    "description",
    "directmedia",
    "directmediaacl",
    "directmediadeny",
    "directmediapermit",
    "directrtpsetup",
    "disallow",
    "disallowed_methods",
    "discard_remote_hold_retrieval",
    "domain",
    "domainsasrealm",
    "dtlsautogeneratecert",
    "dtlscafile",
    "dtlscapath",
    "dtlscertfile",
    "dtlscipher",
    "dtlsenable",
    "dtlsfingerprint",
    "dtlsprivatekey",
    "dtlsrekey",
    "dtlssetup",
    "dtlsverify",
    "dtmfmode",
    "dumphistory",
    "dynamic_exclude_static",
    "encryption",
    "encryption_taglen",
    "externaddr",
    "externhost",
    "externip",
    "externrefresh",
    "externtcpport",
    "externtlsport",
    "faxdetect",
    "force_avp",
    "fromdomain",
    "fromuser",
    "fullcontact",
    "fullname",
    "g726nonstandard",
    "hasvoicemail",
    "host",
    "icesupport",
    "ignore_requested_pref",
    "ignoreregexpire",
    "ignoresdpversion",
    "insecure",
    "ipaddr",
    "jbenable",
    "jbforce",
    "jbimpl",
    "jblog",
    "jbmaxsize",
    "jbresyncthreshold",
    "jbtargetextra",
    "keepalive",
    "language",
    "lastms",
    "legacy_useroption_parsing",
    "localnet",
    "mailbox",
    "match_auth_username",
    "matchexternaddrlocally",
    "maxcallbitrate",
    "maxexpirey",
    "maxexpiry",
    "maxforwards",
    "md5secret",
    "media_address",
    "minexpirey",
    "minexpiry",
    "mohinterpret",
    "mohsuggest",
    "musicclass",
    "musiconhold",
    "mwi",
    "mwi_from",
    "mwiexpiry",
    "namedcallgroup",
    "namedpickupgroup",
    "nat",
    "notifycid",
    "notifyhold",
    "notifymimetype",
    "notifyringing",
    "outboundproxy",
    "outofcall_message_context",
    "parkinglot",
    "pedantic",
    "permit",
    "pickupgroup",
    "port",
    "preferred_codec_only",
    "prematuremedia",
    "progressinband",
    "promiscredir",
    "qualify",
    "qualifyfreq",
    "qualifygap",
    "qualifypeers",
    "realm",
    "recordhistory",
    "recordofffeature",
    "recordonfeature",
    "refer_addheaders",
    "regcontext",
    "regexten",
    "regextenonqualify",
    "register",
    "register_retry_403",
    "registerattempts",
    "registertimeout",
    "registertrying",
    "regseconds",
    "regserver",
    "relaxdtmf",
    "remotesecret",
    "rfc2833compensate",
    "rpid_immediate",
    "rpid_update",
    "rtautoclear",
    "rtcachefriends",
    "rtcp_mux",
    "rtp_engine",
    "rtpbindaddr",
    "rtpholdtimeout",
    "rtpkeepalive",
    "rtptimeout",
    "rtsavepath",
    "rtsavesysname",
    "rtupdate",
    "sdpowner",
    "sdpsession",
    "secret",
    "send_diversion",
    "sendrpid",
    "session-expires",
    "session-minse",
    "session-refresher",
    "session-timers",
    "setvar",
    "shrinkcallerid",
    "sipdebug",
    "snom_aoc_enabled",
    "srvlookup",
    "sslbindaddr",
    "sslcafile",
    "sslcapath",
    "sslcert",
    "sslcertfile",
    "sslcipher",
    "sslclientmethod",
    "ssldontverifyserver",
    "sslenable",
    "sslprivatekey",
    "storesipcause",
    "submaxexpiry",
    "subminexpiry",
    "subscribe_network_change_event",
    "subscribecontext",
    "subscribemwi",
    "supportpath",
    "t1min",
    "t38pt_udptl",
    "t38pt_usertpsource",
    "tcpauthlimit",
    "tcpauthtimeout",
    "tcpbindaddr",
    "tcpenable",
    "template",
    "textsupport",
    "timerb",
    "timert1",
    "tlsbindaddr",
    "tlscafile",
    "tlscapath",
    "tlscertfile",
    "tlscipher",
    "tlsclientmethod",
    "tlsdontverifyserver",
    "tlsenable",
    "tlsprivatekey",
    "tonezone",
    "tos",
    "tos_audio",
    "tos_sip",
    "tos_text",
    "tos_video",
    "transport",
    "trunkname",
    "trust_id_outbound",
    "trustrpid",
    "type",
    "udpbindaddr",
    "unsolicited_mailbox",
    "use_q850_reason",
    "useclientcode",
    "useragent",
    "usereqphone",
    "username",
    "videosupport",
    "vmexten",
    "websocket_enabled",
    "websocket_write_timeout",
];

/// The longest edit distance at which a known key is offered as the one meant.
const CLOSE: usize = 2;

/// What an unknown key probably meant: a known misspelling, else (in sip.conf) the closest known
/// chan_sip key within [`CLOSE`] edits, for keys long enough that such a guess means something.
fn meant(key: &str, driver: Driver) -> Option<&'static str> {
    if let Some((_, meant)) = MISSPELLINGS
        .iter()
        .find(|(wrong, _)| key.eq_ignore_ascii_case(wrong))
    {
        return Some(meant);
    }
    if driver != Driver::Sip || key.len() <= CLOSE + 2 {
        return None;
    }
    let key = key.to_ascii_lowercase();
    CHAN_SIP_KEYS
        .iter()
        .map(|known| (edit_distance(&key, known), *known))
        .filter(|(distance, _)| *distance <= CLOSE)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// Levenshtein distance over bytes (keys are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute =
                previous.get(j).copied().unwrap_or(usize::MAX / 2) + usize::from(ca != *cb);
            let delete = previous.get(j + 1).copied().unwrap_or(usize::MAX / 2) + 1;
            let insert = current.get(j).copied().unwrap_or(usize::MAX / 2) + 1;
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or_default()
}

/// Whether `key` is ignored by `driver`: any key chan_sip does not read; in iax.conf only the
/// known misspellings (its key list is not checked here).
fn is_ignored(key: &str, driver: Driver) -> bool {
    let lower = key.to_ascii_lowercase();
    match driver {
        Driver::Sip => {
            CHAN_SIP_KEYS.binary_search(&lower.as_str()).is_err()
                && !FREEPBX_BOOKKEEPING.contains(&lower.as_str())
        }
        Driver::Iax => MISSPELLINGS.iter().any(|(wrong, _)| *wrong == lower),
    }
}

/// AST-SIP-23.
#[derive(Debug)]
pub(crate) struct AstSip23;

impl CodeCheck for AstSip23 {
    fn id(&self) -> &'static str {
        "AST-SIP-23"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let configs: Vec<(Driver, DriverConfig<'_>)> = [Driver::Sip, Driver::Iax]
            .into_iter()
            .filter_map(|driver| DriverConfig::of(cx, driver).map(|config| (driver, config)))
            .collect();
        let Some((_, first)) = configs.first() else {
            return cx.finding(
                Status::NotApplicable,
                "no sip.conf or iax.conf in the configuration set".into(),
                Vec::new(),
            );
        };
        let mut offenders = Offenders::default();
        let mut sections = 0;
        for (driver, config) in &configs {
            for category in config.sections() {
                sections += 1;
                for variable in category
                    .variables
                    .iter()
                    .filter(|variable| !variable.inherited && is_ignored(&variable.name, *driver))
                {
                    let hint = meant(&variable.name, *driver)
                        .map(|key| format!(" (meant {key}=?)"))
                        .unwrap_or_default();
                    let evidence = cx.asterisk_evidence(
                        &variable.origin,
                        format!("[{}] {}", category.name, variable.name),
                        format!(
                            "ignored: not a {} key{hint}",
                            match driver {
                                Driver::Sip => "chan_sip",
                                Driver::Iax => "chan_iax2",
                            }
                        ),
                    );
                    offenders.add(&category.name, [evidence]);
                }
            }
        }
        offenders.finding(
            cx,
            first,
            sections,
            "sections of sip.conf / iax.conf use a key the driver does not know and ignores",
            "every sip.conf key is one chan_sip reads, and iax.conf has no misspelled key (password=, ...)".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use voipguard_model::Status;

    use super::*;
    use crate::code::asterisk_services::testing::run_files;

    #[test]
    fn the_key_list_is_sorted_lower_case_and_holds_the_sample_keys() {
        assert!(CHAN_SIP_KEYS.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(
            CHAN_SIP_KEYS
                .iter()
                .all(|key| key.to_ascii_lowercase() == *key)
        );
        for key in [
            "secret",
            "allowguest",
            "session-timers",
            "t38pt_udptl",
            "Permit",
        ] {
            assert!(!is_ignored(key, Driver::Sip), "{key}");
        }
    }

    #[test]
    fn unknown_keys_name_the_key_meant_when_it_is_close() {
        assert_eq!(meant("password", Driver::Sip), Some("secret"));
        assert_eq!(meant("qualifyfrequency", Driver::Sip), None);
        assert_eq!(meant("dtmfmod", Driver::Sip), Some("dtmfmode"));
        assert_eq!(meant("contex", Driver::Sip), Some("context"));
        assert_eq!(meant("nat2", Driver::Sip), None, "too short to guess");
        assert_eq!(meant("contex", Driver::Iax), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert!(
            is_ignored("threewaycalling", Driver::Sip),
            "a chan_dahdi key"
        );
        assert!(!is_ignored("dial", Driver::Sip), "FreePBX bookkeeping");
        assert!(
            !is_ignored("threewaycalling", Driver::Iax),
            "iax.conf keys are not listed"
        );
        assert_eq!(meant("authid", Driver::Sip), Some("defaultuser"));
    }

    #[test]
    fn any_unknown_peer_key_fails_and_the_value_never_shows() {
        let finding = run_files(
            "AST-SIP-23",
            &[(
                "sip.conf",
                "[general]\nallowguest=no\n[100]\ntype=friend\nhost=dynamic\nsecret=Wm4$kP8@zN1q\n\
                 dtmfmod=rfc2833\nsecrett=Xq7#vLp2!rT9\n",
            )],
        );
        assert_eq!(finding.status, Status::Fail, "{}", finding.message);
        let shown: Vec<String> = finding
            .evidence
            .iter()
            .map(|e| format!("{} {}", e.setting, e.value))
            .collect();
        assert_eq!(
            shown,
            [
                "[100] dtmfmod ignored: not a chan_sip key (meant dtmfmode=?)",
                "[100] secrett ignored: not a chan_sip key (meant secret=?)",
            ]
        );
    }
}
