#!/usr/bin/env bash
# The push endpoint and polling against a real server on loopback, with the
# GitHub, GitLab and Gitea payloads of tests/unit/data/webhook/ signed here:
# valid signatures and tokens accepted, wrong, missing and tampered ones refused,
# unknown trees, oversized and malformed bodies refused with clear statuses;
# pings, tags, deletions, replays and several matrices per push handled as
# docs/triggers-and-mail.md says; polling with libgit2 picks up new commits,
# new branches and deletions of a local repository.
. "$(dirname "$0")/lib.sh"

for tool in openssl jq git; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done

DATA="$KM_SOURCE_DIR/tests/unit/data/webhook"
MATRICES="$T/matrices"
mkdir -p "$MATRICES"
for m in tiny tiny2; do
	printf '[matrix]\nname = %s\narch = x86_64\nbase = tinyconfig\n[axes]\nA = y m n\nB = y n\n' "$m" >"$MATRICES/$m.matrix"
done

GH_SECRET=$(openssl rand -hex 32)
GL_SECRET=$(openssl rand -hex 24)
GT_SECRET=$(openssl rand -hex 32)
POLLED="$T/polled.git"
git init -q --bare "$POLLED"
SRC="$T/src"
git init -q -b main "$SRC"
git -C "$SRC" -c user.name=Poll -c user.email=poll@example.org commit -q --allow-empty -m "first"
git -C "$SRC" push -q "$POLLED" main

cat >"$T/trees.conf" <<EOF
[tree github-linux]
url      = https://github.com/jdoe/linux.git
secret   = $GH_SECRET
branches = cxl-hmem cxl-hmem-*
matrices = tiny

[tree gitlab-linux]
url      = https://gitlab.example.org/kernel/linux.git
secret   = $GL_SECRET
tags     = v6.*
matrices = tiny tiny2

[tree gitea-linux]
# the forge names the repository by its clone URL; the farm fetches from a mirror
url      = /srv/mirror/jdoe-linux.git https://git.example.org/jdoe/linux.git
secret   = $GT_SECRET
matrices = tiny

[tree open]
url      = https://example.org/no-secret.git
matrices = tiny

[tree polled]
url      = $POLLED
poll     = yes
matrices = tiny
EOF
chmod 600 "$T/trees.conf"

start_server --trees="$T/trees.conf" --poll=1 --long-poll=1

hmac() { openssl dgst -sha256 -hmac "$1" <"$2" | sed 's/^.*= *//'; }
# post FILE [curl args]: the webhook endpoint with FILE as the raw body.
post() {
	local file=$1
	shift
	api POST /api/v1/webhook -H 'Content-Type: application/json' "$@" --data-binary @"$file"
}
github() { # github EVENT FILE [SECRET]
	post "$2" -H "X-GitHub-Event: $1" -H "X-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958" \
		-H "X-Hub-Signature-256: sha256=$(hmac "${3:-$GH_SECRET}" "$2")"
}
gitlab() { # gitlab EVENT FILE [TOKEN]
	post "$2" -H "X-Gitlab-Event: $1" -H "X-Gitlab-Token: ${3:-$GL_SECRET}"
}
gitea() { # gitea EVENT FILE [SECRET]
	post "$2" -H "X-Gitea-Event: $1" -H "X-GitHub-Event: $1" -H "X-Gitea-Signature: $(hmac "${3:-$GT_SECRET}" "$2")"
}
run_field() { api GET "/api/v1/runs/$1" | jq -r ".$2"; }
nruns() { api GET "/api/v1/runs?limit=1000" | jq '.runs | length'; }

# ---- GitHub ----------------------------------------------------------------------------------------
R=$(github push "$DATA/github-push.json")
expect_status 202 "signed GitHub push"
[ "$(echo "$R" | jq -r .status)" = queued ] || fail "GitHub push: $R"
GH_RUN=$(echo "$R" | jq '.runs[0].id')
[ "$(run_field "$GH_RUN" ref)" = refs/heads/cxl-hmem ] || fail "run ref"
[ "$(run_field "$GH_RUN" commit_id)" = "$(jq -r .after "$DATA/github-push.json")" ] || fail "run commit"
[ "$(run_field "$GH_RUN" trigger)" = webhook ] || fail "run trigger"
[ "$(run_field "$GH_RUN" tree.name)" = github-linux ] || fail "run tree: $(api GET "/api/v1/runs/$GH_RUN")"
[ "$(run_field "$GH_RUN" pusher_email)" = "$(jq -r .pusher.email "$DATA/github-push.json")" ] || fail "pusher e-mail"
pass "a signed GitHub push is accepted (202) and queues run $GH_RUN of the pushed commit"

github push "$DATA/github-push.json" "$(openssl rand -hex 32)" >/dev/null
expect_status 401 "GitHub push signed with another secret"
grep -q "X-Hub-Signature-256 does not match" "$T/body" || fail "wrong signature message: $(cat "$T/body")"
post "$DATA/github-push.json" -H "X-GitHub-Event: push" >/dev/null
expect_status 401 "unsigned GitHub push"
grep -q "missing X-Hub-Signature-256" "$T/body" || fail "unsigned message: $(cat "$T/body")"
jq -c '.after = "0123456789abcdef0123456789abcdef01234567"' "$DATA/github-push.json" >"$T/tampered.json"
post "$T/tampered.json" -H "X-GitHub-Event: push" \
	-H "X-Hub-Signature-256: sha256=$(hmac "$GH_SECRET" "$DATA/github-push.json")" >/dev/null
expect_status 401 "a body changed after signing"
[ "$(nruns)" = 1 ] || fail "a refused delivery made a run"
pass "wrong, missing and stale signatures are refused with 401 and make no run"

R=$(github ping "$DATA/github-ping.json")
expect_status 200 "GitHub ping"
[ "$(echo "$R" | jq -r .status)" = ignored ] && echo "$R" | jq -r .reason | grep -q "not a push" || fail "ping: $R"
github ping "$DATA/github-ping.json" "$(openssl rand -hex 32)" >/dev/null
expect_status 401 "a ping with a wrong signature"
pass "an authenticated ping is answered 200 \"not a push: ignored\"; a forged one 401"

R=$(github push "$DATA/github-push.json")
expect_status 202 "replayed GitHub push"
[ "$(echo "$R" | jq -r .status)" = ignored ] || fail "replay: $R"
[ "$(nruns)" = 1 ] || fail "a replayed push made a run"
jq -c '.after = "2222222222222222222222222222222222222222" | .before = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d" | .head_commit.id = .after' \
	"$DATA/github-push.json" >"$T/next.json"
R=$(github push "$T/next.json")
expect_status 202 "second push to the same ref"
GH_RUN2=$(echo "$R" | jq '.runs[0].id')
[ "$(run_field "$GH_RUN" state)" = superseded ] || fail "the older run is not superseded"
[ "$(run_field "$GH_RUN" superseded_by)" = "$GH_RUN2" ] || fail "superseded_by"
[ "$(api GET "/api/v1/runs/$GH_RUN" | jq '.counts.configure.cancelled // 0')" = 1 ] || fail "queued configure not cancelled"
pass "the same push again is ignored; a newer push (run $GH_RUN2) supersedes run $GH_RUN and cancels its queued jobs"

R=$(github push "$DATA/github-create-branch.json")
expect_status 202 "new branch"
V9_RUN=$(echo "$R" | jq '.runs[0].id')
[ "$(run_field "$V9_RUN" ref)" = refs/heads/cxl-hmem-v9 ] || fail "new branch run"
jq -c '.ref = "refs/heads/cxl-hmem-v9" | .before = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d" | .after = "0000000000000000000000000000000000000000" | .deleted = true | .head_commit = null' \
	"$DATA/github-delete.json" >"$T/delete-v9.json"
R=$(github push "$T/delete-v9.json")
expect_status 202 "branch deletion"
[ "$(echo "$R" | jq -r .status)" = cancelled ] && [ "$(echo "$R" | jq .runs)" = 1 ] || fail "deletion: $R"
[ "$(run_field "$V9_RUN" state)" = cancelled ] || fail "the deleted branch's run is not cancelled"
R=$(github push "$DATA/github-delete.json")
expect_status 202 "deletion of a branch without runs"
[ "$(echo "$R" | jq .runs)" = 0 ] || fail "deletion without runs: $R"
pass "a new branch gets run $V9_RUN; deleting it cancels the run's queued work (202)"

R=$(github push "$DATA/github-tag.json")
expect_status 202 "tag push to a tree that builds no tags"
[ "$(echo "$R" | jq -r .status)" = ignored ] && echo "$R" | jq -r .reason | grep -q "builds no tags" || fail "tag: $R"
jq -c '.ref = "refs/heads/unrelated"' "$DATA/github-push.json" >"$T/unrelated.json"
R=$(github push "$T/unrelated.json")
expect_status 202 "push of an unconfigured branch"
echo "$R" | jq -r .reason | grep -q "builds no branch matching" || fail "unconfigured branch: $R"
pass "tags and branches the trees file does not list are ignored (202) with the reason"

# A form-encoded delivery (GitHub's other content type): the signature covers the form body.
printf 'payload=%s' "$(jq -c '.after = "3333333333333333333333333333333333333333" | .head_commit.id = .after' \
	"$DATA/github-push.json" | jq -sRr @uri)" >"$T/form.txt"
R=$(api POST /api/v1/webhook -H 'Content-Type: application/x-www-form-urlencoded' -H "X-GitHub-Event: push" \
	-H "X-Hub-Signature-256: sha256=$(hmac "$GH_SECRET" "$T/form.txt")" --data-binary @"$T/form.txt")
expect_status 202 "form-encoded GitHub push"
[ "$(echo "$R" | jq -r .status)" = queued ] || fail "form push: $R"
pass "a form-encoded GitHub push is accepted"

# ---- GitLab -------------------------------------------------------------------------------------------
R=$(gitlab "Push Hook" "$DATA/gitlab-push.json")
expect_status 202 "GitLab push"
[ "$(echo "$R" | jq '.runs | length')" = 2 ] || fail "two matrices, two runs: $R"
GL_A=$(echo "$R" | jq '.runs[0].id')
GL_B=$(echo "$R" | jq '.runs[1].id')
[ "$(run_field "$GL_A" state)" = queued ] && [ "$(run_field "$GL_B" state)" = queued ] ||
	fail "the runs of one push must not supersede each other"
[ "$(run_field "$GL_A" matrix_name) $(run_field "$GL_B" matrix_name)" = "tiny tiny2" ] || fail "matrices"
gitlab "Push Hook" "$DATA/gitlab-push.json" "$(openssl rand -hex 24)" >/dev/null
expect_status 401 "GitLab push with a wrong token"
grep -q "X-Gitlab-Token does not match" "$T/body" || fail "wrong token message: $(cat "$T/body")"
post "$DATA/gitlab-push.json" -H "X-Gitlab-Event: Push Hook" >/dev/null
expect_status 401 "GitLab push without a token"
R=$(gitlab "Merge Request Hook" "$DATA/gitlab-merge-request.json")
expect_status 200 "GitLab merge request"
[ "$(echo "$R" | jq -r .status)" = ignored ] || fail "merge request: $R"
R=$(gitlab "Tag Push Hook" "$DATA/gitlab-tag.json")
expect_status 202 "GitLab tag push"
[ "$(echo "$R" | jq -r .status)" = queued ] || fail "tag listed in 'tags' is built: $R"
TAG_RUN=$(echo "$R" | jq '.runs[0].id')
[ "$(run_field "$TAG_RUN" ref)" = refs/tags/v6.12-cxl1 ] || fail "tag run ref"
[ "$(run_field "$TAG_RUN" commit_id)" = null ] || fail "a tag's commit is resolved by the configure job"
R=$(gitlab "Push Hook" "$DATA/gitlab-delete.json")
expect_status 202 "GitLab branch deletion"
[ "$(echo "$R" | jq -r .status)" = cancelled ] || fail "GitLab deletion: $R"
pass "GitLab: token checked, one run per matrix (runs $GL_A, $GL_B), merge requests ignored, listed tags built (run $TAG_RUN)"

# One push is one transaction: when the second of its matrices cannot be read, the first one's run is
# not recorded either, and the answer names the matrix; once the file is mended, the same push runs both.
runs_before=$(api GET "/api/v1/runs?limit=100" | jq '.runs | length')
mv "$MATRICES/tiny2.matrix" "$T/tiny2.matrix"
printf '[matrix]\nname = tiny2\narch = x86_64\n[axes]\nA = y m n\n' >"$MATRICES/tiny2.matrix"
sed 's/v6.12-cxl1/v6.12-cxl2/' "$DATA/gitlab-tag.json" >"$T/gitlab-tag2.json"
R=$(gitlab "Tag Push Hook" "$T/gitlab-tag2.json")
[ "$(cat "$T/status")" -ge 400 ] || fail "a push whose second matrix is broken is refused: $(cat "$T/status") $R"
grep -q "matrix 'tiny2'" "$T/body" || fail "the refusal names the matrix: $(cat "$T/body")"
[ "$(api GET "/api/v1/runs?limit=100" | jq '.runs | length')" = "$runs_before" ] ||
	fail "no run of the refused push is recorded: $(api GET "/api/v1/runs?limit=100" | jq -c '[.runs[] | {id, ref, matrix_name}]')"
mv "$T/tiny2.matrix" "$MATRICES/tiny2.matrix"
R=$(gitlab "Tag Push Hook" "$T/gitlab-tag2.json")
expect_status 202 "the same push with the matrix mended"
[ "$(echo "$R" | jq -c '[.runs[].matrix]')" = '["tiny","tiny2"]' ] || fail "both matrices run: $R"
pass "a push is one transaction: a broken second matrix records no run of it ($(head -c 160 "$T/body"))"

# ---- Gitea --------------------------------------------------------------------------------------------
R=$(gitea push "$DATA/gitea-push.json")
expect_status 202 "Gitea push"
GT_RUN=$(echo "$R" | jq '.runs[0].id')
[ "$(run_field "$GT_RUN" tree.url)" = /srv/mirror/jdoe-linux.git ] || fail "the run fetches from the tree's first url"
gitea push "$DATA/gitea-push.json" "$(openssl rand -hex 32)" >/dev/null
expect_status 401 "Gitea push with a wrong signature"
R=$(gitea create "$DATA/gitea-create.json")
expect_status 200 "Gitea create event"
pass "Gitea: signature checked, the run fetches from the tree's first URL (run $GT_RUN)"

# ---- refused deliveries -------------------------------------------------------------------------------
before=$(nruns)
jq -c '.repository.clone_url = "https://github.com/mallory/linux.git" | .repository.ssh_url = "git@github.com:mallory/linux.git" | .repository.git_url = "git://github.com/mallory/linux.git" | .repository.html_url = "https://github.com/mallory/linux"' \
	"$DATA/github-push.json" >"$T/unknown.json"
github push "$T/unknown.json" >/dev/null
expect_status 404 "push of an unknown tree"
grep -q "no tree in the trees file has the URL" "$T/body" || fail "unknown tree message: $(cat "$T/body")"
jq -c '.repository.clone_url = "https://example.org/no-secret.git"' "$DATA/github-push.json" >"$T/open.json"
github push "$T/open.json" "$(openssl rand -hex 32)" >/dev/null
expect_status 401 "push to a tree without a secret"
grep -q "no webhook secret" "$T/body" || fail "no-secret message: $(cat "$T/body")"
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$T/big.json"
github push "$T/big.json" >/dev/null
expect_status 413 "oversized body"
printf '{"ref": "refs/heads/cxl-hmem", "after": ' >"$T/broken.json"
github push "$T/broken.json" >/dev/null
expect_status 400 "malformed JSON"
grep -q "line 1" "$T/body" || fail "malformed JSON message names no position: $(cat "$T/body")"
jq -c 'del(.after)' "$DATA/github-push.json" >"$T/noafter.json"
github push "$T/noafter.json" >/dev/null
expect_status 400 "push without 'after'"
grep -q "missing field 'after'" "$T/body" || fail "missing field message: $(cat "$T/body")"
# Without a signature header it is refused on its headers, before the body is looked at.
post /dev/null -H "X-GitHub-Event: push" >/dev/null
expect_status 401 "empty unsigned body"
post /dev/null -H "X-GitHub-Event: push" -H "X-Hub-Signature-256: sha256=$(hmac "$GH_SECRET" /dev/null)" >/dev/null
expect_status 400 "empty signed body"
api GET /api/v1/webhook >/dev/null
expect_status 405 "GET on the webhook"
[ "$(nruns)" = "$before" ] || fail "a refused delivery made a run"
pass "unknown tree 404, no secret 401, oversized 413, malformed or incomplete 400: no run made"

# ---- polling --------------------------------------------------------------------------------------------
for _ in $(seq 1 50); do
	grep -q "poll tree=polled .*first look" "$T/server.log" && break
	sleep 0.2
done
grep -q "poll tree=polled .*first look" "$T/server.log" || fail "the polled tree was never looked at"
[ "$(api GET "/api/v1/runs?tree=polled" | jq '.runs | length')" = 0 ] || fail "the first look started runs"
git -C "$SRC" -c user.name=Poll -c user.email=poll@example.org commit -q --allow-empty -m "second"
git -C "$SRC" push -q "$POLLED" main
NEW=$(git -C "$SRC" rev-parse HEAD)
for _ in $(seq 1 50); do
	[ "$(api GET "/api/v1/runs?tree=polled" | jq '.runs | length')" -ge 1 ] && break
	sleep 0.2
done
P=$(api GET "/api/v1/runs?tree=polled" | jq '.runs[0]')
[ "$(echo "$P" | jq -r .commit_id)" = "$NEW" ] || fail "polled run: $P"
[ "$(echo "$P" | jq -r .trigger)" = poll ] || fail "polled run trigger: $P"
[ "$(echo "$P" | jq -r .ref)" = refs/heads/main ] || fail "polled run ref: $P"
git -C "$SRC" push -q "$POLLED" main:refs/heads/feature
for _ in $(seq 1 50); do
	[ "$(api GET "/api/v1/runs?tree=polled&ref=refs/heads/feature" | jq '.runs | length')" -ge 1 ] && break
	sleep 0.2
done
F=$(api GET "/api/v1/runs?tree=polled&ref=refs/heads/feature" | jq '.runs[0].id')
[ "$F" != null ] || fail "a new branch was not picked up"
git -C "$SRC" push -q "$POLLED" :refs/heads/feature
for _ in $(seq 1 50); do
	[ "$(run_field "$F" state)" = cancelled ] && break
	sleep 0.2
done
[ "$(run_field "$F" state)" = cancelled ] || fail "deleting a polled branch did not cancel its run"
sleep 2.5
[ "$(api GET "/api/v1/runs?tree=polled" | jq '.runs | length')" = 2 ] || fail "polling started runs without a change"
pass "polling (libgit2, every second) picks up a new commit, a new branch and its deletion, and nothing else"

# ---- SIGHUP reloads the trees file ------------------------------------------------------------------
# A new secret for github-linux and a new polled tree take effect without a restart; a file with a
# mistake is refused with its line, and the version in force stays.
NEW_GH_SECRET=$(openssl rand -hex 32)
POLLED2="$T/polled2.git"
git init -q --bare "$POLLED2"
git -C "$SRC" push -q "$POLLED2" main
sed "s/^secret   = $GH_SECRET\$/secret   = $NEW_GH_SECRET/" "$T/trees.conf" >"$T/trees.new"
printf '\n[tree polled2]\nurl      = %s\npoll     = yes\nmatrices = tiny\n' "$POLLED2" >>"$T/trees.new"
mv "$T/trees.new" "$T/trees.conf"
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do
	grep -q "trees file .* reloaded: 6 tree(s)" "$T/server.log" && break
	sleep 0.2
done
grep -q "trees file .* reloaded: 6 tree(s)" "$T/server.log" || fail "no reload after SIGHUP: $(tail -3 "$T/server.log")"
github push "$DATA/github-push.json" >/dev/null
expect_status 401 "the old secret after the reload"
github push "$DATA/github-push.json" "$NEW_GH_SECRET" >/dev/null
expect_status 202 "the new secret after the reload"
api GET /api/v1/trees | jq -e '.trees[] | select(.name == "polled2")' >/dev/null || fail "the new tree is not in the database"
for _ in $(seq 1 50); do
	grep -q "poll tree=polled2 .*first look" "$T/server.log" && break
	sleep 0.2
done
grep -q "poll tree=polled2 .*first look" "$T/server.log" || fail "the tree added by the reload is not polled"

cp "$T/trees.conf" "$T/trees.good"
printf '\n[tree broken]\nurl = https://example.org/broken.git\ncolour = blue\n' >>"$T/trees.conf"
bad_line=$(grep -n '^colour' "$T/trees.conf" | cut -d: -f1)
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do
	grep -q "trees file not reloaded" "$T/server.log" && break
	sleep 0.2
done
grep "trees file not reloaded" "$T/server.log" | grep -q "trees.conf:$bad_line:" ||
	fail "the refusal names the file and line: $(grep 'not reloaded' "$T/server.log")"
github push "$DATA/github-push.json" "$NEW_GH_SECRET" >/dev/null
expect_status 202 "the version in force after a refused reload"
kill -0 "$SERVER_PID" || fail "the server died on a bad trees file"
pass "SIGHUP reloads the trees file (new secret, new polled tree); a file with a mistake is refused by line, the old one stays"
