#!/usr/bin/env bash
# Start a sharewired binary on an ephemeral port, run the Python conformance
# suite against it, stop that server (by its PID only) and exit with the
# suite's status. Builds nothing.
#
#   tools/conformance/run.sh [path/to/sharewired]   (default .build/debug/sharewired)
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${1:-.build/debug/sharewired}"
shift $(( $# > 0 ? 1 : 0 ))

if [ ! -x "$bin" ]; then
    echo "run.sh: no executable sharewired at '$bin'" >&2
    exit 2
fi

log="$(mktemp -t sharewired-conformance.XXXXXX)"
# SHAREWIRED_ARGS: extra server flags (e.g. a temporary --data-dir).
# shellcheck disable=SC2086
"$bin" --host 127.0.0.1 --port 0 --log-level warning ${SHAREWIRED_ARGS:-} >"$log" 2>&1 &
pid=$!

stop_server() {
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    rm -f "$log"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# Wait (bounded, 15 s) for: sharewired listening on 127.0.0.1:PORT (or [::1]:PORT)
port=""
for _ in $(seq 1 150); do
    line="$(grep -m1 'sharewired listening on' "$log" 2>/dev/null || true)"
    if [ -n "$line" ]; then
        port="${line##*:}"
        port="${port//[^0-9]/}"
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "run.sh: sharewired exited early:" >&2
        cat "$log" >&2
        exit 2
    fi
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "run.sh: sharewired did not report its port within 15 s:" >&2
    cat "$log" >&2
    exit 2
fi

echo "run.sh: sharewired (pid $pid) listening on 127.0.0.1:$port"
PYTHONDONTWRITEBYTECODE=1 python3 "$here/conformance.py" --host 127.0.0.1 --port "$port" "$@"
status=$?
exit "$status"
