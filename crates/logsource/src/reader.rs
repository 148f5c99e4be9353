//! Lines from a byte stream until its end: standard input fed by `journalctl -f -o cat`.

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::lines::LineAssembler;
use crate::{Emitter, SourceError, StatusKind, Stopped};

/// The longest line delivered whole; the rest is dropped (see `LineAssembler`).
const MAX_LINE: usize = 64 * 1024;

pub(crate) async fn read_lines<R: AsyncRead + Unpin>(reader: R, mut out: Emitter) {
    let _ = deliver_all(reader, &mut out).await;
}

async fn deliver_all<R: AsyncRead + Unpin>(
    mut reader: R,
    out: &mut Emitter,
) -> Result<(), Stopped> {
    let mut lines = LineAssembler::new(MAX_LINE);
    let mut chunk = vec![0; 64 * 1024];
    loop {
        let read = tokio::select! {
            biased;
            () = out.stopped() => return Err(Stopped),
            read = reader.read(&mut chunk) => read,
        };
        match read {
            Ok(0) => break,
            Ok(count) => {
                lines.extend(chunk.get(..count).unwrap_or_default());
                while let Some(piece) = lines.next_piece() {
                    out.piece(piece, MAX_LINE).await?;
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => {
                let error = SourceError::Io {
                    context: "reading the input stream".to_owned(),
                    source,
                };
                out.status(StatusKind::Error(error)).await?;
                break;
            }
        }
    }
    if let Some(piece) = lines.finish() {
        out.piece(piece, MAX_LINE).await?;
    }
    out.status(StatusKind::Ended).await
}
