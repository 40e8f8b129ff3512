#!/usr/bin/env bash
# The dashboard in headless Chromium against a real server on loopback, filled by a real worker
# building the fixture tree: a first run, a second run after a push that breaks some
# configurations (its build logs carry <script>, its subject <img onerror>), and a third run that
# the browser watches progress live. dashboard.test.mjs holds the assertions; screenshots go to screenshots/.
#
# KM_BROWSER_DATA=seed fills the server with seed.mjs (the worker protocol played over HTTP)
# instead of a worker; it is also what runs when the worker or the fixture tree is missing.
# KM_UPDATE_DOCS=1 copies the first run's matrix screenshot to docs/screenshots/matrix.png.
. "$(dirname "$0")/../integration/lib.sh"

HERE="$KM_SOURCE_DIR/tests/browser"
CHROMIUM=${KM_CHROMIUM:-/usr/bin/chromium}
SHOTS=${KM_SHOTS:-$HERE/screenshots}

if [ ! -x "$CHROMIUM" ]; then
	echo "SKIP: no Chromium at $CHROMIUM (apt-get install chromium)"
	exit 77
fi
if ! command -v node >/dev/null || [ ! -f "$HERE/node_modules/playwright-core/package.json" ]; then
	echo "SKIP: node or tests/browser/node_modules missing (cd tests/browser && npm ci)"
	exit 77
fi

mode=${KM_BROWSER_DATA:-}
if [ -z "$mode" ]; then
	if [ -x "$KM_WORKER" ] && [ -x "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" ]; then
		mode=real
	else
		mode=seed
		echo "note: kmatrix-worker or tests/fixtures/make-repo.sh missing: seeding the server over HTTP instead"
	fi
fi

# Workers stop before the server: a worker whose server is gone keeps retrying to deliver its
# last result (even after SIGTERM), so each gets 10 s and then SIGKILL.
WORKER_PIDS=()
stop_workers() {
	local pid
	for pid in "${WORKER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${WORKER_PIDS[@]}"; do
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	WORKER_PIDS=()
}
trap 'stop_workers; km_cleanup' EXIT

GO="$T/go"
MATRICES="$T/matrices"
mkdir -p "$MATRICES"

# Submits a run of the fixture repository; prints its id.
submit() {
	"$KM_CTL" submit --tree="$REPO" --tree-name=fixture --ref=refs/heads/main --matrix="$MATRIX"
}

if [ "$mode" = seed ]; then
	cp "$KM_SOURCE_DIR/matrices/cxl-dax-hmem.matrix" "$KM_SOURCE_DIR/matrices/cxl-quick.matrix" \
		"$KM_SOURCE_DIR/matrices/cxl-dax-hmem.config" "$MATRICES/"
	if [ -f "$KM_SOURCE_DIR/matrices/cxl-ownership.sh" ]; then
		cp "$KM_SOURCE_DIR/matrices/cxl-ownership.sh" "$MATRICES/"
	else
		printf '#!/bin/sh\necho KMATRIX done\n' >"$MATRICES/cxl-ownership.sh"
	fi
	# A long lease: the seed keeps two builds running until the browser says go.
	start_server --lease=900 --poll=0
	node "$HERE/seed.mjs" --url="$URL" --token="$ADMIN" --live --go-file="$GO" --step-ms=150 >"$T/seed.out" 2>"$T/seed.err" &
	KM_PIDS+=("$!")
	for _ in $(seq 1 600); do
		grep -q live_run "$T/seed.out" 2>/dev/null && break
		sleep 0.2
	done
	grep -q live_run "$T/seed.out" || fail "seeding did not finish: $(cat "$T/seed.err")"
	FAIL_RUN=3 BASE_RUN=1 LIVE_RUN=$(jq .live_run "$T/seed.out")
	pass "server seeded: runs 1-5 (run $LIVE_RUN half done)"
else
	REPO="$T/repo"
	FIXTURES="$KM_SOURCE_DIR/tests/fixtures"
	"$FIXTURES/make-repo.sh" "$REPO" >"$T/make-repo.log" 2>&1 || fail "make-repo.sh: $(tail -5 "$T/make-repo.log")"
	MATRIX=${KM_BROWSER_MATRIX:-fixture-cxl-dax-hmem}
	# A matrix file is named after its matrix.
	for f in "$FIXTURES/"*.matrix; do
		cp "$f" "$MATRICES/$(sed -n 's/^name *= *//p' "$f").matrix"
	done
	cp "$FIXTURES/fixture.config" "$MATRICES/"
	start_server --lease=60 --poll=0
	# Two workers for the first two runs (each job is short: the time goes to handing out jobs).
	start_worker w1
	WORKER_PIDS+=("$LAST_WORKER_PID")
	start_worker w1b
	WORKER_PIDS+=("$LAST_WORKER_PID")

	# The fixture tree as it comes has the seed's link error.
	BASE_RUN=$(submit)
	state=$(wait_run "$BASE_RUN" 400)
	[ "$state" = done ] || fail "first run ended $state"
	pass "run $BASE_RUN built by a real worker: $(api GET "/api/v1/runs/$BASE_RUN" | jq -c .counts.build)"

	# The breaking push: a compiler error in drivers/cxl/acpi.c, and a commit whose subject and
	# compiler error carry markup that must stay text.
	"$FIXTURES/make-repo.sh" "$REPO" --patch break-compile-cxl-acpi >>"$T/make-repo.log" 2>&1 ||
		fail "make-repo.sh --patch: $(tail -5 "$T/make-repo.log")"
	printf '#warning "<script>window.__kmPwned=1</script>"\n' >>"$REPO/drivers/cxl/acpi.c"
	git -C "$REPO" -c user.name='Alison <b>Example</b>' -c user.email=alison@example.org commit -q -a \
		-m 'cxl/acpi: Warn <img src=x onerror=window.__kmPwned=2> loudly'
	FAIL_RUN=$(submit)
	state=$(wait_run "$FAIL_RUN" 400)
	[ "$state" = done ] || fail "second run ended $state"
	pass "run $FAIL_RUN after the breaking push: $(api GET "/api/v1/runs/$FAIL_RUN" | jq -c .counts.build)"

	# The third run (the fix of the link error) waits for the browser: no worker until it
	# has the page open.
	stop_workers
	# One of them is retired for good: the workers page must say so.
	"$KM_CTL" worker-revoke w1b >/dev/null || fail "worker-revoke w1b"
	REVOKED=w1b
	"$FIXTURES/make-repo.sh" "$REPO" --patch fix-reachable >>"$T/make-repo.log" 2>&1 ||
		fail "make-repo.sh --patch: $(tail -5 "$T/make-repo.log")"
	LIVE_RUN=$(submit)
	[ "$(api GET "/api/v1/runs/$LIVE_RUN" | jq -r .state)" = queued ] || fail "third run is not queued"
fi

mkdir -p "$SHOTS"
KM_URL="$URL" KM_REVOKED="${REVOKED:-}" KM_FAIL_RUN="$FAIL_RUN" KM_BASE_RUN="$BASE_RUN" KM_LIVE_RUN="$LIVE_RUN" KM_GO_FILE="$GO" \
	KM_SHOTS="$SHOTS" KM_CHROMIUM="$CHROMIUM" NODE_PATH="$HERE/node_modules" \
	node "$HERE/dashboard.test.mjs" >"$T/browser.out" 2>&1 &
NODE_PID=$!
KM_PIDS+=("$NODE_PID")
if [ "$mode" = real ]; then
	while kill -0 "$NODE_PID" 2>/dev/null && [ ! -f "$GO" ]; do
		sleep 0.1
	done
	if [ -f "$GO" ]; then
		start_worker w2
		WORKER_PIDS+=("$LAST_WORKER_PID")
	fi
fi
rc=0
wait "$NODE_PID" || rc=$?
cat "$T/browser.out"
[ "$rc" = 0 ] || fail "browser checks failed (screenshots in $SHOTS)"
if [ "${KM_UPDATE_DOCS:-0}" = 1 ]; then
	mkdir -p "$KM_SOURCE_DIR/docs/screenshots"
	cp "$SHOTS/matrix-base.png" "$KM_SOURCE_DIR/docs/screenshots/matrix.png"
fi
pass "dashboard checks in headless Chromium ($mode data; screenshots in $SHOTS)"
