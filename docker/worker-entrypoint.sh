#!/bin/sh
# Starts kmatrix-worker in the worker image from the environment; arguments
# are passed on as further worker options (see `kmatrix-worker --help`).
#
# Environment:
#   KMATRIX_SERVER          the server URL (default http://server:8080)
#   KMATRIX_WORKER_NAME     the worker's name (default: the container's host name)
#   KMATRIX_WORKER_TOKEN    its token; without it, the file
#                           $KMATRIX_TOKEN_DIR/$KMATRIX_WORKER_NAME.token (waited for
#                           up to 120 s: docker/provision-tokens.sh writes it)
#   KMATRIX_TOKEN_DIR       default /var/lib/kmatrix-tokens
#   KMATRIX_CCACHE_REMOTE   ccache remote storage shared by workers, e.g. redis://redis:6379
#   KMATRIX_JOBS            make -j (default: the CPUs the container sees)
#   KMATRIX_STATE_DIR       trees, build directories and the local ccache
#                           (default /var/lib/kmatrix-worker, the image's volume)
set -eu

name=${KMATRIX_WORKER_NAME:-$(hostname)}
state=${KMATRIX_STATE_DIR:-/var/lib/kmatrix-worker}
set -- --server="${KMATRIX_SERVER:-http://server:8080}" --work-dir="$state/work" --ccache-dir="$state/ccache" \
	--name="$name" "$@"
if [ -z "${KMATRIX_WORKER_TOKEN:-}" ]; then
	token=${KMATRIX_TOKEN_DIR:-/var/lib/kmatrix-tokens}/$name.token
	i=0
	while [ ! -s "$token" ]; do
		i=$((i + 1))
		if [ "$i" -ge 120 ]; then
			echo "kmatrix-worker-entrypoint: no token: set KMATRIX_WORKER_TOKEN or provide $token" >&2
			exit 2
		fi
		sleep 1
	done
	set -- --token-file="$token" "$@"
fi
# Before the arguments: an option given as an argument wins (the last one counts).
[ -z "${KMATRIX_CCACHE_REMOTE:-}" ] || set -- --ccache-remote="$KMATRIX_CCACHE_REMOTE" "$@"
[ -z "${KMATRIX_JOBS:-}" ] || set -- --jobs="$KMATRIX_JOBS" "$@"
exec kmatrix-worker "$@"
