#!/usr/bin/env bash
# jvhost's aio bdev (io_uring) against fio's io_uring engine on the same file, depth and I/O size,
# on tmpfs (/dev/shm) and on the disk. Prints one JSON line per run and a table.
# usage: bench/aio-vs-fio.sh [SECONDS] [DEPTH]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
depth=${2:-32}
command -v fio >/dev/null || { echo "bench: fio is not installed (apt-get install fio)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work" /dev/shm/jvhost-bench.img /var/tmp/jvhost-bench.img' EXIT
. "$here/bench/lib.sh"
bench_results aio-vs-fio
lines=()
for place in /dev/shm /var/tmp; do
  img="$place/jvhost-bench.img"
  rm -f "$img"
  fio --name=fill --filename="$img" --size=1G --rw=write --bs=1M --direct=0 --output=/dev/null
  printf '{"subsystems":[{"subsystem":"bdev","config":[{"method":"bdev_aio_create","params":{"name":"Aio0","filename":"%s","block_size":512}}]}]}\n' "$img" > "$work/aio.json"
  for rw in randread randwrite; do
    jv=$("$here/jvhost" bdevperf --config "$work/aio.json" --cpumask 0x1 -q "$depth" -o 4096 -w "$rw" -t "$secs" --json | grep '"summary"')
    jv_iops=$(sed -n 's/.*"total_iops":\([0-9]*\).*/\1/p' <<<"$jv")
    jv_cpu=$(sed -n 's/.*"process_cpu_cores":\([0-9.]*\).*/\1/p' <<<"$jv")
    # fio's own usr/sys figures leave out its io_uring worker threads, so its CPU is taken from the
    # kernel's rusage of the whole fio process, as jvhost's is (process CPU over the run).
    read -r fio_iops fio_cpu < <(python3 - "$img" "$rw" "$depth" "$secs" <<'PY'
import json, resource, subprocess, sys, time
img, rw, depth, secs = sys.argv[1:5]
t0 = time.monotonic()
out = subprocess.run(["fio", "--name=bench", "--filename=" + img, "--ioengine=io_uring", "--direct=1", "--rw=" + rw,
                      "--bs=4k", "--iodepth=" + depth, "--time_based", "--runtime=" + secs, "--numjobs=1",
                      "--cpus_allowed=0", "--output-format=json"], check=True, capture_output=True, text=True).stdout
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
j = json.loads(out[out.index("{"):])["jobs"][0]
side = "read" if "read" in rw else "write"
print(round(j[side]["iops"]), (ru.ru_utime + ru.ru_stime) / wall)
PY
)
    line=$(python3 - <<PY
jv_iops, jv_cpu, fio_iops, fio_cpu = $jv_iops, $jv_cpu, $fio_iops, $fio_cpu
jpc = jv_iops / max(jv_cpu, 1e-9); fpc = fio_iops / max(fio_cpu, 1e-9)
print('{"bench":"aio-vs-fio","file":"$place","rw":"$rw","qd":$depth,"jvhost_iops":%d,"jvhost_cpu_cores":%.2f,"jvhost_iops_per_core":%d,"fio_iops":%d,"fio_cpu_cores":%.2f,"fio_iops_per_core":%d,"ratio_per_core":%.2f}' % (jv_iops, jv_cpu, jpc, fio_iops, fio_cpu, fpc, jpc / max(fpc, 1e-9)))
PY
)
    echo "$line"
    lines+=("$line")
    # one row per side as well, so the plot has a bar per engine
    python3 -c "
import json,sys; r=json.loads(sys.argv[1])
for side, name in (('jvhost', 'jvhost-aio'), ('fio', 'fio-io_uring')):
    print(json.dumps({'bench': 'aio-vs-fio', 'file': r['file'], 'rw': r['rw'], 'qd': r['qd'], 'engine': name,
                      'iops': r[side + '_iops'], 'cpu_cores': r[side + '_cpu_cores'], 'iops_per_core': r[side + '_iops_per_core']}))
print(sys.argv[1])" "$line" >> "$results"
  done
  rm -f "$img"
done
printf '\n%-9s %-10s %12s %8s %12s %12s %8s %12s %8s\n' file rw jvhost_IOPS cores IOPS/core fio_IOPS cores IOPS/core ratio
for l in "${lines[@]}"; do
  python3 -c "
import json,sys; r=json.loads(sys.argv[1])
print('%-9s %-10s %12d %8.2f %12d %12d %8.2f %12d %8.2f' % (r['file'], r['rw'], r['jvhost_iops'], r['jvhost_cpu_cores'], r['jvhost_iops_per_core'], r['fio_iops'], r['fio_cpu_cores'], r['fio_iops_per_core'], r['ratio_per_core']))" "$l"
done
plot_results --title "aio bdev vs fio's io_uring engine, 4 KiB qd$depth, $secs s" --x file,rw --series engine \
  --y "iops_per_core=IOPS per process core,iops=IOPS"
