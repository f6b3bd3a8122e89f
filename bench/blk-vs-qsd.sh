#!/usr/bin/env bash
# jvhost's vhost-user-blk against qemu-storage-daemon (Debian's QEMU) on the same workloads, driven by
# jvhost's Java front-end (no VM: the back-end is what is measured). Back-ends run on core 0, the
# front-end on core 1. The whole matrix runs ROUNDS times, back-ends alternating, because a shared
# machine drifts by tens of percent between minutes; the table shows each row's median over the rounds.
# Prints one JSON line per run and the table with IOPS per back-end core and ratios.
# usage: bench/blk-vs-qsd.sh [SECONDS] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-5}
rounds=${2:-3}
command -v qemu-storage-daemon >/dev/null || { echo "bench: qemu-storage-daemon is missing (apt-get install qemu-system-common)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 cores (back-end on core 0, front-end on core 1)" >&2; exit 1; }
work=$(mktemp -d)
img=/dev/shm/jvhost-bench-blk.img
backend_pid=
cleanup() { [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work" "$img"; }
trap cleanup EXIT
. "$here/bench/lib.sh"
bench_build
bench_results blk-vs-qsd

start_jvhost() { # $1: bdev config entry, $2: idle strategy
  printf '{"subsystems":[{"subsystem":"bdev","config":[%s]},{"subsystem":"vhost_blk","config":[{"method":"vhost_create_blk_controller","params":{"ctrlr":"blk0","dev_name":"Disk0","num_queues":2}}]}]}\n' "$1" > "$work/jv.json"
  taskset -c 0 "$here/jvhost" --headless --config "$work/jv.json" -S "$work" --cpumask 0x1 --idle "$2" > "$work/jvhost.log" 2>&1 &
  backend_pid=$!
  for _ in $(seq 300); do grep -q 'jvhost ready' "$work/jvhost.log" && break; sleep 0.1; done
  grep -q 'jvhost ready' "$work/jvhost.log" || { cat "$work/jvhost.log" >&2; exit 1; }
  # ./jvhost execs java, so the pid is the JVM's
}
start_qsd() { # $1: blockdev options
  rm -f "$work/blk0"
  taskset -c 0 qemu-storage-daemon --blockdev "$1,node-name=n0" --export \
    type=vhost-user-blk,id=e0,node-name=n0,addr.type=unix,addr.path="$work/blk0",writable=on,num-queues=2 \
    > "$work/qsd.log" 2>&1 &
  backend_pid=$!
  for _ in $(seq 100); do [ -S "$work/blk0" ] && break; sleep 0.1; done
}
stop_backend() { kill "$backend_pid"; wait "$backend_pid" 2>/dev/null || true; backend_pid=; }
run() { # label rw queues depth
  taskset -c 1 "$here/jvhost" blkperf --socket "$work/blk0" --label "$1" --rw "$2" --queues "$3" --depth "$4" \
    --time "$secs" --warmup 2 --backend-pid "$backend_pid" --json | sed "s/\"backend\"/\"disk\":\"$disk\",\"backend\"/" | tee -a "$results"
}
matrix() { # label
  for rw in randread randwrite; do for q in 1 2; do for d in 1 32; do run "$1" "$rw" "$q" "$d"; done; done; done
}

for round in $(seq "$rounds"); do
  disk=null
  start_jvhost '{"method":"bdev_null_create","params":{"name":"Disk0","num_blocks":8388608,"block_size":512}}' busy-spin
  matrix jvhost; stop_backend
  start_qsd "driver=null-co,size=4294967296,read-zeroes=off"
  matrix qsd; stop_backend

  disk=ramfile
  dd if=/dev/zero of="$img" bs=1M count=1024 status=none
  # jvhost's aio module maps a tmpfs file and copies through the mapping; qsd uses io_uring on it
  start_jvhost "{\"method\":\"bdev_aio_create\",\"params\":{\"name\":\"Disk0\",\"filename\":\"$img\",\"block_size\":512}}" busy-spin
  for rw in randread randwrite; do run jvhost "$rw" 1 32; done; stop_backend
  start_qsd "driver=file,filename=$img,aio=io_uring"
  for rw in randread randwrite; do run qsd "$rw" 1 32; done; stop_backend
  rm -f "$img"
done

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
key = lambda r: (r["disk"], r["rw"], r["queues"], r["depth"])
groups = {}
for r in rows:
    groups.setdefault((r["backend"],) + key(r), []).append(r)
def med(backend, k, field):
    return statistics.median(r[field] for r in groups[(backend,) + k])
print("\nmedian of %d rounds" % max(len(v) for v in groups.values()))
print("%-8s %-9s %2s %4s | %11s %9s %11s | %11s %9s %11s | %7s" % ("disk", "rw", "q", "qd",
      "jvhost IOPS", "p99 us", "IOPS/core", "qsd IOPS", "p99 us", "IOPS/core", "ratio"))
seen = []
for r in rows:
    k = key(r)
    if k in seen or ("qsd",) + k not in groups or ("jvhost",) + k not in groups:
        continue
    seen.append(k)
    j, q = med("jvhost", k, "iops_per_backend_core"), med("qsd", k, "iops_per_backend_core")
    print("%-8s %-9s %2d %4d | %11.0f %9.1f %11.0f | %11.0f %9.1f %11.0f | %6.2fx" % (k + (
          med("jvhost", k, "iops"), med("jvhost", k, "p99_us"), j, med("qsd", k, "iops"), med("qsd", k, "p99_us"), q,
          j / q if q else float("nan"))))
PY
plot_results --title "vhost-user-blk: jvhost vs qemu-storage-daemon, 4 KiB, $secs s runs" \
  --x disk,rw,queues:q,depth:qd --series backend \
  --y "iops_per_backend_core=IOPS per back-end core,iops=IOPS,p99_us=p99 latency (us)"
