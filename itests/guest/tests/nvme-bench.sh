# Inside the guest: the same 4 KiB random-read job at depth $DEPTH for $SECS seconds, first through
# jvhost's user-space driver (bdevperf on one reactor), then through the kernel's nvme driver (fio,
# io_uring, O_DIRECT). Prints one "JVBENCH {json}" line per side; CPU is the guest's busy time per
# I/O: bdevperf's own process CPU over its run, and the guest's busy time (from /proc/stat, both
# vCPUs, interrupts included) over fio's run. Both run on vCPU 0 (the JVM must: see nvme-common.sh).
busy() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }  # user nice system irq softirq, in ticks
bind_vfio
cat > /tmp/nvme.json <<JSON
{"subsystems":[{"subsystem":"bdev","config":[{"method":"bdev_nvme_attach_controller",
  "params":{"name":"Nvme0","trtype":"pcie","traddr":"$NVME"}}]}]}
JSON
# writes first, so that reads are served from data the device has (QEMU reads holes fast)
bdevperf --config /tmp/nvme.json -q 32 -o 1048576 -w write -t 4 > /dev/null 2>&1 || fail "fill"
run_bdevperf() { # LABEL CONFIG
  out=$(bdevperf ${BDEVPERF_OPTS:-} --config "$2" -q "$DEPTH" -o 4096 -w randread -t "$SECS" --json 2>&1) || { echo "$out"; fail "bdevperf"; }
  echo "$out" | grep '^Nvme0n1\|^total'
  line=$(echo "$out" | grep '"summary"')
  iops=$(echo "$line" | sed 's/.*"total_iops":\([0-9.]*\).*/\1/')
  cores=$(echo "$line" | sed 's/.*"process_cpu_cores":\([0-9.]*\).*/\1/')
  echo "JVBENCH {\"driver\":\"$1\",\"iops\":$iops,\"cpu_cores\":$cores}"
}
run_bdevperf jvhost-vfio /tmp/nvme.json
sed 's/"traddr"/"shadow_doorbells":false,"traddr"/' /tmp/nvme.json > /tmp/mmio.json
run_bdevperf jvhost-vfio-mmio /tmp/mmio.json
bind_kernel
job="--name=bench --filename=/dev/nvme0n1 --rw=randread --bs=4k --iodepth=$DEPTH --ioengine=io_uring --direct=1 --time_based --eta=never"
taskset -c 0 fio $job --runtime=3 --output=/dev/null || fail "fio warm-up"
b0=$(busy); t0=$(cut -d' ' -f1 /proc/uptime)
taskset -c 0 fio $job --runtime="$SECS" --output-format=terse --terse-version=3 > /tmp/fio.txt || fail "fio"
b1=$(busy); t1=$(cut -d' ' -f1 /proc/uptime)
iops=$(cut -d';' -f8 /tmp/fio.txt)
cores=$(awk -v b="$((b1 - b0))" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.3f", b / 100 / (t1 - t0) }')
echo "JVBENCH {\"driver\":\"kernel-nvme\",\"iops\":$iops,\"cpu_cores\":$cores}"
