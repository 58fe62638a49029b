#!/usr/bin/env bash
# Idle footprint of branchready-agent in a big branch: one pre-opening sweep
# of NTCP+NHTTP+NHTTPS loopback checks (default 250 tcp + 250 http = 500)
# shipped to a stand-in collector, then idle until opening. The agent is the
# shipped build: static (CGO_ENABLED=0) and stripped (-s -w), as `make cross`
# builds it, with the shipped defaults (concurrency follows the sweep).
#
# Each of RUNS runs starts a fresh agent, waits until the first sweep is done
# and every result has reached the collector, lets it settle for SETTLE
# seconds, then samples VmRSS every STEP seconds for SECS seconds. A run
# reports its settled RSS (the largest sample), VmHWM (the peak, the sweep
# included) and the CPU spent while idle; the summary is the median of runs.
# Loopback only.
#
#   bench/idle-agent.sh                               # 500 checks, 3 runs
#   NTCP=10 NHTTP=10 RUNS=1 bench/idle-agent.sh       # the small branch
#   GODEBUG=gctrace=1 RUNS=1 bench/idle-agent.sh      # GC trace of the agent
#   CGO=1 bench/idle-agent.sh                         # the default go build
#   AGENT_PKG=./cmd/x bench/idle-agent.sh             # another main (e.g. one with pprof)
#
# The branch's time zone is chosen so that it is about 10:00 there now and
# the branch opens in 30 minutes: the agent starts inside the pre-opening
# window, sweeps at once, is ready, and then has nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
NTCP=${NTCP:-250} NHTTP=${NHTTP:-250} NHTTPS=${NHTTPS:-0}
RUNS=${RUNS:-3} SETTLE=${SETTLE:-10} SECS=${SECS:-20} STEP=${STEP:-5} CGO=${CGO:-0}
n=$((NTCP + NHTTP + NHTTPS))
# GODEBUG (e.g. gctrace=1) is for the agent only, not for go build.
agent_godebug=${GODEBUG:-}
unset GODEBUG
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

CGO_ENABLED=$CGO go build -ldflags '-s -w' -o "$work/branchready-agent" "${AGENT_PKG:-./cmd/branchready-agent}"
go build -o "$work/benchtool" ./bench/benchtool
"$work/benchtool" targets -tcp "$NTCP" -http "$NHTTP" -https "$NHTTPS" -ca "$work/ca.pem" -out "$work/targets.txt" -for 60m &
pids+=($!)
"$work/benchtool" collector -out "$work/collector.addr" 2>"$work/collector.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s $work/targets.txt && -s $work/collector.addr ]] && break; sleep 0.1; done

# Etc/GMT-N is UTC+N (the sign is POSIX's); pick N so that it is 10:xx there.
off=$(( 10 - 10#$(date -u +%H) ))
(( off < -12 )) && off=$(( off + 24 ))
(( off > 14 )) && off=$(( off - 24 ))
if (( off == 0 )); then tz=Etc/GMT; elif (( off > 0 )); then tz=Etc/GMT-$off; else tz=Etc/GMT+$(( -off )); fi
open=$(TZ=$tz date -d '+30 min' +%H:%M) close=$(TZ=$tz date -d '+150 min' +%H:%M)
config() { # config STATE_DIR
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
  state_dir: $1
  listen: 127.0.0.1:$("$work/benchtool" freeport)
devices:
YAML
  local i=0 kind addr opts
  while read -r kind addr; do
    i=$((i + 1))
    case $kind in
      tcp) opts="tcp: {address: \"$addr\"}" ;;
      http) opts="http: {url: \"$addr\"}" ;;
      https) opts="http: {url: \"$addr\", ca_file: \"$work/ca.pem\"}" ;;
    esac
    printf '  - id: dev-%03d\n    kind: other\n    checks:\n      - name: %s\n        timeout: 3s\n        %s\n' "$i" "$kind" "$opts"
  done <"$work/targets.txt"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo "== branchready-agent idle: $n checks ($NTCP tcp, $NHTTP http, $NHTTPS https), CGO_ENABLED=$CGO -ldflags '-s -w', opening $open $tz"
echo "== $(nproc) cores, $(go version | cut -d' ' -f3), binary $(( $(stat -c %s "$work/branchready-agent") / 1024 )) KiB; $(uptime | sed 's/.*load/load/')"
printf '%4s %10s %10s %9s %9s %8s %9s %12s\n' run rss_mib hwm_mib anon_mib file_mib threads sweep_s idle_cpu_s
summary=()
for ((run = 1; run <= RUNS; run++)); do
  before=$(sed -n 's/.*total=\([0-9]*\).*/\1/p' "$work/collector.log" | tail -1)
  config "$work/state$run" >"$work/branch$run.yaml"
  "$work/branchready-agent" validate -c "$work/branch$run.yaml" >/dev/null
  GODEBUG=$agent_godebug "$work/branchready-agent" run -c "$work/branch$run.yaml" 2>"$work/agent$run.log" &
  agent=$!
  pids+=($agent)
  kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$agent/status"; }
  cpu() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print (f[12] + f[13]) / 100 }' "/proc/$agent/stat"; }
  # Settled: the sweep is done and the collector holds all its results.
  for ((w = 0; w < 1200; w++)); do
    kill -0 "$agent" 2>/dev/null || { echo "agent exited:"; cat "$work/agent$run.log"; exit 1; }
    got=$(sed -n 's/.*total=\([0-9]*\).*/\1/p' "$work/collector.log" | tail -1)
    grep -q 'sweep done' "$work/agent$run.log" && (( ${got:-0} - ${before:-0} >= n )) && break
    sleep 0.1
  done
  (( w < 1200 )) || { echo "run $run: the sweep was not shipped in 120 s:"; tail "$work/agent$run.log"; exit 1; }
  grep -q 'ready=true' "$work/agent$run.log" || { echo "run $run: some check failed:"; grep 'sweep done' "$work/agent$run.log"; exit 1; }
  sweep=$(sed -n 's/.*sweep done.*seconds=\([0-9.]*\).*/\1/p' "$work/agent$run.log" | head -1)
  sleep "$SETTLE"
  max=0 c0=$(cpu)
  for ((t = 0; t <= SECS; t += STEP)); do
    rss=$(kib VmRSS)
    (( rss > max )) && max=$rss
    (( t < SECS )) && sleep "$STEP"
  done
  idle=$(awk -v a="$c0" -v b="$(cpu)" 'BEGIN { printf "%.2f", b - a }')
  printf '%4d %10s %10s %9s %9s %8s %9.2f %12s\n' "$run" "$(mib "$max")" "$(mib "$(kib VmHWM)")" "$(mib "$(kib RssAnon)")" "$(mib "$(kib RssFile)")" "$(kib Threads)" "$sweep" "$idle"
  summary+=("$max $(kib VmHWM)")
  if [[ $run == "$RUNS" ]]; then
    echo "== largest mappings by RSS (KiB), last run:"
    awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anon]" : $6) } $1 == "Rss:" { rss[name] += $2 } END { for (n in rss) print rss[n], n }' "/proc/$agent/smaps" | sort -rn | head -4
    if [[ $agent_godebug == *gctrace* ]]; then grep '^gc ' "$work/agent$run.log" | tail -3; fi
  fi
  kill "$agent"; wait "$agent" 2>/dev/null || true
done
med() { printf '%s\n' "${summary[@]}" | awk -v f="$1" '{ print $f }' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
awk -v n="${#summary[@]}" -v r="$(med 1)" -v h="$(med 2)" 'BEGIN {
  printf "== median of %d runs: settled VmRSS %.1f MiB (target <= 20), VmHWM %.1f MiB\n", n, r / 1024, h / 1024 }'
echo "== $(uptime | sed 's/.*load/load/')"
