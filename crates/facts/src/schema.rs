//! Which facts each kind of facts file may state: name, type, meaning and the guide section it
//! comes from. The reader validates against it and the template is generated from it, so both
//! always agree.

/// What a facts file describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An Allworx server (guide 003): no configuration file, everything is in its admin pages.
    Allworx,
    /// The GUI and host settings of a ScopTEL PBX (guide 004) that its Asterisk files do not hold.
    Scoptel,
    /// The site's network: router, firewall, what is reachable from the internet.
    Site,
}

impl Kind {
    /// Every kind, in the order the template command lists them.
    pub const ALL: [Kind; 3] = [Kind::Allworx, Kind::Scoptel, Kind::Site];

    /// The name written as `kind = "…"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Allworx => "allworx",
            Kind::Scoptel => "scoptel",
            Kind::Site => "site",
        }
    }

    /// The kind named `name`, if any.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The facts this kind of file may state.
    pub fn facts(self) -> &'static [Fact] {
        match self {
            Kind::Allworx => ALLWORX,
            Kind::Scoptel => SCOPTEL,
            Kind::Site => SITE,
        }
    }

    /// The guide the facts come from, as cited in the template.
    fn guide(self) -> &'static str {
        match self {
            Kind::Allworx => "guide 003 (Allworx security advisory 20130326-0074)",
            Kind::Scoptel => "guide 004 (ScopTEL hardening guide)",
            Kind::Site => "guides 000 and 001 (Grandstream deployment guidelines), 003, 004",
        }
    }

    /// What a file of this kind is about, for the template's header.
    pub fn description(self) -> String {
        let what = match self {
            Kind::Allworx => "An Allworx server, read from its admin pages",
            Kind::Scoptel => {
                "The GUI and host settings of a ScopTEL PBX; `device` is the folder of its Asterisk \
                 files as given to `voipguard audit`, so these facts join that PBX's findings"
            }
            Kind::Site => "The site's router and firewall, and what the internet can reach",
        };
        format!("{what}. Source: {}.", self.guide())
    }
}

/// One fact a file may state: `[table] key = value`.
#[derive(Debug, Clone, Copy)]
pub struct Fact {
    /// Table the fact is written in (`passwords`).
    pub table: &'static str,
    /// Key inside the table (`admin`).
    pub key: &'static str,
    /// What values it takes.
    pub value: ValueType,
    /// What it states, for the template (where to read it in the GUI).
    pub meaning: &'static str,
    /// The guide section it comes from (a heading of the guide).
    pub section: &'static str,
}

impl Fact {
    /// The setting name checks read: `facts.<table>.<key>`.
    pub fn setting_name(&self) -> String {
        format!("facts.{}.{}", self.table, self.key)
    }
}

/// The type of a fact's value.
#[derive(Debug, Clone, Copy)]
pub enum ValueType {
    /// `true` or `false`.
    Bool,
    /// One of a fixed set of strings.
    Choice(&'static [Choice]),
    /// A TCP/UDP port number, 1 to 65535.
    Port,
}

impl ValueType {
    /// What a value of this type looks like, for error messages.
    pub fn expected(&self) -> String {
        match self {
            ValueType::Bool => "true or false".to_owned(),
            ValueType::Port => "a port number from 1 to 65535".to_owned(),
            ValueType::Choice(choices) => {
                let names: Vec<String> = choices
                    .iter()
                    .map(|choice| format!("\"{}\"", choice.value))
                    .collect();
                format!("one of {}", names.join(", "))
            }
        }
    }
}

/// One allowed value of a [`ValueType::Choice`] and what it means.
#[derive(Debug, Clone, Copy)]
pub struct Choice {
    /// The value as written.
    pub value: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

const fn choice(value: &'static str, meaning: &'static str) -> Choice {
    Choice { value, meaning }
}

/// A password judged by the administrator who knows it (the password itself never goes in a
/// facts file), against the Allworx policy of guide 003.
const ALLWORX_PASSWORD: &[Choice] = &[
    choice("factory-default", "never changed since installation"),
    choice(
        "trivial",
        "changed, but to a known or guessable value: 1234, 0000, Allworx, admin, password, the extension or user name",
    ),
    choice(
        "weak",
        "changed, but shorter than 8 characters or missing upper case, lower case or digits",
    ),
    choice(
        "strong",
        "at least 8 characters with upper case, lower case and digits, not trivial",
    ),
];

/// A password judged against the ScopTEL policy of guide 004 (special characters too).
const SCOPTEL_PASSWORD: &[Choice] = &[
    choice(
        "factory-default",
        "never changed since installation (GUI admin/admin, root/scopserv)",
    ),
    choice(
        "trivial",
        "changed, but to a known or guessable value: admin, scopserv, 1234, password, the user name",
    ),
    choice(
        "weak",
        "changed, but shorter than 8 characters or missing upper case, lower case, digits or special characters",
    ),
    choice(
        "strong",
        "at least 8 characters with upper case, lower case, digits and special characters, not trivial",
    ),
];

/// [`ALLWORX_PASSWORD`] plus "there is no such device".
const PX_PASSWORD: &[Choice] = &[
    ALLWORX_PASSWORD[0],
    ALLWORX_PASSWORD[1],
    ALLWORX_PASSWORD[2],
    ALLWORX_PASSWORD[3],
    choice("no-px-expander", "the site has no Px Expander"),
];

/// [`ALLWORX_PASSWORD`] judging the weakest generic SIP handset, plus "there is none".
const SIP_HANDSET_PASSWORD: &[Choice] = &[
    ALLWORX_PASSWORD[0],
    ALLWORX_PASSWORD[1],
    ALLWORX_PASSWORD[2],
    ALLWORX_PASSWORD[3],
    choice(
        "no-generic-sip-handsets",
        "no generic (3rd-party) SIP handset is configured",
    ),
];

const fn fact(
    table: &'static str,
    key: &'static str,
    value: ValueType,
    meaning: &'static str,
    section: &'static str,
) -> Fact {
    Fact {
        table,
        key,
        value,
        meaning,
        section,
    }
}

const ALLWORX: &[Fact] = &[
    fact(
        "passwords",
        "admin",
        ValueType::Choice(ALLWORX_PASSWORD),
        "The server admin password (Business > Users > Administrator, System).",
        "To change the admin password:",
    ),
    fact(
        "passwords",
        "users",
        ValueType::Choice(ALLWORX_PASSWORD),
        "The weakest user password and PIN (Business > Users).",
        "To change the user password:",
    ),
    fact(
        "passwords",
        "require_change",
        ValueType::Bool,
        "\"Require Password Change\" and \"Require PIN Change\" are kept checked for users (Business > Users > Modify).",
        "To change the user password:",
    ),
    fact(
        "passwords",
        "phone_admin",
        ValueType::Choice(ALLWORX_PASSWORD),
        "The Phone Administration password (Servers > VoIP > modify).",
        "To change the Plug 'n' Play Secret Key:",
    ),
    fact(
        "passwords",
        "px_admin",
        ValueType::Choice(PX_PASSWORD),
        "The Px Expander admin password.",
        "Px Expander",
    ),
    fact(
        "plug_and_play",
        "secret_key",
        ValueType::Choice(ALLWORX_PASSWORD),
        "The Plug 'n' Play Secret Key (Servers > VoIP > modify).",
        "To change the Plug 'n' Play Secret Key:",
    ),
    fact(
        "plug_and_play",
        "lan_creates_disabled",
        ValueType::Bool,
        "\"Disable Phone Creates via LAN Plug 'n' Play\" is checked (Servers > VoIP > modify).",
        "To change the Plug 'n' Play Secret Key:",
    ),
    fact(
        "plug_and_play",
        "wan_creates_disabled",
        ValueType::Bool,
        "\"Disable Phone Creates via WAN (Remote Phone) Plug 'n' Play\" is checked.",
        "To change the Plug 'n' Play Secret Key:",
    ),
    fact(
        "plug_and_play",
        "assign_user_at_phone_disabled",
        ValueType::Bool,
        "\"Disable Assign User at Phone\" is checked.",
        "To change the Plug 'n' Play Secret Key:",
    ),
    fact(
        "sip_handsets",
        "passwords",
        ValueType::Choice(SIP_HANDSET_PASSWORD),
        "The weakest SIP registration password of the generic SIP handsets (Phone System > Handsets).",
        "To change the password on a 3rd-party SIP phone:",
    ),
    fact(
        "network",
        "wan_admin_allowed",
        ValueType::Bool,
        "\"Allow admin configuration on WAN interface\" is checked (Network > Configuration).",
        "Change the Network Configuration",
    ),
    fact(
        "network",
        "behind_another_firewall",
        ValueType::Bool,
        "The server's WAN port sits behind another firewall, inside a secure network.",
        "Change the Network Configuration",
    ),
    fact(
        "network",
        "lan_port_reachable_from_internet",
        ValueType::Bool,
        "The server's LAN port is on the public internet, or the router forwards a port to it.",
        "Server",
    ),
    fact(
        "network",
        "unused_wan_services_disabled",
        ValueType::Bool,
        "Every Allworx WAN service (port) not in use is disabled.",
        "Server",
    ),
    fact(
        "network",
        "voicemail_ports",
        ValueType::Choice(&[
            choice(
                "standard",
                "voicemail SMTP and IMAP on the WAN use the standard ports 25 and 143",
            ),
            choice(
                "non-standard",
                "voicemail SMTP and IMAP use non-standard ports",
            ),
            choice(
                "not-on-wan",
                "voicemail SMTP and IMAP are not offered on the WAN",
            ),
        ]),
        "The ports of the voicemail SMTP and IMAP services.",
        "Server",
    ),
    fact(
        "network",
        "admin_page_reachable_from_internet",
        ValueType::Bool,
        "The admin page (port 8080) can be reached from the internet (remote maintenance belongs on the Allworx VPN).",
        "Server",
    ),
    fact(
        "network",
        "wan_mode",
        ValueType::Choice(&[
            choice(
                "nat-firewall-stealth",
                "NAT Firewall mode with Stealth DMZ (no ping replies on the WAN)",
            ),
            choice("nat-firewall", "NAT Firewall mode without Stealth DMZ"),
            choice("other", "another WAN mode"),
            choice(
                "not-on-internet",
                "the WAN interface is not connected to the internet",
            ),
        ]),
        "The WAN interface mode (Network > Configuration).",
        "Server",
    ),
    fact(
        "remote_phones",
        "exist",
        ValueType::Bool,
        "Remote handsets or Px Expanders connect to the server over the internet.",
        "Remote phones",
    ),
    fact(
        "remote_phones",
        "behind_firewall",
        ValueType::Bool,
        "Every remote handset and Px Expander sits behind a firewall (its web page is not reachable from the internet).",
        "Remote phones",
    ),
];

const SCOPTEL: &[Fact] = &[
    fact(
        "gui",
        "admin_password",
        ValueType::Choice(SCOPTEL_PASSWORD),
        "The GUI admin password (Tools > Password); factory default admin/admin.",
        "How to change the ‘admin’ password",
    ),
    fact(
        "gui",
        "access",
        ValueType::Choice(&[
            choice("https-only", "the GUI is served over HTTPS only"),
            choice(
                "https-and-http",
                "the GUI answers over HTTPS and plain HTTP",
            ),
            choice("http-only", "the GUI is served over plain HTTP only"),
        ]),
        "How the management GUI is served (certificate manager).",
        "Enable SSL access on the GUI",
    ),
    fact(
        "ssh",
        "root_password",
        ValueType::Choice(SCOPTEL_PASSWORD),
        "The root password of the server; factory default scopserv.",
        "Change the ‘root’ password :",
    ),
    fact(
        "ssh",
        "port",
        ValueType::Port,
        "The SSH server port (Configuration > Server > SSH Server).",
        "Protect against SSH brute-force",
    ),
    fact(
        "ssh",
        "denyhosts_on_boot",
        ValueType::Bool,
        "The DenyHosts service is enabled and started on boot (Configuration > Server > General > Edit Services).",
        "Protect against SSH brute-force",
    ),
    fact(
        "ssh",
        "allowed_hosts",
        ValueType::Choice(&[
            choice(
                "narrow",
                "only the administrators' addresses or subnets are listed",
            ),
            choice(
                "broad",
                "the list covers any address (0.0.0.0/0, *, a whole public range)",
            ),
            choice("empty", "no allowed hosts are listed"),
        ]),
        "The SSH Server's Security tab, Allowed Hosts (Restriction).",
        "Protect against SSH brute-force",
    ),
    fact(
        "firewall",
        "enabled",
        ValueType::Bool,
        "The ScopTEL integrated firewall is on (Configuration > Network > Firewall).",
        "Firewall",
    ),
    fact(
        "firewall",
        "only_guide_ports",
        ValueType::Bool,
        "Only 22/tcp, 5555/tcp, 5060/udp, 5060-5061/tcp, 4569/udp and 10000-20000/udp are open (no AMI 5038, HTTP 8088, MySQL 3306, TFTP 69…).",
        "Firewall",
    ),
    fact(
        "firewall",
        "management_sources",
        ValueType::Choice(&[
            choice(
                "restricted",
                "22/tcp and 5555/tcp accept the administrators' addresses only",
            ),
            choice("any", "22/tcp and 5555/tcp accept any address"),
        ]),
        "Who may reach SSH and the GUI through the firewall.",
        "Firewall",
    ),
    fact(
        "network",
        "public_interface",
        ValueType::Bool,
        "One of the PBX host's own interfaces has a public (internet) address; false when it has only LAN addresses behind a router.",
        "Firewall",
    ),
    fact(
        "sip",
        "remote_phones",
        ValueType::Bool,
        "Phones or softphones register to this PBX from outside its LAN, over the internet (not through a VPN).",
        "Firewall",
    ),
    fact(
        "telephony",
        "sip_iax_password_policy",
        ValueType::Bool,
        "\"Enable Password Policy for SIP/IAX2 extensions\" is on (Configuration > Telephony > Configuration > Security).",
        "SIP / IAX2 Password Policy:",
    ),
    fact(
        "telephony",
        "auto_fix_invalid_passwords",
        ValueType::Bool,
        "\"Automatically fix invalid password\" is on.",
        "SIP / IAX2 Password Policy:",
    ),
];

const SITE: &[Fact] = &[
    fact(
        "router",
        "sip_alg",
        ValueType::Choice(&[
            choice("off", "SIP ALG is turned off"),
            choice("on", "SIP ALG is on"),
            choice("not-present", "the router has no SIP ALG"),
        ]),
        "The router's SIP ALG (Application Layer Gateway).",
        "SECURITY GUIDELINES FOR GRP DEPLOYMENT",
    ),
    fact(
        "sip",
        "exposure",
        ValueType::Choice(&[
            choice("none", "SIP is not reachable from the internet"),
            choice(
                "port-map",
                "SIP is reachable only through a port mapping on the firewall",
            ),
            choice(
                "direct",
                "a SIP device sits on a public address with no firewall in front",
            ),
        ]),
        "How SIP is reachable from the internet.",
        "SECURITY GUIDELINES FOR GRP DEPLOYMENT",
    ),
    fact(
        "public",
        "phone_web_ui",
        ValueType::Bool,
        "A phone's web UI is reachable from a public address.",
        "SECURITY GUIDELINES FOR GRP DEPLOYMENT",
    ),
    fact(
        "public",
        "ssh",
        ValueType::Bool,
        "SSH of a phone or PBX is reachable from a public address.",
        "SECURITY GUIDELINES FOR GRP DEPLOYMENT",
    ),
    fact(
        "public",
        "tr069",
        ValueType::Bool,
        "A TR-069 connection-request port (7547) is reachable from a public address.",
        "SECURITY GUIDELINES FOR GRP DEPLOYMENT",
    ),
    fact(
        "public",
        "snmp",
        ValueType::Bool,
        "SNMP (161/udp) is reachable from a public address.",
        "SECURITY GUIDELINES FOR GRP DEPLOYMENT",
    ),
    fact(
        "public",
        "tftp",
        ValueType::Bool,
        "TFTP (69/udp) is reachable from a public address.",
        "SECURITY GUIDELINES FOR GRP DEPLOYMENT",
    ),
];
