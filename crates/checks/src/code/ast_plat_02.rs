//! AST-PLAT-02: configuration files holding secrets are readable only by root and Asterisk.
//!
//! ## What it does
//! Finds every file of the audited folder that the configuration set read (includes too) and
//! that holds a secret: `secret`, `md5secret`, `remotesecret`, `password`, `md5_cred`, a
//! `register => user:secret@host` line, a voicemail mailbox (its PIN), or a `*PASS*` setting of
//! `amportal.conf` / `freepbx.conf`. Modes and owners are reported; contents never are.
//!
//! An Asterisk administrator expects such a file to be owned by root or by the account Asterisk
//! runs as, and readable beyond its owner only by that account's group: `0640 root:asterisk` (root
//! owns, Asterisk reads through its group) and `0600 asterisk:asterisk` both hold. A file fails
//! when:
//! - every local user can read or write it (`mode & 0o006`), as long as every directory above
//!   it lets them through (a `0750` `/etc/asterisk` shields `0644` files on the live system);
//! - it is owned by another account (which can read it and change its mode at will);
//! - its group can read it (`mode & 0o040`) and that group is neither root's nor Asterisk's.
//!
//! "Asterisk's account" is `asterisk` (the name every package and distribution uses) or
//! `runuser` / `rungroup` of `asterisk.conf [options]`, looked up in `/etc/passwd` and
//! `/etc/group` (not NSS: service accounts are local). Owners and groups are judged only when
//! the audited folder is the live `/etc/asterisk` of the machine running voipguard, the only case
//! where this machine's accounts are the PBX's. A copy (a backup, a checkout, a shared folder)
//! has the owners of whoever made it, so only its modes are judged, and the message says so
//! (modes survive `cp -a`, `tar` and `rsync -a`; owners survive only as root).
//!
//! ## Why is this bad?
//! Any local account, and any exploited web or service process on the box, can read cleartext
//! SIP, IAX2, AMI and database passwords from a world-readable file; a file owned by a login
//! account lets that account (or whoever takes it over) read the secrets and rewrite the dial plan.
//!
//! ## Example
//! ```text
//! -rw-r--r-- root  root     sip.conf
//! -rw-r----- alice asterisk manager.conf
//! ```
//! Use instead: `chown root:asterisk /etc/asterisk/*.conf; chmod 0640 /etc/asterisk/*.conf`
//! (or `asterisk:asterisk` when Asterisk or its GUI writes the files).
//!
//! ## References
//! - reference/asterisk.md 2.10 "File permissions"; 2.1 SIP-23

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
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

/// The permission bits that let every local user read, or write, a file.
const WORLD_READ: u32 = 0o004;
const WORLD_WRITE: u32 = 0o002;
/// The permission bit that lets the file's group read it.
const GROUP_READ: u32 = 0o040;
/// The permission bit that lets every local user through a directory.
const WORLD_SEARCH: u32 = 0o001;

/// Where a live Asterisk keeps its configuration (astetcdir).
const LIVE_FOLDER: &str = "/etc/asterisk";

/// The account name Asterisk packages create and run as.
const ASTERISK_ACCOUNT: &str = "asterisk";

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
        let ownership = if is_live(&set.folder) {
            Ownership::Live(Accounts::of_this_machine(&asterisk_accounts(set)))
        } else {
            Ownership::Copy
        };
        judge_set(cx, set, &ownership)
    }
}

/// Whose owners and groups count: see the module documentation.
#[derive(Debug)]
enum Ownership {
    /// The live `/etc/asterisk` of this machine, with its accounts.
    Live(Accounts),
    /// Any other folder: owners are whoever made the copy, so only modes are judged.
    Copy,
}

/// True when `folder` is this machine's `/etc/asterisk` (through any link).
fn is_live(folder: &Path) -> bool {
    folder
        .canonicalize()
        .is_ok_and(|path| path == Path::new(LIVE_FOLDER))
}

/// The account names Asterisk may run as: `asterisk`, and `asterisk.conf [options]`
/// `runuser` / `rungroup` when set.
fn asterisk_accounts(set: &ConfigSet) -> Vec<String> {
    let mut names = vec![ASTERISK_ACCOUNT.to_owned()];
    if let Some(config) = set.config("asterisk.conf") {
        for key in ["runuser", "rungroup"] {
            if let Some(name) = config.value("options", key) {
                names.push(name.trim().to_owned());
            }
        }
    }
    names
}

/// This machine's local accounts, and which of them may own or group-read the files.
#[derive(Debug, Default)]
struct Accounts {
    /// Every user id of `/etc/passwd` with its name.
    users: BTreeMap<u32, String>,
    /// Every group id of `/etc/group` with its name.
    groups: BTreeMap<u32, String>,
    /// Root and Asterisk's user ids.
    trusted_users: BTreeSet<u32>,
    /// Root and Asterisk's group ids.
    trusted_groups: BTreeSet<u32>,
}

impl Accounts {
    /// Reads `/etc/passwd` and `/etc/group`; an unreadable file trusts root alone.
    fn of_this_machine(names: &[String]) -> Accounts {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        Accounts::parse(&read("/etc/passwd"), &read("/etc/group"), names)
    }

    /// Accounts from the text of `passwd` and `group` files; `names` are Asterisk's accounts.
    fn parse(passwd: &str, group: &str, names: &[String]) -> Accounts {
        let users = ids(passwd);
        let groups = ids(group);
        let trusted = |ids: &BTreeMap<u32, String>| -> BTreeSet<u32> {
            ids.iter()
                .filter(|(_, name)| names.contains(name))
                .map(|(id, _)| *id)
                .chain([0])
                .collect()
        };
        Accounts {
            trusted_users: trusted(&users),
            trusted_groups: trusted(&groups),
            users,
            groups,
        }
    }

    /// The user's name, or its number when `/etc/passwd` has none.
    fn user(&self, uid: u32) -> String {
        self.users
            .get(&uid)
            .cloned()
            .unwrap_or_else(|| format!("uid {uid}"))
    }

    /// The group's name, or its number when `/etc/group` has none.
    fn group(&self, gid: u32) -> String {
        self.groups
            .get(&gid)
            .cloned()
            .unwrap_or_else(|| format!("gid {gid}"))
    }
}

/// `name:x:id:…` lines of `/etc/passwd` or `/etc/group`: id → name (the first name of an id).
fn ids(text: &str) -> BTreeMap<u32, String> {
    let mut ids = BTreeMap::new();
    for line in text.lines() {
        let mut fields = line.split(':');
        let (Some(name), Some(id)) = (fields.next(), fields.nth(1)) else {
            continue;
        };
        if let Ok(id) = id.trim().parse::<u32>() {
            ids.entry(id).or_insert_with(|| name.trim().to_owned());
        }
    }
    ids
}

/// What the file system says about one file holding secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Access {
    /// Permission bits.
    mode: u32,
    /// Owner.
    uid: u32,
    /// Group.
    gid: u32,
    /// Every directory above the file lets every local user through.
    reachable: bool,
}

/// What is wrong with `access` (empty when nothing is), in words.
fn problems(access: Access, ownership: &Ownership) -> Vec<String> {
    let Access {
        mode,
        uid,
        gid,
        reachable,
    } = access;
    let mut problems = Vec::new();
    if reachable && mode & WORLD_READ != 0 {
        problems.push(format!("mode {mode:04o}: every local user can read it"));
    } else if reachable && mode & WORLD_WRITE != 0 {
        problems.push(format!("mode {mode:04o}: every local user can rewrite it"));
    }
    if let Ownership::Live(accounts) = ownership {
        if !accounts.trusted_users.contains(&uid) {
            problems.push(format!(
                "owned by {}, neither root nor Asterisk's account: it can read the file and change its mode",
                accounts.user(uid)
            ));
        }
        if mode & GROUP_READ != 0 && !accounts.trusted_groups.contains(&gid) {
            problems.push(format!(
                "mode {mode:04o}: group {} (neither root's nor Asterisk's) can read it",
                accounts.group(gid)
            ));
        }
    }
    problems
}

/// "0640 root:asterisk" on the live folder, "0640" for a copy.
fn describe(access: Access, ownership: &Ownership) -> String {
    let mut text = match ownership {
        Ownership::Live(accounts) => format!(
            "{:04o} {}:{}",
            access.mode,
            accounts.user(access.uid),
            accounts.group(access.gid)
        ),
        Ownership::Copy => format!("{:04o}", access.mode),
    };
    if !access.reachable && access.mode & (WORLD_READ | WORLD_WRITE) != 0 {
        text.push_str(", behind a directory other users cannot enter");
    }
    text
}

/// The verdict on `set` once it is known whose owners count.
fn judge_set(cx: &Context<'_>, set: &ConfigSet, ownership: &Ownership) -> Finding {
    let missing = MissingIncludes::of(cx, set);
    let holders = secret_holders(set);
    if holders.is_empty() {
        return match missing {
            Some(missing) => cx.finding(
                Status::Unknown,
                format!(
                    "no file read holds a secret, but {} included file(s) missing from this copy may (credentials are often kept out of shared copies): {}",
                    missing.0.len(),
                    missing.0.listed()
                ),
                missing.0.into_evidence(),
            ),
            None => cx.finding(
                Status::Pass,
                "no file of the configuration set holds a secret".into(),
                Vec::new(),
            ),
        };
    }
    let copy_note = match ownership {
        Ownership::Live(_) => "",
        Ownership::Copy => {
            "; owners and groups not judged: not the live /etc/asterisk, and a copy's owners are whoever made it (its modes may differ from the PBX's too)"
        }
    };
    let mut offending = Offenders::default();
    let mut protected = Vec::new();
    let mut unreadable = Vec::new();
    for (file, (origin, what)) in &holders {
        let name = file.display().to_string();
        let access = match access(&set.folder, file, ownership) {
            Ok(access) => access,
            Err(error) => {
                unreadable.push(format!("{name}: {}", error.kind()));
                continue;
            }
        };
        let problems = problems(access, ownership);
        let described = format!("{name} ({})", describe(access, ownership));
        if problems.is_empty() {
            protected.push(described);
            continue;
        }
        let evidence = cx.asterisk_evidence(
            origin,
            "file mode and owner".into(),
            format!("{}; holds {what}", problems.join("; ")),
        );
        offending.add(&described, [evidence]);
    }
    let total = holders.len();
    if !offending.is_empty() {
        let message = format!(
            "{} of {total} files holding secrets can be read or changed by others than root and Asterisk: {}{copy_note}",
            offending.len(),
            offending.listed()
        );
        return cx.finding(Status::Fail, message, offending.into_evidence());
    }
    if !unreadable.is_empty() {
        return cx.finding(
            Status::Unknown,
            format!("could not read the mode of {}", unreadable.join(", ")),
            Vec::new(),
        );
    }
    let mut message = format!(
        "none of the {total} files holding secrets is open to others than root and Asterisk: {}",
        protected.join(", ")
    );
    if let Some(missing) = missing {
        message.push_str(&format!(
            ", but {} included file(s) missing from this copy may hold more: {}{copy_note}",
            missing.0.len(),
            missing.0.listed()
        ));
        return cx.finding(Status::Unknown, message, missing.0.into_evidence());
    }
    message.push_str(copy_note);
    cx.finding(Status::Pass, message, Vec::new())
}

/// The `#include` targets that matched no file, the ones in channel, AMI and voicemail files
/// (where secrets live) first, each with its directive as evidence.
struct MissingIncludes(Offenders);

impl MissingIncludes {
    /// `None` when every include was found.
    fn of(cx: &Context<'_>, set: &ConfigSet) -> Option<MissingIncludes> {
        let mut missing: Vec<(&Origin, &str)> = set
            .errors()
            .filter_map(|error| match error {
                ConfigError::MissingInclude { origin, target } => Some((origin, target.as_str())),
                _ => None,
            })
            .collect();
        if missing.is_empty() {
            return None;
        }
        missing.sort_by_key(|(origin, _)| origin.file.as_ref() == Path::new("extensions.conf"));
        let mut listed = Offenders::default();
        for (origin, target) in missing {
            let evidence = cx.asterisk_evidence(
                origin,
                "#include".into(),
                format!("{target}: no such file in this copy"),
            );
            listed.add(target, [evidence]);
        }
        Some(MissingIncludes(listed))
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

/// Mode, owner and group of `folder/file` (symbolic links followed: the target is what Asterisk
/// reads). On the live folder, also whether every directory above it lets other users through;
/// a copy's directories are the copy's, so there the file's own mode decides.
#[cfg(unix)]
fn access(folder: &Path, file: &Path, ownership: &Ownership) -> std::io::Result<Access> {
    use std::os::unix::fs::MetadataExt;
    let path = folder.join(file);
    let metadata = std::fs::metadata(&path)?;
    let reachable = match ownership {
        Ownership::Copy => true,
        Ownership::Live(_) => {
            let path: PathBuf = path.canonicalize()?;
            path.ancestors().skip(1).all(|directory| {
                std::fs::metadata(directory).is_ok_and(|d| d.mode() & WORLD_SEARCH != 0)
            })
        }
    };
    Ok(Access {
        mode: metadata.mode() & 0o7777,
        uid: metadata.uid(),
        gid: metadata.gid(),
        reachable,
    })
}

/// Platforms without Unix modes cannot answer.
#[cfg(not(unix))]
fn access(_folder: &Path, _file: &Path, _ownership: &Ownership) -> std::io::Result<Access> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use voipguard_asterisk::ConfigSet;
    use voipguard_model::Status;

    use super::{Access, Accounts, Ownership, problems};
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
        assert!(
            open.message.contains("owners and groups not judged"),
            "a temporary folder is a copy: {}",
            open.message
        );
        assert!(!format!("{open:?}").contains("Vq7#"), "secrets never shown");
        let closed = audit(&[("sip.conf", SIP)], 0o640);
        assert_eq!(closed.status, Status::Pass, "{}", closed.message);
        assert!(
            closed.message.contains("sip.conf (0640)"),
            "{}",
            closed.message
        );
        let writable = audit(&[("sip.conf", SIP)], 0o662);
        assert_eq!(writable.status, Status::Fail);
        assert!(
            format!("{:?}", writable.evidence).contains("every local user can rewrite it"),
            "{writable:?}"
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

    #[test]
    fn missing_includes_are_named_when_no_secret_is_found() {
        let finding = audit(
            &[
                (
                    "pjsip.conf",
                    "[t]\ntype=transport\n#include pjsip/auth/*.conf\n",
                ),
                ("extensions.conf", "#include dialplan/x.conf\n"),
            ],
            0o644,
        );
        assert_eq!(finding.status, Status::Unknown);
        assert!(
            finding
                .message
                .ends_with("may (credentials are often kept out of shared copies): pjsip/auth/*.conf, dialplan/x.conf"),
            "channel files first: {}",
            finding.message
        );
        assert_eq!(finding.evidence.len(), 2);
    }

    /// A live machine where `asterisk` is uid/gid 995 and `alice` uid 1000, group `users` 100.
    fn live() -> Ownership {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nasterisk:x:995:995::/var/lib/asterisk:/sbin/nologin\nalice:x:1000:100::/home/alice:/bin/bash\n";
        let group = "root:x:0:\nusers:x:100:alice\nasterisk:x:995:\n";
        Ownership::Live(Accounts::parse(passwd, group, &["asterisk".to_owned()]))
    }

    fn file(mode: u32, uid: u32, gid: u32) -> Access {
        Access {
            mode,
            uid,
            gid,
            reachable: true,
        }
    }

    #[test]
    fn live_files_belong_to_root_or_asterisk() {
        let live = live();
        assert!(
            problems(file(0o640, 0, 995), &live).is_empty(),
            "root:asterisk 0640"
        );
        assert!(
            problems(file(0o600, 995, 995), &live).is_empty(),
            "asterisk:asterisk 0600"
        );
        assert!(
            problems(file(0o660, 995, 995), &live).is_empty(),
            "asterisk group may write"
        );
        let alice = problems(file(0o600, 1000, 995), &live);
        assert_eq!(alice.len(), 1);
        assert!(alice[0].starts_with("owned by alice"), "{alice:?}");
        let users = problems(file(0o640, 0, 100), &live);
        assert_eq!(users.len(), 1);
        assert!(users[0].contains("group users"), "{users:?}");
        assert!(
            problems(file(0o600, 0, 100), &live).is_empty(),
            "group without read"
        );
        let unnamed = problems(file(0o644, 4242, 0), &live);
        assert_eq!(
            unnamed.len(),
            2,
            "world-readable and a stranger owns it: {unnamed:?}"
        );
        assert!(unnamed[1].starts_with("owned by uid 4242"), "{unnamed:?}");
    }

    #[test]
    fn a_closed_directory_shields_world_readable_files_and_copies_ignore_owners() {
        let shielded = Access {
            reachable: false,
            ..file(0o644, 0, 995)
        };
        assert!(problems(shielded, &live()).is_empty());
        assert!(problems(file(0o640, 1000, 100), &Ownership::Copy).is_empty());
        assert_eq!(problems(file(0o644, 0, 0), &Ownership::Copy).len(), 1);
    }

    #[test]
    fn runuser_names_asterisk_account() {
        let accounts = Accounts::parse(
            "root:x:0:0::/:\npbx:x:500:500::/:\n",
            "root:x:0:\npbx:x:500:\n",
            &["asterisk".to_owned(), "pbx".to_owned()],
        );
        assert!(accounts.trusted_users.contains(&500));
        assert!(accounts.trusted_groups.contains(&0));
        assert_eq!(accounts.user(7), "uid 7");
    }
}
