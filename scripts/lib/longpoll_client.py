#!/usr/bin/env python3
"""Long-poll benchmark client for scripts/bench-longpoll (Python 3.11, standard library only).

Speaks HTTP/1.1 to one `parley serve` over raw asyncio sockets (keep-alive, one connection
per waiter) and the PostgreSQL wire protocol (simple queries, trust authentication) to the
throwaway cluster, so the time a post's COMMIT returns and the time its recipient's answer
arrives are read from one clock in one event loop.

  setup  creates a tenant (operator API), N agents (admin API) and signs them in, in parallel;
         writes their ids and access tokens to a JSON file.
  run    opens W concurrent `GET /v1/notifications?wait=30` long-polls (each re-polls with the
         answer's nextCursor), waits until all are held, measures the server's RSS, CPU and
         PostgreSQL backends, posts K notifications one at a time straight into the database
         exactly as NotificationRepository.post does (advisory lock, clock_timestamp id,
         INSERT, pg_notify, COMMIT) and measures the wake-up latency: COMMIT returned ->
         recipient's response received. Baselines (1 and 500 waiters) run in the same process.
"""
import argparse
import asyncio
import collections
import json
import math
import os
import platform
import random
import struct
import sys
import time
import uuid

now = time.perf_counter
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------
# HTTP/1.1 client connection (asyncio protocol; responses in order, content-length or chunked)

class HTTPResponse:
    __slots__ = ("status", "headers", "body", "t")

    def __init__(self, status, headers, body, t):
        self.status, self.headers, self.body, self.t = status, headers, body, t

    def json(self):
        return json.loads(self.body) if self.body else None


class HTTPConnection(asyncio.Protocol):
    def __init__(self, host_header):
        self.host_header = host_header
        self.transport = None
        self.buf = bytearray()
        self.pending = collections.deque()
        self.head = None
        self.need = None
        self.chunked = False
        self.body = None
        self.lost = False

    @classmethod
    async def open(cls, host, port):
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(lambda: cls(f"{host}:{port}"), host, port)
        return conn

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        self.lost = True
        while self.pending:
            fut = self.pending.popleft()
            if not fut.done():
                fut.set_exception(ConnectionError(f"connection lost: {exc}"))

    def close(self):
        if self.transport and not self.transport.is_closing():
            self.transport.close()

    def request(self, method, path, headers=None, body=None):
        fut = asyncio.get_running_loop().create_future()
        if self.lost:
            fut.set_exception(ConnectionError("connection closed"))
            return fut
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host_header}"]
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        self.pending.append(fut)
        self.transport.write(data)
        return fut

    def data_received(self, data):
        self.buf += data
        while self.pending and self._parse_one():
            pass

    def _parse_one(self):
        buf = self.buf
        if self.head is None:
            i = buf.find(b"\r\n\r\n")
            if i < 0:
                return False
            lines = bytes(buf[:i]).decode("latin-1").split("\r\n")
            del buf[:i + 4]
            status = int(lines[0].split(" ", 2)[1])
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            self.head = (status, headers)
            self.chunked = "chunked" in headers.get("transfer-encoding", "").lower()
            self.need = int(headers.get("content-length", "0")) if not self.chunked else None
            self.body = bytearray()
        if not self.chunked:
            if len(buf) < self.need:
                return False
            body = bytes(buf[:self.need])
            del buf[:self.need]
        else:
            while True:
                if self.need is None:          # at a chunk-size line
                    i = buf.find(b"\r\n")
                    if i < 0:
                        return False
                    size = int(bytes(buf[:i]).split(b";")[0], 16)
                    del buf[:i + 2]
                    if size == 0:
                        self.need = -1
                    else:
                        self.need = size
                if self.need == -1:            # trailers up to an empty line
                    i = buf.find(b"\r\n")
                    if i < 0:
                        return False
                    del buf[:i + 2]
                    if i == 0:
                        break
                    continue
                if len(buf) < self.need + 2:
                    return False
                self.body += buf[:self.need]
                del buf[:self.need + 2]
                self.need = None
            body = bytes(self.body)
        status, headers = self.head
        self.head, self.need, self.body = None, None, None
        fut = self.pending.popleft()
        if not fut.done():
            fut.set_result(HTTPResponse(status, headers, body, now()))
        return True


async def call(conn, method, path, token=None, payload=None, expect=(200, 201)):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = None
    if payload is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(payload).encode()
    resp = await conn.request(method, path, headers, body)
    if resp.status not in expect:
        raise RuntimeError(f"{method} {path}: {resp.status} {resp.body[:300]!r}")
    return resp.json()


# ---------------------------------------------------------------------------------------------
# PostgreSQL wire protocol (v3, simple queries, trust auth)

class PGError(Exception):
    pass


class PGConnection(asyncio.Protocol):
    def __init__(self):
        self.transport = None
        self.buf = bytearray()
        self.waiter = None
        self.rows = []
        self.error = None

    @classmethod
    async def open(cls, host, port, user, database):
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(cls, host, port)
        params = b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0application_name\0longpoll-bench\0\0"
        conn.waiter = loop.create_future()
        conn.transport.write(struct.pack("!ii", 8 + len(params), 196608) + params)
        await conn.waiter
        return conn

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        if self.waiter and not self.waiter.done():
            self.waiter.set_exception(self.error or PGError(f"connection lost: {exc}"))

    def data_received(self, data):
        self.buf += data
        buf = self.buf
        while len(buf) >= 5:
            kind = buf[0]
            length = struct.unpack_from("!i", buf, 1)[0]
            if len(buf) < 1 + length:
                return
            msg = bytes(buf[5:1 + length])
            del buf[:1 + length]
            if kind == ord("R"):
                code = struct.unpack_from("!i", msg)[0]
                if code != 0:
                    self.error = PGError(f"authentication method {code} is not supported (trust only)")
            elif kind == ord("D"):
                n = struct.unpack_from("!h", msg)[0]
                pos, row = 2, []
                for _ in range(n):
                    size = struct.unpack_from("!i", msg, pos)[0]
                    pos += 4
                    if size < 0:
                        row.append(None)
                    else:
                        row.append(msg[pos:pos + size].decode(errors="replace"))
                        pos += size
                self.rows.append(row)
            elif kind == ord("E"):
                fields = {}
                for part in msg.split(b"\0"):
                    if part:
                        fields[chr(part[0])] = part[1:].decode(errors="replace")
                self.error = PGError(f"{fields.get('C', '')}: {fields.get('M', '')}")
            elif kind == ord("Z"):
                t = now()
                fut, self.waiter = self.waiter, None
                rows, self.rows = self.rows, []
                error, self.error = self.error, None
                if fut and not fut.done():
                    if error:
                        fut.set_exception(error)
                    else:
                        fut.set_result((rows, t))
            # 'S' parameter status, 'K' key data, 'T' row description, 'C' complete, 'N' notice: ignored

    async def query(self, sql):
        """Rows (as text) and the moment ReadyForQuery arrived."""
        assert self.waiter is None, "one query at a time"
        self.waiter = asyncio.get_running_loop().create_future()
        data = sql.encode() + b"\0"
        self.transport.write(b"Q" + struct.pack("!i", 4 + len(data)) + data)
        return await self.waiter

    async def scalar(self, sql):
        rows, _ = await self.query(sql)
        return rows[0][0] if rows else None

    def close(self):
        if self.transport:
            self.transport.write(b"X\0\0\0\4")
            self.transport.close()


def ordered_id(micros):
    """NotificationRepository.orderedID: UUIDv7 with the microseconds in the 12 bits after the milliseconds."""
    millis = max(0, micros // 1000)
    fraction = max(0, micros % 1000) * 4096 // 1000
    b = bytearray(os.urandom(16))
    for i in range(6):
        b[i] = (millis >> (8 * (5 - i))) & 0xFF
    b[6] = 0x70 | (fraction >> 8)
    b[7] = fraction & 0xFF
    b[8] = (b[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(b)))


# ---------------------------------------------------------------------------------------------
# Setup: tenant, users, tokens

async def worker_pool(host, port, concurrency, jobs, fn):
    queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    results = []

    async def work():
        conn = await HTTPConnection.open(host, port)
        try:
            while True:
                try:
                    job = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                for attempt in range(5):
                    try:
                        results.append(await fn(conn, job))
                        break
                    except ConnectionError:
                        conn = await HTTPConnection.open(host, port)
                        if attempt == 4:
                            raise
        finally:
            conn.close()

    await asyncio.gather(*(work() for _ in range(concurrency)))
    return results


async def setup(args):
    started = now()
    conn = await HTTPConnection.open(args.host, args.port)
    password = "longpoll-bench-pass-1"
    tenant = await call(conn, "POST", "/v1/operator/tenants", args.operator_token, {
        "slug": args.tenant, "name": "Long-poll bench", "plan": "professional",
        "admin": {"email": "admin@lp.example", "displayName": "Bench Admin", "password": password}})
    admin = await call(conn, "POST", "/v1/auth/login", None,
                       {"tenant": args.tenant, "email": "admin@lp.example", "password": password})
    conn.close()
    admin_token = admin["accessToken"]
    t_users = now()

    async def create(conn, i):
        user = await call(conn, "POST", "/v1/admin/users", admin_token, {
            "email": f"u{i:05d}@lp.example", "displayName": f"Waiter {i}", "role": "agent", "password": password})
        return (i, user["id"])

    created = sorted(await worker_pool(args.host, args.port, args.concurrency, range(args.users), create))
    t_login = now()

    async def login(conn, item):
        i, uid = item
        tok = await call(conn, "POST", "/v1/auth/login", None,
                         {"tenant": args.tenant, "email": f"u{i:05d}@lp.example", "password": password})
        return (i, uid, tok["accessToken"])

    tokens = sorted(await worker_pool(args.host, args.port, args.concurrency, created, login))
    done = now()
    out = {"tenantId": tenant["id"], "users": [{"id": uid, "token": tok} for _, uid, tok in tokens],
           "timings": {"createUsersSeconds": round(t_login - t_users, 2), "signInSeconds": round(done - t_login, 2),
                       "totalSeconds": round(done - started, 2), "concurrency": args.concurrency,
                       "users": len(tokens)}}
    with open(args.users_file, "w") as f:
        json.dump(out, f)
    print(f"setup: tenant {tenant['id']}, {len(tokens)} users created in {t_login - t_users:.1f} s, "
          f"signed in in {done - t_login:.1f} s (concurrency {args.concurrency})", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Waiters

class Waiter:
    """One keep-alive connection long-polling for one user, re-polling after every answer."""

    def __init__(self, bench, user, cursor, delay=0.0):
        self.bench, self.user = bench, user
        self.delay = delay           # before the first request (a ramp)
        self.connected = False
        self.conn = None
        self.cursor = cursor         # a position: notifications of earlier scenarios are behind it
        self.sent_at = None          # when the current request was written
        self.received = []           # notification ids, in order
        self.task = None

    async def run(self, go=None):
        b = self.bench
        try:
            self.conn = await HTTPConnection.open(b.host, b.port)
        except OSError as e:
            b.count["connect_errors"] += 1
            b.errors.append(f"connect: {e}")
            return
        self.connected = True
        if go is not None:
            await go.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        headers = {"Authorization": f"Bearer {self.user['token']}", "Accept": "application/json"}
        try:
            while not b.stopping:
                path = f"/v1/notifications?wait={b.wait}&limit=50"
                if self.cursor:
                    path += f"&after={self.cursor}"
                self.sent_at = now()
                b.count["requests"] += 1
                resp = await self.conn.request("GET", path, headers)
                elapsed = resp.t - self.sent_at
                if resp.status != 200:
                    b.count["non_200"] += 1
                    b.errors.append(f"{resp.status} {resp.body[:200]!r}")
                    await asyncio.sleep(1)
                    continue
                page = json.loads(resp.body)
                self.cursor = page.get("nextCursor") or self.cursor
                items = page["items"]
                if items:
                    b.count["answers_with_items"] += 1
                    for item in items:
                        self.received.append(item["id"])
                        b.delivered(self.user["id"], item["id"], resp.t, self.sent_at)
                elif elapsed >= b.wait - 1:
                    b.count["timeouts"] += 1
                    b.timeout_times.append(resp.t)
                    if b.on_timeout:
                        b.on_timeout()
                elif b.stopping:
                    b.count["closing"] += 1
                else:
                    b.count["early_empty"] += 1      # woken without anything for it
        except ConnectionError as e:
            if not b.stopping:
                b.count["connection_lost"] += 1
                b.errors.append(f"lost: {e}")
        finally:
            self.conn.close()


class Bench:
    def __init__(self, args, users, tenant_id):
        self.args = args
        self.host, self.port = args.host, args.port
        self.wait = args.wait
        self.users = users
        self.tenant_id = tenant_id
        self.pid = args.server_pid
        self.stopping = False
        self.waiters = []
        self.count = collections.Counter()
        self.errors = []
        self.expected = {}           # notification id -> future resolved with (t_recv, user, sent_at)
        self.stray = []              # deliveries nobody expected
        self.timeout_times = []
        self.on_timeout = None
        self.seq = 0

    # -- process and database facts

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return {"rssKiB": int(fields["VmRSS"].split()[0]), "hwmKiB": int(fields["VmHWM"].split()[0]),
                "threads": int(fields["Threads"].strip())}

    def cpu_ticks(self):
        with open(f"/proc/{self.pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return int(parts[11]) + int(parts[12])      # utime + stime (fields 14, 15)

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def pg_ticks(self):
        """utime + stime of the postmaster and its children, by pid."""
        out = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parts = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry) == self.pg_pid or int(parts[1]) == self.pg_pid:
                out[int(entry)] = int(parts[11]) + int(parts[12])
        return out

    @staticmethod
    def machine_ticks():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]             # total, idle + iowait

    async def cpu_percent(self, seconds):
        t0, c0, own0, pg0, m0 = now(), self.cpu_ticks(), sum(os.times()[:2]), self.pg_ticks(), self.machine_ticks()
        await asyncio.sleep(seconds)
        t1, c1, own1, pg1, m1 = now(), self.cpu_ticks(), sum(os.times()[:2]), self.pg_ticks(), self.machine_ticks()
        pg = sum(v - pg0[pid] for pid, v in pg1.items() if pid in pg0)
        total, idle = m1[0] - m0[0], m1[1] - m0[1]
        return {"serverCpuPercent": round(100.0 * (c1 - c0) / CLK_TCK / (t1 - t0), 2),
                "clientCpuPercent": round(100.0 * (own1 - own0) / (t1 - t0), 2),
                "postgresCpuPercent": round(100.0 * pg / CLK_TCK / (t1 - t0), 2),
                "machineBusyPercent": round(100.0 * (total - idle) / total * (os.cpu_count() or 1), 1) if total else None,
                "seconds": round(t1 - t0, 1)}

    async def backends(self):
        rows, _ = await self.mon.query(
            f"SELECT usename, coalesce(state, ''), count(*) FROM pg_stat_activity WHERE datname = '{self.args.database}' "
            "AND backend_type = 'client backend' GROUP BY 1, 2 ORDER BY 1, 2")
        service = sum(int(r[2]) for r in rows if r[0] == self.args.service_role)
        return {"serviceBackends": service, "byUserAndState": [f"{r[0]}/{r[1] or '-'}: {r[2]}" for r in rows]}

    async def xact_commits(self):
        """Transactions of the database so far (pg_stat_database: may lag by seconds; steady-state rates only)."""
        return int(await self.mon.scalar(
            f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{self.args.database}'"))

    async def looks(self):
        """How many times the service has read a user's notifications (NotificationRepository.list,
        once per look), from pg_stat_statements, which counts each statement as it ends."""
        return int(await self.stats.scalar(
            "SELECT coalesce(sum(calls), 0)::int8 FROM pg_stat_statements "
            "WHERE query LIKE 'SELECT id, kind, title, body, link, subject_type, subject_id, created_at, read_at FROM notifications%'"))

    # -- waiters

    def delivered(self, user_id, nid, t_recv, sent_at):
        fut = self.expected.pop(nid, None)
        if fut is None or fut.done():
            self.stray.append((user_id, nid))
            return
        fut.set_result((t_recv, user_id, sent_at))

    async def open_waiters(self, users, concurrency, go=None, ramp=0.0):
        """Starts one waiter per user (at most `concurrency` connects in flight) and returns once
        every first request is written — or, with `go`, once every connection is open (the
        requests start when `go` is set, spread over `ramp` seconds)."""
        gate = asyncio.Semaphore(concurrency)
        start_cursor = ordered_id(time.time_ns() // 1000)
        new = [Waiter(self, u, start_cursor, ramp * i / len(users)) for i, u in enumerate(users)]

        async def start(w):
            async with gate:
                w.task = asyncio.create_task(w.run(go))
                while not (w.connected if go else w.sent_at is not None) and not w.task.done():
                    await asyncio.sleep(0.002)

        await asyncio.gather(*(start(w) for w in new))
        self.waiters += new
        return new

    async def wait_held(self, before_looks, expected, timeout=120):
        """All requests are held once the service has looked once for each (each request's
        first look comes before it waits) and no answer came back."""
        t0 = now()
        answers0 = self.count["answers_with_items"] + self.count["timeouts"] + self.count["early_empty"]
        looks = 0
        while now() - t0 < timeout:
            looks = await self.looks() - before_looks
            if looks >= expected:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        answers = self.count["answers_with_items"] + self.count["timeouts"] + self.count["early_empty"]
        return {"heldAfterSeconds": round(now() - t0, 2), "looks": await self.looks() - before_looks,
                "answersWhileOpening": answers - answers0}

    async def close_waiters(self):
        self.stopping = True
        for w in self.waiters:
            if w.conn:
                w.conn.close()
        await asyncio.gather(*(w.task for w in self.waiters if w.task), return_exceptions=True)
        self.waiters = []
        self.stopping = False

    # -- look probe: a spare user's `wait=0` request is one look, timed end to end

    async def probe(self, user, stop, store, every=0.1):
        conn = await HTTPConnection.open(self.host, self.port)
        headers = {"Authorization": f"Bearer {user['token']}", "Accept": "application/json"}
        try:
            while not stop.is_set():
                t = now()
                resp = await conn.request("GET", "/v1/notifications?wait=0&limit=1", headers)
                store.append((t, (resp.t - t) * 1000))
                await asyncio.sleep(every)
        finally:
            conn.close()

    async def probed(self, coro, store):
        if self.probe_user is None:
            return await coro
        stop = asyncio.Event()
        task = asyncio.create_task(self.probe(self.probe_user, stop, store))
        try:
            return await coro
        finally:
            stop.set()
            await task

    # -- posts

    async def post_series(self, targets, gap_ms, label, paced=False):
        """Posts to each target user in turn, one at a time. Unpaced: the next only after the
        previous one's answer arrived, and only to a user whose current request has been held
        for 30 ms (waiting, not looking). Paced: every gap, whatever is in flight and whatever
        the target's request is doing (time-uniform samples through a re-poll backlog)."""
        loop = asyncio.get_running_loop()
        pending = []

        async def delivered(w, nid, t_sent, t_commit, age, fut):
            try:
                t_recv, uid, sent_at = await asyncio.wait_for(fut, timeout=self.wait + 10)
            except asyncio.TimeoutError:
                self.expected.pop(nid, None)
                return {"user": w.user["id"], "id": nid, "lost": True}
            assert uid == w.user["id"]
            return {"user": w.user["id"], "id": nid, "latencyMs": (t_recv - t_commit) * 1000,
                    "commitMs": (t_commit - t_sent) * 1000, "requestAgeMs": age * 1000,
                    "requestSentBeforeCommit": sent_at < t_sent, "atOffset": t_commit}

        for w in targets:
            await asyncio.sleep(random.uniform(gap_ms[0], gap_ms[1]) / 1000)
            while w.sent_at is None or (not paced and now() - w.sent_at < 0.030):
                await asyncio.sleep(0.005)
            self.seq += 1
            fut = loop.create_future()
            age = now() - w.sent_at
            nid, t_sent, t_commit = await self.post(w.user["id"], f"{label} {self.seq}", fut)
            task = asyncio.create_task(delivered(w, nid, t_sent, t_commit, age, fut))
            if not paced:
                await task
            pending.append(task)
        return list(await asyncio.gather(*pending))

    async def post(self, user_id, title, fut):
        """What NotificationRepository.post runs, statement for statement, in one transaction, as
        superuser (RLS does not apply, so the `.tenant` scope's SET LOCALs are not needed). The
        id is known after clock_timestamp(); the answer cannot come before COMMIT (NOTIFY is
        sent at commit), so `fut` is registered for it in between."""
        pg = self.pg
        uid = user_id.lower()
        await pg.query("BEGIN")
        await pg.query(f"SELECT pg_advisory_xact_lock(hashtext('parley.notifications.' || '{uid}'))")
        micros = int(await pg.scalar("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::int8"))
        nid = ordered_id(micros)
        self.expected[nid] = fut
        await pg.query(
            "INSERT INTO notifications (tenant_id, id, user_id, kind, title, body, link, subject_type, subject_id, created_at) "
            f"VALUES ('{self.tenant_id}', '{nid}', '{uid}', 'bench.longpoll', '{title}', '', NULL, NULL, NULL, "
            f"'epoch'::timestamptz + {micros} * interval '1 microsecond')")
        await pg.query(f"SELECT pg_notify('parley_notifications', '{uid}')")
        t_sent = now()
        _, t_commit = await pg.query("COMMIT")
        return nid, t_sent, t_commit


async def loop_lag_monitor(store, stop):
    """The client's own event-loop lag (a 5 ms sleep's overshoot): delays the client adds."""
    while not stop.is_set():
        t = now()
        await asyncio.sleep(0.005)
        store.append((t, (now() - t - 0.005) * 1000))


def percentile(values, q):
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def summarize(samples):
    lat = [s["latencyMs"] for s in samples if "latencyMs" in s]
    commit = [s["commitMs"] for s in samples if "commitMs" in s]
    return {"n": len(lat), "lost": sum(1 for s in samples if s.get("lost")),
            "p50": percentile(lat, 0.50), "p95": percentile(lat, 0.95), "p99": percentile(lat, 0.99),
            "max": max(lat) if lat else None, "mean": sum(lat) / len(lat) if lat else None,
            "commitP50": percentile(commit, 0.5),
            "notHeld": sum(1 for s in samples if s.get("requestSentBeforeCommit") is False)}


def probe_summary(probes):
    lat = [v for _, v in probes]
    return {"n": len(lat), "p50": percentile(lat, 0.5), "p99": percentile(lat, 0.99), "max": max(lat) if lat else None}


def lag_summary(lags, t0, t1):
    window = [v for t, v in lags if t0 <= t <= t1]
    return {"p99": percentile(window, 0.99), "max": max(window) if window else None}


def check_deliveries(bench, waiters, posted):
    """Every sampled user got exactly its notifications, nobody else got any."""
    wanted = collections.defaultdict(list)
    for s in posted:
        wanted[s["user"]].append(s["id"])
    bad = []
    for w in waiters:
        got = w.received
        want = wanted.get(w.user["id"], [])
        if got != want:
            bad.append((w.user["id"], got, want))
    return {"usersChecked": len(waiters), "mismatches": len(bad), "examples": bad[:3], "stray": len(bench.stray)}


async def scenario(bench, n_waiters, k, gap_ms, label, lags, measure=False, wave=False):
    """Opens n_waiters, waits until held, optionally measures idle costs, posts k, checks."""
    r = {"waiters": n_waiters, "posts": k}
    users = bench.users[:n_waiters]
    before = await bench.looks()
    c0 = collections.Counter(bench.count)
    t_open = now()
    if measure:
        # Connections first, with no request on them: what a connection alone costs.
        go = asyncio.Event()
        waiters = await bench.open_waiters(users, bench.args.connect_concurrency, go, bench.args.ramp)
        r["connectSeconds"] = round(now() - t_open, 2)
        await asyncio.sleep(1)
        r["connectionsOnly"] = {**bench.rss_kib(), **(await bench.cpu_percent(3)), "serverFds": bench.open_fds()}
        t_open = now()
        go.set()
        while any(w.sent_at is None for w in waiters if not w.task.done()):
            await asyncio.sleep(0.01)
    else:
        waiters = await bench.open_waiters(users, bench.args.connect_concurrency)
    r["openSeconds"] = round(now() - t_open, 2)
    held = await bench.wait_held(before, n_waiters)
    r["held"] = held
    if measure:
        await asyncio.sleep(1)
        r["idle"] = {**bench.rss_kib(), **(await bench.cpu_percent(bench.args.idle_seconds)),
                     **(await bench.backends()), "serverFds": bench.open_fds()}
    if n_waiters == 1:
        targets = [waiters[0]] * k
    else:
        targets = random.sample(waiters, k)
    l0 = await bench.looks()
    c1 = collections.Counter(bench.count)
    t0 = now()
    probes = []
    samples = await bench.probed(bench.post_series(targets, gap_ms, label), probes)
    t1 = now()
    await asyncio.sleep(0.3)          # the last woken waiter's re-poll looks and waits
    l1 = await bench.looks()
    c2 = collections.Counter(bench.count)
    r["quiet"] = summarize(samples)
    r["quiet"]["seconds"] = round(t1 - t0, 2)
    r["quiet"]["clientLoopLagMs"] = lag_summary(lags, t0, t1)
    r["quiet"]["timeoutsDuringPosts"] = c2["timeouts"] - c1["timeouts"]
    r["quiet"]["postsEndAtOffset"] = round(t1 - t_open, 1)
    r["quiet"]["probeLookMs"] = probe_summary(probes)
    # Looks in the window: one per request the client started (re-polls after an answer or a
    # timeout) and one per woken waiter. More means waiters were woken (and looked, and
    # waited again without answering) that nobody posted to.
    requests = c2["requests"] - c1["requests"]
    wakes = r["quiet"]["n"]
    expected = requests + wakes + len(probes)
    r["quiet"]["looks"] = {"observed": l1 - l0, "expected": expected, "wakeLooks": wakes, "probeLooks": len(probes),
                           "requestLooks": requests, "extra": (l1 - l0) - expected}
    all_samples = list(samples)
    if wave:
        # Synchronized re-polls: every waiter opened within openSeconds, so all of them time
        # out (and look again) within about that long, once every `wait` seconds.
        first = asyncio.get_running_loop().create_future()
        bench.on_timeout = lambda: first.done() or first.set_result(now())
        t_first = await first
        bench.on_timeout = None
        c3 = collections.Counter(bench.count)
        x3, l3 = await bench.xact_commits(), await bench.looks()
        cpu_task = asyncio.create_task(bench.cpu_percent(bench.wait))
        t3 = now()
        wave_targets = random.sample(waiters, k)
        wave_probes = []
        perfs = []
        if bench.args.perf:
            # The server, and PostgreSQL's processes, during the backlog the wave leaves.
            for pids, out in ((str(bench.pid), bench.args.perf),
                              (",".join(str(p) for p in bench.pg_ticks()), bench.args.perf + ".pg")):
                perfs.append(await asyncio.create_subprocess_exec(
                    "perf", "record", "-F", "499", "-g", "-p", pids, "-o", out, "--", "sleep", "6",
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))
        looks_track = []
        track_stop = asyncio.Event()

        async def track():
            while not track_stop.is_set():
                looks_track.append((now(), await bench.looks()))
                await asyncio.sleep(0.1)

        track_task = asyncio.create_task(track())
        wave_samples = await bench.probed(
            bench.post_series(wave_targets, (bench.args.wave_gap_ms, bench.args.wave_gap_ms), label + "-wave", paced=True),
            wave_probes)
        t4 = now()
        track_stop.set()
        await track_task
        for perf in perfs:
            await perf.wait()
        cpu = await cpu_task
        c4 = collections.Counter(bench.count)
        tt = [t for t in bench.timeout_times if t_first - 0.001 <= t <= t_first + bench.wait / 2]
        r["wave"] = summarize(wave_samples)
        r["wave"]["seconds"] = round(t4 - t3, 2)
        r["wave"]["clientLoopLagMs"] = lag_summary(lags, t3, t4)
        r["wave"]["timeoutsDuringPosts"] = sum(1 for t in tt if t3 <= t <= t4)
        r["wave"]["waveSeconds"] = round(percentile(tt, 0.95) - t_first, 2) if tt else None
        r["wave"]["timeoutsInWave"] = c4["timeouts"] - c3["timeouts"]
        r["steady"] = {**cpu, **bench.rss_kib(), **(await bench.backends()),
                       "repollsPerSecond": round((c4["requests"] - c3["requests"]) / cpu["seconds"], 1)}
        # The wave: from the first time-out to the 95th percentile of those in the next wait/2 s
        # (waiters woken by the quiet posts re-polled at other times and time out later). The
        # backlog it leaves lasts until the service has looked once for each of those re-polls.
        wave_end = percentile(tt, 0.95) if tt else t4
        need = len(tt)
        drained = next((t for t, v in looks_track if v - l3 >= need), None)
        r["wave"]["backlogSeconds"] = round(drained - t_first, 2) if drained else None
        wave_end = max(wave_end, drained or t4)
        inside = [s for s in wave_samples if "atOffset" in s and s["atOffset"] <= wave_end]
        r["wave"]["insideWave"] = summarize(inside)
        # The target's request was sent before the first time-out: it was held, not re-polling.
        held_before = [s for s in inside if s["requestAgeMs"] / 1000 > s["atOffset"] - t_first]
        r["wave"]["insideWaveHeldFromBefore"] = summarize(held_before)
        r["wave"]["probeLookMs"] = probe_summary(wave_probes)
        r["wave"]["probeLookMsInsideWave"] = probe_summary([p for p in wave_probes if t_first <= p[0] <= wave_end])
        all_samples += wave_samples
        r["steady"]["xactsPerSecond"] = round(((await bench.xact_commits()) - x3) / (now() - t3), 1)
        r["steady"]["looksPerSecond"] = round(((await bench.looks()) - l3) / (now() - t3), 1)
    await asyncio.sleep(0.5)
    r["check"] = check_deliveries(bench, waiters, all_samples)
    r["counts"] = {k2: bench.count[k2] - c0[k2] for k2 in
                   ("requests", "answers_with_items", "timeouts", "early_empty", "non_200", "connection_lost",
                    "connect_errors")}
    r["samples"] = [{k2: v for k2, v in s.items() if k2 != "atOffset"} for s in all_samples]
    await bench.close_waiters()
    return r


async def run(args):
    random.seed(args.seed)
    with open(args.users_file) as f:
        data = json.load(f)
    users = data["users"]
    bench = Bench(args, users[:args.waiters], data["tenantId"])
    bench.probe_user = users[args.waiters] if len(users) > args.waiters else None
    with open(os.path.join(args.pg_data, "postmaster.pid")) as f:
        bench.pg_pid = int(f.readline())
    bench.mon = await PGConnection.open(args.host, args.pg_port, "postgres", "postgres")
    bench.pg = await PGConnection.open(args.host, args.pg_port, "postgres", args.database)      # posts
    bench.stats = await PGConnection.open(args.host, args.pg_port, "postgres", args.database)   # pg_stat_statements
    lags, stop = [], asyncio.Event()
    lag_task = asyncio.create_task(loop_lag_monitor(lags, stop))
    results = {"setup": data.get("timings"), "scenarios": []}
    gap = (args.gap_min_ms, args.gap_max_ms)
    scenario_sizes = [int(x) for x in args.baselines.split(",") if x] + [args.waiters]
    await asyncio.sleep(2)
    results["zeroFresh"] = {**bench.rss_kib(), **(await bench.cpu_percent(args.idle_seconds)), "serverFds": bench.open_fds()}
    for n in scenario_sizes[:-1]:
        print(f"baseline: {n} waiter(s), {args.posts} posts", file=sys.stderr)
        k = args.posts if n == 1 else min(args.posts, n)
        results["scenarios"].append(await scenario(bench, n, k, gap, f"b{n}", lags))
        print(f"  p50 {results['scenarios'][-1]['quiet']['p50']:.2f} ms  p99 {results['scenarios'][-1]['quiet']['p99']:.2f} ms",
              file=sys.stderr)
    # Waits of closed connections may stay registered until their time is up: let it pass.
    print(f"letting closed waits expire ({args.wait + 2} s), then measuring with 0 waiters", file=sys.stderr)
    await asyncio.sleep(args.wait + 2)
    zero = {**bench.rss_kib(), **(await bench.cpu_percent(args.idle_seconds)), **(await bench.backends()),
            "serverFds": bench.open_fds()}
    results["zero"] = zero
    print(f"zero waiters: RSS {zero['rssKiB']} KiB, CPU {zero['serverCpuPercent']} %", file=sys.stderr)
    print(f"main: {args.waiters} waiters, {args.posts} posts quiet + {args.posts} during the re-poll wave", file=sys.stderr)
    main = await scenario(bench, args.waiters, args.posts, gap, f"w{args.waiters}", lags, measure=True, wave=True)
    results["scenarios"].append(main)
    stop.set()
    await lag_task
    # What one look costs PostgreSQL, statement by statement (the service role's, whole run).
    rows, _ = await bench.stats.query(
        "SELECT sum(calls), round((sum(total_plan_time) / sum(calls))::numeric, 3), "
        "round((sum(total_exec_time) / sum(calls))::numeric, 3), q FROM ("
        "  SELECT calls, total_plan_time, total_exec_time,"
        "         left(regexp_replace(regexp_replace(query, '\\s+', ' ', 'g'), '''[^'']*''', '''...''', 'g'), 90) AS q"
        "  FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid"
        f"  WHERE r.rolname = '{args.service_role}') x "
        "GROUP BY q HAVING sum(calls) >= 1000 ORDER BY sum(calls) DESC, q LIMIT 10")
    results["statements"] = [{"calls": int(c), "planMs": float(pl), "execMs": float(ex), "query": q} for c, pl, ex, q in rows]
    bench.mon.close()
    bench.pg.close()
    bench.stats.close()
    results["errors"] = bench.errors[:20]
    results["pool"] = args.pool_size
    with open(args.results_file, "w") as f:
        json.dump(results, f, indent=1)
    print(f"  quiet p50 {main['quiet']['p50']:.2f} p99 {main['quiet']['p99']:.2f} ms; wave p99 {main['wave']['p99']:.2f} ms",
          file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Report

def fmt(v, digits=1):
    return "–" if v is None else f"{v:.{digits}f}"


def machine_facts():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024 // 1024
    return f"{os.cpu_count()} cores ({model}), {mem} GiB RAM, Linux {platform.release()}, Python {platform.python_version()}"


def report(args):
    with open(args.results_file) as f:
        r = json.load(f)
    facts = dict(kv.split("=", 1) for kv in args.fact)
    sc = r["scenarios"]
    main = sc[-1]
    W = main["waiters"]
    target = args.target_p99_ms
    ramp = float(facts.get("ramp", "0") or 0)
    lines = []
    add = lines.append
    add("# Long-poll wake-up benchmark (`scripts/bench-longpoll`)")
    add("")
    add(f"Command: `{facts.get('command', 'scripts/bench-longpoll')}` — run finished "
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z', time.localtime(os.path.getmtime(args.results_file)))}.")
    add("")
    add(f"- Machine: {machine_facts()}; shared and noisy (other engineers' builds and tests ran alongside), so compare "
        "figures within one run only; the \"machine busy\" row below shows how much.")
    add(f"- Server: one `parley serve`, {facts.get('binary', '?')}, git {facts.get('git', '?')}; PostgreSQL {facts.get('pg', '?')} "
        f"(throwaway cluster, fsync off, pg_stat_statements loaded), `PARLEY_DB_POOL_SIZE={r['pool']}`, `PARLEY_BCRYPT_COST=4`, "
        f"`ulimit -n` {facts.get('ulimit', '?')}. Client, server and PostgreSQL share the 2 cores.")
    s_ = r.get("setup") or {}
    add(f"- Setup through the API: {s_.get('users')} agents created by `POST /v1/admin/users` in {s_.get('createUsersSeconds')} s "
        f"and signed in by `POST /v1/auth/login` in {s_.get('signInSeconds')} s ({s_.get('concurrency')} keep-alive connections in "
        "parallel): one waiter (connection) per user, one spare user for the look probe.")
    add(f"- Waiters: `GET /v1/notifications?wait={args.wait}&limit=50` on keep-alive connections (Python asyncio, raw sockets), "
        "re-polling with `after=nextCursor` after every answer; each scenario starts from a fresh cursor. "
        + (f"The {W:,} first requests were spread over {ramp:g} s." if ramp else
           f"The {W:,} first requests were sent as fast as the client could ({main['openSeconds']} s), like clients reconnecting after a deploy."))
    add("- Posts: straight into PostgreSQL, statement for statement as the export worker's `NotificationRepository.post` "
        "(superuser, one transaction: `pg_advisory_xact_lock`, `clock_timestamp()` id, `INSERT`, `pg_notify`, `COMMIT`), one at a "
        f"time: while all wait {args.gap} ms apart, the next after the previous answer arrived, each to a user whose request had been "
        "held ≥ 30 ms; from the first time-out on one every 50 ms without waiting for answers (time-uniform samples through the "
        "re-poll backlog), each to a random waiter whatever its request was doing. "
        "`parley serve` runs no export worker, and an export per sample would time rendering, not waking.")
    add("- Wake-up latency = the post's `COMMIT` answer received → that user's HTTP response received, both in the client's "
        "one event loop (its own loop lag is shown). Look = one `wait=0` request of the spare user every 100 ms during the posts: "
        "what one pass through the route and its transaction takes at that moment.")
    add("")
    add("## Wake-up latency")
    add("")
    add("| waiters held | posts | samples | p50 ms | p95 ms | p99 ms | max ms | look p50 / p99 ms | client loop lag p99 / max ms | lost |")
    add("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")

    def row(waiters, phase, q, probe):
        pr = f"{fmt(probe.get('p50'))} / {fmt(probe.get('p99'))}" if probe and probe.get("n") else "–"
        lag = q.get("clientLoopLagMs")
        lag = f"{fmt(lag['p99'])} / {fmt(lag['max'])}" if lag else ""
        add(f"| {waiters:,} | {phase} | {q['n']} | {fmt(q['p50'], 2)} | {fmt(q['p95'], 2)} | {fmt(q['p99'], 2)} | {fmt(q['max'], 2)} "
            f"| {pr} | {lag} | {q.get('lost', '')} |")

    for x in sc:
        row(x["waiters"], "while all wait" if x is not main or not ramp else "steady state", x["quiet"], x["quiet"].get("probeLookMs"))
    if "wave" in main:
        w = main["wave"]
        row(W, f"from the first time-out on ({w['seconds']} s; wave {w.get('waveSeconds')} s, {w.get('timeoutsInWave')} re-polls)",
            w, w.get("probeLookMs"))
        if not ramp:
            row(W, f"… of which inside the re-poll backlog (first time-out + {w.get('backlogSeconds')} s, until every re-poll had looked)",
                w["insideWave"], w.get("probeLookMsInsideWave"))
            if w.get("insideWaveHeldFromBefore", {}).get("n"):
                row(W, "… … to a waiter still held from before the wave (not re-polling itself)", w["insideWaveHeldFromBefore"], None)
    base = sc[0]["quiet"]
    add("")
    add(f"Ratio {W:,} waiters / 1 waiter, while all wait: p50 ×{main['quiet']['p50'] / base['p50']:.2f}, "
        f"p99 ×{main['quiet']['p99'] / base['p99']:.2f}.")
    ok_quiet = main["quiet"]["p99"] is not None and main["quiet"]["p99"] <= target and main["quiet"]["lost"] == 0
    verdict = f"**Target (p99 ≤ {target:g} ms with {W:,} idle waiters): {'met' if ok_quiet else 'MISSED'} while they wait " \
              f"(p99 {fmt(main['quiet']['p99'], 2)} ms)"
    if "wave" in main:
        w = main["wave"]
        ok_wave = w["p99"] is not None and w["p99"] <= target and w["lost"] == 0
        verdict += f"; {'met' if ok_wave else 'MISSED'} across their re-poll cycle (p99 {fmt(w['p99'], 2)} ms"
        verdict += (f", inside the re-poll backlog p50 {fmt(w['insideWave']['p50'], 0)} ms over {w['insideWave']['n']} samples)"
                    if not ramp else ")")
    add("")
    add(verdict + ".**")
    add("")
    add("## What idle waiters cost (one process)")
    add("")
    z, zf, idle, co = r["zero"], r.get("zeroFresh"), main["idle"], main.get("connectionsOnly")
    st = main.get("steady", {})
    cols = [("0 waiters, after setup", zf), ("0 waiters, after the baselines", z),
            (f"{W:,} open connections, no request", co), (f"{W:,} idle waiters (held)", idle),
            (f"{W:,} waiters, one {args.wait} s cycle incl. re-polls", st)]
    cols = [(n, c) for n, c in cols if c]
    add("| | " + " | ".join(n for n, _ in cols) + " |")
    add("|---|" + "---:|" * len(cols))

    def line(label, f):
        add(f"| {label} | " + " | ".join(f(c) for _, c in cols) + " |")

    line("server RSS (VmRSS)", lambda c: f"{c['rssKiB'] / 1024:.1f} MiB")
    line("server CPU, % of one core", lambda c: f"{c['serverCpuPercent']} % ({c['seconds']} s)")
    line("PostgreSQL CPU (all its processes)", lambda c: f"{c.get('postgresCpuPercent', '–')} %")
    line("client CPU (this benchmark)", lambda c: f"{c.get('clientCpuPercent', '–')} %")
    line("machine busy, % of one core (all processes)", lambda c: f"{c.get('machineBusyPercent', '–')} %")
    line("service-role PostgreSQL backends", lambda c: f"{c.get('serviceBackends', '–')}")
    line("server threads / open fds", lambda c: f"{c['threads']} / {c.get('serverFds', '–')}")
    per = (idle["rssKiB"] - z["rssKiB"]) * 1024 / W
    add("")
    text = f"RSS per idle waiter: {per / 1024:.1f} KiB"
    if co:
        text += (f" ({(co['rssKiB'] - z['rssKiB']) / W:.1f} KiB for the open connection, "
                 f"{(idle['rssKiB'] - co['rssKiB']) / W:.1f} KiB more once its request is held)")
    add(text + f". Backends by role/state while held: {', '.join(idle['byUserAndState'])} (the `postgres` ones are this "
        f"benchmark's poster and statistics reader; pool {r['pool']}, and the listener's connection is leased from the pool, so the service never "
        f"exceeds {r['pool']}). Over one cycle: {st.get('repollsPerSecond')} requests/s, {st.get('looksPerSecond')} looks/s, "
        f"{st.get('xactsPerSecond')} transactions/s: the re-polls every `wait` seconds are all a held waiter costs.")
    add("")
    add("## Correctness")
    add("")
    add("| waiters | first requests sent in s | all held after s more (looks) | posts delivered / sent | users with exactly their "
        "notifications | stray deliveries | early empty answers | time-outs | errors | looks during the posts while all wait: observed / expected |")
    add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for x in sc:
        n_posts = x["quiet"]["n"] + (x["wave"]["n"] if "wave" in x else 0)
        sent = x["posts"] * (2 if "wave" in x else 1)
        c = x["counts"]
        add(f"| {x['waiters']:,} | {x['openSeconds']} | {x['held']['heldAfterSeconds']} ({x['held']['looks']}) | {n_posts} / {sent} | "
            f"{x['check']['usersChecked'] - x['check']['mismatches']} / {x['check']['usersChecked']} | {x['check']['stray']} | {c['early_empty']} | "
            f"{c['timeouts']} | {c['non_200'] + c['connection_lost'] + c['connect_errors']} | {x['quiet']['looks']['observed']} / {x['quiet']['looks']['expected']} |")
    add("")
    add("Looks = executions of `NotificationRepository.list` counted by `pg_stat_statements` (immediately, unlike "
        "`pg_stat_database`). Expected during the posts: one per woken waiter plus one per request the client started (the "
        "re-polls) and one per probe request. A waiter woken for someone else's notification would look and wait again without answering, so it would "
        "show as an extra look, not as an answer. Early empty answers = no items before `wait` was up (a `recheck` wake).")
    if r.get("statements"):
        add("")
        add("## What a look costs PostgreSQL (pg_stat_statements, service role, whole run, literals folded)")
        add("")
        add("| calls | mean plan ms | mean exec ms | statement |")
        add("|---:|---:|---:|---|")
        for st_ in r["statements"]:
            q = st_["query"].replace("|", "\\|")
            add(f"| {st_['calls']:,} | {st_['planMs']:.3f} | {st_['execMs']:.3f} | `{q}` |")
    if r.get("errors"):
        add("")
        add("Errors seen: " + "; ".join(r["errors"][:5]))
    if args.notes and os.path.exists(args.notes):
        add("")
        with open(args.notes) as f:
            add(f.read().rstrip())
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--host", default="127.0.0.1")
    common.add_argument("--port", type=int, help="the API's port")
    common.add_argument("--users-file", required=True)
    s = sub.add_parser("setup", parents=[common])
    s.add_argument("--operator-token", required=True)
    s.add_argument("--tenant", default="longpoll")
    s.add_argument("--users", type=int, default=5000)
    s.add_argument("--concurrency", type=int, default=16)
    r = sub.add_parser("run", parents=[common])
    r.add_argument("--pg-port", type=int, required=True)
    r.add_argument("--database", default="longpoll")
    r.add_argument("--service-role", default="parley_app")
    r.add_argument("--server-pid", type=int, required=True)
    r.add_argument("--pool-size", type=int, default=20)
    r.add_argument("--waiters", type=int, default=5000)
    r.add_argument("--baselines", default="1,500")
    r.add_argument("--posts", type=int, default=200)
    r.add_argument("--wait", type=int, default=30)
    r.add_argument("--gap-min-ms", type=float, default=10)
    r.add_argument("--gap-max-ms", type=float, default=20)
    r.add_argument("--wave-gap-ms", type=float, default=50,
                   help="posts from the first time-out on: one every this many ms, not waiting for answers")
    r.add_argument("--idle-seconds", type=float, default=10)
    r.add_argument("--connect-concurrency", type=int, default=200)
    r.add_argument("--seed", type=int, default=42)
    r.add_argument("--pg-data", required=True, help="the cluster's data directory (postmaster.pid: PostgreSQL's CPU)")
    r.add_argument("--ramp", type=float, default=0.0,
                   help="spread the main scenario's first requests over this many seconds (0: all at once)")
    r.add_argument("--perf", help="perf record the server into this file during the re-poll wave")
    r.add_argument("--results-file", required=True)
    o = sub.add_parser("report")
    o.add_argument("--results-file", required=True)
    o.add_argument("--out", required=True)
    o.add_argument("--fact", action="append", default=[], help="key=value (command, binary, git, pg, ulimit)")
    o.add_argument("--wait", type=int, default=30)
    o.add_argument("--gap", default="10–20")
    o.add_argument("--target-p99-ms", type=float, default=100)
    o.add_argument("--notes", help="a Markdown file appended to the report (findings)")
    args = p.parse_args()
    if args.cmd == "setup":
        asyncio.run(setup(args))
    elif args.cmd == "run":
        asyncio.run(run(args))
    else:
        report(args)


if __name__ == "__main__":
    main()
