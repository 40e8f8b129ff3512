#!/usr/bin/env bash
# Installs what the tests need, builds kmatrix twice (warnings as errors; then
# with AddressSanitizer and UBSan) and runs every test with ctest: unit, fuzz
# corpora, integration on loopback, browser, and real Linux 6.12 builds and boots.
# Under the sanitizers the real-kernel tests are cut to kernel/test_build_boot
# (see below), unless KM_TEST_LABELS asks for labels.
#
# Environment:
#   KM_TEST_LABELS   ctest label regex to run (default: everything)
#   KM_SKIP_SANITIZE set to 1 to skip the sanitizer build
#   KM_CACHE         where the Linux tree, kernel build dirs and ccache live between
#                    runs (default: see scripts/cache-dir.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
if [ -f tests/browser/package-lock.json ]; then
	(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

# The real Linux 6.12 tree: unit tests of the Kconfig reader and the kernel tests read it.
KM_CACHE=$(scripts/cache-dir.sh)
export KM_CACHE
KM_LINUX_TREE=$KM_CACHE/linux-6.12 scripts/linux-tree.sh >/dev/null

jobs=$(nproc)
labels=${KM_TEST_LABELS:-}
ctest_args=(--output-on-failure --timeout 3600)
[ -n "$labels" ] && ctest_args+=(-L "$labels")

echo "== build (warnings are errors)"
cmake -S . -B build -DKM_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
echo "== tests"
ctest --test-dir build "${ctest_args[@]}"

if [ "${KM_SKIP_SANITIZE:-0}" != 1 ]; then
	echo "== build with -fsanitize=address,undefined"
	cmake -S . -B build-sanitize -DKM_WERROR=ON -DKM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-sanitize -j"$jobs"
	echo "== tests under the sanitizers"
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	if [ -n "$labels" ]; then
		ctest --test-dir build-sanitize "${ctest_args[@]}"
	else
		# Every test but the real-kernel ones, then the one real-kernel test that drives the
		# server and worker through configure, build, boot, mail and export: the others spend
		# their minutes in make and QEMU, which the sanitizers do not look at, and their
		# server and worker code runs under the sanitizers in the fixture-tree tests.
		ctest --test-dir build-sanitize "${ctest_args[@]}" -LE kernel
		ctest --test-dir build-sanitize "${ctest_args[@]}" -R '^kernel/test_build_boot$'
	fi
fi
