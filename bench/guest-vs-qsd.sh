#!/usr/bin/env bash
# A real Linux guest (QEMU TCG, 1 vCPU on core 1) runs fio 4 KiB random reads at depth 32 against
# jvhost and then against qemu-storage-daemon (back-ends on core 0, null disk), after a 5 s warm-up.
# Under TCG the vCPU is the bottleneck, so the figure that matters is the back-end's CPU per I/O over
# the measured run. Prints JSON lines and a table.
# usage: bench/guest-vs-qsd.sh [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
for t in qemu-system-x86_64 qemu-storage-daemon fio busybox cpio; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (see .ci/run for the packages)" >&2; exit 1; }
done
work=$(mktemp -d)
backend_pid=
cleanup() { [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
. "$here/bench/lib.sh"
bench_build
bench_results guest-vs-qsd
guest="$HOME/.cache/jvhost/guest"
"$here/itests/guest/build-guest.sh" "$guest"
guest_initrd vda "$secs" "$work/initrd.cpio"
measure() { guest_measure guest-vs-qsd backend "$1" "$work/blk0" "$work/initrd.cpio" | tee -a "$results"; }

printf '{"subsystems":[{"subsystem":"bdev","config":[{"method":"bdev_null_create","params":{"name":"Null0","num_blocks":8388608,"block_size":512}}]},{"subsystem":"vhost_blk","config":[{"method":"vhost_create_blk_controller","params":{"ctrlr":"blk0","dev_name":"Null0"}}]}]}\n' > "$work/jv.json"
taskset -c 0 "$here/jvhost" --headless --config "$work/jv.json" -S "$work" --cpumask 0x1 > "$work/jvhost.log" 2>&1 &
backend_pid=$!
for _ in $(seq 300); do grep -q 'jvhost ready' "$work/jvhost.log" && break; sleep 0.1; done
measure jvhost
kill "$backend_pid"; wait "$backend_pid" 2>/dev/null || true; backend_pid=
rm -f "$work/blk0"
taskset -c 0 qemu-storage-daemon --blockdev driver=null-co,node-name=n0,size=4294967296,read-zeroes=off --export \
  type=vhost-user-blk,id=e0,node-name=n0,addr.type=unix,addr.path="$work/blk0",writable=on,num-queues=1 > "$work/qsd.log" 2>&1 &
backend_pid=$!
for _ in $(seq 100); do [ -S "$work/blk0" ] && break; sleep 0.1; done
measure qsd
python3 - "$results" <<'PY'
import json, sys
rows = {r["backend"]: r for r in map(json.loads, open(sys.argv[1]))}
print("\n%-8s %11s %12s %16s" % ("backend", "guest IOPS", "back-end s", "back-end us/IO"))
for name in ("jvhost", "qsd"):
    r = rows[name]
    print("%-8s %11d %12.2f %16.3f" % (name, r["guest_iops"], r["backend_cpu_s"], r["backend_cpu_us_per_io"]))
j, q = rows["jvhost"]["backend_cpu_us_per_io"], rows["qsd"]["backend_cpu_us_per_io"]
print("jvhost uses %.2fx the back-end CPU per I/O of qemu-storage-daemon" % (j / q if q else float("nan")))
PY
plot_results --title "guest fio 4 KiB randread qd32 on a null disk: jvhost vs qemu-storage-daemon" --x bench --series backend \
  --y "backend_cpu_us_per_io=back-end CPU per guest I/O (us),guest_iops=guest IOPS"
