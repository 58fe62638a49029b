#!/usr/bin/env bash
# The pre-opening wave (BENCHMARKS.md, "The pre-opening wave"): the growth
# table on SQLite, then on a throwaway PostgreSQL cluster of its own (on a
# unix socket in a temporary folder; as root it runs as the postgres user).
#
#   bench/wave.sh                                   # 2000,5000,10000,20000 on both stores
#   SIZES=20000 ROUNDS=5 bench/wave.sh              # one size, five rounds
#   STORES=postgres bench/wave.sh --readers 0       # flags go to loadgen --wave
#
# Needs Debian's postgresql package for the PostgreSQL half.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-2000,5000,10000,20000} ROUNDS=${ROUNDS:-3} STORES=${STORES:-"sqlite postgres"}
work=$(mktemp -d)
pg=""
cleanup() {
  if [[ -n $pg ]]; then $pg/pg_ctl -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/branchready-collector" ./cmd/branchready-collector
uptime
for store in $STORES; do
  case $store in
  sqlite)
    "$work/branchready-collector" loadgen --wave --growth "$SIZES" --rounds "$ROUNDS" "$@" ;;
  postgres)
    bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
    run=()
    mkdir -p "$work/pg"
    if [[ $(id -u) == 0 ]]; then chown postgres "$work" "$work/pg"; run=(runuser -u postgres --); fi
    "${run[@]}" "$bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 >/dev/null
    "${run[@]}" "$bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" \
      -o "-c listen_addresses='' -k $work/pg -p 5432" -w start >/dev/null
    pg="${run[*]} $bin"
    "$work/branchready-collector" loadgen --wave --growth "$SIZES" --rounds "$ROUNDS" \
      --dsn "host=$work/pg port=5432 user=postgres dbname=postgres sslmode=disable" "$@" ;;
  *) echo "unknown store $store (sqlite or postgres)" >&2; exit 2 ;;
  esac
done
