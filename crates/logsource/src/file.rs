//! Following a log file across rotation (rename and create, copytruncate), a file that does not
//! exist yet, and restarts (persisted offsets).

use std::fs::Metadata;
use std::io::{ErrorKind, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::lines::LineAssembler;
use crate::offsets::{FINGERPRINT_LEN, FileOffset, OffsetStore, fingerprint};
use crate::{Emitter, SourceError, StatusKind, Stopped};

/// Where to start in a file the offsets know nothing about on the guard's first start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartPosition {
    /// At its end, like `tail -f` and fail2ban: history is not replayed.
    #[default]
    End,
    /// At its beginning: the whole file is read.
    Beginning,
}

/// How to follow one file.
#[derive(Debug, Clone)]
pub struct FileConfig {
    /// The path followed; whatever file it names over time (keep it absolute: it keys the
    /// offsets).
    pub path: PathBuf,
    /// How often the path is checked for new data, rotation and truncation.
    pub poll_interval: Duration,
    /// Where to start when no offset was saved for the path. A file created after the guard
    /// started, or replacing the one whose offset was saved, is always read from its start.
    pub first_start: StartPosition,
    /// The longest line delivered whole; longer ones are cut and their rest dropped.
    pub max_line_len: usize,
}

impl FileConfig {
    /// Follows `path`, polling every 250 ms, starting at its end on a first start, lines up to
    /// 64 KiB.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            poll_interval: Duration::from_millis(250),
            first_start: StartPosition::End,
            max_line_len: 64 * 1024,
        }
    }
}

pub(crate) async fn follow(config: FileConfig, offsets: OffsetStore, mut out: Emitter) {
    let mut follower = Follower {
        lines: LineAssembler::new(config.max_line_len),
        chunk: vec![0; 64 * 1024],
        config,
        offsets,
        open: None,
        first_look: true,
        reported_missing: false,
        last_error: None,
    };
    loop {
        match follower.poll(&mut out).await {
            Ok(()) => follower.last_error = None,
            Err(PollError::Stopped) => return,
            Err(PollError::Io(context, source)) => {
                // The same failure at every poll (a permission problem) is reported once.
                let described = format!("{context}: {source}");
                if follower.last_error.as_ref() != Some(&described) {
                    follower.last_error = Some(described);
                    let error = SourceError::Io { context, source };
                    if out.status(StatusKind::Error(error)).await.is_err() {
                        return;
                    }
                }
            }
        }
        if out.sleep(follower.config.poll_interval).await.is_err() {
            return;
        }
    }
}

enum PollError {
    Stopped,
    Io(String, std::io::Error),
}

impl From<Stopped> for PollError {
    fn from(_: Stopped) -> Self {
        Self::Stopped
    }
}

/// Which file a path named: a rename keeps it, a new file changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    dev: u64,
    inode: u64,
}

impl Identity {
    fn of(metadata: &Metadata) -> Self {
        Self {
            dev: metadata.dev(),
            inode: metadata.ino(),
        }
    }
}

struct OpenFile {
    file: File,
    identity: Identity,
    /// Bytes of the file read so far (the read position).
    position: u64,
    /// Offset after the last piece delivered; what is saved.
    delivered: u64,
    /// The file's first bytes (up to `FINGERPRINT_LEN`), to see it rewritten in place and to
    /// recognise it after a restart.
    prefix: Vec<u8>,
}

impl OpenFile {
    fn saved(&self) -> FileOffset {
        let covered = self
            .prefix
            .len()
            .min(usize::try_from(self.delivered).unwrap_or(usize::MAX));
        let bytes = self.prefix.get(..covered).unwrap_or_default();
        FileOffset {
            dev: self.identity.dev,
            inode: self.identity.inode,
            offset: self.delivered,
            fingerprint_len: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            fingerprint: fingerprint(bytes),
        }
    }
}

struct Follower {
    config: FileConfig,
    offsets: OffsetStore,
    open: Option<OpenFile>,
    lines: LineAssembler,
    chunk: Vec<u8>,
    /// No poll has looked at the path yet: only then may a saved offset or
    /// [`FileConfig::first_start`] apply.
    first_look: bool,
    reported_missing: bool,
    last_error: Option<String>,
}

impl Follower {
    async fn poll(&mut self, out: &mut Emitter) -> Result<(), PollError> {
        let on_disk = match tokio::fs::metadata(&self.config.path).await {
            Ok(metadata) => Some(Identity::of(&metadata)),
            Err(error) if error.kind() == ErrorKind::NotFound => None,
            Err(error) => return Err(self.io_error("checking", error)),
        };
        let first_look = std::mem::replace(&mut self.first_look, false);
        let Some(open) = &self.open else {
            return match on_disk {
                Some(_) => self.open_and_drain(first_look, out).await,
                None => self.report_missing(out).await,
            };
        };
        if on_disk == Some(open.identity) {
            self.restart_if_truncated(out).await?;
            return self.drain(out).await;
        }
        // Rotated (or deleted): the writer may still have written to the old file before it
        // reopened the path, so read the old file to its end first.
        self.drain(out).await?;
        if on_disk.is_none() {
            // Renamed but not yet re-created: keep reading the old file until the new one exists.
            return Ok(());
        }
        if let Some(piece) = self.lines.finish() {
            // The old file will not grow any more, so its unterminated last line is complete.
            out.piece(piece, self.config.max_line_len).await?;
        }
        self.open = None;
        out.status(StatusKind::Rotated {
            path: self.config.path.clone(),
        })
        .await?;
        self.open_and_drain(false, out).await
    }

    async fn report_missing(&mut self, out: &mut Emitter) -> Result<(), PollError> {
        if !std::mem::replace(&mut self.reported_missing, true) {
            out.status(StatusKind::Missing {
                path: self.config.path.clone(),
            })
            .await?;
        }
        Ok(())
    }

    async fn open_and_drain(
        &mut self,
        first_look: bool,
        out: &mut Emitter,
    ) -> Result<(), PollError> {
        let file = File::open(&self.config.path)
            .await
            .map_err(|error| self.io_error("opening", error))?;
        let (open, resumed) = self
            .position_new_file(file, first_look)
            .await
            .map_err(|error| self.io_error("reading", error))?;
        self.reported_missing = false;
        let offset = open.position;
        self.open = Some(open);
        out.status(StatusKind::Opened {
            path: self.config.path.clone(),
            offset,
            resumed,
        })
        .await?;
        self.drain(out).await
    }

    /// Chooses where to start in a freshly opened file, and seeks there.
    async fn position_new_file(
        &mut self,
        mut file: File,
        first_look: bool,
    ) -> std::io::Result<(OpenFile, bool)> {
        let metadata = file.metadata().await?;
        let identity = Identity::of(&metadata);
        let size = metadata.len();
        let prefix = read_prefix(&mut file, FINGERPRINT_LEN).await?;
        self.lines.clear();
        let (start, resumed) = match self.offsets.get(&self.config.path) {
            _ if !first_look => (0, false),
            Some(saved) if is_same_file(&saved, identity, &prefix, size) => (saved.offset, true),
            Some(_) => (0, false),
            None if self.config.first_start == StartPosition::Beginning => (0, false),
            None => {
                if size > 0 && !ends_a_line(&mut file, size).await? {
                    // A writer is in the middle of a line: its start is not ours to deliver.
                    self.lines.skip_to_next_line();
                }
                (size, false)
            }
        };
        file.seek(SeekFrom::Start(start)).await?;
        let open = OpenFile {
            file,
            identity,
            position: start,
            delivered: start,
            prefix,
        };
        self.offsets.set(&self.config.path, open.saved());
        Ok((open, resumed))
    }

    /// Starts over from offset 0 when the file shrank below what was read (copytruncate) or its
    /// first bytes changed (truncated and written past the old size between two polls).
    async fn restart_if_truncated(&mut self, out: &mut Emitter) -> Result<(), PollError> {
        let Some(open) = &mut self.open else {
            return Ok(());
        };
        let checked = async {
            let size = open.file.metadata().await?.len();
            let rewritten = size < open.position
                || (size > open.position
                    && !open.prefix.is_empty()
                    && read_prefix(&mut open.file, open.prefix.len()).await? != open.prefix);
            if rewritten {
                open.file.seek(SeekFrom::Start(0)).await?;
                open.position = 0;
                open.delivered = 0;
                open.prefix.clear();
            } else {
                open.file.seek(SeekFrom::Start(open.position)).await?;
            }
            Ok::<_, std::io::Error>(rewritten.then_some(size))
        }
        .await;
        match checked {
            Ok(Some(size)) => {
                self.lines.clear();
                if let Some(open) = &self.open {
                    self.offsets.set(&self.config.path, open.saved());
                }
                out.status(StatusKind::Truncated {
                    path: self.config.path.clone(),
                    size,
                })
                .await?;
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(error) => Err(self.io_error("reading", error)),
        }
    }

    /// Reads the open file to its current end, delivering every complete line.
    async fn drain(&mut self, out: &mut Emitter) -> Result<(), PollError> {
        loop {
            let Some(open) = &mut self.open else {
                return Ok(());
            };
            let count = match open.file.read(&mut self.chunk).await {
                Ok(0) => return Ok(()),
                Ok(count) => count,
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(error) => return Err(self.io_error("reading", error)),
            };
            let bytes = self.chunk.get(..count).unwrap_or_default();
            if open.prefix.len() < FINGERPRINT_LEN
                && u64::try_from(open.prefix.len()) == Ok(open.position)
            {
                let wanted = (FINGERPRINT_LEN - open.prefix.len()).min(bytes.len());
                open.prefix
                    .extend_from_slice(bytes.get(..wanted).unwrap_or_default());
            }
            open.position += u64::try_from(count).unwrap_or(u64::MAX);
            self.lines.extend(bytes);
            while let Some(piece) = self.lines.next_piece() {
                let consumed = piece.consumed;
                out.piece(piece, self.config.max_line_len).await?;
                open.delivered += consumed;
                self.offsets.set(&self.config.path, open.saved());
            }
        }
    }

    fn io_error(&self, doing: &str, error: std::io::Error) -> PollError {
        PollError::Io(format!("{doing} {}", self.config.path.display()), error)
    }
}

fn is_same_file(saved: &FileOffset, identity: Identity, prefix: &[u8], size: u64) -> bool {
    let covered = usize::try_from(saved.fingerprint_len)
        .ok()
        .and_then(|len| prefix.get(..len));
    saved.dev == identity.dev
        && saved.inode == identity.inode
        && saved.offset <= size
        && covered.is_some_and(|bytes| fingerprint(bytes) == saved.fingerprint)
}

/// The first `len` bytes of the file (fewer if it is shorter); leaves the position anywhere.
async fn read_prefix(file: &mut File, len: usize) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(0)).await?;
    let mut prefix = Vec::with_capacity(len);
    (&mut *file)
        .take(u64::try_from(len).unwrap_or(u64::MAX))
        .read_to_end(&mut prefix)
        .await?;
    Ok(prefix)
}

/// Whether the byte just before `offset` is a newline.
async fn ends_a_line(file: &mut File, offset: u64) -> std::io::Result<bool> {
    file.seek(SeekFrom::Start(offset.saturating_sub(1))).await?;
    let mut last = [0];
    let read = file.read(&mut last).await?;
    Ok(read == 1 && last == [b'\n'])
}
