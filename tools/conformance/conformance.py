#!/usr/bin/env python3
"""Sharewire v1 conformance suite (expected behaviour taken from docs/PROTOCOL.md
and proto/sharewire/v1/*.proto only).

    python3 tools/conformance/conformance.py --host 127.0.0.1 --port N

Prints `PASS name` / `FAIL name: why` per check, then `N passed, M failed`.
Exit status is non-zero if any check failed.
"""

import argparse
import os
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True   # leave no __pycache__ behind
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sharewire_client as sw  # noqa: E402
from sharewire_client import (  # noqa: E402
    CANCEL, GOAWAY, HELLO, MESSAGE, PING, PONG, REQUEST, RESPONSE,
    Connection, RawConn, decode, encode, encode_frame, request_payload, status_name,
)

ECHO = "/sharewire.v1.Diagnostics/Echo"
ECHO_STREAM = "/sharewire.v1.Diagnostics/EchoStream"
HEALTH_CHECK = "/sharewire.v1.Health/Check"
HEALTH_WATCH = "/sharewire.v1.Health/Watch"
SOCK_TIMEOUT = 5.0

REFERENCE_HELLO = {  # section 4.2 / 16.2
    "max_frame_size": 4259840, "max_message_size": 4194304, "max_concurrent_calls": 1024,
    "keepalive_interval_ms": 60000, "min_ping_interval_ms": 10000, "idle_timeout_ms": 300000,
}


def hx(s):
    return bytes.fromhex(s.replace("\n", " "))


def asc(s):
    return s.encode("ascii").hex(" ")


# Worked examples of section 16, transcribed from the spec.
SPEC_16_1 = hx("53 48 57 52 0d 0a 01 00"
               " 00 00 00 0b 01 00 00 00 00 00"
               " 0a 09 65 78 61 6d 70 6c 65 2f 31"
               " 00 00 00 29 02 00 00 00 00 01"
               " 00 00 00 21"
               " 10 0a 18 c0 84 3d 22 19 0a 0d 61 75"
               " 74 68 6f 72 69 7a 61 74 69 6f 6e 12"
               " 08 42 65 61 72 65 72 20 6b"
               " 0a 02 68 69")
SPEC_16_2_HELLO = hx("0a 10 73 68 61 72 65 77 69 72 65 64 2f 30 2e 31 2e 30"
                     " 10 80 80 84 02 18 80 80 80 02 20 80 08 28 e0 d4 03 30 90 4e 38 e0 a7 12")
SPEC_16_2_RESPONSE = hx("00 00 00 08 04 00 00 00 00 01 00 00 00 00 0a 02 68 69")
SPEC_16_3_REQUEST = hx("00 00 00 24 02 00 00 00 00 03 00 00 00 20 0a 1e "
                       + asc("/sharewire.v1.Diagnostics/Nope"))
SPEC_16_3_RESPONSE = hx("00 00 00 67 04 00 00 00 00 03 00 00 00 63 08 0c 12 2d "
                        + asc("unknown method /sharewire.v1.Diagnostics/Nope")
                        + " 1a 30 0a 0e " + asc("UNKNOWN_METHOD")
                        + " 12 1e " + asc("/sharewire.v1.Diagnostics/Nope"))
SPEC_16_4_REQUEST = hx("00 00 00 0c 02 00 00 00 00 05 00 00 00 02 10 0b 0a 02 68 69 18 02")
SPEC_16_4_SERVER = [hx("00 00 00 04 03 00 00 00 00 05 0a 02 68 69"),
                    hx("00 00 00 06 03 00 00 00 00 05 0a 02 68 69 10 01"),
                    hx("00 00 00 04 04 00 00 00 00 05 00 00 00 00")]
SPEC_16_5_PING = hx("00 00 00 08 06 00 00 00 00 00 00 00 00 00 00 00 00 01")
SPEC_16_5_PONG = hx("00 00 00 08 07 00 00 00 00 00 00 00 00 00 00 00 00 01")
SPEC_16_5_GOAWAY1 = hx("00 00 00 1c 08 00 00 00 00 00 08 ff ff ff ff 07 1a 14 " + asc("server shutting down"))
SPEC_16_5_GOAWAY2 = hx("00 00 00 18 08 00 00 00 00 00 08 05 1a 14 " + asc("server shutting down"))
SPEC_16_5_ABUSE = hx("00 00 00 12 08 00 00 00 00 00 10 08 1a 0e " + asc("too_many_pings"))


class CheckFailed(Exception):
    pass


class Skip(Exception):
    pass


def expect(cond, why):
    if not cond:
        raise CheckFailed(why)


def expect_eq(actual, expected, what):
    if actual != expected:
        raise CheckFailed("%s: expected %r, got %r" % (what, expected, actual))


def echo_req(payload=b"", **kw):
    return encode("EchoRequest", payload=payload, **kw)


def md_dict(entries):
    return [(e["key"], e["value"]) for e in entries]


def expect_status(res, code, message=None, message_prefix=None, no_details=False):
    if res.code != code:
        raise CheckFailed("expected %s, got %r" % (status_name(code), res))
    if message is not None and res.message != message:
        raise CheckFailed("%s message: expected %r, got %r" % (status_name(code), message, res.message))
    if message_prefix is not None and not res.message.startswith(message_prefix):
        raise CheckFailed("%s message: expected prefix %r, got %r" % (status_name(code), message_prefix, res.message))
    if no_details and res.details:
        raise CheckFailed("expected no details, got %r" % res.details)
    if res.local:
        raise CheckFailed("status was produced locally by the client, not by the server: %r" % res)


def expect_detail(res, reason, subject=None, field=None, metadata=None):
    d = res.detail(reason)
    if d is None:
        raise CheckFailed("expected a detail with reason %s, got %r" % (reason, res.details))
    if subject is not None:
        expect_eq(d["subject"], subject, "%s subject" % reason)
    if field is not None:
        expect_eq(d["field"], field, "%s field" % reason)
    if metadata is not None:
        expect_eq(md_dict(d["metadata"]), metadata, "%s metadata" % reason)
    return d


class Suite:
    def __init__(self, host, port, budget, frame_timeout=10.0):
        self.host = host
        self.port = port
        self.frame_timeout = frame_timeout
        self.deadline = time.monotonic() + budget
        self.results = []
        self.plock = threading.Lock()
        self.hello = None
        self.current = None
        self.finished = False

    # -- helpers -------------------------------------------------------------
    def conn(self, **kw):
        kw.setdefault("timeout", SOCK_TIMEOUT)
        return Connection(self.host, self.port, **kw)

    def raw(self):
        return RawConn(self.host, self.port, SOCK_TIMEOUT)

    def server_settings(self):
        if self.hello is None:
            c = self.conn()
            self.hello = c.server_hello
            c.close()
        h = self.hello
        return (h["max_frame_size"] or sw.DEFAULT_MAX_FRAME_SIZE,
                h["max_message_size"] or sw.DEFAULT_MAX_MESSAGE_SIZE,
                h["max_concurrent_calls"] or sw.DEFAULT_MAX_CONCURRENT_CALLS)

    def is_reference(self):
        self.server_settings()
        return self.hello["agent"].startswith("sharewired/")

    def echo_ok(self, c, what="follow-up Echo"):
        r = c.unary(ECHO, echo_req(b"still-usable"), method_id=10)
        if not r.ok or decode("EchoResponse", r.body)["payload"] != b"still-usable":
            raise CheckFailed("%s on the same connection failed: %r" % (what, r))

    def raw_echo_ok(self, rc, sid, what="follow-up Echo"):
        rc.send_frame(REQUEST, sid, request_payload({"method_id": 10}, echo_req(b"ok?")))
        f = read_frame_skipping(rc, (PING, PONG))
        expect(f[0] == RESPONSE and f[2] == sid and f[3] == b"\0\0\0\0" + echo_req(b"ok?"),
               "%s: expected OK RESPONSE on stream %d, got %r" % (what, sid, f))

    def expect_goaway_then_close(self, rc, code, last, reason=None, reason_prefix=None,
                                 allowed_before=(RESPONSE, MESSAGE, PONG, PING), timeout=3.0):
        """Read frames until GOAWAY, check it, then check nothing follows and the
        connection closes. Returns (frames before, goaway)."""
        before = []
        end = time.monotonic() + timeout
        while True:
            try:
                f = rc.read_frame(max(0.05, end - time.monotonic()))
            except socket.timeout:
                raise CheckFailed("no GOAWAY within %.1fs (frames seen: %s)" % (timeout, fmt_frames(before)))
            except sw.ConnectionClosed as e:
                raise CheckFailed("connection closed without a GOAWAY (%s; frames seen: %s)" % (e, fmt_frames(before)))
            if f[0] == GOAWAY:
                break
            if f[0] not in allowed_before:
                raise CheckFailed("unexpected frame before GOAWAY: %s" % fmt_frames([f]))
            before.append(f)
        expect_eq(f[2], 0, "GOAWAY stream id")
        ga = decode("GoAway", f[3])
        problems = []
        if ga["code"] != code:
            problems.append("code %d (%s), expected %d (%s)" % (ga["code"], status_name(ga["code"]), code, status_name(code)))
        if last is not None and ga["last_stream_id"] != last:
            problems.append("last_stream_id %d, expected %d" % (ga["last_stream_id"], last))
        if reason is not None and ga["reason"] != reason:
            problems.append("reason %r, expected %r" % (ga["reason"], reason))
        if reason_prefix is not None and not ga["reason"].startswith(reason_prefix):
            problems.append("reason %r, expected prefix %r" % (ga["reason"], reason_prefix))
        data, how = rc.read_until_closed(timeout)
        if data:
            problems.append("%d bytes written after the GOAWAY: %s" % (len(data), data[:40].hex(" ")))
        if how == "timeout":
            problems.append("connection not closed within %.1fs after the GOAWAY" % timeout)
        if problems:
            raise CheckFailed("GOAWAY %r: %s" % (ga, "; ".join(problems)))
        return before, ga

    # -- output --------------------------------------------------------------
    def record(self, name, ok, why=""):
        with self.plock:
            if self.finished:
                return
            self.results.append((name, ok))
            print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)), flush=True)

    def summary(self):
        with self.plock:
            self.finished = True
            passed = sum(1 for _, ok in self.results if ok)
            failed = len(self.results) - passed
            print("%d passed, %d failed" % (passed, failed), flush=True)
            return failed


def fmt_frames(frames):
    out = []
    for t, fl, sid, p in frames:
        s = "%s(stream %d, %d bytes" % (sw.FRAME_NAMES.get(t, "0x%x" % t), sid, len(p) if p is not None else -1)
        if t == GOAWAY:
            try:
                s += ", %r" % decode("GoAway", p)
            except sw.DecodeError:
                pass
        if t == RESPONSE and p and len(p) >= 4:
            hl = struct.unpack(">I", p[:4])[0]
            try:
                h = decode("ResponseHead", p[4:4 + hl])
                s += ", %s %r" % (status_name(h["code"]), h["message"])
            except sw.DecodeError:
                pass
        out.append(s + ")")
    return ", ".join(out) or "none"


def read_frame_skipping(rc, skip, timeout=None):
    while True:
        f = rc.read_frame(timeout)
        if f[0] not in skip:
            return f


def parse_response(payload):
    hl = struct.unpack(">I", payload[:4])[0]
    return decode("ResponseHead", payload[4:4 + hl]), payload[4 + hl:]


CHECKS = []


def check(name):
    def deco(fn):
        CHECKS.append((name, fn))
        return fn
    return deco


# ===========================================================================
# Offline: the spec's worked examples against this encoder (section 16)

@check("spec_examples_encode")
def t_spec_vectors(s):
    problems = []

    def cmp(what, mine, spec):
        if mine != spec:
            problems.append("%s: encoder gives %s, spec says %s" % (what, mine.hex(" "), spec.hex(" ")))

    head = {"method_id": 10, "timeout_us": 1000000, "metadata": [("authorization", "Bearer k")]}
    mine = (sw.PREFACE + encode_frame(HELLO, 0, encode("Hello", agent="example/1"))
            + encode_frame(REQUEST, 1, request_payload(head, echo_req(b"hi"))))
    cmp("16.1 client bytes", mine, SPEC_16_1)
    cmp("16.2 server HELLO", encode("Hello", dict(REFERENCE_HELLO, agent="sharewired/0.1.0")), SPEC_16_2_HELLO)
    cmp("16.2 RESPONSE", encode_frame(RESPONSE, 1, sw.response_payload({}, encode("EchoResponse", payload=b"hi"))),
        SPEC_16_2_RESPONSE)
    cmp("16.3 REQUEST", encode_frame(REQUEST, 3, request_payload({"method": "/sharewire.v1.Diagnostics/Nope"})),
        SPEC_16_3_REQUEST)
    cmp("16.3 RESPONSE", encode_frame(RESPONSE, 3, sw.response_payload({
        "code": 12, "message": "unknown method /sharewire.v1.Diagnostics/Nope",
        "details": [{"reason": "UNKNOWN_METHOD", "subject": "/sharewire.v1.Diagnostics/Nope"}]})), SPEC_16_3_RESPONSE)
    cmp("16.4 REQUEST", encode_frame(REQUEST, 5, request_payload({"method_id": 11}, echo_req(b"hi", count=2))),
        SPEC_16_4_REQUEST)
    cmp("16.4 MESSAGE 0", encode_frame(MESSAGE, 5, encode("EchoResponse", payload=b"hi")), SPEC_16_4_SERVER[0])
    cmp("16.4 MESSAGE 1", encode_frame(MESSAGE, 5, encode("EchoResponse", payload=b"hi", sequence=1)), SPEC_16_4_SERVER[1])
    cmp("16.5 PING", encode_frame(PING, 0, bytes(7) + b"\x01"), SPEC_16_5_PING)
    cmp("16.5 GOAWAY phase 1", encode_frame(GOAWAY, 0, encode("GoAway", last_stream_id=2147483647,
                                                               reason="server shutting down")), SPEC_16_5_GOAWAY1)
    cmp("16.5 GOAWAY phase 2", encode_frame(GOAWAY, 0, encode("GoAway", last_stream_id=5,
                                                               reason="server shutting down")), SPEC_16_5_GOAWAY2)
    cmp("16.5 GOAWAY too_many_pings", encode_frame(GOAWAY, 0, encode("GoAway", code=8, reason="too_many_pings")),
        SPEC_16_5_ABUSE)
    # round trips through the decoder
    rh = decode("ResponseHead", SPEC_16_3_RESPONSE[14:])
    if rh["details"][0]["reason"] != "UNKNOWN_METHOD" or rh["code"] != 12:
        problems.append("decoder round trip of 16.3 failed: %r" % rh)
    if problems:
        raise CheckFailed("; ".join(problems))


# ===========================================================================
# Handshake (section 1, 4)

@check("handshake")
def t_handshake(s):
    c = s.conn()
    try:
        expect(c.server_preface[:6] == sw.MAGIC and c.server_preface[6] == 1,
               "bad server preface %r" % c.server_preface)
        h = c.server_hello
        s.hello = h
        expect(h["agent"] != "", "server HELLO has an empty agent")
        expect(not c.closed.is_set(), "connection closed right after the handshake")
    finally:
        c.close()


@check("handshake_reference_defaults")
def t_handshake_defaults(s):
    """Section 4.2 / 16.2: values sent by sharewired with default options."""
    s.server_settings()
    h = s.hello
    if not h["agent"].startswith("sharewired/"):
        raise Skip("not the reference server (agent %r)" % h["agent"])
    got = {k: h[k] for k in REFERENCE_HELLO}
    expect_eq(got, REFERENCE_HELLO, "server HELLO settings")


@check("handshake_server_speaks_before_client_hello")
def t_server_first(s):
    """Section 1.2: the server sends preface + HELLO once it has the client preface,
    before it has seen the client's HELLO."""
    rc = s.raw()
    try:
        rc.send(sw.PREFACE)
        h = rc.read_server_handshake()
        expect(isinstance(h, dict), "no HELLO")
        rc.send_frame(HELLO, 0, sw.hello_payload())
        s.raw_echo_ok(rc, 1)
    finally:
        rc.close()


@check("handshake_empty_hello_and_unknown_fields")
def t_empty_hello(s):
    """Section 4: an empty HELLO payload is valid; unknown HELLO fields are ignored."""
    for what, payload in (("empty HELLO", b""),
                          ("HELLO with unknown fields", sw.hello_payload() + sw.encode_varint(99 << 3) + b"\x05"
                           + sw.encode_varint(100 << 3 | 2) + b"\x03abc" + sw.encode_varint(101 << 3 | 5) + b"\0\0\0\0")):
        rc = s.raw()
        try:
            rc.handshake(hello=payload)
            s.raw_echo_ok(rc, 1, what)
        finally:
            rc.close()


@check("handshake_minor_version_ignored")
def t_minor(s):
    rc = s.raw()
    try:
        rc.handshake(preface=sw.MAGIC + b"\x01\x07")
        s.raw_echo_ok(rc, 1)
    finally:
        rc.close()


@check("worked_examples_section_16_on_the_wire")
def t_golden(s):
    """Send the client bytes of 16.1, 16.3, 16.4, 16.5 and compare what the server writes."""
    rc = s.raw()
    try:
        rc.send(SPEC_16_1)   # REQUEST sent before the server's HELLO (allowed, 1.2 step 4)
        pre = rc.recv_exact(8)
        expect_eq(pre, sw.PREFACE, "server preface")
        t, fl, sid, hello = rc.read_frame()
        expect((t, sid) == (HELLO, 0), "first frame is not HELLO on stream 0")
        h = decode("Hello", hello)
        if h["agent"] == "sharewired/0.1.0":
            expect_eq(hello.hex(" "), SPEC_16_2_HELLO.hex(" "), "server HELLO bytes (16.2)")
        resp = rc.recv_exact(len(SPEC_16_2_RESPONSE))
        expect_eq(resp.hex(" "), SPEC_16_2_RESPONSE.hex(" "), "RESPONSE bytes (16.2)")
        rc.send(SPEC_16_3_REQUEST)
        f = rc.read_frame()
        expect_eq(encode_frame(*[f[0], f[2], f[3], f[1]]).hex(" "), SPEC_16_3_RESPONSE.hex(" "), "RESPONSE bytes (16.3)")
        rc.send(SPEC_16_4_REQUEST)
        for i, want in enumerate(SPEC_16_4_SERVER):
            f = rc.read_frame()
            expect_eq(encode_frame(f[0], f[2], f[3], f[1]).hex(" "), want.hex(" "), "16.4 server frame %d" % i)
        rc.send(SPEC_16_5_PING)
        f = rc.read_frame()
        expect_eq(encode_frame(f[0], f[2], f[3], f[1]).hex(" "), SPEC_16_5_PONG.hex(" "), "PONG bytes (16.5)")
    finally:
        rc.close()


# ===========================================================================
# Unary calls (section 6, 17.2)

@check("echo_by_path")
def t_echo_path(s):
    c = s.conn()
    try:
        r = c.unary(ECHO, echo_req(b"hello by path"))
        expect_status(r, 0)
        expect_eq(r.head_len, 0, "OK RESPONSE head_len (reference: always 0)")
        expect_eq(decode("EchoResponse", r.body), {"payload": b"hello by path", "sequence": 0}, "EchoResponse")
        expect_eq(r.body, encode("EchoResponse", payload=b"hello by path"), "EchoResponse bytes (sequence 0 omitted)")
    finally:
        c.close()


@check("echo_by_method_id")
def t_echo_id(s):
    c = s.conn()
    try:
        r = c.unary(None, echo_req(b"hello by id"), method_id=10)
        expect_status(r, 0)
        expect_eq(decode("EchoResponse", r.body)["payload"], b"hello by id", "payload")
        # method_id alone selects the method; `method` is ignored (6.1)
        r = c.unary("/sharewire.v1.Nope/Nope", echo_req(b"id wins"), method_id=10)
        expect_status(r, 0)
        expect_eq(decode("EchoResponse", r.body)["payload"], b"id wins", "payload when method_id and a bogus method are both set")
    finally:
        c.close()


@check("echo_empty_request_and_response")
def t_echo_empty(s):
    c = s.conn()
    try:
        r = c.unary(ECHO, b"", method_id=10)
        expect_status(r, 0)
        expect_eq(r.raw_payload, b"\0\0\0\0", "RESPONSE payload for an all-default EchoResponse")
    finally:
        c.close()


@check("echo_with_metadata")
def t_echo_md(s):
    c = s.conn()
    try:
        md = [("authorization", "Bearer k"), ("x-trace-id", "abc-123"), ("x-trace-id", "second"),
              ("x.unicode_value", "h\u00e9llo \u2603"), ("empty", "")]
        r = c.unary(ECHO, echo_req(b"md"), method_id=10, metadata=md)
        expect_status(r, 0)
        expect_eq(decode("EchoResponse", r.body)["payload"], b"md", "payload")
        # ~60 KB of metadata, under the 65532-byte head budget of section 8
        big = [("k%d" % i, "v" * 500) for i in range(110)]
        r = c.unary(ECHO, echo_req(b"big md"), method_id=10, metadata=big)
        expect_status(r, 0)
        expect_eq(r.metadata, [], "trailing metadata (reference server never sends any)")
    finally:
        c.close()


@check("echo_timeout_on_wire_not_reached")
def t_echo_timeout_ok(s):
    c = s.conn()
    try:
        r = c.unary(ECHO, echo_req(b"t", delay_ms=50), method_id=10, timeout=2.0)
        expect_status(r, 0)
        for us in (2 ** 32 + 5, 2 ** 63, 2 ** 64 - 1):   # capped at the max call duration (7.1)
            r = c.unary(ECHO, echo_req(b"big timeout"), method_id=10, timeout_us=us, local_deadline=False)
            expect(r.ok, "timeout_us=%d: %r" % (us, r))
    finally:
        c.close()


@check("pipelined_out_of_order")
def t_pipelined(s):
    c = s.conn()
    try:
        n = 24
        calls = []
        for i in range(n):
            kw = {"method_id": 10} if i % 2 else {}
            calls.append(c.start_call(ECHO, echo_req(b"call-%d" % i, delay_ms=(n - i) * 25),
                                      stream_id=2 * i + 1, **kw))   # ids with gaps: 1, 3, 5, ...
        for i, call in enumerate(calls):
            r = call.wait(8)
            expect(r.ok, "call %d (stream %d): %r" % (i, call.stream_id, r))
            expect_eq(decode("EchoResponse", r.body)["payload"], b"call-%d" % i, "payload on stream %d" % call.stream_id)
        order = [f[2] for f in c.frames if f[0] == RESPONSE]
        expect_eq(sorted(order), [2 * i + 1 for i in range(n)], "streams that got a RESPONSE")
        expect(order[0] == 2 * n - 1, "the shortest-delay call (sent last) did not complete first: order %s" % order)
        inversions = sum(1 for a, b in zip(order, order[1:]) if a > b)
        expect(inversions >= n // 2, "responses were not completed out of order: %s" % order)
    finally:
        c.close()


@check("deadline_exceeded_on_server")
def t_deadline(s):
    c = s.conn()
    try:
        t0 = time.monotonic()
        call = c.start_call(ECHO, echo_req(b"slow", delay_ms=1200), method_id=10, timeout=0.2, local_deadline=False)
        r = call.wait(4)
        elapsed = time.monotonic() - t0
        expect_status(r, sw.DEADLINE_EXCEEDED, "deadline exceeded on the server", no_details=True)
        expect(0.15 <= elapsed < 1.0, "DEADLINE_EXCEEDED after %.3fs for a 0.2s timeout" % elapsed)
        s.echo_ok(c)
        time.sleep(max(0, t0 + 1.5 - time.monotonic()))
        n = [f for f in c.frames if f[2] == call.stream_id]
        expect_eq(len(n), 1, "frames on the expired stream (nothing may follow the DEADLINE_EXCEEDED RESPONSE)")
        expect(not c.closed.is_set(), "connection closed")
    finally:
        c.close()


@check("client_local_deadline")
def t_local_deadline(s):
    """Library: the local deadline fires, sends CANCEL and fails the call DEADLINE_EXCEEDED."""
    c = s.conn()
    try:
        call = c.start_call(ECHO, echo_req(b"slow", delay_ms=1000), method_id=10, timeout=0.15)
        r = call.wait(3)
        expect_eq(r.code, sw.DEADLINE_EXCEEDED, "code")
        s.echo_ok(c)
        expect(not c.goaways and not c.closed.is_set(), "connection broke after the local deadline CANCEL")
    finally:
        c.close()


@check("cancel_slow_call")
def t_cancel(s):
    c = s.conn()
    try:
        t0 = time.monotonic()
        call = c.start_call(ECHO, echo_req(b"slow", delay_ms=1000), method_id=10)
        time.sleep(0.15)
        call.cancel()
        s.echo_ok(c, "Echo after CANCEL")
        time.sleep(max(0, t0 + 1.4 - time.monotonic()))
        late = [f for f in c.frames if f[2] == call.stream_id]
        expect(not late, "server wrote frames for the cancelled stream: %s" % fmt_frames(late))
        expect(not c.goaways and not c.closed.is_set(), "connection broke: %r %r" % (c.goaways, c.close_reason))
        s.echo_ok(c, "second Echo after CANCEL")
    finally:
        c.close()


@check("cancel_of_ended_stream_ignored")
def t_cancel_ended(s):
    c = s.conn()
    try:
        r = c.start_call(ECHO, echo_req(b"x"), method_id=10)
        expect(r.wait().ok, "Echo failed")
        c.send_frame(CANCEL, r.stream_id)
        refused = c.start_call("/nope/Nope", b"")
        expect_eq(refused.wait().code, sw.UNIMPLEMENTED, "code of refused call")
        c.send_frame(CANCEL, refused.stream_id)
        s.echo_ok(c)
        expect(not c.goaways, "GOAWAY after CANCEL of an ended/refused stream: %r" % c.goaways)
    finally:
        c.close()


# ===========================================================================
# Server streaming

@check("echostream_n_messages_then_ok")
def t_stream(s):
    c = s.conn()
    try:
        for kw in ({"method_id": 11}, {}):
            t0 = time.monotonic()
            call = c.stream(ECHO_STREAM, echo_req(b"s", count=5, interval_ms=40), **kw)
            r = call.wait(5)
            elapsed = time.monotonic() - t0
            expect_status(r, 0)
            expect_eq(r.raw_payload, b"\0\0\0\0", "final RESPONSE payload of a stream")
            msgs = [decode("EchoResponse", m) for m in r.messages]
            expect_eq(msgs, [{"payload": b"s", "sequence": i} for i in range(5)], "stream messages (%r)" % kw)
            expect(elapsed >= 0.15, "5 messages with interval 40ms took only %.3fs" % elapsed)
        r = c.stream(ECHO_STREAM, echo_req(b"z", count=0), method_id=11).wait()
        expect_status(r, 0)
        expect_eq(r.messages, [], "messages for count 0")
    finally:
        c.close()


@check("echostream_ends_with_error_status")
def t_stream_err(s):
    c = s.conn()
    try:
        r = c.stream(ECHO_STREAM, echo_req(b"e", count=3, fail_code=9, fail_message="boom"), method_id=11).wait()
        expect_status(r, 9, "boom", no_details=True)
        expect_eq([decode("EchoResponse", m)["sequence"] for m in r.messages], [0, 1, 2], "messages before the error")
    finally:
        c.close()


@check("echostream_cancel_mid_stream")
def t_stream_cancel(s):
    c = s.conn()
    try:
        call = c.stream(ECHO_STREAM, echo_req(b"c", count=50, interval_ms=40), method_id=11)
        for _ in range(2):
            ev = call.next_event(3)
            expect(ev[0] == "message", "expected a MESSAGE, got %r" % (ev,))
        call.cancel()
        time.sleep(0.5)
        frames = [f for f in c.frames if f[2] == call.stream_id]
        expect(all(f[0] == MESSAGE for f in frames), "a RESPONSE followed the CANCEL: %s" % fmt_frames(frames))
        expect(len(frames) <= 6, "%d MESSAGEs arrived after CANCEL" % (len(frames) - 2))
        s.echo_ok(c)
    finally:
        c.close()


@check("echo_fail_code")
def t_fail_code(s):
    c = s.conn()
    try:
        r = c.unary(ECHO, echo_req(fail_code=5, fail_message="no such thing"), method_id=10)
        expect_status(r, 5, "no such thing", no_details=True)
        expect_eq(r.trailing, b"", "bytes after an error head")
        for fc in (17, 1000):
            r = c.unary(ECHO, echo_req(fail_code=fc, fail_message="odd"), method_id=10)
            expect_eq(r.raw_code, sw.UNKNOWN, "code on the wire for fail_code %d (17.2: values > 16 become UNKNOWN)" % fc)
            expect_eq(r.message, "odd", "message")
    finally:
        c.close()


@check("echo_fail_code_14_refused")
def t_fail14(s):
    """9.1 / 17.2: Diagnostics Echo refuses fail_code 14 with INVALID_ARGUMENT,
    reason RESERVED_STATUS (the normative UNAVAILABLE rule)."""
    c = s.conn()
    try:
        for mid in (10, 11):
            r = c.start_call(None, echo_req(fail_code=14, fail_message="x"), method_id=mid).wait()
            expect(r.code == sw.INVALID_ARGUMENT and not r.local,
                   "method id %d, fail_code 14: expected INVALID_ARGUMENT (9.1), got %r" % (mid, r))
            expect_detail(r, "RESERVED_STATUS", field="fail_code")
    finally:
        c.close()


@check("echo_argument_limits")
def t_limits(s):
    c = s.conn()
    try:
        for kw, field in (({"delay_ms": 60001}, "delay_ms"), ({"interval_ms": 60001}, "interval_ms"),
                          ({"delay_ms": 60001, "count": 100001}, "delay_ms")):
            for mid in (10, 11):
                r = c.start_call(None, echo_req(**kw), method_id=mid).wait()
                expect_status(r, sw.INVALID_ARGUMENT, "%s must be at most 60000" % field)
                expect_detail(r, "LIMIT_EXCEEDED", field=field, metadata=[("limit", "60000")])
                expect_eq(r.messages, [], "messages")
        for mid in (10, 11):
            r = c.start_call(None, echo_req(count=100001), method_id=mid).wait()
            expect_status(r, sw.INVALID_ARGUMENT, "count must be at most 100000")
            expect_detail(r, "LIMIT_EXCEEDED", field="count", metadata=[("limit", "100000")])
        # bounds are inclusive; count and interval_ms are ignored by unary Echo
        t0 = time.monotonic()
        r = c.unary(ECHO, echo_req(b"b", count=100000, interval_ms=60000), method_id=10)
        expect_status(r, 0)
        expect(time.monotonic() - t0 < 1.0, "unary Echo did not ignore count/interval_ms")
    finally:
        c.close()


# ===========================================================================
# Refusals (section 6.4)

@check("unknown_method_unimplemented")
def t_unknown(s):
    c = s.conn()
    try:
        p = "/sharewire.v1.Diagnostics/Nope"
        r = c.unary(p, b"")
        expect_status(r, sw.UNIMPLEMENTED, "unknown method " + p)
        expect_detail(r, "UNKNOWN_METHOD", subject=p)
        r = c.unary(None, echo_req(b"x"), method_id=99)
        expect_status(r, sw.UNIMPLEMENTED, "unknown method method id 99")
        expect_detail(r, "UNKNOWN_METHOD", subject="method id 99")
        p = "/sharewire.v1.diagnostics/echo"   # case-sensitive exact match
        r = c.unary(p, echo_req(b"x"))
        expect_status(r, sw.UNIMPLEMENTED, "unknown method " + p)
        expect_detail(r, "UNKNOWN_METHOD", subject=p)
        r = c.unary("", echo_req(b"x"))   # neither id nor path
        expect_status(r, sw.UNIMPLEMENTED)
        expect_detail(r, "UNKNOWN_METHOD", subject="")
        s.echo_ok(c)
    finally:
        c.close()


@check("health_check")
def t_health(s):
    """17.3: Check("") answers SERVING; Watch("") sends the current status at once."""
    c = s.conn()
    try:
        for r in (c.unary(None, encode("HealthCheckRequest"), method_id=1), c.unary(HEALTH_CHECK, b"")):
            expect_status(r, 0)
            expect_eq(decode("HealthCheckResponse", r.body)["status"], 1, "Check('') status (SERVING)")
        for call in (c.stream(None, b"", method_id=2), c.stream(HEALTH_WATCH, b"")):
            ev = call.next_event(3)
            expect(ev[0] == "message", "Watch('') did not send the current status first: %r" % (ev,))
            expect_eq(decode("HealthCheckResponse", ev[1])["status"], 1, "Watch('') first status (SERVING)")
            call.cancel()
        s.echo_ok(c)
    finally:
        c.close()


@check("health_unknown_service")
def t_health_unknown(s):
    """17.3 / 9.2: Check(unknown) -> NOT_FOUND, reason UNKNOWN_SERVICE, subject = the name;
    Watch(unknown) sends SERVICE_UNKNOWN first."""
    c = s.conn()
    try:
        name = "sharewire.v1.NoSuchService"
        r = c.unary(HEALTH_CHECK, encode("HealthCheckRequest", service=name))
        expect_status(r, sw.NOT_FOUND)
        expect_detail(r, "UNKNOWN_SERVICE", subject=name)
        call = c.stream(HEALTH_WATCH, encode("HealthCheckRequest", service=name))
        ev = call.next_event(3)
        expect(ev[0] == "message", "Watch(unknown) did not send a status: %r" % (ev,))
        expect_eq(decode("HealthCheckResponse", ev[1])["status"], 3, "Watch(unknown) status (SERVICE_UNKNOWN)")
        call.cancel()
        s.echo_ok(c)
    finally:
        c.close()


@check("malformed_request_head_internal")
def t_bad_head(s):
    c = s.conn()
    try:
        for what, head in (("invalid UTF-8 in method", b"\x0a\x02\xff\xfe"),
                           ("truncated varint", b"\x10"),
                           ("NUL in method", b"\x0a\x03a\x00b")):
            r = c.start_call(ECHO, raw_payload=struct.pack(">I", len(head)) + head + echo_req(b"x")).wait()
            try:
                expect_status(r, sw.INTERNAL, message_prefix="malformed request head: ", no_details=True)
            except CheckFailed as e:
                raise CheckFailed("%s: %s" % (what, e))
        s.echo_ok(c)
    finally:
        c.close()


@check("malformed_request_message_invalid_argument")
def t_bad_msg(s):
    c = s.conn()
    try:
        for what, msg in (("overrunning length", b"\x0a\x05ab"),
                          ("invalid UTF-8 in fail_message", b"\x32\x01\xff"),
                          ("wrong wire type", b"\x15\x00\x00\x00\x00")):
            for mid in (10, 11):
                r = c.start_call(None, msg, method_id=mid).wait()
                try:
                    expect_status(r, sw.INVALID_ARGUMENT, message_prefix="malformed request message: ", no_details=True)
                except CheckFailed as e:
                    raise CheckFailed("%s (method id %d): %s" % (what, mid, e))
        s.echo_ok(c)
    finally:
        c.close()


@check("oversized_frame_resource_exhausted")
def t_big_frame(s):
    fmax, _, _ = s.server_settings()
    c = s.conn()
    try:
        n = fmax + 1
        payload = request_payload({"method_id": 10}, b"\0" * (n - 4 - 2))
        assert len(payload) == n
        r = c.start_call(None, method_id=10, raw_payload=payload, check_limits=False).wait(10)
        expect_status(r, sw.RESOURCE_EXHAUSTED, "request frame of %d bytes exceeds the limit of %d" % (n, fmax))
        expect_detail(r, "FRAME_TOO_LARGE", subject=str(n), metadata=[("limit", str(fmax))])
        s.echo_ok(c)
    finally:
        c.close()


@check("oversized_frame_refused_before_payload")
def t_big_frame_early(s):
    """Section 2/6.4: the header decides; is the RESPONSE written before the payload arrives?"""
    fmax, _, _ = s.server_settings()
    rc = s.raw()
    try:
        rc.handshake()
        n = fmax + 1000
        rc.send(sw.HEADER.pack(n, REQUEST, 0, 1) + request_payload({"method_id": 10})[:6])
        try:
            f = read_frame_skipping(rc, (PING, PONG), timeout=1.5)
        except socket.timeout:
            raise CheckFailed("no RESPONSE until the oversized payload has been received (spec does not say when "
                              "step 2's RESPONSE is written)")
        expect(f[0] == RESPONSE and f[2] == 1, "expected RESPONSE on stream 1, got %s" % fmt_frames([f]))
    finally:
        rc.close()


@check("oversized_message_resource_exhausted")
def t_big_msg(s):
    fmax, mmax, _ = s.server_settings()
    c = s.conn()
    try:
        m = mmax + 1
        body = b"x" * (m - 1 - len(sw.encode_varint(m)))
        msg = echo_req(body)
        if len(msg) != m:
            body = body[:len(body) - (len(msg) - m)]
            msg = echo_req(body)
        assert len(msg) == m, (len(msg), m)
        expect(len(request_payload({"method_id": 10}, msg)) <= fmax, "cannot build the test frame within max_frame_size")
        r = c.start_call(None, msg, method_id=10, check_limits=False).wait(10)
        expect_status(r, sw.RESOURCE_EXHAUSTED, "request message of %d bytes exceeds the limit of %d" % (m, mmax))
        expect_detail(r, "MESSAGE_TOO_LARGE", subject=str(m), metadata=[("limit", str(mmax))])
        s.echo_ok(c)
    finally:
        c.close()


@check("max_sizes_are_inclusive")
def t_inclusive(s):
    """Section 10: a payload of exactly max_frame_size holding a message of exactly max_message_size is accepted."""
    fmax, mmax, _ = s.server_settings()
    c = s.conn()
    try:
        body = b"y" * (mmax - 1 - len(sw.encode_varint(mmax)))
        msg = echo_req(body)
        while len(msg) > mmax:
            body = body[:-1]
            msg = echo_req(body)
        expect_eq(len(msg), mmax, "test message size")
        head_room = fmax - 4 - mmax
        expect(head_room >= 30, "server leaves only %d bytes for the head" % head_room)
        pad = 0
        while True:
            head = encode("RequestHead", method_id=10, metadata=[("pad", "p" * pad)])
            if len(head) >= head_room:
                break
            pad += max(1, head_room - len(head) - 3)
        while len(head) > head_room:
            pad -= 1
            head = encode("RequestHead", method_id=10, metadata=[("pad", "p" * pad)])
        expect_eq(len(head), head_room, "head size")
        payload = struct.pack(">I", len(head)) + head + msg
        expect_eq(len(payload), fmax, "payload size")
        r = c.start_call(None, method_id=10, raw_payload=payload).wait(15)
        expect_status(r, 0)
        expect(decode("EchoResponse", r.body)["payload"] == body, "echoed payload differs")
    finally:
        c.close()


@check("response_larger_than_client_limit")
def t_client_limit(s):
    c = s.conn(hello={"max_message_size": 1024, "max_frame_size": 1024 + 65536})
    try:
        r = c.unary(ECHO, echo_req(b"a" * 1021), method_id=10)   # EchoResponse of exactly 1024 bytes
        expect_status(r, 0)
        expect_eq(len(r.body), 1024, "response size")
        r = c.unary(ECHO, echo_req(b"a" * 2000), method_id=10)   # EchoResponse of 2003 bytes
        expect_status(r, sw.RESOURCE_EXHAUSTED,
                      "response message of 2003 bytes exceeds the client's max_message_size of 1024")
        expect_detail(r, "RESPONSE_TOO_LARGE", metadata=[("limit", "1024")])
        r = c.stream(ECHO_STREAM, echo_req(b"a" * 2000, count=2), method_id=11).wait()
        expect_status(r, sw.RESOURCE_EXHAUSTED,
                      "response message of 2003 bytes exceeds the client's max_message_size of 1024")
        expect_eq(r.messages, [], "MESSAGEs larger than the client's limit")
        s.echo_ok(c)
    finally:
        c.close()


@check("response_larger_than_client_frame_size")
def t_client_frame_limit(s):
    """4.2: the server uses the client's max_frame_size as a ceiling for the MESSAGE and
    RESPONSE frames it sends; a response exceeding it is replaced by RESOURCE_EXHAUSTED.
    """
    c = s.conn(hello={"max_frame_size": 512})
    try:
        r = c.unary(ECHO, echo_req(b"a" * 400), method_id=10)
        expect_status(r, 0)
        r = c.unary(ECHO, echo_req(b"a" * 1000), method_id=10)   # RESPONSE frame would be 1007 bytes
        expect(not r.local, "server sent a RESPONSE frame larger than the client's max_frame_size 512 "
                            "(the client discarded it)")
        expect_status(r, sw.RESOURCE_EXHAUSTED)
        expect_detail(r, "RESPONSE_TOO_LARGE", metadata=[("limit", "512")])
        r = c.stream(ECHO_STREAM, echo_req(b"a" * 1000, count=2), method_id=11).wait()
        expect(not r.local, "server sent a MESSAGE frame larger than the client's max_frame_size 512")
        expect_status(r, sw.RESOURCE_EXHAUSTED)
        expect_eq(r.messages, [], "MESSAGEs")
        s.echo_ok(c)
    finally:
        c.close()


@check("connection_call_limit")
def t_call_limit(s):
    _, _, lim = s.server_settings()
    if lim > 5000:
        raise Skip("max_concurrent_calls %d too large to test" % lim)
    c = s.conn()
    try:
        calls = [c.start_call(None, echo_req(b"x", delay_ms=1500), method_id=10) for _ in range(lim + 1)]
        last = calls[-1].wait(3)
        expect_status(last, sw.RESOURCE_EXHAUSTED, "too many concurrent calls on this connection (limit %d)" % lim)
        expect_detail(last, "CONNECTION_CALL_LIMIT", metadata=[("limit", str(lim))])
        bad = [(cl.stream_id, cl.wait(6)) for cl in calls[:-1]]
        bad = [(sid, r) for sid, r in bad if not r.ok]
        expect(not bad, "%d of the first %d calls failed, e.g. %r" % (len(bad), lim, bad[:2]))
    finally:
        c.close()


@check("refusal_order_section_6_4")
def t_refusal_order(s):
    fmax, mmax, _ = s.server_settings()
    c = s.conn()
    try:
        # step 2 before step 5: an oversized frame with an impossible head_len is refused, not a violation
        n = fmax + 1
        r = c.start_call(None, raw_payload=b"\xff\xff\xff\xff" + b"\0" * (n - 4), check_limits=False).wait(10)
        expect_status(r, sw.RESOURCE_EXHAUSTED)
        expect_detail(r, "FRAME_TOO_LARGE", subject=str(n))
        big = b"\xff" * (mmax + 1)   # too large and not decodable
        # step 6 before 7: malformed head
        head = b"\x0a\x02\xff\xfe"
        r = c.start_call(None, raw_payload=struct.pack(">I", len(head)) + head + big, check_limits=False).wait(10)
        expect_status(r, sw.INTERNAL, message_prefix="malformed request head: ")
        # step 7 before 8: unknown method with an oversized message
        r = c.start_call("/x.Y/Z", big, check_limits=False).wait(10)
        expect_status(r, sw.UNIMPLEMENTED, "unknown method /x.Y/Z")
        # step 8 before 9: oversized and undecodable message
        r = c.start_call(None, big, method_id=10, check_limits=False).wait(10)
        expect_status(r, sw.RESOURCE_EXHAUSTED)
        expect_detail(r, "MESSAGE_TOO_LARGE", subject=str(mmax + 1))
        # step 9 before the service's own validation
        r = c.start_call(None, b"\x10\xff\xff\xff\x7f\x0a\x05a", method_id=10).wait()
        expect_status(r, sw.INVALID_ARGUMENT, message_prefix="malformed request message: ")
        s.echo_ok(c)
    finally:
        c.close()


@check("max_stream_id")
def t_max_sid(s):
    c = s.conn()
    try:
        r = c.start_call(ECHO, echo_req(b"last"), stream_id=sw.MAX_STREAM_ID).wait()
        expect_status(r, 0)
    finally:
        c.close()


@check("nonzero_flags_ignored")
def t_flags(s):
    rc = s.raw()
    try:
        rc.send(sw.PREFACE + encode_frame(HELLO, 0, sw.hello_payload(), flags=0x80))
        rc.read_server_handshake()
        rc.send_frame(REQUEST, 1, request_payload({"method_id": 10}, echo_req(b"f")), flags=0xFF)
        f = read_frame_skipping(rc, (PING, PONG))
        expect(f[0] == RESPONSE and f[2] == 1 and f[3] == b"\0\0\0\0" + echo_req(b"f"), "got %s" % fmt_frames([f]))
        expect_eq(f[1], 0, "flags written by the server")
        rc.send_frame(PING, 0, b"flagping", flags=0x01)
        f = rc.read_frame()
        expect_eq((f[0], f[3]), (PONG, b"flagping"), "PONG")
    finally:
        rc.close()


# ===========================================================================
# PING / PONG (section 11)

@check("ping_answered_with_pong")
def t_ping(s):
    c = s.conn()
    try:
        expect(c.ping(b"\x01\x23\x45\x67\x89\xab\xcd\xef", timeout=2), "no PONG with the same 8 bytes")
        expect_eq(c.pongs, [b"\x01\x23\x45\x67\x89\xab\xcd\xef"], "PONGs received")
    finally:
        c.close()
    rc = s.raw()
    try:
        rc.handshake()
        rc.send(encode_frame(PING, 0, b"\xff" * 8))
        f = rc.read_frame(2)
        expect_eq(encode_frame(f[0], f[2], f[3], f[1]), encode_frame(PONG, 0, b"\xff" * 8), "PONG frame bytes")
    finally:
        rc.close()


@check("ping_policing_too_many_pings")
def t_ping_abuse(s):
    """Section 11.3 example: five back-to-back PINGs on an idle connection get three
    PONGs, then GOAWAY(0, 8, too_many_pings) and close."""
    s.server_settings()
    rc = s.raw()
    try:
        rc.handshake()
        rc.send(b"".join(encode_frame(PING, 0, struct.pack(">Q", i)) for i in range(1, 6)))
        if not s.hello["min_ping_interval_ms"]:
            pongs = [rc.read_frame(2) for _ in range(5)]
            expect(all(f[0] == PONG for f in pongs), "PINGs are not policed (min_ping_interval_ms 0) but got %s" % fmt_frames(pongs))
            return
        before, ga = s.expect_goaway_then_close(rc, 8, 0, "too_many_pings", allowed_before=(PONG,))
        expect_eq([f[3] for f in before], [struct.pack(">Q", i) for i in (1, 2, 3)], "PONG payloads before the GOAWAY")
    finally:
        rc.close()


@check("client_goaway_handling_with_active_call")
def t_lib_goaway(s):
    """Library GOAWAY handling (12.4), triggered by ping abuse while a call runs.
    Section 11.3 makes every close PING a strike; rpc.proto says strikes count
    only 'while no call is active'."""
    s.server_settings()
    if not s.hello["min_ping_interval_ms"]:
        raise Skip("server does not police PINGs")
    c = s.conn(auto_close=False)
    try:
        slow = c.start_call(ECHO, echo_req(b"slow", delay_ms=1500), method_id=10)
        time.sleep(0.1)
        c.send_raw(b"".join(encode_frame(PING, 0, struct.pack(">Q", 100 + i)) for i in range(5)))
        late = None
        try:
            late = c.start_call(ECHO, echo_req(b"late"), method_id=10)
        except sw.ConnectionClosed:
            pass   # GOAWAY already processed: the library refuses new calls
        if not c.closed.wait(3):
            raise CheckFailed("no GOAWAY/close after 5 back-to-back PINGs with a call running (PONGs: %d) -- "
                              "server follows rpc.proto ('while no call is active'), not section 11.3" % len(c.pongs))
        expect(c.goaways, "connection closed without a GOAWAY (%s)" % c.close_reason)
        ga = c.goaways[-1]
        expect_eq((ga["last_stream_id"], ga["code"], ga["reason"]), (slow.stream_id, 8, "too_many_pings"), "GOAWAY")
        expect_eq(len(c.pongs), 3, "PONGs before the GOAWAY")
        if late is not None:
            r = late.wait(1)
            expect(r.code == sw.UNAVAILABLE and r.not_processed, "call above last_stream_id: %r" % r)
        r = slow.wait(1)
        expect(r.code == sw.UNAVAILABLE and r.local and not r.not_processed,
               "running call at close should fail with unknown outcome: %r" % r)
        try:
            c.start_call(ECHO, echo_req(b"x"))
            raise CheckFailed("library started a call after GOAWAY")
        except sw.ConnectionClosed:
            pass
    finally:
        c.close()


# ===========================================================================
# Client GOAWAY (section 12.5)

@check("client_goaway_drain")
def t_client_goaway(s):
    rc = s.raw()
    try:
        rc.handshake()
        rc.send_frame(REQUEST, 1, request_payload({"method_id": 10}, echo_req(b"running", delay_ms=400)))
        time.sleep(0.1)
        rc.send_frame(GOAWAY, 0, encode("GoAway", last_stream_id=1, reason="client done"))
        rc.send_frame(REQUEST, 3, request_payload({"method_id": 10}, echo_req(b"after goaway")))
        data, how = rc.read_until_closed(3)
        frames = []
        while data:
            ln, t, fl, sid = sw.HEADER.unpack(data[:10])
            frames.append((t, fl, sid, data[10:10 + ln]))
            data = data[10 + ln:]
        expect(how != "timeout", "server did not close the connection after the running call finished")
        expect(not [f for f in frames if f[0] == GOAWAY], "server answered with a GOAWAY: %s" % fmt_frames(frames))
        by = {f[2]: f for f in frames if f[0] == RESPONSE}
        expect(3 in by, "no RESPONSE for the REQUEST sent after GOAWAY: %s" % fmt_frames(frames))
        h3, _ = parse_response(by[3][3])
        expect_eq(h3["code"], sw.UNAVAILABLE, "code for a REQUEST after client GOAWAY (%r)" % h3["message"])
        expect(1 in by, "running call got no RESPONSE: %s" % fmt_frames(frames))
        h1, body = parse_response(by[1][3])
        expect(h1["code"] == 0 and decode("EchoResponse", body)["payload"] == b"running", "running call: %r" % h1)
    finally:
        rc.close()


@check("client_half_close_answers_running_calls")
def t_half_close(s):
    """12.5: a client that shuts down its sending side (FIN) and keeps reading is treated as a
    client GOAWAY: the running call is answered, then the server closes."""
    rc = s.raw()
    try:
        rc.handshake()
        rc.send_frame(REQUEST, 1, request_payload({"method_id": 10}, echo_req(b"half", delay_ms=300)))
        time.sleep(0.05)
        rc.sock.shutdown(socket.SHUT_WR)
        data, how = rc.read_until_closed(3)
        frames = []
        while len(data) >= 10:
            ln, t, fl, sid = sw.HEADER.unpack(data[:10])
            frames.append((t, fl, sid, data[10:10 + ln]))
            data = data[10 + ln:]
        expect(how != "timeout", "server did not close after the running call finished")
        by = {f[2]: f for f in frames if f[0] == RESPONSE}
        expect(1 in by, "running call got no RESPONSE after the half-close: %s" % fmt_frames(frames))
        h1, body = parse_response(by[1][3])
        expect(h1["code"] == 0 and decode("EchoResponse", body)["payload"] == b"half", "running call: %r" % h1)
        expect(not [f for f in frames if f[0] == GOAWAY], "server answered with a GOAWAY: %s" % fmt_frames(frames))
    finally:
        rc.close()


@check("frame_timeout_closes_a_stalled_frame")
def t_frame_timeout(s):
    """10 / 12.1: part of a frame and then nothing: GOAWAY code 4 'frame not completed within
    N ms' and close, after the frame timeout (plus up to two housekeeping ticks)."""
    rc = s.raw()
    try:
        rc.handshake()
        frame = encode_frame(REQUEST, 1, request_payload({"method_id": 10}, echo_req(b"stalled")))
        rc.send(frame[:11])
        started = time.monotonic()
        data, how = rc.read_until_closed(s.frame_timeout + 3)
        elapsed = time.monotonic() - started
        expect(how != "timeout", "connection still open %.1fs after a stalled frame" % elapsed)
        expect(elapsed >= s.frame_timeout - 0.2, "closed after %.2fs, before the frame timeout" % elapsed)
        expect(len(data) >= 10, "closed without a GOAWAY")
        ln, t, fl, sid = sw.HEADER.unpack(data[:10])
        expect_eq(t, GOAWAY, "frame type before the close")
        ga = decode("GoAway", data[10:10 + ln])
        expect_eq(ga["code"], sw.DEADLINE_EXCEEDED, "GOAWAY code")
        expect_eq(ga["reason"], "frame not completed within %d ms" % round(s.frame_timeout * 1000), "GOAWAY reason")
    finally:
        rc.close()


@check("client_goaway_idle_closes")
def t_client_goaway_idle(s):
    rc = s.raw()
    try:
        rc.handshake()
        rc.send_frame(GOAWAY, 0, encode("GoAway", last_stream_id=0, reason="bye"))
        data, how = rc.read_until_closed(2)
        expect(how != "timeout", "server did not close at once with no call running")
        expect_eq(data, b"", "bytes written after a client GOAWAY")
    finally:
        rc.close()


# ===========================================================================
# Protocol violations (section 13)

def _read_server_side_of_handshake(rc):
    pre = rc.recv_exact(8)
    expect(pre[:7] == sw.MAGIC + b"\x01", "server preface %r" % pre)
    f = rc.read_frame()
    expect(f[0] == HELLO, "expected the server HELLO, got %s" % fmt_frames([f]))


def violation(name, send, reason, last=0, code=13, prep=None, handshake=True, prefix=False):
    """handshake=False: `send` starts with the client preface; the server's own
    preface + HELLO are read before the GOAWAY is expected."""
    @check("violation_" + name)
    def t(s):
        rc = s.raw()
        try:
            if handshake:
                rc.handshake()
            if prep:
                prep(s, rc)
            rc.send(send(s) if callable(send) else send)
            if not handshake:
                _read_server_side_of_handshake(rc)
            want = reason(s) if callable(reason) else reason
            s.expect_goaway_then_close(rc, code, last, None if prefix else want, want if prefix else None)
        finally:
            rc.close()
    return t


def _echo_on(sid, delay=0):
    return encode_frame(REQUEST, sid, request_payload({"method_id": 10}, echo_req(b"v", delay_ms=delay)))


def _complete(sid):
    def prep(s, rc):
        rc.send(_echo_on(sid))
        f = read_frame_skipping(rc, (PING, PONG))
        expect(f[0] == RESPONSE and f[2] == sid, "setup Echo failed: %s" % fmt_frames([f]))
    return prep


violation("decreasing_stream_id", _echo_on(3), "stream id 3 not greater than last stream id 5 (reused or decreasing)",
          last=5, prep=_complete(5))
violation("reused_stream_id", _echo_on(5), "stream id 5 not greater than last stream id 5 (reused or decreasing)",
          last=5, prep=_complete(5))
violation("request_on_stream_0", _echo_on(0), "request frame must not use stream 0")
violation("unknown_frame_type_0x9", encode_frame(9, 0), "unknown frame type 0x9")
violation("unknown_frame_type_0xff", encode_frame(0xFF, 0), "unknown frame type 0xff")
violation("unknown_frame_type_0x0", encode_frame(0, 0), "unknown frame type 0x0")
violation("first_frame_not_hello", sw.PREFACE + encode_frame(PING, 0, bytes(8)),
          "expected HELLO as first frame, got ping", handshake=False)
violation("hello_twice", encode_frame(HELLO, 0, sw.hello_payload()), "HELLO sent twice")
violation("message_from_client", encode_frame(MESSAGE, 1, b""), "frame type message not allowed in this direction")
violation("response_from_client", encode_frame(RESPONSE, 1, b"\0\0\0\0"), "frame type response not allowed in this direction")
violation("reserved_stream_bit", _echo_on(0x80000001), "stream id 2147483649 has the reserved top bit set")
violation("ping_on_stream_1", encode_frame(PING, 1, bytes(8)), "ping frame must use stream 0, got 1")
violation("goaway_on_stream_1", encode_frame(GOAWAY, 1, b""), "goAway frame must use stream 0, got 1")
violation("cancel_on_stream_0", encode_frame(CANCEL, 0), "cancel frame must not use stream 0")
violation("ping_length_7", encode_frame(PING, 0, bytes(7)), "invalid payload length 7 for ping frame")
violation("pong_length_9", encode_frame(PONG, 0, bytes(9)), "invalid payload length 9 for pong frame")
violation("cancel_with_payload", encode_frame(CANCEL, 1, b"\0"), "invalid payload length 1 for cancel frame",
          last=1, prep=_complete(1))
violation("cancel_never_opened", encode_frame(CANCEL, 7), "cancel frame for stream 7, which was never opened",
          last=1, prep=_complete(1))
violation("request_payload_too_short", encode_frame(REQUEST, 1, b"\0\0"),
          "REQUEST on stream 1: payload of 2 bytes is too short for its head length", last=1)
violation("request_head_len_too_large", encode_frame(REQUEST, 1, b"\0\0\0\x64abc"),
          "REQUEST on stream 1: head length 100 exceeds the 3 bytes that follow it", last=1)
violation("hello_too_large", lambda s: sw.PREFACE + sw.HEADER.pack(s.server_settings()[0] + 1, HELLO, 0, 0),
          lambda s: "hello frame of %d bytes exceeds limit %d" % (s.server_settings()[0] + 1, s.server_settings()[0]),
          handshake=False)
violation("malformed_hello", sw.PREFACE + encode_frame(HELLO, 0, b"\x0a\x02\xff\xfe"), "malformed HELLO: ",
          handshake=False, prefix=True)


def _refuse(sid):
    def prep(s, rc):
        rc.send(encode_frame(REQUEST, sid, request_payload({"method": "/no.Such/Method"})))
        f = read_frame_skipping(rc, (PING, PONG))
        expect(f[0] == RESPONSE and f[2] == sid, "setup refusal failed: %s" % fmt_frames([f]))
    return prep


violation("decreasing_after_refused_id", _echo_on(7), "stream id 7 not greater than last stream id 9 (reused or decreasing)",
          last=9, prep=_refuse(9))
violation("malformed_hello_nul_in_agent", sw.PREFACE + encode_frame(HELLO, 0, b"\x0a\x03a\x00b"), "malformed HELLO: ",
          handshake=False, prefix=True)
# check order of section 13 ("for a frame, the first applicable one is reported")
violation("order_unknown_type_before_not_hello", sw.PREFACE + encode_frame(9, 3), "unknown frame type 0x9",
          handshake=False)
violation("order_not_hello_before_stream_rules", sw.PREFACE + encode_frame(PING, 3, bytes(7)),
          "expected HELLO as first frame, got ping", handshake=False)
violation("order_hello_twice_before_stream_rule", encode_frame(HELLO, 1, b""), "HELLO sent twice")
violation("order_direction_before_stream_0", encode_frame(MESSAGE, 0, b""), "frame type message not allowed in this direction")
violation("order_reserved_bit_before_stream_0_rule", encode_frame(PING, 0x80000000, bytes(8)),
          "stream id 2147483648 has the reserved top bit set")
violation("order_stream_before_length", encode_frame(PING, 1, bytes(7)), "ping frame must use stream 0, got 1")
violation("order_length_before_never_opened", encode_frame(CANCEL, 9, b"\0\0"), "invalid payload length 2 for cancel frame")


@check("violation_unknown_type_detected_at_byte_4")
def t_type_byte4(s):
    """Section 2: an unknown type byte is rejected as soon as offset 4 has arrived."""
    rc = s.raw()
    try:
        rc.handshake()
        rc.send(b"\0\0\0\0\x09")   # half a header
        s.expect_goaway_then_close(rc, 13, 0, "unknown frame type 0x9", timeout=2)
    finally:
        rc.close()


# ===========================================================================
# Preface (section 1.2)

@check("bad_magic_closed_silently")
def t_bad_magic(s):
    for what, data in (("HTTP request", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                       ("TLS ClientHello byte", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
                       ("lowercase magic", b"shwr\r\n\x01\x00")):
        rc = s.raw()
        try:
            rc.send(data)
            got, how = rc.read_until_closed(3)
            expect(how != "timeout", "%s: connection not closed" % what)
            expect_eq(got, b"", "%s: bytes written" % what)
        finally:
            rc.close()


@check("bad_magic_rejected_on_first_differing_byte")
def t_bad_magic_bytewise(s):
    rc = s.raw()
    try:
        rc.send(b"SHW")
        expect(rc.read_nothing_for(0.4), "server wrote or closed after a valid partial magic")
        t0 = time.monotonic()
        rc.send(b"X")
        got, how = rc.read_until_closed(2)
        expect(how != "timeout", "not closed after the first differing byte")
        expect_eq(got, b"", "bytes written")
        expect(time.monotonic() - t0 < 1.0, "close took too long")
    finally:
        rc.close()


@check("unsupported_major_version")
def t_major(s):
    for ver, with_hello in ((b"\x02\x00", True), (b"\x00\x09", False), (b"\xff\xff", True)):
        rc = s.raw()
        try:
            rc.send(sw.MAGIC + ver + (encode_frame(HELLO, 0, sw.hello_payload()) if with_hello else b""))
            pre = rc.recv_exact(8)
            expect_eq(pre, sw.PREFACE, "server preface (1.2: `... 01 00`)")
            want = "unsupported protocol version %d.%d; this server speaks 1.x" % (ver[0], ver[1])
            s.expect_goaway_then_close(rc, 12, 0, want, allowed_before=())
        finally:
            rc.close()
    # library: reports the GOAWAY given in place of HELLO
    try:
        s.conn(preface=sw.MAGIC + b"\x02\x00").close()
        raise CheckFailed("library connected with major version 2")
    except sw.HandshakeRejected as e:
        expect_eq((e.goaway["code"], e.goaway["last_stream_id"]), (12, 0), "library HandshakeRejected GOAWAY")


@check("handshake_timeout")
def t_handshake_timeout(s):
    """10 / 11.2: a connection without a complete client preface and HELLO within the
    handshake timeout (10 s) is closed without a GOAWAY (or any frame)."""
    out = {}

    def probe(name, data):
        rc = s.raw()
        try:
            t0 = time.monotonic()
            rc.send(data)
            got, how = rc.read_until_closed(14)
            out[name] = (got, how, time.monotonic() - t0)
        except Exception as e:  # noqa: BLE001
            out[name] = (b"", "error %s" % e, 0)
        finally:
            rc.close()

    ts = [threading.Thread(target=probe, args=a, daemon=True)
          for a in (("silent", b""), ("partial preface", b"SHW"), ("preface, no HELLO", sw.PREFACE))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(16)
    problems = []
    for name, (got, how, dt) in sorted(out.items()):
        if how == "timeout":
            problems.append("%s: still open after %.0fs" % (name, dt))
            continue
        if how not in ("eof", "reset"):
            problems.append("%s: %s" % (name, how))
            continue
        if not 9.0 <= dt <= 12.5:
            problems.append("%s: closed after %.1fs" % (name, dt))
        expected = b""
        if name == "preface, no HELLO":   # the server's preface + HELLO were already due (1.2)
            expected = got[:8] + got[8:10 + 8 + HEADER_LEN(got[8:])]
        if got != expected:
            problems.append("%s: unexpected bytes %s" % (name, got[len(expected):][:40].hex(" ")))
    expect(not problems, "; ".join(problems))


def HEADER_LEN(data):
    return sw.HEADER.unpack(data[:10])[0] if len(data) >= 10 else 0


# ===========================================================================

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--budget", type=float, default=60.0, help="bound on the whole run, seconds")
    ap.add_argument("--only", help="comma-separated check names")
    ap.add_argument("--frame-timeout", type=float, default=10.0,
                    help="the server's frame timeout in seconds (section 10; sharewired --frame-timeout-seconds)")
    args = ap.parse_args()
    if args.host not in ("127.0.0.1", "localhost"):
        ap.error("this suite only connects to 127.0.0.1")
    host = "127.0.0.1"
    socket.setdefaulttimeout(SOCK_TIMEOUT)
    s = Suite(host, args.port, args.budget, args.frame_timeout)

    def watchdog():
        s.record(s.current or "run", False, "whole run exceeded %.0fs" % args.budget)
        failed = s.summary()
        os._exit(1)

    wd = threading.Timer(args.budget, watchdog)
    wd.daemon = True
    wd.start()
    only = set(args.only.split(",")) if args.only else None
    for name, fn in CHECKS:
        if only and name not in only:
            continue
        s.current = name
        try:
            fn(s)
            s.record(name, True)
        except Skip as e:
            with s.plock:
                print("SKIP %s: %s" % (name, e), flush=True)
        except CheckFailed as e:
            s.record(name, False, str(e))
        except Exception as e:  # noqa: BLE001
            s.record(name, False, "%s: %s" % (type(e).__name__, e))
    wd.cancel()
    s.current = None
    failed = s.summary()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
