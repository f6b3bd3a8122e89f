#!/usr/bin/env python3
"""The benchmark matrix: jvhost's vhost-user-blk, vhost-user-scsi and vhost-nvme controllers and
qemu-storage-daemon's vhost-user-blk export, on null and RAM disks, driven by jvhost's Java front-end
(blkperf, no VM) pinned to core 1 while the back-end runs on core 0 (jvhost: one busy-polling
reactor serving every controller).

Per run it prints one JSON line (also kept in bench/results/matrix-DATE-TIME.jsonl) and at the end a
table: IOPS, back-end core ns per request (CPU of jvhost's reactor thread, of qsd's whole process),
jvhost's busy ns per request (reactor time spent in pollers that found work, from thread_get_stats,
over the bdev's request count from bdev_get_iostat), p50/p99/p99.9 latency, kicks and calls per request.

usage: bench/matrix.py [--time S] [--warmup S] [--rounds N] [--quick] [--idle busy-spin|backoff|interrupt]
                       [--targets blk,scsi,nvme,qsd] [--disks null,malloc] [--rw randread,randwrite]
                       [--bs 4096,65536] [--depths 1,32,128] [--queues 1,4]
"""
import argparse
import datetime
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JVHOST = os.path.join(HERE, "jvhost")
QUEUES_MAX = 4
DISK_BYTES = {"null": 4 << 30, "malloc": 1 << 30}


def csv(kind):
    return lambda s: [kind(x) for x in s.split(",") if x]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--time", type=float, default=2.0, help="measured seconds per run (default 2)")
    p.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per run (default 1)")
    p.add_argument("--rounds", type=int, default=1, help="repeat the matrix; the table shows medians (default 1)")
    p.add_argument("--quick", action="store_true", help="only 4 KiB, qd 1 and 32, one queue")
    p.add_argument("--idle", default="busy-spin", choices=["busy-spin", "backoff", "interrupt"],
                   help="jvhost's reactor idle strategy (default busy-spin; interrupt shows the sleeping reactor)")
    p.add_argument("--targets", type=csv(str), default=["blk", "scsi", "nvme", "qsd"])
    p.add_argument("--disks", type=csv(str), default=["null", "malloc"])
    p.add_argument("--rw", type=csv(str), default=["randread", "randwrite"])
    p.add_argument("--bs", type=csv(int), default=[4096, 65536])
    p.add_argument("--depths", type=csv(int), default=[1, 32, 128])
    p.add_argument("--queues", type=csv(int), default=[1, 4])
    a = p.parse_args()
    if a.quick:
        a.bs, a.depths, a.queues = [4096], [1, 32], [1]
    bad = [t for t in a.targets if t not in ("blk", "scsi", "nvme", "qsd")] + \
          [d for d in a.disks if d not in DISK_BYTES] + [r for r in a.rw if r not in ("randread", "randwrite")] + \
          [str(q) for q in a.queues if not 1 <= q <= QUEUES_MAX]
    if bad:
        p.error("unknown or out-of-range values: " + ", ".join(bad))
    return a


class Rpc:
    """SPDK's JSON-RPC over jvhost's unix socket (what scripts/rpc.py speaks)."""

    def __init__(self, path):
        self.path = path
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        req = {"jsonrpc": "2.0", "method": method, "id": self.next_id}
        if params:
            req["params"] = params
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(self.path)
            s.sendall(json.dumps(req).encode())
            buf = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError("jvhost closed the RPC socket during " + method)
                buf += chunk
                try:
                    reply = json.loads(buf)
                    break
                except ValueError:
                    continue
        if "error" in reply:
            raise RuntimeError("%s failed: %s" % (method, reply["error"]))
        return reply["result"]


class Backend:
    """A back-end process on core 0; stop() kills it."""

    def __init__(self, work):
        self.work = work
        self.proc = None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Jvhost(Backend):
    """One jvhost, one reactor on core 0 (busy-polling unless --idle says otherwise), blk0 / scsi0 / nvme0 over bdev Disk0."""

    def __init__(self, work, idle):
        super().__init__(work)
        self.idle = idle

    def start(self, disk):
        blocks = DISK_BYTES[disk] // 512
        bdev = {"method": "bdev_%s_create" % disk, "params": {"name": "Disk0", "num_blocks": blocks, "block_size": 512}}
        config = {"subsystems": [
            {"subsystem": "bdev", "config": [bdev]},
            {"subsystem": "vhost_blk", "config": [{"method": "vhost_create_blk_controller",
                                                   "params": {"ctrlr": "blk0", "dev_name": "Disk0", "num_queues": QUEUES_MAX}}]},
            {"subsystem": "vhost_scsi", "config": [
                {"method": "vhost_create_scsi_controller", "params": {"ctrlr": "scsi0", "num_queues": QUEUES_MAX}},
                {"method": "vhost_scsi_controller_add_target",
                 "params": {"ctrlr": "scsi0", "scsi_target_num": 0, "bdev_name": "Disk0"}}]},
            {"subsystem": "vhost_nvme", "config": [
                {"method": "vhost_create_nvme_controller", "params": {"ctrlr": "nvme0", "io_queues": QUEUES_MAX}},
                {"method": "vhost_nvme_controller_add_ns", "params": {"ctrlr": "nvme0", "bdev_name": "Disk0"}}]}]}
        cfg = os.path.join(self.work, "jv.json")
        with open(cfg, "w") as f:
            json.dump(config, f)
        self.rpc = Rpc(os.path.join(self.work, "rpc.sock"))
        log_path = os.path.join(self.work, "jvhost.log")
        log = open(log_path, "w")
        self.proc = subprocess.Popen(["taskset", "-c", "0", JVHOST, "--headless", "--config", cfg, "-S", self.work,
                                      "-r", self.rpc.path, "--cpumask", "0x1", "--idle", self.idle],
                                     stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: "jvhost ready" in open(log_path).read(), self.proc, "jvhost", log_path)

    def socket(self, target):
        return os.path.join(self.work, target + "0")

    def counters(self):
        """(reactor busy ns, requests the bdev served) so far."""
        busy = sum(t["busy"] for t in self.rpc.call("thread_get_stats")["threads"])
        stat = self.rpc.call("bdev_get_iostat", name="Disk0")["bdevs"][0]
        return busy, stat["num_read_ops"] + stat["num_write_ops"]


class Qsd(Backend):
    """qemu-storage-daemon exporting vhost-user-blk: null-co for null, a tmpfs file for RAM."""

    def __init__(self, work):
        super().__init__(work)
        self.img = None

    def start(self, disk):
        self.img = None
        if disk == "null":
            blockdev = "driver=null-co,size=%d,read-zeroes=off" % DISK_BYTES[disk]
        else:
            # qsd has no RAM driver: a file on tmpfs through the page cache is its RAM disk
            self.img = "/dev/shm/jvhost-matrix-%d.img" % os.getpid()
            with open(self.img, "wb") as f:
                f.truncate(DISK_BYTES[disk])
            blockdev = "driver=file,filename=%s,aio=io_uring" % self.img
        sock = self.socket("blk")
        if os.path.exists(sock):
            os.unlink(sock)
        log_path = os.path.join(self.work, "qsd.log")
        self.proc = subprocess.Popen(["taskset", "-c", "0", "qemu-storage-daemon", "--blockdev", blockdev + ",node-name=n0",
                                      "--export", "type=vhost-user-blk,id=e0,node-name=n0,addr.type=unix,addr.path=%s,"
                                      "writable=on,num-queues=%d" % (sock, QUEUES_MAX)],
                                     stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(sock), self.proc, "qemu-storage-daemon", log_path)

    def socket(self, target):
        return os.path.join(self.work, "qsd-blk0")

    def stop(self):
        super().stop()
        if self.img and os.path.exists(self.img):
            os.unlink(self.img)


def wait_for(ready, proc, name, log_path):
    deadline = time.time() + 60
    while not ready():
        if proc.poll() is not None or time.time() > deadline:
            sys.exit("bench: %s did not start:\n%s" % (name, open(log_path).read()))
        time.sleep(0.1)


def blkperf(args, backend, target, disk, rw, bs, depth, queues):
    cmd = ["taskset", "-c", "1", JVHOST, "blkperf", "--socket", backend.socket(target), "--rw", rw, "--bs", str(bs),
           "--depth", str(depth), "--queues", str(queues), "--time", str(args.time), "--warmup", str(args.warmup),
           "--backend-pid", str(backend.proc.pid), "--label", "qsd" if target == "qsd" else "jvhost", "--json"]
    if target == "scsi":
        cmd += ["--scsi-target", "0"]
    elif target == "nvme":
        cmd += ["--nvme"]
    if target != "qsd":
        cmd += ["--backend-thread", "reactor"]
    cmd += ["--marks"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # jvhost's counters are read at blkperf's marks, so they cover its measured window only
    before = after = None
    errors = []
    for line in proc.stderr:
        if line.startswith("blkperf: measuring") and target != "qsd":
            before = backend.counters()
        elif line.startswith("blkperf: measured") and target != "qsd":
            after = backend.counters()
        else:
            errors.append(line)
    stdout = proc.stdout.read()
    if proc.wait() != 0:
        sys.exit("bench: blkperf failed on %s/%s %s bs=%d qd=%d q=%d:\n%s%s" % (target, disk, rw, bs, depth, queues,
                                                                           stdout, "".join(errors)))
    row = json.loads([line for line in stdout.splitlines() if line.startswith("{")][-1])
    row.update({"bench": "matrix", "target": target, "disk": disk, "idle": args.idle if target != "qsd" else None})
    if target != "qsd":
        busy, ops = (a - b for a, b in zip(after, before))
        row["busy_ns_per_io"] = round(busy / ops, 1) if ops else None
    else:
        # qsd sleeps in ppoll when it has nothing to do: its CPU time is its busy time
        row["thread_ns_per_io"] = round(row["backend_cpu_cores"] * 1e9 / row["iops"], 1) if row["iops"] else None
        row["busy_ns_per_io"] = None
    return row


def run_matrix(args, results):
    work = tempfile.mkdtemp(prefix="jvhost-matrix.")
    rows = []
    backends = {"jvhost": Jvhost(work, args.idle), "qsd": Qsd(work)}
    try:
        for rnd in range(args.rounds):
            for disk in args.disks:
                for name, targets in (("jvhost", [t for t in args.targets if t != "qsd"]),
                                      ("qsd", [t for t in args.targets if t == "qsd"])):
                    if not targets:
                        continue
                    backend = backends[name]
                    backend.start(disk)
                    try:
                        for rw in args.rw:
                            for bs in args.bs:
                                for depth in args.depths:
                                    for queues in args.queues:
                                        for target in targets:
                                            row = blkperf(args, backend, target, disk, rw, bs, depth, queues)
                                            row["round"] = rnd + 1
                                            line = json.dumps(row)
                                            print(line, flush=True)
                                            results.write(line + "\n")
                                            results.flush()
                                            rows.append(row)
                    finally:
                        backend.stop()
    finally:
        for b in backends.values():
            b.stop()
        shutil.rmtree(work, ignore_errors=True)
    return rows


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def table(rows):
    key = lambda r: (r["disk"], r["rw"], r["bs"], r["depth"], r["queues"])
    groups = {}
    for r in rows:
        groups.setdefault(key(r) + (r["target"],), []).append(r)

    def med(k, field):
        vals = [r[field] for r in groups.get(k, []) if r.get(field) is not None]
        return statistics.median(vals) if vals else None

    order = {"blk": 0, "scsi": 1, "nvme": 2, "qsd": 3}
    rounds = max(r["round"] for r in rows)
    print("\n%s (core ns: CPU of the back-end's serving thread per request; busy ns: jvhost reactor time in "
          "pollers that found work, per request)" % ("median of %d rounds" % rounds if rounds > 1 else "one round"))
    head = "%-6s %-9s %6s %4s %2s %-5s | %9s %8s %8s | %8s %8s %8s | %7s %7s" % (
        "disk", "rw", "bs", "qd", "q", "via", "IOPS", "core ns", "busy ns", "p50 us", "p99 us", "p99.9us", "kick/IO",
        "call/IO")
    print(head)
    print("-" * len(head))
    for k in sorted({g[:-1] for g in groups}, key=lambda k: (k[0], k[1], k[2], k[3], k[4])):
        for target in sorted({g[-1] for g in groups if g[:-1] == k}, key=order.get):
            g = k + (target,)
            print("%-6s %-9s %6d %4d %2d %-5s | %9s %8s %8s | %8s %8s %8s | %7s %7s" % (
                k + (target, fmt(med(g, "iops"), ".0f"), fmt(med(g, "thread_ns_per_io"), ".0f"),
                     fmt(med(g, "busy_ns_per_io"), ".0f"), fmt(med(g, "p50_us"), ".2f"), fmt(med(g, "p99_us"), ".2f"),
                     fmt(med(g, "p999_us"), ".2f"), fmt(med(g, "kicks_per_io"), ".3f"),
                     fmt(med(g, "calls_per_io"), ".3f"))))
    # side by side: each controller against jvhost's blk, and blk against qsd
    cmp = []
    for k in sorted({g[:-1] for g in groups}):
        blk = med(k + ("blk",), "thread_ns_per_io")
        busy = med(k + ("blk",), "busy_ns_per_io")
        if blk is None:
            continue
        line = {"key": k, "blk": blk, "blk_busy": busy}
        for t in ("scsi", "nvme"):
            b = med(k + (t,), "busy_ns_per_io")
            line[t] = None if b is None or not busy else b / busy
        q = med(k + ("qsd",), "thread_ns_per_io")
        line["qsd"] = None if q is None else q / blk
        line["qsd_iops"] = None if q is None else med(k + ("blk",), "iops") / med(k + ("qsd",), "iops")
        cmp.append(line)
    if cmp:
        print("\n%-6s %-9s %6s %4s %2s | %11s %11s | %10s %10s | %13s %13s" % (
            "disk", "rw", "bs", "qd", "q", "blk core ns", "blk busy ns", "scsi/blk", "nvme/blk", "qsd/blk core", "blk/qsd IOPS"))
        for c in cmp:
            print("%-6s %-9s %6d %4d %2d | %11.0f %11s | %10s %10s | %13s %13s" % (
                c["key"] + (c["blk"], fmt(c["blk_busy"], ".0f"), fmt(c["scsi"], ".2f"), fmt(c["nvme"], ".2f"),
                            fmt(c["qsd"], ".2f"), fmt(c["qsd_iops"], ".2f"))))
        print("(scsi/blk and nvme/blk: busy ns per request relative to blk; qsd/blk core: qsd's core ns per request "
              "over jvhost blk's)")


def main():
    args = parse_args()
    if "qsd" in args.targets and not shutil.which("qemu-storage-daemon"):
        sys.exit("bench: qemu-storage-daemon is missing (apt-get install qemu-system-common), or leave qsd out of --targets")
    if os.cpu_count() < 2:
        sys.exit("bench: needs 2 cores (back-end on core 0, front-end on core 1)")
    if not os.environ.get("JVHOST_BENCH_NO_BUILD"):
        subprocess.run([os.path.join(HERE, "mvnw"), "-q", "-DskipTests", "install", "-pl", "!itests"], cwd=HERE,
                       check=True, stdout=sys.stderr)
    out_dir = os.environ.get("JVHOST_BENCH_OUT", os.path.join(HERE, "bench", "results"))
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "matrix-%s.jsonl" % datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    with open(path, "w") as results:
        rows = run_matrix(args, results)
    table(rows)
    print("\nbench: results in " + path, file=sys.stderr)


if __name__ == "__main__":
    main()
