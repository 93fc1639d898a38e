"""Minimal Sharewire v1 client, Python 3 standard library only.

Written from docs/PROTOCOL.md and proto/sharewire/v1/*.proto alone (independent
check of the specification). Contents:

* a tiny proto3 encoder/decoder driven by hand-written schemas (SCHEMAS);
* frame helpers (encode_frame, request/response payload helpers);
* RawConn: a blocking socket wrapper for byte-exact tests;
* Connection: a multiplexing client (reader thread) with unary and
  server-streaming calls by path or by method id, per-call timeouts sent on
  the wire, metadata, CANCEL, PING/PONG answering, GOAWAY handling and
  client-side protocol-violation detection (section 13).
"""

import math
import queue
import socket
import struct
import threading
import time

# ---------------------------------------------------------------------------
# Constants (sections 1-4)

MAGIC = b"SHWR\r\n"
VERSION_MAJOR = 1
VERSION_MINOR = 0
PREFACE = MAGIC + bytes([VERSION_MAJOR, VERSION_MINOR])

HELLO, REQUEST, MESSAGE, RESPONSE, CANCEL, PING, PONG, GOAWAY = range(1, 9)
FRAME_NAMES = {
    HELLO: "hello", REQUEST: "request", MESSAGE: "message", RESPONSE: "response",
    CANCEL: "cancel", PING: "ping", PONG: "pong", GOAWAY: "goAway",
}
CONNECTION_FRAMES = (HELLO, PING, PONG, GOAWAY)
CALL_FRAMES = (REQUEST, MESSAGE, RESPONSE, CANCEL)

HEADER = struct.Struct(">IBBI")
HEADER_SIZE = 10
MAX_STREAM_ID = 0x7FFFFFFF
RESERVED_BIT = 0x80000000

DEFAULT_MAX_FRAME_SIZE = 4259840
DEFAULT_MAX_MESSAGE_SIZE = 4194304
DEFAULT_MAX_CONCURRENT_CALLS = 1024

STATUS_NAMES = [
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
    "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
]
for _i, _n in enumerate(STATUS_NAMES):
    globals()[_n] = _i

# (method_id, path, server_streaming, request type, response type)  section 17
METHODS = [
    (1, "/sharewire.v1.Health/Check", False, "HealthCheckRequest", "HealthCheckResponse"),
    (2, "/sharewire.v1.Health/Watch", True, "HealthCheckRequest", "HealthCheckResponse"),
    (10, "/sharewire.v1.Diagnostics/Echo", False, "EchoRequest", "EchoResponse"),
    (11, "/sharewire.v1.Diagnostics/EchoStream", True, "EchoRequest", "EchoResponse"),
]
METHOD_BY_PATH = {m[1]: m for m in METHODS}
METHOD_BY_ID = {m[0]: m for m in METHODS}


def status_name(code):
    return STATUS_NAMES[code] if 0 <= code < len(STATUS_NAMES) else "CODE_%d" % code


# ---------------------------------------------------------------------------
# Protobuf (proto3 binary), schema driven

class DecodeError(ValueError):
    pass


def encode_varint(n):
    if n < 0:
        n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def decode_varint(buf, pos):
    result = 0
    shift = 0
    for i in range(10):
        if pos >= len(buf):
            raise DecodeError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result & ((1 << 64) - 1), pos
        shift += 7
    raise DecodeError("varint longer than 10 bytes")


# field number -> (name, kind, repeated); kind is a scalar type or a message name
SCHEMAS = {
    "Hello": {
        1: ("agent", "string", False),
        2: ("max_frame_size", "uint32", False),
        3: ("max_message_size", "uint32", False),
        4: ("max_concurrent_calls", "uint32", False),
        5: ("keepalive_interval_ms", "uint32", False),
        6: ("min_ping_interval_ms", "uint32", False),
        7: ("idle_timeout_ms", "uint32", False),
    },
    "MetadataEntry": {
        1: ("key", "string", False),
        2: ("value", "string", False),
    },
    "RequestHead": {
        1: ("method", "string", False),
        2: ("method_id", "uint32", False),
        3: ("timeout_us", "uint64", False),
        4: ("metadata", "MetadataEntry", True),
    },
    "StatusDetail": {
        1: ("reason", "string", False),
        2: ("subject", "string", False),
        3: ("field", "string", False),
        4: ("metadata", "MetadataEntry", True),
    },
    "ResponseHead": {
        1: ("code", "uint32", False),
        2: ("message", "string", False),
        3: ("details", "StatusDetail", True),
        4: ("metadata", "MetadataEntry", True),
    },
    "GoAway": {
        1: ("last_stream_id", "uint32", False),
        2: ("code", "uint32", False),
        3: ("reason", "string", False),
    },
    "EchoRequest": {
        1: ("payload", "bytes", False),
        2: ("delay_ms", "uint32", False),
        3: ("count", "uint32", False),
        4: ("interval_ms", "uint32", False),
        5: ("fail_code", "uint32", False),
        6: ("fail_message", "string", False),
    },
    "EchoResponse": {
        1: ("payload", "bytes", False),
        2: ("sequence", "uint32", False),
    },
    "HealthCheckRequest": {
        1: ("service", "string", False),
    },
    "HealthCheckResponse": {
        1: ("status", "enum", False),
    },
}
SCALAR_DEFAULTS = {"string": "", "bytes": b"", "uint32": 0, "uint64": 0, "enum": 0}
HEALTH_STATUS_NAMES = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def _as_entry(name, value):
    if name == "MetadataEntry" and isinstance(value, (tuple, list)):
        return {"key": value[0], "value": value[1]}
    return value


def encode(msg_name, values=None, **kw):
    """Encode a dict as proto3, fields in number order, defaults omitted.

    Strings may be given as bytes to send exact (even invalid) byte strings.
    Metadata entries may be (key, value) tuples.
    """
    values = dict(values or {}, **kw)
    schema = SCHEMAS[msg_name]
    known = {spec[0] for spec in schema.values()}
    unknown = set(values) - known
    if unknown:
        raise KeyError("%s has no field(s) %s" % (msg_name, sorted(unknown)))
    out = bytearray()
    for num in sorted(schema):
        name, kind, repeated = schema[num]
        if name not in values or values[name] is None:
            continue
        items = values[name] if repeated else [values[name]]
        for v in items:
            if kind in ("uint32", "uint64", "enum"):
                v = int(v)
                if v == 0 and not repeated:
                    continue
                out += encode_varint(num << 3 | 0) + encode_varint(v)
            elif kind in ("string", "bytes"):
                if isinstance(v, str):
                    v = v.encode("utf-8")
                v = bytes(v)
                if not v and not repeated:
                    continue
                out += encode_varint(num << 3 | 2) + encode_varint(len(v)) + v
            else:
                sub = encode(kind, _as_entry(kind, v))
                out += encode_varint(num << 3 | 2) + encode_varint(len(sub)) + sub
    return bytes(out)


def decode(msg_name, data):
    """Decode proto3 bytes into a dict with every field (defaults filled).

    Unknown fields are skipped. Raises DecodeError on malformed input
    (truncation, bad wire type for a known field, invalid UTF-8 in a string).
    """
    schema = SCHEMAS[msg_name]
    result = {}
    for name, kind, repeated in schema.values():
        result[name] = [] if repeated else SCALAR_DEFAULTS.get(kind)
        if result[name] is None:
            result[name] = decode(kind, b"")
    data = bytes(data)
    pos = 0
    n = len(data)
    while pos < n:
        key, pos = decode_varint(data, pos)
        num, wt = key >> 3, key & 7
        if num == 0:
            raise DecodeError("field number 0")
        if wt == 0:
            val, pos = decode_varint(data, pos)
        elif wt == 1:
            if pos + 8 > n:
                raise DecodeError("truncated fixed64")
            val = data[pos:pos + 8]
            pos += 8
        elif wt == 2:
            ln, pos = decode_varint(data, pos)
            if ln > n - pos:
                raise DecodeError("length-delimited field %d overruns the message" % num)
            val = data[pos:pos + ln]
            pos += ln
        elif wt == 5:
            if pos + 4 > n:
                raise DecodeError("truncated fixed32")
            val = data[pos:pos + 4]
            pos += 4
        else:
            raise DecodeError("unsupported wire type %d" % wt)
        if num not in schema:
            continue  # unknown field: ignored (section 6.6, 18)
        name, kind, repeated = schema[num]
        if kind in ("uint32", "uint64", "enum"):
            if wt != 0:
                raise DecodeError("field %s: wire type %d, expected varint" % (name, wt))
            if kind == "uint32":
                val &= 0xFFFFFFFF
            elif kind == "enum":
                val &= 0xFFFFFFFF
                if val >= 1 << 31:
                    val -= 1 << 32
        else:
            if wt != 2:
                raise DecodeError("field %s: wire type %d, expected length-delimited" % (name, wt))
            if kind == "string":
                try:
                    val = val.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise DecodeError("field %s: invalid UTF-8 (%s)" % (name, e))
            elif kind == "bytes":
                val = bytes(val)
            else:
                val = decode(kind, val)
        if repeated:
            result[name].append(val)
        else:
            result[name] = val
    return result


def metadata_get(entries, key):
    """First value for key (section 8), or None."""
    for e in entries:
        if e["key"] == key:
            return e["value"]
    return None


# ---------------------------------------------------------------------------
# Frames

def encode_frame(ftype, stream_id, payload=b"", flags=0, length=None):
    payload = bytes(payload)
    return HEADER.pack(len(payload) if length is None else length, ftype, flags, stream_id) + payload


def request_payload(head=None, message=b"", head_bytes=None):
    hb = encode("RequestHead", head or {}) if head_bytes is None else bytes(head_bytes)
    return struct.pack(">I", len(hb)) + hb + bytes(message)


def response_payload(head=None, message=b""):
    hb = encode("ResponseHead", head or {})
    return struct.pack(">I", len(hb)) + hb + bytes(message)


def timeout_to_us(seconds):
    """Section 7.1: remaining time, rounded up to whole microseconds, at least 1."""
    return max(1, int(math.ceil(seconds * 1e6 - 1e-6)))


def hello_payload(agent="sharewire-py-conformance/1", **fields):
    return encode("Hello", dict(fields, agent=agent))


class ProtocolViolation(Exception):
    """The peer broke a rule of section 13."""


class HandshakeRejected(Exception):
    """The server answered the preface with a GOAWAY instead of HELLO."""

    def __init__(self, goaway):
        self.goaway = goaway
        Exception.__init__(self, "server refused the connection: GOAWAY code %d (%s) reason %r" % (
            goaway["code"], status_name(goaway["code"]), goaway["reason"]))


class ConnectionClosed(Exception):
    pass


# ---------------------------------------------------------------------------
# Raw blocking connection, for byte-exact tests

class RawConn:
    def __init__(self, host, port, timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        self.timeout = timeout
        self.buf = bytearray()

    def send(self, data):
        self.sock.sendall(bytes(data))

    def send_frame(self, ftype, stream_id, payload=b"", flags=0):
        self.send(encode_frame(ftype, stream_id, payload, flags))

    def _fill(self, timeout):
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(1 << 20)
        finally:
            self.sock.settimeout(self.timeout)
        if not chunk:
            raise ConnectionClosed("connection closed by peer (EOF)")
        self.buf += chunk

    def recv_exact(self, n, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while len(self.buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("timed out waiting for %d bytes (have %d)" % (n, len(self.buf)))
            try:
                self._fill(remaining)
            except ConnectionResetError:
                raise ConnectionClosed("connection reset by peer (have %d of %d bytes)" % (len(self.buf), n))
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_frame(self, timeout=None):
        """(type, flags, stream_id, payload)."""
        h = self.recv_exact(HEADER_SIZE, timeout)
        length, ftype, flags, sid = HEADER.unpack(h)
        payload = self.recv_exact(length, timeout) if length else b""
        return ftype, flags, sid, payload

    def read_until_closed(self, timeout=None):
        """Read until the peer closes. Returns (bytes_read, how) with how in
        'eof', 'reset' or 'timeout'."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        data = bytes(self.buf)
        self.buf.clear()
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return data, "timeout"
                self.sock.settimeout(remaining)
                try:
                    chunk = self.sock.recv(1 << 20)
                except socket.timeout:
                    return data, "timeout"
                except (ConnectionResetError, BrokenPipeError):
                    return data, "reset"
                if not chunk:
                    return data, "eof"
                data += chunk
        finally:
            try:
                self.sock.settimeout(self.timeout)
            except OSError:
                pass

    def read_nothing_for(self, seconds):
        """True if nothing arrived and the connection stayed open for `seconds`."""
        if self.buf:
            return False
        data, how = self.read_until_closed(seconds)
        self.buf += data
        return not data and how == "timeout"

    def handshake(self, hello=None, preface=PREFACE):
        """Send preface + HELLO, read and check the server preface + HELLO."""
        self.send(preface + encode_frame(HELLO, 0, hello_payload() if hello is None else hello))
        return self.read_server_handshake()

    def read_server_handshake(self):
        pre = self.recv_exact(8)
        if pre[:6] != MAGIC:
            raise ProtocolViolation("bad preface magic: %r" % pre)
        if pre[6] != VERSION_MAJOR:
            raise ProtocolViolation("unsupported protocol version %d.%d" % (pre[6], pre[7]))
        ftype, flags, sid, payload = self.read_frame()
        if ftype == GOAWAY:
            raise HandshakeRejected(decode("GoAway", payload))
        if ftype != HELLO or sid != 0:
            raise ProtocolViolation("expected HELLO as first frame, got type %d stream %d" % (ftype, sid))
        return decode("Hello", payload)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# Multiplexing client

class CallResult:
    """Final outcome of a call."""

    def __init__(self, code, message="", details=None, metadata=None, body=b"",
                 messages=None, raw_code=None, not_processed=False, local=False,
                 head_len=None, trailing=b"", raw_payload=b""):
        self.code = code
        self.raw_code = code if raw_code is None else raw_code
        self.message = message
        self.details = details or []
        self.metadata = metadata or []
        self.body = body                # unary OK: the response message bytes
        self.messages = messages or []  # streaming: MESSAGE payloads, in order
        self.not_processed = not_processed
        self.local = local              # produced by the client, not a RESPONSE
        self.head_len = head_len
        self.trailing = trailing        # bytes after a non-OK/streaming head (ignored)
        self.raw_payload = raw_payload

    @property
    def ok(self):
        return self.code == OK

    def detail(self, reason):
        for d in self.details:
            if d["reason"] == reason:
                return d
        return None

    def __repr__(self):
        return "CallResult(%s%s, %r, details=%r%s)" % (
            status_name(self.code), "" if self.raw_code == self.code else "/raw %d" % self.raw_code,
            self.message, self.details, ", local" if self.local else "")


class RpcError(Exception):
    def __init__(self, result):
        self.result = result
        Exception.__init__(self, "%s: %s" % (status_name(result.code), result.message))


class Call:
    def __init__(self, conn, stream_id, streaming, response_type, timeout):
        self.conn = conn
        self.stream_id = stream_id
        self.streaming = streaming
        self.response_type = response_type
        self.events = queue.Queue()
        self.messages = []
        self.result = None
        self.done = threading.Event()
        self.timer = None
        self.started = time.monotonic()
        self.timeout = timeout

    def _finish(self, result):
        if self.done.is_set():
            return
        result.messages = list(self.messages)
        self.result = result
        if self.timer:
            self.timer.cancel()
        self.done.set()
        self.events.put(("end", result))

    def next_event(self, timeout=5.0):
        """('message', bytes) or ('end', CallResult); raises queue.Empty."""
        return self.events.get(timeout=timeout)

    def wait(self, timeout=5.0):
        if not self.done.wait(timeout):
            raise TimeoutError("call on stream %d did not finish within %.1fs" % (self.stream_id, timeout))
        return self.result

    def cancel(self):
        """Abandon the call: send CANCEL, stop tracking, fail it as CANCELLED."""
        self.conn._cancel(self, CallResult(CANCELLED, "cancelled by the client", local=True))


class Connection:
    """A Sharewire client connection.

        c = Connection("127.0.0.1", 7070)
        r = c.unary("/sharewire.v1.Diagnostics/Echo", encode("EchoRequest", payload=b"hi"))
    """

    def __init__(self, host, port, timeout=5.0, agent="sharewire-py-conformance/1",
                 hello=None, preface=PREFACE, auto_close=True):
        self.timeout = timeout
        self.auto_close = auto_close
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.wlock = threading.Lock()
        self.lock = threading.Lock()
        self.buf = bytearray()
        self.tracked = {}
        self.next_id = 1
        self.highest_sent = 0
        self.goaways = []
        self.going_away = False
        self.closed = threading.Event()
        self.close_reason = None
        self.violation = None          # our description, if the server broke a rule
        self.pong_waiters = {}
        self.pongs = []
        self.server_pings = []
        self.frames = []               # every frame received after HELLO: (type, flags, sid, payload)
        self.client_hello = dict(hello or {})
        self.client_hello.setdefault("agent", agent)
        self.max_response_message = self.client_hello.get("max_message_size") or DEFAULT_MAX_MESSAGE_SIZE
        self.max_recv_frame = self.client_hello.get("max_frame_size") or DEFAULT_MAX_FRAME_SIZE
        self.server_preface = None
        self.server_hello = None
        try:
            self._handshake(preface)
        except BaseException:
            self._close_socket()
            raise
        self.reader = threading.Thread(target=self._reader, name="sharewire-reader", daemon=True)
        self.reader.start()

    # -- settings --------------------------------------------------------
    @property
    def max_frame_size(self):
        return self.server_hello["max_frame_size"] or DEFAULT_MAX_FRAME_SIZE

    @property
    def max_message_size(self):
        return self.server_hello["max_message_size"] or DEFAULT_MAX_MESSAGE_SIZE

    @property
    def max_concurrent_calls(self):
        return self.server_hello["max_concurrent_calls"] or DEFAULT_MAX_CONCURRENT_CALLS

    @property
    def min_ping_interval_ms(self):
        return self.server_hello["min_ping_interval_ms"]

    # -- low level IO ----------------------------------------------------
    def _recv_some(self, deadline=None):
        while True:
            if deadline is not None:
                rem = deadline - time.monotonic()
                if rem <= 0:
                    raise socket.timeout("timed out")
                self.sock.settimeout(min(rem, self.timeout))
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                if deadline is not None or self.closed.is_set():
                    raise
                continue  # reader thread: keep waiting
            if not chunk:
                raise ConnectionClosed("EOF")
            self.buf += chunk
            return

    def _recv_exact(self, n, deadline=None):
        while len(self.buf) < n:
            self._recv_some(deadline)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _discard(self, n):
        while n > 0:
            if not self.buf:
                self._recv_some()
            k = min(n, len(self.buf))
            del self.buf[:k]
            n -= k

    def _send(self, data):
        with self.wlock:
            self.sock.sendall(data)

    def send_frame(self, ftype, stream_id, payload=b"", flags=0):
        """Write one frame as is (tests use it to break rules on purpose)."""
        self._send(encode_frame(ftype, stream_id, payload, flags))

    def send_raw(self, data):
        self._send(bytes(data))

    # -- handshake (section 1.2, 4) ---------------------------------------
    def _handshake(self, preface):
        self._send(bytes(preface) + encode_frame(HELLO, 0, encode("Hello", self.client_hello)))
        deadline = time.monotonic() + self.timeout
        # magic is checked byte by byte as bytes arrive
        for i in range(6):
            b = self._recv_exact(1, deadline)
            if b[0] != MAGIC[i]:
                self._violate("bad preface magic")
        ver = self._recv_exact(2, deadline)
        self.server_preface = MAGIC + ver
        if ver[0] != VERSION_MAJOR:
            self._violate("unsupported protocol version %d.%d" % (ver[0], ver[1]))
        ftype, flags, sid, payload = self._read_frame(deadline, first=True)
        if ftype == GOAWAY:
            try:
                ga = decode("GoAway", payload)
            except DecodeError as e:
                self._violate("malformed GOAWAY: %s" % e)
            self.goaways.append(ga)
            self.going_away = True
            raise HandshakeRejected(ga)
        try:
            self.server_hello = decode("Hello", payload)
        except DecodeError as e:
            self._violate("malformed HELLO: %s" % e)
        if "\x00" in self.server_hello["agent"]:
            self._violate("malformed HELLO: NUL byte in agent")
        self.sock.settimeout(self.timeout)

    def _violate(self, reason):
        """Section 13: GOAWAY(0, 13, reason) and close."""
        self.violation = reason
        try:
            self._send(encode_frame(GOAWAY, 0, encode("GoAway", last_stream_id=0, code=INTERNAL, reason=reason)))
        except OSError:
            pass
        self._close_socket()
        raise ProtocolViolation(reason)

    def _read_frame(self, deadline=None, first=False):
        """Read and check one frame header (section 13 order), then its payload.
        Returns (type, flags, sid, payload) or (type, flags, sid, None) if the
        payload was discarded unbuffered because it exceeds our limit."""
        h = self._recv_exact(HEADER_SIZE, deadline)
        length, ftype, flags, sid = HEADER.unpack(h)
        if not 1 <= ftype <= 8:
            self._violate("unknown frame type 0x%x" % ftype)
        name = FRAME_NAMES[ftype]
        if first and ftype not in (HELLO, GOAWAY):
            # a GOAWAY in place of HELLO is accepted (section 1.2, 12.6)
            self._violate("expected HELLO as first frame, got %s" % name)
        if not first and ftype == HELLO:
            self._violate("HELLO sent twice")
        if ftype in (REQUEST, CANCEL):
            self._violate("frame type %s not allowed in this direction" % name)
        if sid & RESERVED_BIT:
            self._violate("stream id %d has the reserved top bit set" % sid)
        if ftype in CONNECTION_FRAMES and sid != 0:
            self._violate("%s frame must use stream 0, got %d" % (name, sid))
        if ftype in CALL_FRAMES and sid == 0:
            self._violate("%s frame must not use stream 0" % name)
        if ftype in (PING, PONG) and length != 8:
            self._violate("invalid payload length %d for %s frame" % (length, name))
        if length > self.max_recv_frame:
            if ftype in (HELLO, GOAWAY):
                self._violate("%s frame of %d bytes exceeds limit %d" % (name, length, self.max_recv_frame))
            self._discard(length)   # MESSAGE/RESPONSE: never buffered
            return ftype, flags, sid, None
        payload = self._recv_exact(length, deadline) if length else b""
        return ftype, flags, sid, payload

    # -- reader thread -----------------------------------------------------
    def _reader(self):
        reason = "connection closed"
        try:
            while True:
                frame = self._read_frame()
                self.frames.append(frame)
                self._dispatch(*frame)
        except ProtocolViolation as e:
            reason = "protocol violation by the server: %s" % e
        except ConnectionClosed:
            reason = "connection closed by the server"
        except ConnectionResetError:
            reason = "connection reset by the server"
        except OSError as e:
            reason = "connection error: %s" % e
        finally:
            self._on_closed(reason)

    def _on_closed(self, reason):
        with self.lock:
            if self.close_reason is None:
                self.close_reason = reason
            calls = list(self.tracked.values())
            self.tracked.clear()
        self.closed.set()
        for call in calls:
            # outcome unknown: the reference client reports UNAVAILABLE "connection closed"
            call._finish(CallResult(UNAVAILABLE, "connection closed", local=True, not_processed=False))
        for ev in list(self.pong_waiters.values()):
            ev.set()
        self._close_socket()

    def _dispatch(self, ftype, flags, sid, payload):
        if ftype == PING:
            self.server_pings.append(payload)
            self._send(encode_frame(PONG, 0, payload))   # always, promptly (11.1)
        elif ftype == PONG:
            self.pongs.append(payload)
            ev = self.pong_waiters.get(payload)
            if ev:
                ev.set()
        elif ftype == GOAWAY:
            try:
                ga = decode("GoAway", payload)
            except DecodeError as e:
                self._violate("malformed GOAWAY: %s" % e)
            self._on_goaway(ga)
        elif ftype == RESPONSE:
            self._on_response(sid, payload)
        elif ftype == MESSAGE:
            self._on_message(sid, payload)

    def _on_goaway(self, ga):
        self.goaways.append(ga)
        self.going_away = True
        with self.lock:
            refused = [c for s, c in self.tracked.items() if s > ga["last_stream_id"]]
            for c in refused:
                del self.tracked[c.stream_id]
            remaining = len(self.tracked)
        for c in refused:
            c._finish(CallResult(UNAVAILABLE, "not processed: GOAWAY last_stream_id %d (%s)" % (
                ga["last_stream_id"], ga["reason"]), local=True, not_processed=True))
        if remaining == 0 and self.auto_close:
            self._close_socket()

    def _untrack(self, sid):
        with self.lock:
            call = self.tracked.pop(sid, None)
            empty = not self.tracked
        if empty and self.going_away and self.auto_close:
            self._close_socket()
        return call

    def _on_response(self, sid, payload):
        if payload is None:   # larger than our max_frame_size: discarded
            call = self._untrack(sid)
            if call:
                call._finish(CallResult(RESOURCE_EXHAUSTED, "response frame exceeds the client's max_frame_size", local=True))
            return
        if len(payload) < 4:
            self._violate("RESPONSE on stream %d: payload of %d bytes is too short for its head length" % (sid, len(payload)))
        head_len = struct.unpack(">I", payload[:4])[0]
        if head_len > len(payload) - 4:
            self._violate("RESPONSE on stream %d: head length %d exceeds the %d bytes that follow it" % (sid, head_len, len(payload) - 4))
        call = self._untrack(sid)
        if call is None:
            return  # untracked stream: ignored (section 5)
        rest = payload[4 + head_len:]
        try:
            head = decode("ResponseHead", payload[4:4 + head_len])
        except DecodeError as e:
            call._finish(CallResult(INTERNAL, "malformed response head: %s" % e, local=True,
                                    head_len=head_len, raw_payload=payload))
            return
        raw = head["code"]
        code = raw if raw <= 16 else UNKNOWN
        res = CallResult(code, head["message"], head["details"], head["metadata"], raw_code=raw,
                         head_len=head_len, raw_payload=payload, not_processed=(code == UNAVAILABLE))
        if code == OK and not call.streaming:
            res.body = rest
        else:
            res.trailing = rest
        call._finish(res)

    def _on_message(self, sid, payload):
        with self.lock:
            call = self.tracked.get(sid)
        if call is None:
            return  # untracked: ignored
        if payload is None:
            self._cancel(call, CallResult(RESOURCE_EXHAUSTED, "stream message exceeds the client's max_frame_size", local=True))
            return
        if not call.streaming:
            # Not covered by the spec; treat like an undecodable message.
            self._cancel(call, CallResult(INTERNAL, "unexpected MESSAGE on a unary call", local=True))
            return
        if call.response_type:
            try:
                decode(call.response_type, payload)
            except DecodeError as e:
                self._cancel(call, CallResult(INTERNAL, "malformed stream message: %s" % e, local=True))
                return
        call.messages.append(payload)
        call.events.put(("message", payload))

    # -- calls -------------------------------------------------------------
    def start_call(self, method=None, request=b"", method_id=0, timeout=None, timeout_us=None,
                   metadata=(), streaming=None, stream_id=None, local_deadline=True,
                   response_type=None, flags=0, raw_payload=None, check_limits=True):
        """Start a call and return its Call. `method` is a path; `method_id`
        (non-zero) selects by id. `timeout` (seconds) is sent as timeout_us and,
        if local_deadline, enforced locally too."""
        info = METHOD_BY_ID.get(method_id) if method_id else METHOD_BY_PATH.get(method)
        if streaming is None:
            streaming = bool(info and info[2])
        if response_type is None and info:
            response_type = info[4]
        if isinstance(request, dict):
            request = encode(info[3] if info else "EchoRequest", request)
        if timeout_us is None and timeout is not None:
            timeout_us = timeout_to_us(timeout)
        head = {"method": method, "method_id": method_id,
                "timeout_us": timeout_us or 0, "metadata": list(metadata)}
        payload = request_payload(head, request) if raw_payload is None else bytes(raw_payload)
        if not check_limits:
            pass
        elif len(request) > self.max_message_size:
            return self._local_fail(RESOURCE_EXHAUSTED, "request message of %d bytes exceeds the server's limit of %d" % (
                len(request), self.max_message_size))
        elif len(payload) > self.max_frame_size:
            return self._local_fail(RESOURCE_EXHAUSTED, "request frame of %d bytes exceeds the server's limit of %d" % (
                len(payload), self.max_frame_size))
        with self.lock:
            if self.closed.is_set():
                raise ConnectionClosed(self.close_reason or "closed")
            if self.going_away:
                raise ConnectionClosed("connection is going away (GOAWAY received); use a new connection")
            if stream_id is None:
                stream_id = self.next_id
            if stream_id <= self.highest_sent or stream_id > MAX_STREAM_ID:
                raise ValueError("stream id %d not usable (highest used %d)" % (stream_id, self.highest_sent))
            self.highest_sent = stream_id
            self.next_id = stream_id + 1
            call = Call(self, stream_id, streaming, response_type, timeout)
            self.tracked[stream_id] = call
        if timeout is not None and local_deadline:
            call.timer = threading.Timer(timeout, self._deadline, args=(call,))
            call.timer.daemon = True
            call.timer.start()
        self._send(encode_frame(REQUEST, stream_id, payload, flags))
        return call

    def _local_fail(self, code, message):
        call = Call(self, 0, False, None, None)
        call._finish(CallResult(code, message, local=True, not_processed=True))
        return call

    def _deadline(self, call):
        self._cancel(call, CallResult(DEADLINE_EXCEEDED, "deadline exceeded (client)", local=True))

    def _cancel(self, call, result):
        with self.lock:
            tracked = self.tracked.get(call.stream_id) is call
        if not tracked:
            return
        try:
            self._send(encode_frame(CANCEL, call.stream_id))
        except OSError:
            pass
        self._untrack(call.stream_id)
        call._finish(result)

    def unary(self, method=None, request=b"", wait=None, **kw):
        """Unary call; returns the CallResult (check .code / .body)."""
        call = self.start_call(method, request, streaming=False, **kw)
        return call.wait(wait or (self.timeout + (kw.get("timeout") or 0)))

    def stream(self, method=None, request=b"", **kw):
        """Server-streaming call; returns the Call (iterate call.next_event)."""
        return self.start_call(method, request, streaming=True, **kw)

    def ping(self, data=b"\0" * 8, timeout=None):
        """Send PING and wait for the PONG with the same 8 bytes. True if it came."""
        data = bytes(data)
        if len(data) != 8:
            raise ValueError("PING payload must be 8 bytes")
        ev = threading.Event()
        self.pong_waiters[data] = ev
        self._send(encode_frame(PING, 0, data))
        ev.wait(self.timeout if timeout is None else timeout)
        self.pong_waiters.pop(data, None)
        return data in self.pongs

    def goaway(self, code=OK, reason="client done"):
        """Section 12.5: announce that no more calls will be started."""
        self._send(encode_frame(GOAWAY, 0, encode("GoAway", last_stream_id=self.highest_sent, code=code, reason=reason)))
        self.going_away = True

    def wait_closed(self, timeout=5.0):
        return self.closed.wait(timeout)

    def _close_socket(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def close(self):
        self.closed.set()
        self._close_socket()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
