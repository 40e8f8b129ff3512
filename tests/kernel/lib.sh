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

# point_of RUN "SYM=v ..." -> the config id whose effective values match.
config_where() {
	local run=$1 filter=$2
	curl -s "$URL/api/v1/runs/$run/matrix" | jq -r --arg f "$filter" '
		($f | split(" ") | map(split("=") | {(.[0]): .[1]}) | add) as $want
		| [.configs[] | select(.effective as $e | $want | to_entries | all(.value == $e[.key]))][0].id'
}
