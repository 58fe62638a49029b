#!/usr/bin/env bash
# CPU per probe, whole processes: Prometheus' blackbox_exporter versus the
# real branchready-agent (the shipped static build), probing the same N
# loopback targets of one kind (default 500) at the same interval.
#
# The agent runs as a branch open around the clock, sweeping its N checks
# every INTERVAL (default 30 s, the shortest it allows) and spooling and shipping
# the results to a stand-in collector. The exporter is scraped like
# Prometheus would: every INTERVAL, one /probe request per target, C in
# flight (the load driver's own CPU is counted on neither side). The two
# are interleaved: the agent sweeps on multiples of INTERVAL (:00, :30),
# the exporter's round starts half an INTERVAL later (:15, :45). A round is
# one INTERVAL from there on; for
# each round the CPU time of each whole process (user + system, from
# /proc/PID/stat, everything it did in that window: probing, the exporter's
# HTTP front door, the agent's spooling, shipping and idle timers) is
# divided by N. The first round is a warm-up and not counted (the agent's
# first sweep makes the TLS sessions it resumes afterwards, as in a branch
# that probes the same devices all day). The ratio is the median of the
# rounds' ratios ours/theirs. Loopback only.
#
#   bench/blackbox-compare.sh                          # tcp, http and https, 500 targets, 5 rounds each
#   KINDS=https ROUNDS=3 bench/blackbox-compare.sh     # one kind
#   N=100 C=8 bench/blackbox-compare.sh
#   INTERVAL=60 bench/blackbox-compare.sh              # more room on a loaded machine
#
# Targets: https <= 0.30, tcp and http <= 0.15 (issue 11). HTTPS targets
# present an ECDSA P-256 certificate from a private CA both sides trust.
# Needs: go, prometheus-blackbox-exporter (Debian), Linux /proc, curl; perf
# (Debian linux-perf) for CPU times to the nanosecond (else clock ticks).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-500} ROUNDS=${ROUNDS:-5} C=${C:-16} INTERVAL=${INTERVAL:-30} KINDS=${KINDS:-tcp http https}
(( INTERVAL >= 30 && INTERVAL % 2 == 0 )) || { echo "INTERVAL must be an even number of seconds, at least 30 (the agent's shortest)" >&2; exit 1; }
BBX=$(command -v prometheus-blackbox-exporter || command -v blackbox_exporter || true)
[[ -n $BBX ]] || { echo "blackbox_exporter not found: apt-get install prometheus-blackbox-exporter" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

CGO_ENABLED=0 go build -ldflags '-s -w' -o "$work/branchready-agent" ./cmd/branchready-agent
go build -o "$work/benchtool" ./bench/benchtool
# A round's CPU time of each process, in microseconds. With perf (Debian
# linux-perf) it is perf stat's task-clock over the round, to the
# nanosecond; without it, /proc/PID/stat's user + system clock ticks
# (1/100 s), which at ~50 ms of the agent's CPU a round quantizes each
# round's figure by a fifth. PERF=0 forces the ticks.
if [[ ${PERF:-1} != 0 ]] && command -v perf >/dev/null && perf stat -e task-clock -x, -o /dev/null -p $$ -- true 2>/dev/null; then
  CPUSRC=perf
else
  CPUSRC=ticks
fi
ticks() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print (f[12] + f[13]) * 10000 }' "/proc/$1/stat"; }
# round_start PID NAME / round_end PID NAME: the CPU time PID used between them (µs).
round_start() {
  if [[ $CPUSRC == perf ]]; then
    perf stat -e task-clock -x, -o "$work/$2.perf" -p "$1" & echo $! >"$work/$2.perfpid"
  else
    ticks "$1" >"$work/$2.t0"
  fi
}
round_end() {
  if [[ $CPUSRC == perf ]]; then
    local p; p=$(cat "$work/$2.perfpid")
    kill -INT "$p"; wait "$p" 2>/dev/null || true
    awk -F, '$3 == "task-clock" { printf "%d\n", $1 * 1000 }' "$work/$2.perf"
  else
    echo $(( $(ticks "$1") - $(cat "$work/$2.t0") ))
  fi
}
# wait_phase P: sleep until the wall clock is P seconds past a multiple of INTERVAL.
wait_phase() { sleep "$(awk -v now="$(date +%s.%N)" -v p="$1" -v i="$INTERVAL" 'BEGIN { w = p - (now % i); if (w <= 0.05) w += i; printf "%.3f", w }')"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== $N loopback targets per kind, every ${INTERVAL}s, $ROUNDS rounds after a warm-up, exporter driven $C in flight, CPU from $CPUSRC"
echo "== $(nproc) cores, $(go version | cut -d' ' -f3), $("$BBX" --version 2>&1 | head -1)"
summary=()
for kind in $KINDS; do
  rm -f "$work"/*.txt "$work"/*.addr "$work"/ca.pem
  declare -A count=([tcp]=0 [http]=0 [https]=0)
  count[$kind]=$N
  "$work/benchtool" targets -tcp "${count[tcp]}" -http "${count[http]}" -https "${count[https]}" -ca "$work/ca.pem" -out "$work/targets.txt" -for 30m &
  tpid=$!
  "$work/benchtool" collector -out "$work/collector.addr" 2>"$work/collector.log" &
  cpid=$!
  pids+=("$tpid" "$cpid")
  for _ in $(seq 100); do [[ -s $work/targets.txt && -s $work/collector.addr ]] && break; sleep 0.1; done

  cat >"$work/blackbox.yml" <<YAML
modules:
  http_2xx:
    prober: http
    timeout: 5s
    http: {preferred_ip_protocol: ip4}
  https_2xx:
    prober: http
    timeout: 5s
    http: {preferred_ip_protocol: ip4, tls_config: {ca_file: "$work/ca.pem"}}
  tcp_connect:
    prober: tcp
    timeout: 5s
    tcp: {preferred_ip_protocol: ip4}
YAML
  port=$("$work/benchtool" freeport)
  "$BBX" --config.file="$work/blackbox.yml" --web.listen-address="127.0.0.1:$port" --log.level=warn &
  bbx=$!
  pids+=("$bbx")
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/-/healthy" >/dev/null 2>&1 && break; sleep 0.1; done

  {
    cat <<YAML
branch:
  id: bench-bbx
  name: Blackbox comparison
  timezone: UTC
  hours: {mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00", fri: "00:00-24:00", sat: "00:00-24:00", sun: "00:00-24:00"}
  business_interval: ${INTERVAL}s
  retry_interval: ${INTERVAL}s
collector:
  url: http://$(cat "$work/collector.addr")
  token: bench-token-0123456789abcdef
agent:
  state_dir: $work/state-$kind
  listen: off
devices:
YAML
    i=0
    while read -r k addr; do
      i=$((i + 1))
      case $k in
        tcp) opts="tcp: {address: \"$addr\"}" ;;
        http) opts="http: {url: \"$addr\"}" ;;
        https) opts="http: {url: \"$addr\", ca_file: \"$work/ca.pem\"}" ;;
      esac
      printf '  - id: dev-%03d\n    kind: other\n    checks:\n      - name: %s\n        timeout: 5s\n        %s\n' "$i" "$k" "$opts"
    done <"$work/targets.txt"
  } >"$work/branch-$kind.yaml"
  "$work/branchready-agent" validate -c "$work/branch-$kind.yaml" >/dev/null
  "$work/branchready-agent" run -c "$work/branch-$kind.yaml" 2>"$work/agent-$kind.log" &
  agent=$!
  pids+=("$agent")

  echo "== $kind: round  agent_us/probe  exporter_us/probe  ratio   (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  ratios=() ours=() theirs=()
  wait_phase $((INTERVAL / 2))
  for ((r = 0; r <= ROUNDS; r++)); do
    round_start "$agent" agent; round_start "$bbx" bbx
    timeout $((INTERVAL / 2 - 2)) "$work/benchtool" drive -targets "$work/targets.txt" -url "http://127.0.0.1:$port" -pid 0 -k "$N" -c "$C" ||
      { echo "the exporter's round of $N probes failed or did not end within $((INTERVAL / 2 - 2)) s (a loaded machine? try INTERVAL=60)"; exit 1; }
    wait_phase $((INTERVAL / 2))
    ua=$(round_end "$agent" agent) ub=$(round_end "$bbx" bbx)
    kill -0 "$agent" 2>/dev/null || { echo "agent exited:"; cat "$work/agent-$kind.log"; exit 1; }
    read -r ou th ra < <(awk -v a="$ua" -v b="$ub" -v n="$N" 'BEGIN { printf "%.1f %.1f %.3f\n", a / n, b / n, (b > 0 ? a / b : 0) }')
    if ((r == 0)); then
      printf '%8s %6s %15s %18s %6s\n' "" warmup "$ou" "$th" "$ra"
      continue
    fi
    printf '%8s %6d %15s %18s %6s\n' "" "$r" "$ou" "$th" "$ra"
    ratios+=("$ra") ours+=("$ou") theirs+=("$th")
  done
  sweeps=$(grep -c 'sweep done' "$work/agent-$kind.log" || true)
  # A loaded machine can push probes past their 5 s timeout; say so with
  # the figures rather than drop them.
  failed=$(grep 'sweep done' "$work/agent-$kind.log" | grep -c 'ready=false' || true)
  ((failed == 0)) || echo "== warning: $failed agent sweeps had failing checks (overload?): $(grep -o 'blocking_not_passing=[0-9]*' "$work/agent-$kind.log" | tr '\n' ' ')"
  m=$(printf '%s\n' "${ratios[@]}" | median) mo=$(printf '%s\n' "${ours[@]}" | median) mt=$(printf '%s\n' "${theirs[@]}" | median)
  target=0.15; [[ $kind == https ]] && target=0.30
  line=$(printf '%-5s agent %7.1f µs/probe, blackbox_exporter %7.1f µs/probe, ratio %.2f (median of %d rounds; target <= %s); %d agent sweeps' "$kind" "$mo" "$mt" "$m" "$ROUNDS" "$target" "$sweeps")
  echo "== $line"
  summary+=("$line")
  kill "$agent" "$bbx" "$tpid" "$cpid" 2>/dev/null || true
  wait "$agent" "$bbx" "$tpid" "$cpid" 2>/dev/null || true
done
echo "== summary ($(uptime | sed 's/.*load/load/'))"
printf '   %s\n' "${summary[@]}"
