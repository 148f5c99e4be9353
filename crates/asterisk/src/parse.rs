//! A port of `config_text_file_load()` and `process_text_line()` from Asterisk's `main/config.c`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::paths;
use crate::{Category, Config, ConfigError, Exec, Include, IncludeKind, Origin, Variable, Warning};

/// `char buf[8192]` read with `fgets`: at most 8,191 bytes per chunk.
const FGETS_MAX: usize = 8191;
/// `MAX_NESTED_COMMENTS` in config.c.
const MAX_NESTED_COMMENTS: i32 = 128;
/// `MAX_INCLUDE_LEVEL` in config.c: files open at once, the top file included.
const MAX_INCLUDE_LEVEL: usize = 10;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Builds one [`Config`] from a top-level file and its includes.
pub(crate) struct Loader<'a> {
    root: Option<&'a Path>,
    config: Config,
    /// `cfg->current`: the last category appended or appended to; where an include starts.
    current: Option<usize>,
    /// Files being read, outermost first: (display path, canonical path when on disk).
    chain: Vec<(Arc<Path>, Option<PathBuf>)>,
}

/// What config.c keeps in locals of one `config_text_file_load` call, so shared by every file a
/// glob expands to: the current category, block-comment depth and line counter.
struct CallState {
    category: Option<usize>,
    comments: Comments,
    asterisk_line: u32,
    /// Index in `errors` of this file's `NoCategory` error, which later such lines only count in.
    no_category: Option<usize>,
}

impl CallState {
    fn new(category: Option<usize>) -> Self {
        Self {
            category,
            comments: Comments::default(),
            asterisk_line: 0,
            no_category: None,
        }
    }
}

impl<'a> Loader<'a> {
    pub(crate) fn new(root: Option<&'a Path>) -> Self {
        Self {
            root,
            config: Config {
                file: Arc::from(Path::new("")),
                categories: Vec::new(),
                includes: Vec::new(),
                execs: Vec::new(),
                files_read: Vec::new(),
                errors: Vec::new(),
                warnings: Vec::new(),
            },
            current: None,
            chain: Vec::new(),
        }
    }

    pub(crate) fn load_top(mut self, name: &str) -> Config {
        let file: Arc<Path> = Arc::from(Path::new(name));
        self.config.file = file.clone();
        let Some(root) = self.root else {
            return self.config;
        };
        let full = root.join(name);
        match std::fs::read(&full) {
            Ok(bytes) => self.read_call(&[(file, full.canonicalize().ok(), bytes)]),
            Err(e) => self.config.errors.push(ConfigError::Unreadable {
                file,
                reason: e.kind().to_string(),
            }),
        }
        self.config
    }

    pub(crate) fn parse_top(mut self, name: &str, text: &[u8]) -> Config {
        let file: Arc<Path> = Arc::from(Path::new(name));
        self.config.file = file.clone();
        self.read_call(&[(file, None, text.to_vec())]);
        self.config
    }

    /// One `config_text_file_load` call over the files a name or glob expanded to.
    fn read_call(&mut self, files: &[(Arc<Path>, Option<PathBuf>, Vec<u8>)]) {
        let mut call = CallState::new(self.current);
        for (file, canonical, bytes) in files {
            self.read_file(file, canonical.clone(), bytes, &mut call);
        }
        if let Some(line) = call.comments.unterminated() {
            let file = files
                .last()
                .map_or_else(|| self.config.file.clone(), |f| f.0.clone());
            self.config.warnings.push(Warning::UnterminatedComment {
                origin: Origin { file, line },
            });
        }
    }

    fn read_file(
        &mut self,
        file: &Arc<Path>,
        canonical: Option<PathBuf>,
        bytes: &[u8],
        call: &mut CallState,
    ) {
        self.config.files_read.push(file.clone());
        self.chain.push((file.clone(), canonical));
        call.no_category = None;
        for (line, chunk) in Lines::new(bytes) {
            call.asterisk_line += 1;
            let origin = Origin {
                file: file.clone(),
                line,
            };
            let Some(mut text) = chunk else {
                self.config.warnings.push(Warning::LineTooLong { origin });
                continue;
            };
            // config.c counts lines across the files of one glob, so only the first file's BOM goes.
            if call.asterisk_line == 1 {
                text = text.strip_prefix(BOM).unwrap_or(text);
            }
            if let Some(kept) = call
                .comments
                .strip(text, &origin, &mut self.config.warnings)
            {
                let kept = trim(&kept);
                if !kept.is_empty() {
                    self.process_line(kept, origin, call);
                }
            }
        }
        self.chain.pop();
    }

    fn process_line(&mut self, text: &[u8], origin: Origin, call: &mut CallState) {
        match text.first() {
            Some(b'[') => self.header(text, origin, call),
            Some(b'#') => self.directive(text, origin),
            _ => self.variable(text, origin, call),
        }
    }

    fn header(&mut self, text: &[u8], origin: Origin, call: &mut CallState) {
        let Some(close) = text.iter().position(|&b| b == b']') else {
            self.config
                .errors
                .push(ConfigError::MissingCloseBracket { origin });
            return;
        };
        let name = lossy(text.get(1..close).unwrap_or_default());
        let after = text.get(close + 1..).unwrap_or_default();
        // Options only directly after ']': "[foo] (!)" has none.
        let options = match after.split_first() {
            Some((b'(', rest)) => match rest.iter().position(|&b| b == b')') {
                Some(end) => rest.get(..end),
                None => {
                    self.config
                        .errors
                        .push(ConfigError::MissingCloseParen { origin });
                    return;
                }
            },
            _ => None,
        };
        let mut fresh = Some(Category {
            name: name.clone(),
            is_template: false,
            inherits: Vec::new(),
            origin: origin.clone(),
            variables: Vec::new(),
        });
        let mut appended_to = None;
        for option in options.into_iter().flat_map(|o| o.split(|&b| b == b',')) {
            let option = lossy(option);
            if option == "!" {
                if let Some(target) = target(&mut fresh, appended_to, &mut self.config.categories) {
                    target.is_template = true;
                }
            } else if let Some(filter) = option.strip_prefix('+') {
                let Some(index) = self.find_category(&name, filter, '&') else {
                    self.config.errors.push(ConfigError::AppendWithoutTarget {
                        origin: origin.clone(),
                        name: name.clone(),
                        filter: filter.to_owned(),
                    });
                    continue;
                };
                if let (Some(moved), Some(existing)) =
                    (fresh.take(), self.config.categories.get_mut(index))
                {
                    existing.is_template |= moved.is_template;
                    existing.inherits.extend(moved.inherits);
                    existing.variables.extend(moved.variables);
                }
                appended_to = Some(index);
                self.current = Some(index);
            } else {
                let Some(base) = self
                    .find_category(&option, "TEMPLATES=include", ',')
                    .and_then(|i| self.config.categories.get(i))
                else {
                    self.config.errors.push(ConfigError::UnknownTemplate {
                        origin: origin.clone(),
                        base: option,
                    });
                    continue;
                };
                let copied: Vec<Variable> = base
                    .variables
                    .iter()
                    .map(|v| Variable {
                        inherited: true,
                        ..v.clone()
                    })
                    .collect();
                if let Some(target) = target(&mut fresh, appended_to, &mut self.config.categories) {
                    target.variables.extend(copied);
                    target.inherits.push(option);
                }
            }
        }
        call.category = match fresh {
            Some(category) => {
                self.config.categories.push(category);
                self.current = Some(self.config.categories.len() - 1);
                self.current
            }
            None => appended_to,
        };
    }

    /// `category_get_sep`: the first category called `name` that passes `filter`.
    fn find_category(&self, name: &str, filter: &str, separator: char) -> Option<usize> {
        self.config
            .categories
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name) && passes(c, filter, separator))
    }

    fn directive(&mut self, text: &[u8], origin: Origin) {
        let body = text.get(1..).unwrap_or_default();
        let name_end = body.iter().position(|&b| b <= 32).unwrap_or(body.len());
        let (name, rest) = body.split_at(name_end);
        let name = lossy(name);
        let argument = dequote(trim(rest));
        let kind = if name.eq_ignore_ascii_case("include") {
            IncludeKind::Include
        } else if name.eq_ignore_ascii_case("tryinclude") {
            IncludeKind::TryInclude
        } else if name.eq_ignore_ascii_case("exec") {
            // Never run: without `execincludes=yes` Asterisk ignores it, with it the output is
            // unknowable here. Either way the audit reports it.
            self.config.execs.push(Exec {
                origin,
                command: lossy(argument),
            });
            return;
        } else {
            self.config
                .warnings
                .push(Warning::UnknownDirective { origin, name });
            return;
        };
        if trim(rest).is_empty() {
            self.config
                .warnings
                .push(Warning::DirectiveWithoutArgument { origin });
            return;
        }
        self.include(origin, kind, lossy(argument));
    }

    fn include(&mut self, origin: Origin, kind: IncludeKind, target: String) {
        let index = self.config.includes.len();
        self.config.includes.push(Include {
            origin: origin.clone(),
            kind,
            target: target.clone(),
            files: Vec::new(),
        });
        let expansion = match self.root {
            Some(root) => paths::expand(root, &target),
            None => paths::Expansion::default(),
        };
        self.config.warnings.extend(
            expansion
                .not_regular
                .into_iter()
                .map(|file| Warning::NotRegularFile { file }),
        );
        let mut refused = expansion.outside;
        if expansion.outside {
            self.config.errors.push(ConfigError::IncludeOutsideFolder {
                origin: origin.clone(),
                target: target.clone(),
            });
        }
        let mut files = Vec::new();
        for (relative, canonical) in expansion.files {
            let mut chain: Vec<String> = self
                .chain
                .iter()
                .map(|(f, _)| f.display().to_string())
                .collect();
            chain.push(relative.display().to_string());
            if self
                .chain
                .iter()
                .any(|(_, c)| c.as_ref() == Some(&canonical))
            {
                self.config.errors.push(ConfigError::IncludeCycle {
                    origin: origin.clone(),
                    chain,
                });
                refused = true;
            } else if self.chain.len() >= MAX_INCLUDE_LEVEL {
                self.config.errors.push(ConfigError::IncludeTooDeep {
                    origin: origin.clone(),
                    chain,
                });
                refused = true;
            } else if let Ok(bytes) = std::fs::read(&canonical) {
                files.push((relative, Some(canonical), bytes));
            }
        }
        if let Some(include) = self.config.includes.get_mut(index) {
            include.files = files.iter().map(|f| f.0.clone()).collect();
        }
        if files.is_empty() {
            if !refused && kind == IncludeKind::Include {
                self.config
                    .errors
                    .push(ConfigError::MissingInclude { origin, target });
            }
            return;
        }
        self.read_call(&files);
    }

    fn variable(&mut self, text: &[u8], origin: Origin, call: &mut CallState) {
        let Some(category) = call
            .category
            .and_then(|i| self.config.categories.get_mut(i))
        else {
            match call.no_category.and_then(|i| self.config.errors.get_mut(i)) {
                Some(ConfigError::NoCategory { further, .. }) => *further += 1,
                _ => {
                    call.no_category = Some(self.config.errors.len());
                    self.config
                        .errors
                        .push(ConfigError::NoCategory { origin, further: 0 });
                }
            }
            return;
        };
        // A leading '\' escapes the first character of the name, so it cannot start '=' search.
        let (body, skip) = match text.strip_prefix(b"\\") {
            Some(rest) => {
                if rest.first().is_none_or(|&b| b < 33) {
                    self.config
                        .errors
                        .push(ConfigError::InvalidEscape { origin });
                    return;
                }
                (rest, 1)
            }
            None => (text, 0),
        };
        let Some(equals) = body
            .iter()
            .skip(skip)
            .position(|&b| b == b'=')
            .map(|i| i + skip)
        else {
            self.config.warnings.push(Warning::NoEquals { origin });
            return;
        };
        let before = body.get(..equals).unwrap_or_default();
        let after = body.get(equals + 1..).unwrap_or_default();
        let (name, value, object) = match before.strip_suffix(b"+") {
            Some(name) if equals > skip => {
                let name = lossy(trim(name));
                if append(category, &name, &lossy(after)) {
                    return;
                }
                (name, after, false)
            }
            _ => match after.strip_prefix(b">") {
                Some(value) => (lossy(trim(before)), value, true),
                None => (lossy(trim(before)), after, false),
            },
        };
        if name.is_empty() {
            self.config
                .warnings
                .push(Warning::NoVariableName { origin });
            return;
        }
        category.variables.push(Variable {
            name,
            value: lossy(trim(value)),
            origin,
            object,
            inherited: false,
            append: false,
        });
    }
}

/// `+=`: extends the value of the last earlier `name` (case-sensitive, `strcmp`), written back
/// through `ast_variable_update`, which rewrites the FIRST variable with that name and value.
/// Returns false when there is nothing to extend (the line is then a plain set).
fn append(category: &mut Category, name: &str, rest: &str) -> bool {
    let Some(last) = category.variables.iter().rev().find(|v| v.name == name) else {
        return false;
    };
    let joined = format!("{}{rest}", last.value);
    let joined = trim_str(&joined).to_owned();
    let (old_name, old_value) = (last.name.clone(), last.value.clone());
    if let Some(updated) = category.variables.iter_mut().find(|v| {
        v.name.eq_ignore_ascii_case(&old_name)
            && (old_value.is_empty() || v.value.eq_ignore_ascii_case(&old_value))
    }) {
        updated.value = joined;
        // ast_variable_move does not carry the inherited flag over to the rewritten node.
        updated.inherited = false;
        updated.append = true;
    }
    true
}

/// Where a header's options apply: the new category, or the one `(+)` switched to.
fn target<'c>(
    fresh: &'c mut Option<Category>,
    appended_to: Option<usize>,
    categories: &'c mut [Category],
) -> Option<&'c mut Category> {
    match fresh {
        Some(category) => Some(category),
        None => appended_to.and_then(|i| categories.get_mut(i)),
    }
}

/// `does_category_match`: `name=value` conditions joined by `separator`; `TEMPLATES=include`
/// admits templates, `TEMPLATES=restrict` admits only templates. Asterisk matches values with a
/// regex; a substring test covers the literal filters seen in practice.
fn passes(category: &Category, filter: &str, separator: char) -> bool {
    if filter.is_empty() {
        return !category.is_template;
    }
    let mut templates_ok = false;
    for condition in filter.split(separator) {
        let (name, value) = condition.split_once('=').unwrap_or((condition, ""));
        let (name, value) = (trim_str(name), trim_str(value));
        if name.eq_ignore_ascii_case("TEMPLATES") {
            templates_ok = true;
            if value.eq_ignore_ascii_case("restrict") && !category.is_template {
                return false;
            }
            continue;
        }
        let found = category
            .variables
            .iter()
            .any(|v| v.name.eq_ignore_ascii_case(name) && v.value.contains(value));
        if !found {
            return false;
        }
    }
    templates_ok || !category.is_template
}

/// `ast_strip`: bytes below 33 (space, tab, CR, LF and other controls) at both ends.
fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b >= 33).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b >= 33)
        .map_or(start, |i| i + 1);
    bytes.get(start..end).unwrap_or_default()
}

fn trim_str(text: &str) -> &str {
    text.trim_matches(|c: char| u32::from(c) < 33)
}

/// Removes one pair of `"…"` or `<…>` around an include or exec argument.
fn dequote(argument: &[u8]) -> &[u8] {
    let close = match argument.first() {
        Some(b'"') => b'"',
        Some(b'<') => b'>',
        _ => return argument,
    };
    match argument.split_last() {
        Some((&last, inner)) if last == close => inner.get(1..).unwrap_or_default(),
        _ => argument,
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Lines as `fgets` into an 8,192-byte buffer yields them: `None` for a line skipped as too long
/// (with its continuation chunks); text is cut at a NUL byte as C string functions see it.
struct Lines<'a> {
    rest: &'a [u8],
    number: u32,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            number: 0,
        }
    }

    fn fgets(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let limit = self.rest.len().min(FGETS_MAX);
        let end = self
            .rest
            .iter()
            .take(limit)
            .position(|&b| b == b'\n')
            .map_or(limit, |i| i + 1);
        let (chunk, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(chunk)
    }
}

fn c_string(chunk: &[u8]) -> &[u8] {
    match chunk.iter().position(|&b| b == 0) {
        Some(nul) => chunk.get(..nul).unwrap_or_default(),
        None => chunk,
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (u32, Option<&'a [u8]>);

    fn next(&mut self) -> Option<Self::Item> {
        let chunk = c_string(self.fgets()?);
        self.number += 1;
        if chunk.len() == FGETS_MAX {
            while let Some(next) = self.fgets() {
                if c_string(next).len() != FGETS_MAX {
                    break;
                }
            }
            return Some((self.number, None));
        }
        Some((self.number, Some(chunk)))
    }
}

/// Block-comment state. The depth is signed because config.c decrements on any `--;`, even
/// outside a block: a stray closer makes the following lines count as commented.
#[derive(Default)]
struct Comments {
    depth: i32,
    opened_at: Vec<u32>,
}

impl Comments {
    /// The comment loop of `config_text_file_load`: returns the text handed on (untrimmed), or
    /// `None` when the line started inside a block comment and never left it.
    fn strip(
        &mut self,
        line: &[u8],
        origin: &Origin,
        warnings: &mut Vec<Warning>,
    ) -> Option<Vec<u8>> {
        // A NUL-terminated copy, edited in place like the C buffer.
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line);
        buf.push(0);
        let mut keep = (self.depth == 0).then_some(0usize);
        let mut scan = 0usize;
        while let Some(semi) = find_semicolon(&buf, scan) {
            let at = |i: usize| buf.get(i).copied().unwrap_or(0);
            if semi > scan && at(semi - 1) == b'\\' {
                buf.remove(semi - 1);
                scan = semi;
            } else if at(semi + 1) == b'-' && at(semi + 2) == b'-' && at(semi + 3) != b'-' {
                if self.depth < MAX_NESTED_COMMENTS {
                    if let Some(b) = buf.get_mut(semi) {
                        *b = 0;
                    }
                    scan = semi + 3;
                    if self.depth >= 0 {
                        self.opened_at.push(origin.line);
                    }
                    self.depth += 1;
                } else {
                    warnings.push(Warning::CommentNestLimit {
                        origin: origin.clone(),
                    });
                    scan = semi + 1;
                }
            } else if semi >= scan + 2 && at(semi - 1) == b'-' && at(semi - 2) == b'-' {
                if self.depth > 0 {
                    self.opened_at.pop();
                }
                self.depth -= 1;
                scan = semi + 1;
                if self.depth == 0 {
                    match keep {
                        Some(start) => {
                            // Text after the closer joins the text kept before the opener.
                            let end = start + c_len(&buf, start);
                            if end < scan {
                                buf.drain(end..scan);
                                scan = end;
                            }
                        }
                        None => keep = Some(scan),
                    }
                }
            } else if self.depth == 0 {
                if let Some(b) = buf.get_mut(semi) {
                    *b = 0;
                }
                scan = semi;
            } else {
                scan = semi + 1;
            }
        }
        keep.map(|start| {
            let len = c_len(&buf, start);
            buf.get(start..start + len).unwrap_or_default().to_vec()
        })
    }

    /// The line of the innermost block comment still open.
    fn unterminated(&self) -> Option<u32> {
        if self.depth > 0 {
            self.opened_at.last().copied()
        } else {
            None
        }
    }
}

fn c_len(buf: &[u8], from: usize) -> usize {
    buf.get(from..).map_or(0, |s| c_string(s).len())
}

fn find_semicolon(buf: &[u8], from: usize) -> Option<usize> {
    let len = c_len(buf, from);
    buf.get(from..from + len)?
        .iter()
        .position(|&b| b == b';')
        .map(|i| i + from)
}
