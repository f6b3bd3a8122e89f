#!/usr/bin/env bash
# vhost-nvme against vhost-blk in one jvhost (one busy-polling reactor on core 0, one null bdev behind
# both controllers), driven by the Java front-end on core 1 with no VM: 4 KiB random reads at depth
# 32 on one queue; NVMe once with shadow doorbells (Doorbell Buffer Config + EventIdx, as Linux >= 4.12
# uses them) and once with every doorbell write relayed, as a hypervisor traps them without it.
# Prints JSON lines and a table with IOPS and trapped doorbell writes per I/O (medians).
# usage: bench/nvme-vs-blk.sh [SECONDS] [ROUNDS]
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
bench_results nvme-vs-blk
cat > "$work/jv.json" <<'JSON'
{"subsystems":[
 {"subsystem":"bdev","config":[{"method":"bdev_null_create","params":{"name":"Null0","num_blocks":8388608,"block_size":512}}]},
 {"subsystem":"vhost_blk","config":[{"method":"vhost_create_blk_controller","params":{"ctrlr":"blk0","dev_name":"Null0","num_queues":1}}]},
 {"subsystem":"vhost_nvme","config":[{"method":"vhost_create_nvme_controller","params":{"ctrlr":"nvme0","io_queues":1}},
   {"method":"vhost_nvme_controller_add_ns","params":{"ctrlr":"nvme0","bdev_name":"Null0"}}]}]}
JSON
start_jvhost "$work/jv.json" busy-spin
run() { taskset -c 1 "$here/jvhost" blkperf --depth 32 --time "$secs" --json "$@" | tee -a "$results"; }
for _ in $(seq "$rounds"); do
  run --socket "$work/blk0" --label vhost-blk
  run --socket "$work/nvme0" --nvme --label vhost-nvme-shadow
  run --socket "$work/nvme0" --nvme --no-shadow-doorbells --label vhost-nvme-trapped
done
python3 - "$results" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
print("\n%-20s %12s %10s %10s %22s" % ("controller", "IOPS", "mean us", "p99 us", "trapped doorbells/IO"))
med = {}
for name in ("vhost-blk", "vhost-nvme-shadow", "vhost-nvme-trapped"):
    rs = [r for r in rows if r["backend"] == name]
    med[name] = statistics.median(r["iops"] for r in rs)
    print("%-20s %12.0f %10.2f %10.2f %22.4f" % (name, med[name], statistics.median(r["mean_us"] for r in rs),
          statistics.median(r["p99_us"] for r in rs), statistics.median(r["trapped_doorbells_per_io"] for r in rs)))
print("vhost-nvme with shadow doorbells serves %.2fx the requests of vhost-blk on one reactor"
      % (med["vhost-nvme-shadow"] / med["vhost-blk"]))
PY
plot_results --title "vhost-nvme vs vhost-blk, one reactor, null bdev, 4 KiB randread qd32" --x rw --series backend \
  --y "iops=IOPS,mean_us=mean latency (us),trapped_doorbells_per_io=trapped doorbell writes per I/O"
