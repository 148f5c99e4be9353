//! The JSON contract (version 1, documented in `docs/json-output.md`), written as a stream.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use serde_json::value::RawValue;
use voipguard_model::{Evidence, Finding, Observation};

use crate::{
    DeviceResult, DeviceScore, Emitter, InputError, JSON_VERSION, Options, Skipped, Summary,
};

/// Streams `{"version":1,"devices":[…],"skipped":[…],"errors":[…],"summary":{…}}`.
pub struct JsonEmitter<'w> {
    out: Box<dyn Write + 'w>,
    options: Options,
    devices_written: usize,
    /// Each check's title and remediation as JSON, serialised once per run: they are the same in
    /// every finding of the check, and escaping them again per device was most of the report's
    /// cost on a large fleet.
    check_parts: HashMap<&'static str, CheckParts>,
    /// One device's JSON, built in memory and written at once: serde's many small writes are
    /// cheap into a `Vec` and costly through a `dyn Write`.
    device_buffer: Vec<u8>,
}

impl<'w> JsonEmitter<'w> {
    /// An emitter writing to `out`.
    pub fn new(out: Box<dyn Write + 'w>, options: Options) -> Self {
        JsonEmitter {
            out,
            options,
            devices_written: 0,
            check_parts: HashMap::new(),
            device_buffer: Vec::new(),
        }
    }
}

/// A check's parts that every finding of it repeats, as JSON text.
struct CheckParts {
    title: Box<RawValue>,
    remediation: Box<RawValue>,
}

impl CheckParts {
    fn of(options: &Options, finding: &Finding) -> serde_json::Result<Self> {
        let view = finding_json(options, finding);
        Ok(CheckParts {
            title: serde_json::value::to_raw_value(view.title)?,
            remediation: serde_json::value::to_raw_value(&view.remediation)?,
        })
    }
}

/// [`FindingJson`] with its repeated parts already serialised; the same JSON.
#[derive(Serialize)]
struct StreamedFindingJson<'a> {
    check: &'a str,
    control: &'a str,
    status: &'a str,
    severity: &'a str,
    title: &'a RawValue,
    message: &'a str,
    evidence: &'a [Evidence],
    remediation: &'a RawValue,
}

#[derive(Serialize)]
struct DeviceJson<'a> {
    id: &'a str,
    vendor: &'a str,
    family: &'a str,
    family_basis: voipguard_model::FamilyBasis,
    model: Option<&'a str>,
    mac: Option<&'a str>,
    templated: bool,
    sources: Vec<&'a Path>,
    score: DeviceScore,
    findings: Vec<StreamedFindingJson<'a>>,
    /// Additive within version 1: absent when empty, so an audit's document is unchanged.
    #[serde(skip_serializing_if = "<[Observation]>::is_empty")]
    observations: &'a [Observation],
}

/// One finding as the contract spells it; shared with the SARIF and HTML emitters.
#[derive(Serialize)]
pub(crate) struct FindingJson<'a> {
    pub check: &'a str,
    pub control: &'a str,
    pub status: &'a str,
    pub severity: &'a str,
    pub title: &'a str,
    pub message: &'a str,
    pub evidence: &'a [Evidence],
    pub remediation: RemediationJson<'a>,
}

#[derive(Serialize)]
pub(crate) struct RemediationJson<'a> {
    pub text: &'a str,
    pub formats: &'a BTreeMap<String, String>,
}

pub(crate) fn finding_json<'a>(options: &Options, finding: &'a Finding) -> FindingJson<'a> {
    let check = options
        .catalogue
        .get(finding.check)
        .map(|check| &check.meta);
    static NO_FORMATS: BTreeMap<String, String> = BTreeMap::new();
    FindingJson {
        check: finding.check,
        control: finding.control,
        status: finding.status.as_str(),
        severity: finding.severity.as_str(),
        title: check.map_or("", |meta| meta.title.as_str()),
        message: &finding.message,
        evidence: &finding.evidence,
        remediation: RemediationJson {
            text: check.map_or("", |meta| meta.remediation.text.as_str()),
            formats: check.map_or(&NO_FORMATS, |meta| &meta.remediation.formats),
        },
    }
}

fn device_json<'a>(
    check_parts: &'a HashMap<&'static str, CheckParts>,
    result: DeviceResult<'a>,
) -> DeviceJson<'a> {
    let device = result.device;
    DeviceJson {
        id: &device.id,
        vendor: device.vendor.as_str(),
        family: device.family.as_str(),
        family_basis: device.family_basis,
        model: device.model.as_deref(),
        mac: device.mac.as_deref(),
        templated: device.templated,
        sources: device.sources.iter().map(|path| path.as_path()).collect(),
        score: DeviceScore::of(result.findings),
        findings: result
            .findings
            .iter()
            // `device` put every finding's parts in the map before calling this.
            .filter_map(|finding| {
                let parts = check_parts.get(finding.check)?;
                Some(StreamedFindingJson {
                    check: finding.check,
                    control: finding.control,
                    status: finding.status.as_str(),
                    severity: finding.severity.as_str(),
                    title: &parts.title,
                    message: &finding.message,
                    evidence: &finding.evidence,
                    remediation: &parts.remediation,
                })
            })
            .collect(),
        observations: result.observations,
    }
}

impl JsonEmitter<'_> {
    /// Writes everything before the first device.
    fn open_document(&mut self) -> io::Result<()> {
        write!(
            self.out,
            "{{\"version\":{JSON_VERSION},\"tool\":{{\"name\":\"voipguard\",\"version\":\"{}\"}},\"devices\":[",
            env!("CARGO_PKG_VERSION")
        )
    }
}

impl Emitter for JsonEmitter<'_> {
    fn device(&mut self, result: DeviceResult<'_>) -> io::Result<()> {
        if self.devices_written == 0 {
            self.open_document()?;
        } else {
            self.out.write_all(b",")?;
        }
        self.devices_written += 1;
        for finding in result.findings {
            if !self.check_parts.contains_key(finding.check) {
                let parts = CheckParts::of(&self.options, finding)?;
                self.check_parts.insert(finding.check, parts);
            }
        }
        self.device_buffer.clear();
        serde_json::to_writer(
            &mut self.device_buffer,
            &device_json(&self.check_parts, result),
        )?;
        self.out.write_all(&self.device_buffer)
    }

    fn finish(
        &mut self,
        skipped: &[Skipped],
        errors: &[InputError],
        summary: &Summary,
    ) -> io::Result<()> {
        if self.devices_written == 0 {
            self.open_document()?;
        }
        self.out.write_all(b"],\"skipped\":")?;
        serde_json::to_writer(&mut self.out, skipped)?;
        self.out.write_all(b",\"errors\":")?;
        serde_json::to_writer(&mut self.out, errors)?;
        self.out.write_all(b",\"summary\":")?;
        serde_json::to_writer(&mut self.out, summary)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()
    }
}
