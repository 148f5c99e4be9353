//! Following real files in temporary folders: appends, partial lines, rotation by rename and by
//! copytruncate, missing files, and restarts with persisted offsets.

mod common;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{assert_no_item, next_item, status_where, texts};
use tokio::sync::mpsc::Receiver;
use voipguard_logsource::{
    FileConfig, ItemKind, OffsetStore, SourceId, SourceMessage, Sources, StartPosition, StatusKind,
};

const POLL: Duration = Duration::from_millis(20);

fn config(path: &Path, first_start: StartPosition) -> FileConfig {
    FileConfig {
        poll_interval: POLL,
        first_start,
        ..FileConfig::new(path)
    }
}

fn follow(
    offsets: OffsetStore,
    path: &Path,
    first_start: StartPosition,
) -> (Sources, Receiver<SourceMessage>) {
    let (mut sources, messages) = Sources::new(offsets, 16, Duration::from_millis(50));
    sources.follow_file(SourceId::new("messages"), config(path, first_start));
    (sources, messages)
}

/// Follows `path` with the offsets saved in `state`, as a guard (re)started after a stop does.
fn follow_saved(
    state: &Path,
    path: &Path,
    first_start: StartPosition,
) -> (Sources, Receiver<SourceMessage>) {
    follow(OffsetStore::load(state).unwrap(), path, first_start)
}

fn append(path: &Path, text: &str) {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn log_in(folder: &tempfile::TempDir) -> PathBuf {
    folder.path().join("messages")
}

async fn opened_at(messages: &mut Receiver<SourceMessage>) -> (u64, bool) {
    let status = status_where(messages, |kind| matches!(kind, StatusKind::Opened { .. })).await;
    match status.kind {
        StatusKind::Opened {
            offset, resumed, ..
        } => (offset, resumed),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn delivers_appended_lines_but_not_history_on_a_first_start() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    append(&path, "[Jan  1 00:00:00] old line\n");
    let (sources, mut messages) = follow(OffsetStore::in_memory(), &path, StartPosition::End);
    assert_eq!(opened_at(&mut messages).await, (27, false));
    append(&path, "first\nsecond\r\n");
    let (item, _) = next_item(&mut messages).await;
    assert_eq!(
        (item.source.as_str(), item.kind, item.text.as_str()),
        ("messages", ItemKind::Line, "first")
    );
    assert_eq!(texts(&mut messages, 1).await, ["second"]);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn reads_history_when_asked_to_start_at_the_beginning() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    append(&path, "one\ntwo\n");
    let (sources, mut messages) = follow(OffsetStore::in_memory(), &path, StartPosition::Beginning);
    assert_eq!(texts(&mut messages, 2).await, ["one", "two"]);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn starting_at_the_end_inside_a_line_skips_that_line() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    append(&path, "old\nhalf a li");
    let (sources, mut messages) = follow(OffsetStore::in_memory(), &path, StartPosition::End);
    opened_at(&mut messages).await;
    append(&path, "ne written before the start\nnew\n");
    assert_eq!(texts(&mut messages, 1).await, ["new"]);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn a_restart_before_the_skipped_partial_line_ends_still_skips_it() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    let state = folder.path().join("offsets.json");
    append(&path, "old\nhalf a li");
    let (sources, mut messages) = follow_saved(&state, &path, StartPosition::End);
    opened_at(&mut messages).await;
    sources.join().await.unwrap();

    let (sources, mut messages) = follow_saved(&state, &path, StartPosition::End);
    opened_at(&mut messages).await;
    append(&path, "ne\nnew\n");
    assert_eq!(texts(&mut messages, 1).await, ["new"]);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn lines_appended_while_stopped_after_a_start_at_the_end_are_read() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    let state = folder.path().join("offsets.json");
    append(&path, "history\n");
    let (sources, mut messages) = follow_saved(&state, &path, StartPosition::End);
    opened_at(&mut messages).await;
    sources.join().await.unwrap();

    append(&path, "while stopped\n");
    let (sources, mut messages) = follow_saved(&state, &path, StartPosition::End);
    assert_eq!(opened_at(&mut messages).await, (8, true));
    assert_eq!(texts(&mut messages, 1).await, ["while stopped"]);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn holds_a_partial_line_until_its_newline() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    append(&path, "");
    let (sources, mut messages) = follow(OffsetStore::in_memory(), &path, StartPosition::Beginning);
    opened_at(&mut messages).await;
    append(&path, "Registration from '<sip:100@192.0.2.1>' fai");
    assert_no_item(&mut messages, POLL * 5).await;
    append(&path, "led for '192.0.2.1:5060' - Wrong password\nnext\n");
    assert_eq!(
        texts(&mut messages, 2).await,
        [
            "Registration from '<sip:100@192.0.2.1>' failed for '192.0.2.1:5060' - Wrong password",
            "next"
        ]
    );
    sources.join().await.unwrap();
}

#[tokio::test]
async fn invalid_utf8_is_delivered_lossily() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    std::fs::write(&path, b"user '\xff\xfe' failed\n").unwrap();
    let (sources, mut messages) = follow(OffsetStore::in_memory(), &path, StartPosition::Beginning);
    assert_eq!(
        texts(&mut messages, 1).await,
        ["user '\u{fffd}\u{fffd}' failed"]
    );
    sources.join().await.unwrap();
}

#[tokio::test]
async fn rotation_by_rename_and_create_loses_no_line_of_either_file() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    let mut writer = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap();
    writer.write_all(b"before\n").unwrap();
    let (sources, mut messages) = follow(OffsetStore::in_memory(), &path, StartPosition::Beginning);
    assert_eq!(texts(&mut messages, 1).await, ["before"]);

    // logrotate renames; the writer keeps its descriptor and writes on until it reopens.
    std::fs::rename(&path, folder.path().join("messages.1")).unwrap();
    writer.write_all(b"after the rename\nunterminated").unwrap();
    drop(writer);
    append(&path, "in the new file\n");

    let (item, statuses) = next_item(&mut messages).await;
    assert_eq!(item.text, "after the rename");
    assert!(statuses.is_empty(), "{statuses:?}");
    let (item, statuses) = next_item(&mut messages).await;
    assert_eq!(
        item.text, "unterminated",
        "the old file's last line is complete once it is rotated"
    );
    assert!(statuses.is_empty(), "{statuses:?}");
    let (item, statuses) = next_item(&mut messages).await;
    assert_eq!(item.text, "in the new file");
    assert!(
        matches!(
            statuses.first().map(|status| &status.kind),
            Some(StatusKind::Rotated { .. })
        ),
        "{statuses:?}"
    );
    assert!(
        matches!(
            statuses.get(1).map(|status| &status.kind),
            Some(StatusKind::Opened { offset: 0, .. })
        ),
        "{statuses:?}"
    );
    sources.join().await.unwrap();
}

#[tokio::test]
async fn a_rename_without_create_keeps_the_old_file_followed_until_the_new_one_appears() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    let mut writer = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap();
    let (sources, mut messages) = follow(OffsetStore::in_memory(), &path, StartPosition::Beginning);
    opened_at(&mut messages).await;
    std::fs::rename(&path, folder.path().join("messages.1")).unwrap();
    tokio::time::sleep(POLL * 3).await;
    writer
        .write_all(b"written long after the rename\n")
        .unwrap();
    assert_eq!(
        texts(&mut messages, 1).await,
        ["written long after the rename"]
    );
    append(&path, "new file\n");
    assert_eq!(texts(&mut messages, 1).await, ["new file"]);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn copytruncate_restarts_from_the_beginning() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    append(&path, "one\ntwo\n");
    let (sources, mut messages) = follow(OffsetStore::in_memory(), &path, StartPosition::Beginning);
    assert_eq!(texts(&mut messages, 2).await, ["one", "two"]);
    std::fs::copy(&path, folder.path().join("messages.1")).unwrap();
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&path, "3\n");
    let (item, statuses) = next_item(&mut messages).await;
    assert_eq!(item.text, "3");
    assert!(
        statuses
            .iter()
            .any(|status| matches!(status.kind, StatusKind::Truncated { .. })),
        "{statuses:?}"
    );
    sources.join().await.unwrap();
}

#[tokio::test]
async fn a_truncated_file_refilled_past_the_old_offset_is_read_from_the_beginning() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    append(&path, "short\n");
    let (sources, mut messages) = follow(OffsetStore::in_memory(), &path, StartPosition::Beginning);
    assert_eq!(texts(&mut messages, 1).await, ["short"]);
    // Whether a poll sees the empty file or only the refilled one, the new lines come whole.
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&path, "a much longer first line\nsecond\n");
    let (item, statuses) = next_item(&mut messages).await;
    assert_eq!(item.text, "a much longer first line");
    assert!(
        statuses
            .iter()
            .any(|status| matches!(status.kind, StatusKind::Truncated { .. })),
        "{statuses:?}"
    );
    assert_eq!(texts(&mut messages, 1).await, ["second"]);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn a_truncated_file_refilled_to_its_old_size_is_read_from_the_beginning() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    append(&path, "[08:00:01] one\n");
    let (sources, mut messages) = follow(OffsetStore::in_memory(), &path, StartPosition::Beginning);
    assert_eq!(texts(&mut messages, 1).await, ["[08:00:01] one"]);
    // Written in one go, so no poll sees the file shorter: only its first bytes changed.
    std::fs::write(&path, "[08:00:02] two\n").unwrap();
    assert_eq!(texts(&mut messages, 1).await, ["[08:00:02] two"]);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn waits_for_a_file_that_does_not_exist_yet_and_reads_it_whole() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    let (sources, mut messages) = follow(OffsetStore::in_memory(), &path, StartPosition::End);
    status_where(&mut messages, |kind| {
        matches!(kind, StatusKind::Missing { .. })
    })
    .await;
    append(&path, "created later\n");
    assert_eq!(opened_at(&mut messages).await, (0, false));
    assert_eq!(texts(&mut messages, 1).await, ["created later"]);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn a_restart_resumes_after_the_last_delivered_line() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    let state = folder.path().join("offsets.json");
    append(&path, "one\ntwo\n");

    let (sources, mut messages) = follow_saved(&state, &path, StartPosition::Beginning);
    assert_eq!(texts(&mut messages, 2).await, ["one", "two"]);
    append(&path, "three\nhalf");
    assert_eq!(texts(&mut messages, 1).await, ["three"]);
    sources.join().await.unwrap();

    append(&path, " of four\nfive\n");
    let (sources, mut messages) = follow_saved(&state, &path, StartPosition::Beginning);
    assert_eq!(
        opened_at(&mut messages).await,
        ("one\ntwo\nthree\n".len() as u64, true)
    );
    assert_eq!(texts(&mut messages, 2).await, ["half of four", "five"]);
    sources.join().await.unwrap();

    let (sources, mut messages) = follow_saved(&state, &path, StartPosition::Beginning);
    let everything = std::fs::metadata(&path).unwrap().len();
    assert_eq!(opened_at(&mut messages).await, (everything, true));
    assert_no_item(&mut messages, POLL * 5).await;
    sources.join().await.unwrap();
}

#[tokio::test]
async fn a_file_replaced_while_stopped_is_read_from_its_start() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    let state = folder.path().join("offsets.json");
    append(
        &path,
        "[2024-01-01 00:00:00] old one\n[2024-01-01 00:00:01] old two\n",
    );
    let (sources, mut messages) = follow_saved(&state, &path, StartPosition::Beginning);
    assert_eq!(texts(&mut messages, 2).await.len(), 2);
    sources.join().await.unwrap();

    std::fs::remove_file(&path).unwrap();
    append(&path, "[2024-01-02 00:00:00] new one\n");
    let (sources, mut messages) = follow_saved(&state, &path, StartPosition::End);
    assert_eq!(opened_at(&mut messages).await, (0, false));
    assert_eq!(
        texts(&mut messages, 1).await,
        ["[2024-01-02 00:00:00] new one"]
    );
    sources.join().await.unwrap();
}

#[tokio::test]
async fn a_file_rewritten_in_place_while_stopped_is_recognised_by_its_first_bytes() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    let state = folder.path().join("offsets.json");
    append(&path, "[2024-01-01 00:00:00] old\n");
    let (sources, mut messages) = follow_saved(&state, &path, StartPosition::Beginning);
    assert_eq!(texts(&mut messages, 1).await.len(), 1);
    sources.join().await.unwrap();

    // Same inode, longer than the saved offset: only the fingerprint tells it apart.
    std::fs::write(
        &path,
        "[2024-02-02 00:00:00] rewritten\n[2024-02-02 00:00:01] more\n",
    )
    .unwrap();
    let (sources, mut messages) = follow_saved(&state, &path, StartPosition::End);
    assert_eq!(opened_at(&mut messages).await, (0, false));
    assert_eq!(
        texts(&mut messages, 2).await,
        [
            "[2024-02-02 00:00:00] rewritten",
            "[2024-02-02 00:00:01] more"
        ]
    );
    sources.join().await.unwrap();
}

#[tokio::test]
async fn offsets_are_saved_periodically_while_running() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    let state = folder.path().join("offsets.json");
    append(&path, "one\n");
    let offsets = OffsetStore::load(&state).unwrap();
    let (sources, mut messages) = follow(offsets, &path, StartPosition::Beginning);
    assert_eq!(texts(&mut messages, 1).await, ["one"]);
    let deadline = tokio::time::Instant::now() + common::DEADLINE;
    loop {
        let saved = OffsetStore::load(&state).unwrap().get(&path);
        if saved.is_some_and(|saved| saved.offset == 4) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "offset never saved: {saved:?}"
        );
        tokio::time::sleep(POLL).await;
    }
    sources.join().await.unwrap();
}

#[tokio::test]
async fn one_source_stops_and_its_path_is_followed_again_without_rereading() {
    let folder = tempfile::tempdir().unwrap();
    let path = log_in(&folder);
    let other = folder.path().join("other");
    append(&path, "one\ntwo\n");
    append(&other, "elsewhere\n");
    let (mut sources, mut messages) =
        follow(OffsetStore::in_memory(), &path, StartPosition::Beginning);
    sources.follow_file(
        SourceId::new("other"),
        config(&other, StartPosition::Beginning),
    );
    let mut first = texts(&mut messages, 3).await;
    first.sort();
    assert_eq!(first, ["elsewhere", "one", "two"]);

    // A reload that changes the follower of `messages` (here: its name) stops it, then starts
    // the new one, which resumes where the old one left off.
    assert!(sources.stop_source(&SourceId::new("messages")).await);
    assert!(!sources.stop_source(&SourceId::new("messages")).await);
    append(&path, "three\n");
    sources.follow_file(
        SourceId::new("renamed"),
        config(&path, StartPosition::Beginning),
    );
    let (item, _) = next_item(&mut messages).await;
    assert_eq!(
        (item.source.as_str(), item.text.as_str()),
        ("renamed", "three")
    );

    // The other source kept running throughout.
    append(&other, "still here\n");
    let (item, _) = next_item(&mut messages).await;
    assert_eq!(
        (item.source.as_str(), item.text.as_str()),
        ("other", "still here")
    );
    assert_no_item(&mut messages, POLL * 10).await;
    sources.join().await.unwrap();
}
