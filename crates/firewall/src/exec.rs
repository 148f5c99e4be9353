//! Running an external program (nft, a hook) with a deadline, without a shell.

use std::io::{self, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use crate::FirewallError;

/// How often a running child is polled; short, since nft usually answers in milliseconds.
const POLL: Duration = Duration::from_millis(5);
/// How long output may still arrive once the child has exited.
const PIPE_GRACE: Duration = Duration::from_secs(1);

/// Runs `argv` (program then arguments), feeds it `stdin`, and returns its standard output.
/// A non-zero exit, a failure to start and a run longer than `deadline` are errors naming the
/// command line and carrying the program's standard error.
pub(crate) fn run(
    argv: &[String],
    stdin: Option<&str>,
    deadline: Duration,
) -> Result<String, FirewallError> {
    let command = argv.join(" ");
    let Some((program, arguments)) = argv.split_first() else {
        return Err(FirewallError::InvalidCommand {
            message: "the command is empty".to_owned(),
        });
    };
    let mut child = Command::new(program)
        .args(arguments)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| FirewallError::Spawn {
            command: command.clone(),
            source,
        })?;

    // Every pipe gets its own thread so that a child filling one pipe while we block on
    // another cannot deadlock, and the deadline below is always enforced.
    if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
        let text = text.to_owned();
        thread::spawn(move || {
            // A child that exits without reading all of its input closes the pipe; its exit
            // status is what tells whether it failed.
            let _ = pipe.write_all(text.as_bytes());
        });
    }
    let stdout = child.stdout.take().map(reader);
    let stderr = child.stderr.take().map(reader);

    let status = wait_until(&mut child, Instant::now() + deadline).map_err(|source| {
        FirewallError::Spawn {
            command: command.clone(),
            source,
        }
    })?;
    let Some(status) = status else {
        return Err(FirewallError::TimedOut {
            command,
            after: deadline,
        });
    };
    let drained_by = Instant::now() + PIPE_GRACE;
    let stdout = collect(stdout, drained_by);
    if status.success() {
        return Ok(stdout);
    }
    Err(FirewallError::Failed {
        command,
        status: status.to_string(),
        stderr: collect(stderr, drained_by).trim().to_owned(),
    })
}

/// Waits for the child; past `deadline` kills it and returns `None`.
fn wait_until(child: &mut Child, deadline: Instant) -> io::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            // Already exited between the two calls is the only way kill can fail here.
            let _ = child.kill();
            child.wait()?;
            return Ok(None);
        }
        thread::sleep(POLL);
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = sender.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    receiver
}

/// What the child wrote, or nothing if the pipe is still open at `until`: a process the child
/// left running in the background (a hook's `cmd &`) can hold it open for ever.
fn collect(output: Option<Receiver<String>>, until: Instant) -> String {
    output
        .and_then(|receiver| {
            receiver
                .recv_timeout(until.saturating_duration_since(Instant::now()))
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn stdin_reaches_the_program_and_stdout_comes_back() {
        let out = run(
            &argv(&["cat"]),
            Some("add table inet x\n"),
            Duration::from_secs(5),
        );
        assert_eq!(out.ok().as_deref(), Some("add table inet x\n"));
    }

    #[test]
    fn failure_names_the_command_and_its_stderr() {
        let error = run(
            &argv(&[
                "sh",
                "-c",
                "echo 'Error: no such table' >&2; exit 3",
                "ignored",
            ]),
            None,
            Duration::from_secs(5),
        )
        .err()
        .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "`sh -c echo 'Error: no such table' >&2; exit 3 ignored` failed (exit status: 3): Error: no such table"
            )
        );
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let error = run(
            &argv(&["voipguard-no-such-program"]),
            None,
            Duration::from_secs(5),
        );
        assert!(
            matches!(&error, Err(FirewallError::Spawn { command, .. }) if command == "voipguard-no-such-program"),
            "{error:?}"
        );
    }

    #[test]
    fn a_hanging_program_is_killed_at_the_deadline() {
        let started = Instant::now();
        let error = run(&argv(&["sleep", "30"]), None, Duration::from_millis(200));
        assert!(
            matches!(error, Err(FirewallError::TimedOut { .. })),
            "{error:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_background_process_holding_the_pipes_does_not_hang_the_caller() {
        let started = Instant::now();
        let out = run(
            &argv(&["sh", "-c", "sleep 3 & echo done"]),
            None,
            Duration::from_secs(5),
        );
        assert_eq!(out.ok().as_deref(), Some(""));
        assert!(started.elapsed() < Duration::from_millis(2500));
    }

    #[test]
    fn an_empty_command_is_refused() {
        assert!(matches!(
            run(&[], None, Duration::from_secs(1)),
            Err(FirewallError::InvalidCommand { .. })
        ));
    }
}
