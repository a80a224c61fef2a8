/*
 * server_name (RFC 6066 §3; RFC 8446 §4.2: CH, EE). Pure codec: the
 * handshake decides whether the name is acceptable.
 */
#include "ext/ext.h"

/*
 * RFC 6066 §3:
 *    struct {
 *        NameType name_type;
 *        select (name_type) {
 *            case host_name: HostName;
 *        } name;
 *    } ServerName;
 *
 *    enum {
 *        host_name(0), (255)
 *    } NameType;
 *
 *    opaque HostName<1..2^16-1>;
 *
 *    struct {
 *        ServerName server_name_list<1..2^16-1>
 *    } ServerNameList;
 *
 * In EncryptedExtensions the server answers with an empty extension_data
 * (RFC 6066 §3: "the "extension_data" field of this extension SHALL be
 * empty").
 */
static int parse_list(clasp_rd *data, struct clasp_ext_server_name *out)
{
    clasp_rd list;
    TRY(clasp_rd_vec16(data, 1, 65535, &list));
    bool have_host_name = false;
    while (clasp_rd_left(&list) > 0) {
        uint8_t name_type;
        clasp_rd host_name;
        TRY(clasp_rd_u8(&list, &name_type));
        /* Only host_name is defined, and the select gives no length for
         * any other type, so another type cannot even be skipped. */
        ENSURE(name_type == CLASP_SNI_HOST_NAME, CLASP_ERR_DECODE);
        TRY(clasp_rd_vec16(&list, 1, 65535, &host_name));
        /* RFC 6066 §3: "The ServerNameList MUST NOT contain more than one
         * name of the same name_type." */
        ENSURE(!have_host_name, CLASP_ERR_ILLEGAL_PARAMETER);
        have_host_name = true;
        TRY(clasp_rd_rest_span(&host_name, &out->host_name));
    }
    return clasp_rd_done(data);
}

int clasp_ext_server_name_parse(uint8_t in_msg, clasp_rd *data,
                                struct clasp_ext_server_name *out)
{
    out->host_name = clasp_span_of(NULL, 0);
    if (in_msg == CLASP_EXT_IN_CH) {
        return parse_list(data, out);
    }
    ENSURE(in_msg == CLASP_EXT_IN_EE, CLASP_ERR_INTERNAL);
    return clasp_rd_done(data);
}

int clasp_ext_server_name_write(clasp_wr *w, uint8_t in_msg,
                                const struct clasp_ext_server_name *in)
{
    if (in_msg == CLASP_EXT_IN_EE) {
        return CLASP_OK;
    }
    ENSURE(in_msg == CLASP_EXT_IN_CH, CLASP_ERR_INTERNAL);
    /* A client sends one host_name (RFC 6066 §3). */
    clasp_wr_mark list, host_name;
    TRY(clasp_wr_vec_open(w, 2, &list));
    TRY(clasp_wr_u8(w, CLASP_SNI_HOST_NAME));
    TRY(clasp_wr_vec_open(w, 2, &host_name));
    TRY(clasp_wr_bytes(w, in->host_name.p, in->host_name.len));
    TRY(clasp_wr_vec_close(w, &host_name, 1, 65535));
    return clasp_wr_vec_close(w, &list, 1, 65535);
}
