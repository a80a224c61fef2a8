/*
 * Every HKDF label of RFC 8446 in one X-macro list (DESIGN.md §3.7). Code
 * names a label only as KS_LABEL(id); the string literals below appear
 * nowhere else. The "tls13 " prefix is added by HKDF-Expand-Label, never
 * written here.
 *
 * Also the NSS key log labels (SSLKEYLOGFILE format) for the secrets the
 * key schedule reports through its keylog hook.
 */
#ifndef CLASP_KEYSCHED_LABELS_H
#define CLASP_KEYSCHED_LABELS_H

#include "base/span.h"

/* X(id, text): RFC 8446 §7.1 (key schedule), §7.3 (traffic keys), §4.4.4
 * (finished), §4.6.1 (resumption), §7.2 (traffic upd), §7.5 (exporter). */
#define KS_LABELS(X)                \
    X(ext_binder, "ext binder")     \
    X(res_binder, "res binder")     \
    X(c_e_traffic, "c e traffic")   \
    X(e_exp_master, "e exp master") \
    X(derived, "derived")           \
    X(c_hs_traffic, "c hs traffic") \
    X(s_hs_traffic, "s hs traffic") \
    X(c_ap_traffic, "c ap traffic") \
    X(s_ap_traffic, "s ap traffic") \
    X(exp_master, "exp master")     \
    X(res_master, "res master")     \
    X(resumption, "resumption")     \
    X(finished, "finished")         \
    X(key, "key")                   \
    X(iv, "iv")                     \
    X(traffic_upd, "traffic upd")   \
    X(exporter, "exporter")

typedef enum {
#define KS_LABEL_ENUM_(id, text) KS_LABEL_ID_##id,
    KS_LABELS(KS_LABEL_ENUM_)
#undef KS_LABEL_ENUM_
        KS_LABEL_COUNT
} clasp_ks_label_id;

/* The label bytes (without "tls13 "), indexed by clasp_ks_label_id. */
extern const clasp_span clasp_ks_label_table[KS_LABEL_COUNT];

/* The label `id` as a clasp_span, e.g. KS_LABEL(c_hs_traffic). */
#define KS_LABEL(id) (clasp_ks_label_table[KS_LABEL_ID_##id])

/* X(id, text): NSS key log labels
 * (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/,
 * also draft-ietf-tls-keylogfile). */
#define KS_NSS_LABELS(X)                            \
    X(client_early, "CLIENT_EARLY_TRAFFIC_SECRET")  \
    X(early_exporter, "EARLY_EXPORTER_SECRET")      \
    X(client_hs, "CLIENT_HANDSHAKE_TRAFFIC_SECRET") \
    X(server_hs, "SERVER_HANDSHAKE_TRAFFIC_SECRET") \
    X(client_ap0, "CLIENT_TRAFFIC_SECRET_0")        \
    X(server_ap0, "SERVER_TRAFFIC_SECRET_0")        \
    X(exporter, "EXPORTER_SECRET")

typedef enum {
#define KS_NSS_ENUM_(id, text) KS_NSS_ID_##id,
    KS_NSS_LABELS(KS_NSS_ENUM_)
#undef KS_NSS_ENUM_
        KS_NSS_COUNT
} clasp_ks_nss_id;

/* NUL-terminated NSS labels, indexed by clasp_ks_nss_id. */
extern const char *const clasp_ks_nss_label_table[KS_NSS_COUNT];

/* The NSS key log label `id` as a C string, e.g. KS_NSS_LABEL(client_hs). */
#define KS_NSS_LABEL(id) (clasp_ks_nss_label_table[KS_NSS_ID_##id])

#endif
