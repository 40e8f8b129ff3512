#!/bin/bash
# Checks the fixture kernel tree (tests/fixtures/minikernel), the test double
# the fast tests build instead of Linux:
#  1. every request of tests/fixtures/fixture.matrix resolved with the tree's
#     Kconfig like the worker does it (base + fragment + values -> .config ->
#     make olddefconfig): the clamped requests and the distinct configs;
#  2. builds in ONE persistent O= directory, back and forth between configs:
#     exactly the configs with DEV_DAX_HMEM=y CXL_BUS=m CXL_REGION=y fail to
#     link with GNU ld's undefined reference to cxl_region_contains_resource,
#     and flipping one symbol recompiles only the objects that use it;
#  3. boots: the ownership the notes measured on real 6.12 guests, per load
#     order variant, and the failure switches (panic, hang, oops);
#  4. make-repo.sh and its patches: deterministic commits, the IS_REACHABLE
#     fix, the break, a module oops and a compiler error.
# Prints the timings it measures.  Exit 77 when a prerequisite is missing.
set -euo pipefail

src_dir=${KM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
fx=$src_dir/tests/fixtures
tree=$fx/minikernel
matrix=$fx/fixture.matrix

for tool in kconfig-conf make gcc ld nm objcopy git timeout sha256sum; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not found (scripts/install-deps.sh installs it)"
		exit 77
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/km-fixture-tree.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cc=gcc
if command -v ccache >/dev/null 2>&1; then
	cc="ccache gcc"
	export CCACHE_DIR=$tmp/ccache	# cold: the clean build below is really clean
fi

checks=0
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() {
	checks=$((checks + 1))
}
now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}
snapshot() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

src_before=$(snapshot "$tree")

# ---------------------------------------------------------------------------
# 1. Resolve every request of fixture.matrix
# ---------------------------------------------------------------------------

syms=()
vals=()
while read -r sym _ rest; do
	syms+=("$sym")
	vals+=("$(echo "$rest" | tr -d ' ')")
done < <(awk '/^\[/ { sec = $1; next } sec == "[axes]" && /=/ { sub(/[ \t]+#.*/, ""); print }' "$matrix")
fragment=$fx/$(awk -F= '/^fragment/ { gsub(/[ \t]/, "", $2); print $2 }' "$matrix")
base=$(awk -F= '/^base/ { gsub(/[ \t]/, "", $2); print $2 }' "$matrix")
[ "${#syms[@]}" = 5 ] || fail "fixture.matrix: expected 5 axes, found ${#syms[@]}"
[ "$base" = tinyconfig ] || fail "fixture.matrix: base is '$base'"
ok

make -s -C "$tree" O="$tmp/base" ARCH=x86_64 "$base" >/dev/null
[ -s "$tmp/base/.config" ] || fail "make $base wrote no .config"
ok

points=("")
for ((i = 0; i < ${#syms[@]}; i++)); do
	next=()
	for p in "${points[@]}"; do
		for ((j = 0; j < ${#vals[i]}; j++)); do
			next+=("$p${vals[i]:j:1}")
		done
	done
	points=("${next[@]}")
done

# Writes the request's .config afresh from base + fragment + values (never
# an edit of the previous one: Kconfig keeps formerly selected values).
write_request() {
	local dir=$1 point=$2 i v
	mkdir -p "$dir"
	{
		cat "$tmp/base/.config" "$fragment"
		for ((i = 0; i < ${#syms[@]}; i++)); do
			v=${point:i:1}
			if [ "$v" = n ]; then
				echo "# CONFIG_${syms[i]} is not set"
			else
				echo "CONFIG_${syms[i]}=$v"
			fi
		done
	} > "$dir/.config"
}

effective() {
	awk -v syms="${syms[*]}" '
		{ if (split($0, kv, "=") == 2 && kv[1] ~ /^CONFIG_/) val[substr(kv[1], 8)] = kv[2] }
		END { n = split(syms, s, " "); for (i = 1; i <= n; i++) printf "%s", (s[i] in val) ? val[s[i]] : "n"; print "" }' "$1"
}

declare -A requests_of hash_of
clamped=0
clamp_acpi=""
conf_us=0
mkdir -p "$tmp/configs"
t0=$(now_ms)
for p in "${points[@]}"; do
	write_request "$tmp/req" "$p"
	# What "make O=req olddefconfig" runs (its make overhead is timed below).
	c0=${EPOCHREALTIME/./}
	(cd "$tmp/req" && srctree=$tree kconfig-conf -s --olddefconfig "$tree/Kconfig" >/dev/null 2>&1) ||
		fail "olddefconfig failed for request $p"
	conf_us=$((conf_us + ${EPOCHREALTIME/./} - c0))
	eff=$(effective "$tmp/req/.config")
	h=$(grep '^CONFIG_' "$tmp/req/.config" | sort | sha256sum | cut -c1-16)
	if [ -n "${hash_of[$eff]:-}" ] && [ "${hash_of[$eff]}" != "$h" ]; then
		fail "request $p: effective $eff resolved to two different configs"
	fi
	hash_of[$eff]=$h
	requests_of[$eff]="${requests_of[$eff]:-} $p"
	[ -f "$tmp/configs/$eff.config" ] || cp "$tmp/req/.config" "$tmp/configs/$eff.config"
	if [ "$eff" != "$p" ]; then
		clamped=$((clamped + 1))
	fi
	[ "$p" = ymymy ] && clamp_acpi=$eff
done
t1=$(now_ms)
nreq=${#points[@]}
ndistinct=${#hash_of[@]}
ndistinct_hash=$(printf '%s\n' "${hash_of[@]}" | sort -u | wc -l)

echo "fixture.matrix (${syms[*]}):"
for eff in $(printf '%s\n' "${!requests_of[@]}" | sort); do
	echo "  $eff <-${requests_of[$eff]}"
done
echo "requests=$nreq clamped=$clamped distinct=$ndistinct (Linux 6.12: 162 / 81 / 81)"
conf_ms=$((conf_us / nreq / 1000)).$((conf_us / nreq / 100 % 10))
echo "olddefconfig: $conf_ms ms per request (kconfig-conf --olddefconfig; $nreq requests in $((t1 - t0)) ms with the shell work)"

# The worker runs "make O= olddefconfig": same result, plus make's own overhead.
sample=(yyyyy ymymy mmmmy nmnmn ynyyy ymnny mymyn nnnnn)
t2=$(now_ms)
for p in "${sample[@]}"; do
	write_request "$tmp/mreq" "$p"
	make -s -C "$tree" O="$tmp/mreq" ARCH=x86_64 olddefconfig >/dev/null 2>&1 || fail "make olddefconfig failed for $p"
	eff=$(effective "$tmp/mreq/.config")
	cmp -s <(grep '^CONFIG_' "$tmp/mreq/.config" | sort) <(grep '^CONFIG_' "$tmp/configs/$eff.config" | sort) ||
		fail "make olddefconfig and kconfig-conf disagree for request $p"
done
t3=$(now_ms)
make_ms=$(((t3 - t2) / ${#sample[@]}))
echo "make O= olddefconfig: $make_ms ms per request (${#sample[@]} requests)"

[ "$nreq" = 162 ] || fail "expected 162 requests, got $nreq"
[ "$ndistinct" = 81 ] || fail "expected 81 distinct configs, got $ndistinct"
[ "$ndistinct_hash" = 81 ] || fail "expected 81 distinct .config hashes, got $ndistinct_hash"
[ "$clamped" = 81 ] || fail "expected 81 clamped requests, got $clamped"
# CXL_ACPI=y under CXL_BUS=m is clamped to m, as in Linux.
[ "$clamp_acpi" = ymmmy ] || fail "request ymymy resolved to '$clamp_acpi', expected ymmmy"
ok

# fixture-small.matrix: DEV_DAX_HMEM x CXL_BUS (m n) x CXL_REGION, with the failing point
small=$fx/fixture-small.matrix
mapfile -t small_axes < <(awk '/^\[/ { sec = $1; next } sec == "[axes]" && /=/ { print $1 }' "$small")
[ "${small_axes[*]}" = "DEV_DAX_HMEM CXL_BUS CXL_REGION" ] || fail "fixture-small.matrix axes: ${small_axes[*]}"
declare -A small_distinct=()
small_clamped=0
small_failing=0
for p in ymy ymn ynn yny mmy mmn mnn mny nmy nmn nnn nny; do
	mkdir -p "$tmp/small"
	{
		cat "$tmp/base/.config" "$fragment"
		for ((i = 0; i < 3; i++)); do
			v=${p:i:1}
			if [ "$v" = n ]; then echo "# CONFIG_${small_axes[i]} is not set"; else echo "CONFIG_${small_axes[i]}=$v"; fi
		done
	} > "$tmp/small/.config"
	(cd "$tmp/small" && srctree=$tree kconfig-conf -s --olddefconfig "$tree/Kconfig" >/dev/null 2>&1) ||
		fail "fixture-small: olddefconfig failed for $p"
	eff=$(effective "$tmp/small/.config")
	small_distinct[$eff]=1
	[ "${eff:0:1}${eff:1:1}${eff:4:1}" = "$p" ] || small_clamped=$((small_clamped + 1))
	[ "$p" = ymy ] && [ "$eff" = ymmmy ] && small_failing=1
done
[ "${#small_distinct[@]}" = 9 ] && [ "$small_clamped" = 3 ] && [ "$small_failing" = 1 ] ||
	fail "fixture-small: ${#small_distinct[@]} distinct, $small_clamped clamped, failing point $small_failing"
echo "fixture-small.matrix: requests=12 clamped=3 distinct=9, ymy (HMEM=y BUS=m REGION=y) fails to link"
ok

# Kconfig hysteresis (notes): olddefconfig over an edited old .config keeps
# what CXL_BUS=y selected; a fresh request does not.
write_request "$tmp/hyst" yyyyy
make -s -C "$tree" O="$tmp/hyst" ARCH=x86_64 olddefconfig >/dev/null 2>&1
grep -qx 'CONFIG_FW_LOADER=y' "$tmp/hyst/.config" || fail "CXL_BUS=y did not select FW_LOADER=y"
sed -i 's/^CONFIG_CXL_BUS=y/CONFIG_CXL_BUS=m/' "$tmp/hyst/.config"
make -s -C "$tree" O="$tmp/hyst" ARCH=x86_64 olddefconfig >/dev/null 2>&1
grep -qx 'CONFIG_FW_LOADER=y' "$tmp/hyst/.config" || fail "no hysteresis: FW_LOADER left y after an in-place edit"
grep -qx 'CONFIG_FW_LOADER=m' "$tmp/configs/ymmmy.config" || fail "fresh CXL_BUS=m request: FW_LOADER is not m"
ok

# ---------------------------------------------------------------------------
# 2 and 3. Builds in one persistent O=, and boots
# ---------------------------------------------------------------------------

# Variants: NAME|load,list|modprobe, from fixture.matrix
mapfile -t variants < <(awk '
	/^\[variant / { if (name != "") print name "|" load "|" mp; name = $2; sub(/\]$/, "", name); load = ""; mp = "busybox"; next }
	/^\[/ { if (name != "") print name "|" load "|" mp; name = ""; next }
	name != "" && $1 == "load" { sub(/^[^=]*=[ \t]*/, ""); sub(/[ \t]+#.*/, ""); gsub(/[ \t]+/, ","); load = $0 }
	name != "" && $1 == "modprobe" { mp = $3 }
	END { if (name != "") print name "|" load "|" mp }' "$matrix")
[ "${#variants[@]}" = 3 ] || fail "fixture.matrix: expected 3 variants, found ${#variants[@]}"
ok

# The kernel tree the farm gets is a git repository: make-repo.sh makes
# one (deterministic commit ids) with a chain of patches on top:
# base (the seed's link error) -> fix -> break -> fix -> oops -> compile error.
id1=$("$fx/make-repo.sh" "$tmp/repo")
id2=$("$fx/make-repo.sh" "$tmp/repo2")
[ "$id1" = "$id2" ] && [ "${#id1}" = 40 ] || fail "make-repo.sh: commit ids differ ($id1, $id2)"
[ "$(git -C "$tmp/repo" symbolic-ref --short HEAD)" = main ] || fail "make-repo.sh: branch is not main"
[ -z "$(git -C "$tmp/repo" status --porcelain)" ] || fail "make-repo.sh: dirty work tree"
(cd "$tmp/repo" && find . -path ./.git -prune -o -type f -print | sort) > "$tmp/repo.files"
(cd "$tree" && find . -type f | sort) > "$tmp/tree.files"
cmp -s "$tmp/repo.files" "$tmp/tree.files" || fail "make-repo.sh: the repository does not hold the tree's files"
fix=$("$fx/make-repo.sh" "$tmp/repo" --patch fix-reachable)
brk=$("$fx/make-repo.sh" "$tmp/repo" --patch break-reachable)
fix2=$("$fx/make-repo.sh" "$tmp/repo" --patch fix-reachable --patch oops-cxl-pci)
fix2=$(git -C "$tmp/repo" rev-parse HEAD~1)
oops=$(git -C "$tmp/repo" rev-parse HEAD)
ccerr=$("$fx/make-repo.sh" "$tmp/repo" --patch break-compile-cxl-acpi)
[ "$(git -C "$tmp/repo" rev-list --count HEAD)" = 6 ] && [ "$fix2" != "$fix" ] || fail "make-repo.sh: commit sequence"
[ "$(git -C "$tmp/repo" log -1 --format=%ae "$brk")" = bob@example.org ] || fail "break commit author"
[ "$(git -C "$tmp/repo" log -1 --format=%ae "$fix")" = alice@example.org ] || fail "fix commit author"
same=$("$fx/make-repo.sh" "$tmp/repo2" --patch fix-reachable --patch break-reachable --patch fix-reachable \
	--patch oops-cxl-pci --patch break-compile-cxl-acpi)
[ "$same" = "$ccerr" ] || fail "make-repo.sh: the same sequence gave another commit id"
git -C "$tmp/repo" checkout -q "$id1"
ok

build=$tmp/build
last_cc=0
last_ms=0
# build SRCTREE O EFFECTIVE: copies the resolved request config into O= and
# builds like the worker; sets last_cc (objects compiled) and last_ms.
build_config() {
	local srctree=$1 o=$2 eff=$3 t
	mkdir -p "$o"
	cp "$tmp/configs/$eff.config" "$o/.config"
	make -s -C "$srctree" O="$o" ARCH=x86_64 olddefconfig >/dev/null 2>&1
	t=$(now_ms)
	if make -C "$srctree" O="$o" ARCH=x86_64 CC="$cc" -j2 vmlinux modules bzImage > "$o/build.log" 2>&1; then
		last_rc=0
	else
		last_rc=1
	fi
	last_ms=$(($(now_ms) - t))
	last_cc=$(grep -c '^  CC ' "$o/build.log" || true)
}

# Must fail to link exactly when DEV_DAX_HMEM=y, CXL_BUS=m, CXL_REGION=y.
expect_link() {
	local eff=$1
	if [ "${eff:0:1}${eff:1:1}${eff:4:1}" = ymy ]; then echo fail; else echo ok; fi
}

check_build() {
	local o=$1 eff=$2 want=$3
	if [ "$want" = fail ]; then
		[ "$last_rc" = 1 ] || fail "$eff built, but it must fail to link"
		grep -q "undefined reference to \`cxl_region_contains_resource'" "$o/build.log" ||
			fail "$eff: no undefined reference in the log: $(tail -5 "$o/build.log")"
		grep -q "^make\[[0-9]*\]: \*\*\* \[.*: vmlinux\] Error 1" "$o/build.log" ||
			fail "$eff: no 'make: *** [...: vmlinux] Error 1' line"
		grep -q '^make: \*\*\* ' "$o/build.log" || fail "$eff: no top-level make: *** line"
		[ ! -e "$o/vmlinux" ] || fail "$eff: a vmlinux was left after the failed link"
	else
		[ "$last_rc" = 0 ] || fail "$eff failed to build: $(tail -5 "$o/build.log")"
		[ -x "$o/vmlinux" ] && [ -x "$o/arch/x86/boot/bzImage" ] || fail "$eff: no vmlinux/bzImage"
		cmp -s "$o/vmlinux" "$o/arch/x86/boot/bzImage" || fail "$eff: bzImage is not the new vmlinux"
	fi
	ok
}

# boot IMAGE VARIANT [extra words] > console log; sets boot_rc
boot() {
	local image=$1 v=$2 name load mp
	shift 2
	IFS='|' read -r name load mp <<< "$v"
	boot_rc=0
	timeout 10 "$image" "console=ttyS0 kmatrix.load=$load kmatrix.modprobe=$mp" "$@" || boot_rc=$?
}

owner() {
	sed -n "s/^KMATRIX range=[^ ]* role=$2 owner=\([a-z]*\) .*/\1/p" "$1"
}

# expect_boot O EFF SUBJECT_OWNERS(cxl-first hmem-first kmod) CONTROL_OWNER
expect_boot() {
	local o=$1 eff=$2 want_control=$4 i=0 want log
	read -r -a want <<< "$3"
	for v in "${variants[@]}"; do
		log=$tmp/boot-$eff-${v%%|*}.log
		boot "$o/arch/x86/boot/bzImage" "$v" > "$log"
		[ "$boot_rc" = 0 ] || fail "$eff ${v%%|*}: exit $boot_rc"
		grep -q '^\[ *[0-9.]*\] Linux version 6.12.0-fixture ' "$log" || fail "$eff: no banner"
		grep -q 'Run /init as init process' "$log" || fail "$eff: no /init"
		grep -qx 'KMATRIX-END rc=0' "$log" || fail "$eff ${v%%|*}: no KMATRIX-END rc=0"
		grep -q '\] reboot: Power down$' "$log" || fail "$eff ${v%%|*}: no power-off"
		[ "$(owner "$log" subject)" = "${want[i]}" ] ||
			fail "$eff ${v%%|*}: subject owner $(owner "$log" subject), expected ${want[i]}"
		[ "$(owner "$log" control)" = "$want_control" ] ||
			fail "$eff ${v%%|*}: control owner $(owner "$log" control), expected $want_control"
		grep -Eq '^KMATRIX range=110000000-11fffffff role=subject owner=[a-z]+ evidence=[a-z0-9_.:,@-]+$' "$log" ||
			fail "$eff: malformed subject line"
		! grep -q 'module\.[a-z_]*=failed' "$log" || fail "$eff ${v%%|*}: a module failed to load"
		i=$((i + 1))
		ok
	done
	echo "  boot $eff: subject ${want[*]} (cxl-first hmem-first kmod), control $want_control"
}

# The sequence: back and forth in one O=; effective config, expected owners
# of the subject range per variant, of the control range.
echo "builds in one O= ($build, CC=\"$cc\"):"
seq_configs=(mmmmy ymmmy yyyyy myyyy mmmmn nnnnn ymnny ymmmn mmmmy ymmmy mmmmy)
declare -A subject_want=(
	[mmmmy]="cxl hmem cxl"		# both modular, REGION=y: load order decides
	[yyyyy]="cxl cxl cxl"		# built-in cxl_acpi is a subsys_initcall and wins
	[myyyy]="cxl cxl cxl"
	[mmmmn]="hmem hmem hmem"	# REGION=n: HMEM never defers
	[nnnnn]="none none none"	# no HMEM at all
	[ymmmn]="hmem hmem hmem"	# built-in HMEM runs before any module
)
declare -A control_want=([mmmmy]=hmem [yyyyy]=hmem [myyyy]=hmem [mmmmn]=hmem [nnnnn]=none [ymmmn]=hmem)
clean_ms=0
flip_ms=0
flip_cc=0
prev=""
for eff in "${seq_configs[@]}"; do
	build_config "$tmp/repo" "$build" "$eff"
	want=$(expect_link "$eff")
	check_build "$build" "$eff" "$want"
	echo "  $eff: $want, $last_ms ms, $last_cc objects compiled"
	if [ -z "$prev" ]; then
		clean_ms=$last_ms
		[ "$last_cc" -ge 20 ] || fail "clean build compiled only $last_cc objects"
	fi
	if [ "$prev" = yyyyy ] && [ "$eff" = myyyy ]; then
		# DEV_DAX_HMEM y -> m: only hmem.c uses it (and is now a module object).
		flip_ms=$last_ms
		flip_cc=$last_cc
		[ "$last_cc" = 1 ] && grep -q '^  CC \[M\]  drivers/dax/hmem/hmem.o$' "$build/build.log" ||
			fail "flipping DEV_DAX_HMEM recompiled: $(grep '^  CC' "$build/build.log" | tr '\n' ' ')"
		ok
	fi
	if [ "$want" = ok ]; then
		case " ${!subject_want[*]} " in
		*" $eff "*) expect_boot "$build" "$eff" "${subject_want[$eff]}" "${control_want[$eff]}" ;;
		esac
	fi
	prev=$eff
done

# Nothing changed: nothing is recompiled or relinked.
build_config "$tmp/repo" "$build" mmmmy
[ "$last_rc" = 0 ] && [ "$last_cc" = 0 ] && ! grep -q '^  LD ' "$build/build.log" ||
	fail "a rebuild without changes did work: $(grep '^  [CL]' "$build/build.log" | tr '\n' ' ')"
ok
grep -qx 'drivers/cxl/cxl_acpi.ko' "$build/modules.order" && grep -qx 'drivers/dax/hmem/dax_hmem.ko' "$build/modules.order" ||
	fail "modules.order lacks cxl_acpi/dax_hmem: $(cat "$build/modules.order")"
ok

# modules_install, and booting next to the installed tree
make -s -C "$tmp/repo" O="$build" modules_install INSTALL_MOD_PATH="$tmp/inst" >/dev/null
modlib=$tmp/inst/lib/modules/6.12.0-fixture
[ -f "$modlib/kernel/drivers/cxl/cxl_acpi.ko" ] || fail "modules_install: no cxl_acpi.ko"
grep -q '^kernel/drivers/dax/hmem/dax_hmem.ko: kernel/drivers/cxl/core/cxl_core.ko$' "$modlib/modules.dep" ||
	fail "modules.dep: $(cat "$modlib/modules.dep")"
grep -qx 'softdep dax_hmem pre: cxl_acpi' "$modlib/modules.softdep" || fail "modules.softdep: $(cat "$modlib/modules.softdep")"
cp "$build/vmlinux" "$tmp/inst/vmlinux"
boot "$tmp/inst/vmlinux" "${variants[0]}" > "$tmp/inst.log"
[ "$(owner "$tmp/inst.log" subject)" = cxl ] || fail "boot from the installed tree: $(grep KMATRIX "$tmp/inst.log")"
# The worker's staging: STAGE/kernel.img next to STAGE/modroot (INSTALL_MOD_PATH), run in another
# directory; kmod loads the softdeps first (dax_hmem: cxl_acpi; cxl_acpi: cxl_port).
mkdir -p "$tmp/stage/boot"
cp "$build/arch/x86/boot/bzImage" "$tmp/stage/kernel.img"
make -s -C "$tmp/repo" O="$build" ARCH=x86_64 modules_install INSTALL_MOD_PATH="$tmp/stage/modroot" \
	INSTALL_MOD_STRIP=1 > "$tmp/stage.log"
[ ! -s "$tmp/stage.log" ] || fail "make -s modules_install printed: $(head -3 "$tmp/stage.log")"
(cd "$tmp/stage/boot" && boot "$tmp/stage/kernel.img" "${variants[2]}" > "$tmp/stage.log")
grep -qx 'KMATRIX-INFO modules=cxl_pci,dax_hmem,cxl_acpi,cxl_port,cxl_core' "$tmp/stage.log" &&
	[ "$(owner "$tmp/stage.log" subject)" = cxl ] || fail "boot from the worker's staging: $(grep KMATRIX "$tmp/stage.log")"
ok

# A module that is not in the load list is not loaded (only what the listed
# ones need: cxl_core); a listed module the config lacks is "absent".
boot "$build/vmlinux" "x|nosuchmod,dax_hmem|busybox" > "$tmp/missing.log"
grep -qx 'KMATRIX-INFO module.nosuchmod=absent' "$tmp/missing.log" &&
	grep -qx 'KMATRIX-INFO module.dax_hmem=loaded' "$tmp/missing.log" &&
	grep -qx 'KMATRIX-INFO modules=dax_hmem,cxl_core' "$tmp/missing.log" || fail "load list: $(grep INFO "$tmp/missing.log")"
[ "$(owner "$tmp/missing.log" subject)" = hmem ] || fail "dax_hmem alone: subject $(owner "$tmp/missing.log" subject)"
boot "$build/vmlinux" "x||kmod" > "$tmp/missing.log"
grep -qx 'KMATRIX-INFO modules=' "$tmp/missing.log" && grep -qx 'KMATRIX-END rc=0' "$tmp/missing.log" ||
	fail "empty load list: $(grep KMATRIX "$tmp/missing.log")"
[ "$(owner "$tmp/missing.log" subject)" = none ] || fail "nothing loaded: subject not none"
ok

# Failure switches
set +e
timeout 3 "$build/vmlinux" console=ttyS0 fixture.hang > "$tmp/hang.log"
rc=$?
"$build/vmlinux" console=ttyS0 fixture.panic > "$tmp/panic.log"
prc=$?
"$build/vmlinux" console=ttyS0 fixture.oops kmatrix.load=cxl_acpi,cxl_pci,dax_hmem > "$tmp/oops.log"
orc=$?
set -e
[ "$rc" = 124 ] || fail "fixture.hang: exit $rc, expected the timeout (124)"
grep -q 'Run /init as init process' "$tmp/hang.log" && ! grep -q KMATRIX "$tmp/hang.log" || fail "fixture.hang log"
ok
[ "$prc" != 0 ] || fail "fixture.panic exited 0"
grep -q '\] Kernel panic - not syncing: VFS: Unable to mount root fs' "$tmp/panic.log" || fail "no panic line"
grep -q '^\[.*\] ---\[ end Kernel panic - not syncing: ' "$tmp/panic.log" || fail "no end-of-panic line"
! grep -q KMATRIX-END "$tmp/panic.log" || fail "fixture.panic printed KMATRIX-END"
ok
[ "$orc" = 0 ] || fail "fixture.oops: exit $orc"
grep -q '\] BUG: kernel NULL pointer dereference, address: 0000000000000008$' "$tmp/oops.log" || fail "no BUG line"
grep -q '\] Oops: 0002 \[#1\] SMP' "$tmp/oops.log" || fail "no Oops line"
grep -q '\] RIP: 0010:fixture_oops_workfn+0x' "$tmp/oops.log" || fail "no RIP line"
grep -q '\] Call Trace:$' "$tmp/oops.log" && grep -qx 'KMATRIX-END rc=0' "$tmp/oops.log" || fail "oops: no trace or no end"
ok

# ---------------------------------------------------------------------------
# 4. The patch chain, built like a worker does: one checkout, the same O=
# ---------------------------------------------------------------------------

for step in "$fix ok" "$brk fail" "$fix2 ok"; do
	read -r commit want <<< "$step"
	git -C "$tmp/repo" checkout -q "$commit"
	build_config "$tmp/repo" "$build" ymmmy
	check_build "$build" ymmmy "$want"
	echo "  repo ${commit:0:12} ymmmy: $want, $last_ms ms, $last_cc objects compiled"
done
# With the fix, HMEM=y + CXL_*=m + REGION=y boots: built-in HMEM wins (notes, first row).
expect_boot "$build" ymmmy "hmem hmem hmem" hmem

# A NULL pointer write in cxl_pci's probe: an oops in the modprobe that loads it; boot goes on.
git -C "$tmp/repo" checkout -q "$oops"
build_config "$tmp/repo" "$build" mmmmy
check_build "$build" mmmmy ok
boot "$build/arch/x86/boot/bzImage" "${variants[0]}" > "$tmp/mod-oops.log"
grep -q '\] BUG: kernel NULL pointer dereference' "$tmp/mod-oops.log" &&
	grep -q '\] CPU: 0 UID: 0 PID: [0-9]* Comm: modprobe ' "$tmp/mod-oops.log" &&
	grep -q '\] RIP: 0010:cxl_pci_probe+0x[0-9a-f]*/0x[0-9a-f]* \[cxl_pci\]$' "$tmp/mod-oops.log" &&
	grep -q '\] Modules linked in: cxl_pci ' "$tmp/mod-oops.log" &&
	grep -qx 'Segmentation fault' "$tmp/mod-oops.log" && grep -qx 'KMATRIX-INFO module.cxl_pci=failed' "$tmp/mod-oops.log" &&
	grep -qx 'KMATRIX-END rc=0' "$tmp/mod-oops.log" ||
	fail "oops-cxl-pci: $(grep -E 'BUG|Comm|RIP|Segm|Modules' "$tmp/mod-oops.log")"
ok

# A compiler error in drivers/cxl/acpi.c: only configs with CXL_ACPI enabled fail.
git -C "$tmp/repo" checkout -q "$ccerr"
build_config "$tmp/repo" "$build" mmmmy
[ "$last_rc" = 1 ] && grep -q "drivers/cxl/acpi.c:[0-9]*:[0-9]*: error: .rc. undeclared" "$build/build.log" ||
	fail "break-compile-cxl-acpi: $(grep -m3 error "$build/build.log")"
build_config "$tmp/repo" "$build" mmnmy
[ "$last_rc" = 0 ] || fail "break-compile-cxl-acpi: CXL_ACPI=n must still build"
[ -z "$(git -C "$tmp/repo" status --porcelain --ignored)" ] || fail "building with O= wrote into the repository"
ok

src_after=$(snapshot "$tree")
[ "$src_before" = "$src_after" ] || fail "building with O= changed files in $tree"
ok

echo "timings: olddefconfig $conf_ms ms/request (make olddefconfig $make_ms ms), clean build $clean_ms ms," \
	"one-symbol flip (DEV_DAX_HMEM y->m) $flip_ms ms with $flip_cc object(s) recompiled"
echo "PASS: $checks checks"
