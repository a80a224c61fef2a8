/*
 * The fuzzing build's no-checks switch (docs/FUZZING.md, issue #8).
 *
 * CLASP_FUZZ_NO_CHECKS is 0 here, and in every library build. Only the
 * no-checks fuzz targets (CMake option CLASP_FUZZING_NO_CHECKS, which
 * compiles a separate copy of the library's sources for them, never
 * libclasp) define it to 1. Code tests it only as a whole condition,
 * `if (CLASP_FUZZ_NO_CHECKS) { ... }`, never combined with a run-time
 * value, so the compiler drops the branch at every optimisation level
 * when it is 0 (tests/fuzzing/no_checks.test.sh checks that libclasp.so
 * and libclasp.a hold no trace of it).
 *
 * Every such branch passes CLASP_FUZZ_MARK("what") to
 * clasp_hs_fuzz_skip() (src/hs/hs_common.h): the string and the function
 * exist only in an object compiled with the switch on.
 */
#ifndef CLASP_BASE_FUZZING_H
#define CLASP_BASE_FUZZING_H

#ifndef CLASP_FUZZ_NO_CHECKS
#define CLASP_FUZZ_NO_CHECKS 0
#endif

/* The marker string of one skipped check. */
#define CLASP_FUZZ_MARK(what) "clasp-fuzz-no-checks: " what " not checked"

#endif
