#!/usr/bin/env bash
# Prints where kmatrix keeps state between runs (the Linux tree, worker build
# directories, ccache, the first-run farm): $KM_CACHE if set, else
# /var/cache/kmatrix when writable, else ~/.cache/kmatrix.
if [ -n "${KM_CACHE:-}" ]; then
	echo "$KM_CACHE"
elif mkdir -p /var/cache/kmatrix 2>/dev/null && [ -w /var/cache/kmatrix ]; then
	echo /var/cache/kmatrix
else
	echo "${XDG_CACHE_HOME:-$HOME/.cache}/kmatrix"
fi
