#!/usr/bin/env bash
# jvhost's user-space NVMe driver against the Linux kernel's nvme driver, on the same device and
# workload in the same emulator: a TCG guest with QEMU's emulated NVMe controller behind an emulated
# IOMMU runs bdevperf (jvhost, VFIO, one polling reactor; with shadow doorbells and without) and
# then fio (kernel driver, io_uring), 4 KiB random reads. Prints JSON lines and a table: IOPS, guest CPU cores busy, CPU per I/O, and the
# ratios. Under TCG the emulated CPU and device model bound both sides; the ratio is what counts.
# usage: [BDEVPERF_OPTS='--idle backoff'] bench/nvme-driver-vs-kernel.sh [SECONDS] [DEPTH]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
depth=${2:-32}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$here/bench/lib.sh"
bench_build
bench_results nvme-driver-vs-kernel
. "$here/bin/jdk25.sh"
guest="$HOME/.cache/jvhost/guest"
"$here/itests/guest/build-guest.sh" "$guest" >&2
m2=$(cd "$here" && ./mvnw -q -B help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>/dev/null \
  | sed 's/\x1b\[[0-9;]*m//g' || true)
[ -d "$m2" ] || m2="$HOME/.m2/repository"
mkdir -p "$work/tree"
{ echo '#!/bin/sh'; echo "SECS=$secs"; echo "DEPTH=$depth"; echo "BDEVPERF_OPTS='${BDEVPERF_OPTS:-}'"
  cat "$here/itests/guest/tests/nvme-common.sh" "$here/itests/guest/tests/nvme-bench.sh"; } > "$work/tree/test.sh"
pack_initrd "$work/tree" "$work/initrd"
truncate -s 1G "$work/nvme.img"
"$here/itests/guest/run-guest.sh" "$guest/vmlinuz" "$work/initrd" 2 iommu mem:2G "share:jdk=$JAVA_HOME" \
  "share:home=$here" "share:m2=$m2" "nvme:$work/nvme.img,serial=bench" > "$work/console" 2>&1 || true
grep -ao 'JVBENCH {.*' "$work/console" | tr -d '\r' | sed 's/^JVBENCH {/{"bench":"nvme-driver-vs-kernel",/' > "$results" || true
if [ "$(wc -l < "$results")" -lt 3 ]; then
  echo "bench: the guest did not print all three results; console:" >&2; cat "$work/console" >&2; exit 1
fi
cat "$results"
python3 - "$results" "$secs" "$depth" <<'PY'
import json, sys
rows = {r["driver"]: r for r in map(json.loads, open(sys.argv[1]))}
print("\n4 KiB randread, depth %s, %s s, TCG guest (2 vCPUs)" % (sys.argv[3], sys.argv[2]))
print("%-14s %10s %10s %16s" % ("driver", "IOPS", "CPU cores", "CPU us per I/O"))
for name in ("jvhost-vfio", "jvhost-vfio-mmio", "kernel-nvme"):
    r = rows[name]
    r["us_per_io"] = r["cpu_cores"] * 1e6 / max(r["iops"], 1)
    print("%-14s %10.0f %10.2f %16.1f" % (name, r["iops"], r["cpu_cores"], r["us_per_io"]))
j, k = rows["jvhost-vfio"], rows["kernel-nvme"]
ratio = {"bench": "nvme-driver-vs-kernel", "iops_ratio": round(j["iops"] / k["iops"], 3),
         "cpu_per_io_ratio": round(j["us_per_io"] / k["us_per_io"], 3)}
print(json.dumps(ratio))
print("jvhost/kernel: %.2fx IOPS, %.2fx CPU per I/O" % (ratio["iops_ratio"], ratio["cpu_per_io_ratio"]))
PY
plot_results --title "user-space NVMe driver vs the kernel's, TCG guest, 4 KiB randread qd$depth" --x bench --series driver \
  --y "iops=IOPS,cpu_cores=CPU cores busy"
