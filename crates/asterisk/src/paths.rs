//! Include targets to files, as `config_text_file_load` does with `glob(GLOB_NOMAGIC|GLOB_BRACE)`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::GlobBuilder;

/// Where Asterisk keeps its configuration; absolute includes below it map onto the audited folder.
const ASTETCDIR: &str = "/etc/asterisk/";

/// The files an include target names.
#[derive(Debug, Default)]
pub(crate) struct Expansion {
    /// Regular files inside the folder, in glob order: (path relative to the folder, canonical).
    pub files: Vec<(Arc<Path>, PathBuf)>,
    /// Matches that are directories or other non-regular files.
    pub not_regular: Vec<Arc<Path>>,
    /// Some match (or the target itself) lies outside the folder and was not followed.
    pub outside: bool,
}

/// Expands `target` against `root`. A relative target is relative to the folder (astetcdir), never
/// to the including file.
pub(crate) fn expand(root: &Path, target: &str) -> Expansion {
    let relative = match target.strip_prefix('/') {
        Some(_) => match target.strip_prefix(ASTETCDIR) {
            Some(rest) => rest,
            None => return outside(),
        },
        None => target,
    };
    let components: Vec<&str> = relative
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if components.contains(&"..") {
        return outside();
    }
    let mut candidates = vec![PathBuf::new()];
    for component in components {
        candidates = if is_magic(component) {
            candidates
                .iter()
                .flat_map(|dir| matching_entries(root, dir, component))
                .collect()
        } else {
            candidates
                .into_iter()
                .map(|dir| dir.join(component))
                .collect()
        };
    }
    // glob(3) sorts its result; byte order is what the C locale Asterisk runs under gives.
    candidates.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    let Ok(canonical_root) = root.canonicalize() else {
        return Expansion::default();
    };
    let mut expansion = Expansion::default();
    for relative in candidates {
        let full = root.join(&relative);
        let Ok(meta) = full.metadata() else { continue };
        if !meta.is_file() {
            expansion.not_regular.push(Arc::from(relative));
            continue;
        }
        match full.canonicalize() {
            Ok(canonical) if canonical.starts_with(&canonical_root) => {
                expansion.files.push((Arc::from(relative), canonical));
            }
            Ok(_) => expansion.outside = true,
            Err(_) => {}
        }
    }
    expansion
}

fn outside() -> Expansion {
    Expansion {
        outside: true,
        ..Expansion::default()
    }
}

fn is_magic(component: &str) -> bool {
    component.contains(['*', '?', '[', '{'])
}

/// Entries of `root/dir` whose name matches the glob `pattern`; like glob(3), a leading dot must
/// be matched explicitly.
fn matching_entries(root: &Path, dir: &Path, pattern: &str) -> Vec<PathBuf> {
    let matcher = GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher());
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|name| {
            let name = name.to_string_lossy();
            if name.starts_with('.') && !pattern.starts_with('.') {
                return false;
            }
            match &matcher {
                Ok(m) => m.is_match(name.as_ref()),
                // glob(3) takes a malformed pattern such as an unclosed '[' literally.
                Err(_) => name == pattern,
            }
        })
        .map(|name| dir.join(name))
        .collect()
}
