//! The terminal report.

use voipguard_report::Format;

use crate::fleet::{options, render, two_phones};

fn position(haystack: &str, needle: &str) -> usize {
    haystack
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in output:\n{haystack}"))
}

#[test]
fn plain_text_snapshot() {
    let output = render(&two_phones(), Format::Text, options(false, false));
    assert!(!output.contains('\x1b'), "colour escapes with color off");
    insta::assert_snapshot!("text_plain", output);
}

#[test]
fn verbose_text_lists_passed_and_not_applicable_checks() {
    let quiet = render(&two_phones(), Format::Text, options(false, false));
    let verbose = render(&two_phones(), Format::Text, options(false, true));
    assert!(quiet.contains("  1 passed, 1 not applicable\n"));
    assert!(!quiet.contains("GS-TR069-OFF"));
    assert!(verbose.contains("  pass  medium    GS-TR069-OFF"));
    assert!(verbose.contains("  n/a   medium    GS-WIFI-WPA2"));
    insta::assert_snapshot!("text_verbose", verbose);
}

#[test]
fn failures_come_worst_first_with_message_evidence_and_fix() {
    let output = render(&two_phones(), Format::Text, options(false, false));
    let critical = position(&output, "  FAIL  critical  LOCAL-ADMIN-PASS\n");
    let high = position(
        &output,
        "  FAIL  high      GS-SSH-OFF  SSH is disabled, or off port 22 where it is needed\n",
    );
    let medium = position(&output, "  FAIL  medium    LOCAL-WEB-HTTPS\n");
    assert!(critical < high && high < medium);
    assert!(output.contains(
        "        phones/cfg000b82aabbcc.cfg:4  P2 = redacted (weak: 17 characters, guessable in hours)\n"
    ));
    assert!(output.contains("        (factory default)  P276 = 0 (not set; factory default)\n"));
    assert!(output.contains("        fix: P276 = 1\n"));
    assert!(output.contains(
        "000b82aabbcc  grandstream/grp/GRP2612W  score 14.3 (1 critical, 1 high open)  from phones/cfg000b82aabbcc.cfg\n"
    ));
}

#[test]
fn undecided_checks_are_listed_compactly_with_their_reasons() {
    let output = render(&two_phones(), Format::Text, options(false, false));
    assert!(output.contains(
        "  2 checks could not be decided: SN-SRTP (user_srtp1 is a template expression), SN-ADMIN-MODE (admin_mode is not set and its default is unconfirmed)\n"
    ));
    assert!(output.contains(
        "  1 check could not be decided: GS-SIP-TLS (account 1 transport is a template variable)\n"
    ));
}

#[test]
fn summary_counts_statuses_severities_skipped_files_and_errors() {
    let output = render(&two_phones(), Format::Text, options(false, false));
    let summary = &output[position(&output, "summary\n")..];
    assert!(summary.contains("  2 devices, mean score 48.8\n"));
    assert!(summary.contains("  checks: 4 failed, 3 undecided, 2 passed, 1 not applicable\n"));
    assert!(summary.contains("  failures: 1 critical, 1 high, 1 medium, 1 low\n"));
    assert!(summary.contains("    phones/README.txt: not a phone configuration\n"));
    assert!(
        summary.contains(
            "    phones/cfg000b82ddeeff.xml:7:3: unexpected end of file inside <config>\n"
        )
    );
}

#[test]
fn colour_marks_severities_only_when_asked() {
    let output = render(&two_phones(), Format::Text, options(true, false));
    assert!(output.contains("\x1b[1;31mFAIL\x1b[0m  \x1b[1;31mcritical\x1b[0m  LOCAL-ADMIN-PASS"));
    assert!(output.contains("\x1b[33mFAIL\x1b[0m  \x1b[33mmedium  \x1b[0m  LOCAL-WEB-HTTPS"));
    assert!(output.contains("\x1b[36mFAIL\x1b[0m  \x1b[36mlow     \x1b[0m  SN-LOG-LEVEL"));
    let without_escapes = strip_ansi(&output);
    assert_eq!(
        without_escapes,
        render(&two_phones(), Format::Text, options(false, false)),
        "colour must not change the text"
    );
}

fn strip_ansi(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for end in chars.by_ref() {
                if end == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn an_empty_run_still_ends_with_a_summary() {
    let empty = crate::fleet::Fleet {
        devices: Vec::new(),
        skipped: Vec::new(),
        errors: Vec::new(),
        observations: Vec::new(),
    };
    let output = render(&empty, Format::Text, options(false, false));
    assert_eq!(
        output,
        "summary\n  0 devices, mean score n/a\n  checks: none ran\n  failures: none\n  skipped files: none\n  errors: none\n"
    );
}
