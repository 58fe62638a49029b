#!/usr/bin/env bash
# Idle footprint of branchready-agent: one pre-opening sweep of 20 loopback
# checks (10 tcp, 10 http) shipped to a stand-in collector, then idle until
# opening. Samples VmRSS and CPU time every STEP seconds for SECS seconds.
# Loopback only; the agent is stopped after SECS.
#
#   bench/idle-agent.sh                  # 60 s, a sample every 5 s
#   SECS=120 STEP=10 bench/idle-agent.sh
#
# The branch's time zone is chosen so that it is about 10:00 there now and
# the branch opens in 30 minutes: the agent starts inside the pre-opening
# window, sweeps at once, is ready, and then has nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-60} STEP=${STEP:-5} IDLE_AFTER=${IDLE_AFTER:-10}
# GODEBUG (e.g. gctrace=1) is for the agent only, not for go build.
agent_godebug=${GODEBUG:-}
unset GODEBUG
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/branchready-agent" ./cmd/branchready-agent
go build -o "$work/benchtool" ./bench/benchtool
"$work/benchtool" targets -tcp 10 -http 10 -out "$work/targets.txt" -for 10m &
pids+=($!)
"$work/benchtool" collector -out "$work/collector.addr" 2>"$work/collector.log" &
pids+=($!)
for _ in $(seq 50); do [[ -s $work/targets.txt && -s $work/collector.addr ]] && break; sleep 0.1; done

# Etc/GMT-N is UTC+N (the sign is POSIX's); pick N so that it is 10:xx there.
off=$(( 10 - 10#$(date -u +%H) ))
(( off < -12 )) && off=$(( off + 24 ))
(( off > 14 )) && off=$(( off - 24 ))
if (( off == 0 )); then tz=Etc/GMT; elif (( off > 0 )); then tz=Etc/GMT-$off; else tz=Etc/GMT+$(( -off )); fi
open=$(TZ=$tz date -d '+30 min' +%H:%M) close=$(TZ=$tz date -d '+150 min' +%H:%M)
{
  cat <<YAML
branch:
  id: bench-idle
  name: Idle benchmark
  timezone: $tz
  hours: {mon: "$open-$close", tue: "$open-$close", wed: "$open-$close", thu: "$open-$close", fri: "$open-$close", sat: "$open-$close", sun: "$open-$close"}
collector:
  url: http://$(cat "$work/collector.addr")
  token: bench-token-0123456789abcdef
agent:
  concurrency: 16
  state_dir: $work/state
  listen: 127.0.0.1:$("$work/benchtool" freeport)
devices:
YAML
  i=0
  while read -r kind addr; do
    i=$((i + 1))
    if [[ $kind == tcp ]]; then opts="tcp: {address: \"$addr\"}"; else opts="http: {url: \"$addr\"}"; fi
    printf '  - id: dev-%02d\n    kind: other\n    checks:\n      - name: %s\n        timeout: 3s\n        %s\n' "$i" "$kind" "$opts"
  done <"$work/targets.txt"
} >"$work/branch.yaml"
"$work/branchready-agent" validate -c "$work/branch.yaml" >/dev/null

GODEBUG=$agent_godebug "$work/branchready-agent" run -c "$work/branch.yaml" 2>"$work/agent.log" &
agent=$!
pids+=($agent)
cpu() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print (f[12] + f[13]) / 100 }' "/proc/$agent/stat"; }
mib() { awk -v k="$1" 'BEGIN { print k / 1024 }'; }
kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$agent/status"; }

echo "== branchready-agent idle: 20 checks (10 tcp, 10 http), opening $open $tz; $(nproc) cores, $(go version | cut -d' ' -f3)"
printf '%6s %8s %8s %9s %9s %7s\n' t_s rss_mib hwm_mib anon_mib file_mib cpu_s
max=0 cpu0=""
for ((t = 0; t <= SECS; t += STEP)); do
  kill -0 "$agent" 2>/dev/null || { echo "agent exited:"; cat "$work/agent.log"; exit 1; }
  rss=$(kib VmRSS) c=$(cpu)
  (( rss > max )) && max=$rss
  [[ -z $cpu0 && $t -ge $IDLE_AFTER ]] && cpu0=$c t0=$t
  printf '%6d %8.1f %8.1f %9.1f %9.1f %7.2f\n' "$t" "$(mib "$rss")" "$(mib "$(kib VmHWM)")" "$(mib "$(kib RssAnon)")" "$(mib "$(kib RssFile)")" "$c"
  (( t < SECS )) && sleep "$STEP"
done
shipped=$(sed -n 's/.*total=\([0-9]*\).*/\1/p' "$work/collector.log" | tail -1)
grep -q 'sweep done' "$work/agent.log" || { echo "the agent did not sweep:"; cat "$work/agent.log"; exit 1; }
grep 'sweep done' "$work/agent.log" | head -1
echo "== collector received ${shipped:-0} results"
awk -v m="$max" -v a="$cpu0" -v b="$c" -v t0="$t0" -v t1="$SECS" 'BEGIN {
  printf "== max RSS %.1f MiB (target < 20); CPU while idle (t=%d..%d s) %.2f s = %.2f%% of a core (target ~0)\n", m / 1024, t0, t1, b - a, 100 * (b - a) / (t1 - t0) }'
echo "== largest mappings by RSS (KiB):"
awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anon]" : $6) } $1 == "Rss:" { rss[name] += $2 } END { for (n in rss) print rss[n], n }' "/proc/$agent/smaps" | sort -rn | head -4
if [[ $agent_godebug == *gctrace* ]]; then grep '^gc ' "$work/agent.log" | tail -3; fi
