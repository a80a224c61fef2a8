/* The I/O pump over the user's callbacks (src/conn/io.c). */
#ifndef CLASP_CONN_IO_H
#define CLASP_CONN_IO_H

#include "hs/hs.h"

/* Send what is pending: CLASP_OK, WANT_WRITE, or a fatal error. */
CLASP_MUST_USE int clasp_io_flush(clasp_conn *c);
/* Run op until it stops asking for input that the transport can give. */
CLASP_MUST_USE int clasp_io_run(clasp_conn *c, int (*op)(clasp_conn *c));

#endif
