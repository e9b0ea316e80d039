#!/usr/bin/env python3
# An MIT Kerberos GSS-API acceptor for TestMITAcceptor, driven over stdin/stdout with
# four-octet big-endian length-prefixed frames (ctypes over libgssapi_krb5; the keytab is
# KRB5_KTNAME). It plays 389-ds's side of a SASL GSSAPI bind without Cyrus SASL in the
# way, so the test sees the GSS status MIT gives each of the client's tokens:
#   <- AP-REQ token            -> AP-REP token, then the context flags (4 octets)
#   -> layer offer (gss_wrap, integrity only, as Cyrus SASL sends it)
#   <- wrap token              -> major status (4 octets) + payload, then the payload
#                                 wrapped back sealed (an empty frame if unwrap failed)
import ctypes
import struct
import sys

lib = ctypes.CDLL("libgssapi_krb5.so.2")
OM = ctypes.c_uint32


class Buf(ctypes.Structure):
    _fields_ = [("length", ctypes.c_size_t), ("value", ctypes.c_void_p)]


def frame_in():
    h = sys.stdin.buffer.read(4)
    if len(h) < 4:
        return None
    n = struct.unpack(">I", h)[0]
    return sys.stdin.buffer.read(n)


def frame_out(b):
    sys.stdout.buffer.write(struct.pack(">I", len(b)) + b)
    sys.stdout.buffer.flush()


def inbuf(b):
    keep = ctypes.create_string_buffer(b, len(b))
    return Buf(len(b), ctypes.cast(keep, ctypes.c_void_p)), keep


def take(buf):
    out = ctypes.string_at(buf.value, buf.length) if buf.length else b""
    minor = OM()
    lib.gss_release_buffer(ctypes.byref(minor), ctypes.byref(buf))
    return out


ctx = ctypes.c_void_p(None)
minor = OM()
tok = frame_in()
ib, keep = inbuf(tok)
out = Buf(0, None)
flags = OM()
major = lib.gss_accept_sec_context(ctypes.byref(minor), ctypes.byref(ctx), None, ctypes.byref(ib), None,
                                   None, None, ctypes.byref(out), ctypes.byref(flags), None, None)
if major != 0:
    sys.stderr.write("gss_accept_sec_context: major %#x minor %d\n" % (major, minor.value))
    sys.exit(1)
frame_out(take(out))
frame_out(struct.pack(">I", flags.value))


def wrap(payload, conf):
    ib, keep = inbuf(payload)
    out = Buf(0, None)
    state = ctypes.c_int()
    major = lib.gss_wrap(ctypes.byref(minor), ctx, conf, 0, ctypes.byref(ib), ctypes.byref(state), ctypes.byref(out))
    if major != 0:
        sys.stderr.write("gss_wrap: major %#x\n" % major)
        sys.exit(1)
    return take(out)


frame_out(wrap(bytes([0x06, 0x00, 0xFF, 0xFF]), 0))
while True:
    tok = frame_in()
    if tok is None:
        break
    ib, keep = inbuf(tok)
    out = Buf(0, None)
    state = ctypes.c_int()
    qop = OM()
    major = lib.gss_unwrap(ctypes.byref(minor), ctx, ctypes.byref(ib), ctypes.byref(out), ctypes.byref(state), ctypes.byref(qop))
    payload = take(out)
    frame_out(struct.pack(">I", major) + payload)
    frame_out(wrap(payload, 1) if major & 0xFFFF0000 == 0 else b"")
