//! Lines from a byte stream, as from `journalctl -f -o cat | voipguard guard`.

mod common;

use std::time::Duration;

use common::{status_where, texts};
use tokio::io::AsyncWriteExt;
use voipguard_logsource::{OffsetStore, SourceId, Sources, StatusKind};

#[tokio::test]
async fn delivers_lines_as_they_come_and_reports_the_end() {
    let (mut sources, mut messages) =
        Sources::new(OffsetStore::in_memory(), 16, Duration::from_secs(60));
    let (mut writer, reader) = tokio::io::duplex(64);
    sources.read_lines(SourceId::new("stdin"), reader);

    writer
        .write_all(b"sshd[1]: Failed password for root from 192.0.2.7 port 22 ssh2\npart")
        .await
        .unwrap();
    assert_eq!(
        texts(&mut messages, 1).await,
        ["sshd[1]: Failed password for root from 192.0.2.7 port 22 ssh2"]
    );
    writer
        .write_all(b"ial\r\nbad \xc3\x28 byte\nno newline at the end")
        .await
        .unwrap();
    drop(writer);
    assert_eq!(
        texts(&mut messages, 3).await,
        ["partial", "bad \u{fffd}( byte", "no newline at the end"]
    );
    let ended = status_where(&mut messages, |kind| matches!(kind, StatusKind::Ended)).await;
    assert_eq!(ended.source.as_str(), "stdin");

    sources.stop();
    let after_stop = tokio::time::timeout(common::DEADLINE, messages.recv()).await;
    assert!(
        matches!(after_stop, Ok(None)),
        "the channel closes once every source stopped: {after_stop:?}"
    );
    sources.join().await.unwrap();
}
