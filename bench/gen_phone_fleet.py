#!/usr/bin/env python3
"""Writes a synthetic fleet of phone provisioning files in the shapes of the real corpus.

usage: gen_phone_fleet.py OUT_DIR COUNT [SEED]

Shapes (weights as in real fleets: mostly per-MAC XML): Grandstream XML v1 (P-value elements, with
<mac>), Grandstream XML v2 alias (flat and nested <part>), Grandstream legacy P-value text, Snom
XML (<phone-settings> with idx and perm), Snom plain text (name$: value). Each file is padded with
realistic filler settings to a size drawn from 10-150 KB. Files are spread over subfolders of 1,000.
All values are synthetic; nothing is copied from the corpus.
"""
import os
import random
import sys

SECURITY_P = ["P2", "P196", "P1650", "P22120", "P22121", "P276", "P1310", "P21896", "P212", "P6767",
              "P240", "P1359", "P1409", "P4518", "P8402", "P28116", "P8463", "P1357"]
ACCOUNT_BLOCKS = [
    {"P271": "1", "P47": "pbx.example.net", "P35": "1{n}", "P34": "pw{n}", "P130": "0", "P183": "0", "P129": "0"},
    {"P401": "1", "P402": "pbx.example.net", "P404": "2{n}", "P406": "pw{n}", "P448": "2", "P443": "2", "P446": "1"},
]
SNOM_SECURITY = ["http_user", "http_pass", "webserver_type", "admin_mode", "admin_mode_password",
                 "provisioning_order", "setting_server", "tls_server_authentication", "uboot_lock"]


def value(rng):
    return rng.choice(["0", "1", "2", "5060", "yes", "pool.ntp.org", "en", str(rng.randint(0, 65535))])


def grandstream_v1(rng, n, mac, size):
    out = ['<?xml version="1.0" encoding="UTF-8" ?>', '<gs_provision version="1">', f"<mac>{mac}</mac>",
           '  <config version="1">']
    for p in SECURITY_P:
        out.append(f"    <{p}>{rng.choice(['0', '1', 'admin', 'Xy7#' + str(n)])}</{p}>")
    for block in ACCOUNT_BLOCKS:
        for key, val in block.items():
            out.append(f"    <{key}>{val.format(n=n)}</{key}>")
    length = sum(map(len, out))
    while length < size:
        line = f"    <P{(p := rng.randint(3, 29999))}>{value(rng)}</P{p}>"
        out.append(line)
        length += len(line) + 1
    out += ["  </config>", "</gs_provision>"]
    return "\n".join(out) + "\n"


def grandstream_v2(rng, n, mac, size):
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<gs_provision version="1">', '  <config version="2">',
           '    <item name="users.admin.password">admin</item>',
           '    <item name="security.webAccessMode">HTTP</item>', '    <item name="security.ssh">Yes</item>',
           '    <item name="account.1.enable">Yes</item>',
           '    <item name="account.1.sip.server.1.address">pbx.example.net</item>',
           f'    <item name="account.1.sip.subscriber"><part name="userid">{n}</part>'
           f'<part name="password">pw{n}</part></item>',
           '    <item name="account.1.sip.transport">UDP</item>']
    length = sum(map(len, out))
    while length < size:
        line = f'    <item name="features.filler.{rng.randint(0, 99999)}">{value(rng)}</item>'
        out.append(line)
        length += len(line) + 1
    out += ["  </config>", "</gs_provision>"]
    return "\n".join(out) + "\n"


def grandstream_text(rng, n, mac, size):
    out = ["# generated P-value text", "P2 = admin", "P276 = 0", "P1650 = 1", "P271 = 1",
           "P47 = pbx.example.net", f"P35 = {n}", f"P34 = pw{n}", "P130 = 0"]
    length = sum(map(len, out))
    while length < size:
        line = f"P{rng.randint(3, 29999)} = {value(rng)}"
        out.append(line)
        length += len(line) + 1
    return "\n".join(out) + "\n"


def snom_xml(rng, n, mac, size):
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<settings>", '  <phone-settings e="2">']
    for name in SNOM_SECURITY:
        out.append(f'    <{name} perm="RW">{rng.choice(["on", "off", "https", "0000", "Qw3#" + str(n)])}</{name}>')
    out += [f'    <user_active idx="1" perm="R">on</user_active>', f'    <user_name idx="1" perm="R">{n}</user_name>',
            '    <user_host idx="1" perm="R">pbx.example.net</user_host>', '    <user_srtp idx="1" perm="R">off</user_srtp>']
    length = sum(map(len, out))
    while length < size:
        name = f"setting_{rng.randint(0, 9999)}"
        line = f'    <{name} idx="{rng.randint(1, 12)}" perm="{rng.choice(["R", "RW", "!"])}">{value(rng)}</{name}>'
        out.append(line)
        length += len(line) + 1
    out += ["  </phone-settings>", "</settings>"]
    return "\n".join(out) + "\n"


def snom_text(rng, n, mac, size):
    out = ["<html><pre>", "admin_mode$: on", "admin_mode_password$: 0000", "webserver_type$: http",
           "user_active1$: on", f"user_name1$: {n}", "user_host1$: pbx.example.net", "user_srtp1$: off"]
    length = sum(map(len, out))
    while length < size:
        line = f"setting_{rng.randint(0, 9999)}{rng.choice(['$', '!', '&', ''])}: {value(rng)}"
        out.append(line)
        length += len(line) + 1
    out.append("</pre></html>")
    return "\n".join(out) + "\n"


SHAPES = [  # (weight, writer, file name pattern)
    (45, grandstream_v1, "cfg{mac}.xml"),
    (15, grandstream_v2, "cfg{mac}.xml"),
    (10, grandstream_text, "cfg{mac}.txt"),
    (20, snom_xml, "snomD785-{mac}.xml"),
    (10, snom_text, "snom760-{mac}.htm"),
]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out_dir, count = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    weights = [shape[0] for shape in SHAPES]
    total = 0
    for n in range(count):
        _, writer, pattern = rng.choices(SHAPES, weights)[0]
        mac = f"000b82{n:06x}" if "cfg" in pattern else f"000413{n:06x}"
        folder = os.path.join(out_dir, f"{n // 1000:04d}")
        os.makedirs(folder, exist_ok=True)
        text = writer(rng, n, mac, rng.randint(10_000, 150_000))
        with open(os.path.join(folder, pattern.format(mac=mac)), "w") as handle:
            handle.write(text)
        total += len(text)
    print(f"wrote {count} files, {total / 1e6:.0f} MB, into {out_dir}")


if __name__ == "__main__":
    main()
