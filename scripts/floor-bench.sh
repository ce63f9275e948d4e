#!/usr/bin/env bash
# Quorum's fan-out and join against the machine's floor, side by side, in
# the same minutes (docs/benchmarks.md, "Against the floor"). Each series
# runs, unpinned and then pinned (the server, or the floor's writer, on
# core 0; the generator, or the floor's reader, on core 1):
#
#   the floor (quorum-load --floor: bare loopback TCP, no Quorum),
#   quorum-load against the OLD server, then against the NEW one,
#
# each server fresh, on an empty data folder, with the same quorum-load (the
# work tree's). It prints, per series and layout, the step change's last
# phone (median of the five rounds' maximum) and p99 over the floor's, the
# server's CPU per delivered state, the server's and the generator's CPU per
# message together over the floor's writer's and reader's (unpinned, the
# last phone waits for both on the same cores), the join burst and the
# server's CPU per joined phone over the floor's (its connections opened as the phones join,
# each with a join's exchange in bare bytes), and the other figures a
# change must keep. The raw results stay in the folder it names.
#
# Usage: scripts/floor-bench.sh [-n 10000] [-s series] [-b max-busy] OLD NEW
#   OLD and NEW are commits (built from git archive) or quorum binaries.
#   Before each run it waits, up to two minutes, until the machine's cores
#   were busy less than max-busy percent (default 15) over five seconds:
#   other jobs, since this script's own run is over by then (the load
#   average would still count it for a minute). Each result notes the busy
#   share and the load average it started with.
set -euo pipefail

n=10000
series=3
max_busy=15
usage="usage: $0 [-n 10000] [-s series] [-b max-busy] OLD NEW"
while getopts "n:s:b:" opt; do
	case $opt in
	n) n=$OPTARG ;;
	s) series=$OPTARG ;;
	b) max_busy=$OPTARG ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { echo "$usage" >&2; exit 2; }

cd "$(dirname "$0")/.."
out=$(mktemp -d /tmp/floor-bench.XXXXXX)
port=18270
debug_port=16070
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
log() { echo "floor-bench: $*" >&2; }

# build NAME REV: a quorum binary from a commit, or a binary as it is.
build() {
	if [ -x "$2" ] && [ -f "$2" ]; then
		cp "$2" "$out/$1"
		return
	fi
	local src=$out/src-$1
	mkdir -p "$src"
	git archive "$2" | tar -x -C "$src"
	(cd "$src" && go build -o "$out/$1" ./cmd/quorum)
	rm -rf "$src"
}
build old "$1"
build new "$2"
go build -o "$out/quorum-load" ./cmd/quorum-load
log "old: $1, new: $2, results in $out"

# busy prints the share of the cores that was busy over five seconds, in percent.
busy() {
	local a b
	a=$(head -1 /proc/stat)
	sleep 5
	b=$(head -1 /proc/stat)
	echo "$a" "$b" | awk '{ for (i = 2; i <= 11; i++) { t += $(i + 11) - $i } idle = $16 + $17 - $5 - $6; printf "%.0f", 100 * (t - idle) / t }'
}

# wait_quiet waits for a quiet machine, two minutes at most, and prints
# the busy share and the load average it ran with.
wait_quiet() {
	local waited=0 b
	b=$(busy)
	while [ "$b" -ge "$max_busy" ] && [ $waited -lt 120 ]; do
		waited=$((waited + 5))
		b=$(busy)
	done
	echo "$b $(cut -d' ' -f1 /proc/loadavg)"
}

# run SERIES LAYOUT NAME: one run; NAME is floor, old or new.
run() {
	local file=$out/$1-$2-$3.json server_cpu=() load_cpu=()
	if [ "$2" = pinned ]; then
		server_cpu=(taskset -c 0)
		load_cpu=(taskset -c 1)
	fi
	local busy load
	read -r busy load < <(wait_quiet)
	log "series $1, $2, $3 (busy $busy %, load average $load)"
	if [ "$3" = floor ]; then
		# The floor's reader is a child of quorum-load and inherits its
		# core; the writer, quorum-load itself, then moves to the server's.
		"${load_cpu[@]}" "$out/quorum-load" --floor -n "$n" --json >"$file.tmp" &
		local pid=$!
		if [ "$2" = pinned ]; then
			until pgrep -P "$pid" >/dev/null; do sleep 0.05; done
			taskset -a -p -c 0 "$pid" >/dev/null
		fi
		wait "$pid" || log "the floor failed"
	else
		local data=$out/data-$1-$2-$3
		mkdir -p "$data"
		"${server_cpu[@]}" "$out/$3" --addr "127.0.0.1:$port" --data "$data" --log-format json \
			--debug-addr "127.0.0.1:$debug_port" 2>"$out/$1-$2-$3.log" &
		server_pid=$!
		until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.1; done
		"${load_cpu[@]}" timeout 600 "$out/quorum-load" --url "http://127.0.0.1:$port" -n "$n" \
			--server-pid "$server_pid" --debug-url "http://127.0.0.1:$debug_port" --json >"$file.tmp" ||
			log "quorum-load against $3 failed"
		kill "$server_pid"
		wait "$server_pid" || true
		server_pid=
		rm -rf "$data"
	fi
	jq -c --arg load "$load" --arg busy "$busy" '. + {loadAverage: ($load | tonumber), busyBefore: ($busy | tonumber)}' "$file.tmp" >"$file" && rm "$file.tmp"
}

# The old and new servers take turns to run right after the floor: the
# second run of a layout meets the first one's closed connections still in
# the kernel's tables (TIME_WAIT) and a warmer or busier machine.
for s in $(seq "$series"); do
	order="old new"
	if [ $((s % 2)) -eq 0 ]; then
		order="new old"
	fi
	for layout in unpinned pinned; do
		for name in floor $order; do
			run "$s" "$layout" "$name"
		done
	done
done

# The report: each run's figures, and the ratios to the floor of its series
# and layout.
jq -rs --argjson n "$n" '
	def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
	def r2: . * 100 | round / 100;
	def r1: . * 10 | round / 10;
	def last_phone: [.rounds[].max] | median;
	def p99: [.rounds[].p99] | median;
	def phase($name): [.serverCPU[]? | select(.phase == $name)][0];
	def generator($name): [.generatorCPU[]? | select(.phase == $name)][0];
	def join_cpu: (.join.writerCPU.userMicros // 0) + (.join.writerCPU.systemMicros // 0);
	def floor_cpu: (.writerCPU.userMicros // 0) + (.writerCPU.systemMicros // 0) + (.readerCPU.userMicros // 0) + (.readerCPU.systemMicros // 0);
	group_by([.series, .layout])[] |
	(map(select(.name == "floor"))[0]) as $floor |
	"series \(.[0].series), \(.[0].layout): floor last phone \($floor | last_phone | r1) ms, p99 \($floor | p99 | r1) ms, the kernel alone \($floor.kernelMicros | r2) µs a message; " +
	"floor reader \(($floor.readerCPU.userMicros // 0) + ($floor.readerCPU.systemMicros // 0) | r1) µs of CPU a message, its writer \(($floor.writerCPU.userMicros // 0) + ($floor.writerCPU.systemMicros // 0) | r1) µs; " +
	"floor join burst \($floor.join.seconds | r2) s, the writer \($floor | join_cpu | r1) µs of CPU a connection (busy \($floor.busyBefore) %, load average \($floor.loadAverage))",
	(map(select(.name != "floor")) | sort_by(.name != "old") | .[] |
		(phase("step change")) as $step | (phase("join burst")) as $join |
		"  \(.name): last phone \(.stepChange | last_phone | r1) ms (\((.stepChange | last_phone) / ($floor | last_phone) | r2) × floor), p99 \(.stepChange | p99 | r1) ms (\((.stepChange | p99) / ($floor | p99) | r2) ×); " +
		(generator("step change")) as $gen |
		(($step.userSeconds + $step.systemSeconds) / (5 * $n) * 1e6) as $server_each |
		(($gen.seconds // 0) / (5 * $n) * 1e6) as $gen_each |
		"step change CPU user \($step.userSeconds) s, system \($step.systemSeconds) s: user \($step.userSeconds / (5 * $n) * 1e6 | r2) µs a delivery; " +
		"the generator \($gen_each | r1) µs of CPU a state; " +
		"server and generator CPU a message over the floor writer and reader together \(($server_each + $gen_each) / ($floor | floor_cpu) | r2) ×; " +
		"join \(.join.seconds | r2) s (\(.join.seconds / $floor.join.seconds | r2) × floor), \($join.seconds / $n * 1e6 | round) µs CPU a phone (\($join.seconds / $n * 1e6 / ($floor | join_cpu) | r2) × floor); " +
		"vote burst \(.votes.ackedPerSecond // 0 | round) acks a second; paced p99 \(.paced.votes.toScreenMs.p99 // 0 | r1) ms; \(.memory.perParticipantKiB | r2) KiB a phone; " +
		"failures \(.failures | length) (busy \(.busyBefore) %, load average \(.loadAverage))")
' $(mkdir -p "$out/tagged"
for f in "$out"/*.json; do
	b=$(basename "$f" .json)
	IFS=- read -r s layout name <<<"$b"
	jq -c --arg s "$s" --arg layout "$layout" --arg name "$name" '. + {series: $s, layout: $layout, name: $name}' "$f" >"$out/tagged/$b.json"
	echo "$out/tagged/$b.json"
done)
