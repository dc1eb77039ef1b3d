#!/usr/bin/env bash
# Self-check of the Fedify test peer: two instances talk to each other over loopback only.
# alice looks bob up by acct:, follows him (bob answers with a signed Accept), sends him a Create,
# and a tampered signed POST to bob's inbox must be refused with 401.
# Usage: bash selfcheck.sh   (needs `npm ci` first; ports are chosen by the OS)
set -euo pipefail
cd "$(dirname "$0")"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() { # check NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then
    echo "PASS $1"; passed=$((passed + 1))
  else
    echo "FAIL $1: expected '$2', got '$3'"; failed=$((failed + 1))
  fi
}

# json JSON EXPR: evaluate a JS expression over the parsed JSON `j` (errors print as <...>).
json() {
  node -e 'try { console.log(eval(process.argv[2].replace(/^/, "const j = JSON.parse(process.argv[1]);"))) }
           catch (e) { console.log(`<${e.message}>`) }' "$1" "$2"
}

start_peer() { # start_peer USER: runs in this shell so the pid is kept for cleanup
  node peer.mjs --port 0 --user "$1" >"$work/$1.out" 2>"$work/$1.err" &
  pids+=($!)
}
origin_of() { # origin_of USER: waits for the [ready] line, echoes the origin
  for _ in $(seq 100); do
    if grep -q '^\[ready\] ' "$work/$1.out"; then
      json "$(sed -n 's/^\[ready\] //p' "$work/$1.out")" j.origin
      return
    fi
    sleep 0.1
  done
  echo "peer $1 did not get ready" >&2; cat "$work/$1.err" >&2; exit 1
}

post() { curl -sS -X POST -H 'Content-Type: application/json' "$1" -d "$2"; }

start_peer alice
start_peer bob
alice=$(origin_of alice)
bob=$(origin_of bob)
bob_hostport=${bob#http://}
echo "alice=$alice bob=$bob"

# 1. Lookup by acct: (WebFinger over http, then a signed actor fetch).
r=$(post "$alice/_peer/lookup" "{\"id\":\"acct:bob@$bob_hostport\",\"signed\":true}")
check "lookup ok" true "$(json "$r" j.ok)"
check "lookup type" Person "$(json "$r" j.summary.type)"
check "lookup inbox" "$bob/users/bob/inbox" "$(json "$r" j.summary.inbox)"
check "lookup sharedInbox" "$bob/inbox" "$(json "$r" j.summary.sharedInbox)"
check "lookup keys" 2 "$(json "$r" j.summary.assertionMethods.length)"

# A missing actor reports the remote status.
r=$(post "$alice/_peer/lookup" "{\"id\":\"$bob/users/nobody\"}")
check "lookup missing -> remote 404" "false 404" "$(json "$r" '`${j.ok} ${j.status}`')"

# 2. Follow; bob accepts after his 202, so poll alice's state.
r=$(post "$alice/_peer/follow" "{\"object\":\"acct:bob@$bob_hostport\"}")
check "follow delivered" "true 202" "$(json "$r" '`${j.ok} ${j.deliveries[0].status}`')"
state=
for _ in $(seq 50); do
  state=$(json "$(curl -sS "$alice/_peer/info")" 'j.following[0]?.state')
  [[ "$state" == accepted ]] && break
  sleep 0.1
done
check "follow accepted" accepted "$state"
check "bob has follower" "$alice/users/alice" "$(json "$(curl -sS "$bob/_peer/info")" 'j.followers[0]')"
check "alice got Accept" 1 "$(json "$(curl -sS "$alice/_peer/inbox?type=Accept")" j.activities.length)"

# 3. Create(Page) addressed to bob as if he were a group (FEP-1b12 addressing).
r=$(post "$alice/_peer/create" "{\"to\":\"$bob/users/bob\",\"type\":\"Page\",\"name\":\"Hello\",\"content\":\"<p>hi bob</p>\"}")
check "create delivered" "true 202" "$(json "$r" '`${j.ok} ${j.deliveries[0].status}`')"
check "create audience" "$bob/users/bob" "$(json "$r" 'j.activity.audience')"
inbox=$(curl -sS "$bob/_peer/inbox?type=Create")
check "bob got Create(Page)" "Page <p>hi bob</p>" "$(json "$inbox" '`${j.activities[0].objectType} ${j.activities[0].raw.object.content}`')"

# 4. Signed raw POST: intact -> 202, tampered body -> 401, unsigned -> 401.
like="{\"@context\":\"https://www.w3.org/ns/activitystreams\",\"id\":\"$alice/users/alice/activities/like-1\",\"type\":\"Like\",\"actor\":\"$alice/users/alice\",\"object\":\"$bob/users/bob\"}"
body=$(json "$like" 'JSON.stringify(JSON.stringify(j))')
r=$(post "$alice/_peer/raw" "{\"url\":\"$bob/users/bob/inbox\",\"body\":$body,\"sign\":true}")
check "raw signed -> 202" 202 "$(json "$r" j.status)"
like2=${like//like-1/like-2}
body=$(json "$like2" 'JSON.stringify(JSON.stringify(j))')
r=$(post "$alice/_peer/raw" "{\"url\":\"$bob/users/bob/inbox\",\"body\":$body,\"sign\":true,\"tamper\":true}")
check "raw tampered -> 401" 401 "$(json "$r" j.status)"
r=$(post "$alice/_peer/raw" "{\"url\":\"$bob/users/bob/inbox\",\"body\":$body,\"sign\":false}")
check "raw unsigned -> 401" 401 "$(json "$r" j.status)"
check "bob recorded only the intact Like" 1 "$(json "$(curl -sS "$bob/_peer/inbox?type=Like")" j.activities.length)"

# 5. The loopback guard refuses any host outside 127/8, ::1, localhost. 0.0.0.0 is outside the
#    allow-list yet reaches only this machine, so even a broken guard would send nothing out.
r=$(post "$alice/_peer/lookup" '{"id":"http://0.0.0.0:65000/users/x"}')
check "non-loopback refused by guard" "false true" "$(json "$r" '`${j.ok} ${/loopback guard/.test(j.error)}`')"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
