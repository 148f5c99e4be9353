//! `voipguard audit`: read files, build devices, run the checks, stream the report.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use voipguard_checks::{Catalogue, Target};
use voipguard_facts::{Facts, Kind};
use voipguard_model::{Device, Family, FamilyBasis, Finding, Severity, Vendor};
use voipguard_parsers::{Keep, Parsed};
use voipguard_report::{DeviceResult, InputError, Options, Skipped, Summary};

use crate::Outcome;
use crate::cli::{AuditArgs, ColorChoice, FailOn, OutputFormat};
use crate::facts::{self, Recognised};
use crate::inputs;
use crate::inventory::{self, Inventory};

/// Files audited in parallel before their results are written, in input order. Small enough to
/// keep memory flat whatever the fleet size. (256 measured no faster: the wait at a chunk's end
/// for its slowest file is lost in the machine's noise.)
const CHUNK: usize = 64;

/// What one file (or PBX folder, or facts file) gave.
pub(crate) enum FileResult {
    Device(Box<Device>, Vec<Finding>),
    Skipped(Skipped),
    Error(InputError),
}

/// How phone files are read: which settings to keep, and how devices learn their model when the
/// files do not say it.
struct FileReading<'a> {
    keep: Keep,
    model: Option<(String, Family)>,
    inventory: Option<&'a Inventory>,
}

/// Runs the audit and returns the exit outcome.
pub fn run(args: &AuditArgs) -> anyhow::Result<Outcome> {
    voipguard_checks::password::prepare();
    let catalogue = voipguard_checks::catalogue()
        .map_err(|err| anyhow::anyhow!("the built-in catalogue is broken: {err}"))?;
    let model = match &args.model {
        Some(model) => match Family::from_model(model) {
            Some(family) => Some((model.clone(), family)),
            None => bail!(
                "unknown model `{model}` (expected a Grandstream GRP/WP/GXP/GXV/HT/GDS or Snom model name)"
            ),
        },
        None => None,
    };
    let inventory_file = args
        .inventory
        .clone()
        .or_else(|| inventory::discover(&args.paths));
    let inventory = inventory_file.as_deref().map(Inventory::load).transpose()?;
    let sources = FileReading {
        keep: Keep::only(catalogue.settings_read()),
        model,
        inventory: inventory.as_ref(),
    };
    let (work, errors) = gather(&args.paths);
    let mut output = Output::open(args.output.as_deref())?;
    let options = Options {
        catalogue,
        color: use_color(args),
        verbose: args.verbose,
    };
    let emitter = voipguard_report::emitter(report_format(args.format), output.writer(), options);
    let mut report = Report {
        emitter,
        summary: Summary::default(),
        skipped: Vec::new(),
        errors,
    };
    audit_all(catalogue, &sources, work, &mut |result| report.take(result))?;
    let (summary, errors) = report.finish()?;
    output.commit()?;

    Ok(if !errors.is_empty() {
        Outcome::InputErrors
    } else if threshold(args.fail_on).is_some_and(|threshold| summary.fails_at_or_above(threshold))
    {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Audits `paths` as `voipguard audit` does (models from `inventory`), handing every result to
/// `take` instead of a report: how `voipguard scan --audit` gets the devices it sets beside
/// the live hosts.
pub(crate) fn audit_paths(
    paths: &[PathBuf],
    inventory: Option<&Inventory>,
    take: &mut dyn FnMut(FileResult) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    voipguard_checks::password::prepare();
    let catalogue = voipguard_checks::catalogue()
        .map_err(|err| anyhow::anyhow!("the built-in catalogue is broken: {err}"))?;
    let sources = FileReading {
        keep: Keep::only(catalogue.settings_read()),
        model: None,
        inventory,
    };
    let (work, errors) = gather(paths);
    for error in errors {
        take(FileResult::Error(error))?;
    }
    audit_all(catalogue, &sources, work, take)
}

/// Sorts what `paths` name by how it is read; the paths that cannot be read are errors.
fn gather(paths: &[PathBuf]) -> (Work, Vec<InputError>) {
    let inputs::Inputs {
        files,
        asterisk_sets,
        mut errors,
    } = inputs::collect(paths);
    let mut facts_files = Vec::new();
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|path| match facts::recognise(path) {
            Recognised::Facts(read) => {
                facts_files.push(FactsFile {
                    facts: *read,
                    found_in: None,
                });
                false
            }
            Recognised::Invalid(error) => {
                errors.push(error);
                false
            }
            Recognised::Other => true,
        })
        .collect();
    // A `.toml` file inside a PBX folder that is not a facts file is none of voipguard's business.
    for set in &asterisk_sets {
        for path in &set.toml_files {
            match facts::recognise(path) {
                Recognised::Facts(read) => facts_files.push(FactsFile {
                    facts: *read,
                    found_in: Some(set.folder.clone()),
                }),
                Recognised::Invalid(error) => errors.push(error),
                Recognised::Other => {}
            }
        }
    }
    let asterisk_sets = asterisk_sets.into_iter().map(|set| set.folder).collect();
    let work = Work {
        files,
        asterisk_sets,
        facts_files,
    };
    (work, errors)
}

/// What the command line named, sorted by how it is read.
struct Work {
    files: Vec<PathBuf>,
    asterisk_sets: Vec<PathBuf>,
    facts_files: Vec<FactsFile>,
}

/// A facts file read, and the Asterisk folder it was found inside, if any.
struct FactsFile {
    facts: Facts,
    found_in: Option<PathBuf>,
}

impl FactsFile {
    /// True when these facts describe the PBX in `folder`: ScopTEL facts whose `device` names the
    /// folder, or that were found inside it and name no other audited folder (a copy of
    /// `/etc/asterisk` keeps the `device` its original was given; the file's place says which
    /// PBX it belongs to).
    fn describes(&self, folder: &Path, audited: &[PathBuf]) -> bool {
        if self.facts.kind != Kind::Scoptel {
            return false;
        }
        let device = &self.facts.device.id;
        facts::names_folder(device, folder)
            || (self.found_in.as_deref() == Some(folder)
                && !audited
                    .iter()
                    .any(|other| other != folder && facts::names_folder(device, other)))
    }
}

/// Audits every PBX folder (with the facts files naming it), the other facts files, then the
/// phone files in parallel chunks, handing each result to `take` in a stable order.
fn audit_all(
    catalogue: &'static Catalogue,
    sources: &FileReading<'_>,
    work: Work,
    take: &mut dyn FnMut(FileResult) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Work {
        files,
        asterisk_sets,
        mut facts_files,
    } = work;
    let progress = progress_bar(files.len() + asterisk_sets.len() + facts_files.len());
    for folder in &asterisk_sets {
        let (own_facts, others): (Vec<FactsFile>, _) = facts_files
            .into_iter()
            .partition(|read| read.describes(folder, &asterisk_sets));
        facts_files = others;
        let own_facts = own_facts.into_iter().map(|read| read.facts).collect();
        take(audit_asterisk_set(catalogue, folder, own_facts))?;
        progress.inc(1);
    }
    // Facts describing no audited PBX folder describe a device of their own.
    for FactsFile { facts: read, .. } in facts_files {
        let findings = voipguard_checks::evaluate(catalogue, &read.device);
        take(FileResult::Device(Box::new(read.device), findings))?;
        progress.inc(1);
    }
    // While the pool audits one chunk, this thread writes the results of the one before, so
    // writing the report never leaves the workers idle.
    let mut audited: Vec<FileResult> = Vec::new();
    for chunk in files.chunks(CHUNK).map(Some).chain([None]) {
        let mut next = Vec::new();
        let written = rayon::in_place_scope(|scope| {
            if let Some(chunk) = chunk {
                scope.spawn(|_| {
                    next = chunk
                        .par_iter()
                        .map(|path| audit_file(catalogue, sources, path))
                        .collect();
                });
            }
            let count = audited.len();
            for result in audited.drain(..) {
                take(result)?;
            }
            progress.inc(count as u64);
            anyhow::Ok(())
        });
        written?;
        audited = next;
    }
    progress.finish_and_clear();
    Ok(())
}

/// Where results go: the report, the run's counts, and the files skipped or in error.
struct Report<'w> {
    emitter: Box<dyn voipguard_report::Emitter + 'w>,
    summary: Summary,
    skipped: Vec<Skipped>,
    errors: Vec<InputError>,
}

impl Report<'_> {
    fn take(&mut self, result: FileResult) -> anyhow::Result<()> {
        match result {
            FileResult::Device(device, findings) => {
                self.summary.add_device(&findings);
                self.emitter
                    .device(DeviceResult {
                        device: &device,
                        findings: &findings,
                        observations: &[],
                    })
                    .context("cannot write the report")?;
            }
            FileResult::Skipped(file) => self.skipped.push(file),
            FileResult::Error(error) => self.errors.push(error),
        }
        Ok(())
    }

    /// Writes what concerns the whole run; the counts and errors decide the exit code.
    fn finish(self) -> anyhow::Result<(Summary, Vec<InputError>)> {
        let Report {
            mut emitter,
            mut summary,
            skipped,
            errors,
        } = self;
        summary.skipped = skipped.len();
        summary.errors = errors.len();
        emitter
            .finish(&skipped, &errors, &summary)
            .context("cannot write the report")?;
        Ok((summary, errors))
    }
}

/// An Asterisk configuration folder is one PBX device. Problems inside its files (a missing
/// `#include`, an `#exec`) are findings of the AST-CONFIG check, not input errors: a partial copy
/// of `/etc/asterisk` is still worth auditing. ScopTEL facts files naming the folder join the
/// device (and those found inside it, see [`FactsFile::describes`]), so its GUI facts and its
/// configuration are judged together.
fn audit_asterisk_set(
    catalogue: &'static Catalogue,
    folder: &Path,
    facts: Vec<Facts>,
) -> FileResult {
    let set = match voipguard_asterisk::ConfigSet::load(folder) {
        Ok(set) => set,
        Err(error) => {
            return FileResult::Error(InputError {
                file: folder.to_path_buf(),
                line: None,
                column: None,
                message: format!(
                    "cannot read the Asterisk configuration folder: {}",
                    error.source
                ),
            });
        }
    };
    let mut device = Device::new(
        folder.display().to_string(),
        Vendor::Asterisk,
        Family::Asterisk,
        FamilyBasis::Content,
    );
    let mut files: Vec<PathBuf> = set
        .configs
        .iter()
        .flat_map(|config| config.files_read.iter())
        .map(|file| folder.join(file))
        .collect();
    files.sort();
    files.dedup();
    device.sources = files.into_iter().map(Arc::new).collect();
    for read in facts {
        device.sources.extend(read.device.sources);
        device.settings.extend(read.device.settings);
    }
    let findings = voipguard_checks::evaluate(
        catalogue,
        Target {
            device: &device,
            asterisk: Some(&set),
        },
    );
    FileResult::Device(Box::new(device), findings)
}

fn audit_file(catalogue: &'static Catalogue, sources: &FileReading<'_>, path: &Path) -> FileResult {
    let bytes = match inputs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => return FileResult::Error(error),
    };
    match voipguard_parsers::parse_keeping(path, &bytes, &sources.keep) {
        Ok(Parsed::Device(mut device)) => {
            apply_model(&mut device, sources, path);
            let findings = voipguard_checks::evaluate(catalogue, &*device);
            // Reports need the device's identity, not its settings: drop them to keep memory flat.
            device.settings.clear();
            FileResult::Device(device, findings)
        }
        Ok(Parsed::Skipped { reason }) => {
            tracing::debug!(file = %path.display(), %reason, "skipped");
            FileResult::Skipped(Skipped {
                file: path.to_path_buf(),
                reason,
            })
        }
        Err(error) => FileResult::Error(InputError {
            file: error.file,
            line: Some(error.line),
            column: Some(error.column),
            message: error.message,
        }),
    }
}

/// `--model` wins over the inventory, which wins over what the file says.
fn apply_model(device: &mut Device, sources: &FileReading<'_>, path: &Path) {
    let (model, family, basis) = if let Some((model, family)) = &sources.model {
        (model.as_str(), *family, FamilyBasis::ModelOption)
    } else if let Some((model, family)) = sources
        .inventory
        .and_then(|inventory| inventory.lookup(device.mac.as_deref(), path))
    {
        (model, family, FamilyBasis::Inventory)
    } else {
        return;
    };
    device.model = Some(model.to_owned());
    device.family = family;
    device.family_basis = basis;
}

/// The severity `--fail-on` names, or `None` for `never`.
pub(crate) fn threshold(fail_on: FailOn) -> Option<Severity> {
    match fail_on {
        FailOn::Low => Some(Severity::Low),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::High => Some(Severity::High),
        FailOn::Critical => Some(Severity::Critical),
        FailOn::Never => None,
    }
}

fn report_format(format: OutputFormat) -> voipguard_report::Format {
    match format {
        OutputFormat::Text => voipguard_report::Format::Text,
        OutputFormat::Json => voipguard_report::Format::Json,
        OutputFormat::Sarif => voipguard_report::Format::Sarif,
        OutputFormat::Html => voipguard_report::Format::Html,
    }
}

fn use_color(args: &AuditArgs) -> bool {
    match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// A progress bar on a terminal for runs long enough to need one; hidden when piped.
fn progress_bar(files: usize) -> ProgressBar {
    if files < 200 || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(files as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} files {per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// Where the report goes: standard output, or a file replaced atomically when the run ends.
enum Output {
    Stdout(io::BufWriter<io::Stdout>),
    File {
        temporary: tempfile::NamedTempFile,
        target: PathBuf,
    },
}

impl Output {
    fn open(path: Option<&Path>) -> anyhow::Result<Output> {
        let Some(target) = path else {
            return Ok(Output::Stdout(io::BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            )));
        };
        let folder = target
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let temporary = tempfile::NamedTempFile::new_in(folder)
            .with_context(|| format!("cannot create a file in {}", folder.display()))?;
        Ok(Output::File {
            temporary,
            target: target.to_path_buf(),
        })
    }

    fn writer(&mut self) -> Box<dyn Write + '_> {
        match self {
            Output::Stdout(stdout) => Box::new(stdout),
            Output::File { temporary, .. } => Box::new(io::BufWriter::new(temporary.as_file_mut())),
        }
    }

    /// Moves a file report into place; nothing to do for standard output.
    fn commit(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut stdout) => stdout.flush().context("cannot write to standard output"),
            Output::File { temporary, target } => {
                temporary
                    .persist(&target)
                    .with_context(|| format!("cannot write {}", target.display()))?;
                Ok(())
            }
        }
    }
}
