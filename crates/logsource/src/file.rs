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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Completes the known first bytes with `chunk`, read from `position` up to `end`.
    fn learn_prefix(&mut self, chunk: &[u8], end: u64) {
        let known = u64::try_from(self.prefix.len()).unwrap_or(u64::MAX);
        let wanted = u64::try_from(FINGERPRINT_LEN).unwrap_or(u64::MAX).min(end);
        if self.position <= known && known < wanted {
            let from = usize::try_from(known - self.position).unwrap_or(usize::MAX);
            let to = usize::try_from(wanted - self.position).unwrap_or(usize::MAX);
            self.prefix
                .extend_from_slice(chunk.get(from..to).unwrap_or_default());
        }
    }

    /// Whether the file still begins with the bytes seen so far; leaves the position at
    /// `resume_at`.
    async fn starts_as_before(&mut self, resume_at: u64) -> std::io::Result<bool> {
        if self.prefix.is_empty() {
            return Ok(true);
        }
        let now = read_prefix(&mut self.file, self.prefix.len()).await?;
        self.file.seek(SeekFrom::Start(resume_at)).await?;
        Ok(now == self.prefix)
    }

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
    /// No file was opened nor found missing yet: only then may a saved offset or
    /// [`FileConfig::first_start`] apply (a failed open leaves it set, so that a permission
    /// problem fixed later still resumes at the saved offset).
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
        let Some(open) = &self.open else {
            return match on_disk {
                Some(_) => self.open_and_drain(out).await,
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
        self.open_and_drain(out).await
    }

    async fn report_missing(&mut self, out: &mut Emitter) -> Result<(), PollError> {
        // A file that appears later is new: all of it is to be read.
        self.first_look = false;
        if !std::mem::replace(&mut self.reported_missing, true) {
            out.status(StatusKind::Missing {
                path: self.config.path.clone(),
            })
            .await?;
        }
        Ok(())
    }

    async fn open_and_drain(&mut self, out: &mut Emitter) -> Result<(), PollError> {
        let file = File::open(&self.config.path)
            .await
            .map_err(|error| self.io_error("opening", error))?;
        let (open, resumed) = self
            .position_new_file(file)
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
    async fn position_new_file(&mut self, mut file: File) -> std::io::Result<(OpenFile, bool)> {
        let metadata = file.metadata().await?;
        let identity = Identity::of(&metadata);
        let size = metadata.len();
        let prefix = read_prefix(&mut file, FINGERPRINT_LEN).await?;
        self.lines.clear();
        let mut inside_a_line = false;
        let (start, resumed) = match self.offsets.get(&self.config.path) {
            _ if !self.first_look => (0, false),
            Some(saved) if is_same_file(&saved, identity, &prefix, size) => (saved.offset, true),
            Some(_) => (0, false),
            None if self.config.first_start == StartPosition::Beginning => (0, false),
            None => {
                if size > 0 && !ends_a_line(&mut file, size).await? {
                    // A writer is in the middle of a line: its start is not ours to deliver.
                    self.lines.skip_to_next_line();
                    inside_a_line = true;
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
        // Saved at once, so that lines appended while the guard is down are read after a
        // restart; but an offset inside a line is no place to resume from.
        if !inside_a_line {
            self.offsets.set(&self.config.path, open.saved());
        }
        self.first_look = false;
        Ok((open, resumed))
    }

    /// Starts over from offset 0 when the file shrank below what was read, or was refilled to
    /// the same size (copytruncate).
    async fn restart_if_truncated(&mut self, out: &mut Emitter) -> Result<(), PollError> {
        let Some(open) = &mut self.open else {
            return Ok(());
        };
        let size = match open.file.metadata().await {
            Ok(metadata) => metadata.len(),
            Err(error) => return Err(self.io_error("checking", error)),
        };
        let rewritten = if size < open.position {
            true
        } else if size == open.position && size > 0 {
            // Truncated and refilled to exactly the size read: there is nothing new to read (so
            // `drain` sees nothing), only the first bytes tell. One 64-byte read per poll.
            match open.starts_as_before(size).await {
                Ok(same) => !same,
                Err(error) => return Err(self.io_error("reading", error)),
            }
        } else {
            false
        };
        if rewritten {
            self.start_over(out).await?;
        }
        Ok(())
    }

    /// Reads the open file again from its start: it was truncated, or rewritten in place.
    async fn start_over(&mut self, out: &mut Emitter) -> Result<(), PollError> {
        let Some(open) = &mut self.open else {
            return Ok(());
        };
        let rewound = async {
            let size = open.file.metadata().await?.len();
            open.file.seek(SeekFrom::Start(0)).await?;
            Ok::<_, std::io::Error>(size)
        };
        let size = match rewound.await {
            Ok(size) => size,
            Err(error) => return Err(self.io_error("reading", error)),
        };
        let Some(open) = &mut self.open else {
            return Ok(());
        };
        open.position = 0;
        open.delivered = 0;
        open.prefix.clear();
        self.offsets.set(&self.config.path, open.saved());
        self.lines.clear();
        out.status(StatusKind::Truncated {
            path: self.config.path.clone(),
            size,
        })
        .await?;
        Ok(())
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
            let end = open.position + u64::try_from(count).unwrap_or(u64::MAX);
            // Truncated and refilled past our position between two polls (or between the
            // poll's size check and this read): the bytes just read belong to new content that
            // must be read from its start. Checking after the read leaves no window: if the
            // first bytes are still ours now, the chunk was read before any truncation.
            match open.starts_as_before(end).await {
                Ok(true) => {}
                Ok(false) => {
                    self.start_over(out).await?;
                    continue;
                }
                Err(error) => return Err(self.io_error("reading", error)),
            }
            let bytes = self.chunk.get(..count).unwrap_or_default();
            open.learn_prefix(bytes, end);
            open.position = end;
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
