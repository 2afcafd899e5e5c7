#!/usr/bin/python3
"""Self-test for netgear_peer.py: its server against its client on loopback, plus raw
pyzmq sockets (ROUTER, DEALER, XPUB, REP) standing in for the other side to check the
exact wire bytes. Ports are taken from 35000-35999. Prints one line per test and a
final "N passed, M failed"; exits 1 if anything failed.

Run: /usr/bin/python3 test/interop/selftest.py [-k SUBSTRING]   (JOBS=1 to run serially)
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "netgear_peer.py")
PY = "/usr/bin/python3"
TERMINATE_CONFIRMATION = "Termination signal successfully received at Client's end!"
SHORT = ["--request-timeout", "1", "--allow-short-timeout"]

_next_port = [random.randrange(35000, 35800)]
_port_lock = threading.Lock()


def port() -> str:
    """A loopback port in 35000-35999 that is free right now.

    That range lies inside Linux's ephemeral range (32768-60999), so outgoing connections
    of other processes can hold any of its ports; probe with a bind first.
    """
    with _port_lock:
        for _ in range(1000):
            p = _next_port[0]
            _next_port[0] = 35000 + (p - 35000 + 1) % 1000
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    continue
            return str(p)
    raise AssertionError("no free port in 35000-35999")


class Peer:
    """One netgear_peer.py process; collects stdout/stderr on threads."""

    def __init__(self, *args: str):
        self.args = args
        self.proc = subprocess.Popen(
            [PY, PEER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.out = []
        self.err = []
        self.ready = threading.Event()
        self._t = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out, False), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err, True), daemon=True),
        ]
        for t in self._t:
            t.start()

    def _read(self, f, sink, watch_ready):
        for line in f:
            sink.append(line)
            if watch_ready and line.startswith("READY "):
                self.ready.set()

    def wait_ready(self, timeout=15.0):
        end = time.monotonic() + timeout
        while not self.ready.wait(0.05) and time.monotonic() < end:
            if self.proc.poll() is not None:  # exited without READY: show why at once
                time.sleep(0.1)
                raise AssertionError("%s exited (%d) before READY; stdout %r; stderr:\n%s"
                                     % (self.args, self.proc.returncode, self.out, "".join(self.err)))
        if not self.ready.is_set():
            raise AssertionError("no READY line within %gs from %s; stderr:\n%s" % (timeout, self.args, "".join(self.err)))
        return self

    def result(self, timeout=20.0):
        """Waits for exit; returns (exit code, the one JSON object, stderr text)."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("%s did not exit within %gs; stderr:\n%s" % (self.args, timeout, "".join(self.err)))
        for t in self._t:
            t.join(5)
        lines = [l for l in self.out if l.strip()]
        if len(lines) != 1:
            raise AssertionError("want exactly one stdout line from %s, got %r; stderr:\n%s" % (self.args, lines, "".join(self.err)))
        return rc, json.loads(lines[0]), "".join(self.err)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def check(cond, what, *ctx):
    if not cond:
        raise AssertionError(what + "".join("\n  " + (json.dumps(c) if isinstance(c, dict) else str(c)) for c in ctx))


# --------------------------------------------------------------------------- tests: CLI


def test_usage_errors_exit_2_with_json():
    rc, js, _ = Peer().result()
    check(rc == 2 and js["exit"] == "usage", "no sub-command", rc, js)
    rc, js, _ = Peer("client", "--port", "x", "--pattern", "1").result()
    check(rc == 2 and js["exit"] == "usage" and js["role"] == "client", "bad port", rc, js)
    rc, js, _ = Peer("client", "--port", port(), "--pattern", "1", "--return", "a", "--return-array").result()
    check(rc == 2, "--return with --return-array", rc, js)
    rc, js, _ = Peer("server", "--ports", port(), "--pattern", "1", "--fps", "-1").result()
    check(rc == 2, "negative fps", rc, js)


def test_netgear_value_errors_are_init_errors():
    rc, js, _ = Peer("client", "--port", port(), "--pattern", "2", "--bidirectional").result()
    check(rc == 1 and "`2` pattern is not valid when Bidirectional Mode" in js.get("init_error", ""), "p2+bidirectional", rc, js)
    rc, js, _ = Peer("server", "--ports", port(), "--pattern", "3").result()
    check(rc == 1 and "`0` pattern is not valid when Multi-Client Mode" in js.get("init_error", ""), "pattern 3 -> 0", rc, js)


def test_client_bind_in_use_is_init_error():
    p = port()
    a = Peer("client", "--port", p, "--pattern", "1", "--max-seconds", "30").wait_ready()
    try:
        rc, js, err = Peer("client", "--port", p, "--pattern", "1").result()
        check(rc == 1 and "failed to activate Multi-Client Mode" in js.get("init_error", ""), "second bind", rc, js)
    finally:
        a.proc.send_signal(signal.SIGTERM)
        rc, js, _ = a.result()
        check(rc == 1 and js["exit"] == "signal", "SIGTERM gives exit=signal, code 1", rc, js)


def test_client_max_seconds_is_bounded():
    c = Peer("client", "--port", port(), "--pattern", "2", "--max-seconds", "1").wait_ready(10)
    t = time.monotonic()  # start-up is not bounded by --max-seconds, so time from READY
    rc, js, _ = c.result()
    took = time.monotonic() - t
    check(rc == 0 and js["exit"] == "max-seconds" and js["frames"] == 0, "client max-seconds", rc, js)
    check(took < 4, "took %.1fs" % took)


# --------------------------------------------------------------------------- tests: server <-> client


def test_p1_raw_two_clients_bidirectional_round_robin():
    a, b = port(), port()
    ca = Peer("client", "--port", a, "--pattern", "1", "--bidirectional", "--return", "c%s n={n}" % a).wait_ready()
    cb = Peer("client", "--port", b, "--pattern", "1", "--bidirectional", "--return", "c%s n={n}" % b).wait_ready()
    rc, s, err = Peer("server", "--ports", "%s,%s" % (a, b), "--pattern", "1", "--bidirectional", "--message", "hi {n}",
                      "--fps", "0", "--frames", "20", "--size", "64x48", "--picam-header").result()
    check(rc == 0 and s["exit"] == "frames" and s["sent"] == 20, "server ok", s)
    check(s["replies"] == {a: 10, b: 10}, "round-robin split 10/10", s)
    check(s["last_data"] == {a: "c%s n=9" % a, b: "c%s n=9" % b}, "reply data lags one frame (n=9 on the 10th)", s)
    check(s["terminate_sent"] == 2 and s["terminate_reply"] == TERMINATE_CONFIRMATION, "terminate to both", s)
    check("Client at port %s said: c%s n=0" % (a, a) in err, "stderr shows replies", err[-500:])
    for c, parity in ((ca, 0), (cb, 1)):
        rc, js, _ = c.result()
        check(rc == 0 and js["exit"] == "terminate" and js["terminated"], "client terminated", js)
        check(js["frames"] == 10 and js["replies"] == 10, "10 frames each", js)
        check(js["seqs"] == list(range(parity, 20, 2)) and js["unique_seqs"] == 10, "alternating seqs", js)
        check(js["shapes"] == [[48, 64, 3]] and js["codecs"] == ["raw"], "shape/codec", js)
        check(js["messages"][:2] == ["hi %d" % parity, "hi %d" % (parity + 2)], "messages", js)
        check(js["latency_ms"] is not None and js["latency_ms"]["n"] == 10, "latency from picam ts", js)


def test_p1_jpeg_array_return():
    a = port()
    c = Peer("client", "--port", a, "--pattern", "1", "--return-array").wait_ready()
    rc, s, _ = Peer("server", "--ports", a, "--pattern", "1", "--jpeg", "--size", "320x240", "--fps", "0", "--frames", "5").result()
    check(rc == 0 and s["replies"] == {a: 5}, "server ok", s)
    nd = s["last_data"][a]["ndarray"]
    check(nd == {"dtype": "uint8", "shape": [4, 4, 3], "min": 4, "max": 4}, "2-part ndarray reply decoded", s)
    rc, js, _ = c.result()
    check(rc == 0 and js["terminated"] and js["frames"] == 5, "client ok", js)
    check(js["codecs"] == ["jpeg"] and js["shapes"] == [[240, 320, 3]] and js["decode_errors"] == 0, "jpeg decoded", js)


def test_p1_plain_multiclient_replies_none():
    a = port()
    c = Peer("client", "--port", a, "--pattern", "1").wait_ready()
    rc, s, _ = Peer("server", "--ports", a, "--pattern", "1", "--fps", "0", "--frames", "3", "--size", "16x8").result()
    check(rc == 0 and s["replies"] == {a: 3} and s["last_data"] == {a: None}, "JSON reply with data null", s)
    rc, js, _ = c.result()
    check(rc == 0 and js["frames"] == 3 and js["messages"] == [] and js["latency_ms"] is None, "client ok", js)


def test_p2_raw_broadcast_with_terminate_p2():
    a, b = port(), port()
    # Generous timeouts: a's timer runs while b and the server start (seconds on a loaded box);
    # the terminate ends both clients long before.
    ca = Peer("client", "--port", a, "--pattern", "2", "--subscriber-timeout", "20").wait_ready()
    cb = Peer("client", "--port", b, "--pattern", "2", "--subscriber-timeout", "20").wait_ready()
    rc, s, _ = Peer("server", "--ports", "%s,%s" % (a, b), "--pattern", "2", "--fps", "100", "--frames", "50",
                    "--size", "160x120", "--picam-header", "--terminate-p2").result()
    check(rc == 0 and s["sent"] == 50 and s["terminate_sent"] == 1 and s["replies"] == {}, "server ok", s)
    for c in (ca, cb):
        rc, js, _ = c.result()
        check(rc == 0 and js["exit"] == "terminate" and js["terminated"], "terminated", js)
        # HWM 1 drops frames for a subscriber that is a frame behind; a loaded box drops more.
        check(js["frames"] >= 25, "most of 50 frames at 100 fps", js)
        check(js["seqs"] == sorted(set(js["seqs"])) and js["seqs"][-1] >= 45, "broadcast, in order, up to the end", js)


def test_p2_jpeg_no_terminate_like_netgear():
    a = port()
    # 8 s: the timer starts at READY, and the server's Python start-up alone took up to
    # 5 s when other jobs loaded this 2-core box.
    c = Peer("client", "--port", a, "--pattern", "2", "--subscriber-timeout", "8").wait_ready()
    rc, s, err = Peer("server", "--ports", a, "--pattern", "2", "--jpeg", "--fps", "50", "--frames", "40", "--size", "160x120").result()
    check(rc == 0 and s["terminate_sent"] == 0, "no terminate in multiclient pattern 2", s)
    check("never sends one" in err, "stderr explains the missing terminate", err[-400:])
    rc, js, _ = c.result()
    check(rc == 0 and js["exit"] == "timeout" and not js["terminated"], "client ends by subscriber timeout", js)
    check(js["frames"] >= 20 and js["codecs"] == ["jpeg"] and js["shapes"] == [[120, 160, 3]], "jpeg frames", js)


def test_p2_client_frames_limit():
    a = port()
    c = Peer("client", "--port", a, "--pattern", "2", "--frames", "5", "--max-seconds", "20").wait_ready()
    rc, s, _ = Peer("server", "--ports", a, "--pattern", "2", "--fps", "100", "--frames", "100", "--size", "16x8").result()
    rc, js, _ = c.result()
    check(rc == 0 and js["exit"] == "frames" and js["frames"] == 5, "stops after 5", js)


def test_p1_dead_client_kills_server_like_netgear():
    live, dead = port(), port()
    c = Peer("client", "--port", live, "--pattern", "1").wait_ready()  # polls 12 s: outlives the server
    t = time.monotonic()
    rc, s, err = Peer("server", "--ports", "%s,%s" % (live, dead), "--pattern", "1", "--fps", "0", "--frames", "50",
                      "--size", "16x8", *SHORT).result()
    took = time.monotonic() - t
    check(rc == 1 and s["exit"] == "offline" and s["timeouts"] == 3, "3 timeouts then offline", s)
    check(any("Client(s) seems to be offline, Abandoning." in e for e in s["errors"]), "NetGear's message", s)
    check(s["terminate_sent"] == 0, "no terminate after retries ran out", s)
    check(2.5 < took < 12, "about 3 x 1 s plus start-up, took %.1fs" % took)
    check("No response from Client, Reconnecting again..." in err, "stderr", err[-500:])
    c.proc.send_signal(signal.SIGTERM)
    rc, js, _ = c.result()
    check(js["exit"] == "signal" and not js["terminated"] and js["frames"] >= 1, "live client got frames but no terminate", js)


def test_p1_client_rebinds_then_gives_up():
    """Client polls 3 x request_timeout, then closes and re-binds (max_retries 2).

    As in NetGear the re-bind usually fails with EADDRINUSE (libzmq closes the old
    listener asynchronously): "API failed to restart the Client-end!". If it succeeds,
    the second timeout ends the client with "Server seems to be offline".
    """
    c = Peer("client", "--port", port(), "--pattern", "1", "--max-retries", "2", *SHORT).wait_ready()
    t = time.monotonic()
    rc, js, err = c.result()
    took = time.monotonic() - t
    check(err.count("No response from Server(s), Reconnecting again...") >= 1, "first timeout logged", err[-600:])
    if js["exit"] == "error":
        check(rc == 1 and "API failed to restart the Client-end!" in js["errors"][0], "re-bind failure", js)
        check(2.5 < took < 8, "1 x 3 s, took %.1fs" % took)
    else:
        check(rc == 0 and js["exit"] == "timeout" and js["errors"] == [], "timeout exit", js)
        check("Server seems to be offline, Abandoning!" in err, "NetGear's message", err[-300:])
        check(5.5 < took < 12, "2 x 3 s, took %.1fs" % took)


def test_server_sigterm_still_closes_like_netgear():
    a = port()
    c = Peer("client", "--port", a, "--pattern", "1").wait_ready()
    srv = Peer("server", "--ports", a, "--pattern", "1", "--fps", "20", "--seconds", "30", "--size", "16x8").wait_ready()
    time.sleep(1.0)
    srv.proc.send_signal(signal.SIGTERM)
    rc, s, _ = srv.result()
    check(rc == 1 and s["exit"] == "signal" and s["sent"] >= 1, "exit=signal, code 1", s)
    check(s["terminate_sent"] == 1 and s["terminate_reply"] == TERMINATE_CONFIRMATION, "terminate still sent", s)
    rc, js, _ = c.result()
    check(rc == 0 and js["terminated"] and js["frames"] == s["sent"], "client saw every frame and the terminate", js, s)


# --------------------------------------------------------------------------- tests: wire bytes


def test_server_wire_format_req_correlate():
    """A ROUTER in place of the client sees [identity, request id, "", header, payload]."""
    ctx = zmq.Context.instance()
    r = ctx.socket(zmq.ROUTER)
    a = port()
    r.bind("tcp://127.0.0.1:%s" % a)
    try:
        srv = Peer("server", "--ports", a, "--pattern", "1", "--fps", "0", "--frames", "3", "--size", "8x4").wait_ready()  # READY after connect: start-up can take seconds under load
        ids = []
        for i in range(3):
            check(r.poll(5000), "frame %d arrives" % i, "".join(srv.err))
            parts = r.recv_multipart()
            check(len(parts) == 5 and len(parts[1]) == 4 and parts[2] == b"", "envelope [id, reqid(4), '', hdr, payload]", [p[:40] for p in parts])
            want = b'{"terminate_flag": false, "compression": false, "message": null, "pattern": "1", "dtype": "uint8", "shape": [4, 8, 3]}'
            check(parts[3] == want, "exact header bytes", parts[3])
            check(len(parts[4]) == 4 * 8 * 3, "raw payload size", len(parts[4]))
            ids.append(int.from_bytes(parts[1], "little"))
            reply = json.dumps({"port": a, "return_type": "int", "data": i}).encode()
            r.send_multipart(parts[:3] + [reply])
        check(ids[1] == (ids[0] + 1) % 2**32 and ids[2] == (ids[1] + 1) % 2**32, "request ids count up (little-endian)", ids)
        check(r.poll(5000), "terminate arrives")
        parts = r.recv_multipart()
        check(parts[2:] == [b"", b'{"terminate_flag": true}'], "single-part terminate", parts)
        r.send_multipart(parts[:3] + [TERMINATE_CONFIRMATION.encode()])
        rc, s, _ = srv.result()
        check(rc == 0 and s["last_data"] == {a: 2} and s["terminate_reply"] == TERMINATE_CONFIRMATION, "server", s)
    finally:
        r.close(0)


def test_server_multiserver_port_wire_format():
    """--multiserver-port: one connect, "port" first in every header and in the terminate,
    which is sent once even though no reply carried a port. Without bidirectional mode the
    reply is only read and logged, as NetGear's sender does (a Multi-Servers NetGear
    receiver sends its plain "Data received on device" string)."""
    ctx = zmq.Context.instance()
    r = ctx.socket(zmq.ROUTER)
    a = port()
    r.bind("tcp://127.0.0.1:%s" % a)
    try:
        srv = Peer("server", "--multiserver-port", a, "--pattern", "1", "--fps", "0", "--frames", "2", "--size", "8x4").wait_ready()  # READY after connect: start-up can take seconds under load
        for i in range(2):
            check(r.poll(5000), "frame %d arrives" % i, "".join(srv.err))
            parts = r.recv_multipart()
            want = ('{"port": "%s", "terminate_flag": false, "compression": false, "message": null, "pattern": "1", '
                    '"dtype": "uint8", "shape": [4, 8, 3]}' % a).encode()
            check(len(parts) == 5 and parts[3] == want, "exact header bytes with the port first", parts[3:4])
            reply = b"Data received on device: ABCDEFGH !" if i == 0 else json.dumps({"return_type": "str", "data": "hi"}).encode()
            r.send_multipart(parts[:3] + [reply])
        check(r.poll(5000), "terminate arrives")
        parts = r.recv_multipart()
        check(parts[2:] == [b"", ('{"terminate_flag": true, "port": "%s"}' % a).encode()], "terminate with the port", parts)
        r.send_multipart(parts[:3] + [b"Termination signal successfully received at client!"])
        rc, s, _ = srv.result()
        check(rc == 0 and s["replies"] == {a: 2} and s["last_data"] == {a: '{"return_type": "str", "data": "hi"}'}
              and s["terminate_sent"] == 1, "server", s)
    finally:
        r.close(0)


def test_server_crashes_on_non_json_reply():
    ctx = zmq.Context.instance()
    rep = ctx.socket(zmq.REP)
    a = port()
    rep.bind("tcp://127.0.0.1:%s" % a)
    try:
        srv = Peer("server", "--ports", a, "--pattern", "1", "--fps", "0", "--frames", "3", "--size", "8x4").wait_ready()  # READY after connect: start-up can take seconds under load
        check(rep.poll(5000), "frame arrives")
        rep.recv_multipart()
        rep.send_string("Data received on device: ABCDEFGH !")
        rc, s, _ = srv.result()
        check(rc == 1 and s["exit"] == "error" and "not JSON" in s["errors"][-1], "protocol error reported", s)
    finally:
        rep.close(0)


def test_client_wire_replies_decode_error_terminate():
    """A DEALER in place of the server: envelope echo, reply-before-decode, terminate string."""
    ctx = zmq.Context.instance()
    a = port()
    c = Peer("client", "--port", a, "--pattern", "1", "--return", "x {n}").wait_ready()
    d = ctx.socket(zmq.DEALER)
    d.connect("tcp://127.0.0.1:%s" % a)
    try:
        hdr = json.dumps({"terminate_flag": False, "compression": False, "message": None, "pattern": "1",
                          "dtype": "uint8", "shape": [2, 2, 3]}).encode()
        d.send_multipart([b"", hdr, bytes(12)])
        check(d.poll(5000), "reply 1")
        got = d.recv_multipart()
        check(got == [b"", b'{"port": "%s", "return_type": "str", "data": "x 0"}' % a.encode()], "exact reply bytes", got)
        d.send_multipart([b"\x01\x02\x03\x04", b"", hdr, bytes(12)])
        check(d.poll(5000), "reply 2")
        got = d.recv_multipart()
        check(got[:2] == [b"\x01\x02\x03\x04", b""] and b'"x 1"' in got[2], "request id echoed", got)
        d.send_multipart([b"", hdr, bytes(11)])  # wrong size: still replied to (reply before decode)
        check(d.poll(5000), "reply 3")
        d.recv_multipart()
        d.send_multipart([b"", b'{"terminate_flag": true}'])
        check(d.poll(5000), "terminate reply")
        got = d.recv_multipart()
        check(got == [b"", TERMINATE_CONFIRMATION.encode()], "terminate confirmation", got)
        rc, js, _ = c.result()
        check(rc == 1 and js["frames"] == 3 and js["decode_errors"] == 1 and js["terminated"], "decode error counted, exit 1", js)
    finally:
        d.close(0)
        c.kill()


def xpub_to(a):
    """An XPUB connected to client port a, returned once the client's subscription arrived."""
    x = zmq.Context.instance().socket(zmq.XPUB)
    x.connect("tcp://127.0.0.1:%s" % a)
    check(x.poll(5000), "subscription from SUB")
    check(x.recv() == b"\x01", "SUBSCRIBE ''")
    return x


def test_p2_client_missing_part_is_session_expired():
    a = port()
    c = Peer("client", "--port", a, "--pattern", "2").wait_ready()
    x = xpub_to(a)
    try:
        x.send(json.dumps({"terminate_flag": False, "compression": False, "message": None, "pattern": "2",
                           "dtype": "uint8", "shape": [1, 1, 3]}).encode())
        rc, js, err = c.result()
        check(rc == 1 and js["missing_parts"] == 1 and js["exit"] == "session-expired", "session expired", js)
        check("Socket Session Expired" in err, "stderr", err[-300:])
    finally:
        x.close(0)


def test_p2_client_picam_extension():
    a = port()
    c = Peer("client", "--port", a, "--pattern", "2").wait_ready()
    x = xpub_to(a)
    try:
        now = int(time.time() * 1e6)
        base = {"terminate_flag": False, "compression": False, "message": {"k": 1}, "pattern": "2"}
        x.send_multipart([json.dumps(dict(base, dtype="uint8", shape=[2, 2, 3],
                                          picam={"seq": 5, "ts": now - 2000, "codec": "raw", "key": True})).encode(), bytes(12)])
        time.sleep(0.05)
        x.send_multipart([json.dumps(dict(base, dtype="", shape="",
                                          picam={"seq": 6, "ts": now, "codec": "h264", "key": False})).encode(), b"\x00\x00\x01\x65"])
        time.sleep(0.05)
        x.send(b'{"terminate_flag": true}')
        rc, js, _ = c.result()
        check(rc == 0 and js["terminated"] and js["frames"] == 2, "client ok", js)
        check(js["seqs"] == [5, 6] and js["codecs"] == ["raw", "h264"] and js["undecoded"] == 1, "picam keys recorded", js)
        check(js["latency_ms"]["n"] == 2 and js["latency_ms"]["max"] >= 2.0, "latency from ts", js)
        check(js["messages"] == [{"k": 1}], "message recorded once", js)
    finally:
        x.close(0)


# --------------------------------------------------------------------------- tests: plain (pattern 0), multi-server, strictness


def test_p0_plain_pair():
    """NetGear's default mode: PAIR to PAIR; each frame answered with the device string; the
    terminate is not answered in pattern 0, so the server's wait for it times out."""
    a = port()
    c = Peer("client", "--mode", "plain", "--port", a, "--pattern", "0").wait_ready()
    rc, s, _ = Peer("server", "--mode", "plain", "--ports", a, "--pattern", "0", "--fps", "0", "--frames", "10",
                    "--size", "16x8", "--picam-header").result()
    check(rc == 0 and s["sent"] == 10 and s["replies"] == {a: 10} and s["errors"] == [], "server ok", s)
    check(s["last_data"][a].startswith("Data received on device: ") and len(s["last_data"][a]) == len("Data received on device: ABCDEFGH !"),
          "device string reply", s)
    check(s["terminate_sent"] == 1 and s["terminate_reply"] is None, "terminate sent, not answered in pattern 0", s)
    rc, js, _ = c.result()
    check(rc == 0 and js["terminated"] and js["frames"] == 10 and js["seqs"] == list(range(10)), "client got all", js)


def test_p0_bidirectional_jpeg_array_reply():
    """Bidirectional pattern 0: the server message arrives, and the client's ndarray goes back
    as NetGear sends it by default (JPEG, array_dtype/array_shape "")."""
    a = port()
    c = Peer("client", "--mode", "plain", "--port", a, "--pattern", "0", "--bidirectional", "--return-array-jpeg").wait_ready()
    rc, s, _ = Peer("server", "--mode", "plain", "--ports", a, "--pattern", "0", "--bidirectional", "--message", "m{n}",
                    "--fps", "0", "--frames", "4", "--size", "16x8").result()
    check(rc == 0 and s["replies"] == {a: 4}, "server ok", s)
    nd = s["last_data"][a]["ndarray"]
    check(nd["dtype"] == "uint8" and nd["shape"] == [4, 4, 3], "JPEG array reply decoded", s)
    rc, js, _ = c.result()
    check(rc == 0 and js["frames"] == 4 and js["messages"][:2] == ["m0", "m1"], "client ok", js)


def test_client_jpeg_array_reply_wire_format():
    """--return-array-jpeg: [JSON with compression and array_dtype/array_shape "", JPEG]."""
    ctx = zmq.Context.instance()
    a = port()
    c = Peer("client", "--port", a, "--pattern", "1", "--return-array-jpeg").wait_ready()
    d = ctx.socket(zmq.DEALER)
    d.connect("tcp://127.0.0.1:%s" % a)
    try:
        hdr = json.dumps({"terminate_flag": False, "compression": False, "message": None, "pattern": "1",
                          "dtype": "uint8", "shape": [2, 2, 3]}).encode()
        d.send_multipart([b"", hdr, bytes(12)])
        check(d.poll(5000), "reply")
        got = d.recv_multipart()
        check(len(got) == 3 and got[2][:2] == b"\xff\xd8", "2-part reply with a JPEG", [g[:60] for g in got])
        js = json.loads(got[1])
        check(js == {"port": a, "return_type": "ndarray", "compression": {"dct": True, "ups": False, "colorspace": "BGR"},
                     "array_dtype": "", "array_shape": "", "data": None}, "reply JSON", js)
        d.send_multipart([b"", b'{"terminate_flag": true}'])
        check(d.poll(5000), "terminate reply")
        d.recv_multipart()
        rc, js, _ = c.result()
        check(rc == 0 and js["terminated"], "client ok", js)
    finally:
        d.close(0)
        c.kill()


def test_multiserver_client_three_servers():
    """A multiserver_mode receiver on 3 ports, a --multiserver-port sender on each: frames
    keyed by each header's "port"; it ends once every server sent its terminate."""
    ports = [port(), port(), port()]
    # The senders start first (libzmq keeps retrying their connects) so that all three stream
    # at once: like NetGear's, the receiver ends as soon as every server it has seen so far has
    # sent its terminate, and a sender that starts after that waits for a reply for ever.
    # Their first frame waits in the pipe until the receiver is up, which under load takes
    # longer than NetGear's default 4 s request_timeout: give them 30 s (an int >= 4, valid
    # for NetGear).
    servers = [Peer("server", "--multiserver-port", p, "--pattern", "1", "--fps", "30", "--frames", "30", "--size", "16x8",
                    "--request-timeout", "30") for p in ports]
    for srv in servers:
        srv.wait_ready()
    c = Peer("client", "--mode", "multiserver", "--ports", ",".join(ports), "--pattern", "1").wait_ready()
    for p, srv in zip(ports, servers):
        rc, s, _ = srv.result()
        check(rc == 0 and s["replies"] == {p: 30} and s["terminate_reply"] == "Termination signal successfully received at client!",
              "server %s" % p, s)
    rc, js, _ = c.result()
    check(rc == 0 and js["terminated"] and js["by_port"] == {p: 30 for p in ports}, "30 frames from each port", js)
    check(sorted(js["terminated_ports"]) == sorted(ports), "every terminate", js)


def test_strict_header_keys_like_netgear():
    """Keys NetGear indexes: a missing one is a protocol error (NetGear's thread dies)."""
    cases = [
        ([], {"compression": False, "message": None, "dtype": "uint8"}, "'shape'"),
        ([], {"compression": {"dct": True, "colorspace": "BGR"}, "message": None, "dtype": "", "shape": ""}, "'ups'"),
        (["--mode", "multiserver"], {"compression": False, "message": None, "dtype": "uint8", "shape": [1, 1, 3]}, "'port'"),
        (["--mode", "plain", "--bidirectional"], {"compression": False, "dtype": "uint8", "shape": [1, 1, 3]}, "'message'"),
    ]
    for extra, hdr, missing in cases:
        a = port()
        args = ["client", "--pattern", "0" if "plain" in extra else "2"] + extra
        args += ["--ports", a] if "multiserver" in extra else ["--port", a]
        c = Peer(*args).wait_ready()
        if "plain" in extra:
            x = zmq.Context.instance().socket(zmq.PAIR)
            x.connect("tcp://127.0.0.1:%s" % a)
        else:
            x = xpub_to(a)
        try:
            h = dict({"terminate_flag": False, "pattern": "2"}, **hdr)
            x.send_multipart([json.dumps(h).encode(), bytes(3) if hdr.get("dtype") else b"\xff\xd8\xff\xd9"])
            rc, js, _ = c.result()
            check(rc == 1 and js["exit"] == "error" and any(missing in e and "KeyError" in e for e in js["errors"]),
                  "missing %s is an error" % missing, js)
        finally:
            x.close(0)


def test_client_decodes_only_jpeg():
    """simplejpeg decodes JPEG only: a PNG that PIL would open is a decode error."""
    import io
    import numpy as np
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8), "RGB").save(buf, format="PNG")
    a = port()
    c = Peer("client", "--port", a, "--pattern", "2").wait_ready()
    x = xpub_to(a)
    try:
        h = {"terminate_flag": False, "compression": {"dct": True, "ups": False, "colorspace": "BGR"}, "message": None,
             "pattern": "2", "dtype": "", "shape": ""}
        x.send_multipart([json.dumps(h).encode(), buf.getvalue()])
        time.sleep(0.05)
        x.send(b'{"terminate_flag": true}')
        rc, js, err = c.result()
        check(rc == 1 and js["frames"] == 1 and js["decode_errors"] == 1 and js["terminated"], "PNG refused", js)
        check("simplejpeg decodes only JPEG" in err, "says why", err[-400:])
    finally:
        x.close(0)


# --------------------------------------------------------------------------- tests: bench


def test_bench_p1_and_p2():
    a = port()
    c = Peer("bench-client", "--port", a, "--pattern", "1").wait_ready()
    rc, s, _ = Peer("bench-server", "--ports", a, "--pattern", "1", "--seconds", "1", "--picam-header").result()
    check(rc == 0 and s["frames"] > 50 and s["cpu_seconds"] is not None and s["bytes_per_frame"] == 921600, "bench-server p1", s)
    rc, js, _ = c.result()
    check(rc == 0 and js["terminated"] and js["frames"] == s["replies"][a], "bench-client p1 counts every frame", js, s)
    check(js["cpu_seconds"] is not None and js["latency_ms"] is not None, "cpu and latency", js)
    b = port()
    c = Peer("bench-client", "--port", b, "--pattern", "2", "--decode").wait_ready()
    rc, s, _ = Peer("bench-server", "--ports", b, "--pattern", "2", "--seconds", "1", "--fps", "100", "--jpeg-bytes", "50000").result()
    check(rc == 0 and s["bytes_per_frame"] == 50000 and s["terminate_sent"] == 1, "bench-server p2 jpeg", s)
    rc, js, _ = c.result()
    check(rc == 0 and js["terminated"] and js["frames"] >= 0.3 * s["sent"] and js["bytes"] == 50000 * js["frames"], "bench-client p2", js, s)


# --------------------------------------------------------------------------- tests: secure mode


def test_secure_p1_ironhouse_shared_tree():
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        a = port()
        # The receiver finds no keys and makes the tree (zmq.auth.create_certificates), as NetGear does.
        c = Peer("client", "--port", a, "--pattern", "1", "--secure-mode", "2", "--cert-dir", d).wait_ready()
        check(os.path.exists(os.path.join(d, ".vidgear", "keys", "private_keys", "server.key_secret")), "key tree made")
        rc, s, _ = Peer("server", "--ports", a, "--pattern", "1", "--secure-mode", "ironhouse", "--cert-dir", d,
                        "--fps", "0", "--frames", "5", "--size", "16x8").result()
        check(rc == 0 and s["replies"] == {a: 5}, "server ok over CURVE", s)
        rc, js, _ = c.result()
        check(rc == 0 and js["frames"] == 5 and js["terminated"], "client ok over CURVE", js)


def test_secure_mismatched_trees_and_plaintext_refused():
    import tempfile
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        a, b = port(), port()
        ca = Peer("client", "--port", a, "--pattern", "1", "--secure-mode", "1", "--cert-dir", d1, "--max-seconds", "6").wait_ready()
        cb = Peer("client", "--port", b, "--pattern", "1", "--secure-mode", "1", "--cert-dir", d1, "--max-seconds", "6").wait_ready()
        # Another tree: the sender makes its own set, so its server key is wrong.
        sa = Peer("server", "--ports", a, "--pattern", "1", "--secure-mode", "1", "--cert-dir", d2, "--frames", "3",
                  "--max-retries", "1", *SHORT)
        # No secure mode at all.
        sb = Peer("server", "--ports", b, "--pattern", "1", "--frames", "3", "--max-retries", "1", *SHORT)
        for sv in (sa, sb):
            rc, s, _ = sv.result()
            check(rc == 1 and s["exit"] == "offline" and s["replies"] == {}, "sender never heard back", s)
        for c in (ca, cb):
            rc, js, _ = c.result()
            check(js["frames"] == 0, "receiver got nothing", js)


def test_secure_p2_netgear_receiver_gets_nothing():
    # NetGear's own bug (docs/curve.md 4.3): SUB with HWM 1 + CURVE + ZAP user-id = 0 frames.
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        a = port()
        c = Peer("client", "--port", a, "--pattern", "2", "--secure-mode", "2", "--cert-dir", d,
                 "--subscriber-timeout", "4", "--max-seconds", "8").wait_ready()
        rc, s, _ = Peer("server", "--ports", a, "--pattern", "2", "--secure-mode", "2", "--cert-dir", d,
                        "--fps", "50", "--frames", "50", "--size", "16x8").result()
        check(rc == 0 and s["sent"] == 50, "sender sent", s)
        rc, js, _ = c.result()
        check(js["frames"] == 0, "libzmq pipe accounting: the NetGear receiver gets 0 frames", js)


# --------------------------------------------------------------------------- runner


def run_one(fn):
    t = time.monotonic()
    try:
        fn()
    except Exception as e:
        detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
        return False, time.monotonic() - t, detail
    return True, time.monotonic() - t, ""


def main(argv):
    """Runs the tests, JOBS (default 4) at a time: most of their time is process start-up."""
    only = argv[argv.index("-k") + 1] if "-k" in argv else ""
    jobs = int(os.environ.get("JOBS", "4"))
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f) and only in n]
    passed = failed = 0
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run_one, fn): name for name, fn in tests}
        for fut in concurrent.futures.as_completed(futures):
            ok, took, detail = fut.result()
            if ok:
                passed += 1
                print("ok   %s (%.1fs)" % (futures[fut], took), flush=True)
            else:
                failed += 1
                print("FAIL %s (%.1fs): %s" % (futures[fut], took, detail), flush=True)
    print("total %.1fs" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed or not tests else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
