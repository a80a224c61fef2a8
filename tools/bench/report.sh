#!/usr/bin/env bash
# Regenerate the measurements of docs/PERFORMANCE.md (`make bench-report`):
#   1. clasp-bench with 9 rounds of up to 2.5 s per figure and contender
#      (BENCH_ARGS replaces those options): the text goes to
#      docs/perf/bench.txt, the figures to docs/perf/bench.json;
#   2. tools/bench/callgrind.sh, 100 handshakes per side: docs/perf/
#      callgrind.txt;
#   3. the plot, docs/perf/bench.png (gnuplot: apt-get install gnuplot-nox);
#   4. the blocks of docs/PERFORMANCE.md between "<!-- BEGIN name -->" and
#      "<!-- END name -->" get the machine's description (docs/perf/
#      machine.txt) and the new bench.txt and callgrind.txt.
# The prose around them (targets met or missed, and why) is written by hand:
# read the new numbers before committing. REPORT_ONLY=1 skips 1 and 2 and
# redraws from the files already in docs/perf.
#
#   tools/bench/report.sh [BUILD_DIR]     (default build-bench)
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$src/build-bench}
out=$src/docs/perf
bench=$build/tools/bench/clasp-bench
[ -x "$bench" ] || {
    echo "report.sh: $bench not found: make bench-build" >&2
    exit 1
}
command -v gnuplot >/dev/null || {
    echo "report.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2
    exit 1
}
mkdir -p "$out"

if [ -z "${REPORT_ONLY:-}" ]; then
    {
        echo "CPU:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- |
            sed 's/^ *//'), $(nproc) CPUs online"
        echo "          $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' |
            grep -E '^(aes|avx2|avx512f|sha_ni|adx|bmi2|vaes)$' | xargs)"
        echo "OS:       $(. /etc/os-release && echo "$PRETTY_NAME"), Linux" \
             "$(uname -r)"
        echo "build:    $("$bench" --build-info)"
        echo "valgrind: $(valgrind --version 2>/dev/null || echo none)"
        echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC'), load average" \
             "$(cut -d' ' -f1-3 /proc/loadavg) at the start"
    } >"$out/machine.txt"
    echo "== clasp-bench"
    args=${BENCH_ARGS:---seconds 2.5 --rounds 9}
    # shellcheck disable=SC2086 # a list of options
    "$bench" --json-out "$out/bench.json" $args | tee "$out/bench.txt"
    echo "== callgrind"
    bash "$src/tools/bench/callgrind.sh" --build "$build" --handshakes 100 |
        tee "$out/callgrind.txt"
fi

python3 - "$out" "$src/docs/PERFORMANCE.md" <<'PY'
import json, os, re, sys

out, doc = sys.argv[1], sys.argv[2]
d = json.load(open(os.path.join(out, "bench.json")))


def val(res, side, field):
    r = res.get(side) if isinstance(res, dict) else None
    return "%.2f" % r[field] if r else "?"


with open(os.path.join(out, "handshake.dat"), "w") as f:
    f.write("# case floor clasp libssl (CPU us per handshake)\n")
    for fig in d["figures"]:
        if fig["kind"] == "bulk":
            continue
        name = {"full": fig["key"].upper() if fig["key"] == "rsa" else
                "ECDSA", "resumed": "resumed"}[fig["kind"]]
        for side in ("server", "client"):
            rs = fig["results"]
            f.write('"%s %s" %s %s %s\n' % (
                name, side, val(rs["floor"], side, "us"),
                val(rs["clasp"], side, "us"), val(rs["libssl"], side, "us")))
with open(os.path.join(out, "bulk.dat"), "w") as f:
    f.write("# case raw clasp libssl (MB/s)\n")
    short = {"TLS_AES_128_GCM_SHA256": "AES-128-GCM",
             "TLS_AES_256_GCM_SHA384": "AES-256-GCM",
             "TLS_CHACHA20_POLY1305_SHA256": "ChaCha20"}
    for fig in d["figures"]:
        if fig["kind"] != "bulk":
            continue
        for side, word in (("sender", "write"), ("receiver", "read")):
            rs = fig["results"]
            f.write('"%s %dB %s" %s %s %s\n' % (
                short[fig["suite"]], fig["rec_len"], word,
                val(rs["floor"], side, "mb_s"), val(rs["clasp"], side, "mb_s"),
                val(rs["libssl"], side, "mb_s")))
m = d["machine"]
with open(os.path.join(out, "meta.gp"), "w") as f:
    f.write('subtitle = "%s, %d CPUs, %s, clasp %s (%s, %s)"\n' % (
        m["cpu"], m["nproc"], m["openssl"], m["clasp"], m["compiler"],
        m["build_type"]))

text = open(doc).read()
for name in ("machine.txt", "bench.txt", "callgrind.txt"):
    body = open(os.path.join(out, name)).read().rstrip("\n")
    tag = name.replace(".txt", "") if name == "machine.txt" else name
    pat = re.compile(r"(<!-- BEGIN %s -->\n)(?:.*?\n)?(<!-- END %s -->)"
                     % (re.escape(tag), re.escape(tag)), re.S)
    if not pat.search(text):
        sys.exit("report.sh: no BEGIN/END %s markers in %s" % (tag, doc))
    text = pat.sub(lambda mo: mo.group(1) + "```text\n" + body + "\n```\n" +
                   mo.group(2), text)
open(doc, "w").write(text)
PY

gnuplot -e "datadir='$out'" "$src/tools/bench/plot.gp"
echo "report.sh: wrote $out/{machine,bench,callgrind}.txt, bench.json," \
     "bench.png and updated docs/PERFORMANCE.md"
