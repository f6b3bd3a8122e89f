# Sourced by guest test scripts that run jvhost inside the guest against QEMU's emulated NVMe
# controller through VFIO. The host shares, read-only over virtio-9p: the JDK (tag jdk), the jvhost
# checkout with its built bundles (tag home) and the local Maven repository (tag m2).
set -u
say() { echo "JVNVME $*"; }
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
jar_of() { ls "$HOME_DIR/bundles/$1/target/$1"-[0-9]*.jar | grep -v -- -tests.jar | head -n 1; }
# The runtime, as ./jvhost starts it (busybox has no bash for the script itself). Every JVM runs on
# vCPU 0 only: under multi-threaded TCG, code the JIT writes on one vCPU is now and then run stale on
# another and the JVM crashes (seen with any bdev); one vCPU for the JVM avoids that, the other keeps
# the guest kernel's own work off it.
jvhost() {
  taskset -c 0 "$JAVA" $JAVA_OPTS -Djvhost.home="$HOME_DIR" -Dmaven.repo.local=/mnt/m2 \
    -cp "$(ls "$LAUNCHER"/jvhost-launcher-*.jar | head -n 1):$LAUNCHER/lib/*" io.jvhost.launcher.Main "$@"
}
# SPDK's bdevperf as jvhost runs it: a runtime that applies a config, runs bdev:perf and exits
bdevperf() { jvhost bdevperf --feature jvhost-bdev-nvme -S /tmp --deploy /tmp/deploy "$@"; }
RPC_CP="$(jar_of jvhost-rpc):$(jar_of jvhost-config):$(jar_of jvhost-native)"
rpc() { taskset -c 0 "$JAVA" --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -cp "$RPC_CP" io.jvhost.rpc.internal.RpcClient -s /tmp/rpc.sock "$@"; }

# the emulated controller: the only device of class 0x010802
NVME=
for d in /sys/bus/pci/devices/*; do
  [ "$(cat "$d/class")" = 0x010802 ] && NVME=$(basename "$d")
done
[ -n "$NVME" ] || fail "no NVMe controller in the guest"
say "controller at $NVME"

bind_vfio() {
  loadmods vfio || fail "cannot load vfio modules"
  [ -e "/sys/bus/pci/devices/$NVME/driver" ] && echo "$NVME" > "/sys/bus/pci/devices/$NVME/driver/unbind"
  echo vfio-pci > "/sys/bus/pci/devices/$NVME/driver_override"
  echo "$NVME" > /sys/bus/pci/drivers_probe
  [ "$(basename "$(readlink "/sys/bus/pci/devices/$NVME/driver")")" = vfio-pci ] || fail "vfio-pci did not bind $NVME"
}
bind_kernel() {
  loadmods nvme || fail "cannot load the nvme module"
  [ -e "/sys/bus/pci/devices/$NVME/driver" ] && echo "$NVME" > "/sys/bus/pci/devices/$NVME/driver/unbind"
  echo nvme > "/sys/bus/pci/devices/$NVME/driver_override"
  echo "$NVME" > /sys/bus/pci/drivers_probe
  for i in $(seq 1 50); do [ -b /dev/nvme0n1 ] && return 0; sleep 0.2; mdev -s; done
  fail "the kernel's nvme driver made no /dev/nvme0n1"
}
