# Shared helpers of the shell tests: a temp dir, a real server on a free loopback port, JSON checks.
# Sourced by tests/*/test_*.sh; ctest passes KM_SERVER, KM_WORKER, KM_CTL and KM_SOURCE_DIR.

set -euo pipefail

: "${KM_SOURCE_DIR:?run through ctest (KM_SOURCE_DIR unset)}"
: "${KM_SERVER:?}" "${KM_WORKER:?}" "${KM_CTL:?}"

T=$(mktemp -d "${TMPDIR:-/tmp}/kmatrix-test.XXXXXX")
KM_PIDS=()

km_cleanup() {
	local pid
	for pid in "${KM_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${KM_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [ "${KM_KEEP:-0}" = 1 ]; then
		echo "kept $T"
	else
		rm -rf "$T"
	fi
}
trap km_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$T/server.log" ]; then
		echo "--- server log (tail) ---" >&2
		tail -n 40 "$T/server.log" >&2
	fi
	exit 1
}

pass() {
	echo "ok - $*"
}

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_server [extra server options...]: sets PORT, URL, ADMIN.
start_server() {
	PORT=$(free_port)
	URL="http://127.0.0.1:$PORT"
	"$KM_SERVER" --port="$PORT" --data-dir="$T/data" --matrices-dir="${MATRICES:-$KM_SOURCE_DIR/matrices}" \
		--web-dir="$KM_SOURCE_DIR/web" "$@" >>"$T/server.log" 2>&1 &
	SERVER_PID=$!
	KM_PIDS+=("$SERVER_PID")
	for _ in $(seq 1 100); do
		if curl -sf "$URL/api/v1/health" >/dev/null 2>&1; then
			ADMIN=$(cat "$T/data/admin.token")
			export KMATRIX_URL="$URL" KMATRIX_ADMIN_TOKEN="$ADMIN"
			return 0
		fi
		sleep 0.1
	done
	fail "server did not start"
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
}

# start_worker NAME [extra worker options...]: a real worker with its own work dir.
start_worker() {
	local name=$1
	shift
	local token
	token=$("$KM_CTL" worker-add "$name")
	"$KM_WORKER" --server="$URL" --token="$token" --work-dir="${KM_WORK_DIR:-$T/work-$name}" --name="$name" \
		--ccache-dir="${KM_CCACHE_DIR:-$T/ccache}" --claim-wait=2 "$@" >>"$T/worker-$name.log" 2>&1 &
	KM_PIDS+=("$!")
	LAST_WORKER_PID=$!
}

# api METHOD PATH [curl args...]: prints the body; the status goes to $T/status
# (a file, because callers often run api in a command substitution).
api() {
	local method=$1 path=$2
	shift 2
	curl -s -o "$T/body" -w '%{http_code}' -X "$method" "$URL$path" "$@" >"$T/status" || true
	cat "$T/body"
}

expect_status() {
	local got
	got=$(cat "$T/status")
	[ "$got" = "$1" ] || fail "$2: expected HTTP $1, got $got: $(head -c 600 "$T/body")"
}

# wait_run RUN [timeout-seconds]: until the run leaves the active states.
wait_run() {
	local run=$1 limit=${2:-300} state
	for _ in $(seq 1 $((limit * 5))); do
		state=$(curl -s "$URL/api/v1/runs/$run" | jq -r .state)
		case "$state" in
		done | error | superseded | cancelled) echo "$state"; return 0 ;;
		esac
		sleep 0.2
	done
	fail "run $run did not finish within ${limit}s (state $state)"
}

# start_smtp_sink DIR: a real SMTP server on loopback (tests/tools/smtp_sink.py) storing each message
# in DIR; sets SMTP_PORT. Needs python3-aiosmtpd.
start_smtp_sink() {
	mkdir -p "$1"
	/usr/bin/python3 "$KM_SOURCE_DIR/tests/tools/smtp_sink.py" --dir "$1" --port-file "$1/port" >>"$T/sink.log" 2>&1 &
	KM_PIDS+=("$!")
	for _ in $(seq 1 100); do
		[ -s "$1/port" ] && break
		sleep 0.1
	done
	[ -s "$1/port" ] || fail "smtp_sink.py did not start: $(cat "$T/sink.log")"
	SMTP_PORT=$(cat "$1/port")
}

# wait_bisections RUN [TRIES]: until none of the run's bisections is walking or stepping (checked every
# 0.2 s, TRIES times, 600 by default); prints them.
wait_bisections() {
	local out
	for _ in $(seq 1 "${2:-600}"); do
		out=$(curl -s "$URL/api/v1/runs/$1/bisections")
		if [ "$(jq '[.bisections[] | select(.state == "walking" or .state == "stepping")] | length' <<<"$out")" = 0 ] &&
			[ "$(jq '.bisections | length' <<<"$out")" -gt 0 ]; then
			echo "$out"
			return 0
		fi
		sleep 0.2
	done
	fail "run $1: bisections did not end: $out"
}
