/*
 * hs_graph: print the handshake state tables as graphviz (DESIGN.md §3.6).
 * The graph is generated from the same const tables the dispatcher
 * enforces, so docs/STATE-MACHINE.md cannot drift from the code.
 *
 *   hs_graph client | dot -Tpng > client.png
 */
#include <stdio.h>
#include <string.h>

#include "hs/hs.h"
#include "hs/hs_common.h"

static void print_graph(const char *title, const struct clasp_hs_row *rows,
                        int count)
{
    printf("digraph %s {\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n",
           title);
    for (int s = 0; s < count; s++) {
        const char *shape = rows[s].expect == 0 ? "box" : "ellipse";
        printf("  %s [shape=%s];\n", rows[s].name, shape);
    }
    for (int s = 0; s < count; s++) {
        for (int t = 0; t < count; t++) {
            if ((rows[s].next_ok & ST_BIT(t)) == 0) {
                continue;
            }
            char label[256] = "";
            size_t len = 0;
            for (int type = 0; type < 32 && rows[s].expect != 0; type++) {
                if (rows[s].expect & HS_BIT(type)) {
                    int n = snprintf(label + len, sizeof(label) - len, "%s%s",
                                     len > 0 ? "\\n" : "",
                                     clasp_hs_type_name((uint8_t)type));
                    if (n > 0 && (size_t)n < sizeof(label) - len) {
                        len += (size_t)n;
                    }
                }
            }
            printf("  %s -> %s [label=\"%s\"];\n", rows[s].name, rows[t].name,
                   rows[s].expect == 0 ? "send" : label);
        }
    }
    printf("}\n");
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "both";
    if (strcmp(which, "client") == 0 || strcmp(which, "both") == 0) {
        print_graph("client", clasp_client_rows, C__COUNT);
    }
    if (strcmp(which, "server") == 0 || strcmp(which, "both") == 0) {
        print_graph("server", clasp_server_rows, S__COUNT);
    }
    return 0;
}
