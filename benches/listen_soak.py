#!/usr/bin/env python3
"""Soak test of `loganon listen` (run by benches/listen_soak.sh; not by cargo test).

For SECONDS: RATE lines a second (half over one TCP connection, octet-counted,
half as UDP datagrams, both RFC 3164 as nginx sends them), SLOW slow clients
beside them (most trickle an unfinished frame a byte a second, some hold one
silently, some send whole short lines ten bytes a second), a probe client
every 5 s (a new connection, one line: how long until it is in the file), a
logrotate-style rotation (rename the output to out.log.N, then SIGHUP) every
ROTATE seconds, and the listener's RSS sampled every 5 s.

At the end (slow clients still connected, so their unfinished frames are
discarded, not ended by their end of stream): SIGTERM, then every output file
is read. Checks, exit 1 when one fails:
- every TCP line sent is in the files once (0 lost, 0 doubled);
- UDP lines missing = the listener's udp_dropped + udp_dropped_kernel (the
  kernel's drops are reported, not a failure);
- no unfinished frame of a slow client is in the files;
- the lines in the files = the listener's `written`;
- the RSS is flat: the last sample at most 16 MiB and 25% over the sample
  at the end of the first rotation period.
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

HEADER = b"<190>Nov 22 07:00:00 web1 nginx: "


def line(kind, n):
    """An nginx combined line whose path names its sender and number."""
    return (
        b'203.0.%d.%d - - [22/Nov/2026:07:00:00 +0000] "GET /soak/%s/%d HTTP/1.1" 200 5123 '
        b'"https://example.com/start" "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"'
        % ((n >> 8) & 255, n & 255, kind, n)
    )


def octet(msg):
    return b"%d %s" % (len(msg), msg)


class Listener:
    def __init__(self, binary, out):
        self.p = subprocess.Popen(
            [binary, "listen", "--tcp", "127.0.0.1:0", "--udp", "127.0.0.1:0", "-o", out, "--stats", "json"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.addr = {}
        self.stderr = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(30):
            sys.exit("listen did not start: %s" % b"".join(self.stderr).decode(errors="replace"))

    def _read(self):
        for raw in self.p.stderr:
            self.stderr.append(raw)
            m = re.match(rb"loganon: listening on (udp|tcp) (\S+):(\d+)", raw)
            if m:
                self.addr[m.group(1).decode()] = (m.group(2).decode(), int(m.group(3)))
                if len(self.addr) == 2:
                    self.ready.set()

    def rss_kib(self):
        try:
            with open("/proc/%d/status" % self.p.pid) as f:
                for s in f:
                    if s.startswith("VmRSS:"):
                        return int(s.split()[1])
        except OSError:
            return None
        return None

    def fds(self):
        try:
            return len(os.listdir("/proc/%d/fd" % self.p.pid))
        except OSError:
            return None

    def stats(self):
        for raw in reversed(self.stderr):
            if raw.startswith(b"{"):
                return json.loads(raw)
        return None


class Paced(threading.Thread):
    """Calls send(count) every 10 ms for `rate` lines a second until stopped."""

    def __init__(self, rate, stop):
        super().__init__(daemon=True)
        self.rate, self.stop = rate, stop
        self.sent = 0
        self.error = None

    def run(self):
        t0 = time.monotonic()
        tick = 0
        while not self.stop.is_set():
            tick += 1
            due = int(self.rate * tick / 100) - int(self.rate * (tick - 1) / 100)
            try:
                self.send(due)
            except OSError as e:
                self.error = e
                return
            wait = t0 + tick / 100 - time.monotonic()
            if wait > 0:
                time.sleep(wait)


class TcpSender(Paced):
    def __init__(self, addr, rate, stop):
        super().__init__(rate, stop)
        self.sock = socket.create_connection(addr)

    def send(self, count):
        n0 = self.sent
        self.sock.sendall(b"".join(octet(HEADER + line(b"tcp", n)) for n in range(n0, n0 + count)))
        self.sent += count


class UdpSender(Paced):
    def __init__(self, addr, rate, stop):
        super().__init__(rate, stop)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect(addr)
        self.failed = 0
        self.n = 0

    def send(self, count):
        for _ in range(count):
            try:
                self.sock.send(HEADER + line(b"udp", self.n))
                self.sent += 1
            except OSError:
                # not sent: not counted (its number is not used again)
                self.failed += 1
            self.n += 1


class Slow(threading.Thread):
    """SLOW connections: 8 in 10 trickle an unfinished frame a byte a second,
    1 in 10 holds one silently, 1 in 10 sends whole short lines 10 bytes a
    second (a line within 4 s, inside --frame-timeout). A closed one connects
    again after 1 s."""

    def __init__(self, addr, count, stop):
        super().__init__(daemon=True)
        self.addr, self.count, self.stop = addr, count, stop
        self.connects = 0
        self.closed = 0
        self.lines_sent = 0
        self.lines_begun = 0
        self.quit = threading.Event()

    def _open(self, k):
        try:
            s = socket.create_connection(self.addr, timeout=1)
            s.setblocking(False)
        except OSError:
            return None
        self.connects += 1
        kind = "slowline" if k % 10 == 9 else "held" if k % 10 == 8 else "trickle"
        c = {"sock": s, "kind": kind, "next": time.monotonic(), "buf": b""}
        if kind != "slowline":
            c["buf"] = b"198.51.100.%d slow %s frame that never ends " % (k % 250, kind.encode())
            # the first bytes at once: the frame begins now
            self._send(c, 12)
        return c

    def _send(self, c, n):
        if not c["buf"]:
            if c["kind"] == "trickle":
                c["buf"] = b"x" * 64
            elif c["kind"] == "slowline":
                # 34 to 40 bytes: whole within 4 s
                c["buf"] = b'203.0.113.9 "GET /soak/slow/%d "\n' % self.lines_begun
                self.lines_begun += 1
                c["line"] = True
            else:
                return True
        chunk, c["buf"] = c["buf"][:n], c["buf"][n:]
        try:
            c["sock"].send(chunk)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if c.get("line") and not c["buf"]:
            c["line"] = False
            self.lines_sent += 1
        return True

    def _alive(self, c):
        try:
            return c["sock"].recv(1, socket.MSG_PEEK) != b""
        except BlockingIOError:
            return True
        except OSError:
            return False

    def run(self):
        conns = [None] * self.count
        retry = [0.0] * self.count
        while not self.quit.is_set():
            now = time.monotonic()
            for k in range(self.count):
                c = conns[k]
                if c is None:
                    if now >= retry[k] and not self.stop.is_set():
                        conns[k] = self._open(k)
                    continue
                ok = self._alive(c)
                if ok and now >= c["next"] and not self.stop.is_set():
                    if c["kind"] == "trickle":
                        ok, c["next"] = self._send(c, 1), now + 1.0
                    elif c["kind"] == "slowline":
                        ok, c["next"] = self._send(c, 1), now + 0.1
                if not ok:
                    c["sock"].close()
                    conns[k] = None
                    retry[k] = now + 1.0
                    if not self.stop.is_set():
                        self.closed += 1
            time.sleep(0.05)
        for c in conns:
            if c:
                c["sock"].close()


class Tail(threading.Thread):
    """Follows the output across rotations; notes when each probe line
    appears."""

    def __init__(self, out, stop):
        super().__init__(daemon=True)
        self.out, self.stop = out, stop
        self.seen = {}

    def run(self):
        files = []  # [handle, inode, carry, last time it grew]
        while not self.stop.is_set():
            try:
                ino = os.stat(self.out).st_ino
                if not any(f[1] == ino for f in files):
                    files.append([open(self.out, "rb"), ino, b"", time.monotonic()])
            except FileNotFoundError:
                pass
            for f in list(files):
                data = f[0].read()
                now = time.monotonic()
                if data:
                    f[3] = now
                    buf = f[2] + data
                    cut = buf.rfind(b"\n") + 1
                    for m in re.finditer(rb"/soak/probe/(\d+) ", buf[:cut]):
                        self.seen.setdefault(int(m.group(1)), now)
                    f[2] = buf[cut:]
                elif len(files) > 1 and f is not files[-1] and now - f[3] > 5:
                    f[0].close()
                    files.remove(f)
            time.sleep(0.01)


def count_files(paths):
    """The lines of the output files: per kind the numbers seen (a count per
    number), and the lines of no kind."""
    seen = {b"tcp": bytearray(), b"udp": bytearray(), b"slow": bytearray(), b"probe": bytearray()}
    other, total = [], 0
    pat = re.compile(rb'"GET /soak/(tcp|udp|slow|probe)/(\d+)[ "]')
    for p in paths:
        with open(p, "rb") as f:
            for raw in f:
                total += 1
                m = pat.search(raw)
                if not m:
                    other.append(raw)
                    continue
                arr, n = seen[m.group(1)], int(m.group(2))
                if n >= len(arr):
                    arr.extend(bytes(n + 1 - len(arr) + 65536))
                arr[n] = min(arr[n] + 1, 255)
    return seen, other, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--rate", type=int, default=20000, help="lines a second, half TCP, half UDP")
    ap.add_argument("--rotate", type=float, default=60)
    ap.add_argument("--slow", type=int, default=300)
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()

    out = os.path.join(a.dir, "out.log")
    lis = Listener(a.bin, out)
    stop = threading.Event()
    tcp = TcpSender(lis.addr["tcp"], a.rate // 2, stop)
    udp = UdpSender(lis.addr["udp"], a.rate - a.rate // 2, stop)
    slow = Slow(lis.addr["tcp"], a.slow, stop)
    tail_stop = threading.Event()
    tail = Tail(out, tail_stop)
    for t in (tcp, udp, slow, tail):
        t.start()

    t0 = time.monotonic()
    rss = []  # (seconds, KiB, open fds)
    probes = {}  # number -> when sent
    rotated = []
    next_rss = next_probe = 0.0
    next_rotate = a.rotate
    while True:
        now = time.monotonic() - t0
        if now >= a.seconds or tcp.error or lis.p.poll() is not None:
            break
        if now >= next_rss:
            rss.append((now, lis.rss_kib(), lis.fds()))
            next_rss += 5
        if now >= next_probe:
            n = len(probes)
            try:
                with socket.create_connection(lis.addr["tcp"], timeout=5) as s:
                    s.sendall(line(b"probe", n) + b"\n")
                    probes[n] = time.monotonic()
            except OSError as e:
                print("probe %d failed: %s" % (n, e))
            next_probe += 5
        if now >= next_rotate:
            name = "%s.%d" % (out, len(rotated) + 1)
            os.rename(out, name)
            lis.p.send_signal(signal.SIGHUP)
            rotated.append(name)
            next_rotate += a.rotate
        time.sleep(0.05)
    elapsed = time.monotonic() - t0
    stop.set()
    for t in (tcp, udp):
        t.join()
    tcp.sock.close()
    rss.append((time.monotonic() - t0, lis.rss_kib(), lis.fds()))
    # the last probes are given a few seconds
    end = time.monotonic() + 5
    while time.monotonic() < end and not all(n in tail.seen for n in probes):
        time.sleep(0.05)
    lis.p.send_signal(signal.SIGTERM)
    try:
        code = lis.p.wait(120)
    except subprocess.TimeoutExpired:
        lis.p.kill()
        code = "killed after 120 s"
    slow.quit.set()
    slow.join()
    tail_stop.set()
    time.sleep(0.2)
    st = lis.stats() or {}

    files = rotated + [out]
    seen, other, total = count_files([f for f in files if os.path.exists(f)])

    def tally(kind, sent):
        arr = seen[kind]
        got = sum(1 for n in range(min(sent, len(arr))) if arr[n])
        doubled = sum(1 for n in range(min(sent, len(arr))) if arr[n] > 1)
        beyond = sum(1 for n in range(sent, len(arr)) if arr[n])
        return got, doubled, beyond

    ok = True
    print("listen soak: %.0f s, %d lines/s (%d TCP + %d UDP), %d slow clients, rotation every %.0f s"
          % (elapsed, a.rate, tcp.rate, udp.rate, a.slow, a.rotate))
    print("listener exit: %s; files: %d (%d rotations)" % (code, len(files), len(rotated)))
    if tcp.error:
        print("FAIL: the TCP sender's connection broke: %s" % tcp.error)
        ok = False
    got, doubled, beyond = tally(b"tcp", tcp.sent)
    lost = tcp.sent - got
    print("TCP: sent %d, in the files %d, lost %d, doubled %d" % (tcp.sent, got, lost, doubled))
    if lost or doubled or beyond:
        print("FAIL: TCP lines lost or doubled")
        ok = False
    ugot, udoubled, _ = tally(b"udp", udp.n)
    queue, kernel = st.get("udp_dropped", 0), st.get("udp_dropped_kernel", 0)
    umissing = udp.sent - ugot
    print("UDP: sent %d (send failed %d), in the files %d, missing %d; the listener counts dropped %d (queue) + %d (kernel)"
          % (udp.sent, udp.failed, ugot, umissing, queue, kernel))
    if udoubled or umissing != queue + kernel:
        print("FAIL: UDP lines missing beyond what the listener counts as dropped, or doubled")
        ok = False
    sgot, _, _ = tally(b"slow", slow.lines_begun)
    print("slow clients: %d connections made, %d closed by the listener before the stop; "
          "whole slow lines sent %d, in the files %d"
          % (slow.connects, slow.closed, slow.lines_sent, sgot))
    if other:
        print("FAIL: %d lines that no sender ended (unfinished frames) are in the files, e.g. %r" % (len(other), other[0][:80]))
        ok = False
    lat = [tail.seen[n] - t for n, t in probes.items() if n in tail.seen]
    print("probe lines (a new connection every 5 s): %d sent, %d in the files; latency median %.0f ms, max %.0f ms"
          % (len(probes), len(lat), 1000 * statistics.median(lat) if lat else -1, 1000 * max(lat) if lat else -1))
    if len(lat) != len(probes) or (lat and max(lat) >= 1.0):
        print("FAIL: a probe line was not in the file within a second")
        ok = False
    print("counters: " + ", ".join("%s %s" % (k, st.get(k)) for k in (
        "received", "written", "discarded", "connections_evicted", "connections_refused",
        "frame_timeouts", "idle_closed", "udp_dropped", "udp_dropped_kernel")))
    if st.get("written") != total:
        print("FAIL: the files hold %d lines, the listener says it wrote %s" % (total, st.get("written")))
        ok = False
    if code != 0:
        print("FAIL: the listener exited with %s" % code)
        ok = False
    # RSS: the sample at the end of the first rotation period against the last
    samples = [(t, k, f) for t, k, f in rss if k]
    base = next((s for s in samples if s[0] >= min(a.rotate, a.seconds / 2)), samples[0])
    last = samples[-1]
    peak = max(samples, key=lambda s: s[1])
    print("RSS (MiB, every 5 s): min %.1f, at %.0f s %.1f, peak %.1f at %.0f s, last %.1f at %.0f s; open fds last %s"
          % (min(s[1] for s in samples) / 1024, base[0], base[1] / 1024, peak[1] / 1024, peak[0],
             last[1] / 1024, last[0], last[2]))
    per_min = {}
    for t, k, _ in samples:
        per_min[int(t // 60)] = max(per_min.get(int(t // 60), 0), k)
    print("RSS peak per minute (MiB): " + " ".join("%.1f" % (v / 1024) for _, v in sorted(per_min.items())))
    if last[1] - base[1] > max(16 * 1024, base[1] // 4):
        print("FAIL: RSS grew from %.1f to %.1f MiB" % (base[1] / 1024, last[1] / 1024))
        ok = False
    print("PASS" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
