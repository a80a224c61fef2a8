/*
 * `clasp demo`'s output: the ladder of both sides' messages in time
 * order, and what each connection negotiated (demo.c runs them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "demo.h"

/* ---- output ----------------------------------------------------------------
 */

static int cmp_event(const void *a, const void *b)
{
    const demo_event *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* The ladder of the events in [t0, t_end). */
void demo_print_ladder(demo_log *l, double t0, double t_end, int color)
{
    qsort(l->ev, l->count, sizeof(l->ev[0]), cmp_event);
    /* A ServerHello followed by a second ClientHello of the same
     * connection was a HelloRetryRequest (the library logs both as
     * ServerHello). */
    for (size_t i = 0; i < l->count; i++) {
        demo_event *e = &l->ev[i];
        if (e->kind != EV_MSG || !e->is_server ||
            strcmp(e->name, "ServerHello") != 0 || e->t < t0 || e->t >= t_end) {
            continue;
        }
        for (size_t j = i + 1; j < l->count && l->ev[j].t < t_end; j++) {
            if (l->ev[j].kind == EV_MSG && !l->ev[j].is_server &&
                strcmp(l->ev[j].name, "ClientHello") == 0) {
                snprintf(e->name, sizeof(e->name), "HelloRetryRequest");
                break;
            }
        }
    }
    cli_ladder_header(stdout, color, "client", "server");
    int finished = 0;
    for (size_t i = 0; i < l->count; i++) {
        demo_event *e = &l->ev[i];
        char label[64];
        if (e->t < t0 || e->t >= t_end) {
            continue;
        }
        if (e->kind == EV_MSG) {
            if (strcmp(e->name, "HelloRetryRequest") == 0) {
                snprintf(label, sizeof(label), "%s", e->name);
            } else if (strcmp(e->name, "EndOfEarlyData") == 0) {
                /* Under the 0-RTT keys (RFC 8446 §2.3, Figure 4). */
                snprintf(label, sizeof(label), "(%s)", e->name);
            } else {
                cli_ladder_label(label, sizeof(label), e->name, finished);
            }
            if (strcmp(e->name, "Finished") == 0) {
                finished++;
            }
        } else if (e->kind == EV_APP && e->name[0] == '(') {
            snprintf(label, sizeof(label), "%s", e->name);
        } else if (e->kind == EV_APP || e->kind == EV_ALERT) {
            snprintf(label, sizeof(label), "[%s]", e->name);
        } else {
            continue;
        }
        cli_ladder_row(stdout, color, e->t - t0, e->is_server, label, e->bytes);
        if (e->kind == EV_APP) {
            /* A preview of at most 34 characters that does not end in
             * half of a "\n". */
            int n = strlen(e->text) > 34 ? 34 : (int)strlen(e->text);
            if (n == 34 && e->text[n - 1] == '\\') {
                n--;
            }
            char note[160];
            snprintf(note, sizeof(note), "%*s\"%.*s%s\"", e->is_server ? 40 : 0,
                     "", n, e->text, strlen(e->text) > (size_t)n ? "..." : "");
            cli_ladder_note(stdout, color, note);
        }
    }
}

void demo_print_result(const demo_log *l, const client_result *r, int color)
{
    const char *b = color ? "\033[1m" : "", *n = color ? "\033[0m" : "";
    const char *sni = demo_server_info(l, "sni");
    const char *srv_alpn = demo_server_info(l, "alpn");
    const char *srv_ekm = demo_server_info(l, "exporter");
    const char *group = clasp_group_name((uint16_t)r->group);
    const char *sig = clasp_sig_alg_name((uint16_t)r->peer_sig);
    printf("\n%sNegotiated%s\n", b, n);
    printf("  Protocol           TLSv1.3\n");
    printf("  Cipher suite       %s\n",
           clasp_ciphersuite_name((uint16_t)r->suite));
    printf("  Key exchange       %s%s\n", group != NULL ? group : "?",
           r->hrr ? " (the server asked for it with a HelloRetryRequest)"
                  : " (first key share accepted)");
    printf("  Server signature   %s\n", sig != NULL ? sig : "?");
    printf("  Certificate        CN=localhost, ECDSA P-256 (TEST ONLY), "
           "verified by the client\n");
    printf("  ALPN               %s (client offered h2,http/1.1; server "
           "says %s)\n",
           r->alpn, srv_alpn != NULL ? srv_alpn : "?");
    printf("  Server name (SNI)  %s\n", sni != NULL ? sni : "?");
    printf("  Exporter           %s\n",
           srv_ekm != NULL && strcmp(srv_ekm, r->exporter) == 0
               ? "both sides derived the same keys (TLS-Exporter, 32 "
                 "bytes)"
               : "MISMATCH between client and server");
    printf("\n%sTiming%s\n", b, n);
    printf("  Handshake          %.2f ms (client: ClientHello to "
           "Finished, over TCP)\n",
           r->hs_ms);
    printf("  Handshake bytes    client sent %llu, received %llu\n",
           (unsigned long long)r->hs_out, (unsigned long long)r->hs_in);
    printf("  Whole connection   client sent %llu, received %llu\n",
           (unsigned long long)r->total_out, (unsigned long long)r->total_in);
}

void demo_print_resumed(const demo_log *l, const client_result *r, int color)
{
    const char *b = color ? "\033[1m" : "", *n = color ? "\033[0m" : "";
    const char *srv = demo_server_info(l, "resumed");
    const char *group = clasp_group_name((uint16_t)r->group2);
    printf("\n%sResumed connection%s\n", b, n);
    printf("  Session            %d ticket%s from the first connection; "
           "one offered\n",
           r->tickets, r->tickets == 1 ? "" : "s");
    printf("  Resumed            %s (server says %s)\n",
           r->resumed ? "yes" : "NO", srv != NULL ? srv : "?");
    printf("  Key exchange       %s, %s: no certificate, no signature\n",
           r->kex2 == CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL
               ? "psk_dhe_ke"
           : r->kex2 == CLASP_TLS1_3_KEY_EXCHANGE_MODE_PSK ? "psk_ke"
                                                           : "(full)",
           group != NULL ? group : "no (EC)DHE");
    printf("\n%sTiming: full and resumed handshakes%s\n", b, n);
    printf("  Full handshake     %.2f ms, client sent %llu bytes, received "
           "%llu\n",
           r->hs_ms, (unsigned long long)r->hs_out,
           (unsigned long long)r->hs_in);
    printf("  Resumed handshake  %.2f ms, client sent %llu bytes, received "
           "%llu\n",
           r->hs2_ms, (unsigned long long)r->hs2_out,
           (unsigned long long)r->hs2_in);
}

void demo_print_early(const demo_log *l, const client_result *r, int color)
{
    const char *b = color ? "\033[1m" : "", *n = color ? "\033[0m" : "";
    const char *srv_status = demo_server_info(l, "early_status");
    const char *srv_early = demo_server_info(l, "early_bytes");
    const char *srv_late = demo_server_info(l, "late_bytes");
    const char *srv_resumed = demo_server_info(l, "resumed3");
    printf("\n%s0-RTT connection%s\n", b, n);
    printf("  Replay window      the server refuses 0-RTT until its "
           "anti-replay store is\n"
           "                     one window old (RFC 8446 §8.2); the demo "
           "server's window is\n"
           "                     %.1f s (default 10 s), so the client "
           "waited %.2f s first\n",
           DEMO_REPLAY_WINDOW_MS / 1000.0, r->waited_ms / 1000.0);
    printf("  Resumed            %s (server says %s)\n",
           r->resumed3 ? "yes" : "NO", srv_resumed != NULL ? srv_resumed : "?");
    printf("  Early data         %s (server says %s)\n",
           demo_early_status_name(r->early_status),
           srv_status != NULL ? srv_status : "?");
    printf("  Request            %zu bytes, %zu of them sent as 0-RTT with "
           "the ClientHello\n",
           r->early_len, r->early_sent);
    printf("  Server received    %s bytes with clasp_read_early_data, %s "
           "with clasp_read\n",
           srv_early != NULL ? srv_early : "?",
           srv_late != NULL ? srv_late : "?");
    if (r->early_status == CLASP_EARLY_DATA_STATUS_ACCEPTED) {
        printf("  Handshake          %.2f ms (the request went before it)\n",
               r->hs3_ms);
    } else {
        printf("  Handshake          %.2f ms; the client resent the request "
               "after it%s\n",
               r->hs3_ms,
               r->hrr ? " (a HelloRetryRequest rejects 0-RTT, RFC 8446 "
                        "§4.2.10)"
                      : "");
    }
}
