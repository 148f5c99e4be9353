//! AST-PLAT-01: FreePBX / Issabel / Elastix installation passwords are not the published defaults
//! (`amportal.conf`, `freepbx.conf`).
//!
//! ## What it does
//! When the audited folder holds `amportal.conf` or `freepbx.conf`, reads their settings (shell
//! style `KEY=value` in `amportal.conf`, `$amp_conf['KEY'] = 'value';` in the PHP `freepbx.conf`)
//! and fails when `AMPMGRPASS`, `AMPDBPASS`, `ARI_ADMIN_PASSWORD` or `FOPPASSWORD` still holds
//! the installer's default. Values are judged, never shown.
//!
//! These files normally live in `/etc`, not `/etc/asterisk`: the check looks for them only in the
//! audited folder, so copy them next to the Asterisk files to have them judged.
//!
//! ## Why is this bad?
//! The defaults are printed in FreePBX's sources and in public write-ups: `AMPMGRPASS` is the
//! manager (AMI) password FreePBX writes into `manager.conf` for user `admin`, which can originate
//! calls; `ARI_ADMIN_PASSWORD` and `FOPPASSWORD` guard web interfaces; `AMPDBPASS` opens the
//! database that holds every extension's secret.
//!
//! ## Example
//! ```sh
//! AMPMGRUSER=admin
//! AMPMGRPASS=amp111
//! ```
//! Use instead: a unique random value (changed in FreePBX's Advanced Settings, then applied).
//!
//! ## References
//! - reference/asterisk.md 2.10 and section 4 (FreePBX `amportal.conf` defaults)

use std::path::Path;
use std::sync::Arc;

use voipguard_asterisk::Origin;
use voipguard_model::{Evidence, Finding, Status};

use super::CodeCheck;
use crate::context::Context;
use crate::password::{self, PBX_POLICY};

/// The FreePBX platform files, which are not Asterisk configuration.
pub(crate) const FREEPBX_FILES: &[&str] = &["amportal.conf", "freepbx.conf"];

/// Installer defaults (reference section 4).
const DEFAULTS: &[(&str, &str)] = &[
    ("AMPMGRPASS", "amp111"),
    ("AMPDBPASS", "amp109"),
    ("ARI_ADMIN_PASSWORD", "ari_password"),
    ("FOPPASSWORD", "passw0rd"),
];

/// True for a FreePBX platform file (a path relative to the audited folder).
pub(crate) fn is_freepbx_file(file: &Path) -> bool {
    FREEPBX_FILES.iter().any(|name| file == Path::new(name))
}

/// One `KEY=value` setting and its line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FreepbxSetting {
    /// The key as written.
    pub(crate) key: String,
    /// The value, quotes removed.
    pub(crate) value: String,
    /// 1-based line.
    pub(crate) line: u32,
}

/// Reads `amportal.conf` (`KEY=value`, `#` comments, optional `export` and quotes) or
/// `freepbx.conf` (`$amp_conf['KEY'] = 'value';`). Lines of any other shape are skipped: both
/// files are read by a shell or PHP, not by Asterisk.
pub(crate) fn read_settings(text: &str) -> Vec<FreepbxSetting> {
    text.lines()
        .zip(1u32..)
        .filter_map(|(line, number)| {
            let line = line.trim();
            let (key, value) = line.split_once('=')?;
            let key = key.trim();
            let key = match key.strip_prefix("$amp_conf[") {
                Some(rest) => unquote(rest.strip_suffix(']')?.trim()),
                None => key.strip_prefix("export ").unwrap_or(key).trim(),
            };
            let plain =
                !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            plain.then(|| FreepbxSetting {
                key: key.to_owned(),
                value: unquote(value.trim().trim_end_matches(';').trim()).to_owned(),
                line: number,
            })
        })
        .collect()
}

/// `'x'` or `"x"` becomes `x`.
fn unquote(text: &str) -> &str {
    ['\'', '"']
        .iter()
        .find_map(|quote| text.strip_prefix(*quote)?.strip_suffix(*quote))
        .unwrap_or(text)
}

/// AST-PLAT-01.
#[derive(Debug)]
pub(crate) struct AstPlat01;

impl CodeCheck for AstPlat01 {
    fn id(&self) -> &'static str {
        "AST-PLAT-01"
    }

    fn run(&self, cx: &Context<'_>) -> Finding {
        let Some(set) = cx.asterisk else {
            return cx.finding(
                Status::NotApplicable,
                "no Asterisk configuration set".into(),
                Vec::new(),
            );
        };
        let mut present = Vec::new();
        let mut unreadable = Vec::new();
        let mut defaults = Vec::new();
        let mut judged = Vec::new();
        for name in FREEPBX_FILES {
            let path = set.folder.join(name);
            if !path.is_file() {
                continue;
            }
            present.push(*name);
            let text = match std::fs::read(&path) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(error) => {
                    unreadable.push(format!("{name}: {}", error.kind()));
                    continue;
                }
            };
            let file: Arc<Path> = Arc::from(Path::new(name));
            for setting in read_settings(&text) {
                let Some((key, default)) = DEFAULTS
                    .iter()
                    .find(|(key, _)| setting.key.eq_ignore_ascii_case(key))
                else {
                    continue;
                };
                let origin = Origin {
                    file: file.clone(),
                    line: setting.line,
                };
                let is_default = setting.value == *default;
                let judgement = if is_default {
                    "the published FreePBX default".to_owned()
                } else {
                    format!(
                        "not the default; {}",
                        password::judge(&setting.value, &PBX_POLICY, &[]).description
                    )
                };
                let evidence: Evidence = cx.asterisk_evidence(
                    &origin,
                    format!("{name} {key}"),
                    format!("redacted ({judgement})"),
                );
                if is_default {
                    defaults.push((*key, evidence));
                } else {
                    judged.push(evidence);
                }
            }
        }
        if present.is_empty() {
            return cx.finding(
                Status::NotApplicable,
                "no amportal.conf or freepbx.conf in the audited folder (they normally sit in /etc: copy them next to the Asterisk files to have them judged)".into(),
                Vec::new(),
            );
        }
        if !defaults.is_empty() {
            let keys: Vec<&str> = defaults.iter().map(|(key, _)| *key).collect();
            let message = format!(
                "{} of the FreePBX installation passwords still hold the published default: {}",
                keys.len(),
                keys.join(", ")
            );
            let evidence = defaults.into_iter().map(|(_, evidence)| evidence).collect();
            return cx.finding(Status::Fail, message, evidence);
        }
        if !unreadable.is_empty() {
            return cx.finding(
                Status::Unknown,
                format!("could not read {}", unreadable.join(", ")),
                judged,
            );
        }
        if judged.is_empty() {
            return cx.finding(
                Status::Unknown,
                format!(
                    "{} set none of AMPMGRPASS, AMPDBPASS, ARI_ADMIN_PASSWORD, FOPPASSWORD: FreePBX 2.9 and later keep them in its database, which a file audit cannot see",
                    present.join(" and ")
                ),
                Vec::new(),
            );
        }
        let message = format!(
            "none of the {} installation passwords set in {} is the published default",
            judged.len(),
            present.join(" and ")
        );
        cx.finding(Status::Pass, message, judged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_and_php_settings_are_read() {
        let settings = read_settings(
            "# FreePBX\nAMPMGRUSER=admin\nexport AMPMGRPASS=\"amp111\"\n\n\
             <?php\n$amp_conf['AMPDBPASS'] = 'amp109';\nrequire_once('/var/www/html/admin/bootstrap.php');\n",
        );
        let pairs: Vec<(&str, &str, u32)> = settings
            .iter()
            .map(|s| (s.key.as_str(), s.value.as_str(), s.line))
            .collect();
        assert_eq!(
            pairs,
            [
                ("AMPMGRUSER", "admin", 2),
                ("AMPMGRPASS", "amp111", 3),
                ("AMPDBPASS", "amp109", 6)
            ]
        );
    }

    #[test]
    fn freepbx_files_are_not_asterisk_syntax_errors() {
        use crate::code::asterisk_services::testing::run_files;
        use voipguard_model::Status;
        let finding = run_files(
            "AST-CONFIG",
            &[
                ("amportal.conf", "AMPMGRPASS=amp111\n"),
                ("sip.conf", "[general]\n"),
            ],
        );
        assert_eq!(finding.status, Status::Pass, "{}", finding.message);
        let broken = run_files("AST-CONFIG", &[("sip.conf", "allowguest=no\n")]);
        assert_eq!(broken.status, Status::Fail);
    }
}
