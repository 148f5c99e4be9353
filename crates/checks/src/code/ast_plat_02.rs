//! AST-PLAT-02: configuration files holding secrets are not world-readable.
//!
//! ## What it does
//! Finds every file of the audited folder that the configuration set read (includes too) and
//! that holds a secret: `secret`, `md5secret`, `remotesecret`, `password`, `md5_cred`, a
//! `register => user:secret@host` line, a voicemail mailbox (its PIN), or a `*PASS*` setting of
//! `amportal.conf` / `freepbx.conf`. Fails when such a file's mode lets every local user read it
//! (`mode & 0o004`). Modes are reported; contents never are.
//!
//! The modes are those of the audited folder: a copy (a backup, a repository checkout, a shared
//! folder) may have other modes than `/etc/asterisk` on the PBX, and the message says so.
//!
//! ## Why is this bad?
//! Any local account, and any exploited web or service process on the box, can read cleartext
//! SIP, IAX2, AMI and database passwords from a world-readable file.
//!
//! ## Example
//! ```text
//! -rw-r--r-- root root sip.conf
//! ```
//! Use instead: `chown asterisk:asterisk /etc/asterisk/*.conf; chmod 0640 /etc/asterisk/*.conf`.
//!
//! ## References
//! - reference/asterisk.md 2.10 "File permissions"; 2.1 SIP-23

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use voipguard_asterisk::{ConfigError, ConfigSet, Origin, Variable};
use voipguard_model::{Finding, Status};

use super::CodeCheck;
use super::ast_plat_01::{FREEPBX_FILES, read_settings};
use super::asterisk_peers::Offenders;
use crate::context::Context;

/// Keys whose value is a secret, in any Asterisk file.
const SECRET_KEYS: &[&str] = &[
    "secret",
    "md5secret",
    "remotesecret",
    "password",
    "md5_cred",
];

/// The permission bit that lets every local user read a file.
const WORLD_READABLE: u32 = 0o004;

/// AST-PLAT-02.
#[derive(Debug)]
pub(crate) struct AstPlat02;

impl CodeCheck for AstPlat02 {
    fn id(&self) -> &'static str {
        "AST-PLAT-02"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let Some(set) = cx.asterisk else {
            return cx.finding(
                Status::NotApplicable,
                "no Asterisk configuration set".into(),
                Vec::new(),
            );
        };
        let missing = set
            .errors()
            .any(|error| matches!(error, ConfigError::MissingInclude { .. }));
        let holders = secret_holders(set);
        if holders.is_empty() {
            return if missing {
                cx.finding(
                    Status::Unknown,
                    "no file read holds a secret, but included files missing from this copy may (see AST-CONFIG)".into(),
                    Vec::new(),
                )
            } else {
                cx.finding(
                    Status::Pass,
                    "no file of the configuration set holds a secret".into(),
                    Vec::new(),
                )
            };
        }
        let mut readable = Offenders::default();
        let mut protected = Vec::new();
        let mut unreadable = Vec::new();
        for (file, (origin, what)) in &holders {
            let name = file.display().to_string();
            match mode(&set.folder.join(file)) {
                Ok(mode) if mode & WORLD_READABLE != 0 => {
                    let evidence = cx.asterisk_evidence(
                        origin,
                        "file mode".into(),
                        format!("{mode:04o}: every local user can read it (holds {what})"),
                    );
                    readable.add(&format!("{name} ({mode:04o})"), [evidence]);
                }
                Ok(mode) => protected.push(format!("{name} ({mode:04o})")),
                Err(error) => unreadable.push(format!("{name}: {}", error.kind())),
            }
        }
        let total = holders.len();
        if !readable.is_empty() {
            let message = format!(
                "{} of {total} files holding secrets are world-readable (mode & 0o004, as found in the audited folder; a copy's modes may differ from the PBX's): {}",
                readable.len(),
                readable.listed()
            );
            return cx.finding(Status::Fail, message, readable.into_evidence());
        }
        if !unreadable.is_empty() {
            return cx.finding(
                Status::Unknown,
                format!("could not read the mode of {}", unreadable.join(", ")),
                Vec::new(),
            );
        }
        let mut message = format!(
            "none of the {total} files holding secrets is world-readable: {}",
            protected.join(", ")
        );
        if missing {
            message.push_str(
                ", but included files missing from this copy may hold more (see AST-CONFIG)",
            );
            return cx.finding(Status::Unknown, message, Vec::new());
        }
        cx.finding(Status::Pass, message, Vec::new())
    }
}

/// Every file of the set that holds a secret, with where the first one is and what it is.
fn secret_holders(set: &ConfigSet) -> BTreeMap<Arc<Path>, (Origin, String)> {
    let mut holders: BTreeMap<Arc<Path>, (Origin, String)> = BTreeMap::new();
    for config in &set.configs {
        let voicemail = config.file.as_ref() == Path::new("voicemail.conf");
        for category in config.sections() {
            let mailboxes = voicemail
                && !["general", "zonemessages"]
                    .iter()
                    .any(|name| category.name.eq_ignore_ascii_case(name));
            for variable in category.variables.iter().filter(|v| !v.inherited) {
                if let Some(what) = secret_kind(variable, mailboxes) {
                    holders
                        .entry(variable.origin.file.clone())
                        .or_insert_with(|| (variable.origin.clone(), what));
                }
            }
        }
    }
    for name in FREEPBX_FILES {
        let Ok(bytes) = std::fs::read(set.folder.join(name)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let Some(setting) = read_settings(&text).into_iter().find(|setting| {
            let key = setting.key.to_ascii_uppercase();
            key.contains("PASS") && !setting.value.is_empty()
        }) else {
            continue;
        };
        let file: Arc<Path> = Arc::from(Path::new(name));
        let origin = Origin {
            file: file.clone(),
            line: setting.line,
        };
        holders.insert(file, (origin, format!("{}=", setting.key)));
    }
    holders
}

/// What secret `variable` holds, in words without its value, if any.
fn secret_kind(variable: &Variable, mailbox: bool) -> Option<String> {
    let value = variable.value.trim();
    if value.is_empty() {
        return None;
    }
    let name = variable.name.trim();
    if SECRET_KEYS.iter().any(|key| name.eq_ignore_ascii_case(key)) {
        return Some(format!("{name}="));
    }
    if name.eq_ignore_ascii_case("register") {
        let credentials = value.split('@').next().unwrap_or_default();
        let credentials = credentials.split("://").last().unwrap_or_default();
        return credentials
            .contains(':')
            .then(|| "register => user:secret@host".to_owned());
    }
    let pin = value.split(',').next().unwrap_or_default().trim();
    (mailbox && variable.object && !pin.is_empty()).then(|| "a voicemail PIN".to_owned())
}

/// The permission bits of `path` (symbolic links followed: the target's mode is what matters).
#[cfg(unix)]
fn mode(path: &Path) -> std::io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o7777)
}

/// Platforms without Unix modes cannot answer.
#[cfg(not(unix))]
fn mode(_path: &Path) -> std::io::Result<u32> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use voipguard_asterisk::ConfigSet;
    use voipguard_model::Status;

    use crate::code::asterisk_services::testing::run_set;

    /// Writes `files` with `mode` into a new folder and audits it.
    fn audit(files: &[(&str, &str)], mode: u32) -> voipguard_model::Finding {
        let folder = tempfile::tempdir().expect("temporary folder");
        for (name, text) in files {
            let path = folder.path().join(name);
            std::fs::write(&path, text).expect("write");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        let set = ConfigSet::load(folder.path()).expect("load");
        run_set("AST-PLAT-02", &set)
    }

    const SIP: &str = "[general]\nregister => trunk:Xy7#pQ2!z@sip.example.net\n[1001]\ntype=friend\nsecret=Vq7#pLm2!xRt9\n";

    #[test]
    fn world_readable_secrets_fail_and_0640_passes() {
        let open = audit(&[("sip.conf", SIP), ("logger.conf", "[general]\n")], 0o644);
        assert_eq!(open.status, Status::Fail);
        assert!(open.message.contains("sip.conf (0644)"), "{}", open.message);
        assert!(!open.message.contains("logger.conf"), "{}", open.message);
        assert!(!format!("{open:?}").contains("Vq7#"), "secrets never shown");
        let closed = audit(&[("sip.conf", SIP)], 0o640);
        assert_eq!(closed.status, Status::Pass, "{}", closed.message);
        assert!(
            closed.message.contains("sip.conf (0640)"),
            "{}",
            closed.message
        );
    }

    #[test]
    fn mailbox_pins_and_freepbx_passwords_are_secrets() {
        let voicemail = "[general]\nformat=wav\n[default]\n1001 => 8264,Alice\n";
        let finding = audit(
            &[
                ("voicemail.conf", voicemail),
                (
                    "amportal.conf",
                    "AMPDBUSER=asteriskuser\nAMPDBPASS=Kd8#vL2!qWz\n",
                ),
            ],
            0o604,
        );
        assert_eq!(finding.status, Status::Fail);
        assert!(
            finding.message.starts_with("2 of 2 "),
            "{}",
            finding.message
        );
        let nothing_secret = audit(&[("voicemail.conf", "[general]\nformat=wav\n")], 0o644);
        assert_eq!(nothing_secret.status, Status::Pass);
    }
}
