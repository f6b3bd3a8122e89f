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
cat > /tmp/noiommu.json <<JSON
{"subsystems":[{"subsystem":"bdev","config":[{"method":"bdev_nvme_attach_controller",
  "params":{"name":"Nvme0","trtype":"pcie","traddr":"$NVME","no_iommu":true}}]}]}
JSON
out=$(bdevperf --config /tmp/noiommu.json -q 32 -o 4096 -w verify -t ${VERIFY_SECONDS:-6} 2>&1) || { echo "$out"; fail "bdevperf verify, no-IOMMU"; }
echo "$out" | grep "^Nvme0n1 " || fail "no result"
out=$(bdevperf --config /tmp/noiommu.json -q 8 -o 131072 -w verify -t 3 2>&1) || { echo "$out"; fail "bdevperf verify 128 KiB, no-IOMMU"; }
echo "$out" | grep "^Nvme0n1 " || fail "no result"
say "no-IOMMU verify passed"
