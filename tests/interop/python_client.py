#!/usr/bin/env python3
"""A TLS 1.3 client on Python's ssl module, driven by python.test.sh.

usage: python_client.py MODE PORT CAFILE [options]
  MODE echo   send --size bytes (random) while reading them back, compare
       get    send "GET PATH HTTP/1.0", print the page (read to the end)
       tls12  offer TLS 1.2 only (the handshake must fail)
Prints "version=... cipher=... alpn=..." then the outcome; exit 0 on
success, 1 on any failure (with the reason on stderr).
"""
import argparse
import hashlib
import os
import select
import socket
import ssl
import sys
import time


def context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if args.mode == "tls12":
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(args.cafile)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if args.alpn:
        ctx.set_alpn_protocols(args.alpn.split(","))
    if args.keylog:
        ctx.keylog_filename = args.keylog
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    return ctx


def echo(tls, size, unwrap):
    """Send size random bytes while reading them back, in one thread: the
    socket is non-blocking and select() says which way to go. (OpenSSL,
    under Python's ssl, does not support reading and writing one
    connection from two threads; with post-handshake messages such as
    NewSessionTicket in flight, that race shows.)"""
    data = os.urandom(size)
    got = bytearray()
    sent = 0
    raw = tls
    tls.setblocking(False)
    deadline = time.monotonic() + 20
    want_write = True
    while len(got) < size:
        if time.monotonic() > deadline:
            sys.exit("echo timed out: sent %d, got %d of %d"
                     % (sent, len(got), size))
        wr = [raw] if sent < size and want_write else []
        if tls.pending() == 0:
            select.select([raw], wr, [], 1)
        if sent < size:
            try:
                sent += tls.send(data[sent:sent + 16384])
                want_write = True
            except ssl.SSLWantWriteError:
                want_write = True
            except ssl.SSLWantReadError:
                want_write = False
        try:
            chunk = tls.recv(65536)
            if not chunk:
                break
            got.extend(chunk)
            want_write = True
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
    tls.setblocking(True)
    tls.settimeout(15)
    if bytes(got) != data:
        sys.exit("echo differs: sent %d bytes (sha256 %s), got %d (sha256 %s)"
                 % (size, hashlib.sha256(data).hexdigest()[:16], len(got),
                    hashlib.sha256(bytes(got)).hexdigest()[:16]))
    print("echo ok: %d bytes" % size)
    if unwrap:
        # Our close_notify, then the server's (RFC 8446 §6.1).
        tls.unwrap()
        print("close_notify answered")


def get(tls, path):
    tls.sendall(("GET %s HTTP/1.0\r\n\r\n" % path).encode())
    page = bytearray()
    while True:
        try:
            chunk = tls.recv(65536)
        except ssl.SSLZeroReturnError:
            break
        if not chunk:
            break
        page.extend(chunk)
    sys.stdout.write(page.decode(errors="replace"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["echo", "get", "tls12"])
    p.add_argument("port", type=int)
    p.add_argument("cafile")
    p.add_argument("--host", default="localhost")
    p.add_argument("--sni", default="localhost")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--path", default="/")
    p.add_argument("--alpn")
    p.add_argument("--keylog")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--unwrap", action="store_true")
    args = p.parse_args()

    ctx = context(args)
    with socket.create_connection((args.host, args.port), timeout=15) as raw:
        with ctx.wrap_socket(raw, server_hostname=args.sni) as tls:
            print("version=%s cipher=%s alpn=%s" % (
                tls.version(), tls.cipher()[0], tls.selected_alpn_protocol()))
            sys.stdout.flush()
            if args.mode == "echo":
                echo(tls, args.size, args.unwrap)
            elif args.mode == "get":
                get(tls, args.path)
            else:
                sys.exit("a TLS 1.2-only handshake succeeded")


if __name__ == "__main__":
    try:
        main()
    except (ssl.SSLError, OSError) as e:
        sys.exit("%s: %s" % (type(e).__name__, e))
