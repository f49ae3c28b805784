#!/usr/bin/env bash
# Adapts the peer command line of the interop smoke check to `dhcpf serve`: writes a relationship
# config next to --log and execs dhcpf under `timeout`, which ends it after --exit-after seconds
# and passes SIGTERM on. Needs `npm run build`; .ci/run shows the call.
# Arguments (all given by the smoke check):
#   --role primary|secondary --name NAME --state recover --pool FIRST-LAST --log FILE
#   --exit-after SECONDS [--mclt SECONDS]
#   secondary: --listen ADDRESS:PORT        primary: --connect ADDRESS:PORT --bind ADDRESS
set -euo pipefail

usage() {
  echo "usage: $0 --role R --name N --state recover --pool A-B --log FILE --exit-after S" \
    "(--listen A:P | --connect A:P --bind A) [--mclt S]" >&2
  exit 2
}

role='' name='' state='' pool='' log='' exit_after='' mclt=600 listen='' connect='' bind=''
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case $1 in
    --role) role=$2 ;;
    --name) name=$2 ;;
    --state) state=$2 ;;
    --pool) pool=$2 ;;
    --log) log=$2 ;;
    --exit-after) exit_after=$2 ;;
    --mclt) mclt=$2 ;;
    --listen) listen=$2 ;;
    --connect) connect=$2 ;;
    --bind) bind=$2 ;;
    *) usage ;;
  esac
  shift 2
done

# With no endpoint record in its store, dhcpf starts with RECOVER as its previous state, which is
# what --state recover requests. Other starting states have no equivalent.
[ "$state" = recover ] || { echo "$0: --state $state, expected recover" >&2; exit 2; }
[ -n "$name" ] && [ -n "$pool" ] && [ -n "$log" ] && [ -n "$exit_after" ] || usage

# The smoke check's namespaces put the two servers at 10.77.0.1 and 10.77.0.2. The secondary gets
# no partner address, so it is the other one of the two.
other_address() { if [ "$1" = 10.77.0.1 ]; then echo 10.77.0.2; else echo 10.77.0.1; fi; }
case $role in
  secondary)
    [ -n "$listen" ] || usage
    local_address=${listen%:*} local_port=${listen##*:}
    peer_address=$(other_address "$local_address") peer_port=647
    ;;
  primary)
    [ -n "$connect" ] && [ -n "$bind" ] || usage
    local_address=$bind local_port=647
    peer_address=${connect%:*} peer_port=${connect##*:}
    ;;
  *) usage ;;
esac

directory=$(cd "$(dirname "$log")" && pwd)
config=$directory/dhcpf.json
store=$directory/dhcpf.db
rm -f "$store" "$store-wal" "$store-shm"
cat > "$config" <<JSON
{
  "name": "$name",
  "role": "$role",
  "profile": "isc",
  "local": { "address": "$local_address", "port": $local_port },
  "peer": { "address": "$peer_address", "port": $peer_port },
  "mclt": $mclt,
  "connectRetrySeconds": 1,
  "pools": [{ "start": "${pool%-*}", "end": "${pool#*-}" }],
  "store": "$store"
}
JSON

cli=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/dist/src/cli/main.js
exec timeout --signal=TERM "$exit_after" node "$cli" serve --config "$config" --log "$log"
