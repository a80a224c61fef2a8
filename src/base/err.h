/*
 * Error convention (DESIGN.md §3.9): every function returns int; 0 is OK,
 * a negative value is a CLASP_ERR_* code. Exactly three control macros.
 */
#ifndef CLASP_BASE_ERR_H
#define CLASP_BASE_ERR_H

#include <stdbool.h>

#include "clasp/clasp_errors.h"

#define CLASP_MUST_USE __attribute__((warn_unused_result))
#define CLASP_UNUSED(x) ((void)(x))
#define CLASP_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

/* Records where an error was first raised (debug builds keep file:line in a
 * per-thread-free, per-call manner: only the most recent is kept for
 * diagnostics of the calling connection, see clasp_fail_last()). */
CLASP_MUST_USE int clasp_fail(int err, const char *file, int line);

/* Propagate a negative result. */
#define TRY(expr)         \
    do {                  \
        int rc_ = (expr); \
        if (rc_ < 0) {    \
            return rc_;   \
        }                 \
    } while (0)

/* Fail with err unless cond holds. */
#define ENSURE(cond, err)                                 \
    do {                                                  \
        if (!(cond)) {                                    \
            return clasp_fail((err), __FILE__, __LINE__); \
        }                                                 \
    } while (0)

/* Fail with err. */
#define BAIL(err) return clasp_fail((err), __FILE__, __LINE__)

/* Class of an error code (CLASP_ERRCLASS_*), 0 for success. */
int clasp_err_class(int err);
/* The alert an error sends, or CLASP_ALERT_NONE. */
int clasp_err_alert(int err);
/* True for WANT_READ / WANT_WRITE. */
bool clasp_err_is_retry(int err);
/* Error code for a received alert description (used for tests/logging). */
const char *clasp_alert_name(int alert);

#endif
