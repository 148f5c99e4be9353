//! Which settings a parse keeps.
//!
//! A rendered Grandstream or Snom file holds thousands of settings, of which the checks read a
//! few dozen. Building an owned key, value and origin for every one of them was most of an audit's
//! time, so an audit tells the parser the canonical names its checks read ([`Keep::only`]) and
//! the parser still reads and validates every line but materialises only those. A full parse
//! ([`Keep::all`]) stays the default for anything that shows settings.

use std::hash::BuildHasher;
use std::sync::Arc;

use compact_str::CompactString;
use rustc_hash::{FxBuildHasher, FxHashSet};

use crate::grandstream;

/// Settings the parsers need themselves, whatever the checks read: GDS P-values tell the family,
/// Snom's `phone_type` the model. Every Grandstream account field is kept too: which accounts a
/// file mentions decides which accounts the checks judge (an account named only by its transport
/// is still an account, active by factory default).
const PARSER_NAMES: &[&str] = &["phone_type"];

/// The settings a parse keeps.
#[derive(Debug, Clone, Default)]
pub struct Keep {
    /// Canonical names kept; `None` keeps every setting.
    names: Option<Arc<FxHashSet<CompactString>>>,
    /// Hashes of the kept names. Asking "kept?" of every setting by hash alone, with no string
    /// comparison, halves the cost of a lookup; a collision would keep one setting too many,
    /// which no check can tell apart from a file that sets it.
    name_hashes: FxHashSet<u64>,
    /// Bit `n` set when P-value `n` is kept, under its own name or as the account field it is on
    /// some family: a per-setting test that costs one load.
    pvalues: Vec<u64>,
}

impl Keep {
    /// Keeps every setting.
    pub fn all() -> Self {
        Keep::default()
    }

    /// Keeps the settings with these canonical names (`P276`, `account.sip.transport`,
    /// `user_srtp`; see `docs/settings-model.md`), plus the few the parsers read themselves.
    pub fn only<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: FxHashSet<CompactString> = names
            .into_iter()
            .map(|name| CompactString::from(name.as_ref()))
            .chain(PARSER_NAMES.iter().copied().map(CompactString::from))
            .chain(
                grandstream::GDS_PVALUES
                    .iter()
                    .copied()
                    .map(CompactString::from),
            )
            .chain(grandstream::account_field_names().map(CompactString::from))
            .collect();
        let mut pvalues = Vec::new();
        for number in names
            .iter()
            .flat_map(|name| grandstream::pvalues_named(name))
        {
            let Ok(number) = usize::try_from(number) else {
                continue;
            };
            let word = number / 64;
            if pvalues.len() <= word {
                pvalues.resize(word + 1, 0);
            }
            if let Some(bits) = pvalues.get_mut(word) {
                *bits |= 1 << (number % 64);
            }
        }
        // Grandstream v2 aliases of kept P-values (`security.ssh` when `P276` is kept) answer
        // to the same lookup as the names themselves.
        let name_hashes = names
            .iter()
            .map(|name| name_hash(name))
            .chain(
                names
                    .iter()
                    .flat_map(|name| grandstream::aliases_named(name))
                    .map(name_hash),
            )
            .collect();
        Keep {
            names: Some(Arc::new(names)),
            name_hashes,
            pvalues,
        }
    }

    /// True when the setting with canonical name `name` is kept, or (Grandstream) when `name`
    /// is the v2 alias of a kept P-value.
    pub fn name(&self, name: &str) -> bool {
        self.names.is_none() || self.name_hashes.contains(&name_hash(name))
    }

    /// True when Grandstream P-value `number` is kept.
    pub(crate) fn pvalue(&self, number: u32) -> bool {
        if self.names.is_none() {
            return true;
        }
        let Ok(number) = usize::try_from(number) else {
            return false;
        };
        self.pvalues
            .get(number / 64)
            .is_some_and(|bits| bits & (1 << (number % 64)) != 0)
    }

    /// The names kept, for [`voipguard_model::Device::kept`]; `None` when every setting is.
    pub(crate) fn kept_names(&self) -> Option<Arc<FxHashSet<CompactString>>> {
        self.names.clone()
    }

    /// How many settings a file may keep at most, to size its map: every line when all are
    /// kept, else the number of names.
    pub(crate) fn capacity_for(&self, text: &str) -> usize {
        match &self.names {
            None => text.bytes().filter(|&byte| byte == b'\n').count() + 1,
            Some(names) => names.len(),
        }
    }
}

fn name_hash(name: &str) -> u64 {
    FxBuildHasher.hash_one(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_keeps_everything() {
        let keep = Keep::all();
        assert!(keep.name("anything"));
        assert!(keep.pvalue(123_456));
    }

    #[test]
    fn only_keeps_named_pvalues_and_every_pvalue_of_a_named_account_field() {
        let keep = Keep::only(["P276", "account.sip.transport", "user_srtp"]);
        assert!(keep.pvalue(276));
        assert!(!keep.pvalue(277));
        assert!(!keep.pvalue(u32::MAX));
        // account.sip.transport: P130 (account 1), P448 (2), P748 (5 on GRP), P1748 (5 on GXP).
        for number in [130, 448, 548, 648, 748, 1748] {
            assert!(keep.pvalue(number), "P{number}");
        }
        assert!(keep.name("user_srtp"));
        assert!(keep.name("security.ssh"));
        assert!(!keep.name("security.webAccessMode"));
        assert!(!keep.name("user_host"));
        // What the parsers read for themselves.
        assert!(keep.name("phone_type"));
        assert!(keep.pvalue(14101));
        // Every account field, so the accounts a file mentions stay known: P401 enables account 2.
        assert!(keep.pvalue(401));
    }
}
