//! Checks whose logic is too rich for a template: one file per check, named after its id.

mod ast_config;
mod ast_ext_01;
mod ast_ext_02;
mod ast_ext_03;
mod ast_ext_04;
mod ast_ext_05;
mod dialplan;
mod grandstream_support;
mod gs_acct_unused;
mod gs_admin_pass;
mod gs_auth_invite;
mod gs_prov_auth;
mod gs_prov_cfgauth;
mod gs_prov_https;
mod gs_prov_xmlpass;
mod gs_sip_cert;
mod gs_sip_sips;
mod gs_syslog_tls;
mod gs_tr069;
mod gs_user_pass;
mod gs_vpn_port;
mod gs_web_https;
mod gs_web_port;
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
mod toll_fraud;

use std::fmt::Debug;

use voipguard_model::Finding;

use crate::context::Context;

/// A check implemented in Rust; its metadata still lives in its rule file.
pub(crate) trait CodeCheck: Debug + Sync {
    /// The check id, equal to its rule file's id.
    fn id(&self) -> &'static str;
    /// Decides the control for one device.
    fn run(&self, cx: &Context<'_>) -> Finding;
}

/// Every code check.
pub(crate) const CODE_CHECKS: &[&dyn CodeCheck] = &[
    &ast_config::AstConfig,
    &ast_ext_01::AstExt01,
    &ast_ext_02::AstExt02,
    &ast_ext_03::AstExt03,
    &ast_ext_04::AstExt04,
    &ast_ext_05::AstExt05,
    &gs_acct_unused::GsAcctUnused,
    &gs_admin_pass::GsAdminPass,
    &gs_auth_invite::GsAuthInvite,
    &gs_prov_auth::GsProvAuth,
    &gs_prov_cfgauth::GsProvCfgauth,
    &gs_prov_https::GsProvHttps,
    &gs_prov_xmlpass::GsProvXmlpass,
    &gs_sip_cert::GsSipCert,
    &gs_sip_sips::GsSipSips,
    &gs_syslog_tls::GsSyslogTls,
    &gs_tr069::GsTr069,
    &gs_user_pass::GsUserPass,
    &gs_vpn_port::GsVpnPort,
    &gs_web_https::GsWebHttps,
    &gs_web_port::GsWebPort,
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
