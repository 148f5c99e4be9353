//! Where `voipguard guard` reads from: log files followed across rotation, standard input (or any
//! byte stream) and the Asterisk manager interface (AMI) security events.
//!
//! Every source runs as a Tokio task that sends [`SourceMessage`]s on one bounded channel: items
//! (a complete log line, or one whole AMI event block) and status reports the caller logs (a file
//! opened, rotated or truncated, an AMI connection lost and won back, errors). A full channel
//! makes the sources wait: a flood cannot grow memory without bound.
//!
//! ```no_run
//! # async fn run(shutdown: impl std::future::Future<Output = ()>) -> Result<(), voipguard_logsource::SourceError> {
//! use std::time::Duration;
//! use voipguard_logsource::{AmiConfig, FileConfig, OffsetStore, Secret, SourceId, SourceMessage, Sources};
//!
//! let offsets = OffsetStore::load("/var/lib/voipguard/offsets.json")?;
//! let (mut sources, mut messages) = Sources::new(offsets, 1024, Duration::from_secs(5));
//! sources.follow_file(SourceId::new("messages"), FileConfig::new("/var/log/asterisk/messages"));
//! sources.subscribe_ami(
//!     SourceId::new("ami"),
//!     AmiConfig::new("127.0.0.1:5038", "voipguard", Secret::new("from the config file")),
//! );
//! let mut shutdown = std::pin::pin!(shutdown); // tokio::signal::ctrl_c(), SIGTERM…
//! let mut stopping = false;
//! loop {
//!     tokio::select! {
//!         message = messages.recv() => match message {
//!             Some(SourceMessage::Item(item)) => { /* parse item.text */ }
//!             Some(SourceMessage::Status(status)) => { /* log status (it is Display) */ }
//!             None => break, // every source stopped; everything sent was received
//!         },
//!         () = &mut shutdown, if !stopping => {
//!             sources.stop();
//!             stopping = true;
//!         }
//!     }
//! }
//! sources.join().await?; // waits for the tasks and writes the offsets one last time
//! # Ok(()) }
//! ```
//!
//! Files are polled, not watched with inotify: polling sees rotation by rename, copytruncate and a
//! file replaced while the guard was down with one mechanism, works on every filesystem (NFS,
//! overlay, bind mounts into containers, where inotify misses writes made elsewhere), needs no
//! extra dependency, and at the default 250 ms costs a few `stat` calls a second. A guard reacts
//! in seconds anyway (it counts failures over minutes).
#![deny(missing_docs)]

mod ami;
mod file;
mod lines;
mod offsets;
mod reader;
#[cfg(feature = "simulator")]
pub mod simulator;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;

pub use ami::{AmiConfig, Secret};
pub use file::{FileConfig, StartPosition};
pub use offsets::{FileOffset, OffsetStore};

/// The name the caller gave a source (`"messages"`, `"ami"`, `"stdin"`), carried by everything
/// it sends. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(Arc<str>);

impl SourceId {
    /// A source named `name`.
    pub fn new(name: impl AsRef<str>) -> Self {
        Self(Arc::from(name.as_ref()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a source read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceItem {
    /// The source that read it.
    pub source: SourceId,
    /// A line or an AMI event.
    pub kind: ItemKind,
    /// A line without its line ending (invalid UTF-8 replaced by U+FFFD), or an AMI event block:
    /// its `Key: value` lines each ended by `\r\n`, from `Event: …` up to (not including) the
    /// blank line that ends it.
    pub text: String,
}

/// The shape of [`SourceItem::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// One complete log line.
    Line,
    /// One AMI event block.
    AmiEvent,
}

/// A report about a source, for the caller's log.
#[derive(Debug)]
pub struct SourceStatus {
    /// The source it is about.
    pub source: SourceId,
    /// What happened.
    pub kind: StatusKind,
}

impl fmt::Display for SourceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.kind)
    }
}

/// What happened to a source.
#[derive(Debug)]
pub enum StatusKind {
    /// A followed file was opened; reading starts at `offset`.
    Opened {
        /// The followed path.
        path: PathBuf,
        /// Where reading starts.
        offset: u64,
        /// The offset is the one saved by a previous run for this very file.
        resumed: bool,
    },
    /// The followed path does not exist (yet); it is looked for at every poll.
    Missing {
        /// The followed path.
        path: PathBuf,
    },
    /// The path now names another file (rotation by rename and create): the old file was read to
    /// its end, the new one is read from its start.
    Rotated {
        /// The followed path.
        path: PathBuf,
    },
    /// The file shrank below what was read, or its first bytes changed (copytruncate, or
    /// rewritten in place): it is read again from its start.
    Truncated {
        /// The followed path.
        path: PathBuf,
        /// Its size when this was seen.
        size: u64,
    },
    /// A line longer than the limit was cut there; its rest was dropped.
    LineTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A byte stream (standard input) reached its end; the source is done.
    Ended,
    /// Logged in to AMI.
    AmiConnected {
        /// `host:port` as configured.
        address: String,
        /// The version in the AMI banner (`Asterisk Call Manager/7.0.3` gives `7.0.3`).
        version: String,
    },
    /// The AMI connection was lost or could not be made; the next try is after `retry_in`.
    AmiDisconnected {
        /// `host:port` as configured.
        address: String,
        /// Why.
        reason: String,
        /// The back-off before the next try.
        retry_in: Duration,
    },
    /// Logged in to AMI again after a disconnection.
    AmiReconnected {
        /// `host:port` as configured.
        address: String,
        /// Connection attempts it took since the connection was lost.
        attempts: u32,
    },
    /// Something failed; the source goes on trying where that makes sense.
    Error(SourceError),
}

impl fmt::Display for StatusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Opened {
                path,
                offset,
                resumed: true,
            } => {
                write!(f, "following {} from saved offset {offset}", path.display())
            }
            Self::Opened {
                path,
                offset,
                resumed: false,
            } => {
                write!(f, "following {} from offset {offset}", path.display())
            }
            Self::Missing { path } => {
                write!(f, "{} does not exist yet, waiting for it", path.display())
            }
            Self::Rotated { path } => {
                write!(f, "{} was rotated, reading the new file", path.display())
            }
            Self::Truncated { path, size } => {
                write!(
                    f,
                    "{} was truncated to {size} bytes, reading it again from the start",
                    path.display()
                )
            }
            Self::LineTooLong { limit } => write!(f, "a line longer than {limit} bytes was cut"),
            Self::Ended => f.write_str("end of input"),
            Self::AmiConnected { address, version } => {
                write!(
                    f,
                    "logged in to AMI at {address} (Asterisk Call Manager/{version})"
                )
            }
            Self::AmiDisconnected {
                address,
                reason,
                retry_in,
            } => {
                write!(f, "AMI at {address}: {reason}; retrying in {retry_in:?}")
            }
            Self::AmiReconnected { address, attempts } => {
                write!(
                    f,
                    "logged in to AMI at {address} again after {attempts} attempt(s)"
                )
            }
            Self::Error(error) => write!(f, "{error}"),
        }
    }
}

/// Everything a source sends.
#[derive(Debug)]
pub enum SourceMessage {
    /// A line or an AMI event to parse.
    Item(SourceItem),
    /// A report to log.
    Status(SourceStatus),
}

/// A failure of a source or of the offset store. Never holds an AMI secret.
#[derive(Debug, Error)]
pub enum SourceError {
    /// A read, write or connection failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done (`reading /var/log/asterisk/messages`).
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Asterisk refused the AMI login.
    #[error("AMI login to {address} as '{username}' refused: {message}")]
    AmiLoginRefused {
        /// `host:port` as configured.
        address: String,
        /// The AMI user.
        username: String,
        /// Asterisk's `Message:` (`Authentication failed`).
        message: String,
    },
    /// The peer does not speak AMI as expected.
    #[error("AMI at {address}: {detail}")]
    AmiProtocol {
        /// `host:port` as configured.
        address: String,
        /// What was wrong.
        detail: String,
    },
    /// The offsets state file cannot be used.
    #[error("offsets state file {}: {detail}", path.display())]
    StateFile {
        /// The state file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// A source task ended abnormally.
    #[error("a source task failed: {0}")]
    Task(String),
}

/// The running sources: spawns them, stops them (all, or one by name), and keeps their offsets
/// saved.
///
/// Must be created and used inside a Tokio runtime (sources are spawned tasks).
#[derive(Debug)]
pub struct Sources {
    sender: Option<mpsc::Sender<SourceMessage>>,
    /// Stops the offsets writer.
    stop: watch::Sender<bool>,
    running: HashMap<SourceId, Running>,
    tasks: JoinSet<()>,
    offsets: OffsetStore,
}

/// One source's task, as [`Sources::stop_source`] needs it.
#[derive(Debug)]
struct Running {
    stop: watch::Sender<bool>,
    /// Resolves (with an error) once the task ended: its sender is dropped with the task.
    ended: oneshot::Receiver<()>,
}

impl Sources {
    /// Sources sending on a channel of `capacity` messages (the returned receiver), writing
    /// `offsets` to its state file every `save_every` while any offset changed. A failed write
    /// is reported as a [`StatusKind::Error`] from the source named `offsets`.
    pub fn new(
        offsets: OffsetStore,
        capacity: usize,
        save_every: Duration,
    ) -> (Self, mpsc::Receiver<SourceMessage>) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let (stop, _) = watch::channel(false);
        let mut sources = Self {
            sender: Some(sender),
            stop,
            running: HashMap::new(),
            tasks: JoinSet::new(),
            offsets,
        };
        let store = sources.offsets.clone();
        if let Some(mut out) = sources.emitter(SourceId::new("offsets"), sources.stop.subscribe()) {
            sources.tasks.spawn(async move {
                while out.sleep(save_every).await.is_ok() {
                    if let Err(error) = store.save() {
                        // A full disk must not stop the guard; the next save tries again.
                        if out.status(StatusKind::Error(error)).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
        (sources, receiver)
    }

    /// Follows the file `config.path` (see [`FileConfig`]).
    ///
    /// Like every source, it replaces (stops) a source already running under the same name; to
    /// follow the same path again without reading any line twice, [`Sources::stop_source`] the
    /// old follower first: it returns once that follower's last offset is recorded.
    pub fn follow_file(&mut self, source: SourceId, config: FileConfig) {
        let offsets = self.offsets.clone();
        self.spawn(source, move |out| file::follow(config, offsets, out));
    }

    /// Reads lines from `reader` (standard input: `tokio::io::stdin()`) until its end, then
    /// reports [`StatusKind::Ended`]. A last line without a newline is delivered at the end.
    pub fn read_lines<R>(&mut self, source: SourceId, reader: R)
    where
        R: tokio::io::AsyncRead + Send + Unpin + 'static,
    {
        self.spawn(source, move |out| reader::read_lines(reader, out));
    }

    /// Subscribes to AMI security events (see [`AmiConfig`]).
    pub fn subscribe_ami(&mut self, source: SourceId, config: AmiConfig) {
        self.spawn(source, move |out| ami::run(config, out));
    }

    /// Stops the source named `source` (an AMI source logs off first) and waits until its task
    /// has ended, so that nothing more comes from it and its offset is final. Says whether such
    /// a source was running. Items it sent before stopping stay on the channel.
    pub async fn stop_source(&mut self, source: &SourceId) -> bool {
        let Some(running) = self.running.remove(source) else {
            return false;
        };
        running.stop.send_replace(true);
        // An error is the expected outcome: the task ended and dropped the sender.
        let _ = running.ended.await;
        true
    }

    /// Asks every source to stop (an AMI source logs off first). Sources spawned afterwards do
    /// not run. Once all have stopped, the receiver yields `None`.
    pub fn stop(&mut self) {
        self.stop.send_replace(true);
        for running in self.running.values() {
            running.stop.send_replace(true);
        }
        self.sender = None;
    }

    /// Stops the sources if not yet done, waits for them, then writes the offsets.
    ///
    /// The saved offsets cover exactly the lines put on the channel: to process every one of
    /// them, receive until the channel yields `None` (it does once all sources stopped) before
    /// calling this.
    pub async fn join(mut self) -> Result<(), SourceError> {
        self.stop();
        let mut failure = None;
        while let Some(outcome) = self.tasks.join_next().await {
            if let Err(error) = outcome {
                failure.get_or_insert(SourceError::Task(error.to_string()));
            }
        }
        self.offsets.save()?;
        failure.map_or(Ok(()), Err)
    }

    fn emitter(&self, source: SourceId, stop: watch::Receiver<bool>) -> Option<Emitter> {
        let sender = self.sender.as_ref()?;
        Some(Emitter {
            source,
            sender: sender.clone(),
            stop,
        })
    }

    fn spawn<F, Fut>(&mut self, source: SourceId, task: F)
    where
        F: FnOnce(Emitter) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (stop, stop_requested) = watch::channel(false);
        let Some(out) = self.emitter(source.clone(), stop_requested) else {
            return;
        };
        let (ended_sender, ended) = oneshot::channel();
        let task = task(out);
        self.tasks.spawn(async move {
            task.await;
            drop(ended_sender);
        });
        if let Some(replaced) = self.running.insert(source, Running { stop, ended }) {
            replaced.stop.send_replace(true);
        }
    }
}

/// The source's task must end: a stop was asked for, or nobody receives any more.
#[derive(Debug)]
pub(crate) struct Stopped;

/// A task's way out: sends for one source, and sleeps, both cut short by a stop.
pub(crate) struct Emitter {
    source: SourceId,
    sender: mpsc::Sender<SourceMessage>,
    stop: watch::Receiver<bool>,
}

impl Emitter {
    pub(crate) async fn item(&mut self, kind: ItemKind, text: String) -> Result<(), Stopped> {
        let item = SourceItem {
            source: self.source.clone(),
            kind,
            text,
        };
        self.send(SourceMessage::Item(item)).await
    }

    pub(crate) async fn status(&mut self, kind: StatusKind) -> Result<(), Stopped> {
        let status = SourceStatus {
            source: self.source.clone(),
            kind,
        };
        self.send(SourceMessage::Status(status)).await
    }

    pub(crate) async fn sleep(&mut self, duration: Duration) -> Result<(), Stopped> {
        tokio::select! {
            biased;
            () = stop_requested(&mut self.stop) => Err(Stopped),
            () = tokio::time::sleep(duration) => Ok(()),
        }
    }

    /// Delivers a piece cut by a `LineAssembler` whose limit is `max_line`.
    pub(crate) async fn piece(
        &mut self,
        piece: lines::Piece,
        max_line: usize,
    ) -> Result<(), Stopped> {
        if let Some(line) = piece.line {
            self.item(ItemKind::Line, line).await?;
        }
        if piece.overlong {
            self.status(StatusKind::LineTooLong { limit: max_line })
                .await?;
        }
        Ok(())
    }

    /// Resolves once a stop is asked for; for a task's own `select!`.
    pub(crate) async fn stopped(&mut self) {
        stop_requested(&mut self.stop).await;
    }

    async fn send(&mut self, message: SourceMessage) -> Result<(), Stopped> {
        // After a stop nothing more is delivered, so the saved offsets cover exactly what was.
        tokio::select! {
            biased;
            () = stop_requested(&mut self.stop) => Err(Stopped),
            sent = self.sender.send(message) => sent.map_err(|_| Stopped),
        }
    }
}

async fn stop_requested(stop: &mut watch::Receiver<bool>) {
    // An error means `Sources` was dropped: stop as well.
    let _ = stop.wait_for(|stop| *stop).await;
}
