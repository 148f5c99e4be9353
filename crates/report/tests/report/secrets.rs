//! No format ever shows a secret: evidence arrives redacted and must stay that way.

use voipguard_report::Format;

use crate::fleet::{RAW_SECRET, options, render, two_phones};

#[test]
fn no_format_contains_the_raw_secret_but_every_format_shows_the_judgement() {
    let fleet = two_phones();
    for format in [Format::Text, Format::Json, Format::Sarif, Format::Html] {
        for (color, verbose) in [(false, false), (true, true)] {
            let output = render(&fleet, format, options(color, verbose));
            assert!(
                !output.contains(RAW_SECRET),
                "{format:?} (color {color}, verbose {verbose}) shows the raw secret"
            );
            assert!(
                output.contains("redacted (weak: 17 characters, guessable in hours)"),
                "{format:?} lost the redacted evidence"
            );
        }
    }
}
