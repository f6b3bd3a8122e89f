package io.jvhost.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jvhost.config.ConfigMethods;
import io.jvhost.frontend.VhostUserBlkDisk;
import io.jvhost.frontend.VhostUserNvme;
import io.jvhost.frontend.VhostUserScsiHba;
import io.jvhost.frontend.bench.BlkPerf;
import io.jvhost.frontend.bench.PerfDisk;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.VhostControllers;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The I/O path allocates nothing: with every controller type and every bdev module under load, the
 * reactor thread's heap allocation counter (the JVM's exact per-thread count) does not move. Each path
 * is warmed up first (so the JIT has compiled it, and every path has been seen before any is measured,
 * so no call site changes shape while measuring), then driven with one million requests, half reads
 * and half writes, at depth 32; a depth-1 load then takes the reactor through sleeping and waking in
 * interrupt mode on every request.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AllocationFreeIoPathIT {
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(120);
    private static final int BS = 4096;
    private static final int DEPTH = 32;
    private static final long WARMUP = 200_000;
    private static final long MEASURED = 1_000_000;
    private static final long MEASURED_QD1 = 20_000;

    @Inject
    private ConfigMethods methods;

    @Inject
    private ReactorGroup reactors;

    @Inject
    private VhostControllers controllers;

    @Configuration
    public Option[] config() {
        // interrupt mode, the default: the sleep-and-wake path is measured too
        return JvhostOptions.feature("jvhost-all", JvhostOptions.jvhostBundle("jvhost-frontend"),
                JvhostOptions.freshSocketDirectory());
    }

    private void call(String method, String params) {
        InFramework.call(methods, method, params);
    }

    /** One disk the load runs on, and how the front-end reaches it. */
    private interface Target {
        PerfDisk open() throws IOException;
    }

    private Target blk(String controller, String bdev) {
        return blk(controller, bdev, false);
    }

    private Target blk(String controller, String bdev, boolean packed) {
        call("vhost_create_blk_controller", "{\"ctrlr\":\"" + controller + "\",\"dev_name\":\"" + bdev
                + "\",\"packed_ring\":" + packed + "}");
        Path socket = controllers.socketDirectory().resolve(controller);
        return () -> PerfDisk.blk(VhostUserBlkDisk.connect(socket,
                new VhostUserBlkDisk.Options(1, 128, DEPTH, BS, true, packed)));
    }

    private Map<String, Target> targets(Path aioFile) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(aioFile.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        for (int i = 0; i < 8; i++) {
            call("bdev_null_create", "{\"name\":\"Null" + i + "\",\"num_blocks\":262144,\"block_size\":512}");
        }
        call("bdev_malloc_create", "{\"name\":\"Malloc0\",\"num_blocks\":16384,\"block_size\":4096}");
        call("bdev_aio_create", "{\"name\":\"Aio0\",\"filename\":\"" + aioFile + "\",\"block_size\":4096}");
        call("bdev_passthru_create", "{\"base_bdev_name\":\"Null1\",\"name\":\"PT0\"}");
        call("bdev_split_create", "{\"base_bdev\":\"Null2\",\"split_count\":2}");
        call("bdev_delay_create", "{\"base_bdev_name\":\"Null3\",\"name\":\"Delay0\",\"avg_read_latency\":2,"
                + "\"p99_read_latency\":20,\"avg_write_latency\":2,\"p99_write_latency\":20}");
        call("bdev_error_create", "{\"base_name\":\"Null4\"}");
        call("bdev_raid_create", "{\"name\":\"Raid0\",\"raid_level\":\"raid0\",\"strip_size_kb\":64,"
                + "\"base_bdevs\":[\"Null5\",\"Null6\"]}");
        call("bdev_malloc_create", "{\"name\":\"Mirror0\",\"num_blocks\":4096,\"block_size\":4096}");
        call("bdev_malloc_create", "{\"name\":\"Mirror1\",\"num_blocks\":4096,\"block_size\":4096}");
        call("bdev_raid_create", "{\"name\":\"Raid1\",\"raid_level\":\"raid1\",\"base_bdevs\":[\"Mirror0\",\"Mirror1\"]}");
        call("bdev_null_create", "{\"name\":\"Cat0\",\"num_blocks\":131072,\"block_size\":512}");
        call("bdev_null_create", "{\"name\":\"Cat1\",\"num_blocks\":131072,\"block_size\":512}");
        call("bdev_raid_create", "{\"name\":\"Concat0\",\"raid_level\":\"concat\",\"strip_size_kb\":64,\"base_bdevs\":[\"Cat0\",\"Cat1\"]}");

        Map<String, Target> t = new LinkedHashMap<>();
        t.put("vhost-blk on null", blk("blk.null", "Null0"));
        call("bdev_null_create", "{\"name\":\"NullPacked\",\"num_blocks\":262144,\"block_size\":512}");
        t.put("vhost-blk, packed ring", blk("blk.packed", "NullPacked", true));
        call("vhost_create_scsi_controller", "{\"ctrlr\":\"scsi.0\"}");
        call("vhost_scsi_controller_add_target", "{\"ctrlr\":\"scsi.0\",\"scsi_target_num\":0,\"bdev_name\":\"Null7\"}");
        Path scsi = controllers.socketDirectory().resolve("scsi.0");
        t.put("vhost-scsi on null", () -> PerfDisk.scsi(VhostUserScsiHba.connect(scsi, 1, 128, DEPTH, BS, true), 0));
        call("bdev_null_create", "{\"name\":\"NullNvme\",\"num_blocks\":262144,\"block_size\":512}");
        call("vhost_create_nvme_controller", "{\"ctrlr\":\"nvme.0\",\"io_queues\":1}");
        call("vhost_nvme_controller_add_ns", "{\"ctrlr\":\"nvme.0\",\"bdev_name\":\"NullNvme\"}");
        Path nvme = controllers.socketDirectory().resolve("nvme.0");
        t.put("vhost-nvme on null", () -> PerfDisk.nvme(new VhostUserNvme(nvme), 1, DEPTH, BS, true));
        t.put("malloc", blk("blk.malloc", "Malloc0"));
        t.put("aio (io_uring on a file)", blk("blk.aio", "Aio0"));
        t.put("passthru", blk("blk.pt", "PT0"));
        t.put("split", blk("blk.split", "Null2p1"));
        t.put("delay", blk("blk.delay", "Delay0"));
        t.put("error (no injection)", blk("blk.error", "EE_Null4"));
        t.put("raid0", blk("blk.raid0", "Raid0"));
        t.put("raid1", blk("blk.raid1", "Raid1"));
        t.put("concat", blk("blk.concat", "Concat0"));
        return t;
    }

    /** Drives half the requests as reads and half as writes; returns the reactor's allocated bytes meanwhile. */
    private long load(Reactor reactor, PerfDisk disk, long requests, int depth) {
        long before = reactor.allocatedBytes();
        long failed = BlkPerf.drive(disk, false, BS, depth, requests / 2, TIMEOUT)
                + BlkPerf.drive(disk, true, BS, depth, requests / 2, TIMEOUT);
        long allocated = reactor.allocatedBytes() - before;
        assertEquals("failed requests", 0, failed);
        return allocated;
    }

    @Test
    public void theReactorShouldAllocateNothingServingRequestsOfAnyControllerAndBdevModule() throws Exception {
        Path dir = Files.createTempDirectory(JvhostOptions.home().resolve("itests/target"), "alloc");
        Map<String, Target> targets = targets(dir.resolve("aio.img"));
        Reactor reactor = reactors.reactors().get(0);
        assertTrue("the JVM counts per-thread allocation", reactor.allocatedBytes() > 0);

        Map<String, PerfDisk> disks = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Target> e : targets.entrySet()) {
                disks.put(e.getKey(), e.getValue().open());
            }
            for (PerfDisk disk : disks.values()) {
                load(reactor, disk, WARMUP, DEPTH);
                load(reactor, disk, WARMUP / 10, 1);
            }
            List<String> allocating = new ArrayList<>();
            long sleepsBefore = reactor.stats().sleeps();
            for (Map.Entry<String, PerfDisk> e : disks.entrySet()) {
                long bytes = load(reactor, e.getValue(), MEASURED, DEPTH);
                long sleeps = reactor.stats().sleeps();
                long qd1 = load(reactor, e.getValue(), MEASURED_QD1, 1);
                System.out.printf("allocation on the reactor: %-26s %,d bytes over %,d requests at qd %d, %,d bytes over"
                        + " %,d at qd 1 (%,d sleeps)%n", e.getKey(), bytes, MEASURED, DEPTH, qd1, MEASURED_QD1,
                        reactor.stats().sleeps() - sleeps);
                if (bytes != 0 || qd1 != 0) {
                    allocating.add(e.getKey() + " (" + bytes + " bytes at qd " + DEPTH + ", " + qd1 + " at qd 1)");
                }
            }
            assertEquals("paths whose requests allocated on the reactor", List.of(), allocating);
            assertTrue("the reactor slept and woke while measured", reactor.stats().sleeps() > sleepsBefore);
        } finally {
            for (PerfDisk disk : disks.values()) {
                disk.close();
            }
        }
    }
}
