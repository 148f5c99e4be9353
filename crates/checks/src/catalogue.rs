//! Loading and holding the embedded rule files.

use std::sync::OnceLock;

use thiserror::Error;
use voipguard_model::{Finding, Status};

use crate::Target;
use crate::code::{self, CodeCheck};
use crate::context::{AccountsInUse, Context};
use crate::meta::{CheckMeta, Logic};
use crate::templates;

include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));

/// A rule file that does not load. Rule files are embedded, so this means a broken build; the
/// registry test catches it before release.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// The TOML does not match the rule format.
    #[error("rules/{file}: {source}")]
    Format {
        /// Rule file path under `rules/`.
        file: String,
        /// What the TOML parser said.
        source: toml::de::Error,
    },
    /// The file name and the id inside disagree, or an id repeats.
    #[error("rules/{file}: {problem}")]
    Inconsistent {
        /// Rule file path under `rules/`.
        file: String,
        /// What is wrong.
        problem: String,
    },
}

/// One check: its metadata and, for code checks, its implementation.
#[derive(Debug)]
pub struct Check {
    /// The rule file's content.
    pub meta: CheckMeta,
    /// Rule file path under `rules/`.
    pub file: &'static str,
    code: Option<&'static dyn CodeCheck>,
}

impl Check {
    /// The check's id (the baseline control id).
    pub fn id(&self) -> &str {
        &self.meta.id
    }

    /// Evaluates the check on one device.
    pub fn evaluate<'a>(&'static self, target: impl Into<Target<'a>>) -> Finding {
        self.evaluate_sharing(target.into(), &AccountsInUse::default())
    }

    /// [`Check::evaluate`] with what the device's other checks already worked out.
    pub(crate) fn evaluate_sharing(
        &'static self,
        target: Target<'_>,
        accounts_in_use: &AccountsInUse,
    ) -> Finding {
        let cx = Context::new(self, target, accounts_in_use);
        if !self.meta.applies_to(cx.family) {
            return cx.finding(
                Status::NotApplicable,
                format!(
                    "applies to {}, not {}",
                    self.meta.applies_to.join(", "),
                    cx.family
                ),
                Vec::new(),
            );
        }
        match (&self.meta.logic, self.code) {
            (Logic::Setting(rule), _) => templates::setting(&cx, rule),
            (Logic::AccountSetting(rule), _) => templates::account_setting(&cx, rule),
            (Logic::External { checked_by }, _) => templates::external(&cx, checked_by),
            (Logic::AsteriskValue(rule), _) => templates::asterisk_value(&cx, rule),
            (Logic::Code, Some(code)) => code.run(&cx),
            (Logic::Code, None) => cx.finding(
                Status::Unknown,
                "no implementation registered".into(),
                Vec::new(),
            ),
        }
    }
}

/// All checks, in id order.
#[derive(Debug)]
pub struct Catalogue {
    checks: Vec<Check>,
}

impl Catalogue {
    fn load() -> Result<Catalogue, CatalogueError> {
        let mut checks: Vec<Check> = Vec::with_capacity(RULE_FILES.len());
        for &(file, text) in RULE_FILES {
            let meta: CheckMeta =
                toml::from_str(text).map_err(|source| CatalogueError::Format {
                    file: file.to_owned(),
                    source,
                })?;
            let stem = file
                .rsplit('/')
                .next()
                .unwrap_or(file)
                .trim_end_matches(".toml");
            if stem != meta.id {
                return Err(CatalogueError::Inconsistent {
                    file: file.to_owned(),
                    problem: format!("file name says {stem} but id is {}", meta.id),
                });
            }
            let implementation = code::CODE_CHECKS
                .iter()
                .copied()
                .find(|check| check.id() == meta.id);
            let is_code = matches!(meta.logic, Logic::Code);
            if is_code != implementation.is_some() {
                return Err(CatalogueError::Inconsistent {
                    file: file.to_owned(),
                    problem: if is_code {
                        "template = \"code\" but no code check has this id".into()
                    } else {
                        "a code check has this id but the rule is declarative".into()
                    },
                });
            }
            checks.push(Check {
                meta,
                file,
                code: implementation,
            });
        }
        checks.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        if let Some(pair) = checks
            .windows(2)
            .find(|pair| pair[0].meta.id == pair[1].meta.id)
        {
            return Err(CatalogueError::Inconsistent {
                file: pair[1].file.to_owned(),
                problem: format!("id {} is used twice", pair[1].meta.id),
            });
        }
        Ok(Catalogue { checks })
    }

    /// Every check, sorted by id.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// Canonical names of every phone setting a check reads: the keys of declarative rules
    /// (with their per-family variants), what code checks declare, and the account fields. An
    /// audit asks the parsers to keep only these.
    pub fn settings_read(&self) -> impl Iterator<Item = &str> {
        let declared = self.checks.iter().flat_map(|check| {
            let rule_keys: Vec<&str> = match &check.meta.logic {
                Logic::Setting(rule) | Logic::AccountSetting(rule) => std::iter::once(&rule.key)
                    .chain(
                        rule.family
                            .values()
                            .filter_map(|variant| variant.key.as_ref()),
                    )
                    .map(String::as_str)
                    .collect(),
                _ => Vec::new(),
            };
            let code_reads = check.code.map(|code| code.reads()).unwrap_or_default();
            rule_keys.into_iter().chain(code_reads.iter().copied())
        });
        declared.chain(crate::accounts::FIELDS.iter().copied())
    }

    /// The check with this id (case-insensitive).
    pub fn get(&self, id: &str) -> Option<&Check> {
        // Reports look up every finding's check: the exact id by binary search first.
        match self
            .checks
            .binary_search_by(|check| check.meta.id.as_str().cmp(id))
        {
            Ok(index) => self.checks.get(index),
            Err(_) => self
                .checks
                .iter()
                .find(|check| check.meta.id.eq_ignore_ascii_case(id)),
        }
    }
}

/// The embedded catalogue, loaded once.
pub fn catalogue() -> Result<&'static Catalogue, &'static CatalogueError> {
    static CATALOGUE: OnceLock<Result<Catalogue, CatalogueError>> = OnceLock::new();
    CATALOGUE.get_or_init(Catalogue::load).as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_file_loads_and_code_checks_match_rules() {
        let catalogue = catalogue().expect("catalogue loads");
        assert!(!catalogue.checks().is_empty());
        for implementation in code::CODE_CHECKS {
            let check = catalogue
                .get(implementation.id())
                .unwrap_or_else(|| panic!("{} has no rule file", implementation.id()));
            assert!(
                matches!(check.meta.logic, Logic::Code),
                "{} is code but its rule is declarative",
                check.id()
            );
        }
    }

    #[test]
    fn every_check_has_rationale_remediation_and_references() {
        for check in catalogue().expect("catalogue loads").checks() {
            assert!(
                !check.meta.rationale.trim().is_empty(),
                "{}: empty rationale",
                check.id()
            );
            assert!(
                !check.meta.remediation.text.trim().is_empty(),
                "{}: empty remediation",
                check.id()
            );
            assert!(
                !check.meta.references.is_empty(),
                "{}: no reference",
                check.id()
            );
            assert!(
                !check.meta.applies_to.is_empty(),
                "{}: applies to nothing",
                check.id()
            );
        }
    }
}
