//! Snom provisioning files: XML (`<settings>`, `idx`, `perm`) and plain text (`name[flag]: value`).
//!
//! Both formats land in the same model (see `docs/settings-model.md`): the setting name without
//! flag or suffix, the identity as index, the permission flag as [`Perm`], values as written.

mod names;
mod text;
mod xml;
mod xml_fast;

use std::path::PathBuf;
use std::sync::Arc;

use voipguard_model::{
    Device, Family, FamilyBasis, Origin, Perm, Setting, SettingKey, Value, Vendor,
};

use crate::ParseError;
use crate::keep::Keep;
use crate::template::{depth_change, is_template, may_hold_template};

/// Parses `name[flag]: value` text, with or without the `<html><pre>` wrapper.
pub fn parse_text(file: &Arc<PathBuf>, text: &str, keep: &Keep) -> Result<Device, ParseError> {
    text::parse(file, text, keep)
}

/// Parses `<settings>` / `<phone-settings>` XML; only `<phone-settings>` children are settings.
pub fn parse_xml(file: &Arc<PathBuf>, text: &str, keep: &Keep) -> Result<Device, ParseError> {
    match xml_fast::parse(file, text, keep) {
        Some(device) => Ok(device),
        None => xml::parse(file, text, keep),
    }
}

/// One setting as a format reader found it, before it becomes a [`Setting`].
struct Found<'a> {
    key: SettingKey,
    written_as: &'a str,
    value: &'a str,
    perm: Option<Perm>,
    /// Inside a template conditional or loop, or written for a templated identity.
    conditional: bool,
    line: u32,
    column: u32,
}

/// Builds one device from the settings of one file, in file order.
struct Collector<'k> {
    file: Arc<PathBuf>,
    device: Device,
    keep: &'k Keep,
    /// False when the file has no byte a template needs, so no value need be looked at.
    template_bytes: bool,
}

impl<'k> Collector<'k> {
    fn new(file: &Arc<PathBuf>, keep: &'k Keep) -> Self {
        let mut device = Device::new(
            String::new(),
            Vendor::Snom,
            Family::Snom,
            FamilyBasis::Content,
        );
        device.sources = vec![Arc::clone(file)];
        device.kept = keep.kept_names();
        Collector {
            file: Arc::clone(file),
            device,
            keep,
            template_bytes: true,
        }
    }

    /// Makes room for the settings `text` may hold, and notes whether it can hold a template.
    fn prepare(&mut self, text: &str) {
        self.device.settings.reserve(self.keep.capacity_for(text));
        self.template_bytes = may_hold_template(text);
    }

    /// True when the setting named `name` (canonical) is kept.
    fn keeps(&self, name: &str) -> bool {
        self.keep.name(name)
    }

    /// Passes over a setting not kept, noting only whether its value is a template.
    fn skip(&mut self, value: &str) {
        if self.template_bytes {
            self.device.templated |= is_template(value);
        }
    }

    /// Records a setting; a later one with the same key wins, as on the phone.
    fn add(&mut self, found: Found<'_>) {
        let value = if is_template(found.value) {
            self.device.templated = true;
            Value::Template(found.value.into())
        } else {
            Value::Literal(found.value.into())
        };
        let setting = Setting {
            value,
            origin: Origin {
                file: Arc::clone(&self.file),
                line: found.line,
                column: found.column,
                written_as: found.written_as.into(),
            },
            perm: found.perm,
            secret: names::is_secret(&found.key.name),
            conditional: found.conditional,
        };
        self.device.set(found.key, setting);
    }

    /// Notes template syntax outside a value (a directive line, a templated index or flag).
    fn mark_templated(&mut self) {
        self.device.templated = true;
    }

    /// Fills in model, MAC and id. The phone's own `phone_type` beats the file name for the model.
    fn finish(mut self) -> Device {
        let (file_model, mac) = names::from_file_name(&self.file);
        let setting_model = self
            .device
            .global("phone_type")
            .and_then(|setting| setting.value.literal())
            .and_then(names::model_from);
        self.device.model = setting_model.or(file_model);
        self.device.id = match &mac {
            Some(mac) => mac.clone(),
            None => self.file.display().to_string(),
        };
        self.device.mac = mac;
        self.device
    }
}

/// Nesting depth of template conditionals and loops (`{if}`, `{foreach}`, `{% if %}`, `{% for %}`).
#[derive(Default)]
struct Nesting(i32);

impl Nesting {
    /// Follows the directives in `text`; an unbalanced close never makes the depth negative.
    fn follow(&mut self, text: &str) {
        self.0 = (self.0 + depth_change(text)).max(0);
    }

    fn inside(&self) -> bool {
        self.0 > 0
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn nesting_never_goes_negative() {
        let mut nesting = Nesting::default();
        nesting.follow("{/if}{/if}");
        assert!(!nesting.inside());
        nesting.follow("{if $a}");
        assert!(nesting.inside());
        nesting.follow("{/if}");
        assert!(!nesting.inside());
    }

    #[test]
    fn phone_type_beats_file_name_and_mac_becomes_id() {
        let file = Arc::new(Path::new("snom760-000413A1B2C3.htm").to_path_buf());
        let keep = Keep::all();
        let mut collector = Collector::new(&file, &keep);
        collector.add(Found {
            key: SettingKey::global("phone_type"),
            written_as: "phone_type",
            value: "snom720",
            perm: None,
            conditional: false,
            line: 1,
            column: 1,
        });
        let device = collector.finish();
        assert_eq!(device.model.as_deref(), Some("720"));
        assert_eq!(device.mac.as_deref(), Some("000413a1b2c3"));
        assert_eq!(device.id, "000413a1b2c3");
        assert_eq!(device.sources, vec![file]);
        assert_eq!(device.family, Family::Snom);
        assert_eq!(device.family_basis, FamilyBasis::Content);
    }

    #[test]
    fn without_mac_the_path_is_the_id() {
        let file = Arc::new(Path::new("conf/general.xml").to_path_buf());
        let device = Collector::new(&file, &Keep::all()).finish();
        assert_eq!(device.id, "conf/general.xml");
        assert_eq!(device.model, None);
        assert_eq!(device.mac, None);
    }
}
