/* A tiny program built against an installed clasp (tests/install/). It uses
 * only the public header and checks a few answers the library gives. */
#include <clasp/clasp.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    if (strcmp(clasp_version_string(), CLASP_VERSION_STRING) != 0) {
        fprintf(stderr, "version %s, header says %s\n", clasp_version_string(),
                CLASP_VERSION_STRING);
        return 1;
    }
    if (clasp_error_alert(CLASP_ERR_DECODE) != CLASP_ALERT_DECODE_ERROR) {
        fprintf(stderr, "CLASP_ERR_DECODE does not send decode_error\n");
        return 1;
    }
    if (strcmp(clasp_error_name(CLASP_ERR_DECODE), "CLASP_ERR_DECODE") != 0) {
        fprintf(stderr, "wrong error name\n");
        return 1;
    }
    if (clasp_set_allocator(NULL, NULL) != CLASP_OK) {
        fprintf(stderr, "clasp_set_allocator(NULL, NULL) failed\n");
        return 1;
    }
    printf("consumer: clasp %s\n", clasp_version_string());
    return 0;
}
