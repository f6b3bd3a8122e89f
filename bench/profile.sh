#!/usr/bin/env bash
# Profiles jvhost under a chosen load with async-profiler (Maven: tools.profiler:async-profiler 4.0)
# and writes HTML flame graphs: CPU (where the reactor's time goes) and allocation (what allocates,
# and on which thread). jvhost runs one busy-polling reactor on core 0 serving the controller over
# bdev Disk0; blkperf drives it from core 1. The profiler is attached once the load is warm.
# usage: bench/profile.sh [--event cpu|alloc|both] [--time S] [--warmup S] [--target blk|scsi|nvme]
#                         [--disk null|malloc] [--rw randread|randwrite] [--bs BYTES] [--depth D]
#                         [--queues N] [--interval NS] [--out DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bin/jdk25.sh"
event=both secs=5 warmup=3 target=blk disk=null rw=randread bs=4096 depth=32 queues=1 interval=100000
out="$here/bench/results/profile-$(date +%Y%m%d-%H%M%S)"
while [ $# -gt 0 ]; do
  case "$1" in
    --event) event=$2 ;; --time) secs=$2 ;; --warmup) warmup=$2 ;; --target) target=$2 ;; --disk) disk=$2 ;;
    --rw) rw=$2 ;; --bs) bs=$2 ;; --depth) depth=$2 ;; --queues) queues=$2 ;; --interval) interval=$2 ;;
    --out) out=$2 ;;
    *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
  shift 2
done
case "$event" in cpu|alloc|both) ;; *) echo "profile: --event is cpu, alloc or both" >&2; exit 2 ;; esac
case "$target" in blk|scsi|nvme) ;; *) echo "profile: --target is blk, scsi or nvme" >&2; exit 2 ;; esac
case "$disk" in null|malloc) ;; *) echo "profile: --disk is null or malloc" >&2; exit 2 ;; esac
[ "$(nproc)" -ge 2 ] || { echo "profile: needs 2 cores (jvhost on core 0, load on core 1)" >&2; exit 1; }
work=$(mktemp -d)
backend_pid=
cleanup() { [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
. "$here/bench/lib.sh"
bench_build

# the profiler's native library, from its Maven jar
version=4.0
jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar"
[ -f "$jar" ] || (cd "$here" && ./mvnw -q dependency:get -Dartifact="tools.profiler:async-profiler:$version" >&2)
lib="$here/bench/results/async-profiler-$version/libasyncProfiler.so"
if [ ! -f "$lib" ]; then
  mkdir -p "$(dirname "$lib")"
  unzip -p "$jar" linux-x64/libasyncProfiler.so > "$lib.tmp" && mv "$lib.tmp" "$lib"
fi
mkdir -p "$out"

[ "$disk" = null ] && blocks=8388608 || blocks=2097152
case "$target" in
  blk) ctrl='{"subsystem":"vhost_blk","config":[{"method":"vhost_create_blk_controller","params":{"ctrlr":"blk0","dev_name":"Disk0","num_queues":4}}]}'
       load=(--socket "$work/blk0") ;;
  scsi) ctrl='{"subsystem":"vhost_scsi","config":[{"method":"vhost_create_scsi_controller","params":{"ctrlr":"scsi0","num_queues":4}},{"method":"vhost_scsi_controller_add_target","params":{"ctrlr":"scsi0","scsi_target_num":0,"bdev_name":"Disk0"}}]}'
        load=(--socket "$work/scsi0" --scsi-target 0) ;;
  nvme) ctrl='{"subsystem":"vhost_nvme","config":[{"method":"vhost_create_nvme_controller","params":{"ctrlr":"nvme0","io_queues":4}},{"method":"vhost_nvme_controller_add_ns","params":{"ctrlr":"nvme0","bdev_name":"Disk0"}}]}'
        load=(--socket "$work/nvme0" --nvme) ;;
esac
printf '{"subsystems":[{"subsystem":"bdev","config":[{"method":"bdev_%s_create","params":{"name":"Disk0","num_blocks":%d,"block_size":512}}]},%s]}\n' \
  "$disk" "$blocks" "$ctrl" > "$work/jv.json"
# DebugNonSafepoints: samples resolve to the inlined Java frame that ran, not the nearest safepoint
export JVHOST_JAVA_OPTS="-XX:+EnableDynamicAgentLoading -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints ${JVHOST_JAVA_OPTS:-}"
start_jvhost "$work/jv.json" busy-spin

profiled=$secs
[ "$event" = both ] && profiled=$((2 * secs))
taskset -c 1 "$here/jvhost" blkperf "${load[@]}" --rw "$rw" --bs "$bs" --depth "$depth" --queues "$queues" \
  --warmup "$warmup" --time $((profiled + 1)) --backend-pid "$backend_pid" --backend-thread reactor > "$work/blkperf.out" 2>&1 &
load_pid=$!
sleep $((warmup + 1))
# quoted, so jcmd's parser keeps the profiler's "key=value,..." options as one argument
agent() {
  "$JAVA_HOME/bin/jcmd" "$backend_pid" JVMTI.agent_load "$lib" "\"$1\"" > "$work/jcmd.out" 2>&1
  grep -q 'return code: 0' "$work/jcmd.out" || { echo "profile: async-profiler refused $1:" >&2; cat "$work/jcmd.out" >&2; exit 1; }
}
profile() { # EVENT OPTIONS
  agent "start,event=$2"
  sleep "$secs"
  # the same samples as text (one stack per line with its count), then as the flame graph
  agent "dump,file=$out/$1.collapsed"
  agent "stop,file=$out/$1.html,title=jvhost_${target}_${disk}_${rw}_bs${bs}_qd${depth}_q${queues}_$1"
  [ -s "$out/$1.html" ] || { echo "profile: no $out/$1.html; jvhost's log:" >&2; tail -5 "$work/jvhost.log" >&2; exit 1; }
  echo "profile: $out/$1.html" >&2
  top_frames "$out/$1.collapsed" "$1"
}
# the frames where most samples ended (self time), from the collapsed stacks
top_frames() {
  python3 - "$1" "$2" <<'PY'
import sys, collections
self_count, total = collections.Counter(), 0
for line in open(sys.argv[1]):
    stack, _, n = line.rstrip().rpartition(" ")
    if not n.isdigit():
        continue
    total += int(n)
    self_count[stack.split(";")[-1]] += int(n)
print("\n%s: top frames by self samples (%d samples)" % (sys.argv[2], total))
for frame, n in self_count.most_common(15):
    print("%6.2f%%  %s" % (100.0 * n / max(total, 1), frame))
PY
}
case "$event" in
  cpu) profile cpu "cpu,interval=$interval" ;;
  alloc) profile alloc alloc ;;
  both) profile cpu "cpu,interval=$interval"; profile alloc alloc ;;
esac
wait "$load_pid" || { cat "$work/blkperf.out" >&2; exit 1; }
cat "$work/blkperf.out"
