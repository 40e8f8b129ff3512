# Helpers of the real-kernel tests: Debian's Linux 6.12 as a git tree, a test
# tree with the seed's bug on a branch, and one worker directory and ccache
# shared by every kernel test (and kept between runs) so only the first build
# is cold.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

KM_CACHE=$("$KM_SOURCE_DIR/scripts/cache-dir.sh")
missing=()
[ -f /usr/src/linux-source-6.12.tar.xz ] || [ -d "$KM_CACHE/linux-6.12/.git" ] || missing+=(linux-source-6.12)
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
[ -x /bin/busybox ] || missing+=(busybox-static)
for tool in flex bison bc ccache cpio; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "SKIP: missing ${missing[*]} (scripts/install-deps.sh installs them)"
	exit 77
fi

LINUX=$(KM_LINUX_TREE="$KM_CACHE/linux-6.12" "$KM_SOURCE_DIR/scripts/linux-tree.sh")
TEST_TREE=$KM_CACHE/linux-test
export KM_WORK_DIR=$KM_CACHE/kernel-test-work
export KM_CCACHE_DIR=$KM_CACHE/ccache
BUG_BRANCH=hmem-calls-cxl

# The test tree shares objects with the pristine one; the bug is one commit on a branch.
prepare_test_tree() {
	if [ ! -d "$TEST_TREE/.git" ]; then
		git clone -q --shared "$LINUX" "$TEST_TREE.tmp.$$"
		mv "$TEST_TREE.tmp.$$" "$TEST_TREE"
	fi
	if ! git -C "$TEST_TREE" rev-parse -q --verify "refs/heads/$BUG_BRANCH" >/dev/null; then
		git -C "$TEST_TREE" checkout -q -B "$BUG_BRANCH" master
		GIT_COMMITTER_NAME="kmatrix test" GIT_COMMITTER_EMAIL=kmatrix-test@localhost \
			GIT_COMMITTER_DATE="2026-01-01T00:00:00Z" \
			git -C "$TEST_TREE" am -q --committer-date-is-author-date \
			"$KM_SOURCE_DIR/tests/kernel/patches/0001-dax-hmem-call-cxl-region.patch"
		git -C "$TEST_TREE" checkout -q master
	fi
}

# A 3-commit series on master for the bisection test: commits 1 and 3 are
# one-line changes nothing builds (Documentation/ is in the Debian tree's
# .gitignore, hence add -f), commit 2 is the seed's link error.
SERIES_BRANCH=hmem-series
prepare_series() {
	prepare_test_tree
	if git -C "$TEST_TREE" rev-parse -q --verify "refs/heads/$SERIES_BRANCH" >/dev/null; then
		return 0
	fi
	local id="GIT_AUTHOR_NAME=kmatrix-test GIT_AUTHOR_EMAIL=kmatrix-test@localhost"
	local cid="GIT_COMMITTER_NAME=kmatrix-test GIT_COMMITTER_EMAIL=kmatrix-test@localhost"
	# A run that died half-way leaves its note and the .tmp branch: start from a clean master.
	git -C "$TEST_TREE" checkout -qf master
	git -C "$TEST_TREE" checkout -q -B "$SERIES_BRANCH.tmp" master
	echo "kmatrix series note 1" >>"$TEST_TREE/Documentation/driver-api/cxl/index.rst"
	git -C "$TEST_TREE" add -f Documentation/driver-api/cxl/index.rst
	env $id $cid GIT_AUTHOR_DATE=2026-01-02T00:00:00Z GIT_COMMITTER_DATE=2026-01-02T00:00:00Z \
		git -C "$TEST_TREE" commit -q -m "Documentation/cxl: note 1"
	env $cid GIT_COMMITTER_DATE=2026-01-02T00:01:00Z git -C "$TEST_TREE" am -q --committer-date-is-author-date \
		"$KM_SOURCE_DIR/tests/kernel/patches/0001-dax-hmem-call-cxl-region.patch"
	echo "kmatrix series note 3" >>"$TEST_TREE/Documentation/driver-api/cxl/index.rst"
	git -C "$TEST_TREE" add -f Documentation/driver-api/cxl/index.rst
	env $id $cid GIT_AUTHOR_DATE=2026-01-02T00:02:00Z GIT_COMMITTER_DATE=2026-01-02T00:02:00Z \
		git -C "$TEST_TREE" commit -q -m "Documentation/cxl: note 3"
	git -C "$TEST_TREE" checkout -q master
	git -C "$TEST_TREE" branch -q -M "$SERIES_BRANCH.tmp" "$SERIES_BRANCH"
}

# point_of RUN "SYM=v ..." -> the config id whose effective values match.
config_where() {
	local run=$1 filter=$2
	curl -s "$URL/api/v1/runs/$run/matrix" | jq -r --arg f "$filter" '
		($f | split(" ") | map(split("=") | {(.[0]): .[1]}) | add) as $want
		| [.configs[] | select(.effective as $e | $want | to_entries | all(.value == $e[.key]))][0].id'
}
