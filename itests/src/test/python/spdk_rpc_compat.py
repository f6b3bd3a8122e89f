#!/usr/bin/env python3
"""Drives a running jvhost the way SPDK's scripts/rpc.py (v23.01) does and checks SPDK's answer shapes.

The client below speaks rpc.py's wire protocol (JSON-RPC 2.0 on a Unix socket, one request at a time,
an answer read until it parses), and every call sends the params rpc.py sends for that command line,
defaults included. Written from SPDK's JSON-RPC documentation; no SPDK code is used.

usage: spdk_rpc_compat.py [--phase runtime|wait-for-rpc] --socket RPC_SOCK --jvhost PATH/TO/jvhost
                          --sockets VHOST_SOCKET_DIR --work DIR
runtime: a target that is up; wait-for-rpc: one started with --wait-for-rpc and a config making Malloc0.
Prints one line per check and 'SPDK-RPC-COMPAT PASS' at the end; exits 1 on the first failure.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time


class RpcError(Exception):
    def __init__(self, method, error):
        super().__init__(f"{method}: {error}")
        self.code = error.get("code")


class JsonRpcClient:
    """rpc.py's JSONRPCClient in miniature: one request, then read until a whole JSON value arrived."""

    def __init__(self, path, timeout=60.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.next_id = 1
        self.decoder = json.JSONDecoder()

    def call(self, method, params=None):
        request = {"jsonrpc": "2.0", "method": method, "id": self.next_id}
        if params:
            request["params"] = params
        self.next_id += 1
        self.sock.sendall(json.dumps(request).encode())
        buf = ""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError(f"{method}: connection closed before the answer")
            buf += chunk.decode()
            try:
                answer, _ = self.decoder.raw_decode(buf.lstrip())
                break
            except ValueError:
                continue
        if answer.get("id") != request["id"]:
            raise RuntimeError(f"{method}: answer for id {answer.get('id')}, asked {request['id']}")
        if "error" in answer:
            raise RpcError(method, answer["error"])
        return answer["result"]


def check(condition, what):
    if not condition:
        print(f"FAIL: {what}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


def has_keys(obj, keys, what):
    missing = [k for k in keys if k not in obj]
    check(not missing, f"{what} has SPDK's keys (missing: {missing})")


def expect_error(client, method, params, code, what):
    try:
        client.call(method, params)
    except RpcError as e:
        check(e.code == code, f"{what}: error {e.code}, want {code}")
        return
    check(False, f"{what}: succeeded, want error {code}")


BDEV_KEYS = ["name", "aliases", "product_name", "block_size", "num_blocks", "uuid", "assigned_rate_limits",
             "claimed", "zoned", "supported_io_types", "driver_specific"]
IO_TYPES = ["read", "write", "unmap", "write_zeroes", "flush", "reset", "compare", "compare_and_write", "abort",
            "nvme_admin", "nvme_io"]
RATE_LIMITS = ["rw_ios_per_sec", "rw_mbytes_per_sec", "r_mbytes_per_sec", "w_mbytes_per_sec"]
IOSTAT_KEYS = ["name", "bytes_read", "num_read_ops", "bytes_written", "num_write_ops", "bytes_unmapped",
               "num_unmap_ops", "read_latency_ticks", "max_read_latency_ticks", "min_read_latency_ticks",
               "write_latency_ticks", "max_write_latency_ticks", "min_write_latency_ticks", "unmap_latency_ticks",
               "max_unmap_latency_ticks", "min_unmap_latency_ticks", "io_error"]


def wait_for_rpc_phase(c):
    """SPDK's startup state: options and discovery answer, the rest waits for framework_start_init."""
    check("framework_start_init" in c.call("rpc_get_methods"), "rpc_get_methods answers before init")
    check(c.call("bdev_set_options", {"bdev_io_pool_size": 65535}) is True, "bdev_set_options before init")
    check(c.call("log_set_print_level", {"level": "INFO"}) is True, "log_set_print_level before init")
    expect_error(c, "bdev_get_bdevs", None, -1, "bdev_get_bdevs before init")
    expect_error(c, "bdev_malloc_create", {"num_blocks": 64, "block_size": 512, "name": "Early"}, -1,
                 "bdev_malloc_create before init")
    check(c.call("framework_start_init") is True, "framework_start_init runs startup")
    check(c.call("framework_wait_init") is True, "framework_wait_init after init")
    names = [b["name"] for b in c.call("bdev_get_bdevs")]
    check(names == ["Malloc0"], f"the config file ran at framework_start_init: {names}")
    expect_error(c, "framework_start_init", None, -1, "framework_start_init a second time")
    check(c.call("spdk_kill_instance", {"sig_name": "SIGINT"}) is True, "spdk_kill_instance SIGINT")
    print("SPDK-RPC-COMPAT PASS", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phase", default="runtime", choices=["runtime", "wait-for-rpc"])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--jvhost", required=True)
    ap.add_argument("--sockets", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    c = JsonRpcClient(a.socket)
    if a.phase == "wait-for-rpc":
        wait_for_rpc_phase(c)
        return

    # scripts start with these two
    check(c.call("framework_wait_init") is True, "framework_wait_init returns true once started")
    methods = c.call("rpc_get_methods")
    for m in ["framework_get_reactors", "thread_get_stats", "thread_get_pollers", "spdk_kill_instance", "log_set_flag",
              "bdev_wait_for_examine", "bdev_set_options"]:
        check(m in methods, f"rpc_get_methods lists {m}")
    check("version" in c.call("spdk_get_version"), "spdk_get_version has a version")

    # rpc.py bdev_set_options -p 65535 -c 256 --disable-auto-examine
    check(c.call("bdev_set_options", {"bdev_io_pool_size": 65535, "bdev_io_cache_size": 256,
                                      "bdev_auto_examine": False}) is True, "bdev_set_options accepted")
    # rpc.py bdev_malloc_create 64 512 -b Malloc0
    check(c.call("bdev_malloc_create", {"num_blocks": 64 * 1024 * 1024 // 512, "block_size": 512,
                                        "name": "Malloc0"}) == "Malloc0", "bdev_malloc_create returns the name")
    # rpc.py bdev_null_create Null0 16 4096 (the metadata fields as SPDK's save_config writes them)
    check(c.call("bdev_null_create", {"name": "Null0", "num_blocks": 16 * 1024 * 1024 // 4096, "block_size": 4096,
                                      "md_size": 0, "dif_type": 0, "dif_is_head_of_md": False}) == "Null0",
          "bdev_null_create with SPDK's metadata fields")
    image = os.path.join(a.work, "aio0.img")
    with open(image, "wb") as f:
        f.truncate(8 * 1024 * 1024)
    # rpc.py bdev_aio_create FILE Aio0 4096
    check(c.call("bdev_aio_create", {"filename": image, "name": "Aio0", "block_size": 4096}) == "Aio0",
          "bdev_aio_create returns the name")
    check(c.call("bdev_wait_for_examine") is True, "bdev_wait_for_examine")

    bdevs = {b["name"]: b for b in c.call("bdev_get_bdevs")}
    for name in ["Malloc0", "Null0", "Aio0"]:
        b = bdevs[name]
        has_keys(b, BDEV_KEYS, f"bdev_get_bdevs {name}")
        has_keys(b["supported_io_types"], IO_TYPES, f"{name} supported_io_types")
        has_keys(b["assigned_rate_limits"], RATE_LIMITS, f"{name} assigned_rate_limits")
    check(bdevs["Malloc0"]["num_blocks"] == 131072 and bdevs["Malloc0"]["supported_io_types"]["read"],
          "Malloc0 size and read support")
    aio = bdevs["Aio0"]["driver_specific"].get("aio", {})
    check(aio.get("filename") == image and aio.get("block_size_override") is True and aio.get("readonly") is False,
          f"Aio0 driver_specific as SPDK's aio module shows it: {aio}")
    one = c.call("bdev_get_bdevs", {"name": "Null0", "timeout": 0})
    check(len(one) == 1 and one[0]["block_size"] == 4096, "bdev_get_bdevs by name with rpc.py's timeout")
    expect_error(c, "bdev_get_bdevs", {"name": "NoSuch"}, -19, "bdev_get_bdevs of a missing bdev")

    # rpc.py vhost_create_blk_controller --cpumask 0x1 vhost.blk0 Malloc0 (always sends these flags)
    check(c.call("vhost_create_blk_controller", {"ctrlr": "vhost.blk0", "dev_name": "Malloc0", "cpumask": "0x1",
                                                 "readonly": False, "packed_ring": False,
                                                 "packed_ring_recovery": False, "transport": "vhost_user_blk"})
          is True, "vhost_create_blk_controller with rpc.py's full param set")
    check(c.call("vhost_create_scsi_controller", {"ctrlr": "vhost.scsi0", "cpumask": "0x1", "delay": False}) is True,
          "vhost_create_scsi_controller with delay=false")
    check(c.call("vhost_scsi_controller_add_target", {"ctrlr": "vhost.scsi0", "scsi_target_num": 0,
                                                      "bdev_name": "Aio0"}) == 0, "add_target returns the target")
    check(c.call("vhost_controller_set_coalescing", {"ctrlr": "vhost.blk0", "delay_base_us": 20,
                                                     "iops_threshold": 60000}) is True, "set_coalescing")
    ctrlrs = {x["ctrlr"]: x for x in c.call("vhost_get_controllers")}
    for name in ["vhost.blk0", "vhost.scsi0"]:
        has_keys(ctrlrs[name], ["ctrlr", "cpumask", "delay_base_us", "iops_threshold", "socket", "backend_specific"],
                 f"vhost_get_controllers {name}")
    blk = ctrlrs["vhost.blk0"]
    check(blk["backend_specific"]["block"]["bdev"] == "Malloc0" and blk["delay_base_us"] == 20,
          "blk controller shows its bdev and coalescing")
    scsi = ctrlrs["vhost.scsi0"]["backend_specific"]["scsi"]
    check(scsi[0]["scsi_dev_num"] == 0 and scsi[0]["luns"][0]["bdev_name"] == "Aio0", "scsi target 0 is Aio0")

    # real I/O through both controllers, with stats read while it runs
    blk_io = subprocess.Popen([a.jvhost, "blkperf", "--socket", os.path.join(a.sockets, "vhost.blk0"), "--depth", "8",
                               "--time", "3", "--rw", "randread", "--json"], stdout=subprocess.PIPE, text=True)
    scsi_io = subprocess.Popen([a.jvhost, "blkperf", "--socket", os.path.join(a.sockets, "vhost.scsi0"),
                                "--scsi-target", "0", "--depth", "8", "--time", "3", "--rw", "randwrite", "--json"],
                               stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    per_channel = None
    while time.time() < deadline:
        per_channel = c.call("bdev_get_iostat", {"name": "Malloc0", "per_channel": True})
        if per_channel["channels"] and per_channel["channels"][0]["num_read_ops"] > 0:
            break
        time.sleep(0.2)
    threads = c.call("thread_get_stats")
    has_keys(threads, ["tick_rate", "threads"], "thread_get_stats")
    thread_ids = {t["id"] for t in threads["threads"]}
    for t in threads["threads"]:
        has_keys(t, ["name", "id", "cpumask", "busy", "idle", "active_pollers_count", "timed_pollers_count",
                     "paused_pollers_count"], f"thread {t['name']}")
    check(any(t["active_pollers_count"] > 0 for t in threads["threads"]), "a thread runs the I/O pollers")
    check(per_channel["name"] == "Malloc0" and per_channel["channels"], "bdev_get_iostat per_channel lists channels")
    ch = per_channel["channels"][0]
    has_keys(ch, ["thread_id"] + IOSTAT_KEYS[1:], "per-channel entry")
    check(ch["thread_id"] in thread_ids, f"channel thread_id {ch['thread_id']} is a thread_get_stats id {thread_ids}")
    # rpc.py thread_get_pollers (what spdk_top's pollers tab reads)
    pollers = c.call("thread_get_pollers")
    has_keys(pollers, ["tick_rate", "threads"], "thread_get_pollers")
    busy_pollers = []
    for t in pollers["threads"]:
        has_keys(t, ["name", "id", "active_pollers", "timed_pollers", "paused_pollers"], f"pollers of {t['name']}")
        check(t["id"] in thread_ids, f"thread_get_pollers thread {t['id']} is a thread_get_stats id")
        for p in t["active_pollers"]:
            has_keys(p, ["name", "id", "state", "run_count", "busy_count"], f"poller {p.get('name')}")
            check(0 <= p["busy_count"] <= p["run_count"], f"poller {p['name']} busy_count <= run_count")
            if p["busy_count"] > 0:
                busy_pollers.append(p["name"])
    check(busy_pollers, "some poller found work while blkperf ran")
    reactors = c.call("framework_get_reactors")
    has_keys(reactors, ["tick_rate", "reactors"], "framework_get_reactors")
    r0 = reactors["reactors"][0]
    has_keys(r0, ["lcore", "busy", "idle", "lw_threads"], "reactor entry")
    has_keys(r0["lw_threads"][0], ["name", "id", "cpumask", "elapsed"], "reactor's thread")
    check(r0["busy"] > 0, "the reactor was busy serving I/O")
    for p in (blk_io, scsi_io):
        out, _ = p.communicate(timeout=120)
        check(p.returncode == 0 and '"iops"' in out, f"blkperf finished: {out.strip()[:200]}")

    stat = c.call("bdev_get_iostat")
    has_keys(stat, ["tick_rate", "ticks", "bdevs"], "bdev_get_iostat")
    by = {b["name"]: b for b in stat["bdevs"]}
    m = by["Malloc0"]
    has_keys(m, IOSTAT_KEYS, "iostat Malloc0")
    check(m["num_read_ops"] > 0 and m["bytes_read"] == m["num_read_ops"] * 4096, "Malloc0 counted 4 KiB reads")
    check(m["read_latency_ticks"] > 0 and 0 < m["min_read_latency_ticks"] <= m["max_read_latency_ticks"],
          "Malloc0 read latency ticks, min and max")
    w = by["Aio0"]
    check(w["num_write_ops"] > 0 and w["write_latency_ticks"] > 0 and w["io_error"] == {},
          "Aio0 counted writes through SCSI, no errors")
    one = c.call("bdev_get_iostat", {"name": "Aio0"})
    check([b["name"] for b in one["bdevs"]] == ["Aio0"], "bdev_get_iostat by name")
    expect_error(c, "bdev_get_iostat", {"per_channel": True}, -32602, "per_channel without a name")

    # rpc.py log_* commands
    check(c.call("log_get_level") in ["ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"], "log_get_level")
    check(c.call("log_set_level", {"level": "NOTICE"}) is True and c.call("log_get_level") == "NOTICE",
          "log_set_level NOTICE")
    check(c.call("log_set_print_level", {"level": "DEBUG"}) is True and c.call("log_get_print_level") == "DEBUG",
          "log_set_print_level DEBUG")
    check(c.call("log_set_flag", {"flag": "vhost_blk"}) is True and c.call("log_get_flags")["vhost_blk"] is True,
          "log_set_flag vhost_blk")
    check(c.call("log_clear_flag", {"flag": "vhost_blk"}) is True and c.call("log_get_flags")["vhost_blk"] is False,
          "log_clear_flag vhost_blk")
    expect_error(c, "log_set_flag", {"flag": "no_such_flag"}, -32602, "log_set_flag of an unknown flag")
    expect_error(c, "log_set_level", {"level": "LOUD"}, -32602, "log_set_level of an unknown level")
    c.call("log_set_level", {"level": "WARNING"})
    c.call("log_set_print_level", {"level": "WARNING"})

    # rpc.py save_config: framework_get_subsystems, then framework_get_config for each
    config = {"subsystems": []}
    for s in c.call("framework_get_subsystems"):
        config["subsystems"].append({"subsystem": s["subsystem"],
                                     "config": c.call("framework_get_config", {"name": s["subsystem"]})})
    entries = [e for s in config["subsystems"] for e in (s["config"] or [])]
    blk_entries = [e for e in entries if e["method"] == "vhost_create_blk_controller"]
    check(blk_entries and blk_entries[0]["params"].get("cpumask") and blk_entries[0]["params"].get("transport")
          == "vhost_user_blk", f"save_config writes the blk controller as SPDK does: {blk_entries}")
    check(any(e["method"] == "bdev_aio_create" for e in entries), "save_config keeps the aio bdev")

    check(c.call("vhost_delete_controller", {"ctrlr": "vhost.scsi0"}) is True, "vhost_delete_controller scsi")
    check(c.call("vhost_delete_controller", {"ctrlr": "vhost.blk0"}) is True, "vhost_delete_controller blk")
    check(c.call("bdev_aio_delete", {"name": "Aio0"}) is True, "bdev_aio_delete")
    expect_error(c, "spdk_kill_instance", {"sig_name": "SIGBOGUS"}, -32602, "spdk_kill_instance of an unknown signal")
    # rpc.py spdk_kill_instance SIGTERM: the target stops cleanly (the caller checks its exit status)
    check(c.call("spdk_kill_instance", {"sig_name": "SIGTERM"}) is True, "spdk_kill_instance SIGTERM")
    print("SPDK-RPC-COMPAT PASS", flush=True)


if __name__ == "__main__":
    main()
