//! The JSON contract (version 1, documented in `docs/json-output.md`), written as a stream.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use voipguard_model::{Evidence, Finding};

use crate::{
    DeviceResult, DeviceScore, Emitter, InputError, JSON_VERSION, Options, Skipped, Summary,
};

/// Streams `{"version":1,"devices":[…],"skipped":[…],"errors":[…],"summary":{…}}`.
pub struct JsonEmitter<'w> {
    out: Box<dyn Write + 'w>,
    options: Options,
    devices_written: usize,
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
            device_buffer: Vec::new(),
        }
    }
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
    findings: Vec<FindingJson<'a>>,
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

fn device_json<'a>(options: &Options, result: DeviceResult<'a>) -> DeviceJson<'a> {
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
            .map(|finding| finding_json(options, finding))
            .collect(),
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
        self.device_buffer.clear();
        serde_json::to_writer(&mut self.device_buffer, &device_json(&self.options, result))?;
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
