# The user-space NVMe driver in VFIO's no-IOMMU mode (no IOMMU in this guest): vfio rebuilt with
# CONFIG_VFIO_NOIOMMU and loaded with enable_unsafe_noiommu_mode=1; DMA to physical addresses, queues
# on huge pages. An attach in IOMMU mode is refused with a message that says which mode to use.
insmod /lib/modules/vfio-noiommu.ko enable_unsafe_noiommu_mode=1 || fail "cannot load vfio with no-IOMMU mode"
bind_vfio
ls /dev/vfio
echo 64 > /proc/sys/vm/nr_hugepages
cat > /tmp/iommu.json <<JSON
{"subsystems":[{"subsystem":"bdev","config":[{"method":"bdev_nvme_attach_controller",
  "params":{"name":"Nvme0","trtype":"pcie","traddr":"$NVME"}}]}]}
JSON
out=$(bdevperf --config /tmp/iommu.json -q 8 -o 4096 -w randread -t 1 2>&1) && fail "IOMMU mode attached a no-IOMMU device"
echo "$out" | grep -q "no-IOMMU mode" || fail "the wrong-mode error does not say to use no-IOMMU mode: $out"
say "IOMMU mode refused: $(echo "$out" | grep -o "is in no-IOMMU group.*")"
# a user without access to the VFIO group is told what to do, and nothing stays attached
echo "root:x:0:0::/:/bin/sh" > /etc/passwd
echo "nobody:x:65534:65534::/tmp:/bin/sh" >> /etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > /etc/group
chmod 1777 /tmp
# the host's checkout and Maven repository may be private to its owner: give the user a copy of what
# the runtime reads (launcher, features, runtime-config and the feature's bundles)
mkdir -p /tmp/uhome/bundles/jvhost-launcher /tmp/um2/org/ops4j/pax /tmp/um2/io /tmp/um2/org/apache
cp -r "$HOME_DIR/features" "$HOME_DIR/runtime-config" /tmp/uhome/
cp -r "$LAUNCHER" /tmp/uhome/bundles/jvhost-launcher/
cp -r /mnt/m2/io/jvhost /tmp/um2/io/ && cp -r /mnt/m2/org/ops4j/pax/logging /tmp/um2/org/ops4j/pax/
cp -r /mnt/m2/org/osgi /mnt/m2/org/jline /tmp/um2/org/ && cp -r /mnt/m2/org/apache/felix /tmp/um2/org/apache/
chmod -R a+rX /tmp/uhome /tmp/um2
cat > /tmp/as-nobody.sh <<SH
cd /tmp
exec "$JAVA" $JAVA_OPTS -Djvhost.home=/tmp/uhome -Dmaven.repo.local=/tmp/um2 \\
  -cp "$(ls /tmp/uhome/bundles/jvhost-launcher/target/jvhost-launcher-*.jar | head -n 1):/tmp/uhome/bundles/jvhost-launcher/target/lib/*" \\
  io.jvhost.launcher.Main bdevperf --feature jvhost-bdev-nvme -S /tmp --deploy /tmp/deploy-nobody \\
  --config /tmp/noiommu.json -q 8 -o 4096 -w randread -t 1
SH
cat > /tmp/noiommu.json <<JSON
{"subsystems":[{"subsystem":"bdev","config":[{"method":"bdev_nvme_attach_controller",
  "params":{"name":"Nvme0","trtype":"pcie","traddr":"$NVME","no_iommu":true}}]}]}
JSON
out=$(bdevperf_runs /tmp/noiommu.json "-q 32 -o 4096 -w verify -t ${VERIFY_SECONDS:-6}" "-q 8 -o 131072 -w verify -t 3" 2>&1) \
  || { echo "$out"; fail "bdevperf verify, no-IOMMU"; }
echo "$out" | grep "^Nvme0n1 "
[ "$(echo "$out" | grep -c "^Nvme0n1 ")" = 2 ] || { echo "$out"; fail "no result for Nvme0n1 in some of the 2 runs"; }
out=$(taskset -c 0 su nobody -s /bin/sh -c "sh /tmp/as-nobody.sh" 2>&1) && fail "an unprivileged user attached the controller"
echo "$out" | grep -q "needs root" || fail "the permission error does not say what to do: $out"
say "unprivileged user refused: $(echo "$out" | grep -o "cannot open /dev/vfio.*")"
say "no-IOMMU verify passed"

# Hot swap: a runtime with only the bdev layer gets the NVMe bundles through its deploy directory
# (FileInstall), attaches the controller, then loses the module's bundle while attached: its bdev is
# hot-removed and the controller shut down and released, so the module, deployed again, attaches it again.
methods_have() { rpc rpc_get_methods | grep -q "\"$1\""; }
method_is() { # present|absent METHOD
  if methods_have "$2"; then [ "$1" = present ]; else [ "$1" = absent ]; fi
}
await_methods() { # present|absent METHOD SECONDS
  wait_until "$3" method_is "$1" "$2" || { dump_jvhost /tmp/hotswap.log; fail "$2 not $1 within $3 s"; }
}
mkdir -p /tmp/deploy-hs
start_jvhost /tmp/hotswap.log --feature jvhost-bdev --deploy /tmp/deploy-hs
methods_have bdev_nvme_attach_controller && fail "the bdev feature alone has the nvme module"
cp "$(jar_of jvhost-nvme-spec)" "$(jar_of jvhost-nvme-driver)" "$(jar_of jvhost-bdev-nvme)" /tmp/deploy-hs/
await_methods present bdev_nvme_attach_controller 120
out=$(rpc bdev_nvme_attach_controller name=Nvme0 trtype=pcie traddr=$NVME no_iommu=true) || fail "attach after hot add: $out"
echo "$out" | grep -q '"Nvme0n1"' || fail "attach after hot add did not return Nvme0n1: $out"
rm /tmp/deploy-hs/jvhost-bdev-nvme-*.jar
await_methods absent bdev_nvme_attach_controller 120
rpc bdev_get_bdevs | grep -q Nvme0n1 && fail "Nvme0n1 survived its module's removal"
cp "$(jar_of jvhost-bdev-nvme)" /tmp/deploy-hs/
await_methods present bdev_nvme_attach_controller 120
out=$(rpc bdev_nvme_attach_controller name=Nvme0 trtype=pcie traddr=$NVME no_iommu=true) \
  || fail "attach after the module came back (the removal must have released the controller): $out"
rpc bdev_nvme_detach_controller name=Nvme0 >/dev/null || fail "detach after hot swap"
stop_jvhost
say "hot swap of the nvme module with a controller attached passed"
