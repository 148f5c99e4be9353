//! `voipguard guard`: the daemon (`--config`), `status`, and `--replay`.

mod config;
mod daemon;
mod own_addresses;
mod replay;
mod state;
mod status;

use std::path::Path;

use crate::cli::{DEFAULT_GUARD_CONFIG, GuardArgs, GuardCommand};
use config::LoadedConfig;

/// Runs `voipguard guard`.
pub fn run(args: &GuardArgs) -> anyhow::Result<()> {
    if let Some(GuardCommand::Status(status)) = &args.command {
        return status::run(status);
    }
    if !args.replay.is_empty() {
        let settings = match &args.config {
            Some(path) => replay::Settings::of(&LoadedConfig::load(path)?),
            None => replay::Settings::default(),
        };
        return replay::run(args, settings);
    }
    let path = args
        .config
        .as_deref()
        .unwrap_or(Path::new(DEFAULT_GUARD_CONFIG));
    daemon::run(LoadedConfig::load(path)?)
}

/// Whether the command line starts the long-running guard (whose log is its output).
pub fn is_daemon(args: &GuardArgs) -> bool {
    args.command.is_none() && args.replay.is_empty()
}
