#!/usr/bin/env bash
# The same guest fio job (4 KiB random reads at depth 32, 1 vCPU on core 1, after a 5 s warm-up)
# through a jvhost vhost-user-scsi controller and through a vhost-user-blk controller, both over one
# null bdev of one jvhost (on core 0). Under TCG the vCPU is the bottleneck, so the figure that
# matters is jvhost's CPU per I/O over the measured run. Prints JSON lines and a table.
# usage: bench/guest-scsi-vs-blk.sh [SECONDS] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
rounds=${2:-1}
for t in qemu-system-x86_64 fio busybox cpio sg_inq; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (see .ci/run for the packages)" >&2; exit 1; }
done
work=$(mktemp -d)
backend_pid=
cleanup() { [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
. "$here/bench/lib.sh"
bench_build
bench_results guest-scsi-vs-blk
guest="$HOME/.cache/jvhost/guest"
"$here/itests/guest/build-guest.sh" "$guest"

guest_initrd vda "$secs" "$work/initrd-vda.cpio"
guest_initrd sda "$secs" "$work/initrd-sda.cpio"
measure() { guest_measure guest-scsi-vs-blk controller "$@" | tee -a "$results"; }

cat > "$work/jv.json" <<'JSON'
{"subsystems":[
 {"subsystem":"bdev","config":[{"method":"bdev_null_create","params":{"name":"Null0","num_blocks":8388608,"block_size":512}}]},
 {"subsystem":"vhost_blk","config":[{"method":"vhost_create_blk_controller","params":{"ctrlr":"blk0","dev_name":"Null0","num_queues":1}}]},
 {"subsystem":"vhost_scsi","config":[{"method":"vhost_create_scsi_controller","params":{"ctrlr":"scsi0","num_queues":1}},
   {"method":"vhost_scsi_controller_add_target","params":{"ctrlr":"scsi0","scsi_target_num":0,"bdev_name":"Null0"}}]}]}
JSON
taskset -c 0 "$here/jvhost" --headless --config "$work/jv.json" -S "$work" -r none --cpumask 0x1 > "$work/jvhost.log" 2>&1 &
backend_pid=$!
for _ in $(seq 300); do grep -q 'jvhost ready' "$work/jvhost.log" && break; sleep 0.1; done
for _ in $(seq "$rounds"); do
  measure vhost-scsi "scsi:$work/scsi0,num_queues=1" "$work/initrd-sda.cpio"
  measure vhost-blk "$work/blk0,num-queues=1" "$work/initrd-vda.cpio"
done
python3 - "$results" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {}
print("\n%-11s %11s %12s %16s" % ("controller", "guest IOPS", "jvhost s", "jvhost us/IO"))
for name in ("vhost-scsi", "vhost-blk"):
    rs = [r for r in rows if r["controller"] == name]
    med[name] = statistics.median(r["backend_cpu_us_per_io"] for r in rs)
    iops = statistics.median(r["guest_iops"] for r in rs)
    cpu = statistics.median(r["backend_cpu_s"] for r in rs)
    print("%-11s %11d %12.2f %16.3f" % (name, iops, cpu, med[name]))
print("vhost-scsi uses %.2fx the jvhost CPU per I/O of vhost-blk (median of %d rounds)"
      % (med["vhost-scsi"] / med["vhost-blk"], len(rows) // 2))
PY
plot_results --title "one guest fio job (4 KiB randread qd32): vhost-scsi vs vhost-blk" --x bench --series controller \
  --y "backend_cpu_us_per_io=jvhost CPU per guest I/O (us),guest_iops=guest IOPS"
