# The user-space NVMe driver inside a TCG guest: bad input first, then attach through the type-1
# IOMMU, Identify data checked against what QEMU was given (serial, model, size), bdevperf verify on
# the namespace, detach; the controller then works with the kernel's driver again.
# Expects from the test: NS_BYTES (image size) and SERIAL.
say "starting jvhost"
jvhost --no-default-config --headless --feature jvhost-bdev-nvme -r /tmp/rpc.sock -S /tmp --deploy /tmp/deploy \
  --cpumask 0x1 > /tmp/jvhost.log 2>&1 &
JVPID=$!
for i in $(seq 1 600); do grep -q "jvhost ready" /tmp/jvhost.log && break; sleep 0.5; done
grep -q "jvhost ready" /tmp/jvhost.log || { cat /tmp/jvhost.log; fail "jvhost did not start"; }
say "jvhost ready"

expect_error() { # WHAT TEXT rpc-args...
  what=$1; text=$2; shift 2
  out=$(rpc "$@" 2>&1) && fail "$what: the call succeeded: $out"
  echo "$out" | grep -q -- "$text" || fail "$what: error does not say '$text': $out"
  say "rejected ($what): $out"
}
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
kill $JVPID
wait $JVPID || true
say "jvhost stopped"

# SPDK's bdevperf workflow: a JSON config attaches the controller, verify writes, reads back, compares
out=$(bdevperf --config /tmp/nvme.json -q 32 -o 4096 -w verify -t ${VERIFY_SECONDS:-8} 2>&1) || { echo "$out"; fail "bdevperf verify"; }
echo "$out"
echo "$out" | grep -q "^Nvme0n1 " || fail "bdevperf printed no result for Nvme0n1"
out=$(bdevperf --config /tmp/nvme.json -q 16 -o 131072 -w verify -t 3 2>&1) || { echo "$out"; fail "bdevperf verify 128 KiB"; }
echo "$out" | grep "^Nvme0n1 "
out=$(bdevperf --config /tmp/nvme.json -q 4 -o 1048576 -w verify -t 3 2>&1) || { echo "$out"; fail "bdevperf verify 1 MiB (split commands)"; }
echo "$out" | grep "^Nvme0n1 "
# buffers the driver cannot map (not registered): data copied through its own DMA pages
out=$(bdevperf --config /tmp/nvme.json -q 16 -o 65536 -w verify -t 3 --unregistered 2>&1) || { echo "$out"; fail "bdevperf verify, copied"; }
echo "$out" | grep "^Nvme0n1 "
say "bdevperf verify passed"


# the controller was left in a state the kernel's own driver takes over
bind_kernel
dd if=/dev/nvme0n1 of=/dev/null bs=1M count=4 2>/dev/null || fail "the kernel cannot read the namespace after jvhost detached"
say "kernel driver reads the namespace after detach"
