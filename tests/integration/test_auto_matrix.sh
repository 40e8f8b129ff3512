#!/usr/bin/env bash
# Matrices from the series on the fixture tree (docs/auto-matrix.md): a push that makes built-in
# HMEM call a function of the CXL core gets the axes DEV_DAX_HMEM, CXL_BUS and CXL_REGION with
# their reasons, from kmatrixctl suggest and in the run; the run finds the link error with the
# failure condition naming the three; a covering array keeps a bounded run small and seeds the
# failing shape; a push that touches no Kconfig-guarded code builds the base once and says so;
# a tree the server cannot read is refused with the reason.
. "$(dirname "$0")/lib.sh"
for tool in kconfig-conf openssl jq git; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (scripts/install-deps.sh installs it)"; exit 77; }
done

MATRICES=$T/matrices
mkdir -p "$MATRICES"
cp "$KM_SOURCE_DIR/tests/fixtures/fixture.config" "$MATRICES/"
auto_matrix() { # NAME [extra [matrix] lines]
	printf '[matrix]\nname = %s\narch = x86_64\nbase = tinyconfig\nfragment = fixture.config\n' "$1" >"$MATRICES/$1.matrix"
	printf 'targets = vmlinux modules\naxes = auto\n%s' "${2:-}" >>"$MATRICES/$1.matrix"
}
auto_matrix fixture-auto 'max_axes = 3
'
auto_matrix fixture-auto-small 'max_axes = 3
max_requests = 4
'
auto_matrix fixture-auto-hook 'max_axes = 3
max_requests = 4
'
R=$T/linux
bash "$KM_SOURCE_DIR/tests/fixtures/make-repo.sh" "$R" >/dev/null
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
g() { git -C "$R" -c user.name=Dev -c user.email=dev@example.org "$@"; }
# The series: first a tree without the call (and without the function), then the commit that adds both.
g checkout -q -b series
python3 - "$R" <<'PY'
import re, sys
r = sys.argv[1]
p = f"{r}/drivers/dax/hmem/hmem.c"
s = open(p).read()
call = """\t\tif (cxl_region_contains_resource(res))
\t\t\tdev_dbg(host, "range owned by a CXL region: [mem %#llx-%#llx]\\n",
\t\t\t\t(unsigned long long)res->start, (unsigned long long)res->end);
\t\telse
\t\t\tdev_dbg(host, "deferring range to CXL: [mem %#llx-%#llx]\\n",
\t\t\t\t(unsigned long long)res->start, (unsigned long long)res->end);
"""
assert call in s
s = s.replace(call, """\t\tdev_dbg(host, "deferring range to CXL: [mem %#llx-%#llx]\\n",
\t\t\t(unsigned long long)res->start, (unsigned long long)res->end);
""")
open(p, "w").write(s)
p = f"{r}/drivers/cxl/core/region.c"
s = open(p).read()
s, n = re.subn(r"/\*\*\n \* cxl_region_contains_resource.*?EXPORT_SYMBOL_NS_GPL\(cxl_region_contains_resource, CXL\);\n\n", "", s, flags=re.S)
assert n == 1
open(p, "w").write(s)
PY
! grep -q "cxl_region_contains_resource(res)" "$R/drivers/dax/hmem/hmem.c" &&
	! grep -q "^bool cxl_region_contains_resource" "$R/drivers/cxl/core/region.c" ||
	fail "the series' base still has the call"
g commit -qam "dax/hmem: defer CXL ranges without asking the region"
BASE=$(g rev-parse HEAD)
g checkout -q main -- drivers/dax/hmem/hmem.c drivers/cxl/core/region.c
g commit -qam "dax/hmem: skip ranges a CXL region owns"
HEAD_COMMIT=$(g rev-parse HEAD)
# A push of prose only, on top.
g checkout -q -b docs
echo "Notes on the fixture." >"$R/NOTES"
g add NOTES
g commit -qm "notes"

SECRET=$(openssl rand -hex 32)
cat >"$T/trees.conf" <<EOF
[tree fixture]
url      = $R
secret   = $SECRET
branches = hook
matrices = fixture-auto-hook
EOF
chmod 600 "$T/trees.conf"
start_server --long-poll=2 --trees="$T/trees.conf"

# ---- suggest: the matrix file it would run, with the reasons as comments ----
start=$SECONDS
"$KM_CTL" suggest --tree="$R" --ref=series --matrix=fixture-auto >"$T/suggest.matrix" 2>"$T/suggest.err" ||
	fail "suggest: $(cat "$T/suggest.err")"
echo "suggest: $((SECONDS - start)) s"
for sym in DEV_DAX_HMEM CXL_BUS CXL_REGION; do
	grep -Eq "^$sym = y (m )?n " "$T/suggest.matrix" || fail "suggest picks $sym: $(cat "$T/suggest.matrix")"
done
grep -q "^#   drivers/dax/hmem/hmem.c:[0-9]*: calls cxl_region_contains_resource(), declared in include/cxl/cxl.h:[0-9]* under CONFIG_CXL_REGION and defined in drivers/cxl/core/region.c (another module)$" \
	"$T/suggest.matrix" || fail "CXL_REGION's reason: $(cat "$T/suggest.matrix")"
grep -q "^#   builds drivers/dax/hmem/hmem.c, whose line [0-9]* calls cxl_region_contains_resource() defined in drivers/cxl/core/region.c (built by CXL_BUS)$" \
	"$T/suggest.matrix" || fail "DEV_DAX_HMEM's reason"
grep -q "^#   drivers/cxl/core/region.c is built by \`obj-\$(CONFIG_CXL_BUS) += cxl_core.o\` (drivers/cxl/core/Makefile:[0-9]*)$" \
	"$T/suggest.matrix" || fail "CXL_BUS's reason"
grep -q "^# axes = auto: chosen from ${BASE:0:12}..${HEAD_COMMIT:0:12}" "$T/suggest.matrix" || fail "the range is the head's parent"
# What suggest prints is a matrix file a developer can keep: it is accepted as one.
sed -i 's/^name = fixture-auto$/name = kept/' "$T/suggest.matrix"
cp "$T/suggest.matrix" "$MATRICES/kept.matrix"
pass "suggest: DEV_DAX_HMEM, CXL_BUS and CXL_REGION, each with the diff lines that brought it in"

# ---- the auto run: axes and reasons recorded, the link error found, its condition over the three ----
RUN=$("$KM_CTL" submit --tree="$R" --ref=series --matrix=fixture-auto)
api GET "/api/v1/runs/$RUN" >"$T/run.json"
jq -e --arg c "$HEAD_COMMIT" '.commit_id == $c and (.auto.range | test("^[0-9a-f]{12}\\.\\.[0-9a-f]{12}$"))
	and ([.auto.axes[].symbol] | index("CXL_REGION") == 0) and ([.axes[].symbol] == [.auto.axes[].symbol])
	and ([.auto.axes[] | select(.symbol == "DEV_DAX_HMEM") | .reasons[]] | length >= 2)
	and (.axes | length) == 3 and .auto.cover == 0 and .auto.requests == .auto.product
	and (.auto.left | length) > 0 and (.auto.left[0].reasons[0] | startswith("over max_axes = 3"))' "$T/run.json" >/dev/null ||
	fail "the run records its axes and reasons: $(jq -c '{commit_id, auto}' "$T/run.json" | head -c 3000)"
# ---- the kept file is a normal matrix with the same axes (checked before any worker runs) ----
RUN_K=$("$KM_CTL" submit --tree="$R" --commit="$HEAD_COMMIT" --matrix=kept) # by commit: it supersedes nothing
api GET "/api/v1/runs/$RUN_K" | jq -e --argjson a "$(jq '[.axes[].symbol]' "$T/run.json")" '[.axes[].symbol] == $a and (.auto | not)' >/dev/null ||
	fail "the kept matrix has the same axes"
api POST "/api/v1/runs/$RUN_K/cancel" -H "Authorization: Bearer $ADMIN" -d '{}' >/dev/null
expect_status 200 "cancel the kept run"
pass "the suggested file, kept, is a matrix with the same axes"

start_worker w1 --jobs=1
[ "$(wait_run "$RUN" 600)" = done ] || fail "the auto run did not end done"
api GET "/api/v1/runs/$RUN/matrix" >"$T/matrix.json"
failing=$(jq -c '[.configs[] | select(.build.status == "FAIL") | .point] | sort' "$T/matrix.json")
[ "$failing" != "[]" ] || fail "the link error is found"
jq -e '[.configs[] | select(.build.status == "FAIL") | .effective] | all(.DEV_DAX_HMEM == "y" and .CXL_BUS == "m" and .CXL_REGION == "y")' \
	"$T/matrix.json" >/dev/null || fail "only built-in HMEM with a modular CXL core and regions fails: $failing"
SIG=$(api GET "/api/v1/runs/$RUN/signatures")
echo "$SIG" | jq -e '[.signatures[] | select(.secondary | not)] | length == 1
	and (.[0].signature | test("^ld-undefined:cxl_region_contains_resource"))
	and (.[0].condition.text | contains("DEV_DAX_HMEM=y") and contains("CXL_BUS=m") and contains("CXL_REGION=y"))' >/dev/null ||
	fail "the condition names the three symbols: $(echo "$SIG" | jq -c '[.signatures[] | {signature, c: .condition.text}]')"
pass "auto run: $(jq '.requests | length' "$T/matrix.json") requests over $(jq '.axes | length' "$T/run.json") axes; condition $(echo "$SIG" | jq -r '[.signatures[] | select(.secondary | not)][0].condition.text')"

# ---- bounded: 3 axes, at most 4 requests: the covering array starts with the failing shape ----
RUN_S=$("$KM_CTL" submit --tree="$R" --ref=series --matrix=fixture-auto-small)
[ "$(wait_run "$RUN_S" 600)" = done ] || fail "the bounded run did not end done"
api GET "/api/v1/runs/$RUN_S" >"$T/small.json"
jq -e '.auto.cover == 2 and .auto.product == 18 and .auto.requests == 4 and .auto.saved == 14 and .auto.capped
	and ([.auto.axes[].symbol] == ["CXL_REGION", "CXL_BUS", "DEV_DAX_HMEM"])' "$T/small.json" >/dev/null ||
	fail "bounded run: $(jq -c '.auto | del(.axes, .left)' "$T/small.json")"
api GET "/api/v1/runs/$RUN_S/matrix" >"$T/small-matrix.json"
[ "$(jq -c '[.requests[].point]' "$T/small-matrix.json")" = '["ymy","ymm","yyy","nmy"]' ] ||
	fail "the seeds: $(jq -c '[.requests[].point]' "$T/small-matrix.json")"
api GET "/api/v1/runs/$RUN_S/signatures" | jq -e '[.signatures[] | select(.secondary | not)][0].condition.text
	== "CXL_REGION=y ∧ CXL_BUS=m ∧ DEV_DAX_HMEM=y"' >/dev/null ||
	fail "bounded run's condition: $(api GET "/api/v1/runs/$RUN_S/signatures" | jq -c '[.signatures[].condition.text]')"
pass "bounded: 4 of 18 requests (covering array capped, seeded with the failing shape and its neighbours); the same three-symbol condition"

# ---- nothing Kconfig-guarded: the base once, and the run says so ----
RUN_D=$("$KM_CTL" submit --tree="$R" --ref=docs --matrix=fixture-auto)
[ "$(wait_run "$RUN_D" 300)" = done ] || fail "the prose run did not end done"
api GET "/api/v1/runs/$RUN_D" >"$T/docs.json"
jq -e '.auto.note == "the diff touches no Kconfig-guarded code: the base config is built once"
	and .auto.requests == 1 and (.axes | length) == 0 and .auto.files == 1' "$T/docs.json" >/dev/null ||
	fail "prose run: $(jq -c '{axes, auto}' "$T/docs.json")"
[ "$(api GET "/api/v1/runs/$RUN_D/matrix" | jq '[.configs[] | select(.build.status == "PASS")] | length')" = 1 ] ||
	fail "the base config is built once"
pass "a push of prose: one request, the base config built once, the run says why"

# ---- the trees file names an auto matrix for a branch: a push's before is its base ----
MAIN=$(g rev-parse main)
g branch hook "$HEAD_COMMIT"
printf '{"ref":"refs/heads/hook","before":"%s","after":"%s","repository":{"clone_url":"%s"}}' \
	"$MAIN" "$HEAD_COMMIT" "$R" >"$T/push.json"
api POST /api/v1/webhook -H 'Content-Type: application/json' -H "X-GitHub-Event: push" \
	-H "X-Hub-Signature-256: sha256=$(openssl dgst -sha256 -hmac "$SECRET" <"$T/push.json" | sed 's/^.*= *//')" \
	--data-binary @"$T/push.json" >"$T/hook.json"
expect_status 202 "the push"
RUN_H=$(jq '.runs[0].id // .runs[0]' "$T/hook.json")
api GET "/api/v1/runs/$RUN_H" >"$T/hook-run.json"
# main..series adds nothing: the series removes the call and puts it back
jq -e --arg r "${MAIN:0:12}..${HEAD_COMMIT:0:12}" '.matrix_name == "fixture-auto-hook" and .auto.range == $r
	and .auto.requests == 1 and (.axes | length) == 0' "$T/hook-run.json" >/dev/null ||
	fail "the pushed run: $(jq -c '{matrix_name, auto: (.auto | del(.left))}' "$T/hook-run.json")"
[ "$(wait_run "$RUN_H" 300)" = done ] || fail "the pushed run did not end done"
pass "webhook push to a branch the trees file gives an auto matrix: base is the push's before (${MAIN:0:12})"

# ---- bad input: a tree the server cannot read, a ref that does not resolve, an unknown option ----
api GET "/api/v1/suggest?tree=https://example.invalid/linux.git&ref=main" -H "Authorization: Bearer $ADMIN" >/dev/null
expect_status 400 "a remote tree"
grep -q "axes = auto needs a tree the server can read" "$T/body" || fail "the reason: $(cat "$T/body")"
api GET "/api/v1/suggest?tree=$R&ref=no-such-branch" -H "Authorization: Bearer $ADMIN" >/dev/null
expect_status 400 "an unknown ref"
grep -q "not a commit of the tree" "$T/body" || fail "the reason: $(cat "$T/body")"
api GET "/api/v1/suggest?tree=$R&ref=series" >/dev/null
expect_status 401 "suggest without the admin token"
api POST /api/v1/runs -H "Authorization: Bearer $ADMIN" -d '{"tree":"https://example.invalid/x.git","ref":"main","matrix":"fixture-auto"}' >/dev/null
expect_status 400 "an auto run of a remote tree"
[ "$(api GET "/api/v1/runs" | jq '.runs | length')" = 5 ] || fail "the refused submit left no run behind"
"$KM_CTL" suggest --tree="$R" >/dev/null 2>&1 && fail "suggest without a ref"
pass "bad input: a remote tree, an unknown ref, no token, no ref: refused with the reason, nothing recorded"
