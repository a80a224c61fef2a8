/*
 * `clasp`: the command-line tool of the clasp TLS 1.3 library.
 *   clasp client | server | demo | version | help
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: clasp <command> [options]\n"
               "\n"
               "commands:\n"
               "  demo       handshake with itself on 127.0.0.1 and show how\n"
               "             (built-in TEST ONLY certificate)\n"
               "  client     connect to a TLS 1.3 server (like openssl "
               "s_client)\n"
               "  server     accept TLS 1.3 connections (like openssl "
               "s_server)\n"
               "  version    print the library version\n"
               "  help       this text\n"
               "\n"
               "client options:\n"
               "  -connect host:port   server to connect to "
               "(localhost:4433)\n"
               "  -servername name     SNI and certificate name (default: the "
               "host)\n"
               "  -noservername        send no SNI (needs -noverify)\n"
               "  -CAfile file         trust anchors (default: system store)\n"
               "  -noverify            do not verify the server certificate "
               "(INSECURE)\n"
               "  -verify N            verify, but go on if it fails "
               "(N: depth, ignored)\n"
               "  -Verify N            verify and fail if it fails (the "
               "default)\n"
               "  -key_shares N        key shares in the first ClientHello "
               "(1..5)\n"
               "  -keyupdate           send a KeyUpdate (update_requested) "
               "after the handshake\n"
               "  -enable_pha          offer post-handshake authentication "
               "(-cert)\n"
               "  -ca_names            send certificate_authorities (the "
               "-CAfile names)\n"
               "  -ign_eof             keep the connection open at the end of "
               "stdin\n"
               "  -sess_out file       save the session (its tickets) at the "
               "end\n"
               "  -sess_in file        resume a saved session\n"
               "  -reconnect           wait for a ticket, close, connect again "
               "resuming it\n"
               "  -early_data file     send file as 0-RTT data (with "
               "-sess_in), resent\n"
               "                       after the handshake if rejected\n"
               "\n"
               "server options:\n"
               "  -accept port         port to listen on (4433; 0: any)\n"
               "  -bind addr           listen on addr (default: 127.0.0.1 and "
               "::1 only)\n"
               "  -naccept N           exit after N connections\n"
               "  -www                 answer GET / with a page about the "
               "connection;\n"
               "                       GET /keyupdate sends a KeyUpdate "
               "first;\n"
               "                       GET /secret asks for a client "
               "certificate first\n"
               "  -echo                send back every byte received\n"
               "  -verify N / -Verify N  ask for a client certificate "
               "(optional /\n"
               "                       required), checked against -CAfile\n"
               "  -enable_pha          with -verify/-Verify: ask a client that "
               "offers it\n"
               "                       after the handshake (stdin command c, "
               "GET /secret)\n"
               "  -no_ca_names         no certificate_authorities in "
               "CertificateRequest\n"
               "  -cookie              send a cookie in HelloRetryRequest\n"
               "  -num_tickets N       session tickets after each handshake "
               "(0..16, 2)\n"
               "  -early_data          accept 0-RTT data (anti-replay on; "
               "off by default)\n"
               "  -max_early_data N    max_early_data_size in tickets "
               "(14336)\n"
               "  -anti_replay memory  the anti-replay store: in memory "
               "(default), or\n"
               "  -anti_replay redis://HOST[:PORT][/PREFIX]\n"
               "                       shared by a fleet on Redis "
               "(needs libclasp_redis)\n"
               "  -replay_window MS    anti-replay window (1000..600000, "
               "10000)\n"
               "\n"
               "common options:\n"
               "  -cert file -key file certificate chain (PEM, leaf first) "
               "and key;\n"
               "                       repeat for several (e.g. RSA and "
               "ECDSA)\n"
               "  -pass password       password of encrypted keys\n"
               "  -psk hex             external PSK (RFC 8446 §4.2.11); a "
               "server needs\n"
               "                       no -cert with it\n"
               "  -psk_identity id     its identity (Client_identity)\n"
               "  -psk_hash sha256|sha384  its hash (sha256)\n"
               "  -kex_modes list      allowed key exchanges, comma separated: "
               "ephemeral\n"
               "                       (certificates), psk_ephemeral "
               "(psk_dhe_ke), psk (psk_ke)\n"
               "  -allow_no_dhe_kex    allow psk (psk_ke) too\n"
               "  -groups list         key exchange groups, in order "
               "(x25519:secp256r1)\n"
               "  -ciphersuites list   TLS_* suites, in order\n"
               "  -sigalgs list        signature schemes, in order\n"
               "  -alpn list           ALPN protocols, comma separated "
               "(h2,http/1.1)\n"
               "  -keylogfile file     append NSS key log lines "
               "(default: $SSLKEYLOGFILE)\n"
               "  -trace               print the handshake ladder on stderr "
               "(with the\n"
               "                       PSK extensions and tickets)\n"
               "  -debug               -trace plus the library's debug "
               "lines\n"
               "  -brief               one-line handshake summary\n"
               "  -quiet               no informational output\n"
               "  -nocommands          no stdin commands: a line 'k' sends a "
               "KeyUpdate,\n"
               "                       'K' one that asks the peer to update "
               "too, 'Q' quits\n"
               "  -keymatexport label  print the RFC 8446 exporter value for "
               "label\n"
               "  -keymatexportlen n   its length (20)\n"
               "  -no_middlebox        turn middlebox compatibility mode off\n"
               "  -timeout sec         give up when the network is silent "
               "this long (10;\n"
               "                       0: never)\n"
               "\n"
               "Received data goes to stdout; status, summaries and the "
               "trace to stderr.\n"
               "\nnames:\n");
    cli_print_names(f);
}

int main(int argc, char **argv)
{
    /* A peer that resets the connection must not kill us mid-write. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "client") == 0 || strcmp(cmd, "s_client") == 0) {
        return cli_client_main(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "server") == 0 || strcmp(cmd, "s_server") == 0) {
        return cli_server_main(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "demo") == 0) {
        return cli_demo_main(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "-version") == 0 ||
        strcmp(cmd, "--version") == 0) {
        printf("clasp %s (TLS 1.3; crypto: OpenSSL libcrypto)\n",
               clasp_version_string());
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "-help") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "clasp: unknown command \"%s\"\n\n", cmd);
    usage(stderr);
    return 2;
}
