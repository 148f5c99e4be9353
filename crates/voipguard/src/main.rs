//! `voipguard`: keeps a VoIP fleet secure. This binary is the command-line edge: it parses
//! arguments, wires the library crates together and maps outcomes to exit codes.

mod audit;
mod cli;
mod facts;
mod guard;
mod inputs;
mod inventory;
mod rules;
mod scan;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

/// Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage error or unreadable input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above the threshold.
    Clean,
    /// Findings at or above the threshold.
    Findings,
    /// Some input could not be read or parsed.
    InputErrors,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let usage_error = err.use_stderr();
            let _ = err.print();
            return ExitCode::from(if usage_error { 2 } else { 0 });
        }
    };
    // The daemon's log is its output: bans and alerts are reported at info.
    let quiet_default = match &cli.command {
        Command::Guard(args) if guard::is_daemon(args) => "info",
        // Intrusive checks leave an audit trail of every request they send.
        Command::Scan(args) if !args.intrusive.is_empty() => "info",
        _ => "warn",
    };
    init_logging(cli.verbose_logs, quiet_default);
    match run(cli) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Ok(Outcome::InputErrors) => ExitCode::from(2),
        Err(err) => {
            #[allow(clippy::print_stderr)] // the binary's edge is where errors are shown
            {
                eprintln!("voipguard: error: {err:#}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Audit(args) => audit::run(&args),
        Command::Rules(args) => rules::list(&args).map(|()| Outcome::Clean),
        Command::Explain(args) => rules::explain(&args).map(|()| Outcome::Clean),
        Command::Facts(command) => facts::run(&command).map(|()| Outcome::Clean),
        Command::Scan(args) => scan::run(&args),
        Command::Guard(args) => guard::run(&args).map(|()| Outcome::Clean),
    }
}

fn init_logging(verbose: u8, quiet_default: &str) {
    let default = match verbose {
        0 => quiet_default,
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("VOIPGUARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
