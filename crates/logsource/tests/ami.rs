//! The AMI client against the simulator on 127.0.0.1: login, the recorded security events in
//! order, reconnection, refused logins that never show the secret, keepalive, logoff.

mod common;

use std::time::Duration;

use common::{next, status_where, texts};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc::Receiver;
use voipguard_logsource::simulator::{
    AmiSimulator, SimulatorConfig, parse_recorded_events, recorded_events_path,
};
use voipguard_logsource::{
    AmiConfig, ItemKind, OffsetStore, Secret, SourceError, SourceId, SourceMessage, Sources,
    StatusKind,
};

const SECRET: &str = "s3cr3t-never-shown";

fn recording() -> String {
    std::fs::read_to_string(recorded_events_path()).unwrap()
}

fn simulator_config() -> SimulatorConfig {
    SimulatorConfig {
        refusal_delay: Duration::from_millis(10),
        ..SimulatorConfig::new("guard", SECRET)
    }
}

fn client_config(address: String, secret: &str) -> AmiConfig {
    AmiConfig {
        reconnect_initial: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
        ..AmiConfig::new(address, "guard", Secret::new(secret))
    }
}

fn subscribe(config: AmiConfig) -> (Sources, Receiver<SourceMessage>) {
    let (mut sources, messages) =
        Sources::new(OffsetStore::in_memory(), 16, Duration::from_secs(60));
    sources.subscribe_ami(SourceId::new("ami"), config);
    (sources, messages)
}

#[tokio::test]
async fn delivers_every_recorded_security_event_in_order() {
    let recording = recording();
    let events = parse_recorded_events(&recording);
    // Read the event names straight from the recording, independently of the parser.
    let names: Vec<&str> = recording
        .lines()
        .filter_map(|line| line.strip_prefix("Event: "))
        .collect();
    assert_eq!(events.len(), names.len());
    assert!(
        names.len() >= 4,
        "the recording holds the four sample events"
    );

    let simulator = AmiSimulator::start(SimulatorConfig {
        events_on_login: events.clone(),
        ..simulator_config()
    })
    .await
    .unwrap();
    let (sources, mut messages) = subscribe(client_config(simulator.address().to_string(), SECRET));
    let connected = status_where(&mut messages, |kind| {
        matches!(kind, StatusKind::AmiConnected { .. })
    })
    .await;
    assert!(
        matches!(&connected.kind, StatusKind::AmiConnected { version, .. } if version == "7.0.3"),
        "{connected}"
    );

    let mut received = Vec::new();
    for _ in &names {
        let SourceMessage::Item(item) = next(&mut messages).await else {
            panic!("a status among the events")
        };
        assert_eq!(
            (item.source.as_str(), item.kind),
            ("ami", ItemKind::AmiEvent)
        );
        received.push(item.text);
    }
    assert_eq!(received, events);
    for (text, name) in received.iter().zip(&names) {
        assert!(text.starts_with(&format!("Event: {name}\r\n")), "{text:?}");
        assert!(
            text.ends_with("\r\n") && !text.ends_with("\r\n\r\n"),
            "{text:?}"
        );
    }
    assert!(
        received
            .iter()
            .any(|text| text.contains("RemoteAddress: IPV4/UDP/10.211.55.2/52551\r\n"))
    );
    sources.join().await.unwrap();
    assert_eq!(simulator.logoffs(), 1, "a stop logs off");
}

#[tokio::test]
async fn reconnects_after_the_connection_drops() {
    let events = parse_recorded_events(&recording());
    let simulator = AmiSimulator::start(simulator_config()).await.unwrap();
    let (sources, mut messages) = subscribe(client_config(simulator.address().to_string(), SECRET));
    status_where(&mut messages, |kind| {
        matches!(kind, StatusKind::AmiConnected { .. })
    })
    .await;
    simulator.send_event(&events[0]);
    assert_eq!(texts(&mut messages, 1).await, [events[0].clone()]);

    simulator.drop_connections();
    let lost = status_where(&mut messages, |kind| {
        matches!(kind, StatusKind::AmiDisconnected { .. })
    })
    .await;
    assert!(lost.to_string().contains("closed"), "{lost}");
    let back = status_where(&mut messages, |kind| {
        matches!(kind, StatusKind::AmiReconnected { .. })
    })
    .await;
    assert!(
        matches!(back.kind, StatusKind::AmiReconnected { attempts: 1, .. }),
        "{back}"
    );
    simulator.send_event(&events[1]);
    assert_eq!(texts(&mut messages, 1).await, [events[1].clone()]);
    assert_eq!(simulator.logins(), 2);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn a_refused_login_is_reported_without_the_secret_and_retried() {
    let wrong = "wrong-secret-0xdeadbeef";
    let simulator = AmiSimulator::start(simulator_config()).await.unwrap();
    let config = client_config(simulator.address().to_string(), wrong);
    assert!(!format!("{config:?}").contains(wrong));
    let (sources, mut messages) = subscribe(config);

    let refused = status_where(&mut messages, |kind| matches!(kind, StatusKind::Error(_))).await;
    let StatusKind::Error(error) = &refused.kind else {
        unreachable!()
    };
    assert!(
        matches!(error, SourceError::AmiLoginRefused { .. }),
        "{error:?}"
    );
    let shown = format!("{refused} {refused:?}");
    assert!(
        shown.contains("Authentication failed") && shown.contains("'guard'"),
        "{shown}"
    );
    assert!(!shown.contains(wrong), "{shown}");

    let retry = status_where(&mut messages, |kind| {
        matches!(kind, StatusKind::AmiDisconnected { .. })
    })
    .await;
    assert!(!format!("{retry} {retry:?}").contains(wrong));
    status_where(&mut messages, |kind| matches!(kind, StatusKind::Error(_))).await;
    assert!(simulator.refusals() >= 2, "the login is tried again");
    assert_eq!(simulator.logins(), 0);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn the_back_off_doubles_up_to_its_cap() {
    // A port with nobody listening: bound, then released.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (sources, mut messages) = subscribe(client_config(address.to_string(), SECRET));
    let mut waits = Vec::new();
    while waits.len() < 5 {
        let status = status_where(&mut messages, |kind| {
            matches!(kind, StatusKind::AmiDisconnected { .. })
        })
        .await;
        if let StatusKind::AmiDisconnected { retry_in, .. } = status.kind {
            waits.push(retry_in.as_millis());
        }
    }
    assert_eq!(waits, [20, 40, 80, 100, 100]);
    sources.join().await.unwrap();
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_dropped_and_reconnected() {
    let simulator = AmiSimulator::start(SimulatorConfig {
        answer_pings: false,
        ..simulator_config()
    })
    .await
    .unwrap();
    let config = AmiConfig {
        keepalive: Some(Duration::from_millis(30)),
        ..client_config(simulator.address().to_string(), SECRET)
    };
    let (sources, mut messages) = subscribe(config);
    status_where(&mut messages, |kind| {
        matches!(kind, StatusKind::AmiConnected { .. })
    })
    .await;
    let lost = status_where(&mut messages, |kind| {
        matches!(kind, StatusKind::AmiDisconnected { .. })
    })
    .await;
    assert!(lost.to_string().contains("keepalive"), "{lost}");
    status_where(&mut messages, |kind| {
        matches!(kind, StatusKind::AmiReconnected { .. })
    })
    .await;
    sources.join().await.unwrap();
}

#[tokio::test]
async fn a_peer_that_is_not_ami_is_reported() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        stream.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").await.unwrap();
    });
    let (sources, mut messages) = subscribe(client_config(address, SECRET));
    let error = status_where(&mut messages, |kind| matches!(kind, StatusKind::Error(_))).await;
    assert!(
        matches!(
            error.kind,
            StatusKind::Error(SourceError::AmiProtocol { .. })
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("SSH-2.0"), "{error}");
    server.await.unwrap();
    sources.join().await.unwrap();
}
