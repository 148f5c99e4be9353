//! `voipguard facts template`, and reading facts files for `voipguard audit`.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::Context as _;
use voipguard_facts::{Facts, Kind};
use voipguard_report::InputError;

use crate::cli::{FactsCommand, FactsKind};

/// Runs a `voipguard facts` subcommand.
pub fn run(command: &FactsCommand) -> anyhow::Result<()> {
    match command {
        FactsCommand::Template { kind } => {
            let kind = match kind {
                FactsKind::Allworx => Kind::Allworx,
                FactsKind::Scoptel => Kind::Scoptel,
                FactsKind::Site => Kind::Site,
            };
            let mut out = std::io::stdout().lock();
            out.write_all(voipguard_facts::template(kind).as_bytes())
                .and_then(|()| out.flush())
                .context("cannot write to standard output")
        }
    }
}

/// What a file on the command line turned out to be.
pub enum Recognised {
    /// A facts file, read and valid.
    Facts(Box<Facts>),
    /// A facts file that does not hold to its schema.
    Invalid(InputError),
    /// Not a facts file.
    Other,
}

/// Reads `path` as a facts file when its content declares a facts kind (`.toml` only, so phone
/// files are never read twice, and the `voipguard.toml` inventory never declares a kind).
pub fn recognise(path: &Path) -> Recognised {
    if path.extension().is_none_or(|ext| ext != "toml") {
        return Recognised::Other;
    }
    let bytes = match crate::inputs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => return Recognised::Invalid(error),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Recognised::Other;
    };
    if voipguard_facts::sniff(text).is_none() {
        return Recognised::Other;
    }
    match voipguard_facts::read(path, text) {
        Ok(facts) => Recognised::Facts(Box::new(facts)),
        Err(error) => Recognised::Invalid(InputError {
            file: error.file,
            line: Some(error.line),
            column: Some(error.column),
            message: error.message,
        }),
    }
}

/// True when a ScopTEL facts file's `device` names the Asterisk folder `folder`: the same path
/// as given on the command line (`pbx/` and `./pbx` alike), or the same folder on disk.
pub fn names_folder(device: &str, folder: &Path) -> bool {
    let normal = |path: &Path| -> PathBuf {
        path.components()
            .filter(|component| !matches!(component, Component::CurDir))
            .collect()
    };
    let named = Path::new(device);
    normal(named) == normal(folder)
        || matches!(
            (named.canonicalize(), folder.canonicalize()),
            (Ok(a), Ok(b)) if a == b
        )
}
