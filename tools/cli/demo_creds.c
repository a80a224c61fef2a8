/*
 * TEST ONLY credentials for `clasp demo`.
 *
 * These are copies of tests/pki/ecdsa-p256/chain.pem (leaf + intermediate,
 * CN=localhost, SAN localhost / 127.0.0.1 / ::1), its leaf.key and
 * root.pem, embedded so that an installed `clasp demo` works without the
 * source tree. Every private key here is PUBLIC: never trust this root or
 * use this key for anything but the demo. Regenerating tests/pki (gen.sh)
 * means copying the new files here.
 */
#include "cli.h"

/* TEST ONLY: tests/pki/ecdsa-p256/chain.pem */
const char cli_demo_chain_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICCjCCAbGgAwIBAgIIdh4Hu6B3MpUwCgYIKoZIzj0EAwIwQzEUMBIGA1UECgwL\n"
    "Y2xhc3AgdGVzdHMxKzApBgNVBAMMImNsYXNwIHRlc3QgaW50ZXJtZWRpYXRlIGVj\n"
    "ZHNhLXAyNTYwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEwMDAwMDBaMBQxEjAQ\n"
    "BgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABB37gX0i\n"
    "SUFG8TfJ5jz8H3evRTGZLYXada16bV7lRHZ8iA+kXI1P6lewUJcGHLXvkKEZwtGJ\n"
    "6eNKGx1N+Qog6JejgbswgbgwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCB4Aw\n"
    "HQYDVR0lBBYwFAYIKwYBBQUHAwEGCCsGAQUFBwMCMDkGA1UdEQQyMDCCCWxvY2Fs\n"
    "aG9zdIILc2VydmVyLnRlc3SHBH8AAAGHEAAAAAAAAAAAAAAAAAAAAAEwHQYDVR0O\n"
    "BBYEFIME9AQAXSQa+BxGmDZuycMjudfBMB8GA1UdIwQYMBaAFKRRqa5tzeuVjH3x\n"
    "Zv7cn2BNCGt8MAoGCCqGSM49BAMCA0cAMEQCIAilg6S7sg+FtZE1xGmg46et7/0l\n"
    "/st7R0ya/EokyYZyAiBj0cYUWY9NuhdSAEiD/0K9NJv4/av3w+C1fb7ZbnOJwQ==\n"
    "-----END CERTIFICATE-----\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB3TCCAYOgAwIBAgIJALmuUhL3mfsXMAoGCCqGSM49BAMCMDsxFDASBgNVBAoM\n"
    "C2NsYXNwIHRlc3RzMSMwIQYDVQQDDBpjbGFzcCB0ZXN0IHJvb3QgZWNkc2EtcDI1\n"
    "NjAgFw0yMDAxMDEwMDAwMDBaGA8yMTIwMDEwMTAwMDAwMFowQzEUMBIGA1UECgwL\n"
    "Y2xhc3AgdGVzdHMxKzApBgNVBAMMImNsYXNwIHRlc3QgaW50ZXJtZWRpYXRlIGVj\n"
    "ZHNhLXAyNTYwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASpmv9nCr8XsI0+Lk2X\n"
    "CyUfv27qJKpx3cicLzRwgpAkUAkWOVOGh7rrVa1TzmO+mk7IaZ3oIXd2NgKURE57\n"
    "ihr3o2YwZDASBgNVHRMBAf8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIBBjAdBgNV\n"
    "HQ4EFgQUpFGprm3N65WMffFm/tyfYE0Ia3wwHwYDVR0jBBgwFoAU0ad6mK+UgwP9\n"
    "FU5SbAMFi8aipIIwCgYIKoZIzj0EAwIDSAAwRQIhALtxc5W5RHcI06p3JVdeKU1u\n"
    "09bqHlN0ouv1BmsPMYUVAiBQTuQrwexft/GhRKgrhjMZMAAuYn9m2Gvlom4aA2pD\n"
    "rg==\n"
    "-----END CERTIFICATE-----\n";

/* TEST ONLY: tests/pki/ecdsa-p256/leaf.key (public test key) */
const char cli_demo_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQghyl25YLg2GgjV8PN\n"
    "TB2bIM0qWOFGXUh/22HSErrsCSOhRANCAAQd+4F9IklBRvE3yeY8/B93r0UxmS2F\n"
    "2nWtem1e5UR2fIgPpFyNT+pXsFCXBhy175ChGcLRienjShsdTfkKIOiX\n"
    "-----END PRIVATE KEY-----\n";

/* TEST ONLY: tests/pki/ecdsa-p256/root.pem */
const char cli_demo_root_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBsjCCAVegAwIBAgIJAIeWRJMog/XrMAoGCCqGSM49BAMCMDsxFDASBgNVBAoM\n"
    "C2NsYXNwIHRlc3RzMSMwIQYDVQQDDBpjbGFzcCB0ZXN0IHJvb3QgZWNkc2EtcDI1\n"
    "NjAgFw0yMDAxMDEwMDAwMDBaGA8yMTIwMDEwMTAwMDAwMFowOzEUMBIGA1UECgwL\n"
    "Y2xhc3AgdGVzdHMxIzAhBgNVBAMMGmNsYXNwIHRlc3Qgcm9vdCBlY2RzYS1wMjU2\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5YpGPR9Fxt7ketWMLPLpd8PdWNKY\n"
    "MOSgTvMddqUnJHZDNylCLWscRqLYsbAnor/HTI7C5FIxdGKbl2CeDoJlFaNCMEAw\n"
    "DwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFNGnepiv\n"
    "lIMD/RVOUmwDBYvGoqSCMAoGCCqGSM49BAMCA0kAMEYCIQCnP/Pag74oLFkNpPYY\n"
    "05cKqxhDWzPj1wwlbeuiDaZk2AIhAMwFnqKcUxPiA5aX5SvWfb399aK1You+1Joq\n"
    "zsxMWktH\n"
    "-----END CERTIFICATE-----\n";
