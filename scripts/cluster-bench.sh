#!/usr/bin/env bash
# One series of the "Several nodes" figures in docs/benchmarks.md, on this
# machine's PostgreSQL (127.0.0.1:5432, user postgres) and NATS
# (127.0.0.1:4222), everything on loopback:
#
#   (a) a single node on PostgreSQL, no NATS, and quorum-load against it;
#   (b) three nodes on the same PostgreSQL and NATS, quorum-load spread over
#       them (the host on node 1, which owns the session, the screen on
#       node 3, phone i on node i mod 3); the same -n as (a), right after it;
#   (c) the failover series: quorum-load --failover, the owner killed with
#       SIGKILL in the middle of a vote wave, CYCLES times.
#
# It prints the ratios of (b) over (a) and the forwarding's cost for each N,
# then the failover table. The raw results stay in the folder it names.
#
# Usage: scripts/cluster-bench.sh [-n "1000 3000"] [-c CYCLES] [-p FAILOVER_PHONES]
set -euo pipefail

sizes="1000 3000"
cycles=10
failover_phones=300
while getopts "n:c:p:" opt; do
	case $opt in
	n) sizes=$OPTARG ;;
	c) cycles=$OPTARG ;;
	p) failover_phones=$OPTARG ;;
	*) echo "usage: $0 [-n \"1000 3000\"] [-c cycles] [-p failover phones]" >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."
nats_url=nats://127.0.0.1:4222
pg=(psql -h 127.0.0.1 -U postgres -d postgres -qAt -v ON_ERROR_STOP=1)
db="quorum_bench_$(date +%s)_$$"
db_url="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
out=$(mktemp -d /tmp/cluster-bench.XXXXXX)
bin=$out/bin
ports=(18321 18322 18323) # the nodes' ports; a single node takes the first
pids=()

cleanup() {
	for pid in "${pids[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	"${pg[@]}" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
	rm -rf "$bin"
}
trap cleanup EXIT

log() { echo "cluster-bench: $*" >&2; }

(exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null || { log "NATS is not answering at 127.0.0.1:4222"; exit 1; }
for port in "${ports[@]}"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		log "port $port is taken"
		exit 1
	fi
done
"${pg[@]}" -c "CREATE DATABASE $db"
log "database $db; results in $out"

mkdir -p "$bin"
go build -o "$bin/quorum" ./cmd/quorum
go build -o "$bin/quorum-load" ./cmd/quorum-load
commit=$(git rev-parse --short HEAD)

# start_node NAME PORT [cluster]: a node on the series' database, on NATS
# with "cluster"; waits for /readyz and leaves its pid in $pid.
start_node() {
	local name=$1 port=$2 extra=()
	[[ ${3:-} == cluster ]] && extra=(--nats-url "$nats_url" --node-id "$name")
	"$bin/quorum" --addr "127.0.0.1:$port" --database-url "$db_url" "${extra[@]}" \
		--log-format json --data "$out" >"$out/$name.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 200); do
		if curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
			return
		fi
		sleep 0.05
	done
	log "$name did not start: $(tail -3 "$out/$name.log")"
	exit 1
}

stop_nodes() {
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
	pids=()
}

# cpu_seconds PID…: user and system CPU the processes have used.
cpu_seconds() {
	local ticks=0 pid
	for pid in "$@"; do
		# Fields 14 and 15 of /proc/PID/stat, after the command's parentheses.
		read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat")
		ticks=$((ticks + f[11] + f[12]))
	done
	echo "scale=2; $ticks / $(getconf CLK_TCK)" | bc
}

# The server admits at most 20 join attempts in flight per client address
# (its join-code guard, docs/security.md): 20 source addresses keep the
# generator's 256 joins in flight at about 13 each.
load() { timeout 600 "$bin/quorum-load" "$@"; }
sources=20

log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $sizes; do
	log "(a) one node, N=$n"
	start_node single "${ports[0]}"
	before=$(cpu_seconds "$pid")
	load --url "http://127.0.0.1:${ports[0]}" -n "$n" --sources "$sources" --json >"$out/single-$n.json" || log "single node, N=$n: quorum-load failed"
	echo "$(cpu_seconds "$pid") - $before" | bc >"$out/single-$n.cpu"
	stop_nodes "$pid"

	log "(b) three nodes, N=$n"
	start_node "n1-$n" "${ports[0]}" cluster
	p1=$pid
	start_node "n2-$n" "${ports[1]}" cluster
	p2=$pid
	start_node "n3-$n" "${ports[2]}" cluster
	p3=$pid
	before=$(cpu_seconds "$p1" "$p2" "$p3")
	urls="http://127.0.0.1:${ports[0]},http://127.0.0.1:${ports[1]},http://127.0.0.1:${ports[2]}"
	load --url "$urls" --screen-url "http://127.0.0.1:${ports[2]}" -n "$n" --sources "$sources" --json >"$out/three-$n.json" || log "three nodes, N=$n: quorum-load failed"
	echo "$(cpu_seconds "$p1" "$p2" "$p3") - $before" | bc >"$out/three-$n.cpu"
	session=$(jq -r .session "$out/three-$n.json")
	owners=$(grep -l "\"owning a session\".*$session" "$out"/n?-"$n".log | xargs -n1 basename | tr '\n' ' ')
	echo "$owners" >"$out/three-$n.owner"
	stop_nodes "$p1" "$p2" "$p3"
done
log "load average after the load runs: $(cut -d' ' -f1-3 /proc/loadavg)"

log "(c) failover, $cycles cycles, $failover_phones phones"
load --failover "$cycles" -n "$failover_phones" --quorum "$bin/quorum" --database-url "$db_url" --nats-url "$nats_url" \
	>"$out/failover.txt" 2>"$out/failover.log" || log "the failover series failed (see $out/failover.log)"

# The report.
echo "cluster-bench at $commit, $(date -u +'%Y-%m-%d %H:%M UTC'), load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-6s %-52s %14s %14s %8s\n' N figure "one node" "three nodes" ratio
row() { # N figure jq-path
	local a b
	a=$(jq -r "$3 // empty" "$out/single-$1.json")
	b=$(jq -r "$3 // empty" "$out/three-$1.json")
	if [[ -n $a && -n $b ]]; then
		printf '%-6s %-52s %14.1f %14.1f %8.2f\n' "$1" "$2" "$a" "$b" "$(echo "scale=4; $b / $a" | bc)"
	fi
}
for n in $sizes; do
	row "$n" "paced vote→screen p50 (ms)" .paced.votes.toScreenMs.p50
	row "$n" "paced vote→screen p99 (ms) [target ratio ≤ 1.2]" .paced.votes.toScreenMs.p99
	row "$n" "paced send→ack p99 (ms)" .paced.votes.ackMs.p99
	row "$n" "burst vote→screen p99 (ms)" .votes.toScreenMs.p99
	row "$n" "burst acknowledged per second" .votes.ackedPerSecond
	row "$n" "changed vote→screen p99 (ms)" .changes.toScreenMs.p99
	row "$n" "step change fan-out p99 (ms)" .stepChange.ms.p99
	row "$n" "join burst (s)" .join.seconds
	printf '%-6s %-52s %14.2f %14.2f %8.2f\n' "$n" "server CPU, whole run (s, all nodes)" "$(cat "$out/single-$n.cpu")" "$(cat "$out/three-$n.cpu")" \
		"$(echo "scale=4; $(cat "$out/three-$n.cpu") / $(cat "$out/single-$n.cpu")" | bc)"
	for f in "$out/single-$n.json" "$out/three-$n.json"; do
		jq -r --arg n "$n" --arg f "$(basename "$f" .json)" \
			'"\($n)     \($f): exact \(.exact.ok) / paced \(.paced.exact.ok // "-"); failures: \(.failures | length)" + (if (.failures | length) > 0 then " " + (.failures | join("; ")) else "" end)' "$f"
	done
	echo "$n     the session's owner (from the nodes' logs): $(cat "$out/three-$n.owner")"
done
echo
printf '%-6s %-44s %10s %10s %12s\n' N "forwarding: send→ack (ms)" owner others difference
for n in $sizes; do
	while IFS=$'\t' read -r figure owner others diff; do
		printf '%-6s %-44s %10.2f %10.2f %+12.2f\n' "$n" "$figure" "$owner" "$others" "$diff"
	done < <(jq -r '.forwarding |
		["paced p50", .paced.ownerAckMs.p50, .paced.othersAckMs.p50, .paced.p50DiffMs],
		["paced p99 [target difference ≤ 3 ms]", .paced.ownerAckMs.p99, .paced.othersAckMs.p99, .paced.p99DiffMs],
		["burst p50", .votes.ownerAckMs.p50, .votes.othersAckMs.p50, .votes.p50DiffMs],
		["burst p99", .votes.ownerAckMs.p99, .votes.othersAckMs.p99, .votes.p99DiffMs] | @tsv' "$out/three-$n.json")
done
echo
cat "$out/failover.txt"
