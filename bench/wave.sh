#!/usr/bin/env bash
# The pre-opening wave (BENCHMARKS.md, "The pre-opening wave"): the growth
# table on SQLite, then on a throwaway PostgreSQL cluster of its own (on a
# unix socket in a temporary folder; as root it runs as the postgres user).
#
#   bench/wave.sh                                   # 2000,5000,10000,20000 on both stores
#   SIZES=20000 ROUNDS=5 bench/wave.sh              # one size, five rounds
#   STORES=postgres bench/wave.sh --readers 0       # flags go to loadgen --wave
#   BIN=/tmp/brc-main STORES=postgres bench/wave.sh # a collector built elsewhere
#   PGSTATS=25 STORES=postgres bench/wave.sh        # and the 25 costliest statements
#   PGCONF="-c jit=off" STORES=postgres bench/wave.sh  # more server settings
#   PGKEEP=1 STORES=postgres bench/wave.sh          # leave the cluster running after
#
# PGSTATS loads pg_stat_statements (shipped with Debian's postgresql) and,
# after the run, prints the statements that cost the server most, with
# their calls and mean time; PGCONF adds server settings (postgres -c
# options) to the cluster's own. PGKEEP leaves the cluster (its data,
# its server.log, running) for a look at the database the rounds left: the
# script prints how to connect to it and how to stop it.
#
# Needs Debian's postgresql package for the PostgreSQL half. On PostgreSQL
# each round's line ends with the server's processor seconds in the round
# (all its processes, from /proc), next to the collector's "CPU s".
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-2000,5000,10000,20000} ROUNDS=${ROUNDS:-3} STORES=${STORES:-"sqlite postgres"}
work=$(mktemp -d)
pg=""
cleanup() {
  if [[ -n ${PGKEEP:-} && -n $pg ]]; then
    echo "kept: psql -h $work/pg -U postgres postgres; log $work/pg/server.log;" \
      "stop: $pg/pg_ctl -D $work/pg/data -m fast stop && rm -rf $work" >&2
    return
  fi
  if [[ -n $pg ]]; then $pg/pg_ctl -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# pg_cpu prints the processor seconds the cluster's processes have used:
# the postmaster's own and its reaped children's, plus its live children's
# (every process whose parent it is: /proc/PID/task/*/children misses
# some). A child reaped while the live ones are read would be missed, so
# the reading is taken again until the reaped total stays put across it.
pg_cpu() {
  local pm before after kids
  pm=$(head -1 "$work/pg/data/postmaster.pid")
  for _ in 1 2 3 4 5; do
    before=$(pm_ticks "$pm")
    kids=$({ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '
      { sub(/^[0-9]+ \(.*\) /, "") }             # from the third field (state) on
      $2 == pm { t += $12 + $13 }
      END { print t + 0 }')
    after=$(pm_ticks "$pm")
    [[ $before == "$after" ]] && break
  done
  echo "scale=1; ($after + $kids) / $(getconf CLK_TCK)" | bc
}

# pm_ticks prints a process's own and its reaped children's clock ticks.
pm_ticks() { awk '{ sub(/^[0-9]+ \(.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat"; }

# with_pg_cpu copies loadgen's output, adding to each round's line the
# PostgreSQL server's processor seconds since the previous one (the first
# round's since the round header: the branch import is not counted).
with_pg_cpu() {
  local line mark now
  while IFS= read -r line; do
    if [[ $line == round* ]]; then
      mark=$(pg_cpu)
      echo "$line | PG CPU s"
    elif [[ $line =~ ^[0-9]+\ +[0-9]+\  ]]; then # "1     40000  21.0s ...": a round's figures
      now=$(pg_cpu)
      echo "$line | $(echo "$now - ${mark:-0}" | bc)"
      mark=$now
    else
      echo "$line"
    fi
  done
}
# pg_statements prints, with psql ($1), the $2 statements that took the
# server longest in all (execution and planning), the branch import's
# included.
pg_statements() {
  "$1" -h "$work/pg" -U postgres -P pager=off postgres -c "
    SELECT calls, round((total_exec_time + total_plan_time)::numeric, 0) AS total_ms,
      round(((total_exec_time + total_plan_time) / nullif(calls, 0) * 1000)::numeric, 0) AS mean_us,
      round((total_plan_time / nullif(calls, 0) * 1000)::numeric, 0) AS plan_us, rows,
      round(shared_blks_hit::numeric / nullif(calls, 0), 0) AS hit_per_call,
      left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT $2"
}
collector=${BIN:-$work/branchready-collector}
[[ -n ${BIN:-} ]] || go build -o "$collector" ./cmd/branchready-collector
uptime
for store in $STORES; do
  case $store in
  sqlite)
    "$collector" loadgen --wave --growth "$SIZES" --rounds "$ROUNDS" "$@" ;;
  postgres)
    bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
    run=()
    mkdir -p "$work/pg"
    if [[ $(id -u) == 0 ]]; then chown postgres "$work" "$work/pg"; run=(runuser -u postgres --); fi
    "${run[@]}" "$bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 >/dev/null
    opts="-c listen_addresses='' -k $work/pg -p 5432 ${PGCONF:-}"
    if [[ -n ${PGSTATS:-} ]]; then
      opts+=" -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on"
    fi
    "${run[@]}" "$bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -o "$opts" -w start >/dev/null
    pg="${run[*]} $bin"
    if [[ -n ${PGSTATS:-} ]]; then
      "$bin/psql" -h "$work/pg" -U postgres -qc 'CREATE EXTENSION pg_stat_statements' postgres
    fi
    BRANCHREADY_WAVE_KEEPDB=${PGKEEP:-} "$collector" loadgen --wave --growth "$SIZES" --rounds "$ROUNDS" \
      --dsn "host=$work/pg port=5432 user=postgres dbname=postgres sslmode=disable" "$@" | with_pg_cpu
    if [[ -n ${PGSTATS:-} ]]; then pg_statements "$bin/psql" "$PGSTATS"; fi ;;
  *) echo "unknown store $store (sqlite or postgres)" >&2; exit 2 ;;
  esac
done
