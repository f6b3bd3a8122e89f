#!/usr/bin/env bash
# How long a guest stalls when its storage back-end is killed (SIGKILL) and started again: a real
# Linux guest (QEMU TCG, 1 vCPU on core 1, vhost-user-blk with reconnect=1) writes 4 KiB at random
# at depth 8 to a 256 MiB file on disk through jvhost (aio bdev) and then through
# qemu-storage-daemon (file driver, io_uring), while the back-end (core 0) is killed KILLS times,
# every 6 s, and restarted with the same command line. Prints one JSON line per back-end and kill
# (time from exec to listening) and per run (the guest's longest I/O completion latency, which is
# the stall, its p99 and IOPS over the whole run, stalls included), then a table. That no write is
# lost or doubled across kills is what CrashRecoveryGuestIT checks (a time-based fio job cannot be
# verified afterwards: it rewrites blocks a varying number of times).
# usage: bench/restart-stall.sh [KILLS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
kills=${1:-5}
secs=$(( kills * 6 + 12 ))
for t in qemu-system-x86_64 qemu-storage-daemon fio busybox cpio python3; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (see .ci/run for the packages)" >&2; exit 1; }
done
work=$(mktemp -d -p "$here/bench" .restart-stall.XXXX) # on disk, not tmpfs: io_uring completes out of order
backend_pid=
cleanup() { [ -n "$backend_pid" ] && kill -9 "$backend_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
. "$here/bench/lib.sh"
bench_build
bench_results restart-stall
guest="$HOME/.cache/jvhost/guest"
"$here/itests/guest/build-guest.sh" "$guest"
tree="$work/tree"
mkdir -p "$tree"
cat > "$tree/test.sh" <<SH
#!/bin/sh
i=0; while [ ! -b /dev/vda ] && [ \$i -lt 300 ]; do usleep 100000; i=\$((i + 1)); done
job="--name=stall --filename=/dev/vda --size=256M --bs=4k --iodepth=8 --ioengine=libaio --direct=1 --randseed=5"
echo "JVBENCH start"
fio \$job --rw=randwrite --time_based --runtime=$secs --output-format=json --output=/tmp/fio.json
echo "JVBENCH json \$(tr -d '\n' < /tmp/fio.json)"
SH
pack_initrd "$tree" "$work/initrd.cpio"
truncate -s 256M "$work/disk.img"

printf '{"subsystems":[{"subsystem":"bdev","config":[{"method":"bdev_aio_create","params":{"name":"Aio0","filename":"%s","block_size":512}}]},{"subsystem":"vhost_blk","config":[{"method":"vhost_create_blk_controller","params":{"ctrlr":"blk0","dev_name":"Aio0"}}]}]}\n' "$work/disk.img" > "$work/jv.json"

# start_backend NAME: starts it on core 0 (socket $work/blk0), waits until it listens; sets $backend_pid
# and $started_ms (from exec to listening)
start_backend() {
  local t0 t1
  t0=$(date +%s%N)
  case "$1" in
    jvhost)
      taskset -c 0 "$here/jvhost" --headless --config "$work/jv.json" -S "$work" -r none --cpumask 0x1 \
        > "$work/backend.log" 2>&1 &
      backend_pid=$!
      until grep -q 'jvhost ready' "$work/backend.log"; do kill -0 "$backend_pid" || exit 1; sleep 0.01; done ;;
    qsd)
      rm -f "$work/blk0"
      taskset -c 0 qemu-storage-daemon --blockdev driver=file,node-name=f0,filename="$work/disk.img",aio=io_uring,cache.direct=on \
        --export type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path="$work/blk0",writable=on,num-queues=1 \
        > "$work/backend.log" 2>&1 &
      backend_pid=$!
      until [ -S "$work/blk0" ]; do kill -0 "$backend_pid" || exit 1; sleep 0.01; done ;;
  esac
  t1=$(date +%s%N)
  started_ms=$(( (t1 - t0) / 1000000 ))
}

run() {
  local name=$1 vm k
  start_backend "$name"
  taskset -c 1 "$here/itests/guest/run-guest.sh" "$guest/vmlinuz" "$work/initrd.cpio" 1 "reconnect:$work/blk0" \
    > "$work/$name.console" 2>&1 &
  vm=$!
  until grep -qa 'JVBENCH start' "$work/$name.console"; do kill -0 "$vm" 2>/dev/null || break; sleep 0.05; done
  sleep 4
  for k in $(seq "$kills"); do
    sleep 2
    kill -9 "$backend_pid"; wait "$backend_pid" 2>/dev/null || true
    start_backend "$name"
    echo "{\"bench\":\"restart-stall\",\"backend\":\"$name\",\"kill\":$k,\"exec_to_listening_ms\":$started_ms}" | tee -a "$results"
    sleep 4
  done
  wait "$vm" || true
  kill "$backend_pid" 2>/dev/null; wait "$backend_pid" 2>/dev/null || true; backend_pid=
  python3 - "$name" "$work/$name.console" <<'PY' | tee -a "$results"
import json, sys
name, console = sys.argv[1], open(sys.argv[2], errors="replace").read()
line = [l for l in console.splitlines() if "JVBENCH json " in l]
if not line:
    sys.exit("bench: %s: the guest printed no fio result; console:\n%s" % (name, console))
job = json.loads(line[-1].split("JVBENCH json ", 1)[1])["jobs"][0]
w = job["write"]
print(json.dumps({"bench": "restart-stall", "backend": name, "fio_error": job["error"],
                  "guest_io_errors": console.count("I/O error"), "guest_write_iops": round(w["iops"]),
                  "longest_stall_ms": round(w["clat_ns"]["max"] / 1e6, 1),
                  "p99_ms": round(w["clat_ns"]["percentile"]["99.000000"] / 1e6, 2)}))
PY
}

run jvhost
rm -f "$work/blk0"
truncate -s 0 "$work/disk.img"; truncate -s 256M "$work/disk.img"
run qsd
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("\n%-8s %14s %14s %12s %22s %10s" % ("backend", "longest stall", "p99 latency", "guest IOPS", "exec to listening",
      "I/O errors"))
for name in ("jvhost", "qsd"):
    run = [r for r in rows if r["backend"] == name and "longest_stall_ms" in r][0]
    starts = sorted(r["exec_to_listening_ms"] for r in rows if r["backend"] == name and "kill" in r)
    print("%-8s %11.1f ms %11.2f ms %12d %13d ms median %10d" % (name, run["longest_stall_ms"], run["p99_ms"],
          run["guest_write_iops"], starts[len(starts) // 2], run["guest_io_errors"] + (run["fio_error"] != 0)))
PY
