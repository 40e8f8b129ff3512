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

# Read-only queries on the test server's database ($T/data, see start_server).
db() { sqlite3 -readonly "$T/data/kmatrix.db" "$@"; }

# first_build RUN: "hits misses wall point" of the run's first finished build; the rest of the run is cancelled.
first_build() {
	local run=$1 n=0
	until [ "$(db "SELECT COUNT(*) FROM builds b JOIN jobs j ON j.id = b.job_id WHERE j.run_id = $run")" -ge 1 ]; do
		sleep 3
		n=$((n + 1))
		[ $n -lt 2400 ] || fail "no build finished in run $run"
	done
	"$KM_CTL" cancel "$run" >/dev/null 2>&1 || true
	db "SELECT b.ccache_hits || ' ' || b.ccache_misses || ' ' || printf('%.0f', b.wall_s) || ' ' || c.point
		FROM builds b JOIN jobs j ON j.id = b.job_id JOIN configs c ON c.id = b.config_id
		WHERE j.run_id = $run ORDER BY b.job_id LIMIT 1"
}

. bench/timing.sh

wait_state() { # RUN STATE...: until the run is in one of the states
	local run=$1
	shift
	while :; do
		local st
		st=$(curl -s "$URL/api/v1/runs/$run" | jq -r .state)
		for want in "$@"; do [ "$st" = "$want" ] && return 0; done
		[ "$st" = error ] && fail "run $run ended in error"
		sleep 5
	done
}

hashes() { # RUN -> "point hash" lines, sorted
	curl -s "$URL/api/v1/runs/$1/matrix" |
		jq -r '(.configs | map({(.id | tostring): .hash}) | add) as $h | .requests[] | "\(.point) \($h[.config_id | tostring])"' | sort
}

# The configure job's own figure: resolving every request, without the tree's checkout.
conf_secs() { db "SELECT message FROM jobs WHERE run_id = $1 AND kind = 'configure'" | sed -n 's/.* in \([0-9.]*\) s[;( ].*/\1/p'; }
