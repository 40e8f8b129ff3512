# Set-up shared by the real-kernel benchmarks, sourced from the project root:
# the built binaries, the shell-test helpers (a temp dir, a server and workers
# on loopback) and Debian's Linux 6.12 as a git tree ($LINUX; $cache is the
# state directory of scripts/cache-dir.sh).
build=${KM_BUILD:-build}
export KM_SOURCE_DIR=$PWD KM_SERVER=$PWD/$build/server/kmatrix-server KM_WORKER=$PWD/$build/worker/kmatrix-worker \
	KM_CTL=$PWD/$build/ctl/kmatrixctl
[ -x "$KM_WORKER" ] || { echo "build first: cmake -S . -B $build && cmake --build $build" >&2; exit 2; }
. tests/integration/lib.sh
cache=$(scripts/cache-dir.sh)
LINUX=$(KM_LINUX_TREE="$cache/linux-6.12" scripts/linux-tree.sh)
