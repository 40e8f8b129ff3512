#!/bin/sh
# Guest check of the cxl-dax-hmem matrices: who owns each Soft Reserved range, HMEM or CXL?
#
# Runs as /check inside the guest (busybox sh), started by the farm's /init with
#   KMATRIX_LOAD      modules to load, comma-separated, in order (e.g. cxl_acpi,cxl_pci,dax_hmem)
#   KMATRIX_MODPROBE  busybox | kmod: whose modprobe loads them
#   KMATRIX_PARALLEL  1: start every module's modprobe at once (variant parallel = yes)
# and prints, after the modules have loaded and probing has settled, one line per
# Soft Reserved range found in /proc/iomem:
#
#   KMATRIX range=<start>-<end> role=subject|control owner=hmem|cxl|none evidence=<tok,tok,...>
#
# role:  subject  the range intersects a CXL fixed memory window the platform
#                 describes (ACPI CEDT CFMWS): HMEM and CXL compete for it;
#        control  it is outside every window: HMEM must own it whenever the
#                 HMEM driver is present, otherwise the test setup is broken.
# owner (6.12 has no other trace of the decision; /proc/iomem reads the same in
#        every configuration, and dev_dbg is off):
#        hmem  a dax device whose parent is an hmem.N platform device covers part of the range;
#        cxl   a dax device below a CXL region covers it, or no hmem dax device does
#              while a "CXL Window" resource intersects the range and hmem_platform is
#              bound (HMEM looked at the range and deferred it to CXL);
#        none  anything else (HMEM not configured, not loaded, or failed).
# evidence tokens (no spaces): hmem-dax:DEV@PARENT, cxl-dax:DEV, deferred-to-cxl,
#        cxl-window:S-E (in /proc/iomem), no-cxl-window, cfmws:S-E (platform window),
#        hmem-platform:bound|unbound|absent, hmem-dev:hmem.N, hmem-not-configured,
#        hmem-load-failed.
# Also prints KMATRIX-INFO key=value lines: kernel, modprobe, load, and
# module.NAME=builtin|absent|loaded|failed for each module of the load list
# (the farm judges a boot FAIL when a module fails to load). Exit status: 0 when the ranges were inspected, 2 when the guest
# cannot be inspected at all (no /proc/iomem).
#
# Never loads kmem: it would online the unbacked window addresses as System RAM.

PATH=/sbin:/bin:/usr/sbin:/usr/bin
export PATH

info() {
	echo "KMATRIX-INFO $*"
}

kver=$(uname -r)
moddir=/lib/modules/$kver
load=$(echo "${KMATRIX_LOAD:-}" | tr ',' ' ')
modprobe_kind=${KMATRIX_MODPROBE:-busybox}
info "kernel=$kver modprobe=$modprobe_kind load=${KMATRIX_LOAD:-}"

if [ ! -r /proc/iomem ]; then
	info "error=no-proc-iomem"
	exit 2
fi

case "$modprobe_kind" in
kmod)
	if [ -x /usr/sbin/modprobe ]; then
		modprobe_cmd=/usr/sbin/modprobe
		# Requests the kernel makes itself (request_module) go through kmod too.
		[ -w /proc/sys/kernel/modprobe ] && echo /usr/sbin/modprobe > /proc/sys/kernel/modprobe
	else
		info "error=kmod-missing"
		modprobe_cmd="busybox modprobe"
	fi
	;;
*)
	modprobe_cmd="busybox modprobe"
	;;
esac

# builtin | module | absent, from the modules_install metadata (names use _ or -).
module_kind() {
	m=$1
	alt=$(echo "$m" | tr '_' '-')
	if [ -r "$moddir/modules.builtin" ] &&
	   grep -q -e "/$m\.ko\$" -e "/$alt\.ko\$" "$moddir/modules.builtin"; then
		echo builtin
	elif [ -r "$moddir/modules.dep" ] &&
	     grep -q -e "/$m\.ko[^:]*:" -e "/$alt\.ko[^:]*:" "$moddir/modules.dep"; then
		echo module
	else
		echo absent
	fi
}

hmem_load_failed=0
if [ "${KMATRIX_PARALLEL:-0}" = 1 ]; then
	# parallel = yes: every module of the list is started at once, so their
	# probes overlap (the window in which HMEM and CXL race for the range).
	mkdir -p /tmp/kmatrix-load
	for m in $load; do
		[ "$(module_kind "$m")" = module ] || continue
		( $modprobe_cmd "$m" >"/tmp/kmatrix-load/$m.out" 2>&1; echo $? >"/tmp/kmatrix-load/$m.rc" ) &
	done
	wait
fi
for m in $load; do
	kind=$(module_kind "$m")
	state=$kind
	if [ "$kind" = module ]; then
		if [ "${KMATRIX_PARALLEL:-0}" = 1 ]; then
			out=$(cat "/tmp/kmatrix-load/$m.out" 2>/dev/null)
			[ "$(cat "/tmp/kmatrix-load/$m.rc" 2>/dev/null)" = 0 ]
		else
			out=$($modprobe_cmd "$m" 2>&1)
		fi
		if [ $? = 0 ]; then
			state=loaded
		else
			state=failed
			[ "$m" = dax_hmem ] && hmem_load_failed=1
			[ -n "$out" ] && echo "$out"
		fi
	fi
	info "module.$m=$state"
done

# Probing (cxl_pci is asynchronous) settles when the device lists and the
# resource tree stop changing: three equal samples 0.3 s apart, at most ~10 s.
snapshot() {
	{ ls /sys/bus/dax/devices /sys/bus/cxl/devices /sys/bus/platform/devices 2>/dev/null
	  cat /proc/iomem /proc/modules 2>/dev/null; } | md5sum
}
prev=$(snapshot)
same=0
tries=0
while [ "$same" -lt 3 ] && [ "$tries" -lt 33 ]; do
	sleep 0.3
	cur=$(snapshot)
	if [ "$cur" = "$prev" ]; then
		same=$((same + 1))
	else
		same=0
		prev=$cur
	fi
	tries=$((tries + 1))
done
info "settled=$([ "$same" -ge 3 ] && echo yes || echo no) samples=$tries"
info "modules=$(cut -d' ' -f1 /proc/modules 2>/dev/null | tr '\n' ',' | sed 's/,$//')"

# "start end" pairs (hex, no 0x) of the /proc/iomem lines whose name is $1.
iomem_ranges() {
	sed -n "s/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : $1\$/\1 \2/p" /proc/iomem
}

# CFMWS windows from the ACPI CEDT ("start end" hex pairs): the platform's own
# description, present whether or not cxl_acpi is built or loaded.
cfmws_ranges() {
	t=/sys/firmware/acpi/tables/CEDT
	[ -r "$t" ] || return 0
	od -An -v -t u1 "$t" | awk '
		{ for (i = 1; i <= NF; i++) b[n++] = $i }
		function le(o, k,   v, j) { v = 0; for (j = k - 1; j >= 0; j--) v = v * 256 + b[o + j]; return v }
		END {
			o = 36
			while (o + 4 <= n) {
				len = le(o + 2, 2)
				if (len < 4) break
				if (b[o] == 1 && o + 24 <= n)
					print le(o + 8, 4), le(o + 12, 4), le(o + 16, 4), le(o + 20, 4)
				o += len
			}
		}' | while read -r blo bhi slo shi; do
		base=$(( (bhi << 32) | blo ))
		size=$(( (shi << 32) | slo ))
		printf '%x %x\n' "$base" $((base + size - 1))
	done
}

overlaps() { # s1 e1 s2 e2 (hex without 0x)
	[ $((0x$1 <= 0x$4 && 0x$3 <= 0x$2)) -eq 1 ]
}

cfmws=$(cfmws_ranges)
windows=$(iomem_ranges 'CXL Window [0-9]*')
# "s e" lines -> "s-e,s-e"
pairs() {
	echo "$1" | tr ' ' '-' | tr '\n' ',' | sed 's/,*$//'
}
info "cfmws=$(pairs "$cfmws") iomem-cxl-windows=$(pairs "$windows")"

if [ -e /sys/bus/platform/drivers/hmem_platform/hmem_platform.0 ]; then
	hmem_platform=bound
elif [ -e /sys/bus/platform/devices/hmem_platform.0 ]; then
	hmem_platform=unbound
else
	hmem_platform=absent
fi
hmem_devs=
for h in /sys/bus/platform/devices/hmem.*; do
	[ -e "$h" ] && hmem_devs="$hmem_devs ${h##*/}"
done
hmem_devs=${hmem_devs# }
hmem_kind=$(module_kind dax_hmem)
info "hmem=$hmem_kind hmem-platform=$hmem_platform hmem-devices=$(echo "$hmem_devs" | tr ' ' ',')"

# "name parent start end" of every dax device with a non-empty range.
dax_devices() {
	for d in /sys/bus/dax/devices/*; do
		[ -e "$d/size" ] || continue
		size=$(cat "$d/size" 2>/dev/null)
		start=$(cat "$d/resource" 2>/dev/null)
		if [ -z "$size" ] || [ "$size" = 0 ] || [ -z "$start" ]; then
			continue
		fi
		real=$(readlink -f "$d")
		parent=$(basename "$(dirname "$real")")
		case "$real" in
		*/region[0-9]*) parent="cxl:$parent" ;;
		esac
		printf '%s %s %x %x\n' "${d##*/}" "$parent" $((start)) $((start + size - 1))
	done
}
dax=$(dax_devices)

nranges=0
soft=$(iomem_ranges 'Soft Reserved')
while read -r s e; do
	[ -n "$s" ] || continue
	nranges=$((nranges + 1))
	role=control
	ev=""
	for w in $(echo "$cfmws" | tr ' ' '-'); do
		if overlaps "$s" "$e" "${w%-*}" "${w#*-}"; then
			role=subject
			ev="$ev,cfmws:$w"
		fi
	done
	in_window=0
	for w in $(echo "$windows" | tr ' ' '-'); do
		if overlaps "$s" "$e" "${w%-*}" "${w#*-}"; then
			in_window=1
			ev="$ev,cxl-window:$w"
		fi
	done
	# No platform table but the kernel shows a window: trust the kernel.
	[ -z "$cfmws" ] && [ "$in_window" = 1 ] && role=subject
	[ "$in_window" = 0 ] && ev="$ev,no-cxl-window"

	owner=none
	hmem_dax=""
	cxl_dax=""
	if [ -n "$dax" ]; then
		while read -r name parent ds de; do
			overlaps "$s" "$e" "$ds" "$de" || continue
			case "$parent" in
			hmem.*) hmem_dax="$hmem_dax,hmem-dax:$name@$parent" ;;
			cxl:*) cxl_dax="$cxl_dax,cxl-dax:$name" ;;
			esac
		done <<EOF
$dax
EOF
	fi
	if [ -n "$hmem_dax" ]; then
		owner=hmem
		ev="$ev$hmem_dax"
	elif [ -n "$cxl_dax" ]; then
		owner=cxl
		ev="$ev$cxl_dax"
	elif [ "$in_window" = 1 ] && [ "$hmem_platform" = bound ]; then
		owner=cxl
		ev="$ev,deferred-to-cxl"
	fi
	ev="$ev,hmem-platform:$hmem_platform"
	for h in $hmem_devs; do
		ev="$ev,hmem-dev:$h"
	done
	[ "$hmem_kind" = absent ] && ev="$ev,hmem-not-configured"
	[ "$hmem_load_failed" = 1 ] && ev="$ev,hmem-load-failed"
	echo "KMATRIX range=$s-$e role=$role owner=$owner evidence=${ev#,}"
done <<EOF
$soft
EOF

[ "$nranges" -gt 0 ] || info "error=no-soft-reserved-ranges"
exit 0
