//! The HTML page: self-contained, escaped, overview first.

use std::path::PathBuf;

use voipguard_model::{Severity, Status};
use voipguard_report::{Format, Skipped};

use crate::fleet::{Fleet, evidence, file, finding, options, render, setting, two_phones};

fn html(fleet: &Fleet) -> String {
    render(fleet, Format::Html, options(false, false))
}

#[test]
fn snapshot() {
    insta::assert_snapshot!("html", html(&two_phones()));
}

#[test]
fn page_is_self_contained_and_reproducible() {
    let page = html(&two_phones());
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.ends_with("</body>\n</html>\n"));
    assert_eq!(page.matches("<style>").count(), 1);
    for external in [
        "<script", "<link", "src=", "url(", "@import", "http://", "https://",
    ] {
        assert!(!page.contains(external), "page references `{external}`");
    }
    assert_eq!(
        page,
        html(&two_phones()),
        "two runs on the same input differ"
    );
}

#[test]
fn overview_comes_first_then_one_section_per_device_then_inputs() {
    let page = html(&two_phones());
    let overview = page.find("<section id=\"overview\">").expect("overview");
    let first = page
        .find("<section class=\"device\" id=\"device-1\">")
        .expect("device 1");
    let second = page
        .find("<section class=\"device\" id=\"device-2\">")
        .expect("device 2");
    let inputs = page.find("<section id=\"inputs\">").expect("inputs");
    assert!(overview < first && first < second && second < inputs);
    assert_eq!(page.matches("<section class=\"device\"").count(), 2);
    assert_eq!(page.matches("<details>").count(), 2);
    assert!(page.contains("<span class=\"badge sev-critical\">1 critical</span>"));
    assert!(page.contains("<span class=\"badge sev-info zero\">0 info</span>"));
    assert!(page.contains("<td><code>GS-SSH-OFF</code></td><td>SSH is disabled, or off port 22 where it is needed</td><td>1</td>"));
    assert!(page.contains("<br><code>P276 = 1</code>"));
    assert!(page.contains("<li><code>phones/cfg000b82ddeeff.xml:7:3: unexpected end of file inside &lt;config&gt;</code></li>"));
}

#[test]
fn markup_in_messages_file_names_and_ids_is_escaped() {
    let hostile = file("phones/<script>alert('file')</script>.xml");
    let mut fleet = two_phones();
    let (device, findings) = &mut fleet.devices[1];
    device.id = "<b>id</b>".to_owned();
    device.sources = vec![hostile.clone()];
    let written = setting(&hostile, 3, "user_name<i>", "\"><script>", false);
    *findings = vec![finding(
        "SN-<script>",
        Status::Fail,
        Severity::High,
        "<script>alert('message')</script> & more",
        vec![evidence(&written, "\"><script>alert(1)</script>")],
    )];
    fleet.skipped.push(Skipped {
        file: PathBuf::from("<script>skipped.txt"),
        reason: "<img onerror=x>".to_owned(),
    });
    let page = html(&fleet);
    for raw in ["<script", "<b>", "<i>", "<img"] {
        assert!(!page.contains(raw), "`{raw}` reached the page unescaped");
    }
    assert!(page.contains("&lt;script&gt;alert(&#39;message&#39;)&lt;/script&gt; &amp; more"));
    assert!(page.contains("phones/&lt;script&gt;alert(&#39;file&#39;)&lt;/script&gt;.xml"));
    assert!(page.contains("&lt;b&gt;id&lt;/b&gt;"));
    assert!(page.contains("&lt;img onerror=x&gt;"));
}

#[test]
fn an_empty_run_says_nothing_failed() {
    let empty = Fleet {
        devices: Vec::new(),
        skipped: Vec::new(),
        errors: Vec::new(),
        observations: Vec::new(),
    };
    let page = html(&empty);
    assert!(page.contains("<p class=\"ok\">No check failed.</p>"));
    assert!(!page.contains("<section class=\"device\""));
    assert!(!page.contains("<section id=\"inputs\">"));
}
