#!/usr/bin/env python3
"""Layering lints of DESIGN.md (docs/ARCHITECTURE.md), grep-level and fast.

    tools/lint/clasp_lint.py [--root DIR] [CHECK ...]

With no CHECK every check runs. Exit status 1 if anything is reported; each
finding is printed as "path:line: check: message".

Checks
  openssl-include   only src/crypto/ossl/ (and the benchmark, tools/bench/)
                    includes <openssl/...> (§3.1, §3.10)
  hiredis-include   only src/ext_store/redis/ (libclasp_redis) and its tests
                    include <hiredis/...>: libclasp never depends on hiredis
  public-include    include/clasp/ includes only system and clasp/ headers
  layering          src/<layer>/ includes only its own layer and layers to its
                    left: base <- crypto <- record <- keysched <- msg/ext <-
                    hs <- tickets <- conn (§3.1); src/ext_store/ (optional
                    stores in libraries of their own) includes only public
                    headers
  if-in-function    no #if/#ifdef/#else/#endif inside a function body in src/
                    (§3.11); tables and struct definitions may use them
  ifdef-flag        CLASP_WITH_* flags are always 0 or 1: test them with #if,
                    never #ifdef/#ifndef/defined() (§3.11)
  raw-input         outside src/base/ and the crypto providers, no pointer
                    arithmetic or indexing on reader/span pointers and no
                    memcpy/memmove/memcmp (§3.4): wire bytes go through
                    clasp_rd / clasp_wr / clasp_span_* / clasp_ct_equal

Exceptions are written in the code, next to the line, with a reason:
    /* LINT-ALLOW(raw-input): copies our own key, not input */
on the flagged line or the line just above it. openssl-include, layering and
public-include admit no exception.

Comments and string literals are blanked before matching, so prose in
comments never triggers a check.
"""

import argparse
import os
import re
import sys

LAYERS = {
    "base": 0,
    "crypto": 1,
    "record": 2,
    "keysched": 3,
    "msg": 4,
    "ext": 4,
    "hs": 5,
    "tickets": 6,
    "conn": 7,
}
LAYER_ORDER = "base <- crypto <- record <- keysched <- msg/ext <- hs <- " \
              "tickets <- conn"

# Directories whose code implements primitives over trusted buffers: the
# reader/writer themselves and the crypto providers (OpenSSL glue and the
# deterministic test provider, which is never part of libclasp).
RAW_INPUT_EXEMPT = ("src/base/", "src/crypto/ossl/", "src/crypto/testprov/")

SOURCE_DIRS = ("include", "src", "tests", "tools", "fuzz")

ALLOW_RE = re.compile(r"LINT-ALLOW\(([a-z-]+)\)\s*:\s*\S")
NO_EXCEPTION = {"openssl-include", "hiredis-include", "layering",
                "public-include"}


class Finding:
    def __init__(self, path, line, check, message):
        self.path, self.line, self.check, self.message = \
            path, line, check, message

    def __str__(self):
        return f"{self.path}:{self.line}: {self.check}: {self.message}"


def blank_comments_and_strings(text):
    """Replace the contents of comments, string and character literals with
    spaces, keeping newlines and the quote characters, so that line numbers
    and the shape of the code stay the same."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "*":
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif c == "/" and i + 1 < n and text[i + 1] == "/":
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j, n - 1)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j]) + text[j])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


class SourceFile:
    def __init__(self, root, rel):
        self.rel = rel
        with open(os.path.join(root, rel), encoding="utf-8",
                  errors="replace") as f:
            self.raw = f.read()
        self.raw_lines = self.raw.split("\n")
        self.code_lines = blank_comments_and_strings(self.raw).split("\n")
        # Lines that belong to a preprocessor directive (with continuations).
        self.pp = [False] * len(self.code_lines)
        cont = False
        for i, line in enumerate(self.code_lines):
            if cont or line.lstrip().startswith("#"):
                self.pp[i] = True
                cont = line.rstrip().endswith("\\")
            else:
                cont = False

    def allowed(self, lineno, check):
        """A LINT-ALLOW(check): reason marker on this line or the one above."""
        for k in (lineno - 1, lineno - 2):
            if 0 <= k < len(self.raw_lines):
                for m in ALLOW_RE.finditer(self.raw_lines[k]):
                    if m.group(1) == check:
                        return True
        return False

    def includes(self):
        """(line number, delimiter, path) of every #include."""
        for i, code in enumerate(self.code_lines):
            if re.match(r"\s*#\s*include\b", code):
                m = re.match(r'\s*#\s*include\s*([<"])([^>"]*)[>"]',
                             self.raw_lines[i])
                if m:
                    yield i + 1, m.group(1), m.group(2)


def list_sources(root):
    files = []
    for top in SOURCE_DIRS:
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith((".c", ".h")):
                    files.append(os.path.relpath(os.path.join(dirpath, name),
                                                 root).replace(os.sep, "/"))
    return files


# ---- checks ------------------------------------------------------------------

# The benchmark compares clasp with OpenSSL's libssl and measures the
# crypto floor with libcrypto directly: it is the one place outside the
# provider that includes OpenSSL headers (it is not part of libclasp).
OPENSSL_INCLUDE_OK = ("src/crypto/ossl/", "tools/bench/")


def check_openssl_include(f):
    if f.rel.startswith(OPENSSL_INCLUDE_OK):
        return
    for line, _, path in f.includes():
        if path.startswith("openssl/"):
            yield Finding(f.rel, line, "openssl-include",
                          f"#include of {path}: only src/crypto/ossl/ may "
                          "include OpenSSL headers")


# libclasp_redis (src/ext_store/redis/) and its tests.
HIREDIS_INCLUDE_OK = ("src/ext_store/redis/", "tests/ext_store/redis/")


def check_hiredis_include(f):
    if f.rel.startswith(HIREDIS_INCLUDE_OK):
        return
    for line, _, path in f.includes():
        if path.startswith("hiredis/"):
            yield Finding(f.rel, line, "hiredis-include",
                          f"#include of {path}: only src/ext_store/redis/ "
                          "may include hiredis")


def check_public_include(f):
    if not f.rel.startswith("include/"):
        return
    for line, delim, path in f.includes():
        if delim == '"' and not path.startswith("clasp/"):
            yield Finding(f.rel, line, "public-include",
                          f'#include "{path}": public headers include only '
                          "system headers and clasp/ headers")
        elif delim == "<" and path.split("/")[0] in LAYERS:
            yield Finding(f.rel, line, "public-include",
                          f"#include <{path}>: public headers never include "
                          "from src/")


def check_layering(f):
    parts = f.rel.split("/")
    if parts[0] != "src" or len(parts) < 3:
        return
    layer = parts[1]
    if layer == "ext_store":
        # A library of its own over libclasp's public API.
        for line, delim, path in f.includes():
            if delim == '"' and not path.startswith("clasp/"):
                yield Finding(f.rel, line, "layering",
                              f'#include "{path}": src/ext_store/ uses only '
                              "public headers (clasp/)")
        return
    if layer not in LAYERS:
        yield Finding(f.rel, 1, "layering",
                      f"src/{layer}/ is not a layer ({LAYER_ORDER})")
        return
    for line, delim, path in f.includes():
        if delim == "<":
            continue
        head = path.split("/")[0]
        if "/" not in path:
            continue  # same directory
        if head == "clasp":
            continue  # public headers
        if head == ".." or head not in LAYERS:
            yield Finding(f.rel, line, "layering",
                          f'#include "{path}": include internal headers as '
                          '"<layer>/<file>.h" from src/')
        elif LAYERS[head] > LAYERS[layer]:
            yield Finding(f.rel, line, "layering",
                          f'#include "{path}": {layer}/ may not depend on '
                          f"{head}/ ({LAYER_ORDER})")


PP_COND_RE = re.compile(r"\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b")


def check_if_in_function(f):
    if not f.rel.startswith("src/"):
        return
    stack = []          # one bool per open brace: inside a function body?
    before = []         # code seen at file scope since the last ; } or {
    for i, code in enumerate(f.code_lines):
        if f.pp[i]:
            m = PP_COND_RE.match(code)
            if m and any(stack) and not f.allowed(i + 1, "if-in-function"):
                yield Finding(f.rel, i + 1, "if-in-function",
                              f"#{m.group(1)} inside a function body: use "
                              "if (CLASP_WITH_X) with a stub (§3.11)")
            continue
        for c in code:
            if c == "{":
                if stack:
                    stack.append(stack[-1])
                else:
                    head = "".join(before).strip()
                    stack.append(head.endswith(")"))
                before = []
            elif c == "}":
                if stack:
                    stack.pop()
                before = []
            elif c == ";":
                if not stack:
                    before = []
            elif not stack:
                before.append(c)
        if not stack:
            before.append("\n")


IFDEF_FLAG_RE = re.compile(
    r"\s*#\s*(?:ifdef|ifndef)\s+CLASP_WITH_\w+|"
    r"\s*#\s*(?:el)?if\b.*\bdefined\s*\(?\s*CLASP_WITH_\w+")


def check_ifdef_flag(f):
    if not f.rel.startswith(("src/", "include/", "tests/", "tools/",
                             "fuzz/")):
        return
    for i, code in enumerate(f.code_lines):
        if f.pp[i] and IFDEF_FLAG_RE.match(code) and \
                not f.allowed(i + 1, "ifdef-flag"):
            yield Finding(f.rel, i + 1, "ifdef-flag",
                          "CLASP_WITH_* is always defined (0 or 1): write "
                          "#if CLASP_WITH_X, not #ifdef/defined()")


RAW_INPUT_PATTERNS = [
    (re.compile(r"\b(memcpy|memmove)\s*\("),
     "{0}() outside src/base/: copy input with clasp_rd_copy/"
     "clasp_span_copy, output with clasp_wr_bytes, buffers with clasp_copy"),
    (re.compile(r"\bmemcmp\s*\("),
     "memcmp() outside src/base/: compare with clasp_ct_equal (§3.12)"),
    (re.compile(r"(?:\.|->)\s*(?:p|end)\s*(?:\[|\+|-(?!>))"),
     "pointer arithmetic or indexing on a reader/span pointer: read "
     "through clasp_rd_* or clasp_span_at/clasp_span_sub (§3.4)"),
    (re.compile(r"(?:\+\+|--)\s*\w+\s*(?:\.|->)\s*(?:p|end)\b"),
     "pointer arithmetic on a reader/span pointer (§3.4)"),
    (re.compile(r"(?:\.|->)\s*end\b"),
     "handles a reader's end by hand: vectors become sub-readers "
     "(clasp_rd_vec*), finished with clasp_rd_done (§3.4)"),
    # A cursor named p moved by hand (the hand-written parser's idiom).
    # Indexing a local p is not flagged: too often a trusted buffer.
    (re.compile(r"\bp\s*(?:\+=|-=|\+\+|--)|(?:\+\+|--)\s*p\b"),
     "moves a cursor 'p' by hand: read input through clasp_rd_* (§3.4)"),
]


def check_raw_input(f):
    if not f.rel.startswith("src/") or f.rel.startswith(RAW_INPUT_EXEMPT):
        return
    for i, code in enumerate(f.code_lines):
        if f.pp[i]:
            continue
        for rx, msg in RAW_INPUT_PATTERNS:
            m = rx.search(code)
            if m:
                if not f.allowed(i + 1, "raw-input"):
                    yield Finding(f.rel, i + 1, "raw-input",
                                  msg.format(*(m.groups() or ())))
                break


CHECKS = {
    "openssl-include": check_openssl_include,
    "hiredis-include": check_hiredis_include,
    "public-include": check_public_include,
    "layering": check_layering,
    "if-in-function": check_if_in_function,
    "ifdef-flag": check_ifdef_flag,
    "raw-input": check_raw_input,
}


def check_markers(f):
    """A LINT-ALLOW marker must name a known check that admits exceptions
    and give a reason."""
    for i, raw in enumerate(f.raw_lines):
        for m in re.finditer(r"LINT-ALLOW\(([^)]*)\)(\s*:\s*\S)?", raw):
            name = m.group(1)
            if name not in CHECKS or name in NO_EXCEPTION:
                yield Finding(f.rel, i + 1, "marker",
                              f"LINT-ALLOW({name}): no such check, or the "
                              "check admits no exception")
            elif not m.group(2):
                yield Finding(f.rel, i + 1, "marker",
                              f"LINT-ALLOW({name}) needs a reason: "
                              f"LINT-ALLOW({name}): why")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("checks", nargs="*", metavar="CHECK",
                    help="checks to run (default: all): " +
                    ", ".join(CHECKS))
    args = ap.parse_args(argv)
    unknown = [c for c in args.checks if c not in CHECKS]
    if unknown:
        ap.error("unknown check(s): " + ", ".join(unknown))
    selected = args.checks or list(CHECKS)
    root = os.path.abspath(args.root)

    findings = []
    files = list_sources(root)
    for rel in files:
        sf = SourceFile(root, rel)
        for name in selected:
            findings.extend(CHECKS[name](sf))
        if not args.checks:
            findings.extend(check_markers(sf))
    for fnd in findings:
        print(fnd)
    if findings:
        print(f"lint: {len(findings)} finding(s) in {len(files)} files "
              "(see tools/lint/clasp_lint.py for the rules and LINT-ALLOW)",
              file=sys.stderr)
        return 1
    print(f"lint: {len(files)} files clean ({', '.join(selected)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
