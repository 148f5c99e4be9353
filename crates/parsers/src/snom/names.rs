//! Snom setting names: identity suffixes, secrets, and the model and MAC a file name carries.

use std::path::Path;

use voipguard_model::SettingKey;

use crate::keep::Keep;

/// Settings outside the `user_` prefix that exist once per identity: every name a snom720
/// settings dump (fw 8.7.3.17) writes with an `idx` attribute. Sorted, for binary search.
const PER_IDENTITY: &[&str] = &[
    "ack_before_reinvite_when_holding",
    "ack_repetition_idle_time",
    "auth_tmp_pass",
    "auth_tmp_realm",
    "cache_contact_details",
    "cc_token",
    "chars_in_lower_case",
    "chars_in_upper_case",
    "codec_priority_list",
    "codec_size",
    "conferencing",
    "dnd_mode",
    "extension_monitoring_group",
    "general_purpose_xml_descriptions",
    "hide_identity",
    "internal_ringer_file",
    "internal_ringer_text",
    "is_voice_identity",
    "keepalive_interval",
    "mc_address",
    "presence_state",
    "reciprocal_hold",
    "record_dialed_calls",
    "record_missed_calls",
    "record_missed_calls_cwi_off",
    "record_received_calls",
    "redirect_identity_allways",
    "remote_contact_header_field",
    "retry_after_failed_subscribe",
    "ring_after_delay",
    "server_managed_fwd_all_nr",
    "server_managed_fwd_all_state",
    "server_managed_fwd_busy_nr",
    "server_managed_fwd_busy_state",
    "server_managed_fwd_time_nr",
    "server_managed_fwd_time_secs",
    "server_managed_fwd_time_state",
    "speed",
    "stun_binding_interval",
    "stun_server",
    "tcp_failover",
    "tcp_keepcnt",
    "tcp_keepidle",
    "tcp_keepintvl",
    "using_server_managed_dnd",
    "using_server_managed_fwd_all",
    "using_server_managed_fwd_busy",
    "using_server_managed_fwd_time",
];

/// Secrets whose names carry no password-like word.
const SECRET_NAMES: &[&str] = &["uboot_lock", "wifi_wep_key"];

/// Name segments (between `_`, trailing digits ignored) that mark a secret wherever they stand.
const SECRET_SEGMENTS: &[&str] = &[
    "pass",
    "passwd",
    "password",
    "passphrase",
    "pw",
    "pwd",
    "psk",
    "secret",
];

/// The key of a text-format name: per-identity settings written with a numeric suffix
/// (`user_srtp2`, `codec_priority_list1`) become the bare name with the suffix as index. Only
/// known per-identity names lose their digits, so `dns_server1` stays a global setting.
pub(crate) fn text_key(written: &str) -> SettingKey {
    let base = without_digits(written);
    let digits = &written[base.len()..];
    let per_identity = base.len() > "user_".len() && base.starts_with("user_")
        || PER_IDENTITY.binary_search(&base).is_ok();
    match digits.parse::<u16>() {
        Ok(index) if per_identity => SettingKey::account(base, index),
        _ => SettingKey::global(written),
    }
}

/// False when [`text_key`] of `written` cannot be a name `keep` keeps: neither the name as
/// written nor the name without its identity suffix is kept.
pub(crate) fn may_be_kept(written: &str, keep: &Keep) -> bool {
    let base = without_digits(written);
    keep.name(written) || base.len() != written.len() && keep.name(base)
}

/// True for passwords, PINs and keys (`http_pass`, `admin_mode_password`, `keyboard_lock_pw`,
/// `user_pass`, a trailing `_pin`), whose values no output may show.
pub(crate) fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if SECRET_NAMES.contains(&without_digits(&name)) || name.contains("password") {
        return true;
    }
    // `pin` only counts at the end: `max_pin_retry` and `min_pin_length` are limits, not PINs.
    name.rsplit('_').next().map(without_digits) == Some("pin")
        || name
            .split('_')
            .any(|segment| SECRET_SEGMENTS.contains(&without_digits(segment)))
}

fn without_digits(name: &str) -> &str {
    let digits = name.bytes().rev().take_while(u8::is_ascii_digit).count();
    name.get(..name.len() - digits).unwrap_or(name)
}

/// Model name from a Snom model string as the phone or a file name writes it
/// (`snom720` → `720`, `snomD785` → `D785`); `None` when it does not look like a model.
pub(crate) fn model_from(text: &str) -> Option<String> {
    let text = text.trim();
    let rest = text
        .get(..4)
        .filter(|prefix| prefix.eq_ignore_ascii_case("snom"))
        .map_or(text, |_| &text[4..]);
    let rest = rest.trim_start_matches([' ', '_']);
    let plausible = !rest.is_empty()
        && rest.len() <= 12
        && rest.chars().all(|c| c.is_ascii_alphanumeric())
        && rest.chars().any(|c| c.is_ascii_digit());
    plausible.then(|| rest.to_ascii_uppercase())
}

/// Model and MAC from a per-phone file name: `snom720-000413A1B2C3.htm`,
/// `snomD785-000413a1b2c3.xml`, `000413A1B2C3.xml` or `snom720.htm`. The whole stem must match, so
/// a name such as `fusionpbx_snom3xx.xml` says nothing.
pub(crate) fn from_file_name(path: &Path) -> (Option<String>, Option<String>) {
    let Some(stem) = path.file_stem().and_then(|stem| stem.to_str()) else {
        return (None, None);
    };
    if let Some(mac) = mac_from(stem) {
        return (None, Some(mac));
    }
    if !stem
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("snom"))
    {
        return (None, None);
    }
    match stem.split_once('-') {
        Some((model, mac)) => match (model_from(model), mac_from(mac)) {
            (Some(model), Some(mac)) => (Some(model), Some(mac)),
            _ => (None, None),
        },
        None => (model_from(stem), None),
    }
}

/// Twelve hex digits, lower-cased. Snom MACs start with `000413`, but a replaced board or a
/// lab phone may not, so any MAC is accepted.
fn mac_from(text: &str) -> Option<String> {
    (text.len() == 12 && text.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_identity_table_is_sorted_for_binary_search() {
        assert!(PER_IDENTITY.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn numeric_suffix_becomes_the_identity() {
        assert_eq!(text_key("user_srtp1"), SettingKey::account("user_srtp", 1));
        assert_eq!(text_key("user_pass2"), SettingKey::account("user_pass", 2));
        assert_eq!(
            text_key("user_g726_packing_order12"),
            SettingKey::account("user_g726_packing_order", 12)
        );
        assert_eq!(
            text_key("codec_priority_list3"),
            SettingKey::account("codec_priority_list", 3)
        );
        assert_eq!(text_key("dns_server1"), SettingKey::global("dns_server1"));
        assert_eq!(text_key("user_srtp"), SettingKey::global("user_srtp"));
        assert_eq!(text_key("user_99999"), SettingKey::global("user_99999"));
        assert_eq!(
            text_key("user_srtp99999"),
            SettingKey::global("user_srtp99999")
        );
    }

    #[test]
    fn secrets_are_recognised_by_name() {
        for name in [
            "http_pass",
            "admin_mode_password",
            "admin_mode_password_confirm",
            "webserver_admin_password",
            "keyboard_lock_pw",
            "uboot_lock",
            "http_client_pass",
            "tr69_acs_passwd",
            "tr69_cnr_pass",
            "user_pass",
            "ldap_password",
            "tftp_secret",
            "wifi_wep_key1",
            "dect_pin",
        ] {
            assert!(is_secret(name), "{name}");
        }
        for name in [
            "http_user",
            "max_pin_retry",
            "min_pin_length",
            "keyboard_lock",
            "key_0_remapped",
            "http_client_save_credentials",
            "webserver_type",
        ] {
            assert!(!is_secret(name), "{name}");
        }
    }

    #[test]
    fn file_names_give_model_and_mac() {
        let parts = |name: &str| from_file_name(Path::new(name));
        assert_eq!(
            parts("/tftp/snom720-000413A1B2C3.htm"),
            (Some("720".into()), Some("000413a1b2c3".into()))
        );
        assert_eq!(
            parts("snomD785-000413a1b2c3.xml"),
            (Some("D785".into()), Some("000413a1b2c3".into()))
        );
        assert_eq!(
            parts("000413A1B2C3.xml"),
            (None, Some("000413a1b2c3".into()))
        );
        assert_eq!(parts("snom760.htm"), (Some("760".into()), None));
        assert_eq!(parts("fusionpbx_snomD785.xml"), (None, None));
        assert_eq!(parts("snom-general.xml"), (None, None));
        assert_eq!(parts("snom720-firmware.htm"), (None, None));
        assert_eq!(model_from("snom720"), Some("720".into()));
        assert_eq!(model_from("snomD785"), Some("D785".into()));
        assert_eq!(model_from("snom"), None);
    }
}
