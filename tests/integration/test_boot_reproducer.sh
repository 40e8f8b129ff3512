#!/usr/bin/env bash
# boot-reproducer.sh of every boot of a fixture run, each run in an empty
# directory, prints the same ownership lines as the farm's boot did (the load
# order decides the owner of mmy, so a script that lost it would differ);
# qemu boots keep the initramfs they booted.
. "$(dirname "$0")/lib.sh"
command -v kconfig-conf >/dev/null || { echo "SKIP: kconfig-conf missing (kconfig-frontends)"; exit 77; }

MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/fixture-small.matrix" "$KM_SOURCE_DIR/tests/fixtures/fixture.config" "$MATRICES/"
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$T/linux" >/dev/null
start_server --long-poll=2
start_worker w1 --jobs=2
RUN=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-small)
[ "$(wait_run "$RUN" 300)" = done ] || fail "run did not end done"
M=$(api GET "/api/v1/runs/$RUN/matrix")

n=0
for job in $(echo "$M" | jq '.configs[] | select(.build.status == "PASS") | .boots[].job_id'); do
	api GET "/api/v1/jobs/$job/artifacts/boot-reproducer.sh" >"$T/repro-$job.sh"
	expect_status 200 "boot job $job has boot-reproducer.sh"
	api GET "/api/v1/jobs/$job/artifacts/console.log" | grep -E '^KMATRIX (range=|-END)' >"$T/farm-$job.txt" || true
	[ -s "$T/farm-$job.txt" ] || fail "the farm's boot $job printed ownership lines"
	mkdir "$T/empty-$job"
	(cd "$T/empty-$job" && sh "$T/repro-$job.sh" >"$T/out-$job.log" 2>&1) || fail "boot-reproducer.sh of job $job: $(tail -5 "$T/out-$job.log")"
	grep -E '^KMATRIX (range=|-END)' "$T/out-$job.log" >"$T/mine-$job.txt" || true
	diff -u "$T/farm-$job.txt" "$T/mine-$job.txt" >"$T/diff-$job.txt" ||
		fail "boot $job: the reproducer's ownership differs from the farm's: $(cat "$T/diff-$job.txt")"
	n=$((n + 1))
done
[ "$n" -ge 12 ] || fail "every boot of a passing build was reproduced ($n)"
owner_of() {
	local job
	job=$(echo "$M" | jq --arg v "$1" '.configs[] | select(.point == "mmy") | .boots[] | select(.variant == $v) | .job_id')
	sed -n 's/^KMATRIX range=.* role=subject owner=\([a-z]*\) .*/\1/p' "$T/mine-$job.txt"
}
[ "$(owner_of cxl-first) $(owner_of hmem-first)" = "cxl hmem" ] ||
	fail "mmy's owner follows the load order in the reproducer: $(owner_of cxl-first) $(owner_of hmem-first)"
pass "boot-reproducer.sh of $n boots, run in empty directories, prints the farm's ownership lines (mmy: cxl-first=cxl, hmem-first=hmem)"

# A qemu boot section: the script fetches the initramfs the boot kept, makes the scratch files and runs
# the farm's exact argv. QEMU here is a stand-in that records its arguments and prints a guest's lines.
command -v busybox >/dev/null || { echo "SKIP: busybox missing (busybox-static) for the qemu part"; exit 0; }
cp "$KM_SOURCE_DIR/tests/fixtures/fixture-qemu.matrix" "$MATRICES/"
mkdir -p "$T/bin"
cat >"$T/bin/qemu-system-x86_64" <<'QEMU'
#!/bin/sh
# Stand-in for QEMU: records its argv (one word a line) and the scratch file's size, prints a guest's end.
{ for a in "$@"; do printf '%s\n' "$a"; done; } >"${KMATRIX_ARGV_LOG:?}.$$"
stat -c 'scratch %s' cxl-mem0.raw >>"${KMATRIX_ARGV_LOG}.$$"
printf 'Linux version 6.12.0-fixture\nRun /init as init process\n'
printf 'KMATRIX range=110000000-11fffffff role=subject owner=cxl evidence=deferred-to-cxl\n'
printf 'KMATRIX range=1000000000-100fffffff role=control owner=hmem evidence=no-cxl-window\nKMATRIX-END rc=0\n'
QEMU
chmod +x "$T/bin/qemu-system-x86_64"
# Only the worker with the stand-in on its PATH may take these jobs: w1 stops, and so does the
# server, so that no claim of w1's is still waiting there for the next job.
kill "${KM_PIDS[1]}" 2>/dev/null || true
wait "${KM_PIDS[1]}" 2>/dev/null || true
stop_server
start_server --long-poll=2
export KMATRIX_ARGV_LOG=$T/argv-farm
PATH="$T/bin:$PATH" start_worker wq --jobs=2
RUNQ=$("$KM_CTL" submit --tree="$T/linux" --ref=main --matrix=fixture-qemu)
[ "$(wait_run "$RUNQ" 300)" = done ] || fail "qemu run did not end done"
job=$(api GET "/api/v1/runs/$RUNQ/matrix" | jq '.configs[0].boots[0].job_id')
[ "$(api GET "/api/v1/jobs/$job" | jq '.artifacts["initramfs.cpio"] > 100000')" = true ] || fail "the boot kept its initramfs.cpio"
api GET "/api/v1/jobs/$job/artifacts/initramfs.cpio" | cpio -it 2>/dev/null | grep -q '^usr/bin/kmod$' ||
	fail "the kept initramfs is the kmod variant's"
api GET "/api/v1/jobs/$job/artifacts/boot-reproducer.sh" >"$T/repro-q.sh"
mkdir "$T/empty-q"
(cd "$T/empty-q" && KMATRIX_ARGV_LOG=$T/argv-mine QEMU=$T/bin/qemu-system-x86_64 sh "$T/repro-q.sh" >"$T/out-q.log" 2>&1) ||
	fail "qemu boot-reproducer.sh: $(tail -5 "$T/out-q.log")"
farm=$(ls "$T"/argv-farm.* | head -1)
mine=$(ls "$T"/argv-mine.* | head -1)
# Same words, with the farm's boot directory replaced by the reproducer's.
fdir=$(grep -m1 -A1 '^-initrd$' "$farm" | tail -1 | sed 's#/initramfs.cpio$##')
fkern=$(grep -m1 -A1 '^-kernel$' "$farm" | tail -1)
sed -e "s#^$fkern\$#KERNEL#" -e "s#$fdir#DIR#g" "$farm" >"$T/farm-norm.txt"
sed -e "s#^$T/empty-q/kernel.img\$#KERNEL#" -e "s#$T/empty-q#DIR#g" "$mine" >"$T/mine-norm.txt"
diff -u "$T/farm-norm.txt" "$T/mine-norm.txt" >"$T/argv.diff" || fail "the reproducer's QEMU argv differs: $(cat "$T/argv.diff")"
grep -qx 'console=ttyS0 memmap=256M%0x110000000+0xefffffff kmatrix.load=dax_hmem,cxl_acpi,cxl_pci kmatrix.modprobe=kmod' \
	"$T/mine-norm.txt" || fail "append with the load order is one word: $(cat "$T/mine-norm.txt")"
grep -qx 'scratch 268435456' "$T/mine-norm.txt" || fail "the scratch file exists with its size"
cmp -s "$T/empty-q/initramfs.cpio" <(api GET "/api/v1/jobs/$job/artifacts/initramfs.cpio") || fail "the reproducer boots the kept initramfs"
pass "qemu boots: initramfs.cpio kept; the reproducer runs the farm's exact argv (append, load order, scratch files, paths)"
