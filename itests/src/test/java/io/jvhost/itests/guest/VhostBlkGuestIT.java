package io.jvhost.itests.guest;

import static io.jvhost.itests.guest.GuestConsole.assertContains;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * A real Linux guest in QEMU does verified I/O through a jvhost vhost-user-blk controller, with split
 * and with packed virtqueues: right capacity and queue count, fio random writes verified with
 * crc32c, random reads, discard, and the data still there after the guest reboots (every queue
 * stopped and restarted).
 */
public class VhostBlkGuestIT {
    private static final long DISK_BLOCKS = 65536;
    private static final int BLOCK_SIZE = 4096;
    private static Path home;
    private static Path work;
    private static GuestImage guest;
    private static JvhostProcess jvhost;

    @BeforeClass
    public static void startJvhost() throws Exception {
        for (String tool : new String[] {"qemu-system-x86_64", "fio", "busybox", "cpio"}) {
            assertTrue(tool + " is needed for end-to-end tests (.ci/run installs it)", Processes.onPath(tool));
        }
        home = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();
        work = Files.createDirectories(home.resolve("itests/target/guest-it"));
        guest = GuestImage.build(home);
        Path config = work.resolve("blk.json");
        Files.writeString(config, """
                {"subsystems":[
                  {"subsystem":"bdev","config":[{"method":"bdev_malloc_create",
                    "params":{"name":"Malloc0","num_blocks":%d,"block_size":%d}}]},
                  {"subsystem":"vhost_blk","config":[
                    {"method":"vhost_create_blk_controller","params":{"ctrlr":"blk0","dev_name":"Malloc0"}},
                    {"method":"vhost_create_blk_controller","params":{"ctrlr":"blk1","dev_name":"Malloc0",
                     "packed_ring":true}}]}]}
                """.formatted(DISK_BLOCKS, BLOCK_SIZE));
        Path sockets = Files.createDirectories(work.resolve("sockets"));
        jvhost = JvhostProcess.start(home, work.resolve("jvhost.log"), "--config", config.toString(), "-S",
                sockets.toString(), "-r", sockets.resolve("rpc.sock").toString(), "--cpumask", "0x1");
    }

    @AfterClass
    public static void stopJvhost() throws Exception {
        if (jvhost != null) {
            assertEquals("jvhost stops cleanly on SIGTERM", 0, jvhost.stop());
        }
    }

    @Test
    public void guestDoesVerifiedIoOnTwoSplitQueuesAndKeepsDataAcrossReboot() throws Exception {
        runGuest("split", "blk0", "num-queues=2");
    }

    @Test
    public void guestDoesVerifiedIoOnTwoPackedQueuesAndKeepsDataAcrossReboot() throws Exception {
        runGuest("packed", "blk1", "num-queues=2,packed=on");
    }

    @Test
    public void scriptsDriveTheRunningTargetWithJvhostRpc() throws Exception {
        String rpc = home.resolve("jvhost").toString();
        String sock = work.resolve("sockets/rpc.sock").toString();
        String listed = Processes.run(java.util.List.of(rpc, "rpc", "-s", sock, "vhost_get_controllers"), 120);
        assertTrue(listed, listed.contains("\"blk0\"") && listed.contains("\"blk1\"") && listed.contains("Malloc0"));
        Processes.run(java.util.List.of(rpc, "rpc", "-s", sock, "bdev_null_create", "name=Null7", "num_blocks=1024",
                "block_size=512"), 120);
        Processes.run(java.util.List.of(rpc, "rpc", "-s", sock, "vhost_create_blk_controller", "ctrlr=blk7",
                "dev_name=Null7"), 120);
        assertTrue(Files.exists(work.resolve("sockets/blk7")));
        Processes.run(java.util.List.of(rpc, "rpc", "-s", sock, "vhost_delete_controller", "ctrlr=blk7"), 120);
        assertTrue(!Files.exists(work.resolve("sockets/blk7")));
        try {
            Processes.run(java.util.List.of(rpc, "rpc", "-s", sock, "vhost_delete_controller", "ctrlr=blk7"), 120);
            throw new AssertionError("deleting a missing controller must fail");
        } catch (java.io.IOException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("(-19)"));
        }
        // interrupt coalescing as SPDK sets it; a delay without a threshold is refused
        Processes.run(java.util.List.of(rpc, "rpc", "-s", sock, "vhost_controller_set_coalescing", "ctrlr=blk1",
                "delay_base_us=50", "iops_threshold=60000"), 120);
        listed = Processes.run(java.util.List.of(rpc, "rpc", "-s", sock, "vhost_get_controllers", "name=blk1"), 120);
        assertTrue(listed, listed.contains("\"delay_base_us\": 50") && listed.contains("\"iops_threshold\": 60000"));
        try {
            Processes.run(java.util.List.of(rpc, "rpc", "-s", sock, "vhost_controller_set_coalescing", "ctrlr=blk1",
                    "delay_base_us=50", "iops_threshold=0"), 120);
            throw new AssertionError("a delay without a threshold must be refused");
        } catch (java.io.IOException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("(-32602)"));
        }
        // save -> start a second jvhost from the saved file -> it rebuilds bdevs and controllers
        Path saved = work.resolve("saved.json");
        Files.writeString(saved, Processes.run(java.util.List.of(rpc, "rpc", "-s", sock, "save_config"), 120));
        Path otherSockets = Files.createDirectories(work.resolve("sockets-restored"));
        String restored = Processes.run(java.util.List.of(rpc, "--headless", "--exit", "--config", saved.toString(),
                "-S", otherSockets.toString(), "-r", "none", "-x", "vhost:list", "-x", "bdev:list", "-x", "vhost:stats",
                "-x", "jvhost:status"), 300);
        assertTrue(restored, restored.contains("jvhost ready") && restored.contains("blk0") && restored.contains("blk1")
                && restored.contains("Null7"));
        assertTrue(restored, restored.contains("reactors   1 on cores 0") && restored.contains("completed"));
        assertTrue(Files.readString(saved), Files.readString(saved).contains("vhost_controller_set_coalescing"));
    }

    /** Both controllers share one bdev (shared write claims), so each run uses its own marker sector. */
    private void runGuest(String name, String controller, String deviceOptions) throws Exception {
        int markSector = name.equals("split") ? 204800 : 206848;
        String script = """
                #!/bin/sh
                set -e
                dev=/dev/vda
                region="--filename=$dev --size=32M --bs=4k --iodepth=32 --ioengine=libaio --direct=1 --randseed=42"
                mark=$(dd if=$dev bs=512 skip=%2$d count=1 2>/dev/null | head -c 6)
                if [ "$mark" = "JVMARK" ]; then
                  echo "JVTEST second boot"
                  fio --name=check $region --rw=randwrite --verify=crc32c --verify_only --output=/tmp/check.txt
                  echo "JVTEST data verified after reboot"
                  exit 0
                fi
                size=$(cat /sys/block/vda/size)
                echo "JVTEST capacity $size"
                [ "$size" = "%1$d" ]
                echo "JVTEST queues $(ls /sys/block/vda/mq | wc -l)"
                echo "JVTEST logical block $(cat /sys/block/vda/queue/logical_block_size)"
                echo "JVTEST packed ring $(cut -c35 /sys/block/vda/device/features)"
                fio --name=write $region --rw=randwrite --verify=crc32c --do_verify=1 --output=/tmp/write.txt
                echo "JVTEST randwrite verified"
                fio --name=read --filename=$dev --size=128M --bs=4k --iodepth=32 --ioengine=libaio --direct=1 \\
                    --rw=randread --runtime=3 --time_based --numjobs=2 --group_reporting --output=/tmp/read.txt
                grep -q 'err= 0' /tmp/read.txt
                echo "JVTEST randread ok"
                dd if=/dev/urandom of=$dev bs=1M seek=64 count=4 conv=fsync 2>/dev/null
                blkdiscard -o $((64 * 1048576)) -l $((4 * 1048576)) $dev
                left=$(dd if=$dev bs=1M skip=64 count=4 2>/dev/null | tr -d '\\000' | wc -c)
                echo "JVTEST bytes left after discard $left"
                [ "$left" = 0 ]
                printf JVMARK | dd of=$dev bs=512 seek=%2$d conv=fsync 2>/dev/null
                echo "JVTEST rebooting"
                reboot -f
                """.formatted(DISK_BLOCKS * BLOCK_SIZE / 512, markSector);
        Path initrd = guest.withTest(work, name, script);
        String console = new Qemu(home, guest.kernel(), initrd)
                .vhostUserBlk(work.resolve("sockets/" + controller), deviceOptions)
                .run(work.resolve(name + "-console.log"), 600);
        assertContains(console, "JVTEST capacity " + DISK_BLOCKS * BLOCK_SIZE / 512);
        assertContains(console, "JVTEST queues 2");
        assertContains(console, "JVTEST logical block " + BLOCK_SIZE);
        assertContains(console, "JVTEST packed ring " + (deviceOptions.contains("packed=on") ? 1 : 0));
        assertContains(console, "JVTEST randwrite verified");
        assertContains(console, "JVTEST randread ok");
        assertContains(console, "JVTEST bytes left after discard 0");
        assertContains(console, "JVTEST second boot");
        assertContains(console, "JVTEST data verified after reboot");
        assertContains(console, "JVTEST RESULT PASS");
    }
}
