#!/bin/sh
# Gives each worker named in KMATRIX_WORKERS a token, once: for a name with no
# DIR/NAME.token yet, `kmatrixctl worker-add NAME` (admin token) creates the
# worker and the token is written to that file (mode 0600). Names that have a
# token file are left alone, so running it again (every `docker compose up`)
# changes nothing.
#
# Environment:
#   KMATRIX_WORKERS          worker names, separated by blanks (required)
#   KMATRIX_URL              the server (default http://server:8080)
#   KMATRIX_ADMIN_TOKEN_FILE the admin token (default /var/lib/kmatrix/admin.token)
#   KMATRIX_TOKEN_DIR        where token files go (default /var/lib/kmatrix-tokens)
set -eu

url=${KMATRIX_URL:-http://server:8080}
admin=${KMATRIX_ADMIN_TOKEN_FILE:-/var/lib/kmatrix/admin.token}
dir=${KMATRIX_TOKEN_DIR:-/var/lib/kmatrix-tokens}
names=${KMATRIX_WORKERS:?set KMATRIX_WORKERS to the worker names, e.g. "worker-1 worker-2"}

i=0
until curl -fsS "$url/api/v1/health" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ "$i" -ge 60 ]; then
		echo "provision-tokens: no answer from $url/api/v1/health after 60 s" >&2
		exit 1
	fi
	sleep 1
done
[ -r "$admin" ] || { echo "provision-tokens: cannot read the admin token $admin" >&2; exit 1; }

umask 077
for name in $names; do
	case $name in
	*[!A-Za-z0-9._-]* | "" | .*)
		echo "provision-tokens: '$name': a worker name is letters, digits, '.', '_' and '-'" >&2
		exit 1
		;;
	esac
	file=$dir/$name.token
	if [ -s "$file" ]; then
		echo "provision-tokens: $name: token present"
		continue
	fi
	if ! kmatrixctl --server="$url" --token-file="$admin" worker-add "$name" >"$file.new"; then
		rm -f "$file.new"
		echo "provision-tokens: $name: the server refused (a worker of that name may exist already," \
			"its token lost: give this worker another name)" >&2
		exit 1
	fi
	mv "$file.new" "$file"
	echo "provision-tokens: $name: token created"
done
