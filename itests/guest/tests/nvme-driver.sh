# The user-space NVMe driver inside a TCG guest: bad input first, then attach through the type-1
# IOMMU, Identify data checked against what QEMU was given (serial, model, size), bdevperf verify on
# the namespace, detach; the controller then works with the kernel's driver again.
# Expects from the test: NS_BYTES (image size) and SERIAL.
say "starting jvhost"
start_jvhost /tmp/jvhost.log
say "jvhost ready"

expect_error "no such PCI device" "no PCI device 0000:00:1e.0" bdev_nvme_attach_controller name=Nvme0 trtype=pcie traddr=0000:00:1e.0
expect_error "malformed address" "not a PCI address" bdev_nvme_attach_controller name=Nvme0 trtype=pcie traddr=zz:1
expect_error "not an NVMe transport" "trtype rdma is not supported" bdev_nvme_attach_controller name=Nvme0 trtype=rdma traddr=$NVME
expect_error "not bound to vfio-pci" "not vfio-pci" bdev_nvme_attach_controller name=Nvme0 trtype=pcie traddr=$NVME
bind_vfio
expect_error "a non-NVMe function" "is bound to" bdev_nvme_attach_controller name=Nvme0 trtype=pcie traddr=0000:00:00.0
rpc bdev_get_bdevs | grep -q Nvme0n1 && fail "a failed attach left a bdev"

out=$(rpc bdev_nvme_attach_controller name=Nvme0 trtype=pcie traddr=$NVME) || fail "attach: $out"
echo "$out" | grep -q '"Nvme0n1"' || fail "attach did not return Nvme0n1: $out"
say "attached: $out"
ctrl=$(rpc bdev_nvme_get_controllers name=Nvme0) || fail "get_controllers: $ctrl"
echo "$ctrl"
for want in "\"serial_number\": \"$SERIAL\"" '"model_number": "QEMU NVMe Ctrl"' '"nvme_version": "1.4.0"' \
            "\"num_blocks\": $((NS_BYTES / 512))" '"block_size": 512' '"shadow_doorbells": true' '"iommu": true' \
            "\"traddr\": \"$NVME\"" '"state": "enabled"'; do
  echo "$ctrl" | tr -s ' ' | grep -q -- "$want" || fail "controller data lacks $want"
done
bdev=$(rpc bdev_get_bdevs name=Nvme0n1) || fail "bdev_get_bdevs: $bdev"
echo "$bdev" | tr -s ' ' | grep -q "\"num_blocks\": $((NS_BYTES / 512))" || fail "Nvme0n1 has the wrong size: $bdev"
expect_error "the same device twice" "already attached" bdev_nvme_attach_controller name=Nvme1 trtype=pcie traddr=$NVME
expect_error "the same name twice" "already exists" bdev_nvme_attach_controller name=Nvme0 trtype=pcie traddr=$NVME

# a second process cannot take the device while jvhost holds it
cat > /tmp/nvme.json <<JSON
{"subsystems":[{"subsystem":"bdev","config":[{"method":"bdev_nvme_attach_controller",
  "params":{"name":"Nvme0","trtype":"pcie","traddr":"$NVME"}}]}]}
JSON
out=$(bdevperf --config /tmp/nvme.json -q 8 -o 4096 -w randread -t 1 2>&1) && fail "a second process attached a held device"
echo "$out" | grep -q "holds it\|EBUSY\|busy" || fail "second attach error does not say the device is busy: $out"
say "second process refused: $(echo "$out" | grep -m1 -i busy)"

rpc bdev_nvme_reset_controller name=Nvme0 || fail "reset"
rpc bdev_nvme_detach_controller name=Nvme0 || fail "detach"
rpc bdev_get_bdevs | grep -q Nvme0n1 && fail "Nvme0n1 survived the detach"
expect_error "detach twice" "no NVMe controller named Nvme0" bdev_nvme_detach_controller name=Nvme0
stop_jvhost
say "jvhost stopped"

# SPDK's bdevperf workflow: a JSON config attaches the controller, verify writes, reads back,
# compares: at 4 KiB, 128 KiB, 1 MiB (split into several commands) and with buffers the driver cannot
# map (not registered: data copied through its own DMA pages)
out=$(bdevperf_runs /tmp/nvme.json "-q 32 -o 4096 -w verify -t ${VERIFY_SECONDS:-8}" "-q 16 -o 131072 -w verify -t 3" \
  "-q 4 -o 1048576 -w verify -t 3" "-q 16 -o 65536 -w verify -t 3 --unregistered" 2>&1) \
  || { echo "$out"; fail "bdevperf verify"; }
echo "$out" | grep "^Nvme0n1 "
[ "$(echo "$out" | grep -c "^Nvme0n1 ")" = 4 ] || { echo "$out"; fail "bdevperf printed no result for Nvme0n1 in some of the 4 runs"; }
say "bdevperf verify passed"

# A VM's path: the namespace exported as vhost-user-blk, jvhost's Java front-end (blkperf) in QEMU's
# role, its guest RAM a shared memfd. The session registers that memory, the driver maps it into the
# IOMMU, and every data command points at the VM's own pages: none is copied.
start_jvhost /tmp/vhost.log --feature jvhost-all --config /tmp/nvme.json
out=$(rpc vhost_create_blk_controller ctrlr=vhost.nv dev_name=Nvme0n1 2>&1) || fail "vhost_create_blk_controller: $out"
blkperf_io /tmp/vhost.nv vm-path 4
ctrl=$(rpc bdev_nvme_get_controllers name=Nvme0 | tr -s ' ')
direct=$(echo "$ctrl" | sed -n 's/.*"direct_commands": \([0-9]*\).*/\1/p')
copied=$(echo "$ctrl" | sed -n 's/.*"copied_commands": \([0-9]*\).*/\1/p')
[ "${direct:-0}" -gt 0 ] && [ "$copied" = 0 ] || fail "VM I/O was not zero copy: direct=$direct copied=$copied"
say "VM I/O through vhost-user-blk with zero copy: $direct data commands from guest memory, $copied copied"
stop_jvhost


# the controller was left in a state the kernel's own driver takes over
bind_kernel
dd if=/dev/nvme0n1 of=/dev/null bs=1M count=4 2>/dev/null || fail "the kernel cannot read the namespace after jvhost detached"
say "kernel driver reads the namespace after detach"
