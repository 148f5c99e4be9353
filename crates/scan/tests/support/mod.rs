//! A real Kamailio answering OPTIONS on loopback addresses, for the sweep tests.
//!
//! Only loopback is used (127.0.0.0/8 and ::1). Kamailio is started per test with its own
//! addresses and ports, waited for until it answers, and stopped by PID when the guard drops.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// True when the environment asks to skip tests needing system packages.
pub fn skip_requested() -> bool {
    std::env::var("VOIPGUARD_SKIP_NETNS").is_ok_and(|v| v == "1")
}

/// `started`, or — when the tool could not be run — `None` if skipping was asked for, else a
/// failure naming the apt package to install.
pub fn required<T>(started: std::io::Result<T>, tool: &str, package: &str) -> Option<T> {
    match started {
        Ok(value) => Some(value),
        Err(err) if skip_requested() => {
            #[allow(clippy::print_stderr)] // tell the test log why nothing ran
            {
                eprintln!("skipping: {tool} not runnable ({err}) and VOIPGUARD_SKIP_NETNS=1");
            }
            None
        }
        Err(err) => panic!(
            "these tests need {tool}: apt-get install -y {package} ({err}); set VOIPGUARD_SKIP_NETNS=1 to skip"
        ),
    }
}

/// The installed Kamailio's version (`5.6.3`), or a failure naming the package.
pub fn kamailio_version() -> Option<String> {
    let output = required(
        Command::new("kamailio").arg("-v").output(),
        "kamailio",
        "kamailio",
    )?;
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    // "version: kamailio 5.6.3 (x86_64/linux) "
    let version = text
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(2))
        .map(str::to_string);
    assert!(version.is_some(), "cannot read `kamailio -v`: {text}");
    version
}

/// The script of [`Kamailio::start`]: OPTIONS answered 200 with an Allow header, ACK
/// absorbed, anything else 501.
pub const OPTIONS_ONLY: &str = "loadmodule \"sl.so\"\nloadmodule \"textops.so\"\n\
             request_route {\n\
                 if (method==\"OPTIONS\") {\n\
                     append_to_reply(\"Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\\r\\n\");\n\
                     sl_send_reply(\"200\", \"OK\");\n\
                     exit;\n\
                 }\n\
                 if (method==\"ACK\") { exit; }\n\
                 sl_send_reply(\"501\", \"Not Implemented\");\n\
                 exit;\n\
             }\n";

/// A self-signed certificate shaped like the one Kamailio's own script makes
/// (`kamailio-selfsigned.pem`: the server's name in the organisation).
pub fn kamailio_cert(dir: &Path, common_name: &str) -> (PathBuf, PathBuf) {
    let (key, cert) = (dir.join("kamailio.key"), dir.join("kamailio.pem"));
    let output = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .arg("-subj")
        .arg(format!(
            "/O=kamailio/OU=Self-signed certificate for kamailio/CN={common_name}"
        ))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap_or_else(|err| panic!("openssl: {err}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (key, cert)
}

/// A running Kamailio, stopped on drop.
pub struct Kamailio {
    child: Child,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl Kamailio {
    /// Starts Kamailio answering OPTIONS with 200 (Server and Allow headers) on every `listen`
    /// spec (`udp:127.0.0.61:25060`, `udp:[::1]:25080`, `tcp:127.0.0.71:25070`), and waits until
    /// `ping` (a UDP listen address) answers.
    pub fn start(listen: &[&str], ping: Option<SocketAddr>) -> Self {
        Self::start_script(listen, ping, OPTIONS_ONLY)
    }

    /// Starts Kamailio answering OPTIONS as [`Kamailio::start`] does, with its TLS module
    /// serving `cert` and `key` to the `tls:` listen specs, `tls_method` (`TLSv1.2+`, `TLSv1+`)
    /// and OpenSSL's `cipher_list`. Fails naming the package when the module is missing, or
    /// returns `None` when skipping was asked for.
    pub fn start_tls(
        listen: &[&str],
        ping: Option<SocketAddr>,
        keys: (&Path, &Path),
        tls_method: &str,
        cipher_list: &str,
    ) -> Option<Self> {
        Self::start_tls_script(listen, ping, keys, (tls_method, cipher_list), OPTIONS_ONLY)
    }

    /// Starts Kamailio with `script` and its TLS module as [`Kamailio::start_tls`] sets it up
    /// (`tls` is the method and the cipher list).
    pub fn start_tls_script(
        listen: &[&str],
        ping: Option<SocketAddr>,
        (key, cert): (&Path, &Path),
        (tls_method, cipher_list): (&str, &str),
        script: &str,
    ) -> Option<Self> {
        let module = "/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so";
        if !std::path::Path::new(module).exists() {
            assert!(
                skip_requested(),
                "SIP-TLS tests need Kamailio's TLS module: apt-get install -y kamailio-tls-modules (missing {module}); set VOIPGUARD_SKIP_NETNS=1 to skip"
            );
            #[allow(clippy::print_stderr)] // tell the test log why nothing ran
            {
                eprintln!("skipping: {module} missing and VOIPGUARD_SKIP_NETNS=1");
            }
            return None;
        }
        let script = format!(
            "enable_tls=yes\nloadmodule \"tls.so\"\n\
             modparam(\"tls\", \"private_key\", \"{key}\")\n\
             modparam(\"tls\", \"certificate\", \"{cert}\")\n\
             modparam(\"tls\", \"tls_method\", \"{tls_method}\")\n\
             modparam(\"tls\", \"cipher_list\", \"{cipher_list}\")\n{script}",
            key = key.display(),
            cert = cert.display(),
        );
        Some(Self::start_script(listen, ping, &script))
    }

    /// Starts Kamailio with `script` (modules, parameters, routes) after the listen lines.
    pub fn start_script(listen: &[&str], ping: Option<SocketAddr>, script: &str) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
        let tcp = listen
            .iter()
            .any(|spec| spec.starts_with("tcp:") || spec.starts_with("tls:"));
        let mut config = String::from(
            "#!KAMAILIO\ndebug=0\nlog_stderror=yes\nchildren=1\nauto_aliases=no\nserver_signature=yes\n",
        );
        config.push_str(if tcp {
            "disable_tcp=no\ntcp_children=1\n"
        } else {
            "disable_tcp=yes\n"
        });
        for spec in listen {
            config.push_str(&format!("listen={spec}\n"));
        }
        config.push_str(script);
        let cfg = dir.path().join("kamailio.cfg");
        let log = dir.path().join("kamailio.log");
        std::fs::write(&cfg, config).unwrap_or_else(|err| panic!("write config: {err}"));
        let log_file = std::fs::File::create(&log).unwrap_or_else(|err| panic!("log: {err}"));
        let log_err = log_file
            .try_clone()
            .unwrap_or_else(|err| panic!("log: {err}"));
        let child = Command::new("kamailio")
            .arg("-f")
            .arg(&cfg)
            .args(["-DD", "-E", "-m", "16", "-M", "4", "-Y"])
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .unwrap_or_else(|err| {
                panic!("apt-get install -y kamailio: cannot start kamailio: {err}")
            });
        let kamailio = Self {
            child,
            _dir: dir,
            log,
        };
        if let Some(ping) = ping {
            kamailio.wait_until_answering(ping);
        }
        kamailio
    }

    /// What Kamailio logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// What Kamailio logged once `done` holds for it (or after 5 s): a request sent last may
    /// reach the log a moment after the sender is done, more so on a loaded machine.
    pub fn log_text_when(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let log = self.log_text();
            if done(&log) || std::time::Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_until_answering(&self, ping: SocketAddr) {
        let bind: SocketAddr = if ping.is_ipv4() {
            "127.0.0.1:0"
        } else {
            "[::1]:0"
        }
        .parse()
        .unwrap_or_else(|err| panic!("{err}"));
        let socket = UdpSocket::bind(bind).unwrap_or_else(|err| panic!("bind: {err}"));
        let _ = socket.set_read_timeout(Some(Duration::from_millis(100)));
        let local = socket.local_addr().unwrap_or_else(|err| panic!("{err}"));
        let host = |a: SocketAddr| match a {
            SocketAddr::V4(v4) => v4.to_string(),
            SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
        };
        let ping_text = format!(
            "OPTIONS sip:{target} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-ready;rport\r\n\
             From: <sip:ready@{local}>;tag=ready\r\nTo: <sip:{target}>\r\nCall-ID: ready\r\n\
             CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
            target = host(ping),
            local = host(local),
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buffer = [0_u8; 2048];
        while Instant::now() < deadline {
            let _ = socket.send_to(ping_text.as_bytes(), ping);
            if socket.recv_from(&mut buffer).is_ok() {
                return;
            }
        }
        panic!(
            "kamailio did not answer on {ping}; log:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        // SIGTERM lets the main process stop its children; SIGKILL only if it does not exit.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A UDP socket that never answers and counts what it receives: a silent host that proves
/// retransmissions (or the absence of any packet).
pub struct SilentListener {
    socket: UdpSocket,
}

impl SilentListener {
    /// Binds `address`.
    pub fn bind(address: &str) -> Self {
        let socket = UdpSocket::bind(address).unwrap_or_else(|err| panic!("bind {address}: {err}"));
        socket
            .set_nonblocking(true)
            .unwrap_or_else(|err| panic!("{err}"));
        Self { socket }
    }

    /// The datagrams received so far.
    pub fn received(&self) -> Vec<String> {
        let mut buffer = [0_u8; 4096];
        let mut out = Vec::new();
        while let Ok(len) = self.socket.recv(&mut buffer) {
            out.push(String::from_utf8_lossy(buffer.get(..len).unwrap_or_default()).to_string());
        }
        out
    }
}
