/*
 * -trace: the library's debug callback turned into a message ladder, the
 * client always on the left and the server on the right, whichever side
 * the tool plays:
 *
 *      0.00 ms  ClientHello        243 B ------------>
 *      2.10 ms                           <------------ ServerHello      90 B
 *
 * Braces mark messages under handshake traffic keys and brackets those
 * under application traffic keys, as in the figures of RFC 8446 §2.
 * The library logs a HelloRetryRequest as a ServerHello; a second
 * ClientHello reveals it, and the ladder says so.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define COL_NAME 21
#define ARROW_RIGHT "--------->"
#define ARROW_LEFT "<---------"

int cli_use_color(FILE *f)
{
    const char *no_color = getenv("NO_COLOR");
    return isatty(fileno(f)) && (no_color == NULL || *no_color == '\0');
}

static const char *paint(int color, const char *code)
{
    return color ? code : "";
}

void cli_ladder_header(FILE *f, int color, const char *left, const char *right)
{
    fprintf(f, "%s%12s%-*s %10s %s%s\n", paint(color, "\033[1m"), "",
            COL_NAME + 7, left, "", right, paint(color, "\033[0m"));
}

void cli_ladder_row(FILE *f, int color, double t_ms, int from_server,
                    const char *label, size_t bytes)
{
    char size[24] = "";
    if (bytes > 0) {
        snprintf(size, sizeof(size), "%zu B", bytes);
    }
    const char *c_on =
        from_server ? paint(color, "\033[33m") : paint(color, "\033[36m");
    const char *c_off = paint(color, "\033[0m");
    if (!from_server) {
        fprintf(f, "%8.2f ms %s%-*s %6s %s%s\n", t_ms, c_on, COL_NAME, label,
                size, ARROW_RIGHT, c_off);
    } else {
        fprintf(f, "%8.2f ms %*s %s%s %-*s %6s%s\n", t_ms, COL_NAME + 7, "",
                c_on, ARROW_LEFT, COL_NAME, label, size, c_off);
    }
}

void cli_ladder_note(FILE *f, int color, const char *note)
{
    fprintf(f, "%12s%s%s%s\n", "", paint(color, "\033[2m"), note,
            paint(color, "\033[0m"));
}

void cli_ladder_label(char *out, size_t out_len, const char *name,
                      int finished_seen)
{
    if (strcmp(name, "ClientHello") == 0 || strcmp(name, "ServerHello") == 0) {
        snprintf(out, out_len, "%s", name);
    } else if (finished_seen >= 2) {
        snprintf(out, out_len, "[%s]", name);
    } else {
        snprintf(out, out_len, "{%s}", name);
    }
}

void cli_trace_begin(cli_trace *t)
{
    t->client_hellos = 0;
    t->finished = 0;
    t->t0 = cli_now_ms();
    cli_ladder_header(t->out, t->color, "client", "server");
}

/* "> Name (N bytes)" or "< Name (N bytes)" -> direction, name, size. */
static int parse_msg_line(const char *msg, int *sent, char *name,
                          size_t name_len, size_t *bytes)
{
    if ((msg[0] != '>' && msg[0] != '<') || msg[1] != ' ') {
        return -1;
    }
    *sent = msg[0] == '>';
    const char *p = msg + 2;
    const char *sp = strchr(p, ' ');
    if (sp == NULL || (size_t)(sp - p) >= name_len) {
        return -1;
    }
    memcpy(name, p, (size_t)(sp - p));
    name[sp - p] = '\0';
    *bytes = 0;
    if (sscanf(sp, " (%zu bytes)", bytes) != 1) {
        return -1;
    }
    return 0;
}

void cli_trace_dbg(void *arg, int level, const char *file, int line,
                   const char *msg)
{
    cli_trace *t = arg;
    (void)file;
    (void)line;
    double dt = cli_now_ms() - t->t0;
    int sent;
    char name[64];
    size_t bytes;
    if (level == CLASP_DEBUG_MSG &&
        parse_msg_line(msg, &sent, name, sizeof(name), &bytes) == 0) {
        int from_server = sent ? t->is_server : !t->is_server;
        if (strcmp(name, "ClientHello") == 0 && ++t->client_hellos == 2) {
            cli_ladder_note(t->out, t->color,
                            "(the ServerHello above was a "
                            "HelloRetryRequest)");
        }
        char label[80];
        cli_ladder_label(label, sizeof(label), name, t->finished);
        if (strcmp(name, "Finished") == 0) {
            t->finished++;
        }
        cli_ladder_row(t->out, t->color, dt, from_server, label, bytes);
        return;
    }
    const char *tag = level <= CLASP_DEBUG_ERROR  ? "error"
                      : level == CLASP_DEBUG_INFO ? "info"
                                                  : "debug";
    char note[600];
    snprintf(note, sizeof(note), "%s: %s", tag, msg);
    cli_ladder_note(t->out, t->color, note);
}

void cli_keylog_write(void *arg, const char *line)
{
    FILE *f = arg;
    fprintf(f, "%s\n", line);
    fflush(f);
}
