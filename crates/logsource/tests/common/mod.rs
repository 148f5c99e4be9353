//! Waiting on the sources' channel with a deadline, so a broken source fails a test instead of
//! hanging it.
#![allow(
    dead_code,
    reason = "each test file uses its own part of these helpers"
)]

use std::time::Duration;

use tokio::sync::mpsc::Receiver;
use voipguard_logsource::{SourceItem, SourceMessage, SourceStatus, StatusKind};

pub const DEADLINE: Duration = Duration::from_secs(10);

pub async fn next(messages: &mut Receiver<SourceMessage>) -> SourceMessage {
    match tokio::time::timeout(DEADLINE, messages.recv()).await {
        Ok(Some(message)) => message,
        Ok(None) => panic!("the sources ended"),
        Err(_) => panic!("nothing received within {DEADLINE:?}"),
    }
}

/// The next item; statuses before it are returned too, in order.
pub async fn next_item(messages: &mut Receiver<SourceMessage>) -> (SourceItem, Vec<SourceStatus>) {
    let mut statuses = Vec::new();
    loop {
        match next(messages).await {
            SourceMessage::Item(item) => return (item, statuses),
            SourceMessage::Status(status) => statuses.push(status),
        }
    }
}

/// The texts of the next `count` items, failing on any error status among them.
pub async fn texts(messages: &mut Receiver<SourceMessage>, count: usize) -> Vec<String> {
    let mut texts = Vec::new();
    while texts.len() < count {
        let (item, statuses) = next_item(messages).await;
        for status in statuses {
            assert!(!matches!(status.kind, StatusKind::Error(_)), "{status}");
        }
        texts.push(item.text);
    }
    texts
}

/// The first status `wanted` accepts; items before it fail the test.
pub async fn status_where(
    messages: &mut Receiver<SourceMessage>,
    wanted: impl Fn(&StatusKind) -> bool,
) -> SourceStatus {
    loop {
        match next(messages).await {
            SourceMessage::Status(status) if wanted(&status.kind) => return status,
            SourceMessage::Status(_) => {}
            SourceMessage::Item(item) => panic!("unexpected item before the status: {item:?}"),
        }
    }
}

/// Nothing is delivered during `quiet` (a negative check can only wait).
pub async fn assert_no_item(messages: &mut Receiver<SourceMessage>, quiet: Duration) {
    let deadline = tokio::time::Instant::now() + quiet;
    while let Ok(message) = tokio::time::timeout_at(deadline, messages.recv()).await {
        if let Some(SourceMessage::Item(item)) = message {
            panic!("unexpected item: {item:?}");
        }
    }
}
