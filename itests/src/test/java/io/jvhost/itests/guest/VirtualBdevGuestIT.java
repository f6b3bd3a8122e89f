package io.jvhost.itests.guest;

import static io.jvhost.itests.guest.GuestConsole.assertContains;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * Virtual bdevs under a real Linux guest: reads through an error bdev fail while failures are injected
 * (the kernel logs I/O errors, fio counts them), and once the injection is used up fio verify passes on
 * the same disk; a delay bdev's latency shows in fio's completion latency. Both disks are virtio-blk
 * controllers of one jvhost.
 */
public class VirtualBdevGuestIT {
    private static final int DELAY_US = 3000;
    private static final int FAILURES = 8;

    @Test
    public void guestSeesInjectedReadErrorsThenVerifiesAndFeelsTheDelay() throws Exception {
        Processes.requireTools("qemu-system-x86_64", "fio", "busybox", "cpio");
        Path home = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();
        Path work = Files.createDirectories(home.resolve("itests/target/virtual-bdev-guest-it"));
        GuestImage guest = GuestImage.build(home);
        Path config = work.resolve("virtual.json");
        Files.writeString(config, """
                {"subsystems":[
                  {"subsystem":"bdev","config":[
                    {"method":"bdev_malloc_create","params":{"name":"Malloc0","num_blocks":16384,"block_size":4096}},
                    {"method":"bdev_malloc_create","params":{"name":"Malloc1","num_blocks":4096,"block_size":4096}},
                    {"method":"bdev_error_create","params":{"base_name":"Malloc0"}},
                    {"method":"bdev_delay_create","params":{"base_bdev_name":"Malloc1","name":"Delay0",
                     "avg_read_latency":%1$d,"p99_read_latency":%1$d,"avg_write_latency":0,"p99_write_latency":0}},
                    {"method":"bdev_malloc_create","params":{"name":"Malloc2","num_blocks":4096,"block_size":4096}},
                    {"method":"bdev_error_create","params":{"base_name":"Malloc2"}}]},
                  {"subsystem":"vhost_blk","config":[
                    {"method":"vhost_create_blk_controller","params":{"ctrlr":"blk0","dev_name":"EE_Malloc0"}},
                    {"method":"vhost_create_blk_controller","params":{"ctrlr":"blk1","dev_name":"Delay0"}}]},
                  {"subsystem":"vhost_scsi","config":[
                    {"method":"vhost_create_scsi_controller","params":{"ctrlr":"scsi0"}},
                    {"method":"vhost_scsi_controller_add_target","params":{"ctrlr":"scsi0","scsi_target_num":0,
                     "bdev_name":"EE_Malloc2"}}]}]}
                """.formatted(DELAY_US));
        Path sockets = Files.createDirectories(work.resolve("sockets"));
        Path rpcSocket = sockets.resolve("rpc.sock");
        try (JvhostProcess jvhost = JvhostProcess.start(home, work.resolve("jvhost.log"), "--config", config.toString(),
                "-S", sockets.toString(), "-r", rpcSocket.toString(), "--cpumask", "0x1")) {
            Path initrd = guest.withTest(work, "virtual", SCRIPT);
            Qemu.Running vm = new Qemu(home, guest.kernel(), initrd)
                    .vhostUserBlk(sockets.resolve("blk0"), "")
                    .vhostUserBlk(sockets.resolve("blk1"), "")
                    .vhostUserScsi(sockets.resolve("scsi0"), "")
                    .start(work.resolve("virtual-console.log"));
            String console;
            try {
                vm.awaitConsole("JVTEST INJECT-NOW", 600);
                assertEquals("true", rpc(home, rpcSocket, "bdev_error_inject_error", "name=EE_Malloc0", "io_type=read",
                        "error_type=failure", "num=" + FAILURES));
                // SCSI: one read fails with the NVMe status of an unrecovered read error, writes fail until cleared
                vm.awaitConsole("JVTEST SCSI-INJECT-NOW", 600);
                assertEquals("true", rpc(home, rpcSocket, "bdev_error_inject_error", "name=EE_Malloc2", "io_type=read",
                        "error_type=failure", "num=1", "sct=2", "sc=129"));
                assertEquals("true", rpc(home, rpcSocket, "bdev_error_inject_error", "name=EE_Malloc2",
                        "io_type=write", "error_type=failure", "num=100000"));
                vm.awaitConsole("JVTEST SCSI-CLEAR-NOW", 600);
                assertEquals("true", rpc(home, rpcSocket, "bdev_error_inject_error", "name=EE_Malloc2", "io_type=clear",
                        "error_type=failure"));
                console = vm.awaitExit(600);
            } finally {
                vm.close();
            }
            assertContains(console, "JVTEST written and verified");
            assertContains(console, "JVTEST read error seen");
            assertTrue(console, console.contains("I/O error, dev vda"));
            Matcher errors = Pattern.compile("JVTEST fio read errors (\\d+)").matcher(console);
            assertTrue(console, errors.find());
            int fioErrors = Integer.parseInt(errors.group(1));
            assertTrue(console, fioErrors >= 1 && fioErrors < FAILURES);
            assertContains(console, "JVTEST reads succeed again");
            assertContains(console, "JVTEST verified after the errors");
            Matcher clat = Pattern.compile("JVTEST delay clat mean (\\d+)").matcher(console);
            assertTrue(console, clat.find());
            assertTrue(console, Integer.parseInt(clat.group(1)) >= DELAY_US);
            // the guest's SCSI layer got CHECK CONDITION with the sense of each direction's medium error
            assertContains(console, "JVTEST scsi read error seen");
            assertContains(console, "JVTEST scsi write error seen");
            assertTrue(console, Pattern.compile("JVTEST dmesg .*Sense Key : Medium Error").matcher(console).find());
            assertTrue(console, Pattern.compile("JVTEST dmesg .*Add\\. Sense: Unrecovered read error").matcher(console)
                    .find());
            assertTrue(console, Pattern.compile("JVTEST dmesg .*Add\\. Sense: Write error").matcher(console).find());
            assertContains(console, "JVTEST scsi verified after the errors");
            assertContains(console, "JVTEST RESULT PASS");
            String stats = Processes.run(List.of(home.resolve("jvhost").toString(), "rpc", "-s", rpcSocket.toString(),
                    "bdev_get_iostat", "name=EE_Malloc0"), 120);
            assertTrue(stats, stats.contains("\"io_error\""));
        }
    }

    private static String rpc(Path home, Path socket, String... call) throws Exception {
        return Processes.rpc(home, socket, call).trim();
    }

    /** vda: the error bdev over Malloc0; vdb: the delay bdev over Malloc1; sda (target 0): the error bdev over Malloc2. */
    private static final String SCRIPT = """
            #!/bin/sh
            set -e
            region="--filename=/dev/vda --size=16M --bs=64k --iodepth=8 --ioengine=libaio --direct=1"
            probe() { fio --name=probe --filename=/dev/vda --rw=read --bs=4k --size=4k --direct=1 --ioengine=psync \\
                --output=/dev/null >/dev/null 2>&1; }
            fio --name=write $region --rw=write --verify=crc32c --do_verify=1 --output=/tmp/write.txt
            echo "JVTEST written and verified"
            echo "JVTEST INJECT-NOW"
            i=0
            while probe; do
              i=$((i + 1)); [ $i -lt 600 ] || { echo "JVTEST no read error after 600 probes"; exit 1; }
              usleep 200000
            done
            echo "JVTEST read error seen"
            fio --name=errors --filename=/dev/vda --rw=randread --bs=4k --size=16M --number_ios=4 --iodepth=1 \\
                --ioengine=psync --direct=1 --continue_on_error=read --output-format=json --output=/tmp/err.json || true
            echo "JVTEST fio read errors $(grep -o '"total_err" : [0-9]*' /tmp/err.json | head -1 | grep -o '[0-9]*$')"
            i=0
            until probe; do
              i=$((i + 1)); [ $i -lt 20 ] || { echo "JVTEST reads still fail"; exit 1; }
            done
            echo "JVTEST reads succeed again"
            fio --name=write $region --rw=write --verify=crc32c --verify_only --output=/tmp/verify.txt
            echo "JVTEST verified after the errors"
            fio --name=delay --filename=/dev/vdb --rw=randread --bs=4k --size=8M --iodepth=1 --ioengine=psync \\
                --direct=1 --runtime=2 --time_based --output-format=terse --terse-version=3 --output=/tmp/delay.txt
            # terse v3: field 16 is the read completion latency mean in microseconds
            echo "JVTEST delay clat mean $(cut -d';' -f16 /tmp/delay.txt | cut -d. -f1)"
            sd=""
            for d in /sys/bus/scsi/devices/*:0:0:0/block/*; do [ -e "$d" ] && sd=$(basename "$d"); done
            [ -n "$sd" ] || { echo "JVTEST no SCSI disk"; ls /sys/bus/scsi/devices; exit 1; }
            scsi="--filename=/dev/$sd --size=8M --iodepth=4 --ioengine=libaio --direct=1"
            fio --name=scsi $scsi --bs=64k --rw=write --verify=crc32c --do_verify=1 --output=/tmp/scsi.txt
            # probes touch 4 KiB at 8M, outside what the first job verifies at the end
            sprobe() { fio --name=sprobe --filename=/dev/$sd --rw=$1 --offset=8M --bs=4k --size=4k --direct=1 \\
                --ioengine=psync --output=/dev/null >/dev/null 2>&1; }
            echo "JVTEST SCSI-INJECT-NOW"
            i=0
            while sprobe read; do
              i=$((i + 1)); [ $i -lt 600 ] || { echo "JVTEST no SCSI read error after 600 probes"; exit 1; }
              usleep 200000
            done
            echo "JVTEST scsi read error seen"
            if sprobe write; then echo "JVTEST a SCSI write passed while writes fail"; exit 1; fi
            echo "JVTEST scsi write error seen"
            dmesg | grep -E "Sense Key|Add\\. Sense" | sed 's/^/JVTEST dmesg /'
            echo "JVTEST SCSI-CLEAR-NOW"
            i=0
            until sprobe write; do
              i=$((i + 1)); [ $i -lt 600 ] || { echo "JVTEST SCSI writes still fail"; exit 1; }
              usleep 200000
            done
            fio --name=scsi $scsi --offset=8M --bs=4k --rw=randwrite --verify=crc32c --do_verify=1 --output=/tmp/s2.txt
            fio --name=scsi $scsi --bs=64k --rw=write --verify=crc32c --verify_only --output=/tmp/s3.txt
            echo "JVTEST scsi verified after the errors"
            """;
}
