#!/usr/bin/env bash
# Build, replay and run the libFuzzer targets (docs/FUZZING.md).
#
#   fuzz/run.sh build                    configure + build (clang) in $FUZZ_BUILD
#   fuzz/run.sh replay [TARGET...]       run every committed corpus input, and
#                                        every fuzz/regressions/ input, once
#   fuzz/run.sh fuzz SECONDS [TARGET...] fuzz each target for SECONDS
#   fuzz/run.sh gen                      regenerate the seeds (gen_corpus) and
#                                        merge them into fuzz/corpora/ (minimised)
#   fuzz/run.sh merge [TARGET...]        merge what fuzzing found
#                                        ($FUZZ_BUILD/corpus/T) into fuzz/corpora/T
#   fuzz/run.sh cov [TARGET...]          line/branch coverage of src/ reached by
#                                        the corpora (llvm-cov), built in
#                                        $FUZZ_BUILD-cov
#
# Environment: FUZZ_BUILD (default build-fuzz), FUZZ_JOBS (targets run in
# parallel by `fuzz`, default nproc), FUZZ_ROLE_SECONDS (if set, `fuzz`
# gives the role targets client, server, client_nc and server_nc this many
# seconds instead).
# client_nc and server_nc are the role targets on the no-checks copy of the
# library (-DCLASP_FUZZING_NO_CHECKS=ON: Finished and PSK binders are not
# checked, src/base/fuzzing.h); their seeds are client's and server's.
# New inputs found by `fuzz` go to $FUZZ_BUILD/corpus/<target>; crashes to
# $FUZZ_BUILD/artifacts/. The committed corpora are never written by `fuzz`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${FUZZ_BUILD:-build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
all_targets=(client_hello server_hello encrypted_extensions certificate
             certificate_request certificate_verify new_session_ticket
             key_update extensions record x509 ticket client server
             client_nc server_nc)

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

is_role() {
    case $1 in
    client | server | client_nc | server_nc) return 0 ;;
    esac
    return 1
}

targets() {
    if [ $# -gt 0 ]; then echo "$@"; else echo "${all_targets[@]}"; fi
}

# Per-target libFuzzer options.
opts() {
    local t=$1
    local o=(-timeout=25 -rss_limit_mb=2560 -dict=fuzz/tls.dict)
    case $t in
    client | server | client_nc | server_nc) o+=(-max_len=16384) ;;
    x509) o=(-timeout=25 -rss_limit_mb=2560 -max_len=8192) ;;
    esac
    echo "${o[@]}"
}

do_build() {
    cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLASP_FUZZING=ON \
        -DCLASP_FUZZING_NO_CHECKS=ON \
        -DCLASP_SANITIZE=ON -DCLASP_TESTS=OFF -DCLASP_WERROR=ON >/dev/null
    cmake --build "$build" -j "$jobs" --target fuzz_targets
}

need_build() {
    for t in $(targets "$@"); do
        if [ ! -x "$build/fuzz/fuzz_$t" ]; then
            echo "fuzz/run.sh: $build/fuzz/fuzz_$t missing: run 'fuzz/run.sh build'" >&2
            exit 1
        fi
    done
}

do_replay() {
    need_build "$@"
    local n=0
    for t in $(targets "$@"); do
        local dir=fuzz/corpora/$t
        if [ ! -d "$dir" ] || [ -z "$(ls -A "$dir")" ]; then
            echo "replay: $t: no corpus in $dir" >&2
            exit 1
        fi
        local log=$build/replay-$t.log
        # -runs=0: run every input of the directory once, then stop.
        # shellcheck disable=SC2046
        if ! "$build/fuzz/fuzz_$t" $(opts "$t") -runs=0 "$dir" >"$log" 2>&1; then
            cat "$log"
            echo "replay: $t FAILED" >&2
            exit 1
        fi
        local c extra=""
        c=$(find "$dir" -type f | wc -l)
        n=$((n + c))
        if is_role "$t"; then
            # Recorded handshakes only replay whole while the handshake
            # code behaves as when they were recorded (deterministic
            # provider): say when the corpus has gone stale.
            local done_n
            done_n=$(find "$dir" -type f -print0 |
                     CLASP_FUZZ_STATS=1 xargs -0 "$build/fuzz/fuzz_$t" 2>&1 |
                     awk '/^Running: / { f = $2 }
                          /^fuzz-stats: handshake completed/ { d[f] = 1 }
                          END { n = 0; for (k in d) n++; print n }')
            extra=", $done_n of them complete the handshake"
            if [ "$done_n" -eq 0 ]; then
                extra="$extra: WARNING: stale corpus, run 'fuzz/run.sh gen'"
            fi
        fi
        echo "replay: $t: $c inputs OK ($(grep -o 'cov: [0-9]*' "$log" | tail -1)$extra)"
        # Inputs of fixed bugs (never minimised away by merge).
        if [ -d "fuzz/regressions/$t" ]; then
            local r
            r=$(find "fuzz/regressions/$t" -type f | wc -l)
            if ! find "fuzz/regressions/$t" -type f -print0 |
                xargs -0 "$build/fuzz/fuzz_$t" >"$build/regress-$t.log" 2>&1; then
                cat "$build/regress-$t.log"
                echo "replay: $t: a regression input FAILED" >&2
                exit 1
            fi
            n=$((n + r))
            echo "replay: $t: $r regression inputs OK"
        fi
    done
    echo "replay: $n inputs, no failure"
}

fuzz_one() {
    local t=$1 secs=$2
    mkdir -p "$build/corpus/$t" "$build/artifacts"
    local log=$build/fuzz-$t.log
    # shellcheck disable=SC2046
    if "$build/fuzz/fuzz_$t" $(opts "$t") -max_total_time="$secs" \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" \
        "$build/corpus/$t" "fuzz/corpora/$t" >"$log" 2>&1; then
        echo "fuzz: $t: ${secs}s OK: $(grep -E '^#[0-9]+.*DONE' "$log" | tail -1 | sed 's/^#//')"
        return 0
    fi
    tail -n 60 "$log"
    echo "fuzz: $t FAILED after <= ${secs}s; input: $(ls "$build/artifacts/$t-"* 2>/dev/null | tail -1)" >&2
    return 1
}

do_fuzz() {
    local secs=$1
    shift
    need_build "$@"
    local pids=() names=() fail=0
    for t in $(targets "$@"); do
        local s=$secs
        if [ -n "${FUZZ_ROLE_SECONDS:-}" ] && is_role "$t"; then
            s=$FUZZ_ROLE_SECONDS
        fi
        fuzz_one "$t" "$s" &
        pids+=($!)
        names+=("$t")
        if [ ${#pids[@]} -ge "$jobs" ]; then
            wait "${pids[0]}" || fail=1
            pids=("${pids[@]:1}")
        fi
    done
    for p in "${pids[@]}"; do
        wait "$p" || fail=1
    done
    [ $fail -eq 0 ] || { echo "fuzz: FAILED" >&2; exit 1; }
    echo "fuzz: every target ran clean"
}

# Merge inputs into the committed corpus, keeping a minimal set that
# covers the same features (libFuzzer -merge=1).
merge_into() {
    local t=$1
    shift
    local dst=fuzz/corpora/$t tmp=$build/merge-$t
    rm -rf "$tmp"
    mkdir -p "$tmp" "$dst"
    # shellcheck disable=SC2046
    "$build/fuzz/fuzz_$t" $(opts "$t") -merge=1 "$tmp" "$dst" "$@" \
        >"$build/merge-$t.log" 2>&1 || { cat "$build/merge-$t.log"; exit 1; }
    rm -rf "$dst"
    mv "$tmp" "$dst"
    echo "merge: $t: $(find "$dst" -type f | wc -l) inputs, $(du -sk "$dst" | cut -f1) KiB"
}

do_gen() {
    need_build
    rm -rf "$build/seeds"
    "$build/fuzz/gen_corpus" "$build/seeds"
    for t in "${all_targets[@]}"; do
        # The no-checks targets take the role seeds as they are.
        merge_into "$t" "$build/seeds/${t%_nc}"
    done
}

do_cov() {
    local cb=$build-cov
    cmake -S . -B "$cb" -DCMAKE_C_COMPILER=clang \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLASP_FUZZING=ON \
        -DCLASP_FUZZING_NO_CHECKS=ON \
        -DCLASP_FUZZ_COVERAGE=ON -DCLASP_SANITIZE=ON -DCLASP_TESTS=OFF \
        -DCLASP_WERROR=ON >/dev/null
    cmake --build "$cb" -j "$jobs" --target fuzz_targets >/dev/null
    rm -rf "$cb/profiles"
    mkdir -p "$cb/profiles"
    local objs=()
    for t in $(targets "$@"); do
        local dirs=("fuzz/corpora/$t")
        [ -d "$build/corpus/$t" ] && dirs+=("$build/corpus/$t")
        find "${dirs[@]}" -type f -print0 |
            LLVM_PROFILE_FILE="$cb/profiles/$t-%p.profraw" \
            xargs -0 -n 500 "$cb/fuzz/fuzz_$t" >/dev/null 2>&1
        objs+=(-object "$cb/fuzz/fuzz_$t")
    done
    llvm-profdata merge -sparse "$cb"/profiles/*.profraw -o "$cb/fuzz.profdata"
    # The first -object is positional for llvm-cov.
    llvm-cov report "${objs[1]}" "${objs[@]:2}" \
        -instr-profile="$cb/fuzz.profdata" \
        -ignore-filename-regex="^$PWD/(fuzz|tests)/" | sed "s|$PWD/||"
}

do_merge() {
    need_build "$@"
    for t in $(targets "$@"); do
        merge_into "$t" "$build/corpus/$t"
    done
}

cmd=${1:-}
shift || true
case $cmd in
build) do_build ;;
replay) do_replay "$@" ;;
fuzz)
    [ $# -ge 1 ] || { echo "usage: fuzz/run.sh fuzz SECONDS [TARGET...]" >&2; exit 2; }
    do_fuzz "$@"
    ;;
gen) do_gen ;;
merge) do_merge "$@" ;;
cov) do_cov "$@" ;;
*)
    sed -n '2,24p' "$0"
    exit 2
    ;;
esac
