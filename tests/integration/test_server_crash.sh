#!/usr/bin/env bash
# The server is killed with SIGKILL 20 times at random moments while two real
# workers run the small fixture matrix (its builds, no boots): the run ends
# done with the same results as a run without kills, nothing is counted twice
# and the database passes PRAGMA integrity_check.
. "$(dirname "$0")/lib.sh"
command -v kconfig-conf >/dev/null || fail "kconfig-conf missing (kconfig-frontends)"

MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/fixture.config" "$MATRICES/"
# fixture-small without its boot section: 12 requests, 9 builds.
sed '/^\[boot\]/,$d' "$KM_SOURCE_DIR/tests/fixtures/fixture-small.matrix" >"$MATRICES/fixture-small.matrix"
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux" >/dev/null
git clone -q "$T/linux" "$T/linux2"
start_server --long-poll=2 --lease=10
SERVER_ARGS=(--port="$PORT" --data-dir="$T/data" --matrices-dir="$MATRICES" --web-dir="$KM_SOURCE_DIR/web"
	--long-poll=2 --lease=10)
printf 'leak:libpcre2-8.so\n' >"$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
start_worker a --jobs=1
start_worker b --jobs=1

# results RUN: one line per config: point, build status, error signatures.
results() {
	python3 - "$T/data/kmatrix.db" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for point, status, sigs in c.execute(
        "SELECT c.point, j.status, (SELECT group_concat(s.signature, '|') FROM errors e"
        "  JOIN signatures s ON s.id = e.signature_id WHERE e.job_id = j.id)"
        " FROM configs c JOIN jobs j ON j.config_id = c.id AND j.kind = 'build'"
        " WHERE c.run_id = ? ORDER BY c.point", (int(sys.argv[2]),)):
    print(point, status, sigs or "")
PY
}

REF=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-small)
[ "$(wait_run "$REF" 300)" = done ] || fail "reference run $REF did not end done"
results "$REF" >"$T/ref"
[ "$(wc -l <"$T/ref")" = 9 ] || fail "reference run: 9 configs expected: $(cat "$T/ref")"

# The same commit under another URL: a fresh run with the same expected results.
RUN=$("$KM_CTL" submit --tree="$T/linux2" --ref=main --matrix=fixture-small)
for kill in $(seq 1 20); do
	sleep "$(python3 -c 'import random; print(round(random.uniform(0.3, 2.5), 2))')"
	kill -KILL "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	"$KM_SERVER" "${SERVER_ARGS[@]}" >>"$T/server.log" 2>&1 &
	SERVER_PID=$!
	KM_PIDS+=("$SERVER_PID")
	for _ in $(seq 1 100); do
		curl -sf "$URL/api/v1/health" >/dev/null 2>&1 && break
		sleep 0.05
	done
done
echo "20 kills done; run $RUN is $(curl -s "$URL/api/v1/runs/$RUN" | jq -r .state)"
[ "$(wait_run "$RUN" 300)" = done ] || fail "run $RUN did not end done after the kills"
results "$RUN" >"$T/got"
diff "$T/ref" "$T/got" >"$T/diff" || fail "results after 20 kills differ from the reference run: $(cat "$T/diff")"
twice=$(python3 - "$T/data/kmatrix.db" "$RUN" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
run = int(sys.argv[2])
q = [
    "SELECT COUNT(*) FROM (SELECT config_id FROM jobs WHERE run_id = ? AND kind = 'build'"
    " GROUP BY config_id HAVING COUNT(*) > 1)",
    "SELECT COUNT(*) FROM (SELECT b.config_id FROM builds b JOIN configs c ON c.id = b.config_id"
    " WHERE c.run_id = ? GROUP BY b.config_id HAVING COUNT(*) > 1)",
    "SELECT COUNT(*) FROM (SELECT hash FROM configs WHERE run_id = ? GROUP BY hash HAVING COUNT(*) > 1)",
    "SELECT COUNT(*) FROM (SELECT e.job_id, e.signature_id FROM errors e JOIN jobs j ON j.id = e.job_id"
    " WHERE j.run_id = ? GROUP BY e.job_id, e.signature_id HAVING COUNT(*) > 1)",
    "SELECT COUNT(*) FROM jobs WHERE run_id = ? AND kind = 'configure' AND 1 <> (SELECT COUNT(*) FROM jobs"
    " WHERE run_id = ? AND kind = 'configure')",
]
print(sum(c.execute(x, (run,) * x.count("?")).fetchone()[0] for x in q))
PY
)
[ "$twice" = 0 ] || fail "$twice thing(s) counted twice"
[ "$(api GET "/api/v1/runs/$RUN" | jq .counts.configs)" = 9 ] || fail "9 configs"
stop_server
check=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$T/data/kmatrix.db")
[ "$check" = ok ] || fail "integrity_check: $check"
pass "20 SIGKILLs of the server during run $RUN: done, same results as run $REF, nothing twice, integrity ok"
