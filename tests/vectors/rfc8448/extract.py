#!/usr/bin/env python3
"""Extract every labelled hex value of RFC 8448 (TLS 1.3 example traces)
into one data file per trace, so the C trace tests do not depend on the RFC
text being present at build time.

Usage: extract.py <rfc8448.txt> <out_dir>

Output format (one value per line, '#' comments):
    <actor>.<step>[~N].<field> = <hex>
<step> is a slug of the trace's step title; ~N numbers the N-th step of the
same actor and title (N >= 2). Every value's length is checked against the
"(N octets)" the RFC states, so a page break cannot corrupt a value.
"""
import re
import sys

SECTIONS = {
    "3": "simple",
    "4": "resumed_0rtt",
    "5": "hrr",
    "6": "client_auth",
    "7": "compat",
}

SECTION_RE = re.compile(r"^(\d)\.  (\S.*)$")
STEP_RE = re.compile(r"^   \{(client|server)\}  (.*)$")
FIELD_RE = re.compile(r"^      (\S[^(:]*?) \((\d+) octets?\):\s*(.*)$")
HEX_RE = re.compile(r"^\s{7,}((?:[0-9a-f]{2}\s?)+)$")
NOISE_RE = re.compile(r"^(Thomson |Internet-Draft |\s*$)")


def slug(text):
    text = text.strip().rstrip(":")
    text = re.sub(r"\(same as.*$", "", text).strip()
    text = text.replace('"tls13 ', '"')
    m = re.match(r"construct an? (\w+) handshake message", text)
    if m:
        return m.group(1).lower()
    text = re.sub(r"[^A-Za-z0-9]+", "_", text.lower()).strip("_")
    return text


def main():
    src, out_dir = sys.argv[1], sys.argv[2]
    lines = open(src, encoding="ascii").read().split("\n")
    section = None
    values = {}  # section -> list of (name, hex)
    step = None
    step_key = None
    step_counts = {}
    field = None  # [name, expected_len, hexparts]

    def close_field():
        nonlocal field
        if field is None:
            return
        name, want, parts = field
        data = bytes.fromhex("".join(parts))
        if len(data) != want:
            sys.exit("%s: %d bytes, RFC says %d" % (name, len(data), want))
        values[section].append((name, data.hex()))
        field = None

    for line in lines:
        m = SECTION_RE.match(line)
        if m and not line.startswith("   "):
            close_field()
            section = SECTIONS.get(m.group(1))
            if section is not None:
                values.setdefault(section, [])
                step = None
                step_key = None
                step_counts = {}
            continue
        if section is None:
            continue
        m = STEP_RE.match(line)
        if m:
            close_field()
            actor, title = m.group(1), m.group(2)
            # Numbered when its first value appears: "(same as ...)"
            # steps carry no values and take no number.
            step_key = actor + "." + slug(title)
            step = None
            continue
        m = FIELD_RE.match(line)
        if m and step_key is not None:
            close_field()
            if step is None:
                n = step_counts.get(step_key, 0) + 1
                step_counts[step_key] = n
                step = step_key if n == 1 else "%s~%d" % (step_key, n)
            fname = re.sub(r"[^a-z0-9]+", "_", m.group(1).lower()).strip("_")
            want = int(m.group(2))
            first = m.group(3).strip()
            parts = [] if first == "(empty)" else [first.replace(" ", "")]
            field = [step + "." + fname, want, parts]
            continue
        if field is not None:
            m = HEX_RE.match(line)
            if m:
                field[2].append(m.group(1).replace(" ", ""))
                continue
            if NOISE_RE.match(line):
                continue
            close_field()
    close_field()

    for sec, vals in values.items():
        names = set()
        with open("%s/%s.txt" % (out_dir, sec), "w") as f:
            f.write("# RFC 8448 trace '%s', extracted by extract.py.\n" % sec)
            f.write("# <actor>.<step>[~N].<field> = <hex>\n")
            for name, hx in vals:
                if name in names:
                    sys.exit("duplicate name " + name)
                names.add(name)
                f.write("%s = %s\n" % (name, hx))


if __name__ == "__main__":
    main()
