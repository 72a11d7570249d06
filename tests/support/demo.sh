# Sourced by the browser and fuzz scripts: build and start `camlytics-gateway demo` on a port the OS picks,
# wait (bounded) until it listens, and stop it when the calling script exits.
# Sets DEMO_ORIGIN (http://127.0.0.1:PORT) and DEMO_LOG. Extra demo flags: start_demo --simulator-rps 0 ...

start_demo() {
    # Wherever cargo puts it (CARGO_TARGET_DIR may point elsewhere).
    local target
    target="$(cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    cargo build --quiet --bin camlytics-gateway
    DEMO_LOG="$(mktemp -t camlytics-demo.XXXXXX.log)"
    GATEWAY_LISTEN=127.0.0.1:0 RUST_LOG="${RUST_LOG:-warn}" \
        "$target/debug/camlytics-gateway" demo "$@" </dev/null >"$DEMO_LOG" 2>&1 &
    DEMO_PID=$!
    trap 'stop_demo' EXIT
    local port=""
    for _ in $(seq 1 150); do
        port="$(sed -n 's#^ *gateway: *http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$DEMO_LOG")"
        if [ -n "$port" ]; then break; fi
        if ! kill -0 "$DEMO_PID" 2>/dev/null; then
            echo "the demo exited early:" >&2; cat "$DEMO_LOG" >&2; return 1
        fi
        sleep 0.2
    done
    if [ -z "$port" ]; then
        echo "the demo did not start within 30s:" >&2; cat "$DEMO_LOG" >&2; return 1
    fi
    DEMO_ORIGIN="http://127.0.0.1:$port"
    echo "demo at $DEMO_ORIGIN (pid $DEMO_PID, log $DEMO_LOG)"
}

stop_demo() {
    if [ -n "${DEMO_PID:-}" ] && kill -0 "$DEMO_PID" 2>/dev/null; then
        kill "$DEMO_PID" 2>/dev/null || true
        wait "$DEMO_PID" 2>/dev/null || true
    fi
    if [ -n "${DEMO_LOG:-}" ]; then rm -f "$DEMO_LOG"; fi
}
