//! The commented template `voipguard facts template` prints.

use std::fmt::Write as _;

use crate::schema::{Kind, ValueType};

/// A template for `kind`: every fact with its meaning, allowed values and guide section, each
/// left commented out with a placeholder that is not valid TOML, so an untouched template
/// decides nothing (every check that needs a fact says `unknown`) and a line uncommented without
/// choosing a value is an error, not a silent `pass`.
pub fn template(kind: Kind) -> String {
    let mut out = String::new();
    let device_hint = match kind {
        Kind::Scoptel => {
            "the folder of this PBX's Asterisk files, exactly as given to `voipguard audit`"
        }
        Kind::Allworx => "a name for this Allworx server in the report",
        Kind::Site => "a name for this site in the report",
    };
    let _ = writeln!(out, "# voipguard facts file: {}", kind.as_str());
    let _ = writeln!(out, "# {}", kind.description());
    out.push_str(
        "#\n\
         # Every fact below is commented out. A fact left unset makes the checks that need it\n\
         # report `unknown`, never `pass`. To state a fact, uncomment its line and replace the\n\
         # <placeholder> with the value you read in the GUI or on the router.\n\
         # Never write a password here: state only your judgement of it.\n\n",
    );
    let _ = writeln!(out, "kind = \"{}\"", kind.as_str());
    let _ = writeln!(out, "device = \"CHANGE-ME\"  # {device_hint}");
    let mut table = "";
    for fact in kind.facts() {
        if fact.table != table {
            table = fact.table;
            let _ = writeln!(out, "\n[{table}]");
        }
        let _ = writeln!(out, "\n# {}", fact.meaning);
        let placeholder = match fact.value {
            ValueType::Bool => "<true or false>".to_owned(),
            ValueType::Port => "<port number, 1 to 65535>".to_owned(),
            ValueType::Choice(choices) => {
                out.push_str("# Values:\n");
                for choice in choices {
                    let _ = writeln!(out, "#   \"{}\": {}", choice.value, choice.meaning);
                }
                "<one of the values above, in quotes>".to_owned()
            }
        };
        let _ = writeln!(out, "# Guide section: {}", fact.section);
        let _ = writeln!(out, "# {} = {placeholder}", fact.key);
    }
    out
}
