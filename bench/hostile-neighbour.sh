#!/usr/bin/env bash
# What a hostile tenant costs the others: jvhost on core 0 serves two RAM disks as vhost-user-blk
# controllers on one reactor; on core 1 a verifying load (write, read back, compare) runs on blk0,
# alone and then while a second front-end on blk1 connects, writes a broken ring (every pattern of
# HostileDriver in turn) and resets the device, over and over. Rounds alternate the two phases. A
# control run repeats it with the hostile front-end against a second jvhost on core 1: what the
# verifying load loses there is the cost of sharing the client core on a 2-core machine, not the
# target's. Prints one JSON line per phase and a summary per run, and a table with the ratios.
# usage: bench/hostile-neighbour.sh [SECONDS] [ROUNDS] [ATTACK_PAUSE_MS] [IDLE]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-5}
rounds=${2:-3}
pause=${3:-20}
idle=${4:-interrupt}
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 cores (back-end on core 0, front-ends on core 1)" >&2; exit 1; }
work=$(mktemp -d)
backend_pid=
cleanup() { [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
. "$here/bench/lib.sh"
bench_build
bench_results hostile-neighbour

cat > "$work/jv.json" <<JSON
{"subsystems":[{"subsystem":"bdev","config":[
  {"method":"bdev_malloc_create","params":{"name":"Malloc0","num_blocks":262144,"block_size":512}},
  {"method":"bdev_malloc_create","params":{"name":"Malloc1","num_blocks":262144,"block_size":512}}]},
 {"subsystem":"vhost_blk","config":[
  {"method":"vhost_create_blk_controller","params":{"ctrlr":"blk0","dev_name":"Malloc0"}},
  {"method":"vhost_create_blk_controller","params":{"ctrlr":"blk1","dev_name":"Malloc1"}}]}]}
JSON
start_jvhost "$work/jv.json" "$idle"
# the control: the same hostile front-end against a second jvhost on the client's core, so the target
# under test is untouched and whatever the verifying load loses there is the cost of sharing core 1
mkdir -p "$work/control"
sed 's/"blk1"/"ctl1"/' "$work/jv.json" > "$work/control.json"
taskset -c 1 "$here/jvhost" --headless --config "$work/control.json" -S "$work/control" -r none --cpumask 0x2 --idle interrupt \
  > "$work/control.log" 2>&1 &
control_pid=$!
for _ in $(seq 300); do grep -q 'jvhost ready' "$work/control.log" && break; sleep 0.1; done
grep -q 'jvhost ready' "$work/control.log" || { echo "bench: the control jvhost did not start:" >&2; cat "$work/control.log" >&2; exit 1; }
cleanup_all() { kill "$control_pid" 2>/dev/null; cleanup; }
trap cleanup_all EXIT

neighbour() { # label hostile-socket
  taskset -c 1 "$here/jvhost" neighbourperf --socket "$work/blk0" --hostile "$2" --time "$secs" --rounds "$rounds" \
    --attack-pause-ms "$pause" ${JVHOST_ATTACKER_CPUS:+--attacker-cpus "$JVHOST_ATTACKER_CPUS"} \
    --backend-pid "$backend_pid" --json | tee "$work/$1.txt"
  grep '^{' "$work/$1.txt" | sed "s/\"bench\":\"neighbourperf\"/\"bench\":\"neighbourperf\",\"idle\":\"$idle\",\"neighbour\":\"$1\"/" >> "$results"
}
echo "== hostile neighbour on the same target (blk1 of the jvhost under test)" >&2
neighbour same-target "$work/blk1"
echo "== control: the hostile front-end against another jvhost (on core 1); the target under test is untouched" >&2
neighbour control "$work/control/ctl1"
refusals=$(grep -c 'malformed request\|SET_VRING_ADDR failed' "$work/jvhost.log" || true)
echo "bench: the target under test logged $refusals broken rings or refused layouts (WARN and above)" >&2
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
s = {r["neighbour"]: r for r in rows if r["phase"] == "summary"}
print("\n%-12s %11s %13s %7s %16s %16s %7s %9s" % ("neighbour", "IOPS alone", "IOPS hostile", "ratio",
      "IOPS/client core", "... with hostile", "ratio", "attacks/s"))
for k in ("same-target", "control"):
    r = s[k]
    print("%-12s %11d %13d %6.1f%% %16d %16d %6.1f%% %9.1f" % (k, r["iops_alone"], r["iops_with_hostile"],
          100 * r["ratio"], r["iops_per_client_core_alone"], r["iops_per_client_core_with_hostile"],
          100 * r["ratio_per_client_core"], r["attacks_per_s"]))
a, c = s["same-target"], s["control"]
print("the hostile tenant's cost that is the target's own (same-target ratio / control ratio): %.1f%% of IOPS"
      % (100 * (1 - a["ratio"] / c["ratio"])))
PY
echo "bench: results in $results" >&2
