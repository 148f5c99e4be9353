//! Reads a folder of `/etc/asterisk`-style `.conf` files the way Asterisk's `main/config.c` does.
//!
//! Every rule of `shared/reference/asterisk.md` section 1 is followed: the 8,192-byte line buffer,
//! the BOM on line 1, `;` comments with `\;` escapes, nested `;--` … `--;` block comments,
//! `[name](!,base,+filter)` headers, `=`, `=>` and `+=`, `#include` / `#tryinclude` with globs and
//! quoting, and `#exec` (recorded, never run). Every category and variable keeps the file and line
//! it came from, through includes and templates.
//!
//! Where Asterisk would refuse a whole file (a missing `#include`, an unknown template, a variable
//! before any category), this crate records a [`ConfigError`] and goes on parsing, so an audit sees
//! both the finding and the rest of the configuration. Things Asterisk only logs are [`Warning`]s.
//!
//! Entry points: [`ConfigSet::load`] for a folder, [`Config::load`] for one top-level file,
//! [`Config::parse_bytes`] for text without a folder (includes then cannot resolve).
#![deny(missing_docs)]

mod error;
mod parse;
mod paths;
mod set;

use std::path::Path;
use std::sync::Arc;

pub use error::{ConfigError, Origin, Warning};
pub use set::{ConfigSet, LoadError};

/// One top-level file (e.g. `sip.conf`) with everything it includes, as Asterisk builds one
/// `struct ast_config` from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The top-level file, relative to the config folder.
    pub file: Arc<Path>,
    /// Every category in load order, templates included; same-named categories stay separate.
    pub categories: Vec<Category>,
    /// `#include` and `#tryinclude` directives met while loading, in order.
    pub includes: Vec<Include>,
    /// `#exec` directives: never run, so their output is unknown to a static audit.
    pub execs: Vec<Exec>,
    /// Every file actually read (the top file first), relative to the config folder.
    pub files_read: Vec<Arc<Path>>,
    /// Problems that make Asterisk reject this configuration; parsing went on past them.
    pub errors: Vec<ConfigError>,
    /// Problems Asterisk only logs.
    pub warnings: Vec<Warning>,
}

/// A `[name]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// The text between `[` and the first `]`, untrimmed, as Asterisk keeps it.
    pub name: String,
    /// `(!)`: a template, never handed to consumers but available to inherit from.
    pub is_template: bool,
    /// Categories inherited from, in the order their variables were copied.
    pub inherits: Vec<String>,
    /// Where the header is.
    pub origin: Origin,
    /// Variables in order: inherited ones first (as copied), then the category's own.
    pub variables: Vec<Variable>,
}

/// One `name = value` (or `=>`, `+=`) line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// Trimmed name; a leading `\` escape is removed.
    pub name: String,
    /// Trimmed value, quotes kept, `\;` turned into `;`.
    pub value: String,
    /// Where the line is (for an inherited variable: its line in the template).
    pub origin: Origin,
    /// Written with `=>`.
    pub object: bool,
    /// Copied from a template or base category.
    pub inherited: bool,
    /// Extended by at least one later `+=` line; `origin` stays the first definition.
    pub append: bool,
}

/// An `#include` or `#tryinclude` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// Where the directive is.
    pub origin: Origin,
    /// `#include` (missing file is an error) or `#tryinclude` (skipped).
    pub kind: IncludeKind,
    /// The file name or glob as written, quotes removed.
    pub target: String,
    /// Files read for it, in glob order, relative to the config folder.
    pub files: Vec<Arc<Path>>,
}

/// Which include directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeKind {
    /// `#include`
    Include,
    /// `#tryinclude`
    TryInclude,
}

/// An `#exec` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exec {
    /// Where the directive is.
    pub origin: Origin,
    /// The command line as written, quotes removed.
    pub command: String,
}

impl Config {
    /// Loads `file` (relative to `folder`, which stands for astetcdir) and everything it includes.
    /// Never fails: an unreadable top file is a [`ConfigError::Unreadable`].
    pub fn load(folder: &Path, file: &str) -> Config {
        parse::Loader::new(Some(folder)).load_top(file)
    }

    /// Parses `text` as the top-level file `name`, without a folder: every include is missing.
    pub fn parse_bytes(name: &str, text: &[u8]) -> Config {
        parse::Loader::new(None).parse_top(name, text)
    }

    /// Categories a consumer sees (templates left out), in order.
    pub fn sections(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(|c| !c.is_template)
    }

    /// The first non-template category called `name` (case-insensitive), as
    /// `ast_category_get` returns it.
    pub fn category(&self, name: &str) -> Option<&Category> {
        self.sections().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Every non-template category called `name`: pjsip keeps `[6001]` endpoint, aor and auth
    /// apart this way.
    pub fn categories_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Category> {
        self.sections()
            .filter(move |c| c.name.eq_ignore_ascii_case(name))
    }

    /// The variables of every non-template category called `name`, concatenated in load order:
    /// how pbx_config merges duplicate extensions.conf contexts.
    pub fn merged(&self, name: &str) -> Vec<&Variable> {
        self.sections()
            .filter(|c| c.name.eq_ignore_ascii_case(name))
            .flat_map(|c| c.variables.iter())
            .collect()
    }

    /// `ast_variable_retrieve`: the last `key` in the first category called `category`.
    pub fn value(&self, category: &str, key: &str) -> Option<&str> {
        self.category(category).and_then(|c| c.value(key))
    }
}

impl Category {
    /// The last variable called `key` (case-insensitive): the one that wins for single-valued keys.
    pub fn get(&self, key: &str) -> Option<&Variable> {
        self.variables
            .iter()
            .rev()
            .find(|v| v.name.eq_ignore_ascii_case(key))
    }

    /// The value of [`Category::get`].
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(|v| v.value.as_str())
    }

    /// Every variable called `key` in order: for list keys such as `permit`/`deny`, `allow`,
    /// `register`, `exten`.
    pub fn all<'a>(&'a self, key: &'a str) -> impl DoubleEndedIterator<Item = &'a Variable> {
        self.variables
            .iter()
            .filter(move |v| v.name.eq_ignore_ascii_case(key))
    }
}
