use std::fmt;
use std::path::Path;
use std::sync::Arc;

use thiserror::Error;

/// A file (relative to the config folder) and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file, relative to the config folder.
    pub file: Arc<Path>,
    /// 1-based line number within that file.
    pub line: u32,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// Something that makes Asterisk reject the configuration (its loader returns an error). Messages
/// name file, line and what was expected, and never carry a value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// The top-level file could not be read.
    #[error("{}: cannot read the file: {reason}", file.display())]
    Unreadable {
        /// The file.
        file: Arc<Path>,
        /// Why.
        reason: String,
    },
    /// `[name` without `]`.
    #[error("{origin}: expected ']' to close the category name")]
    MissingCloseBracket {
        /// Where.
        origin: Origin,
    },
    /// `[name](opts` without `)`.
    #[error("{origin}: expected ')' to close the category options")]
    MissingCloseParen {
        /// Where.
        origin: Origin,
    },
    /// `[name](base)` where no earlier category or template is called `base`.
    #[error("{origin}: expected an earlier category or template named '{base}' to inherit from")]
    UnknownTemplate {
        /// The header.
        origin: Origin,
        /// The name asked for.
        base: String,
    },
    /// `[name](+)` or `(+filter)` with no earlier matching category to append to.
    #[error("{origin}: expected an earlier category '{name}' to append to (filter '{filter}')")]
    AppendWithoutTarget {
        /// The header.
        origin: Origin,
        /// The category name.
        name: String,
        /// The filter after `+`, empty when none.
        filter: String,
    },
    /// A variable with no category header before it (in this file or its includer).
    #[error(
        "{origin}: expected a [category] header before the first variable ({further} more such lines in this file)"
    )]
    NoCategory {
        /// The first such line.
        origin: Origin,
        /// Further lines of the same file dropped for the same reason.
        further: usize,
    },
    /// A line starting with `\` followed by whitespace or nothing.
    #[error("{origin}: expected a visible character after the leading '\\'")]
    InvalidEscape {
        /// Where.
        origin: Origin,
    },
    /// `#include` whose file (or glob) matched no readable regular file.
    #[error("{origin}: expected the included file '{target}' to exist")]
    MissingInclude {
        /// The directive.
        origin: Origin,
        /// The target as written.
        target: String,
    },
    /// An include that would re-enter a file already being read.
    #[error("{origin}: include cycle {}", chain.join(" -> "))]
    IncludeCycle {
        /// The directive.
        origin: Origin,
        /// The files from the top file to the one included again.
        chain: Vec<String>,
    },
    /// More nested includes than Asterisk's `MAX_INCLUDE_LEVEL` (10 files in a chain).
    #[error("{origin}: expected at most 10 nested files, got {}", chain.join(" -> "))]
    IncludeTooDeep {
        /// The directive.
        origin: Origin,
        /// The chain that is too long.
        chain: Vec<String>,
    },
    /// An include leaving the config folder (an absolute path elsewhere, `..`, or a symlink out):
    /// not followed, so an audited configuration cannot make the auditor read other files.
    #[error("{origin}: expected the included file '{target}' to be inside the config folder")]
    IncludeOutsideFolder {
        /// The directive.
        origin: Origin,
        /// The target as written.
        target: String,
    },
}

impl ConfigError {
    /// Where the problem is, when it is inside a file.
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            ConfigError::Unreadable { .. } => None,
            ConfigError::MissingCloseBracket { origin }
            | ConfigError::MissingCloseParen { origin }
            | ConfigError::UnknownTemplate { origin, .. }
            | ConfigError::AppendWithoutTarget { origin, .. }
            | ConfigError::NoCategory { origin, .. }
            | ConfigError::InvalidEscape { origin }
            | ConfigError::MissingInclude { origin, .. }
            | ConfigError::IncludeCycle { origin, .. }
            | ConfigError::IncludeTooDeep { origin, .. }
            | ConfigError::IncludeOutsideFolder { origin, .. } => Some(origin),
        }
    }
}

/// Something Asterisk logs and then ignores.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Warning {
    /// A line of 8,191 bytes or more (newline included) does not fit the read buffer: skipped.
    #[error("{origin}: line too long, skipped")]
    LineTooLong {
        /// Where.
        origin: Origin,
    },
    /// `#name` other than include, tryinclude and exec.
    #[error("{origin}: unknown directive '#{name}', ignored")]
    UnknownDirective {
        /// Where.
        origin: Origin,
        /// The directive name.
        name: String,
    },
    /// `#include` or `#tryinclude` with nothing after it.
    #[error("{origin}: directive without a file name, ignored")]
    DirectiveWithoutArgument {
        /// Where.
        origin: Origin,
    },
    /// A line that is neither header, directive nor `name = value`.
    #[error("{origin}: expected '=' in the line, ignored")]
    NoEquals {
        /// Where.
        origin: Origin,
    },
    /// `= value` with an empty name.
    #[error("{origin}: expected a variable name before '=', ignored")]
    NoVariableName {
        /// Where.
        origin: Origin,
    },
    /// A `;--` block comment still open at the end of the file(s) read for one directive.
    #[error("{origin}: block comment opened here is never closed")]
    UnterminatedComment {
        /// The opener.
        origin: Origin,
    },
    /// A 129th nested `;--`: ignored (Asterisk would loop forever here).
    #[error("{origin}: more than 128 nested block comments")]
    CommentNestLimit {
        /// Where.
        origin: Origin,
    },
    /// A glob match that is a directory or another non-regular file.
    #[error("{}: not a regular file, ignored", file.display())]
    NotRegularFile {
        /// The path.
        file: Arc<Path>,
    },
}
