# Shared by the benchmarks: source it after setting $here (and $work, $guest for the guest ones).

# bench_build: builds jvhost first (JVHOST_BENCH_NO_BUILD=1 skips it, for a tree built already).
bench_build() { [ -n "${JVHOST_BENCH_NO_BUILD:-}" ] || (cd "$here" && ./mvnw -q -DskipTests install -pl '!itests' >&2); }

# bench_results NAME: this run's JSON lines are kept in $results, bench/results/NAME-DATE-TIME.jsonl
# (JVHOST_BENCH_OUT names another directory), and plot_results draws the PNG next to it.
bench_results() {
  local dir=${JVHOST_BENCH_OUT:-$here/bench/results}
  mkdir -p "$dir"
  results="$dir/$1-$(date +%Y%m%d-%H%M%S).jsonl"
  : > "$results"
}

# plot_results PLOT-ARGS...: ./jvhost plot of $results into ${results%.jsonl}.png.
plot_results() {
  "$here/jvhost" plot "$results" "$@"
  echo "bench: results in $results, plot in ${results%.jsonl}.png" >&2
}

# CPU seconds (user + system, all threads) a process used so far.
cpu_seconds() { awk '{ split(substr($0, index($0, ")") + 2), f, " "); print (f[12] + f[13]) / 100 }' "/proc/$1/stat"; }

# pack_initrd TREE OUT: the test guest's initramfs with TREE/test.sh (made executable) added as /test.sh.
pack_initrd() {
  chmod +x "$1/test.sh"
  (cd "$1" && echo test.sh | cpio -o -H newc --quiet > "$1/test.cpio")
  cat "$guest/initramfs.cpio" "$1/test.cpio" > "$2"
}

# guest_initrd DEVICE SECONDS OUT: an initramfs whose test waits for /dev/DEVICE, warms up for 5 s,
# then runs fio 4 KiB randread at depth 32 for SECONDS and prints "JVBENCH KIB IOPS".
guest_initrd() {
  local dev=$1 secs=$2 out=$3 tree
  tree=$(mktemp -d "$work/tree.XXXX")
  cat > "$tree/test.sh" <<SH
#!/bin/sh
i=0; while [ ! -b /dev/$dev ] && [ \$i -lt 300 ]; do usleep 100000; i=\$((i + 1)); done
job="--name=bench --filename=/dev/$dev --rw=randread --bs=4k --iodepth=32 --ioengine=libaio --direct=1 --time_based"
fio \$job --runtime=5 --output=/dev/null
echo "JVBENCH start"
fio \$job --runtime=$secs --output-format=terse --terse-version=3 > /tmp/fio.txt
# terse v3: field 6 is KiB read, field 8 read IOPS
echo "JVBENCH \$(cut -d';' -f6,8 /tmp/fio.txt | tr ';' ' ')"
SH
  pack_initrd "$tree" "$out"
}

# guest_measure BENCH KEY LABEL DISK INITRD: boots the guest (1 vCPU on core 1) with DISK (a
# run-guest.sh disk argument), samples $backend_pid's CPU over the measured fio run and prints one
# JSON line {"bench":BENCH, KEY:LABEL, guest_iops, ios, backend_cpu_s, backend_cpu_us_per_io}.
guest_measure() {
  local bench=$1 key=$2 label=$3 disk=$4 initrd=$5 before after vm kib iops ios
  taskset -c 1 "$here/itests/guest/run-guest.sh" "$guest/vmlinuz" "$initrd" 1 "$disk" > "$work/$label.console" 2>&1 &
  vm=$!
  until grep -qa 'JVBENCH start' "$work/$label.console"; do kill -0 "$vm" 2>/dev/null || break; sleep 0.05; done
  before=$(cpu_seconds "$backend_pid")
  until grep -qa 'JVBENCH [0-9]' "$work/$label.console"; do kill -0 "$vm" 2>/dev/null || break; sleep 0.05; done
  after=$(cpu_seconds "$backend_pid")
  wait "$vm" || true
  read -r kib iops < <(grep -a 'JVBENCH [0-9]' "$work/$label.console" | tail -1 | tr -d '\r' | sed 's/.*JVBENCH //')
  ios=$(( ${kib:-0} / 4 ))
  [ "$ios" -gt 0 ] || { echo "bench: the guest printed no result; console:" >&2; cat "$work/$label.console" >&2; exit 1; }
  python3 -c "
ios, iops, cpu = $ios, $iops, $after - $before
print('{\"bench\":\"$bench\",\"$key\":\"$label\",\"guest_iops\":%d,\"ios\":%d,\"backend_cpu_s\":%.2f,\"backend_cpu_us_per_io\":%.3f}' % (iops, ios, cpu, cpu * 1e6 / max(ios, 1)))"
}

# start_jvhost CONFIG IDLE: jvhost on core 0 with CONFIG and idle strategy IDLE, sockets in $work;
# sets $backend_pid once it is ready (the caller's trap stops it).
start_jvhost() {
  taskset -c 0 "$here/jvhost" --headless --config "$1" -S "$work" -r none --idle "$2" > "$work/jvhost.log" 2>&1 &
  backend_pid=$!
  for _ in $(seq 300); do grep -q 'jvhost ready' "$work/jvhost.log" && break; sleep 0.1; done
  grep -q 'jvhost ready' "$work/jvhost.log" || { echo "bench: jvhost did not start:" >&2; cat "$work/jvhost.log" >&2; exit 1; }
}
