#!/usr/bin/python3
"""Stand-ins for VidGear NetGear peers, for picam interop tests.

VidGear cannot be installed here (no PyPI), so this script plays NetGear's two roles
with plain pyzmq, written from docs/netgear-protocol.md (VidGear v0.3.5):

  client        a NetGear receiver  (receive_mode=True; --mode multiclient (default),
                plain (no exclusive mode: patterns 0, 1, 2) or multiserver (--ports))
  server        a NetGear sender    (--mode multiclient with port=[...] (default), plain
                with one port, or Multi-Servers mode with --multiserver-port)
  bench-client  a lean receiver on the same sockets, for throughput/CPU measurements
  bench-server  a lean sender on the same sockets, pre-built payload, flat out

Contract with callers (Go tests): every run prints exactly ONE JSON line on stdout when
it ends; logs go to stderr; exit code 0 = success, 1 = failure, 2 = bad usage. Every
run is bounded by --max-seconds (default 60) plus a short grace period after which a
watchdog prints the JSON line and kills the process. Peers that bind print
"READY <role> <endpoint>" on stderr once they can accept connections.

See README.md next to this file for the full CLI and the JSON fields.
"""

from __future__ import annotations

import argparse
import ctypes
import io
import json
import logging
import math
import os
import random
import resource
import signal
import sys
import threading
import time

import numpy as np
import zmq

# NetGear's literal strings; Go code may match on them.
TERMINATE_CONFIRMATION = "Termination signal successfully received at Client's end!"
MSG_SERVER_OFFLINE = "Server seems to be offline, Abandoning!"
MSG_CLIENTS_OFFLINE = "Client(s) seems to be offline, Abandoning."
MSG_SESSION_EXPIRED = "Socket Session Expired. Exiting!"
MSG_CONNECTION_TIMEOUT = "Connection Timeout. Exiting!"
MSG_NO_RESPONSE_CLIENT = "No response from Client, Reconnecting again..."
MSG_NO_RESPONSE_SERVER = "No response from Server(s), Reconnecting again..."
MSG_RESTART_FAILED = "API failed to restart the Client-end!"

# NetGear ignores request_timeout values below 4 s (netgear.py L399-403).
NETGEAR_MIN_REQUEST_TIMEOUT = 4
# Longest single blocking wait, so signals and --max-seconds are honoured promptly.
POLL_SLICE = 0.1
# After --max-seconds the main loop gets this long to finish before the watchdog fires.
HARD_STOP_GRACE = 5.0
MAX_SEQS = 10000
MAX_MESSAGES = 20
# The small array a --return-array client sends back; its value is the frame count.
RETURN_ARRAY_SHAPE = (4, 4, 3)
# The reply a plain (neither multiclient nor bidirectional) pattern-0/1 receiver sends.
DEVICE_REPLY = "Data received on device: %s !"
# The terminate confirmation of a Multi-Servers receiver (netgear.py L1021-1023).
TERMINATE_CONFIRMATION_MULTISERVER = "Termination signal successfully received at client!"
MODES = ("multiclient", "plain", "multiserver")
TERMINATE_HEADER = b'{"terminate_flag": true}'
JPEG_COMPRESSION = {"dct": True, "ups": False, "colorspace": "BGR"}

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


# --------------------------------------------------------------------------- run control


class Interrupted(Exception):
    """The run must end now (signal or --max-seconds); args[0] is the exit reason."""


class Run:
    """One invocation: the deadline, the stop flag and the single JSON line.

    summarize is a callable returning the summary dict; the watchdog calls it too, so the
    JSON line is printed even if the main loop is stuck in a blocking call.
    """

    def __init__(self, role: str, max_seconds: float):
        self.role = role
        self.max_seconds = max_seconds
        self.start = time.monotonic()
        self.deadline = self.start + max_seconds
        self.stop_signal = None
        self.summarize = lambda: {"role": role}
        self.log = logging.getLogger(role)
        self._lock = threading.Lock()
        self._emitted = False

    def install(self) -> None:
        """Installs signal handlers and the hard-stop watchdog."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        t = threading.Thread(target=self._watchdog, name="watchdog", daemon=True)
        t.start()

    def _on_signal(self, signum, _frame):
        self.stop_signal = signal.Signals(signum).name
        self.log.warning("got %s, stopping", self.stop_signal)

    def _watchdog(self):
        time.sleep(self.max_seconds + HARD_STOP_GRACE)
        try:
            summary = dict(self.summarize())
        except Exception as e:  # the main thread may be mutating state; keep it minimal
            summary = {"role": self.role, "summary_error": repr(e)}
        summary["exit"] = "max-seconds"
        errs = list(summary.get("errors") or [])
        errs.append(
            "hard stop: still running %.0f s after --max-seconds=%g (stuck in a blocking call?)"
            % (HARD_STOP_GRACE, self.max_seconds)
        )
        summary["errors"] = errs
        self.log.error("hard stop after %.1f s", self.max_seconds + HARD_STOP_GRACE)
        self.emit(summary, EXIT_FAIL)
        os._exit(EXIT_FAIL)

    def emit(self, summary: dict, code: int) -> int:
        """Prints the JSON line once; later calls are ignored. Returns code."""
        with self._lock:
            if self._emitted:
                return code
            self._emitted = True
            sys.stdout.write(json.dumps(summary, default=_jsonable) + "\n")
            sys.stdout.flush()
        if code != EXIT_OK:
            why = summary.get("init_error") or "; ".join(str(e) for e in (summary.get("errors") or [])[-3:])
            counts = ", ".join(
                "%s=%s" % (k, summary[k]) for k in ("decode_errors", "missing_parts") if summary.get(k)
            )
            self.log.error(
                "FAILED (exit code %d): exit=%s%s%s", code, summary.get("exit"),
                (" " + counts) if counts else "", (": " + why) if why else "",
            )
        return code

    def interrupted(self):
        """Returns 'signal' or 'max-seconds' if the run must end, else None."""
        if self.stop_signal:
            return "signal"
        if time.monotonic() >= self.deadline:
            return "max-seconds"
        return None

    def check(self) -> None:
        """Raises Interrupted if the run must end."""
        reason = self.interrupted()
        if reason:
            raise Interrupted(reason)

    def poll(self, sock: zmq.Socket, seconds) -> bool:
        """Waits up to seconds (None = until the deadline) for sock to be readable.

        Returns False on timeout, signal or deadline; callers ask interrupted() which.
        """
        end = self.deadline if seconds is None else time.monotonic() + seconds
        while True:
            if self.stop_signal:
                return False
            left = min(end, self.deadline) - time.monotonic()
            if left <= 0:
                return False
            ms = max(1, math.ceil(min(left, POLL_SLICE) * 1000))
            if sock.poll(ms, zmq.POLLIN):
                return True

    def sleep_until(self, t: float) -> None:
        """Sleeps until monotonic time t, in slices; raises Interrupted."""
        while True:
            self.check()
            left = t - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, POLL_SLICE))


def _jsonable(o):
    """json.dumps fallback: numpy scalars/arrays and bytes become plain JSON."""
    if isinstance(o, np.ndarray):
        return describe_array(o)
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, (bytes, bytearray)):
        return o.decode("utf-8", "replace")
    return repr(o)


def describe_array(a: np.ndarray) -> dict:
    """A JSON-friendly description of an ndarray (its contents are not needed in tests)."""
    d = {"dtype": str(a.dtype), "shape": list(a.shape)}
    if a.size:
        d["min"] = a.min().item()
        d["max"] = a.max().item()
    return {"ndarray": d}


def tune_malloc(log) -> None:
    """Keeps glibc from returning frame-sized buffers to the kernel after every frame.

    With the default dynamic thresholds each ~1 MB frame buffer is trimmed from the heap
    and faulted in again; on this VM that made a PIL JPEG decode 13x slower (13 ms vs
    1 ms) and would make the stand-ins look far slower than NetGear. Best effort.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 16 << 20)
        libc.mallopt(m_trim_threshold, 256 << 20)
    except (OSError, AttributeError) as e:
        log.debug("mallopt unavailable: %s", e)


def cpu_seconds() -> float:
    """User+system CPU of this process, zmq I/O threads included."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def percentiles(values):
    """{"p50","p99","max","n"} in ms (nearest rank), or None without samples."""
    if not values:
        return None
    v = sorted(values)
    n = len(v)

    def rank(q):
        return round(v[min(n - 1, max(0, int(math.ceil(q * n)) - 1))], 3)

    return {"p50": rank(0.50), "p99": rank(0.99), "max": round(v[-1], 3), "n": n}


# --------------------------------------------------------------------------- options


def netgear_timeouts(a, log):
    """Applies NetGear's option rules to --request-timeout/--max-retries/--subscriber-timeout.

    NetGear silently keeps its defaults for out-of-range values (request_timeout < 4,
    max_retries < 0, subscriber_timeout <= 0); we do the same but say so on stderr.
    --allow-short-timeout accepts any positive request timeout, for fast failure tests.
    Returns (request_timeout_s, max_retries, subscriber_timeout_s or None).
    """
    rt = 4.0
    if getattr(a, "request_timeout", None) is not None:
        if a.request_timeout >= NETGEAR_MIN_REQUEST_TIMEOUT and float(a.request_timeout).is_integer():
            rt = float(a.request_timeout)
        elif getattr(a, "allow_short_timeout", False) and a.request_timeout > 0:
            rt = float(a.request_timeout)
        else:
            log.warning(
                "--request-timeout %g ignored like NetGear does (it needs an int >= 4); using 4 s. "
                "Pass --allow-short-timeout to use it anyway.",
                a.request_timeout,
            )
    retries = 3
    if getattr(a, "max_retries", None) is not None:
        if a.max_retries >= 0:
            retries = a.max_retries
        else:
            log.warning("--max-retries %d ignored like NetGear does (needs >= 0); using 3", a.max_retries)
    sub = None
    if getattr(a, "subscriber_timeout", None) is not None:
        if a.subscriber_timeout > 0:
            sub = float(a.subscriber_timeout)
        else:
            log.warning("--subscriber-timeout %g ignored like NetGear does (needs > 0)", a.subscriber_timeout)
    return rt, retries, sub


def netgear_config_error(pattern: int, bidirectional: bool, mode: str = "Multi-Client"):
    """NetGear's constructor ValueErrors for Multi-Clients (or Multi-Servers) mode, or None
    (netgear.py L163-307). mode None is NetGear without an exclusive mode, where pattern 0
    is valid.

    An invalid pattern becomes 0 first, so pattern 3 reports "`0` pattern".
    """
    if pattern not in (0, 1, 2):
        pattern = 0
    if pattern == 0 and mode is not None:
        return (
            "[NetGear:ERROR] :: `0` pattern is not valid when %s Mode is enabled. "
            "Kindly refer Docs for more Information." % mode
        )
    if bidirectional and pattern == 2:
        return (
            "[NetGear:ERROR] :: `2` pattern is not valid when Bidirectional Mode is enabled. "
            "Kindly refer Docs for more Information!"
        )
    return None


def parse_size(text: str):
    """'640x480' -> (640, 480)."""
    try:
        w, h = text.lower().split("x")
        w, h = int(w), int(h)
    except ValueError:
        raise argparse.ArgumentTypeError("size must look like 640x480, got %r" % text)
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError("size must be positive, got %r" % text)
    return w, h


def parse_ports(text: str):
    """'5577,5578' -> ['5577', '5578'] (strings, as NetGear users pass them)."""
    ports = [p.strip() for p in text.split(",") if p.strip()]
    if not ports or not all(p.isdigit() and 0 < int(p) < 65536 for p in ports):
        raise argparse.ArgumentTypeError("--ports must be a comma-separated list of ports, got %r" % text)
    return ports


# The mode names in NetGear's errors; None = no exclusive mode.
EXCLUSIVE_MODE_NAMES = {"multiclient": "Multi-Client", "multiserver": "Multi-Server", "plain": None}


def netgear_pattern(pattern: int, log) -> int:
    """NetGear silently turns an invalid pattern into 0 (netgear.py L163-172)."""
    if pattern in (0, 1, 2):
        return pattern
    log.warning("pattern %r is not 0, 1 or 2: NetGear silently uses 0 (PAIR)", pattern)
    return 0


def parse_port(text: str):
    """'5577' -> '5577'."""
    if not (text.isdigit() and 0 < int(text) < 65536):
        raise argparse.ArgumentTypeError("--port must be a TCP port number, got %r" % text)
    return text


# --------------------------------------------------------------------------- JPEG (PIL stand-in for simplejpeg)


def encode_jpeg_bgr(frame: np.ndarray, quality: int = 90) -> bytes:
    """Encodes a BGR uint8 frame like NetGear's simplejpeg call: q90, 4:2:2 (PIL stand-in)."""
    from PIL import Image  # imported on first use: it costs start-up time on a loaded box

    rgb = np.ascontiguousarray(frame[:, :, ::-1])
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="JPEG", quality=quality, subsampling=1)
    return buf.getvalue()


def decode_jpeg(data, colorspace: str) -> np.ndarray:
    """Decodes a JPEG into the header's colorspace layout, like simplejpeg.decode_jpeg.

    Like simplejpeg (libjpeg-turbo), only JPEG is accepted: PNG, GIF, BMP... that PIL would
    open raise ValueError. GRAY gives H×W (NetGear squeezes the channel axis); X channels
    are filled with 255.
    """
    from PIL import Image

    raw = bytes(data)
    if raw[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG (no SOI marker, starts %r): simplejpeg decodes only JPEG" % raw[:4])
    img = Image.open(io.BytesIO(raw), formats=["JPEG"])
    img.load()
    cs = (colorspace or "BGR").upper()
    if cs in ("BGR", "RGB"):  # fast path: views, no copies (1.5 ms vs 10 ms at 640x480)
        rgb = np.asarray(img if img.mode == "RGB" else img.convert("RGB"))
        return rgb[:, :, ::-1] if cs == "BGR" else rgb
    if cs == "GRAY":
        return np.asarray(img.convert("L"))
    if cs == "CMYK":
        return np.asarray(img.convert("CMYK"))
    if len(cs) not in (3, 4) or any(c not in "RGBAX" for c in cs):
        raise ValueError("unsupported JPEG colorspace %r" % colorspace)
    rgba = np.asarray(img.convert("RGBA"))
    return np.ascontiguousarray(rgba[:, :, ["RGBA".index("A" if c == "X" else c) for c in cs]])


def pad_jpeg(jpeg: bytes, size: int) -> bytes:
    """Pads a JPEG to exactly size bytes with COM segments right after SOI (still a valid JPEG)."""
    need = size - len(jpeg)
    if need <= 0:
        return jpeg
    segments = []
    while need > 0:
        if need < 4:  # a COM segment is at least 4 bytes; overshoot by a few bytes instead
            need = 4
        body = min(need - 4, 65533)
        segments.append(b"\xff\xfe" + (body + 2).to_bytes(2, "big") + b"\x00" * body)
        need -= body + 4
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


class FrameSource:
    """Synthetic BGR uint8 H×W×3 frames: a gradient shifted by the frame index plus a moving bar."""

    def __init__(self, width: int, height: int):
        x = np.arange(width, dtype=np.uint32)[None, :]
        y = np.arange(height, dtype=np.uint32)[:, None]
        base = np.empty((height, width, 3), np.uint8)
        base[:, :, 0] = (x * 255 // max(width - 1, 1)).astype(np.uint8)
        base[:, :, 1] = (y * 255 // max(height - 1, 1)).astype(np.uint8)
        base[:, :, 2] = ((x + y) // 4 % 256).astype(np.uint8)
        self.base = base
        self.width = width

    def frame(self, i: int) -> np.ndarray:
        f = self.base + np.uint8(i % 256)
        bar = (i * 8) % self.width
        f[:, bar : bar + 8, :] = 255
        return f


# Colour patches for `server --layout`: top-left red, top-right green, bottom-left blue,
# bottom-right mid grey, as (R, G, B); grey layouts use the PATCH_GREYS levels instead.
PATCH_RGB = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128))
PATCH_GREYS = (40, 100, 160, 220)
LAYOUTS = ("bgr", "rgb", "bgra", "rgba", "gray", "gray3d", "bgr16", "gray16", "float32")


def layout_frame(layout: str, width: int, height: int) -> np.ndarray:
    """A frame of four colour patches in one of the array layouts NetGear sends raw."""
    grey = layout.startswith("gray")
    channels = 1 if grey else 3
    rgb = np.zeros((height, width, channels), np.uint8)
    h2, w2 = height // 2, width // 2
    quads = ((slice(0, h2), slice(0, w2)), (slice(0, h2), slice(w2, None)),
             (slice(h2, None), slice(0, w2)), (slice(h2, None), slice(w2, None)))
    for i, (ys, xs) in enumerate(quads):
        rgb[ys, xs] = PATCH_GREYS[i] if grey else PATCH_RGB[i]
    if layout in ("gray", "gray16"):
        rgb = rgb[:, :, 0]
    elif not grey and layout not in ("rgb", "rgba"):
        rgb = rgb[:, :, ::-1]  # BGR, as OpenCV holds it
    if layout in ("bgra", "rgba"):
        # alpha 0: a receiver must drop it, not blend with it
        rgb = np.concatenate([rgb, np.zeros((height, width, 1), np.uint8)], axis=2)
    if layout.endswith("16"):
        return np.ascontiguousarray(rgb).astype(np.uint16) * 257  # v -> v*257: the high byte is v
    if layout == "float32":
        return np.ascontiguousarray(rgb).astype(np.float32) / 255
    return np.ascontiguousarray(rgb)


# --------------------------------------------------------------------------- client


class ClientStats:
    """What a client saw; summary() is the JSON line."""

    def __init__(self, port: str, pattern: int):
        self.port = port
        self.pattern = pattern
        self.frames = 0
        self.seqs = []
        self.seq_set = set()
        self.shapes = []
        self.codecs = []
        self.messages = []
        self._message_keys = set()
        self.decode_errors = 0
        self.missing_parts = 0
        self.undecoded = 0
        self.codec_mismatches = 0
        self.replies = 0
        self.terminated = False
        self.exit = None
        self.errors = []
        self.latencies = []
        self.first = None
        self.last = None
        self.init_error = None
        self.mode = "multiclient"
        # Multi-Servers mode: frames per header "port", and the ports whose terminate came.
        self.by_port = {}
        self.terminated_ports = []

    def add_distinct(self, lst, value):
        if value not in lst:
            lst.append(value)

    def add_message(self, msg):
        key = json.dumps(msg, sort_keys=True, default=repr)
        if key not in self._message_keys and len(self.messages) < MAX_MESSAGES:
            self._message_keys.add(key)
            self.messages.append(msg)

    def fps(self):
        if self.frames >= 2 and self.last > self.first:
            return round((self.frames - 1) / (self.last - self.first), 2)
        return None

    def summary(self):
        s = {
            "role": "client",
            "port": int(self.port),
            "pattern": self.pattern,
            "frames": self.frames,
            "seqs": self.seqs[:MAX_SEQS],
            "unique_seqs": len(self.seq_set),
            "shapes": self.shapes,
            "codecs": self.codecs,
            "messages": self.messages,
            "decode_errors": self.decode_errors,
            "missing_parts": self.missing_parts,
            "undecoded": self.undecoded,
            "codec_mismatches": self.codec_mismatches,
            "replies": self.replies,
            "terminated": self.terminated,
            "exit": self.exit,
            "latency_ms": percentiles(self.latencies),
            "fps": self.fps(),
            "errors": self.errors,
            "mode": self.mode,
        }
        if self.mode == "multiserver":
            s["by_port"] = self.by_port
            s["terminated_ports"] = self.terminated_ports
        if self.init_error:
            s["init_error"] = self.init_error
        return s

    def exit_code(self):
        if self.init_error or self.errors or self.decode_errors or self.missing_parts:
            return EXIT_FAIL
        if self.exit not in ("terminate", "timeout", "frames", "max-seconds"):
            return EXIT_FAIL
        return EXIT_OK


# --------------------------------------------------------------------------- secure mode

SECURE_MODES = {"0": 0, "grasslands": 0, "1": 1, "stonehouse": 1, "2": 2, "ironhouse": 2}


def parse_secure_mode(text: str) -> int:
    """NetGear's secure_mode: 0/1/2 or the model names (argparse type)."""
    v = SECURE_MODES.get(text.strip().lower())
    if v is None:
        raise argparse.ArgumentTypeError("expected 0, 1, 2 (grasslands, stonehouse, ironhouse), got %r" % text)
    return v


class Secure:
    """NetGear's secure_mode (netgear.py L310-315, L511-576, L617-662, L818-843; helper.py
    generate_keys/validate_auth_keys), written from docs/curve.md section 4:

    * key tree <cert-dir or ~>/.vidgear/keys/{public_keys,private_keys}, made with
      zmq.auth.create_certificates when the two directories do not hold exactly server.* and
      client.* (a receiver with missing keys makes its own, mismatching set, as NetGear does);
    * a ThreadAuthenticator on the socket's context, allow(str(address)) with the raw
      --address argument, configure_curve with the public_keys dir (IronHouse) or
      CURVE_ALLOW_ANY (StoneHouse);
    * receiver = CURVE server (server.key_secret), sender = CURVE client (client.key_secret +
      public_keys/server.key). Sockets recreated by a reconnect get no keys (NetGear's bug).
    """

    def __init__(self, mode: int, cert_dir, address: str, log):
        self.mode = mode
        self.address = address
        self.log = log
        base = os.path.expanduser(cert_dir) if cert_dir else os.path.expanduser("~")
        base = os.path.abspath(base)
        if os.path.basename(base) != ".vidgear":
            base = os.path.join(base, ".vidgear")
        self.keys_dir = os.path.join(base, "keys")
        self.public_dir = os.path.join(self.keys_dir, "public_keys")
        self.private_dir = os.path.join(self.keys_dir, "private_keys")
        self.auth = None

    def _valid(self) -> bool:
        def names(d, ext):
            if not os.path.isdir(d):
                return None
            return sorted(os.path.splitext(f)[0] for f in os.listdir(d) if f.endswith(ext))
        return names(self.public_dir, ".key") == ["client", "server"] and names(self.private_dir, ".key_secret") == ["client", "server"]

    def ensure_keys(self):
        import shutil
        import zmq.auth
        if self._valid():
            return
        self.log.warning("no valid key tree in %s: generating a NEW set with zmq.auth.create_certificates (as NetGear does)", self.keys_dir)
        os.makedirs(self.keys_dir, exist_ok=True)
        for d in (self.public_dir, self.private_dir):
            if os.path.exists(d):
                shutil.rmtree(d)
            os.mkdir(d)
        for name in ("server", "client"):
            pub, sec = zmq.auth.create_certificates(self.keys_dir, name)
            shutil.move(pub, os.path.join(self.public_dir, os.path.basename(pub)))
            shutil.move(sec, os.path.join(self.private_dir, os.path.basename(sec)))

    def start_auth(self, ctx):
        from zmq.auth.thread import ThreadAuthenticator
        import zmq.auth
        self.auth = ThreadAuthenticator(ctx)
        self.auth.start()
        self.auth.allow(str(self.address))
        if self.mode == 2:
            self.auth.configure_curve(domain="*", location=self.public_dir)
        else:
            self.auth.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)

    def stop(self):
        if self.auth is not None:
            self.auth.stop()
            self.auth = None

    def as_server(self, sock):
        import zmq.auth
        pub, sec = zmq.auth.load_certificate(os.path.join(self.private_dir, "server.key_secret"))
        sock.curve_secretkey = sec
        sock.curve_publickey = pub
        sock.curve_server = True

    def as_client(self, sock):
        import zmq.auth
        pub, sec = zmq.auth.load_certificate(os.path.join(self.private_dir, "client.key_secret"))
        sock.curve_secretkey = sec
        sock.curve_publickey = pub
        server_pub, _ = zmq.auth.load_certificate(os.path.join(self.public_dir, "server.key"))
        sock.curve_serverkey = server_pub


def open_secure(a, ctx, log):
    """Secure from --secure-mode/--cert-dir, keys made and authenticator started; None in mode 0."""
    if not getattr(a, "secure_mode", 0):
        return None
    sec = Secure(a.secure_mode, a.cert_dir, a.address, log)
    sec.ensure_keys()
    sec.start_auth(ctx)
    log.info("secure mode %d: keys %s", a.secure_mode, sec.keys_dir)
    return sec


def stop_secure(sec):
    if sec is not None:
        sec.stop()


# --------------------------------------------------------------------------- client


class ProtocolError(Exception):
    """The peer broke the NetGear wire protocol; NetGear itself would crash or hang here."""


SOCKET_TYPES = {0: zmq.PAIR, 1: zmq.REP, 2: zmq.SUB}


def new_client_socket(ctx, pattern: int, endpoints, sub_timeout, secure=None):
    """Binds the receiver socket exactly as NetGear does (netgear.py L617-662): PAIR, REP or
    SUB; one socket bound to every endpoint (several only in Multi-Servers mode)."""
    sock = ctx.socket(SOCKET_TYPES[pattern])
    try:
        if secure is not None:
            secure.as_server(sock)
        if pattern == 2:
            sock.set_hwm(1)
            sock.setsockopt_string(zmq.SUBSCRIBE, "")
            if sub_timeout:
                sock.setsockopt(zmq.RCVTIMEO, int(sub_timeout * 1000))
                sock.setsockopt(zmq.LINGER, 0)
        for endpoint in endpoints:
            sock.bind(endpoint)
    except zmq.ZMQError:
        sock.close(linger=0)
        raise
    return sock


def drain_parts(sock) -> int:
    """Reads and discards the rest of a multipart message; returns how many parts."""
    n = 0
    while sock.getsockopt(zmq.RCVMORE):
        sock.recv()
        n += 1
    return n


class NetGearClient:
    """The receive loop of a NetGear receiver (netgear.py __recv_handler), in Multi-Clients
    mode (--mode multiclient), without an exclusive mode (plain) or in Multi-Servers mode.

    Header keys are indexed as NetGear indexes them: a key NetGear reads that is missing is
    a protocol error here, where NetGear's receive thread dies with KeyError and recv()
    blocks for ever."""

    def __init__(self, a, run: Run, st: ClientStats):
        self.a = a
        self.run = run
        self.st = st
        self.log = run.log
        self.mode = a.mode
        self.ports = a.ports if a.mode == "multiserver" else [a.port]
        self.endpoints = ["tcp://%s:%s" % (a.address, p) for p in self.ports]
        self.endpoint = ",".join(self.endpoints)
        # Multi-Servers mode: the "port" values of servers that sent a frame and not yet
        # their terminate (NetGear's __port_buffer).
        self.port_buffer = []
        self.device_id = "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(8))
        self.rt, self.retries, self.sub_timeout = netgear_timeouts(a, self.log)
        self.ctx = zmq.Context()
        self.secure = None
        self.sock = None
        self._warned_return = False
        self._warned_h264 = False

    def open(self):
        self.secure = open_secure(self.a, self.ctx, self.log)
        self.sock = new_client_socket(self.ctx, self.a.pattern, self.endpoints, self.sub_timeout, self.secure)

    def close(self):
        if self.sock is not None:
            self.sock.close(linger=0)
            self.sock = None
        stop_secure(self.secure)
        self.ctx.term()

    def return_data(self):
        """The reply data: TEXT with {n} = frames fully received before this one.

        NetGear attaches whatever the app stored on its previous recv() call, so the
        reply to a frame carries data from one frame earlier; n mimics that lag.
        """
        if self.a.return_text is not None:
            return self.a.return_text.replace("{n}", str(self.st.frames))
        return None

    def reply(self):
        """Patterns 0 and 1: the reply, sent before the frame is decoded (NetGear L1062-1160).

        Multi-Clients or bidirectional: JSON {["port",] "return_type", "data"} ("port" only
        in Multi-Clients mode), or for an ndarray a 2-part reply: raw (--return-array) or, as
        NetGear does by default with simplejpeg installed, a JPEG with the client's JPEG
        settings and array_dtype/array_shape "" (--return-array-jpeg). Otherwise NetGear's
        plain "Data received on device" string."""
        if not (self.a.bidirectional or self.mode == "multiclient"):
            self.sock.send_string(DEVICE_REPLY % self.device_id)
            self.st.replies += 1
            return
        head = {"port": self.a.port} if self.mode == "multiclient" else {}
        if self.a.return_array or self.a.return_array_jpeg:
            arr = np.full(RETURN_ARRAY_SHAPE, self.st.frames % 256, dtype=np.uint8)
            head["return_type"] = "ndarray"
            if self.a.return_array_jpeg:
                head.update(compression=JPEG_COMPRESSION, array_dtype="", array_shape="", data=None)
                body = encode_jpeg_bgr(arr)
            else:
                head.update(compression=False, array_dtype=str(arr.dtype), array_shape=list(arr.shape), data=None)
                body = arr
            self.sock.send_json(head, zmq.SNDMORE)
            self.sock.send(body)
        else:
            data = self.return_data()
            head.update(return_type=type(data).__name__, data=data)
            self.sock.send_json(head)
        self.st.replies += 1

    def run_loop(self):
        """Receives until terminate, timeout, --frames, a protocol error or the deadline."""
        sync = self.a.pattern < 2  # patterns 0 and 1 answer every frame
        while True:
            waited = self.wait_request() if sync else self.wait_publish()
            if not waited:
                return
            try:
                if self.handle_message(sync):
                    return
            except KeyError as e:
                self.protocol_error(
                    "header lacks %s, which NetGear indexes: its receive thread would die with KeyError "
                    "and recv() block for ever" % e
                )
                return

    def wait_request(self) -> bool:
        """Patterns 0/1: poll 3×request_timeout; on timeout re-bind like NetGear (L966-1002)."""
        while True:
            if self.run.poll(self.sock, 3 * self.rt):
                return True
            reason = self.run.interrupted()
            if reason:
                self.st.exit = reason
                return False
            self.log.critical("%s (nothing for %g s)", MSG_NO_RESPONSE_SERVER, 3 * self.rt)
            self.sock.close(linger=0)
            self.sock = None
            self.retries -= 1  # never reset; 0 given on the CLI means "retry forever", as in NetGear
            if self.retries == 0:
                self.log.error(MSG_SERVER_OFFLINE)
                self.st.exit = "timeout"
                return False
            try:
                # No keys: NetGear's reconnect recreates the socket without CURVE (netgear.py
                # L988-995), so a secure session is plaintext-only after this and fails.
                self.sock = new_client_socket(self.ctx, self.a.pattern, self.endpoints, None)
            except zmq.ZMQError as e:
                text = "%s re-bind of %s failed: %s" % (MSG_RESTART_FAILED, self.endpoint, e)
                self.st.errors.append(text)
                self.log.error(text)
                self.st.exit = "error"
                return False

    def wait_publish(self) -> bool:
        """Pattern 2: wait for the next message, at most --subscriber-timeout (RCVTIMEO)."""
        if self.run.poll(self.sock, self.sub_timeout):
            return True
        reason = self.run.interrupted()
        if reason:
            self.st.exit = reason
            return False
        self.log.critical("%s (nothing for %g s)", MSG_CONNECTION_TIMEOUT, self.sub_timeout)
        self.st.exit = "timeout"
        return False

    def handle_message(self, sync: bool) -> bool:
        """Reads one message; returns True when the client must stop. Raises KeyError where
        NetGear's receive thread would."""
        st = self.st
        p1 = self.a.pattern == 1
        try:
            hdr = self.sock.recv_json(flags=zmq.DONTWAIT)
        except ValueError as e:  # JSON or UTF-8 error: NetGear's receive thread would die here
            return self.protocol_error("header is not JSON (%s); NetGear's receive thread would crash" % e)
        if not isinstance(hdr, dict):
            return self.protocol_error("header %.120r is not a JSON object; NetGear would crash indexing it" % (hdr,))
        if hdr["terminate_flag"]:
            extra = drain_parts(self.sock)
            if extra:
                st.errors.append(
                    "terminate came with %d extra part(s); NetGear expects it single-part%s"
                    % (extra, " and could not send its confirmation (EFSM)" if p1 else "")
                )
            if self.mode == "multiserver":
                # NetGear ends when every server that sent a frame has sent its terminate; a
                # terminate from a port never seen is not even confirmed (L1016-1035).
                port = hdr["port"]
                if port in self.port_buffer:
                    if p1 and not extra:
                        self.sock.send_string(TERMINATE_CONFIRMATION_MULTISERVER)
                    self.port_buffer.remove(port)
                    self.log.info("Termination signal received from Server at port: %s!", port)
                st.terminated_ports.append(port)
                if self.port_buffer:
                    return False
            elif p1 and not extra:
                self.sock.send_string(TERMINATE_CONFIRMATION)
            st.terminated = True
            st.exit = "terminate"
            self.log.info("Termination signal received from server!")
            return True
        try:
            payload = self.sock.recv(flags=zmq.DONTWAIT, copy=False)
        except zmq.ZMQError:
            st.missing_parts += 1
            st.exit = "session-expired"
            self.log.critical("%s (header without a payload part: %.120r)", MSG_SESSION_EXPIRED, hdr)
            return True
        extra = drain_parts(self.sock)
        if extra:
            st.errors.append("frame message had %d part(s) beyond [header, payload]" % extra)
            if p1:
                st.errors.append("NetGear's REP could not reply to a message with unread parts (EFSM)")
                st.exit = "error"
                return True
        if sync:
            self.reply()
        elif (self.a.return_text is not None or self.a.return_array or self.a.return_array_jpeg) and not self._warned_return:
            self._warned_return = True
            self.log.warning("`return_data` is disabled for this pattern!")
        return self.record_frame(hdr, payload)

    def protocol_error(self, text: str) -> bool:
        self.st.errors.append(text)
        self.st.exit = "error"
        self.log.error("protocol error: %s", text)
        return True

    def record_frame(self, hdr: dict, payload) -> bool:
        st = self.st
        compression = hdr["compression"]  # NetGear indexes every key below; KeyError = crash
        if compression:
            jpeg_args = (compression["colorspace"], compression["dct"], compression["ups"])
        else:
            raw_args = (hdr["dtype"], hdr["shape"])
        port = hdr["port"] if self.mode == "multiserver" else None
        message = hdr["message"] if (self.mode == "multiserver" or self.a.bidirectional) else hdr.get("message")
        if port is not None:
            if port not in self.port_buffer:
                self.port_buffer.append(port)
            key = str(port)
            st.by_port[key] = st.by_port.get(key, 0) + 1
        now = time.monotonic()
        if st.first is None:
            st.first = now
        st.last = now
        st.frames += 1
        compressed = bool(compression)
        picam = hdr.get("picam") if isinstance(hdr.get("picam"), dict) else None
        codec = picam.get("codec") if picam else None
        if codec is None:
            codec = "jpeg" if compressed else "raw"
        elif codec in ("jpeg", "raw") and (codec == "jpeg") != compressed:
            st.codec_mismatches += 1
            st.errors.append("picam.codec %r but compression=%r" % (codec, hdr["compression"]))
        st.add_distinct(st.codecs, codec)
        if message is not None:
            st.add_message(message)
        frame = None
        if codec == "h264":
            st.undecoded += 1
            if not self._warned_h264:
                self._warned_h264 = True
                self.log.warning("h264 payloads are not decoded (a NetGear client cannot decode them either)")
        else:
            try:
                if compressed:
                    frame = decode_jpeg(payload.buffer, jpeg_args[0])
                else:
                    frame = np.frombuffer(payload.buffer, dtype=raw_args[0]).reshape(raw_args[1])
            except Exception as e:
                st.decode_errors += 1
                self.log.error(
                    "decode error on frame %d (%d bytes, dtype=%r shape=%r compression=%r): %s",
                    st.frames, len(payload), hdr.get("dtype"), hdr.get("shape"), compression, e,
                )
        if frame is not None:
            st.add_distinct(st.shapes, list(frame.shape))
        if picam:
            seq = picam.get("seq")
            if isinstance(seq, int):
                if len(st.seqs) < MAX_SEQS:
                    st.seqs.append(seq)
                st.seq_set.add(seq)
            ts = picam.get("ts")
            if isinstance(ts, (int, float)):
                st.latencies.append((time.time() * 1e6 - ts) / 1000.0)
        if self.a.frames and st.frames >= self.a.frames:
            st.exit = "frames"
            return True
        return False


def cmd_client(a, run: Run) -> int:
    st = ClientStats(a.port if a.mode != "multiserver" else a.ports[0], a.pattern)
    st.mode = a.mode
    run.summarize = st.summary
    err = netgear_config_error(a.pattern, a.bidirectional, EXCLUSIVE_MODE_NAMES[a.mode])
    if not err and a.mode == "plain":
        a.pattern = st.pattern = netgear_pattern(a.pattern, run.log)
    if err:
        st.init_error = err
        st.exit = "error"
        run.log.error(err)
        return run.emit(st.summary(), EXIT_FAIL)
    c = NetGearClient(a, run, st)
    try:
        c.open()
    except zmq.ZMQError as e:
        what = "activate %s Mode at" % EXCLUSIVE_MODE_NAMES[a.mode] if a.mode != "plain" else "bind"
        st.init_error = (
            "[NetGear:ERROR] :: Receive Mode failed to %s address: %s with pattern: %d! "
            "(%s) -- the client binds, so --address must be an IP of this host (or *) and the port free"
            % (what, c.endpoint, a.pattern, e)
        )
        st.exit = "error"
        run.log.error(st.init_error)
        c.close()
        return run.emit(st.summary(), EXIT_FAIL)
    # Warm the JPEG codec up before READY (NetGear imports simplejpeg at start-up too): PIL's
    # lazy plugin import would otherwise stall the first JPEG frame or reply by ~0.5 s on a
    # loaded machine, and a picam sender replaces the frames that come meanwhile.
    decode_jpeg(encode_jpeg_bgr(np.zeros(RETURN_ARRAY_SHAPE, np.uint8)), "BGR")
    print("READY client %s" % c.endpoint, file=sys.stderr, flush=True)
    try:
        c.run_loop()
    except Exception as e:
        st.errors.append("unexpected %s: %s" % (type(e).__name__, e))
        st.exit = "error"
        run.log.exception("client failed")
    finally:
        c.close()
    if st.exit == "max-seconds":
        run.log.warning("stopped by --max-seconds=%g", a.max_seconds)
    return run.emit(st.summary(), st.exit_code())


# --------------------------------------------------------------------------- server


class Offline(Exception):
    """max_retries reached zero: NetGear raises RuntimeError(MSG_CLIENTS_OFFLINE)."""


class ServerStats:
    """What a server did; summary() is the JSON line."""

    def __init__(self, role: str, pattern: int, ports):
        self.role = role
        self.pattern = pattern
        self.ports = ports
        self.sent = 0
        self.payload_bytes = 0
        self.replies = {}
        self.last_data = {}
        self.errors = []
        self.timeouts = 0
        self.exit = None
        self.terminate_sent = 0
        self.terminate_reply = None
        self.init_error = None
        self.t0 = None
        self.t1 = None
        self.cpu0 = None
        self.cpu1 = None
        self.fatal = False

    def seconds(self):
        if self.t0 is None:
            return 0.0
        return (self.t1 or time.monotonic()) - self.t0

    def summary(self):
        secs = self.seconds()
        s = {
            "role": self.role,
            "pattern": self.pattern,
            "ports": [int(p) for p in self.ports],
            "sent": self.sent,
            "replies": self.replies,
            "last_data": self.last_data,
            "fps": round(self.sent / secs, 2) if secs > 0 else None,
            "seconds": round(secs, 3),
            "cpu_seconds": round((self.cpu1 or cpu_seconds()) - self.cpu0, 3) if self.cpu0 is not None else None,
            "bytes_per_frame": (self.payload_bytes // self.sent) if self.sent else None,
            "timeouts": self.timeouts,
            "terminate_sent": self.terminate_sent,
            "terminate_reply": self.terminate_reply,
            "errors": self.errors,
            "exit": self.exit,
        }
        if self.role == "bench-server":
            s["frames"] = self.sent
        if self.init_error:
            s["init_error"] = self.init_error
        return s

    def exit_code(self):
        if self.init_error or self.fatal:
            return EXIT_FAIL
        return EXIT_OK if self.exit in ("frames", "seconds") else EXIT_FAIL


class NetGearSender:
    """One PAIR (pattern 0), REQ (pattern 1) or PUB (pattern 2) socket connected to every
    client port, with NetGear's Lazy Pirate reply handling and close() (netgear.py L800-860,
    L1338-1585). mode is "multiclient", "plain" (one client, no exclusive mode) or
    "multiserver"."""

    def __init__(self, ctx, pattern, endpoints, rt, retries, run: Run, st: ServerStats, quiet=False, multiserver_port=None,
                 mode="multiclient", bidirectional=False):
        self.ctx = ctx
        self.mode = "multiserver" if multiserver_port is not None else mode
        self.bidirectional = bidirectional
        # Multi-Servers mode: this sender's own port, put in every header and in the terminate
        # (netgear.py L1308, L1558-1564); None in Multi-Clients mode.
        self.multiserver_port = multiserver_port
        self.pattern = pattern
        self.endpoints = endpoints
        self.rt = rt
        self.retries = retries
        self.run = run
        self.st = st
        self.quiet = quiet
        self.log = run.log
        self.port_buffer = []
        self.sock = None
        # Secure from open_secure(), set by the caller before open(); None in plaintext.
        self.secure = None

    def open(self):
        self.sock = self._new_socket(first=True)

    def _new_socket(self, first: bool):
        # NetGear sets REQ_RELAXED/REQ_CORRELATE (and HWM) only on the first socket;
        # the one it recreates after a timeout is a plain REQ (L1371-1390).
        sock = self.ctx.socket({0: zmq.PAIR, 1: zmq.REQ, 2: zmq.PUB}[self.pattern])
        try:
            if self.pattern == 1 and first:
                sock.setsockopt(zmq.REQ_RELAXED, 1)
                sock.setsockopt(zmq.REQ_CORRELATE, 1)
            if self.pattern == 2:
                sock.set_hwm(1)
            # Keys only on the first socket: NetGear's reconnect forgets them (L1371-1390).
            if self.secure is not None and first:
                self.secure.as_client(sock)
            for ep in self.endpoints:
                sock.connect(ep)
        except zmq.ZMQError:
            sock.close(linger=0)
            raise
        return sock

    def send(self, header: bytes, payload):
        """Sends one 2-part frame; in patterns 0 and 1 waits for the reply. Returns (port,
        data) or None.

        Raises Offline, ProtocolError or Interrupted.
        """
        if self.pattern == 2:
            self.sock.send(header, zmq.SNDMORE)
            self.sock.send(payload, copy=False)
            self.st.sent += 1
            return None
        # Not NetGear: a REQ or PAIR whose only peer failed the handshake (a CURVE key on one
        # side only is a ZMTP protocol error) has no pipe left, and libzmq's send then blocks
        # forever; NetGear hangs there. We wait request_timeout for the send, then count it
        # as an unanswered frame, so a test of refused peers ends the way its poll would.
        self.sock.setsockopt(zmq.SNDTIMEO, max(1, int(self.rt * 1000)))
        try:
            self.sock.send(header, zmq.SNDMORE)
        except zmq.Again:
            self.st.errors.append("send blocked for %g s: no peer completed the handshake (NetGear blocks here for ever)" % self.rt)
            self.run.check()
            return self._reconnect()
        self.sock.send(payload, copy=False)
        self.st.sent += 1
        return self._await_reply()

    def _await_reply(self):
        if not self.run.poll(self.sock, self.rt):
            self.run.check()
            return self._reconnect()
        raw = self.sock.recv()
        if self.mode != "multiclient":
            return self._single_reply(raw)
        try:
            rj = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise ProtocolError(
                "reply %.120r is not JSON; a NetGear multiclient server crashes here in recv_json "
                "(multiclient clients must reply {\"port\",\"return_type\",\"data\"})" % raw
            )
        if not isinstance(rj, dict) or "port" not in rj or "return_type" not in rj:
            raise ProtocolError(
                "reply %.120r lacks port/return_type; a NetGear multiclient server crashes here with KeyError" % raw
            )
        port = rj["port"]
        if isinstance(port, (list, dict)):
            raise ProtocolError("reply port %r is not hashable; NetGear would crash" % (port,))
        if port not in self.port_buffer:
            self.port_buffer.append(port)
        if rj["return_type"] == "ndarray":
            try:
                data = self._array_reply(rj)
            except KeyError as e:
                raise ProtocolError("ndarray reply %.120r lacks %s; NetGear would crash with KeyError" % (rj, e))
        else:
            if "data" not in rj:
                raise ProtocolError("reply %.120r lacks data; NetGear would crash with KeyError" % raw)
            data = rj["data"]
        extra = drain_parts(self.sock)
        if extra:
            self.st.errors.append("reply from port %s had %d unexpected extra part(s)" % (port, extra))
        key = str(port)
        self.st.replies[key] = self.st.replies.get(key, 0) + 1
        self.st.last_data[key] = describe_array(data) if isinstance(data, np.ndarray) else data
        if not self.quiet:
            shown = describe_array(data) if isinstance(data, np.ndarray) else data
            self.log.info("Client at port %s said: %s", port, shown)
        return port, data

    def _single_reply(self, raw: bytes):
        """The reply of the one receiver of a plain or Multi-Servers sender. Without
        bidirectional mode NetGear only recv()s and logs it (any bytes: the receiver sends
        its "Data received on device" string); in bidirectional mode it is JSON indexed as
        NetGear does: ["return_type"], then ["data"], or for an ndarray the second part
        decoded with ["compression"], ["array_dtype"], ["array_shape"] (netgear.py L1395-1446)."""
        key = str(self.multiserver_port if self.multiserver_port is not None else self.st.ports[0])
        if not self.bidirectional:
            data = raw.decode("utf-8", "replace")
            extra = drain_parts(self.sock)
            if extra:
                self.st.errors.append("reply had %d unexpected extra part(s)" % extra)
        else:
            try:
                rj = json.loads(raw.decode("utf-8"))
            except ValueError:
                raise ProtocolError("reply %.120r is not JSON; a bidirectional NetGear server crashes here in recv_json" % raw)
            try:
                if rj["return_type"] == "ndarray":
                    data = self._array_reply(rj)
                else:
                    data = rj["data"]
            except (KeyError, TypeError) as e:
                raise ProtocolError("reply %.120r lacks %s; a bidirectional NetGear server crashes here" % (raw, e))
            extra = drain_parts(self.sock)
            if extra:
                self.st.errors.append("reply had %d unexpected extra part(s)" % extra)
        self.st.replies[key] = self.st.replies.get(key, 0) + 1
        self.st.last_data[key] = describe_array(data) if isinstance(data, np.ndarray) else data
        if not self.quiet:
            self.log.info("Client said: %s", self.st.last_data[key])
        return key, data

    def _array_reply(self, rj: dict):
        """An ndarray reply's second part, decoded as NetGear's sender does: JPEG when
        "compression" is truthy (simplejpeg: JPEG only), else raw with dtype and shape."""
        if not self.sock.getsockopt(zmq.RCVMORE):
            raise ProtocolError("ndarray reply without its array part; NetGear would block in recv")
        arr_bytes = self.sock.recv()
        compression = rj["compression"]
        try:
            if compression:
                return decode_jpeg(arr_bytes, compression["colorspace"])
            return np.frombuffer(arr_bytes, dtype=rj["array_dtype"]).reshape(rj["array_shape"])
        except KeyError:
            raise
        except Exception as e:
            raise ProtocolError("ndarray reply %.120r could not be decoded: %s" % (rj, e))

    def terminate_header(self) -> bytes:
        if self.multiserver_port is None:
            return TERMINATE_HEADER
        return json.dumps({"terminate_flag": True, "port": self.multiserver_port}).encode("utf8")

    def _reconnect(self):
        """Lazy Pirate: close, count down max_retries (never reset), recreate, lose this frame."""
        self.st.timeouts += 1
        self.log.critical("%s (no reply within %g s to frame #%d)", MSG_NO_RESPONSE_CLIENT, self.rt, self.st.sent - 1)
        self.st.errors.append("no reply within %g s to frame #%d" % (self.rt, self.st.sent - 1))
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.close()
        self.sock = None
        self.retries -= 1
        if self.retries == 0:
            self.log.error("All Clients failed to respond on multiple attempts.")
            raise Offline(MSG_CLIENTS_OFFLINE)
        self.sock = self._new_socket(first=False)
        return None

    def close(self, terminate_p2: bool):
        """NetGear's close(): which terminates are sent, and how (L1532-1585)."""
        if self.sock is None:
            return
        p1 = self.pattern < 2  # patterns 0 and 1 wait for a confirmation
        try:
            if p1 and self.retries == 0:
                self.log.info("no terminate sent: max_retries is 0 (NetGear skips it too)")
                return
            # Only Multi-Clients mode has NetGear's port-buffer condition; plain and Multi-Servers
            # senders always send their terminate (L1546-1571).
            multiclient = self.mode == "multiclient"
            if multiclient and not self.port_buffer and not (not p1 and terminate_p2):
                if p1:
                    self.log.info("no terminate sent: no client ever replied (NetGear skips it too)")
                else:
                    self.log.warning(
                        "no terminate sent: NetGear's multiclient PUB never sends one "
                        "(its port buffer only fills from pattern-1 replies); pass --terminate-p2 to send it"
                    )
                return
            if p1:
                self._terminate_p1()
            else:
                self._terminate_p2()
        finally:
            if self.sock is not None:
                self.sock.setsockopt(zmq.LINGER, 0)
                self.sock.close()
                self.sock = None

    def _terminate_p1(self):
        # One terminate per port that ever replied, round-robin through the REQ; then
        # wait request_timeout//5 for ONE confirmation. NetGear swallows ZMQErrors here.
        try:
            for _ in (self.port_buffer if self.mode == "multiclient" else [None]):
                self.sock.send(self.terminate_header())
                self.st.terminate_sent += 1
            if self.sock.poll(int(self.rt * 1000) // 5, zmq.POLLIN):
                self.st.terminate_reply = self.sock.recv().decode("utf-8", "replace")
                self.log.info("terminate confirmed: %s", self.st.terminate_reply)
            else:
                self.log.info("no terminate confirmation within %d ms", int(self.rt * 1000) // 5)
        except zmq.ZMQError as e:
            self.st.errors.append("while sending terminate: %s (NetGear swallows this)" % e)
            self.log.warning("while sending terminate: %s (NetGear swallows this)", e)

    def _terminate_p2(self):
        # Not NetGear (which sends nothing here): one single-part terminate broadcast. With
        # HWM 1 a PUB silently drops it for any subscriber whose pipe is full, and libzmq
        # leaves a pipe that was once full out of the send set until the socket processes
        # the reader's "activate" command; XPUB_NODROP does not help for such a pipe.
        # So: give the pipes time to drain, make libzmq process its commands (EVENTS),
        # then send with NODROP so a still-full but active pipe makes us wait (<= 1 s).
        try:
            deadline = time.monotonic() + 0.2
            while time.monotonic() < deadline:
                self.sock.getsockopt(zmq.EVENTS)
                time.sleep(0.01)
            self.sock.setsockopt(zmq.XPUB_NODROP, 1)
            self.sock.setsockopt(zmq.SNDTIMEO, 1000)
            self.sock.send(self.terminate_header())
        except zmq.Again:
            self.sock.setsockopt(zmq.XPUB_NODROP, 0)
            self.sock.send(self.terminate_header(), zmq.DONTWAIT)
            self.st.errors.append("terminate may have been dropped: a subscriber queue stayed full for 1 s")
        self.st.terminate_sent += 1
        self.sock.setsockopt(zmq.LINGER, 1000)
        self.sock.close()
        self.sock = None


def server_header(a, comp, dtype, shape, i: int, picam_codec: str) -> dict:
    """NetGear's header, in its key order; --picam-header adds picam's extension key."""
    msg = a.message.replace("{n}", str(i)) if a.message is not None else None
    hdr = {}
    if getattr(a, "multiserver_port", None) is not None:
        hdr["port"] = a.multiserver_port  # first, as NetGear inserts it (L1308)
    hdr.update({
        "terminate_flag": False,
        "compression": comp,
        "message": msg,
        "pattern": str(a.pattern),
        "dtype": dtype,
        "shape": shape,
    })
    if a.picam_header:
        hdr["picam"] = {"seq": i, "ts": int(time.time() * 1e6), "codec": picam_codec, "key": True}
    return hdr


def open_sender(a, run, st, quiet):
    """Validates like NetGear and connects; returns the sender or None (init_error set)."""
    multiserver_port = getattr(a, "multiserver_port", None)
    mode = "multiserver" if multiserver_port else getattr(a, "mode", "multiclient")
    err = netgear_config_error(a.pattern, getattr(a, "bidirectional", False), EXCLUSIVE_MODE_NAMES[mode])
    if not err and mode == "plain":
        a.pattern = st.pattern = netgear_pattern(a.pattern, run.log)
    if err:
        st.init_error = err
        st.exit = "error"
        run.log.error(err)
        return None
    rt, retries, _ = netgear_timeouts(a, run.log)
    endpoints = ["tcp://%s:%s" % (a.address, p) for p in a.ports]
    sender = NetGearSender(zmq.Context(), a.pattern, endpoints, rt, retries, run, st, quiet=quiet, multiserver_port=multiserver_port,
                           mode=mode, bidirectional=getattr(a, "bidirectional", False))
    try:
        sender.secure = open_secure(a, sender.ctx, run.log)
        sender.open()
    except zmq.ZMQError as e:
        st.init_error = (
            "[NetGear:ERROR] :: Send Mode failed to %s address: %s with pattern: %d! (%s)"
            % ("activate %s Mode at" % EXCLUSIVE_MODE_NAMES[mode] if mode != "plain" else "connect",
               ",".join(endpoints), a.pattern, e)
        )
        st.exit = "error"
        run.log.error(st.init_error)
        stop_secure(sender.secure)
        sender.ctx.term()
        return None
    print("READY %s %s" % (st.role, ",".join(endpoints)), file=sys.stderr, flush=True)
    return sender


def drive(sender: NetGearSender, st: ServerStats, a, run: Run, next_frame):
    """Sends frames until --frames/--seconds, then closes like NetGear.

    next_frame(i) returns (header_bytes, payload); fps 0 means flat out.
    """
    interval = 1.0 / a.fps if getattr(a, "fps", 0) else 0.0
    st.cpu0 = cpu_seconds()
    st.t0 = time.monotonic()
    next_t = st.t0
    i = 0
    try:
        while True:
            run.check()
            now = time.monotonic()
            if a.frames is not None and i >= a.frames:
                st.exit = "frames"
                break
            if a.seconds is not None and now - st.t0 >= a.seconds:
                st.exit = "seconds"
                break
            if interval:
                if next_t > now:
                    run.sleep_until(next_t)
                next_t = max(next_t + interval, time.monotonic() - interval)
            header, payload = next_frame(i)
            st.payload_bytes += payload.nbytes if isinstance(payload, np.ndarray) else len(payload)
            sender.send(header, payload)
            i += 1
    except Interrupted as e:
        st.exit = e.args[0]
    except Offline as e:
        st.exit = "offline"
        st.fatal = True
        st.errors.append(str(e))
        run.log.error("[NetGear:ERROR] :: %s", e)
    except ProtocolError as e:
        st.exit = "error"
        st.fatal = True
        st.errors.append(str(e))
        run.log.error("protocol error: %s", e)
    except Exception as e:
        st.exit = "error"
        st.fatal = True
        st.errors.append("unexpected %s: %s" % (type(e).__name__, e))
        run.log.exception("server failed")
    st.t1 = time.monotonic()
    st.cpu1 = cpu_seconds()
    try:
        sender.close(getattr(a, "terminate_p2", False) or st.role == "bench-server")
    except Exception as e:
        st.errors.append("close: %s: %s" % (type(e).__name__, e))
        run.log.exception("close failed")
    finally:
        stop_secure(sender.secure)
        sender.ctx.term()
    if st.exit == "max-seconds":
        run.log.error("stopped by --max-seconds=%g before finishing", a.max_seconds)


def cmd_server(a, run: Run) -> int:
    st = ServerStats("server", a.pattern, a.ports)
    run.summarize = st.summary
    if a.frames is None and a.seconds is None:
        a.frames = 100
    sender = open_sender(a, run, st, quiet=a.quiet)
    if sender is None:
        return run.emit(st.summary(), EXIT_FAIL)
    w, h = a.size
    src = FrameSource(w, h)
    codec = "jpeg" if a.jpeg else "raw"

    def next_frame(i):
        frame = src.frame(i) if a.layout is None else layout_frame(a.layout, w, h)
        if a.jpeg:
            hdr = server_header(a, JPEG_COMPRESSION, "", "", i, codec)
            return json.dumps(hdr).encode("utf8"), encode_jpeg_bgr(frame)
        hdr = server_header(a, False, str(frame.dtype), list(frame.shape), i, codec)
        return json.dumps(hdr).encode("utf8"), frame

    drive(sender, st, a, run, next_frame)
    return run.emit(st.summary(), st.exit_code())


# --------------------------------------------------------------------------- benchmark


def cmd_bench_server(a, run: Run) -> int:
    st = ServerStats("bench-server", a.pattern, a.ports)
    run.summarize = st.summary
    a.frames = None
    a.bidirectional = False
    w, h = a.size
    frame = FrameSource(w, h).frame(0)
    if a.jpeg_file:
        with open(a.jpeg_file, "rb") as f:
            payload = f.read()
    elif a.jpeg or a.jpeg_bytes:
        payload = encode_jpeg_bgr(frame)
    else:
        payload = frame.tobytes()
    jpeg = bool(a.jpeg_file or a.jpeg or a.jpeg_bytes)
    if jpeg and a.jpeg_bytes:
        if a.jpeg_bytes < len(payload):
            run.log.warning("--jpeg-bytes %d is below the encoded size %d; using %d", a.jpeg_bytes, len(payload), len(payload))
        payload = pad_jpeg(payload, a.jpeg_bytes)
    codec = "jpeg" if jpeg else "raw"
    if jpeg:
        base = server_header(a, JPEG_COMPRESSION, "", "", 0, codec)
    else:
        base = server_header(a, False, "uint8", [h, w, 3], 0, codec)
    base.pop("picam", None)
    # Pre-built header bytes; with --picam-header only seq/ts are formatted in per frame.
    fixed = json.dumps(base).encode("utf8")
    if a.picam_header:
        template = fixed[:-1] + (', "picam": {"seq": %%d, "ts": %%d, "codec": "%s", "key": true}}' % codec).encode()
    frame_msg = zmq.Frame(payload)  # pyzmq copies the zmq_msg (refcount) per send: zero-copy reuse

    def next_frame(i):
        if a.picam_header:
            return template % (i, int(time.time() * 1e6)), frame_msg
        return fixed, frame_msg

    sender = open_sender(a, run, st, quiet=True)
    if sender is None:
        return run.emit(st.summary(), EXIT_FAIL)
    run.log.info("bench: %s payload %d bytes, pattern %d, %g s", codec, len(payload), a.pattern, a.seconds)
    drive(sender, st, a, run, next_frame)
    return run.emit(st.summary(), st.exit_code())


def cmd_bench_client(a, run: Run) -> int:
    """A lean receiver on NetGear's sockets: counts frames, bytes and CPU, replies in pattern 1."""
    s = {
        "role": "bench-client", "port": int(a.port), "pattern": a.pattern, "frames": 0, "bytes": 0,
        "seconds": 0.0, "fps": None, "cpu_seconds": None, "decode_errors": 0, "missing_parts": 0,
        "terminated": False, "latency_ms": None, "errors": [], "exit": None,
    }
    run.summarize = lambda: s
    err = netgear_config_error(a.pattern, False)
    if err:
        s["init_error"] = err
        s["exit"] = "error"
        return run.emit(s, EXIT_FAIL)
    endpoint = "tcp://%s:%s" % (a.address, a.port)
    ctx = zmq.Context()
    secure = None
    try:
        secure = open_secure(a, ctx, run.log)
        sock = new_client_socket(ctx, a.pattern, [endpoint], None, secure)
    except zmq.ZMQError as e:
        s["init_error"] = "bind %s failed: %s" % (endpoint, e)
        s["exit"] = "error"
        stop_secure(secure)
        ctx.term()
        return run.emit(s, EXIT_FAIL)
    print("READY bench-client %s" % endpoint, file=sys.stderr, flush=True)
    p1 = a.pattern == 1
    reply = json.dumps({"port": a.port, "return_type": "NoneType", "data": None}).encode("utf8")
    frames = nbytes = decode_errors = 0
    first = last = None
    lat = []
    cpu0 = cpu_seconds()
    exit_reason = None
    try:
        while True:
            wait = a.idle_timeout if first is not None else None
            if not run.poll(sock, wait):
                exit_reason = run.interrupted() or "idle"
                break
            parts = sock.recv_multipart(copy=False)
            hdr = json.loads(parts[0].bytes)
            if hdr.get("terminate_flag"):
                if p1:
                    sock.send_string(TERMINATE_CONFIRMATION)
                s["terminated"] = True
                exit_reason = "terminate"
                break
            if len(parts) < 2:
                s["missing_parts"] += 1
                exit_reason = "session-expired"
                break
            if p1:
                sock.send(reply)
            payload = parts[1]
            now = time.monotonic()
            if first is None:
                first = now
            last = now
            frames += 1
            nbytes += len(payload)
            try:
                if not hdr["compression"]:
                    np.frombuffer(payload.buffer, dtype=hdr["dtype"]).reshape(hdr["shape"])
                elif a.decode:
                    decode_jpeg(payload.buffer, hdr["compression"].get("colorspace", "BGR"))
            except Exception:
                decode_errors += 1
            picam = hdr.get("picam")
            if isinstance(picam, dict) and isinstance(picam.get("ts"), (int, float)):
                lat.append((time.time() * 1e6 - picam["ts"]) / 1000.0)
            if a.frames and frames >= a.frames:
                exit_reason = "frames"
                break
            if a.seconds and now - first >= a.seconds:
                exit_reason = "seconds"
                break
    except Exception as e:
        s["errors"].append("unexpected %s: %s" % (type(e).__name__, e))
        exit_reason = "error"
        run.log.exception("bench-client failed")
    finally:
        sock.close(linger=0)
        stop_secure(secure)
        ctx.term()
    secs = (last - first) if frames >= 2 else 0.0
    s.update({
        "frames": frames, "bytes": nbytes, "seconds": round(secs, 3),
        "fps": round((frames - 1) / secs, 2) if secs > 0 else None,
        "cpu_seconds": round(cpu_seconds() - cpu0, 3), "decode_errors": decode_errors,
        "latency_ms": percentiles(lat), "exit": exit_reason,
    })
    ok = exit_reason in ("terminate", "idle", "frames", "seconds", "max-seconds") and not decode_errors and not s["errors"]
    return run.emit(s, EXIT_OK if ok else EXIT_FAIL)


# --------------------------------------------------------------------------- CLI


class Parser(argparse.ArgumentParser):
    """argparse that still prints the one JSON line on bad usage (exit 2) or --help (exit 0)."""

    def print_help(self, file=None):
        super().print_help(file or sys.stderr)  # stdout carries only the JSON line

    def exit(self, status=0, message=None):
        if message:
            sys.stderr.write(message)
        role = next((r for r in ROLES if r in sys.argv[1:2]), None)
        summary = {"role": role, "exit": "usage" if status else "help"}
        if status:
            summary["error"] = (message or "").strip()
        sys.stdout.write(json.dumps(summary) + "\n")
        sys.stdout.flush()
        sys.exit(EXIT_USAGE if status else EXIT_OK)


ROLES = ("client", "server", "bench-client", "bench-server")


def add_common(p, port_flag, ports_required=True):
    p.add_argument("--address", default="127.0.0.1", help="IP the client binds / the server connects to (default 127.0.0.1)")
    if port_flag == "port":
        p.add_argument("--port", required=ports_required, type=parse_port, help="this client's port (echoed as a string in replies)")
    else:
        p.add_argument("--ports", required=ports_required, type=parse_ports, help="comma-separated client ports, e.g. 5577,5578")
    p.add_argument("--pattern", required=True, type=int,
                   help="0 = PAIR (plain mode only), 1 = REQ/REP, 2 = PUB/SUB (others: NetGear's ValueError, or pattern 0 in plain mode)")
    p.add_argument("--max-seconds", type=float, default=60.0, help="hard stop for the whole run (default 60)")
    p.add_argument("--request-timeout", type=float, default=4, help="pattern 1 reply timeout in s (NetGear: int >= 4, default 4)")
    p.add_argument("--allow-short-timeout", action="store_true", help="accept --request-timeout < 4 (NetGear would ignore it)")
    p.add_argument("--max-retries", type=int, default=3, help="pattern 1 reconnects before giving up, never reset (default 3)")
    p.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    p.add_argument("--secure-mode", type=parse_secure_mode, default=0, metavar="0|1|2",
                   help="NetGear secure_mode: 0 grasslands, 1 stonehouse, 2 ironhouse (CURVE; receivers are the CURVE server)")
    p.add_argument("--cert-dir", default=None, metavar="DIR",
                   help="NetGear custom_cert_location: DIR or DIR/.vidgear (default ~); a missing key tree is generated, as NetGear does")


def non_negative(text: str) -> float:
    """A float >= 0 (argparse type)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a number, got %r" % text)
    if v < 0 or math.isnan(v):
        raise argparse.ArgumentTypeError("expected a number >= 0, got %r" % text)
    return v


def build_parser():
    parser = Parser(prog="netgear_peer.py", description="VidGear NetGear Multi-Clients stand-ins for interop tests.")
    sub = parser.add_subparsers(dest="role", required=True, metavar="{client,server,bench-client,bench-server}")

    c = sub.add_parser("client", help="a NetGear receiver (binds PAIR, REP or SUB)")
    add_common(c, "port", ports_required=False)
    c.add_argument("--mode", choices=MODES, default="multiclient",
                   help="multiclient: multiclient_mode=True (default); plain: no exclusive mode (NetGear's default, "
                        "patterns 0-2, port default 5555); multiserver: multiserver_mode=True, binds --ports")
    c.add_argument("--ports", type=parse_ports, default=None, help="--mode multiserver: the ports to bind, one per server")
    c.add_argument("--bidirectional", action="store_true", help="bidirectional_mode=True (ValueError with pattern 2)")
    g = c.add_mutually_exclusive_group()
    g.add_argument("--return", dest="return_text", metavar="TEXT", help="pattern 1 return data; {n} = frames received before this one")
    g.add_argument("--return-array", action="store_true", help="pattern 1: return a 4x4x3 uint8 ndarray (2-part reply, raw: jpeg_compression=False)")
    g.add_argument("--return-array-jpeg", action="store_true",
                   help="patterns 0/1: return the 4x4x3 ndarray as NetGear does by default with simplejpeg: a JPEG, "
                        "array_dtype/array_shape \"\"")
    c.add_argument("--frames", type=int, default=0, help="stop after N frames (0 = no limit)")
    c.add_argument("--subscriber-timeout", type=float, default=None, help="pattern 2: stop after S s without a message")

    s = sub.add_parser("server", help="a NetGear sender (one PAIR, REQ or PUB connected to every port)")
    add_common(s, "ports", ports_required=False)
    s.add_argument("--mode", choices=("multiclient", "plain"), default="multiclient",
                   help="multiclient: multiclient_mode=True, port=[...] (default); plain: no exclusive mode, one port, patterns 0-2")
    s.add_argument("--multiserver-port", type=parse_port, default=None, metavar="P",
                   help="NetGear Multi-Servers mode sender: one connect to the receiver's port P (instead of --ports), "
                        "\"port\": P in every header and in the terminate, which is always sent")
    s.add_argument("--bidirectional", action="store_true", help="bidirectional_mode=True (ValueError with pattern 2)")
    s.add_argument("--message", default=None, help="header message; {n} = frame index (default null)")
    s.add_argument("--jpeg", action="store_true", help="JPEG q90 4:2:2 via PIL (stand-in for simplejpeg)")
    s.add_argument("--size", type=parse_size, default=(640, 480), help="WxH (default 640x480)")
    s.add_argument("--layout", choices=LAYOUTS, default=None,
                   help="send a still frame of four colour patches (red, green / blue, grey; grey levels "
                        "40, 100 / 160, 220) as a raw array of this layout instead of the moving BGR test picture")
    s.add_argument("--fps", type=non_negative, default=30.0, help="frame rate; 0 = flat out (default 30)")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--frames", type=int, default=None, help="send N frames (default 100)")
    g.add_argument("--seconds", type=float, default=None, help="send for S seconds")
    s.add_argument("--terminate-p2", action="store_true", help="pattern 2: send the terminate NetGear forgets")
    s.add_argument("--picam-header", action="store_true", help="add picam's header key {seq, ts, codec, key} (not NetGear)")

    bc = sub.add_parser("bench-client", help="lean receiver for benchmarks")
    add_common(bc, "port")
    bc.add_argument("--seconds", type=float, default=0, help="stop S s after the first frame (0 = until terminate/idle)")
    bc.add_argument("--frames", type=int, default=0, help="stop after N frames (0 = no limit)")
    bc.add_argument("--idle-timeout", type=float, default=3.0, help="stop after S s without a frame once frames flowed (default 3)")
    bc.add_argument("--decode", action="store_true", help="decode JPEG payloads (raw payloads are always viewed as arrays)")

    bs = sub.add_parser("bench-server", help="lean sender for benchmarks: pre-built payload, flat out, always terminates")
    add_common(bs, "ports")
    bs.add_argument("--seconds", type=float, default=5.0, help="send for S seconds (default 5)")
    bs.add_argument("--fps", type=non_negative, default=0.0, help="pace at this rate; 0 = flat out (default 0)")
    bs.add_argument("--size", type=parse_size, default=(640, 480), help="WxH of the raw/encoded frame (default 640x480)")
    bs.add_argument("--jpeg", action="store_true", help="send one pre-encoded JPEG (PIL q90) instead of raw")
    bs.add_argument("--jpeg-bytes", type=int, default=0, help="pad the JPEG with COM segments to exactly N bytes (implies --jpeg)")
    bs.add_argument("--jpeg-file", default=None, help="send this JPEG file's bytes")
    bs.add_argument("--message", default=None, help="header message (fixed; {n} becomes 0)")
    bs.add_argument("--picam-header", action="store_true", help="add picam's header key with seq and ts per frame")
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    if a.role == "client":
        if a.mode == "multiserver":
            if a.ports is None or a.port is not None:
                parser.error("--mode multiserver binds --ports (a list, as NetGear's multiserver_mode client), not --port")
            a.port = a.ports[0]
        elif a.ports is not None:
            parser.error("--ports is for --mode multiserver; give --port")
        elif a.port is None:
            if a.mode != "plain":
                parser.error("the following arguments are required: --port")
            a.port = "5555"  # NetGear's default port
    if a.role == "server":
        if a.mode == "plain" and a.ports is not None and len(a.ports) != 1:
            parser.error("--mode plain connects to one port: give --ports with a single port")
        if a.jpeg and a.layout is not None:
            parser.error("--layout sends raw arrays: drop --jpeg")
        if a.multiserver_port is not None:
            if a.ports not in (None, [a.multiserver_port]):
                parser.error("--multiserver-port P connects to port P only: drop --ports (or give the same single port)")
            a.ports = [a.multiserver_port]
        elif a.ports is None:
            if a.mode != "plain":
                parser.error("the following arguments are required: --ports (or --multiserver-port)")
            a.ports = ["5555"]  # NetGear's default port
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING if a.quiet else logging.INFO,
        format="%(asctime)s.%(msecs)03d netgear_peer %(name)s %(levelname)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    tag = a.role + ":" + (a.port if getattr(a, "port", None) else ",".join(a.ports))
    run = Run(a.role, a.max_seconds)
    run.log = logging.getLogger(tag)
    run.install()
    tune_malloc(run.log)
    handler = {"client": cmd_client, "server": cmd_server, "bench-client": cmd_bench_client, "bench-server": cmd_bench_server}[a.role]
    try:
        return handler(a, run)
    except Exception as e:  # last resort: still one JSON line
        run.log.exception("unexpected failure")
        return run.emit({"role": a.role, "exit": "error", "errors": ["unexpected %s: %s" % (type(e).__name__, e)]}, EXIT_FAIL)


if __name__ == "__main__":
    sys.exit(main())
