# Trials of a real `parley serve` against misbehaving clients and a vanishing database:
# partial headers, a stalled body, an idle keep-alive connection, a normal request, and
# SIGTERM after PostgreSQL has gone away. Sourced by scripts/test after the walk-through;
# needs scripts/lib/common.sh (pg_start, pg_stop, pg_create_roles, pg_super, free_port,
# as_pg_user, pg_bindir, log). Runs on its own throwaway cluster, on 127.0.0.1 only.

SERVER_TRIALS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Short timeouts, so the trials take seconds; the server reads them like any other setting.
TRIAL_HEADER_TIMEOUT=2
TRIAL_BODY_TIMEOUT=2
TRIAL_IDLE_TIMEOUT=4      # over the header timeout + 1 s, so the two cannot be mistaken
TRIAL_SHUTDOWN_TIMEOUT=5
TRIAL_SLACK=1.5           # allowed lateness of a connection timeout, in seconds
TRIAL_EXIT_SLACK=5        # allowed lateness of the exit after the shutdown bound

# run_server_trials PARLEY_BINARY — exits non-zero naming every check that failed.
# The body is a subshell, so its traps and `set` options never touch the caller's.
run_server_trials() (
    set +e -u -o pipefail   # every step's outcome is checked here, to report them all
    local bin="$1" pgdata dir pg_port api_port server_pid="" failures=()
    pgdata=$(mktemp -d /tmp/parley-trials-pg.XXXXXX)
    dir=$(mktemp -d /tmp/parley-trials.XXXXXX)
    cleanup() {
        if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
            kill -9 "$server_pid" 2>/dev/null
            { wait "$server_pid"; } 2>/dev/null
        fi
        jobs -p | xargs -r kill 2>/dev/null
        pg_stop "$pgdata"
        rm -rf "$pgdata" "$dir"
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM

    pg_port=$(free_port)
    pg_start "$pgdata" "$pg_port" || exit 1
    pg_create_roles "$pg_port" || exit 1
    pg_super "$pg_port" -d postgres -c "CREATE DATABASE trials OWNER parley_owner" >/dev/null || exit 1
    api_port=$(free_port)
    (
        export PARLEY_DATABASE_URL="postgres://parley_app@127.0.0.1:$pg_port/trials"
        export PARLEY_MIGRATION_DATABASE_URL="postgres://parley_owner@127.0.0.1:$pg_port/trials"
        export PARLEY_SQL_DIR="$SERVER_TRIALS_ROOT/sql"
        export PARLEY_JWT_SECRET="trials-jwt-secret-0123456789abcdef0123"
        export PARLEY_OPERATOR_TOKEN="trials-operator-token-0123456789abcdef"
        export PARLEY_AUDIT_KEY="trials-audit-key-0123456789abcdef0123"
        use_throwaway_contact_keys
        export PARLEY_HOST=127.0.0.1 PARLEY_PORT="$api_port" PARLEY_BCRYPT_COST=4 PARLEY_LOG_LEVEL=info
        export PARLEY_HEADER_TIMEOUT_SECONDS=$TRIAL_HEADER_TIMEOUT PARLEY_BODY_TIMEOUT_SECONDS=$TRIAL_BODY_TIMEOUT
        export PARLEY_IDLE_TIMEOUT_SECONDS=$TRIAL_IDLE_TIMEOUT PARLEY_SHUTDOWN_TIMEOUT_SECONDS=$TRIAL_SHUTDOWN_TIMEOUT
        "$bin" migrate >/dev/null || exit 1
        exec "$bin" serve
    ) > "$dir/server.log" 2>&1 &
    server_pid=$!
    local ready=""
    for _ in $(seq 1 150); do
        if curl -fsS --max-time 2 "http://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; then ready=yes; break; fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.2
    done
    if [ -z "$ready" ]; then
        log "server trials: FAILED: parley serve did not become ready; its log:"
        tail -n 30 "$dir/server.log" >&2
        exit 1
    fi

    trial_probe > "$dir/probe.py"
    local check
    for check in "headers $TRIAL_HEADER_TIMEOUT" "body $TRIAL_BODY_TIMEOUT" "idle $TRIAL_IDLE_TIMEOUT" "normal $TRIAL_HEADER_TIMEOUT"; do
        # shellcheck disable=SC2086
        if ! python3 "$dir/probe.py" $check "$api_port" "$TRIAL_SLACK"; then
            failures+=("${check%% *}")
        fi
    done

    # (5) SIGTERM once PostgreSQL is gone: the process must end within the shutdown bound.
    as_pg_user "$(pg_bindir)/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null
    log "server trial 5 (shutdown): PostgreSQL stopped with -m immediate"
    local waited_from=$SECONDS down="" code log_from
    log_from=$(($(wc -l < "$dir/server.log") + 1))
    while [ $((SECONDS - waited_from)) -lt 30 ]; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$api_port/readyz" 2>/dev/null)
        if [ "$code" != "200" ]; then down="/readyz answered ${code/000/nothing within 3 s}"; break; fi
        if tail -n "+$log_from" "$dir/server.log" | grep -qiE 'connection creation failed|connection (refused|reset|closed)'; then
            down="the server logged a connection error"; break
        fi
        sleep 0.5
    done
    log "server trial 5 (shutdown): ${down:-no sign of the outage after 30 s}; sending SIGTERM with requests waiting for the database"
    # Readiness must say so, promptly (bounded ping: 2 s), not hang like a waiting request.
    local probe_started probe_code
    probe_started=$(date +%s.%N)
    probe_code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$api_port/readyz" 2>/dev/null)
    probe_took=$(python3 -c "import time; print(f'{time.time() - $probe_started:.2f}')")
    if [ "$probe_code" = "503" ]; then
        log "server trial 5 (readiness without PostgreSQL): /readyz answered 503 in ${probe_took} s: passed"
    else
        log "server trial 5 (readiness without PostgreSQL): FAILED: /readyz answered ${probe_code/000/nothing} in ${probe_took} s (want 503 within 5 s)"
        failures+=("readiness")
    fi
    # Requests in flight that need a pooled connection, as a load balancer's probes would be.
    for _ in 1 2 3; do
        curl -s -o /dev/null --max-time 120 "http://127.0.0.1:$api_port/readyz" >/dev/null 2>&1 &
    done
    sleep 1
    local limit=$((TRIAL_SHUTDOWN_TIMEOUT + TRIAL_EXIT_SLACK)) started took rc killer
    started=$(date +%s.%N)
    kill -TERM "$server_pid"
    # Last resort, so the trial itself is bounded: SIGKILL 5 s after the allowed limit.
    python3 -c "import os, signal, time; time.sleep($limit + 5); os.kill($server_pid, signal.SIGKILL)" 2>/dev/null &
    killer=$!
    { wait "$server_pid"; } 2>/dev/null; rc=$?   # (no "Killed" job notice)
    took=$(python3 -c "import time; print(f'{time.time() - $started:.2f}')")
    kill "$killer" 2>/dev/null; wait "$killer" 2>/dev/null
    if python3 -c "import sys; sys.exit(0 if $took <= $limit else 1)"; then
        log "server trial 5 (SIGTERM without PostgreSQL, bound $TRIAL_SHUTDOWN_TIMEOUT s): exited ${took} s after SIGTERM with status $rc (limit $limit s): passed"
    elif [ "$rc" -eq 137 ]; then
        log "server trial 5 (SIGTERM without PostgreSQL, bound $TRIAL_SHUTDOWN_TIMEOUT s): FAILED: still running ${took} s after SIGTERM (limit $limit s), killed with SIGKILL"
        failures+=("shutdown")
    else
        log "server trial 5 (SIGTERM without PostgreSQL, bound $TRIAL_SHUTDOWN_TIMEOUT s): FAILED: exited only ${took} s after SIGTERM, status $rc (limit $limit s)"
        failures+=("shutdown")
    fi
    server_pid=""
    grep -iE 'shutdown|shutting' "$dir/server.log" | tail -n 5 | sed 's/^/    /' >&2

    if [ ${#failures[@]} -gt 0 ]; then
        log "server trials: FAILED: ${failures[*]}; server log (without the pool's reconnection attempts):"
        grep -v 'Connection creation failed' "$dir/server.log" | tail -n 30 >&2
        exit 1
    fi
    log "server trials: passed"
)

# The client side of checks 1–4, in Python sockets: prints one figure per check and
# exits non-zero when the server did not behave.
trial_probe() {
    cat <<'PY'
import socket, sys, time

check, timeout, port, slack = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])

def say(text):
    print(f"\033[1m[parley]\033[0m server trial {text}", file=sys.stderr, flush=True)

def connect():
    return socket.create_connection(("127.0.0.1", port), timeout=5)

def wait_closed(sock, started, give_up, trickle=None):
    """Reads until the server closes the connection (EOF or reset). Returns the seconds
    since `started` at which it closed, or None if it was still open at `give_up`, and
    what it sent. `trickle` is sent every half second meanwhile (a slow client)."""
    received = b""
    next_send = time.monotonic() + 0.5
    while True:
        now = time.monotonic()
        if now - started >= give_up:
            return None, received
        if trickle is not None and now >= next_send:
            try:
                sock.sendall(trickle)
            except OSError:
                return time.monotonic() - started, received
            next_send = now + 0.5
        sock.settimeout(max(0.01, min(0.5, give_up - (now - started))))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - started, received
        if not chunk:
            return time.monotonic() - started, received
        received += chunk

def read_response(sock, give_up=5.0):
    """One HTTP/1.1 response with a Content-Length: (status, body)."""
    sock.settimeout(give_up)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {len(data)} bytes of response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the response body")
        body += chunk
    return status, body[:length]

def first_line(data):
    return data.split(b"\r\n", 1)[0].decode("latin-1") if data else "nothing"

limit = timeout + slack
give_up = limit + 8

if check == "headers":
    # (1) Part of the request head, then one more header line every half second (slowloris).
    sock = connect()
    started = time.monotonic()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    closed, received = wait_closed(sock, started, give_up, trickle=b"X-Slow: 1\r\n")
    label = f"1 (partial headers, header timeout {timeout:g} s)"
    if closed is None:
        say(f"{label}: FAILED: still open after {give_up:g} s (limit {limit:g} s)")
        sys.exit(1)
    if closed > limit:
        say(f"{label}: FAILED: closed only after {closed:.2f} s (limit {limit:g} s)")
        sys.exit(1)
    say(f"{label}: closed after {closed:.2f} s, server sent {first_line(received)!r} (limit {limit:g} s): passed")

elif check == "body":
    # (2) A complete head announcing a huge body, one byte of it, then silence.
    sock = connect()
    sock.sendall(b"POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000000000\r\n\r\n{")
    started = time.monotonic()
    closed, received = wait_closed(sock, started, give_up)
    label = f"2 (Content-Length 1000000000 and one byte, body timeout {timeout:g} s)"
    if closed is None:
        say(f"{label}: FAILED: still open after {give_up:g} s, server sent {first_line(received)!r} (limit {limit:g} s)")
        sys.exit(1)
    if closed > limit:
        say(f"{label}: FAILED: closed only after {closed:.2f} s (limit {limit:g} s)")
        sys.exit(1)
    say(f"{label}: answered {first_line(received)!r} and closed after {closed:.2f} s (limit {limit:g} s): passed")

elif check == "idle":
    # (3) One request on a keep-alive connection, then nothing: closed after the idle timeout,
    # not earlier (the header timeout must not apply to a connection between requests).
    sock = connect()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    status, _ = read_response(sock)
    started = time.monotonic()
    closed, _ = wait_closed(sock, started, give_up)
    label = f"3 (idle keep-alive after a {status}, idle timeout {timeout:g} s)"
    earliest = timeout - 1
    if closed is None:
        say(f"{label}: FAILED: still open after {give_up:g} s (limit {limit:g} s)")
        sys.exit(1)
    if not earliest <= closed <= limit:
        say(f"{label}: FAILED: closed after {closed:.2f} s (expected {earliest:g} – {limit:g} s)")
        sys.exit(1)
    say(f"{label}: closed after {closed:.2f} s (expected {earliest:g} – {limit:g} s): passed")

elif check == "normal":
    # (4) Normal requests still work, on one keep-alive connection: GET /healthz; again after a
    # pause longer than the header timeout; and a POST whose head
    # comes in two pieces and whose body follows, each within the deadlines, answered by the
    # route (401: no such tenant; any 4xx but 408 shows the body reached it).
    sock = connect()
    started = time.monotonic()
    get = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    statuses = []
    def expect_ok(what):
        status, body = read_response(sock)
        statuses.append(f"{what} {status}")
        if status != 200 or b"ok" not in body:
            say(f"4 (normal requests): FAILED: {what} answered {status} {body[:80]!r}")
            sys.exit(1)
    sock.sendall(get)
    expect_ok("GET /healthz")
    pause = timeout + 0.5  # `timeout` is the header timeout here; the idle one is longer
    time.sleep(pause)
    sock.sendall(get)
    expect_ok(f"again after {pause:g} s")
    # Not pipelined requests: with or without the deadline handler, the second of two
    # pipelined GETs goes unanswered in about half the tries (measured with the handler
    # removed: 14 of 30) — a server behaviour to look into, outside this trial's subject.
    payload = b'{"tenant":"nobody","email":"a@b.example","password":"wrong-password-1"}'
    sock.sendall(b"POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    time.sleep(0.8)
    sock.sendall(b"Content-Type: application/json\r\nContent-Length: " + str(len(payload)).encode() + b"\r\n\r\n")
    time.sleep(0.8)
    sock.sendall(payload)
    status, body = read_response(sock)
    took = time.monotonic() - started
    if not 400 <= status < 500 or status == 408:
        say(f"4 (normal requests): FAILED: a POST /v1/auth/login sent in pieces answered {status} {body[:80]!r}")
        sys.exit(1)
    statuses.append(f"POST /v1/auth/login in pieces {status}")
    say(f"4 (normal requests): {', '.join(statuses)}; {took:.2f} s in all: passed")
else:
    sys.exit(f"unknown check {check}")
PY
}
