#!/usr/bin/env bash
# metadata.json of build jobs: every group with real values after a build of
# the fixture tree, and a build killed with SIGKILL half-way (the worker and
# its make) leaves a whole metadata.json with the build group, on the
# worker's disk and on the server.
. "$(dirname "$0")/lib.sh"
command -v kconfig-conf >/dev/null || { echo "SKIP: kconfig-conf missing (kconfig-frontends)"; exit 77; }

MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/fixture.config" "$KM_SOURCE_DIR/tests/fixtures/fixture-one.matrix" "$MATRICES/"
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux" >/dev/null
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux-slow" --patch slow-build-cxl-region >/dev/null
start_server --long-poll=2
start_worker w1 --jobs=2

RUN=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-one)
[ "$(wait_run "$RUN" 120)" = done ] || fail "run did not end done"
job=$(api GET "/api/v1/runs/$RUN/matrix" | jq '.configs[0].build.job_id')
api GET "/api/v1/jobs/$job/artifacts/metadata.json" >"$T/md.json"
expect_status 200 "metadata.json artifact"
jq -e --arg c "$(git -C "$T/linux" rev-parse main)" --arg u "$T/linux" '
	(.build | .targets == ["vmlinux","modules","bzImage"] and .target_arch == "x86_64" and .toolchain == "gcc"
	  and .wrapper == "ccache" and .kconfig == "tinyconfig" and .kconfig_add == ["fixture.config"] and .jobs == 2
	  and .reproducer_cmdline[0] == "make" and (.reproducer_cmdline | index("CC=ccache gcc")) != null
	  and (.environment.CCACHE_BASEDIR | length) > 0 and .status == "finished")
	and (.results | .status == "PASS" and .errors == 0 and .targets.vmlinux.status == "PASS"
	  and .targets.vmlinux.duration > 0 and .duration.build > 0 and .duration.cpu >= 0)
	and (.ccache | (.cache_hits + .cache_misses) > 0)
	and (.compiler | .name == "gcc" and (.version | test("^[0-9]+\\.[0-9]+")) and (.version_full | startswith("gcc")))
	and (.git | .git_commit == $c and .git_url == $u and .git_branch == "main" and (.git_describe | length) > 0)
	and (.hardware | .cores > 0 and .ram > 0 and .free_disk_space > 0)
	and (.vmlinux | .text_size > 0 and .bss_size > 0 and .file_size > 0)
	and (.modules | .total_size > 0 and .sizes["drivers/cxl/cxl_acpi.ko"] > 0)' \
	"$T/md.json" >/dev/null || fail "metadata.json groups: $(jq -c . "$T/md.json")"
# The sizes are the ELF's own: check them against binutils on the built vmlinux; the modules are those built.
out=$(jq -r '.build.reproducer_cmdline[] | select(startswith("O=")) | .[2:]' "$T/md.json")
[ -d "$out" ] || fail "the make line names the build directory: $out"
kos=$(find "$out" -name '*.ko' | wc -l)
[ "$(jq .modules.count "$T/md.json")" = "$kos" ] && [ "$kos" -gt 0 ] ||
	fail "modules.count is the number of modules built ($kos)"
[ "$(size -A -d "$out/vmlinux" | awk '$1 == ".text" { print $2 }')" = "$(jq .vmlinux.text_size "$T/md.json")" ] ||
	fail "text_size is the .text of the image"
pass "metadata.json: build, results, ccache, compiler, git, hardware, vmlinux and modules groups with real values"

# A build killed half-way: the slow tree's generator runs 20 s in the middle of the build.
# w1 stops, and so does the server, so that no claim of w1's is still waiting there for the next job.
kill "${KM_PIDS[1]}" 2>/dev/null || true
wait "${KM_PIDS[1]}" 2>/dev/null || true
stop_server
start_server --long-poll=2
KM_WORK_DIR=$T/work-w2 start_worker w2 --jobs=2 --kinds=build
W2=$LAST_WORKER_PID
start_worker w3 --kinds=configure
RUN2=$("$KM_CTL" submit --tree="$T/linux-slow" --ref=main --matrix=fixture-one)
job2=
for _ in $(seq 1 300); do
	job2=$(api GET "/api/v1/runs/$RUN2/matrix" | jq '.configs[0].build.job_id // empty')
	if [ -n "$job2" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/jobs/$job2/artifacts/metadata.json")" = 200 ]; then
		break
	fi
	sleep 0.2
done
[ -n "$job2" ] || fail "the slow build started"
sleep 3
make_pid=$(pgrep -P "$W2" make | head -1 || true)
[ -n "$make_pid" ] || fail "make is running under the worker"
[ -s "$T/work-w2/jobs/$job2/metadata.json" ] || fail "metadata.json is in the job's directory while make runs"
kill -KILL "$W2"
kill -KILL -- "-$make_pid" 2>/dev/null || true
wait "$W2" 2>/dev/null || true
jq -e '.build.status == "running" and .build.targets == ["vmlinux","modules","bzImage"]
	and (.build.reproducer_cmdline | length) > 3 and .results == null and .git.git_commit != null' \
	"$T/work-w2/jobs/$job2/metadata.json" >/dev/null ||
	fail "the killed build's metadata.json: $(head -c 600 "$T/work-w2/jobs/$job2/metadata.json")"
[ ! -e "$T/work-w2/jobs/$job2/metadata.json.tmp" ] || fail "no half-written temporary file is left"
api GET "/api/v1/jobs/$job2/artifacts/metadata.json" | jq -e '.build.status == "running" and .build.jobs == 2' >/dev/null ||
	fail "the server has the build group of the killed build"
pass "a build killed with SIGKILL half-way leaves a parseable metadata.json with the build group (worker disk and server)"
