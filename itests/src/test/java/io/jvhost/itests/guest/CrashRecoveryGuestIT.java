package io.jvhost.itests.guest;

import static io.jvhost.itests.guest.GuestConsole.assertContains;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * The target is killed with SIGKILL three times while a real guest writes through it, and started
 * again with the same config each time; QEMU reconnects (reconnect=1) and hands back the inflight
 * region, the restarted target serves the requests its predecessor had taken first, and the guest's
 * fio job (random writes at depth 32, crc32c verify) finishes and a second full verify passes. The
 * disk is an aio bdev over a file on disk, where io_uring completes out of order, under a delay bdev
 * (1 ms, one request in 100 20 ms): a TCG guest is so much slower than the target that without it
 * a kill would seldom find a request in the target's hands, and with it completions come out of
 * order for certain.
 */
public class CrashRecoveryGuestIT {
    private static final int KILLS = 3;

    @Test
    public void guestWritesSurviveThreeKillsOfTheTargetOnASplitRing() throws Exception {
        Path home = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();
        Path work = Files.createDirectories(home.resolve("itests/target/crash-it"));
        GuestImage guest = GuestImage.build(home);
        Path disk = work.resolve("disk.img");
        Files.deleteIfExists(disk);
        try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(320L << 20);
        }
        Path config = work.resolve("crash.json");
        Files.writeString(config, """
                {"subsystems":[
                  {"subsystem":"bdev","config":[
                    {"method":"bdev_aio_create","params":{"name":"Aio0","filename":"%s","block_size":512}},
                    {"method":"bdev_delay_create","params":{"base_bdev_name":"Aio0","name":"Delay0",
                     "avg_read_latency":1000,"p99_read_latency":20000,"avg_write_latency":1000,
                     "p99_write_latency":20000}}]},
                  {"subsystem":"vhost_blk","config":[
                    {"method":"vhost_create_blk_controller","params":{"ctrlr":"blk0","dev_name":"Delay0"}}]}]}
                """.formatted(disk));
        Path sockets = Files.createDirectories(work.resolve("sockets"));
        String[] args = {"--config", config.toString(), "-S", sockets.toString(), "-r", "none", "--cpumask", "0x1",
            "--log-level", "INFO"};
        String script = """
                #!/bin/sh
                set -e
                job="--filename=/dev/vda --size=256M --bs=4k --iodepth=32 --ioengine=libaio --direct=1 --randseed=11"
                echo "JVTEST fio started"
                fio --name=crash $job --rw=randwrite --verify=crc32c --do_verify=1 --output=/tmp/crash.txt
                grep -q 'err= 0' /tmp/crash.txt
                echo "JVTEST crash job verified"
                fio --name=check $job --rw=randwrite --verify=crc32c --verify_only --output=/tmp/check.txt
                echo "JVTEST full verify passed"
                """;
        Path initrd = guest.withTest(work, "crash", script);
        List<JvhostProcess> all = new ArrayList<>();
        JvhostProcess jvhost = JvhostProcess.start(home, work.resolve("jvhost-0.log"), args);
        all.add(jvhost);
        List<Long> restartMillis = new ArrayList<>();
        Path consoleLog = work.resolve("crash-console.log");
        try (Qemu.Running vm = new Qemu(home, guest.kernel(), initrd)
                .device("reconnect:" + sockets.resolve("blk0")).start(consoleLog)) {
            vm.awaitConsole("JVTEST fio started", 600);
            for (int kill = 1; kill <= KILLS; kill++) {
                Thread.sleep(3000);
                String before = Files.readString(consoleLog);
                assertTrue("fio finished before kill " + kill + ": the job is too short for the test\n" + before,
                        !before.contains("JVTEST crash job verified") && !before.contains("JVTEST RESULT"));
                jvhost.kill();
                long t0 = System.nanoTime();
                jvhost = JvhostProcess.start(home, work.resolve("jvhost-" + kill + ".log"), args);
                all.add(jvhost);
                restartMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                jvhost.awaitOutput("controller blk0: queue 0", 120); // QEMU reconnected and started the ring
            }
            String console = vm.awaitExit(1200);
            System.out.println("crash recovery: exec to ready after each kill (ms): " + restartMillis);
            assertContains(console, "JVTEST crash job verified");
            assertContains(console, "JVTEST full verify passed");
            assertContains(console, "JVTEST RESULT PASS");
        } finally {
            for (JvhostProcess j : all) {
                j.close();
            }
        }
        int resubmitted = 0;
        for (int i = 1; i <= KILLS; i++) {
            String log = Files.readString(work.resolve("jvhost-" + i + ".log"));
            assertTrue("restart " + i + " did not take the inflight region back:\n" + log,
                    !log.contains("inflight region refused") && !log.contains("inflight region not used"));
            if (log.contains("requests again that were in flight")) {
                resubmitted++;
            }
        }
        assertTrue("no restart served requests its predecessor had in flight: the kills did not land mid-I/O",
                resubmitted > 0);
    }
}
