//! A small AMI server standing in for Asterisk in tests (Asterisk cannot run here).
//!
//! What it simulates, after Asterisk's `main/manager.c` (`session_do`, `action_login`,
//! `astman_send_response_full`, `action_ping`, `action_logoff`): the banner
//! `Asterisk Call Manager/<version>\r\n` on connect; `Action: Login` answered
//! `Response: Success` + `Message: Authentication accepted`, or — after the same one-second delay
//! Asterisk makes (configurable here) — `Response: Error` + `Message: Authentication failed`, then
//! the connection is closed; the `Events` mask of the login (`on`, `off`, or a list of classes such
//! as `security`) deciding which events the session gets, by their `Privilege` classes;
//! `FullyBooted` for a mask including `system`; `ActionID` echoed; `Action: Ping` answered
//! `Ping: Pong`; `Action: Logoff` answered `Response: Goodbye` and the connection closed;
//! `\r\n` line endings and a blank line after every message.
//!
//! The events it replays come from the recording in
//! `shared/corpus/logs/ami_security_events_samples.txt` (SIPBAN issue #3, Asterisk 18 with AMI
//! debug fields, and the event comments in `sipban.pl`), cut out of that file by
//! [`parse_recorded_events`]. On command it sends more events or drops every connection, to
//! exercise reconnection.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::ami::{MessageReader, header};

/// The recorded AMI security events of the shared corpus.
pub fn recorded_events_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/logs/ami_security_events_samples.txt")
}

/// The event blocks of a recording written like `ami_security_events_samples.txt`: `#` lines are
/// comments, events are separated by blank lines. Each block comes back as it goes on the wire:
/// every line ended by `\r\n`, without the blank line after it.
pub fn parse_recorded_events(recording: &str) -> Vec<String> {
    let mut events = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in recording.lines().map(|line| line.trim_end_matches('\r')) {
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            push_event(&mut events, &mut block);
        } else {
            block.push(line);
        }
    }
    push_event(&mut events, &mut block);
    events
}

fn push_event(events: &mut Vec<String>, block: &mut Vec<&str>) {
    if block.first().is_some_and(|line| line.starts_with("Event:")) {
        events.push(block.iter().map(|line| format!("{line}\r\n")).collect());
    }
    block.clear();
}

/// How the simulated Asterisk behaves.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    /// The one manager.conf account.
    pub username: String,
    /// Its secret.
    pub secret: String,
    /// The AMI version in the banner (Asterisk 18 reports 7.0.x).
    pub version: String,
    /// Events sent to every session right after its login, in order (if its mask allows them).
    pub events_on_login: Vec<String>,
    /// The delay before refusing a login (Asterisk sleeps one second).
    pub refusal_delay: Duration,
    /// Whether `Action: Ping` is answered (a hung Asterisk answers nothing).
    pub answer_pings: bool,
}

impl SimulatorConfig {
    /// Account `username`/`secret`, AMI 7.0.3, no events, Asterisk's one-second refusal delay,
    /// pings answered.
    pub fn new(username: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            secret: secret.into(),
            version: "7.0.3".to_owned(),
            events_on_login: Vec::new(),
            refusal_delay: Duration::from_secs(1),
            answer_pings: true,
        }
    }
}

#[derive(Debug, Clone)]
enum Command {
    Event(Arc<str>),
    DropConnections,
}

#[derive(Debug, Default)]
struct Counters {
    logins: AtomicUsize,
    refusals: AtomicUsize,
    logoffs: AtomicUsize,
}

/// A running simulated AMI server on 127.0.0.1; stops when dropped.
#[derive(Debug)]
pub struct AmiSimulator {
    address: SocketAddr,
    commands: broadcast::Sender<Command>,
    counters: Arc<Counters>,
    listener: JoinHandle<()>,
}

impl AmiSimulator {
    /// Listens on a free port of 127.0.0.1.
    pub async fn start(config: SimulatorConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (commands, _) = broadcast::channel(1024);
        let counters = Arc::new(Counters::default());
        let config = Arc::new(config);
        let accepting = {
            let commands = commands.clone();
            let counters = Arc::clone(&counters);
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let session = Session {
                        config: Arc::clone(&config),
                        counters: Arc::clone(&counters),
                        commands: commands.subscribe(),
                    };
                    tokio::spawn(session.serve(stream));
                }
            })
        };
        Ok(Self {
            address,
            commands,
            counters,
            listener: accepting,
        })
    }

    /// Where it listens (`127.0.0.1:<port>`).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Sends `event` (a block as [`parse_recorded_events`] returns) to every logged-in session
    /// whose mask allows it.
    pub fn send_event(&self, event: &str) {
        let _ = self.commands.send(Command::Event(Arc::from(event)));
    }

    /// Closes every connection at once, as an Asterisk restart does.
    pub fn drop_connections(&self) {
        let _ = self.commands.send(Command::DropConnections);
    }

    /// Logins accepted so far.
    pub fn logins(&self) -> usize {
        self.counters.logins.load(Ordering::SeqCst)
    }

    /// Logins refused so far.
    pub fn refusals(&self) -> usize {
        self.counters.refusals.load(Ordering::SeqCst)
    }

    /// `Action: Logoff` received so far.
    pub fn logoffs(&self) -> usize {
        self.counters.logoffs.load(Ordering::SeqCst)
    }
}

impl Drop for AmiSimulator {
    fn drop(&mut self) {
        // Sessions end too: their command channel closes with `commands`.
        self.listener.abort();
    }
}

struct Session {
    config: Arc<SimulatorConfig>,
    counters: Arc<Counters>,
    commands: broadcast::Receiver<Command>,
}

/// Which event classes a session receives.
enum Mask {
    All,
    Classes(Vec<String>),
}

impl Mask {
    /// Asterisk's `strings_to_mask`: empty or a true word means all, a false word none, else
    /// a comma-separated list of classes.
    fn parse(events: Option<&str>) -> Self {
        match events.map(str::trim) {
            None | Some("") => Self::All,
            Some(word)
                if ["on", "yes", "true", "y", "t", "1"]
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(word)) =>
            {
                Self::All
            }
            Some(list) => Self::Classes(
                list.split(',')
                    .map(|class| class.trim().to_ascii_lowercase())
                    .collect(),
            ),
        }
    }

    fn allows(&self, privilege: Option<&str>) -> bool {
        match self {
            Self::All => true,
            Self::Classes(classes) => privilege.is_some_and(|privilege| {
                privilege
                    .split(',')
                    .map(str::trim)
                    .filter(|class| !class.eq_ignore_ascii_case("all"))
                    .any(|class| {
                        classes
                            .iter()
                            .any(|wanted| wanted.eq_ignore_ascii_case(class))
                    })
            }),
        }
    }
}

fn privilege_of(event: &str) -> Option<&str> {
    event
        .lines()
        .find_map(|line| line.strip_prefix("Privilege:").map(str::trim))
}

fn response(status: &str, action_id: Option<&str>, body: &str) -> String {
    let action_id = action_id
        .map(|id| format!("ActionID: {id}\r\n"))
        .unwrap_or_default();
    format!("Response: {status}\r\n{action_id}{body}\r\n")
}

impl Session {
    async fn serve(mut self, stream: TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut reader = MessageReader::new(read);
        let banner = format!("Asterisk Call Manager/{}\r\n", self.config.version);
        if write.write_all(banner.as_bytes()).await.is_err() {
            return;
        }
        let mut mask: Option<Mask> = None;
        loop {
            tokio::select! {
                message = reader.next_message() => {
                    let Ok(Some(message)) = message else { return };
                    if let Some(reply) = self.answer(&message, &mut mask).await
                        && (write.write_all(reply.text.as_bytes()).await.is_err() || reply.close)
                    {
                        return;
                    }
                }
                command = self.commands.recv() => match command {
                    Ok(Command::DropConnections) | Err(broadcast::error::RecvError::Closed) => return,
                    Ok(Command::Event(event)) => {
                        if mask.as_ref().is_some_and(|mask| mask.allows(privilege_of(&event))) {
                            let framed = format!("{event}\r\n");
                            if write.write_all(framed.as_bytes()).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                },
            }
        }
    }

    /// The reply to one action; `mask` is `Some` once logged in.
    async fn answer(&self, message: &[String], mask: &mut Option<Mask>) -> Option<Reply> {
        let action = header(message, "Action").unwrap_or_default();
        let id = header(message, "ActionID");
        let reply = |text: String, close: bool| Some(Reply { text, close });
        if action.eq_ignore_ascii_case("Login") {
            if mask.is_some() {
                return reply(
                    response("Success", id, "Message: Already authenticated\r\n"),
                    false,
                );
            }
            let accepted = header(message, "Username") == Some(self.config.username.as_str())
                && header(message, "Secret") == Some(self.config.secret.as_str());
            if !accepted {
                tokio::time::sleep(self.config.refusal_delay).await;
                self.counters.refusals.fetch_add(1, Ordering::SeqCst);
                return reply(
                    response("Error", id, "Message: Authentication failed\r\n"),
                    true,
                );
            }
            self.counters.logins.fetch_add(1, Ordering::SeqCst);
            let granted = Mask::parse(header(message, "Events"));
            let mut text = response("Success", id, "Message: Authentication accepted\r\n");
            if granted.allows(Some("system,all")) {
                text.push_str("Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 3600\r\nLastReload: 3600\r\nStatus: Fully Booted\r\n\r\n");
            }
            for event in self
                .config
                .events_on_login
                .iter()
                .filter(|event| granted.allows(privilege_of(event)))
            {
                text.push_str(event);
                text.push_str("\r\n");
            }
            *mask = Some(granted);
            return reply(text, false);
        }
        if action.eq_ignore_ascii_case("Logoff") {
            self.counters.logoffs.fetch_add(1, Ordering::SeqCst);
            return reply(
                response("Goodbye", id, "Message: Thanks for all the fish.\r\n"),
                true,
            );
        }
        if mask.is_none() {
            return reply(
                response("Error", id, "Message: Permission denied\r\n"),
                false,
            );
        }
        if action.eq_ignore_ascii_case("Ping") {
            if !self.config.answer_pings {
                return None;
            }
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let body = format!(
                "Ping: Pong\r\nTimestamp: {}.{:06}\r\n",
                now.as_secs(),
                now.subsec_micros()
            );
            return reply(response("Success", id, &body), false);
        }
        let body = format!(
            "Message: Invalid/unknown command: {action}. Use Action: ListCommands to show available commands.\r\n"
        );
        reply(response("Error", id, &body), false)
    }
}

struct Reply {
    text: String,
    close: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_select_events_by_privilege_class() {
        assert!(Mask::parse(Some("security")).allows(Some("security,all")));
        assert!(!Mask::parse(Some("security")).allows(Some("system,all")));
        assert!(!Mask::parse(Some("off")).allows(Some("security,all")));
        assert!(Mask::parse(None).allows(Some("call,all")));
        assert!(Mask::parse(Some("on")).allows(Some("call,all")));
    }
}
