# Sourced by guest test scripts that run jvhost inside the guest against QEMU's emulated NVMe
# controller through VFIO. The host shares, read-only over virtio-9p: the JDK (tag jdk), the jvhost
# checkout with its built bundles (tag home) and the local Maven repository (tag m2).
set -u
say() { echo "JVNVME $* (at $(cut -d" " -f1 /proc/uptime) s)"; }
fail() {
  echo "JVNVME FAIL $*"
  for f in /tmp/hs_err_*.log; do [ -e "$f" ] && sed -n '/^Current thread/,/^$/p;/^Java frames/,/^$/p' "$f"; done
  exit 1
}
loadmods 9p || fail "cannot load the 9p modules"
for tag in jdk home m2; do
  mkdir -p "/mnt/$tag"
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose "$tag" "/mnt/$tag" || fail "cannot mount $tag"
done
JAVA=/mnt/jdk/bin/java
HOME_DIR=/mnt/home
LAUNCHER=$HOME_DIR/bundles/jvhost-launcher/target
JAVA_OPTS="--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xss2m -Xmx512m -XX:+UseParallelGC -XX:-UsePerfData -XX:ErrorFile=/tmp/hs_err_%p.log"
jar_of() { ls "$HOME_DIR"/bundles/"$1"/target/"$1"-[0-9]*.jar "$HOME_DIR"/tools/"$1"/target/"$1"-[0-9]*.jar 2>/dev/null | grep -v -- -tests.jar | head -n 1; }
# The runtime, as ./jvhost starts it (busybox has no bash for the script itself). Every JVM runs on
# vCPU 0 only: under multi-threaded TCG, code the JIT writes on one vCPU is now and then run stale on
# another and the JVM crashes (seen with any bdev); one vCPU for the JVM avoids that, the other keeps
# the guest kernel's own work off it.
JVHOST_CP="$(ls "$LAUNCHER"/jvhost-launcher-*.jar | head -n 1):$LAUNCHER/lib/*"
jvhost() {
  taskset -c 0 "$JAVA" $JAVA_OPTS -Djvhost.home="$HOME_DIR" -Dmaven.repo.local=/mnt/m2 -cp "$JVHOST_CP" io.jvhost.launcher.Main "$@"
}
# SPDK's bdevperf as jvhost runs it: a runtime that applies a config, runs bdev:perf and exits
bdevperf() { jvhost bdevperf --feature jvhost-bdev-nvme -S /tmp --deploy /tmp/deploy "$@"; }
# bdevperf_runs CONFIG "OPTIONS"...: bdev:perf once per OPTIONS, one after the other in one runtime
# (a runtime takes tens of seconds to start here); a failed run stops it with a line naming that run
bdevperf_runs() {
  local config=$1 r
  shift
  for r in "$@"; do set -- "$@" -x "bdev:perf $r"; shift; done
  jvhost --no-default-config -r none --headless --feature jvhost-bdev-nvme,jvhost-bench -S /tmp --deploy /tmp/deploy \
    --config "$config" --exit "$@"
}
RPC_CP="$(jar_of jvhost-rpc):$(jar_of jvhost-config):$(jar_of jvhost-native)"
# jvhost's vhost-user front-end as a load generator (QEMU's role, guest RAM in a memfd), on the other vCPU
BLKPERF_CP="$(jar_of jvhost-frontend):$(jar_of jvhost-virtio):$(jar_of jvhost-memory):$(jar_of jvhost-native):$(jar_of jvhost-nvme-spec)"
blkperf() { timeout 300 taskset -c 1 "$JAVA" $JAVA_OPTS -cp "$BLKPERF_CP" io.jvhost.frontend.bench.BlkPerf "$@"; }
# IOPS in blkperf's result line (0 means no request completed while it measured: a stall)
iops_of() { echo "$1" | tail -1 | awk '{for (i = 2; i <= NF; i++) if ($i == "IOPS") { printf "%d", $(i - 1); exit }}'; }
# blkperf_io SOCKET LABEL SECONDS: 4 KiB random writes, then reads, at depth 8 through a vhost-user-blk
# socket; fails on a failed request or when none completed (blkperf reports a stall as 0 errors)
blkperf_io() {
  for rw in randwrite randread; do
    out=$(blkperf --socket "$1" --rw $rw --depth 8 --time "$3" --warmup 1 --label "$2" 2>&1) \
      || { echo "$out"; fail "blkperf $rw ($2)"; }
    echo "$out" | tail -1
    [ "$(iops_of "$out")" -gt 0 ] || fail "blkperf $rw ($2): no request completed"
  done
}
# One RPC client for the whole script (jvhost rpc --server, as SPDK's test scripts use rpc.py
# --server): a JVM starts in tens of seconds in a loaded TCG guest, and the scripts make dozens of
# calls. Calls go in on fd 7, one per line; answers come back on fd 8, each ending with **STATUS=N.
# SIGPIPE ignored: a client that died makes a call fail with a message instead of killing the script.
trap '' PIPE
rm -f /tmp/rpc.in /tmp/rpc.out
mkfifo /tmp/rpc.in /tmp/rpc.out
(exec taskset -c 0 "$JAVA" --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -XX:-UsePerfData -cp "$RPC_CP" \
  io.jvhost.rpc.internal.RpcClient -s /tmp/rpc.sock --server < /tmp/rpc.in > /tmp/rpc.out 2>&1) &
RPCPID=$!
exec 7> /tmp/rpc.in 8< /tmp/rpc.out
# rpc METHOD [key=value...]: the result on stdout, or the error on stderr and status 1. The whole
# answer is read before any of it is printed, so a reader that stops early (grep -q) leaves nothing
# behind for the next call. Each line bounded: a runtime that stops answering fails the call, and the
# client is stopped so that a late answer cannot be taken for the next call's.
rpc() {
  local line="" a l answer="" status=""
  kill -0 $RPCPID 2>/dev/null || { echo "rpc $1: the rpc --server client is not running" >&2; return 1; }
  for a in "$@"; do line="$line '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"; done
  echo "$line" >&7 || { echo "rpc $1: cannot write to the rpc --server client" >&2; return 1; }
  while IFS= read -r -t 120 l <&8; do
    case "$l" in
      '**STATUS='*) status=${l##*=}; break ;;
    esac
    answer="$answer$l
"
  done
  if [ -z "$status" ]; then
    kill $RPCPID 2>/dev/null
    printf '%s' "$answer" >&2
    echo "rpc $1: no answer within 120 s" >&2
    return 1
  fi
  if [ "$status" = 0 ]; then printf '%s' "$answer"; else printf '%s' "$answer" >&2; return 1; fi
}

# the emulated controller: the only device of class 0x010802
NVME=
for d in /sys/bus/pci/devices/*; do
  [ "$(cat "$d/class")" = 0x010802 ] && NVME=$(basename "$d")
done
[ -n "$NVME" ] || fail "no NVMe controller in the guest"
say "controller at $NVME"

bind_vfio() { # [PCI-ADDRESS], the controller by default
  dev=${1:-$NVME}
  loadmods vfio || fail "cannot load vfio modules"
  [ -e "/sys/bus/pci/devices/$dev/driver" ] && echo "$dev" > "/sys/bus/pci/devices/$dev/driver/unbind"
  echo vfio-pci > "/sys/bus/pci/devices/$dev/driver_override"
  echo "$dev" > /sys/bus/pci/drivers_probe
  [ "$(basename "$(readlink "/sys/bus/pci/devices/$dev/driver")")" = vfio-pci ] || fail "vfio-pci did not bind $dev"
}
bind_kernel() {
  loadmods nvme || fail "cannot load the nvme module"
  [ -e "/sys/bus/pci/devices/$NVME/driver" ] && echo "$NVME" > "/sys/bus/pci/devices/$NVME/driver/unbind"
  echo nvme > "/sys/bus/pci/devices/$NVME/driver_override"
  echo "$NVME" > /sys/bus/pci/drivers_probe
  for i in $(seq 1 50); do [ -b /dev/nvme0n1 ] && return 0; sleep 0.2; mdev -s; done
  fail "the kernel's nvme driver made no /dev/nvme0n1"
}

# wait_until SECONDS COMMAND...: runs COMMAND every half second until it succeeds; status 1 when
# SECONDS pass first
wait_until() {
  local end=$(($(cut -d. -f1 /proc/uptime) + $1))
  shift
  until "$@"; do
    [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] || return 1
    sleep 0.5
  done
}
# log_count_above LOG TEXT N: LOG has more than N lines with TEXT
log_count_above() { [ "$(grep -c -- "$2" "$1")" -gt "$3" ]; }
# the runtime answers RPC, or has exited (start_jvhost tells which)
served_or_gone() { ! kill -0 $JVPID 2>/dev/null || { [ -S /tmp/rpc.sock ] && rpc rpc_get_methods >/dev/null 2>&1; }; }
# the runtime finished starting (every bundle's methods are there), or has exited
ready_or_gone() { ! kill -0 $JVPID 2>/dev/null || grep -q "jvhost ready" "$1"; }

# start_jvhost LOG [ARGS...]: a runtime with the nvme module (or the feature ARGS name: the last
# --feature counts) on one reactor, serving RPC at /tmp/rpc.sock; returns once it printed "jvhost
# ready" (at most 4 minutes). RPC answers before that, while bundles still register their methods:
# a call then may find its method missing. With START_UNTIL=rpc it returns once RPC answers, for -x
# commands that run (and keep startup going) while the test makes calls. A socket left by an
# earlier runtime is removed first, so that it cannot be mistaken for this one's.
start_jvhost() {
  log=$1; shift
  rm -f /tmp/rpc.sock
  # exec, not the jvhost function: a backgrounded function runs in a subshell, and killing that
  # subshell leaves the JVM running (an earlier runtime then answered the next one's RPC calls)
  (exec taskset -c 0 "$JAVA" $JAVA_OPTS -Djvhost.home="$HOME_DIR" -Dmaven.repo.local=/mnt/m2 -cp "$JVHOST_CP" \
    io.jvhost.launcher.Main --no-default-config --headless --feature jvhost-bdev-nvme -r /tmp/rpc.sock -S /tmp \
    --deploy /tmp/deploy --cpumask 0x1 "$@") > "$log" 2>&1 &
  JVPID=$!
  if [ "${START_UNTIL:-ready}" = rpc ]; then
    wait_until 240 served_or_gone || { dump_jvhost "$log"; fail "jvhost did not serve RPC"; }
  else
    wait_until 240 ready_or_gone "$log" || { dump_jvhost "$log"; fail "jvhost did not finish starting"; }
  fi
  kill -0 $JVPID 2>/dev/null || { tail -40 "$log"; fail "jvhost exited while starting"; }
  unset START_UNTIL
}
# dump_jvhost LOG: the runtime's threads (SIGQUIT makes the JVM print them) and the end of its log
dump_jvhost() {
  kill -QUIT $JVPID 2>/dev/null && sleep 5
  tail -200 "$1"
}
stop_jvhost() {
  kill $JVPID
  wait $JVPID || true
}
# await_log LOG TEXT SECONDS: until LOG has TEXT
await_log() {
  wait_until "$3" grep -q -- "$2" "$1" || { dump_jvhost "$1"; fail "no '$2' in $1 within $3 s"; }
}
expect_error() { # WHAT TEXT rpc-args...
  what=$1; text=$2; shift 2
  out=$(rpc "$@" 2>&1) && fail "$what: the call succeeded: $out"
  echo "$out" | grep -q -- "$text" || fail "$what: error does not say '$text': $out"
  say "rejected ($what): $out"
}
