# Faults a real controller can have, made with QEMU's SR-IOV NVMe controller: the kernel's nvme driver
# keeps the physical function (PF) and, with nvme-cli, its Virtualization Management commands; jvhost
# drives the virtual function (VF). Taking the VF's secondary controller offline makes it report
# controller fatal status (CSTS.CFS) and never become ready until it is brought online again.
#  1. attaching the offline VF fails with a clear error and holds nothing: the same runtime attaches
#     it once online;
#  2. a reset that keeps failing gives up after ctrlr_loss_timeout_sec (state failed), and an
#     operator's reset brings the controller back once it works again;
#  3. under bdevperf verify with a 3 ms command timeout (timeouts and aborts all along), two resets:
#     not one I/O fails or miscompares; then fatal status: the reset fails while the VF is offline and
#     is tried every second until the VF is back, and the controller serves a VM's I/O again;
#  4. a controller detached while it is being reconnected goes cleanly: the same runtime attaches the
#     VF again afterwards.
PF=$NVME
bind_kernel
mdev -s
[ -c /dev/nvme0 ] || fail "no /dev/nvme0 for the PF"
echo 0 > "/sys/bus/pci/devices/$PF/sriov_drivers_autoprobe"
echo 1 > "/sys/bus/pci/devices/$PF/sriov_numvfs" || fail "cannot enable the VF"
VF=$(basename "$(readlink "/sys/bus/pci/devices/$PF/virtfn0")")
SCID=$(($(nvme list-secondary /dev/nvme0 | awk '/SCID/{print $NF; exit}')))
[ -n "$VF" ] && [ "$SCID" -gt 0 ] || fail "no VF or secondary controller: VF=$VF SCID=$SCID"
say "PF $PF, VF $VF (secondary controller $SCID, offline)"
bind_vfio "$VF"
# online: 2 queues (admin and one I/O pair) and 1 interrupt assigned, then online (actions 8 and 9)
vf_online() {
  nvme virt-mgmt /dev/nvme0 -c "$SCID" -r 0 -n 2 -a 8 >/dev/null && nvme virt-mgmt /dev/nvme0 -c "$SCID" -r 1 -n 1 -a 8 >/dev/null \
    && nvme virt-mgmt /dev/nvme0 -c "$SCID" -a 9 >/dev/null || fail "cannot bring the VF online"
  say "VF online"
}
vf_offline() {
  nvme virt-mgmt /dev/nvme0 -c "$SCID" -a 7 >/dev/null || fail "cannot take the VF offline"
  say "VF offline"
}
# until bdev_nvme_get_controllers shows Nvme0 in STATE, at most SECONDS
in_state() { rpc bdev_nvme_get_controllers name=Nvme0 | grep -q "\"state\": \"$1\""; }
await_state() {
  wait_until "$2" in_state "$1" || fail "Nvme0 not $1 within $2 s: $(rpc bdev_nvme_get_controllers name=Nvme0)"
}

say "1. a controller that never becomes ready"
start_jvhost /tmp/fault1.log
expect_error "offline VF" "cannot become ready" bdev_nvme_attach_controller name=Nvme0 trtype=pcie traddr=$VF
rpc bdev_get_bdevs | grep -q Nvme0n1 && fail "a failed attach left a bdev"
rpc bdev_nvme_get_controllers | grep -q Nvme0 && fail "a failed attach left a controller"
vf_online

say "2. a reset that keeps failing gives up; an operator's reset recovers"
out=$(rpc bdev_nvme_attach_controller name=Nvme0 trtype=pcie traddr=$VF ctrlr_loss_timeout_sec=3 reconnect_delay_sec=1) \
  || fail "attach once online (the failed attach must have released the VF): $out"
echo "$out" | grep -q '"Nvme0n1"' || fail "attach did not return Nvme0n1: $out"
vf_offline
await_state failed 60
grep -q "controller reported fatal status (CSTS.CFS); resetting" /tmp/fault1.log || fail "fatal status not reported"
grep -q "failed its reset" /tmp/fault1.log || fail "no give-up message"
# an operator's reset of a failed controller starts a new round of attempts (the first one fails here)
expect_error "reset while offline" "reset failed" bdev_nvme_reset_controller name=Nvme0
vf_online
# whether the attempts recovered it meanwhile, gave up again, or go on: this reset works now
rpc bdev_nvme_reset_controller name=Nvme0 >/dev/null || fail "reset once online"
await_state enabled 5
rpc bdev_nvme_detach_controller name=Nvme0 >/dev/null || fail "detach"
stop_jvhost

say "3. resets under verified load; fatal status, reconnect attempts, and I/O once the controller is back"
cat > /tmp/fault.json <<JSON
{"subsystems":[{"subsystem":"bdev","config":[{"method":"bdev_nvme_attach_controller",
  "params":{"name":"Nvme0","trtype":"pcie","traddr":"$VF","timeout_us":3000,
            "ctrlr_loss_timeout_sec":120,"reconnect_delay_sec":1}}]}]}
JSON
# 60 s: both resets must land while bdevperf runs; through the rpc --server client they follow
# within a second of the first timeout (seen: bdevperf at 60 s, resets 0.1 s apart at once)
START_UNTIL=rpc start_jvhost /tmp/fault3.log --feature jvhost-all,jvhost-bench --config /tmp/fault.json -x "bdev:perf -q 32 -o 4096 -w verify -t 60"
await_log /tmp/fault3.log "timed out" 120 # bdevperf is running: the 3 ms timeout fires all the time
rpc bdev_nvme_reset_controller name=Nvme0 >/dev/null || { tail -30 /tmp/fault3.log; fail "reset under load"; }
rpc bdev_nvme_reset_controller name=Nvme0 >/dev/null || fail "second reset"
await_log /tmp/fault3.log "jvhost ready\|startup failed" 300
grep -v "timed out" /tmp/fault3.log | tail -8
grep -q "jvhost ready" /tmp/fault3.log || fail "bdevperf failed across the resets"
[ "$(grep -c "reset; 1 queue pair(s) resumed" /tmp/fault3.log)" -ge 2 ] || fail "fewer than 2 resets with the queue pair busy"
# The VF goes offline only once bdevperf is done: QEMU 7.2 itself crashes (a use after free in
# nvme_rw_complete_cb) when a VF is taken offline with commands in flight.
resumed=$(grep -c "queue pair(s) resumed" /tmp/fault3.log)
vf_offline
await_log /tmp/fault3.log "trying again every 1000 ms" 60
vf_online
wait_until 60 log_count_above /tmp/fault3.log "queue pair(s) resumed" "$resumed" \
  || { dump_jvhost /tmp/fault3.log; fail "no reconnect once the VF was back"; }
ctrl=$(rpc bdev_nvme_get_controllers name=Nvme0 | tr -s ' ')
echo "$ctrl" | grep -q '"state": "enabled"' || fail "not enabled after the fault: $ctrl"
echo "$ctrl" | grep -q '"resets": [3-9]' || fail "resets not counted: $ctrl"
echo "$ctrl" | grep -q '"failed_resets": 0' && fail "no failed reset attempt counted: $ctrl"
echo "$ctrl" | grep -q '"timeouts": 0' && fail "no timeouts seen with a 3 ms timeout: $ctrl"
echo "$ctrl" | grep -q '"aborts": 0' && fail "no aborts sent: $ctrl"
# the reconnected controller serves I/O: a VM's writes and reads through vhost-user-blk
out=$(rpc vhost_create_blk_controller ctrlr=vhost.f dev_name=Nvme0n1 2>&1) || fail "vhost_create_blk_controller: $out"
blkperf_io /tmp/vhost.f reconnected 3
rpc vhost_delete_controller ctrlr=vhost.f >/dev/null || fail "vhost_delete_controller"
say "verify passed across resets and aborts; reconnected after fatal status: $(echo "$ctrl" | grep -o '"[a-z_]*": [0-9]*' | grep 'timeouts\|aborts\|resets' | tr '\n' ' ')"

say "4. detach while reconnecting"
attempts=$(grep -c "trying again every" /tmp/fault3.log)
vf_offline
wait_until 60 log_count_above /tmp/fault3.log "trying again every" "$attempts" \
  || fail "no reconnect attempt after the second fault"
rpc bdev_nvme_detach_controller name=Nvme0 >/dev/null || fail "detach while reconnecting"
rpc bdev_get_bdevs | grep -q Nvme0n1 && fail "Nvme0n1 survived the detach"
rpc bdev_nvme_get_controllers | grep -q Nvme0 && fail "Nvme0 is still listed after its detach"
# nothing of it is left behind: the same runtime attaches the VF again once it is back
vf_online
out=$(rpc bdev_nvme_attach_controller name=Nvme1 trtype=pcie traddr=$VF) || fail "attach after detach while reconnecting: $out"
rpc bdev_nvme_detach_controller name=Nvme1 >/dev/null || fail "detach Nvme1"
stop_jvhost
say "fault handling passed"
