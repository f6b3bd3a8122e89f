#!/usr/bin/env bash
# vhost-scsi against vhost-blk in one jvhost (one busy-polling reactor on core 0, one null bdev
# behind both controllers), driven by the Java front-end on core 1 with no VM: 4 KiB random reads
# and writes at depth 32 on one request queue, alternating rounds, medians. Prints JSON lines and a table.
# usage: bench/scsi-vs-blk.sh [SECONDS] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-5}
rounds=${2:-3}
work=$(mktemp -d)
backend_pid=
cleanup() { [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
. "$here/bench/lib.sh"
bench_build
bench_results scsi-vs-blk
cat > "$work/jv.json" <<'JSON'
{"subsystems":[
 {"subsystem":"bdev","config":[{"method":"bdev_null_create","params":{"name":"Null0","num_blocks":8388608,"block_size":512}}]},
 {"subsystem":"vhost_blk","config":[{"method":"vhost_create_blk_controller","params":{"ctrlr":"blk0","dev_name":"Null0","num_queues":1}}]},
 {"subsystem":"vhost_scsi","config":[{"method":"vhost_create_scsi_controller","params":{"ctrlr":"scsi0","num_queues":1}},
   {"method":"vhost_scsi_controller_add_target","params":{"ctrlr":"scsi0","scsi_target_num":0,"bdev_name":"Null0"}}]}]}
JSON
start_jvhost "$work/jv.json" "${IDLE:-busy-spin}"
for _ in $(seq "$rounds"); do
  for rw in randread randwrite; do
    taskset -c 1 "$here/jvhost" blkperf --socket "$work/blk0" --rw "$rw" --depth 32 --time "$secs" \
      --label vhost-blk --json | tee -a "$results"
    taskset -c 1 "$here/jvhost" blkperf --socket "$work/scsi0" --scsi-target 0 --rw "$rw" --depth 32 --time "$secs" \
      --label vhost-scsi --json | tee -a "$results"
  done
done
python3 - "$results" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
print("\n%-10s %-11s %12s %10s %10s" % ("workload", "controller", "IOPS", "mean us", "p99 us"))
for rw in ("randread", "randwrite"):
    med = {}
    for name in ("vhost-blk", "vhost-scsi"):
        rs = [r for r in rows if r["backend"] == name and r["rw"] == rw]
        med[name] = statistics.median(r["iops"] for r in rs)
        print("%-10s %-11s %12.0f %10.2f %10.2f" % (rw, name, med[name], statistics.median(r["mean_us"] for r in rs),
                                                  statistics.median(r["p99_us"] for r in rs)))
    print("%-10s vhost-scsi serves %.2fx the requests of vhost-blk on one reactor" % (rw, med["vhost-scsi"] / med["vhost-blk"]))
PY
plot_results --title "vhost-scsi vs vhost-blk, one reactor, null bdev, 4 KiB qd32" --x rw --series backend \
  --y "iops=IOPS,mean_us=mean latency (us),p99_us=p99 latency (us)"
