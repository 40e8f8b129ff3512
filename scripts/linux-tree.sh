#!/usr/bin/env bash
# Turns Debian's linux-source-6.12 tarball into a git repository with one commit whose id is stable.
#
# Usage: scripts/linux-tree.sh
#   KM_LINUX_TREE   destination (default /var/cache/kmatrix/linux-6.12)
#   KM_LINUX_TARBALL source tarball (default /usr/src/linux-source-6.12.tar.xz)
#
# Prints the repository path on stdout. Exits 0 at once when the repository is
# already complete, 2 when linux-source-6.12 is not installed, 1 on other errors.
#
# The commit is reproducible: author and committer are "kmatrix
# <kmatrix@localhost>", both dates are the date of the package's Debian
# changelog entry, the branch is master and the message names the kernel and
# package versions, so two machines that run this script get the same commit id.
#
# Safe to run concurrently (flock on DEST.lock) and after an interruption: the
# repository is assembled in DEST.tmp.PID and renamed into place only once the
# commit exists, and leftovers of interrupted runs are removed.
set -euo pipefail

pkg=linux-source-6.12
dest=${KM_LINUX_TREE:-/var/cache/kmatrix/linux-6.12}
tarball=${KM_LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
changelog=/usr/share/doc/$pkg/changelog.Debian.gz

die() {
	echo "linux-tree: $*" >&2
	exit 1
}

# A complete repository has its master branch pointing at a commit.
complete() {
	[ -d "$1/.git" ] && git -C "$1" rev-parse -q --verify 'refs/heads/master^{commit}' >/dev/null 2>&1
}

dest=${dest%/}
[ -n "$dest" ] || die "KM_LINUX_TREE is empty"

if complete "$dest"; then
	echo "$dest"
	exit 0
fi

if [ ! -f "$tarball" ]; then
	echo "linux-tree: $tarball not found: install the Debian package $pkg" \
		"(apt-get install $pkg, or run scripts/install-deps.sh)" >&2
	exit 2
fi

parent=$(dirname -- "$dest")
mkdir -p -- "$parent"
exec 9>"$dest.lock"
flock 9

# Another run may have finished while this one waited for the lock.
if complete "$dest"; then
	echo "$dest"
	exit 0
fi
[ ! -e "$dest" ] || die "$dest exists but is not a complete git repository: remove it and run again"

# Leftovers of interrupted runs (the lock guarantees none of them is live).
rm -rf -- "$dest".tmp.*

# The Debian version and its changelog date make the commit reproducible.
version=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
date=
if [ -r "$changelog" ]; then
	# The whole file is read (no early exit), so pipefail sees no SIGPIPE.
	date=$(zcat -- "$changelog" | sed -n 's/^ -- .*>  \(.*\)$/\1/p')
	date=${date%%$'\n'*}
fi
if [ -z "$version" ] || [ -z "$date" ]; then
	# Not installed through dpkg (e.g. KM_LINUX_TARBALL elsewhere): fall back on the tarball itself.
	version=${version:-unknown}
	date=${date:-$(date -u -R -r "$tarball")}
fi
date=$(date -u -d "$date" '+%s +0000') || die "cannot parse the changelog date '$date'"

tmp=$dest.tmp.$$
trap 'rm -rf -- "$tmp"' EXIT
mkdir -- "$tmp"

tar -xJf "$tarball" -C "$tmp" --strip-components=1 --no-same-owner
[ -f "$tmp/Makefile" ] || die "$tarball does not hold a kernel tree (no top-level Makefile)"

kv() { sed -n "/^$1 = /{s/^$1 = *\([0-9]*\).*/\1/p;q}" "$tmp/Makefile"; }
kernel="$(kv VERSION).$(kv PATCHLEVEL).$(kv SUBLEVEL)"

export GIT_AUTHOR_NAME=kmatrix GIT_AUTHOR_EMAIL=kmatrix@localhost GIT_AUTHOR_DATE=$date
export GIT_COMMITTER_NAME=kmatrix GIT_COMMITTER_EMAIL=kmatrix@localhost GIT_COMMITTER_DATE=$date
# No user or system configuration may influence the result.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

g() { git -C "$tmp" -c core.autocrlf=false -c gc.auto=0 -c core.fsmonitor=false "$@"; }
g init -q -b master
g config core.autocrlf false
g config gc.auto 0
g config user.name kmatrix
g config user.email kmatrix@localhost
# -f: the tarball is the source of truth, even for files its own .gitignore would skip.
g add -A -f .
g commit -q --no-verify -m "Linux $kernel (Debian $pkg $version)"

mv -T -- "$tmp" "$dest"
trap - EXIT
echo "$dest"
