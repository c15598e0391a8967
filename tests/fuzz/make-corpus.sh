#!/bin/sh
# SPDX-License-Identifier: MIT
# Generates the fuzz targets' seed corpora into OUTDIR/<target>/ (default
# tests/fuzz/corpus, which git ignores): small inputs, each made here from
# readable source, so that no binary of unknown origin is ever committed.
#   tests/fuzz/make-corpus.sh [OUTDIR]
# Needs python3 (zlib, ssl) and the openssl command (a throwaway certificate
# for the TLS server flight).
set -eu
OUT=${1:-$(dirname "$0")/corpus}
mkdir -p "$OUT/evbuffer" "$OUT/zlib" "$OUT/tls" "$OUT/addr"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -days 1 -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1
OUT="$OUT" TMP="$TMP" python3 - <<'PY'
import os, ssl, struct, zlib
out, tmp = os.environ["OUT"], os.environ["TMP"]

def put(target, name, data):
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)

# evbuffer: a program of (op, arguments) bytes, see tests/fuzz/fuzz_evbuffer.c:
# op = kind << 1 | buffer; kinds 0 add, 1 prepend, 2 reference, 3 add_buffer,
# 4 remove_buffer, 5 drain/remove, 6 pullup, 7 reserve, 8 readln, 9 search+peek,
# 10 freeze, 11 expand.
def op(kind, buf=0, *args):
    return bytes([kind << 1 | buf]) + b"".join(args)
def data(b):
    return bytes([len(b)]) + b
def generated(n, mult=0):
    return bytes([0x80 | mult]) + struct.pack(">H", n)
u16 = lambda v: struct.pack(">H", v)
put("evbuffer", "lines", op(0, 0, data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody\n\0end"))
    + op(8, 0, b"\1") + op(8, 0, b"\0") + op(8, 0, b"\2") + op(8, 0, b"\3") + op(8, 0, b"\4"))
put("evbuffer", "chunks", op(0, 0, generated(0x4000, 2)) + op(1, 0, data(b"head\r\n"))
    + op(3, 0) + op(4, 1, u16(5000)) + op(6, 0, u16(9000)) + op(7, 0, u16(3000), u16(2000), b"\2")
    + op(9, 0, u16(100), u16(60000), data(b"\r\n"), b"\1") + op(5, 1, u16(777)) + b"\x83" + u16(300))  # 0x83: kind 5 with 0x80, remove
put("evbuffer", "refs", op(2, 0, data(b"referenced")) + op(2, 1, generated(5000))
    + op(10, 0, b"\3") + op(0, 0, data(b"refused")) + op(5, 0, u16(3)) + op(10, 0, b"\1")
    + op(3, 1) + op(11, 0, u16(40000)) + op(10, 0, b"\0") + op(5, 0, u16(4)) + op(9, 0, u16(0), u16(9), data(b"ref"), b"\0"))
# File segments (op 0x94 | buffer: kind 2 with bit 7; sel 8 maps the windows,
# 4 turns sendfile off, 3 the length multiplier), read and mapped, then
# looked at, moved and drained across their 256 KiB windows.
def add_file(buf, sel, off16, n):
    return bytes([0x94 | buf, sel]) + u16(off16) + u16(n)
def search_peek(buf, frm, needle, peek_from):
    return op(9, buf, u16(frm), u16(0xffff), bytes([len(needle) - 1]), needle, b"\1",
              u16(peek_from), u16(0xffff))
put("evbuffer", "files", add_file(0, 0x0f, 100, 0xffff) + add_file(0, 0x0c, 0, 0x100)
    + search_peek(0, 0, b"ab\r\nab", 1000) + op(6, 0, u16(0xfff0)) + op(4, 0, u16(0xc000))
    + add_file(1, 0x0b, 0x3000, 0x8000) + search_peek(1, 0xfff0, b"x\n", 0x8000)
    + op(3, 1) + op(5, 0, u16(0xffff)) + op(6, 0, u16(0xffff)) + op(8, 0, b"\1")
    + op(5, 0, u16(0xffff)) + op(5, 0, u16(0xffff)) + op(5, 0, u16(0xffff)))

# zlib: format byte (0 zlib, 1 gzip, 2 raw; 0x10 size limit + u16, 0x20 ratio
# limit + byte), chunking byte, then the compressed bytes.
text = b"".join(b"line %d of a small text that compresses\n" % i for i in range(300))
def deflate(fmt, payload, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, (15, 31, -15)[fmt])
    return c.compress(payload) + c.flush()
for fmt, name in ((0, "zlib"), (1, "gzip"), (2, "raw")):
    z = deflate(fmt, text)
    put("zlib", name, bytes([fmt, 7]) + z)
    put("zlib", name + "-truncated", bytes([fmt, 0]) + z[: len(z) // 2])
    put("zlib", name + "-corrupt", bytes([fmt, 3]) + z[:20] + bytes(b ^ 0x55 for b in z[20:40]) + z[40:])
    bomb = deflate(fmt, b"\0" * (1 << 20), 9)
    put("zlib", name + "-bomb-limits", bytes([fmt | 0x30, 255]) + u16(4096) + b"\x08" + bomb)
    put("zlib", name + "-bomb", bytes([fmt, 255]) + bomb)
put("zlib", "zlib-concatenated", bytes([0, 1]) + deflate(0, b"first\n") + deflate(0, b"second\n"))
put("zlib", "gzip-members", bytes([1, 2]) + deflate(1, b"member one\n") + deflate(1, text))

# TLS: role byte (1 accepting: the bytes are a client's; 0 connecting: a
# server's), chunking byte, then the bytes of a real handshake.
def flights():
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem"))
    cin, cout, sin, sout = (ssl.MemoryBIO() for _ in range(4))
    client = cctx.wrap_bio(cin, cout, server_side=False)
    server = sctx.wrap_bio(sin, sout, server_side=True)
    try:
        client.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = cout.read()
    sin.write(hello)
    try:
        server.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return hello, sout.read()
hello, server_flight = flights()
put("tls", "client-hello", b"\1\0" + hello)
put("tls", "client-hello-split", b"\3\1" + hello)
put("tls", "server-flight", b"\0\0" + server_flight)
put("tls", "server-flight-split", b"\2\2" + server_flight)
put("tls", "garbage", b"\1\0" + b"GET / HTTP/1.0\r\n\r\n")

# addresses: text for evutil_parse_sockaddr_port / inet_pton.
for i, t in enumerate(["127.0.0.1:8080", "[::1]:443", "::ffff:10.1.2.3", "1.2.3.4",
                       "[fe80::1%1]:80", "256.1.1.1", "::", "1:2:3:4:5:6:7:8",
                       "[1:2:3:4:5:6:7:8]:65535", "0.0.0.0:0", "1::", "[::1]", "::1:2.3.4.5"]):
    put("addr", "text-%d" % i, t.encode())
PY
