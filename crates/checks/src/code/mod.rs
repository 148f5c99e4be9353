//! Checks whose logic is too rich for a template: one file per check, named after its id.

use std::fmt::Debug;

use voipguard_model::Finding;

use crate::context::Context;

mod sn_admin_mode;
mod sn_keylock;
mod sn_perms;
mod sn_prov_order;
mod sn_prov_server_auth;
mod sn_srtp_sips;
mod sn_uboot;
mod sn_vpn;
mod sn_web_auth;
mod sn_web_logout;
mod snom;

/// A check implemented in Rust; its metadata still lives in its rule file.
pub(crate) trait CodeCheck: Debug + Sync {
    /// The check id, equal to its rule file's id.
    fn id(&self) -> &'static str;
    /// Decides the control for one device.
    fn run(&self, cx: &Context<'_>) -> Finding;
}

/// Every code check.
pub(crate) const CODE_CHECKS: &[&dyn CodeCheck] = &[
    &sn_admin_mode::SnAdminMode,
    &sn_keylock::SnKeylock,
    &sn_perms::SnPerms,
    &sn_prov_order::SnProvOrder,
    &sn_prov_server_auth::SnProvServerAuth,
    &sn_srtp_sips::SnSrtpSips,
    &sn_uboot::SnUboot,
    &sn_vpn::SnVpn,
    &sn_web_auth::SnWebAuth,
    &sn_web_logout::SnWebLogout,
];
