//! Checks whose logic is too rich for a template: one file per check, named after its id.

mod ast_acl_01;
mod ast_ami_01;
mod ast_ami_02;
mod ast_ami_03;
mod ast_ami_04;
mod ast_ami_05;
mod ast_ami_06;
mod ast_ami_07;
mod ast_ari_01;
mod ast_config;
mod ast_ext_01;
mod ast_ext_02;
mod ast_ext_03;
mod ast_ext_04;
mod ast_ext_05;
mod ast_ext_06;
mod ast_fact_01;
mod ast_fact_02;
mod ast_fact_04;
mod ast_fact_05;
mod ast_fact_06;
mod ast_http_01;
mod ast_http_02;
mod ast_http_03;
mod ast_iax_01;
mod ast_iax_02;
mod ast_iax_03;
mod ast_iax_04;
mod ast_iax_05;
mod ast_iax_08;
mod ast_log_01;
mod ast_log_02;
mod ast_pjsip_01;
mod ast_pjsip_02;
mod ast_pjsip_03;
mod ast_pjsip_04;
mod ast_pjsip_05;
mod ast_pjsip_06;
mod ast_pjsip_08;
mod ast_pjsip_09;
mod ast_pjsip_10;
mod ast_pjsip_11;
mod ast_pjsip_12;
mod ast_pjsip_13;
mod ast_pjsip_14;
mod ast_plat_01;
mod ast_plat_02;
mod ast_rtp_01;
mod ast_rtp_03;
mod ast_sip_02;
mod ast_sip_04;
mod ast_sip_06;
mod ast_sip_07;
mod ast_sip_08;
mod ast_sip_09;
mod ast_sip_10;
mod ast_sip_14;
mod ast_sip_15;
mod ast_sip_16;
mod ast_sip_17;
mod ast_sip_18;
mod ast_sip_19;
mod ast_sip_21;
mod ast_sip_22;
mod ast_sip_23;
mod ast_vm_01;
mod ast_vm_02;
mod ast_vm_03;
mod ast_vm_04;
mod ast_vm_05;
mod ast_vm_06;
mod ast_vm_07;
mod ast_vm_08;
mod asterisk_peers;
mod asterisk_pjsip;
pub(crate) mod asterisk_services;
mod aw_pass_strong;
mod aw_pnp;
mod aw_remote_phone;
mod aw_wan_admin;
mod aw_wan_services;
mod dialplan;
mod facts;
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
mod gs_ssh_off;
mod gs_syslog_tls;
mod gs_tr069;
mod gs_user_pass;
mod gs_vpn_port;
mod gs_web_https;
mod gs_web_port;
mod net_public;
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
    /// Canonical names of the phone settings it reads, beyond the account fields every check
    /// may read ([`crate::accounts::FIELDS`]): an audit parses only these. PBX and facts checks
    /// read no parsed phone settings.
    fn reads(&self) -> &'static [&'static str] {
        &[]
    }
}

/// Every code check.
pub(crate) const CODE_CHECKS: &[&dyn CodeCheck] = &[
    &ast_acl_01::AstAcl01,
    &ast_ami_01::AstAmi01,
    &ast_ami_02::AstAmi02,
    &ast_ami_03::AstAmi03,
    &ast_ami_04::AstAmi04,
    &ast_ami_05::AstAmi05,
    &ast_ami_06::AstAmi06,
    &ast_ami_07::AstAmi07,
    &ast_ari_01::AstAri01,
    &ast_config::AstConfig,
    &ast_fact_01::AstFact01,
    &ast_fact_02::AstFact02,
    &ast_fact_04::AstFact04,
    &ast_fact_05::AstFact05,
    &ast_fact_06::AstFact06,
    &aw_pass_strong::AwPassStrong,
    &aw_pnp::AwPnp,
    &aw_remote_phone::AwRemotePhone,
    &aw_wan_admin::AwWanAdmin,
    &aw_wan_services::AwWanServices,
    &ast_http_01::AstHttp01,
    &ast_http_02::AstHttp02,
    &ast_http_03::AstHttp03,
    &ast_log_01::AstLog01,
    &ast_log_02::AstLog02,
    &ast_pjsip_01::AstPjsip01,
    &ast_pjsip_02::AstPjsip02,
    &ast_pjsip_03::AstPjsip03,
    &ast_pjsip_04::AstPjsip04,
    &ast_pjsip_05::AstPjsip05,
    &ast_pjsip_06::AstPjsip06,
    &ast_pjsip_08::AstPjsip08,
    &ast_pjsip_09::AstPjsip09,
    &ast_pjsip_10::AstPjsip10,
    &ast_pjsip_11::AstPjsip11,
    &ast_pjsip_12::AstPjsip12,
    &ast_pjsip_13::AstPjsip13,
    &ast_pjsip_14::AstPjsip14,
    &ast_plat_01::AstPlat01,
    &ast_plat_02::AstPlat02,
    &ast_rtp_01::AstRtp01,
    &ast_rtp_03::AstRtp03,
    &ast_vm_01::AstVm01,
    &ast_vm_02::AstVm02,
    &ast_vm_03::AstVm03,
    &ast_vm_04::AstVm04,
    &ast_vm_05::AstVm05,
    &ast_vm_06::AstVm06,
    &ast_vm_07::AstVm07,
    &ast_vm_08::AstVm08,
    &ast_iax_01::AstIax01,
    &ast_iax_02::AstIax02,
    &ast_iax_03::AstIax03,
    &ast_iax_04::AstIax04,
    &ast_iax_05::AstIax05,
    &ast_iax_08::AstIax08,
    &ast_sip_02::AstSip02,
    &ast_sip_04::AstSip04,
    &ast_sip_06::AstSip06,
    &ast_sip_07::AstSip07,
    &ast_sip_08::AstSip08,
    &ast_sip_09::AstSip09,
    &ast_sip_10::AstSip10,
    &ast_sip_14::AstSip14,
    &ast_sip_15::AstSip15,
    &ast_sip_16::AstSip16,
    &ast_sip_17::AstSip17,
    &ast_sip_18::AstSip18,
    &ast_sip_19::AstSip19,
    &ast_sip_21::AstSip21,
    &ast_sip_22::AstSip22,
    &ast_sip_23::AstSip23,
    &ast_ext_01::AstExt01,
    &ast_ext_02::AstExt02,
    &ast_ext_03::AstExt03,
    &ast_ext_04::AstExt04,
    &ast_ext_05::AstExt05,
    &ast_ext_06::AstExt06,
    &gs_acct_unused::GsAcctUnused,
    &gs_admin_pass::GsAdminPass,
    &gs_auth_invite::GsAuthInvite,
    &gs_prov_auth::GsProvAuth,
    &gs_prov_cfgauth::GsProvCfgauth,
    &gs_prov_https::GsProvHttps,
    &gs_prov_xmlpass::GsProvXmlpass,
    &gs_sip_cert::GsSipCert,
    &gs_sip_sips::GsSipSips,
    &gs_ssh_off::GsSshOff,
    &gs_syslog_tls::GsSyslogTls,
    &gs_tr069::GsTr069,
    &gs_user_pass::GsUserPass,
    &gs_vpn_port::GsVpnPort,
    &gs_web_https::GsWebHttps,
    &gs_web_port::GsWebPort,
    &net_public::NetPublic,
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
