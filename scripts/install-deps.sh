#!/usr/bin/env bash
# Installs every Debian package kmatrix needs to build, test and run real kernels.
# Usage: scripts/install-deps.sh [--no-browser]
set -euo pipefail

packages=(
	# the project itself
	build-essential cmake pkg-config git curl jq ca-certificates
	libgit2-dev libcurl4-openssl-dev libsqlite3-dev sqlite3
	libmicrohttpd-dev libjansson-dev libssl-dev libcmocka-dev
	clang libclang-rt-14-dev clang-format
	# kernel builds
	ccache flex bison bc libelf-dev cpio kmod xz-utils linux-source-6.12
	# kernel boots
	qemu-system-x86 busybox-static
	# fixture tree (real Kconfig resolver)
	kconfig-frontends
	# tests and benchmarks: real SMTP, real Redis, load generator, KCIDB schema checks
	python3 python3-aiosmtpd python3-jsonschema redis-server wrk
	# dashboard tests
	chromium
)

if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
else
	sudo=
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js may come from another vendor's package that conflicts with Debian's
# npm; only ask for Debian's when the commands are absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update
	$sudo apt-get install -y --no-install-recommends "${missing[@]}"
else
	echo "install-deps: all ${#packages[@]} packages present"
fi
