//! HTTP: one `GET /` per web port, what the answer says about the device behind it, and the
//! vendor login pages the guides name (recognised from a small table of title, `Server` and
//! realm markers).

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The most of a response that is read: enough for headers and a login page's `<title>`.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// What a web server answered to `GET /`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpInfo {
    /// Status code.
    pub status: u16,
    /// `Server` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Page `<title>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Realm of a `WWW-Authenticate` challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// `Location` of a redirect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The vendor login page recognised, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_ui: Option<WebUi>,
    /// MAC addresses the page shows (12 lower-case hex digits), for TFTP file names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub macs: Vec<String>,
}

impl HttpInfo {
    /// True when the answer only sends the browser to HTTPS: no page is served in clear.
    pub fn redirects_to_https(&self) -> bool {
        (300..400).contains(&self.status)
            && self
                .location
                .as_deref()
                .is_some_and(|location| location.to_ascii_lowercase().starts_with("https://"))
    }
}

/// A vendor web UI recognised from its login page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WebUi {
    /// Vendor as the fingerprint table names it (`Grandstream`, `Snom`, …).
    pub vendor: &'static str,
    /// What the page is.
    pub product: &'static str,
}

/// Markers of a vendor login page, matched case-insensitively as substrings.
struct WebUiMarker {
    ui: WebUi,
    title: &'static [&'static str],
    server: &'static [&'static str],
    realm: &'static [&'static str],
}

/// Login pages of the devices the guides cover. Entries are written from vendor documentation
/// and public screenshots of the login pages, not from captured devices.
const WEB_UIS: &[WebUiMarker] = &[
    WebUiMarker {
        ui: WebUi {
            vendor: "Grandstream",
            product: "phone web UI",
        },
        title: &["grandstream device configuration", "grandstream"],
        server: &["grandstream"],
        realm: &["grandstream"],
    },
    WebUiMarker {
        ui: WebUi {
            vendor: "Snom",
            product: "phone web UI",
        },
        title: &["snom"],
        server: &["snom"],
        realm: &["snom"],
    },
    WebUiMarker {
        ui: WebUi {
            vendor: "Yealink",
            product: "phone web UI",
        },
        title: &["yealink"],
        server: &["yealink"],
        realm: &["yealink"],
    },
    WebUiMarker {
        ui: WebUi {
            vendor: "Allworx",
            product: "server admin page",
        },
        title: &["allworx"],
        server: &["allworx"],
        realm: &["allworx"],
    },
    WebUiMarker {
        ui: WebUi {
            vendor: "ScopTEL",
            product: "ScopServ management GUI",
        },
        title: &["scoptel", "scopserv"],
        server: &["scopserv"],
        realm: &["scoptel", "scopserv"],
    },
    WebUiMarker {
        ui: WebUi {
            vendor: "Sangoma",
            product: "FreePBX administration",
        },
        title: &["freepbx"],
        server: &[],
        realm: &["freepbx"],
    },
];

/// The vendor login page these markers point to, if any: title first, then `Server`, then realm.
pub fn recognise(title: Option<&str>, server: Option<&str>, realm: Option<&str>) -> Option<WebUi> {
    let contains = |value: Option<&str>, needles: &[&str]| {
        value.is_some_and(|value| {
            let lower = value.to_ascii_lowercase();
            needles.iter().any(|needle| lower.contains(needle))
        })
    };
    WEB_UIS
        .iter()
        .find(|marker| {
            contains(title, marker.title)
                || contains(server, marker.server)
                || contains(realm, marker.realm)
        })
        .map(|marker| marker.ui)
}

/// The request sent: HTTP/1.0 so the server closes the connection after answering.
pub fn request(host: &str, user_agent: &str) -> String {
    format!(
        "GET / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: {user_agent}\r\nAccept: text/html,*/*\r\nConnection: close\r\n\r\n"
    )
}

/// Sends the request on `stream` and reads the answer (to EOF, or [`MAX_RESPONSE_BYTES`]).
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    host: &str,
    user_agent: &str,
) -> std::io::Result<Option<HttpInfo>> {
    let response = send(stream, &request(host, user_agent)).await?;
    Ok(parse(&response))
}

/// Sends `request` on `stream` and reads the raw answer (to EOF, or [`MAX_RESPONSE_BYTES`]).
pub(crate) async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &str,
) -> std::io::Result<Vec<u8>> {
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::with_capacity(4096);
    let mut chunk = [0_u8; 4096];
    while response.len() < MAX_RESPONSE_BYTES {
        match stream.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            // A TLS peer that closes without close_notify, or a reset after the body: keep what
            // arrived.
            Err(_) if !response.is_empty() => break,
            Err(err) => return Err(err),
        }
    }
    Ok(response)
}

/// Reads a response; `None` when it does not start with an HTTP status line.
pub fn parse(response: &[u8]) -> Option<HttpInfo> {
    let text = String::from_utf8_lossy(response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .or_else(|| text.split_once("\n\n"))
        .unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status_line = lines.next()?;
    let mut parts = status_line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let status: u16 = parts.next()?.parse().ok()?;
    let mut server = None;
    let mut realm = None;
    let mut location = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "server" => server = Some(value.to_string()),
            "www-authenticate" => realm = realm.or_else(|| realm_of(value)),
            "location" => location = Some(value.to_string()),
            _ => {}
        }
    }
    let title = title_of(body);
    let web_ui = recognise(title.as_deref(), server.as_deref(), realm.as_deref());
    Some(HttpInfo {
        status,
        server,
        title,
        realm,
        location,
        web_ui,
        macs: macs_of(body),
    })
}

fn realm_of(challenge: &str) -> Option<String> {
    let lower = challenge.to_ascii_lowercase();
    let start = lower.find("realm=")? + "realm=".len();
    let rest = challenge.get(start..)?;
    let value = match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next()?,
        None => rest.split([',', ' ']).next()?,
    };
    Some(value.to_string())
}

fn title_of(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower.get(open..)?.find('>')? + 1;
    let end = start + lower.get(start..)?.find("</title")?;
    let title = body
        .get(start..end)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!title.is_empty()).then_some(title)
}

/// MAC addresses written `00:0b:82:8c:8f:97` or `00-0B-82-…` in a page (status pages and
/// some login pages show the device's own) or a SIP header.
pub(crate) fn macs_of(body: &str) -> Vec<String> {
    let bytes = body.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 17 <= bytes.len() {
        let candidate = bytes.get(i..i + 17).unwrap_or_default();
        let separator = candidate.get(2).copied();
        let is_mac = matches!(separator, Some(b':' | b'-'))
            && candidate.iter().enumerate().all(|(at, &b)| {
                if at % 3 == 2 {
                    Some(b) == separator
                } else {
                    b.is_ascii_hexdigit()
                }
            });
        let bounded = i
            .checked_sub(1)
            .and_then(|p| bytes.get(p))
            .is_none_or(|b| !b.is_ascii_hexdigit() && Some(*b) != separator)
            && bytes
                .get(i + 17)
                .is_none_or(|b| !b.is_ascii_hexdigit() && Some(*b) != separator);
        if is_mac && bounded {
            let mac: String = candidate
                .iter()
                .filter(|b| b.is_ascii_hexdigit())
                .map(|b| char::from(b.to_ascii_lowercase()))
                .collect();
            if mac != "000000000000" && !found.contains(&mac) {
                found.push(mac);
            }
            i += 17;
        } else {
            i += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_page_with_basic_realm() {
        let page = b"HTTP/1.1 401 Unauthorized\r\nServer: lighttpd/1.4.55\r\n\
            WWW-Authenticate: Basic realm=\"Grandstream GRP2612W\"\r\n\r\n\
            <html><head><TITLE>\n  Grandstream Device\n Configuration </TITLE></head>\
            <body>MAC Address: 00:0B:82:8C:8F:97</body></html>";
        let info = parse(page).unwrap_or_else(|| panic!("not parsed"));
        assert_eq!(info.status, 401);
        assert_eq!(info.server.as_deref(), Some("lighttpd/1.4.55"));
        assert_eq!(info.realm.as_deref(), Some("Grandstream GRP2612W"));
        assert_eq!(
            info.title.as_deref(),
            Some("Grandstream Device Configuration")
        );
        assert_eq!(info.web_ui.map(|ui| ui.vendor), Some("Grandstream"));
        assert_eq!(info.macs, ["000b828c8f97"]);
        assert!(!info.redirects_to_https());
    }

    #[test]
    fn each_vendor_page_is_recognised() {
        for (title, server, realm, vendor) in [
            (Some("snom D785"), None, None, "Snom"),
            (None, Some("Yealink embed httpd"), None, "Yealink"),
            (Some("Allworx Server Admin"), None, None, "Allworx"),
            (None, None, Some("ScopServ Admin"), "ScopTEL"),
            (
                Some("FreePBX Administration"),
                Some("Apache"),
                None,
                "Sangoma",
            ),
        ] {
            assert_eq!(
                recognise(title, server, realm).map(|ui| ui.vendor),
                Some(vendor),
                "{title:?} {server:?} {realm:?}"
            );
        }
        assert_eq!(
            recognise(Some("Welcome to nginx!"), Some("nginx"), None),
            None
        );
    }

    #[test]
    fn redirect_digest_realm_and_junk() {
        let info = parse(
            b"HTTP/1.1 302 Found\r\nLocation: https://10.0.0.5/\r\n\
              WWW-Authenticate: Digest realm=asterisk, nonce=\"1\"\r\n\r\n",
        );
        let info = info.unwrap_or_else(|| panic!("not parsed"));
        assert!(info.redirects_to_https());
        assert_eq!(info.realm.as_deref(), Some("asterisk"));
        assert_eq!(info.title, None);
        for junk in [
            &b""[..],
            b"SSH-2.0-OpenSSH_9.2\r\n",
            b"HTTP/1.1 abc\r\n",
            b"HTTP/1.1",
        ] {
            assert_eq!(parse(junk), None);
        }
        assert_eq!(
            macs_of("id 00:0b:82:8c:8f:97:aa and 000b828c8f97"),
            Vec::<String>::new()
        );
        assert_eq!(macs_of("é 00-0b-82-8c-8f-98."), ["000b828c8f98"]);
    }
}
