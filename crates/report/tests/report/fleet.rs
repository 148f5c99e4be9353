//! A small hand-built fleet and a helper that renders it in any format.

use std::path::PathBuf;
use std::sync::Arc;

use voipguard_model::{
    Device, Evidence, Family, FamilyBasis, Finding, Observation, ObservationKind, Origin, Setting,
    SettingKey, Severity, Status, Value, Vendor,
};
use voipguard_report::{DeviceResult, Format, InputError, Options, Skipped, Summary, emitter};

/// The admin password written into the first device; no output may contain it.
pub const RAW_SECRET: &str = "Sup3r-S3cret-9f27";

/// Devices with their findings, and what the run could not read.
pub struct Fleet {
    pub devices: Vec<(Device, Vec<Finding>)>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<InputError>,
    /// Observations of the device at the same index (none when the list is shorter).
    pub observations: Vec<Vec<Observation>>,
}

pub fn options(color: bool, verbose: bool) -> Options {
    Options {
        catalogue: voipguard_checks::catalogue().expect("catalogue loads"),
        color,
        verbose,
    }
}

/// Renders the fleet as `format` would be written to a file.
pub fn render(fleet: &Fleet, format: Format, options: Options) -> String {
    let mut bytes = Vec::new();
    {
        let mut emitter = emitter(format, Box::new(&mut bytes), options);
        let mut summary = Summary::default();
        for (index, (device, findings)) in fleet.devices.iter().enumerate() {
            summary.add_device(findings);
            let observations = fleet.observations.get(index).map_or(&[][..], Vec::as_slice);
            emitter
                .device(DeviceResult {
                    device,
                    findings,
                    observations,
                })
                .expect("writing to memory");
        }
        summary.skipped = fleet.skipped.len();
        summary.errors = fleet.errors.len();
        emitter
            .finish(&fleet.skipped, &fleet.errors, &summary)
            .expect("writing to memory");
    }
    String::from_utf8(bytes).expect("reports are UTF-8")
}

pub fn file(path: &str) -> Arc<PathBuf> {
    Arc::new(PathBuf::from(path))
}

/// A setting as a parser would store it.
pub fn setting(
    file: &Arc<PathBuf>,
    line: u32,
    written_as: &str,
    value: &str,
    secret: bool,
) -> Setting {
    Setting {
        value: Value::Literal(value.into()),
        origin: Origin {
            file: file.clone(),
            line,
            column: 1,
            written_as: written_as.into(),
        },
        perm: None,
        secret,
        conditional: false,
    }
}

/// Evidence for a setting read from a file, as `Context::evidence` builds it.
pub fn evidence(setting: &Setting, value: &str) -> Evidence {
    Evidence {
        file: Some(setting.origin.file.clone()),
        line: Some(setting.origin.line),
        column: Some(setting.origin.column),
        setting: setting.origin.written_as.to_string(),
        value: value.to_owned(),
        default: false,
    }
}

/// Evidence for a secret, as `Context::secret_evidence` builds it: the value never leaves the setting.
pub fn secret_evidence(setting: &Setting, judgement: &str) -> Evidence {
    evidence(setting, &format!("redacted ({judgement})"))
}

/// Evidence that the factory default applies, as `Context::default_evidence` builds it.
pub fn default_evidence(setting: &str, default: &str) -> Evidence {
    Evidence {
        file: None,
        line: None,
        column: None,
        setting: setting.to_owned(),
        value: format!("{default} (not set; factory default)"),
        default: true,
    }
}

pub fn finding(
    check: &'static str,
    status: Status,
    severity: Severity,
    message: &str,
    evidence: Vec<Evidence>,
) -> Finding {
    Finding {
        check,
        control: check,
        status,
        severity,
        message: message.to_owned(),
        evidence,
    }
}

/// Two phones: a Grandstream GRP with a weak admin password, SSH on by default and an undecided
/// account; a templated Snom with a low-severity failure. One skipped file, one error.
pub fn two_phones() -> Fleet {
    let grp_file = file("phones/cfg000b82aabbcc.cfg");
    let mut grp = Device::new(
        "000b82aabbcc",
        Vendor::Grandstream,
        Family::Grp,
        FamilyBasis::Content,
    );
    grp.model = Some("GRP2612W".to_owned());
    grp.mac = Some("000b82aabbcc".to_owned());
    grp.sources = vec![grp_file.clone()];
    let admin_password = setting(&grp_file, 4, "P2", RAW_SECRET, true);
    let web_access = setting(&grp_file, 9, "P1650", "0", false);
    grp.set(SettingKey::global("P2"), admin_password.clone());
    grp.set(SettingKey::global("P1650"), web_access.clone());
    let grp_findings = vec![
        finding(
            "LOCAL-ADMIN-PASS",
            Status::Fail,
            Severity::Critical,
            "the admin password is guessable",
            vec![secret_evidence(
                &admin_password,
                "weak: 17 characters, guessable in hours",
            )],
        ),
        finding(
            "GS-SSH-OFF",
            Status::Fail,
            Severity::High,
            "SSH is enabled: P276 is not set and the factory default is 0 (SSH enabled)",
            vec![default_evidence("P276", "0")],
        ),
        finding(
            "LOCAL-WEB-HTTPS",
            Status::Fail,
            Severity::Medium,
            "the web interface is served over plain HTTP",
            vec![evidence(&web_access, "0 (HTTP)")],
        ),
        finding(
            "GS-SIP-TLS",
            Status::Unknown,
            Severity::High,
            "account 1 transport is a template variable",
            Vec::new(),
        ),
        finding(
            "GS-TR069-OFF",
            Status::Pass,
            Severity::Medium,
            "TR-069 is disabled",
            Vec::new(),
        ),
        finding(
            "GS-WIFI-WPA2",
            Status::NotApplicable,
            Severity::Medium,
            "applies to wp820, not grp",
            Vec::new(),
        ),
    ];

    let snom_file = file("phones/snom/D785-lobby.xml");
    let mut snom = Device::new(
        "phones/snom/D785-lobby.xml",
        Vendor::Snom,
        Family::Snom,
        FamilyBasis::Content,
    );
    snom.model = Some("D785".to_owned());
    snom.sources = vec![snom_file.clone()];
    snom.templated = true;
    let mut log_level = setting(&snom_file, 12, "log_level", "9", false);
    log_level.origin.column = 5;
    snom.set(SettingKey::global("log_level"), log_level.clone());
    let snom_findings = vec![
        finding(
            "SN-LOG-LEVEL",
            Status::Fail,
            Severity::Low,
            "debug logging is on (log_level 9)",
            vec![evidence(&log_level, "9")],
        ),
        finding(
            "SN-HTTPS",
            Status::Pass,
            Severity::High,
            "the web interface uses HTTPS",
            Vec::new(),
        ),
        finding(
            "SN-SRTP",
            Status::Unknown,
            Severity::High,
            "user_srtp1 is a template expression",
            Vec::new(),
        ),
        finding(
            "SN-ADMIN-MODE",
            Status::Unknown,
            Severity::Medium,
            "admin_mode is not set and its default is unconfirmed",
            Vec::new(),
        ),
    ];

    Fleet {
        devices: vec![(grp, grp_findings), (snom, snom_findings)],
        skipped: vec![Skipped {
            file: PathBuf::from("phones/README.txt"),
            reason: "not a phone configuration".to_owned(),
        }],
        errors: vec![InputError {
            file: PathBuf::from("phones/cfg000b82ddeeff.xml"),
            line: Some(7),
            column: Some(3),
            message: "unexpected end of file inside <config>".to_owned(),
        }],
        observations: Vec::new(),
    }
}

/// Two scanned hosts as `voipguard scan` reports them: a Kamailio proxy (make no control covers)
/// with a scanner filter and a SIP-TLS port accepting TLS 1.0, and a Grandstream phone with one
/// failure and no observation.
pub fn scanned_hosts() -> Fleet {
    let mut proxy = Device::new(
        "127.0.0.7",
        Vendor::Site,
        Family::Unknown,
        FamilyBasis::Assumed,
    );
    proxy.sources = vec![
        file("sip://127.0.0.7:5060/udp"),
        file("sip://127.0.0.7:5061/tls"),
    ];
    let mut phone = Device::new(
        "127.0.0.8",
        Vendor::Grandstream,
        Family::Unknown,
        FamilyBasis::Assumed,
    );
    phone.sources = vec![file("ssh://127.0.0.8:22")];
    let ssh = Evidence {
        file: Some(file("ssh://127.0.0.8:22")),
        line: None,
        column: None,
        setting: "banner".to_owned(),
        value: "SSH-2.0-OpenSSH_9.2p1".to_owned(),
        default: false,
    };
    Fleet {
        devices: vec![
            (proxy, Vec::new()),
            (
                phone,
                vec![finding(
                    "GS-SSH-OFF",
                    Status::Fail,
                    Severity::High,
                    "SSH answers at ssh://127.0.0.8:22",
                    vec![ssh],
                )],
            ),
        ],
        skipped: Vec::new(),
        errors: Vec::new(),
        observations: vec![vec![
            Observation {
                kind: ObservationKind::ScannerFilter,
                message: "drops scanner-like OPTIONS while answering voipguard's: a scanner filter (hardening)".to_owned(),
                evidence: vec![
                    "sip://127.0.0.7:5060/udp: OPTIONS answered 200 OK".to_owned(),
                    "sip://127.0.0.7:5060/udp: 7 scanner-like OPTIONS (User-Agent friendly-scanner) unanswered".to_owned(),
                ],
            },
            Observation {
                kind: ObservationKind::LegacyTls,
                message: "SIP-TLS at sip://127.0.0.7:5061/tls still accepts TLS 1.0 (deprecated by RFC 8996) <old>".to_owned(),
                evidence: vec!["sip://127.0.0.7:5061/tls: protocol versions: still accepts TLS 1.0".to_owned()],
            },
        ]],
    }
}
