package io.jvhost.itests.guest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jvhost.config.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * Raid bdevs under a real Linux guest: fio verify on a raid0 of three bases with 4 KiB strips and requests
 * of 4 to 192 KiB, so most requests are cut into pieces on several bases with their scatter-gather lists
 * sliced; and on a raid1 that loses a base while the guest writes to it: the writes in flight finish, the
 * mirror serves degraded from the survivor, and everything written before and during verifies.
 */
public class RaidGuestIT {
    @Test
    public void guestVerifiesThroughAStripeAndThroughAMirrorThatLosesABase() throws Exception {
        for (String tool : new String[] {"qemu-system-x86_64", "fio", "busybox", "cpio"}) {
            assertTrue(tool + " is needed for end-to-end tests (.ci/run installs it)", Processes.onPath(tool));
        }
        Path home = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();
        Path work = Files.createDirectories(home.resolve("itests/target/raid-guest-it"));
        GuestImage guest = GuestImage.build(home);
        Path config = work.resolve("raid.json");
        Files.writeString(config, """
                {"subsystems":[
                  {"subsystem":"bdev","config":[
                    {"method":"bdev_malloc_create","params":{"name":"S0","num_blocks":24576,"block_size":512}},
                    {"method":"bdev_malloc_create","params":{"name":"S1","num_blocks":24576,"block_size":512}},
                    {"method":"bdev_malloc_create","params":{"name":"S2","num_blocks":24576,"block_size":512}},
                    {"method":"bdev_malloc_create","params":{"name":"Mirror0","num_blocks":81920,"block_size":512}},
                    {"method":"bdev_malloc_create","params":{"name":"Mirror1","num_blocks":81920,"block_size":512}},
                    {"method":"bdev_raid_create","params":{"name":"Stripe","raid_level":"raid0","strip_size_kb":4,
                     "base_bdevs":["S0","S1","S2"]}},
                    {"method":"bdev_raid_create","params":{"name":"Mirror","raid_level":"raid1",
                     "base_bdevs":["Mirror0","Mirror1"]}}]},
                  {"subsystem":"vhost_blk","config":[
                    {"method":"vhost_create_blk_controller","params":{"ctrlr":"stripe","dev_name":"Stripe"}},
                    {"method":"vhost_create_blk_controller","params":{"ctrlr":"mirror","dev_name":"Mirror"}}]}]}
                """);
        Path sockets = Files.createDirectories(work.resolve("sockets"));
        Path rpcSocket = sockets.resolve("rpc.sock");
        try (JvhostProcess jvhost = JvhostProcess.start(home, work.resolve("jvhost.log"), "--config", config.toString(),
                "-S", sockets.toString(), "-r", rpcSocket.toString(), "--cpumask", "0x1")) {
            Path initrd = guest.withTest(work, "raid", SCRIPT);
            Qemu.Running vm = new Qemu(home, guest.kernel(), initrd)
                    .vhostUserBlk(sockets.resolve("stripe"), "")
                    .vhostUserBlk(sockets.resolve("mirror"), "")
                    .start(work.resolve("raid-console.log"));
            String console;
            try {
                vm.awaitConsole("JVTEST DEGRADE-NOW", 900);
                assertEquals("true", rpc(home, rpcSocket, "bdev_malloc_delete", "name=Mirror1").trim());
                console = vm.awaitExit(900);
            } finally {
                vm.close();
            }
            assertContains(console, "JVTEST stripe verified");
            assertContains(console, "JVTEST mirror written");
            assertContains(console, "JVTEST written and verified while a mirror went away");
            assertContains(console, "JVTEST mirror verified degraded");
            assertContains(console, "JVTEST RESULT PASS");

            Map<?, ?> mirror = raid(home, rpcSocket, "Mirror");
            assertEquals(mirror.toString(), "online", mirror.get("state"));
            assertEquals(mirror.toString(), 1L, mirror.get("num_base_bdevs_operational"));
            // the stripe's bases took more writes than the stripe did: requests were cut at strips
            long stripeWrites = writes(home, rpcSocket, "Stripe");
            long baseWrites = writes(home, rpcSocket, "S0") + writes(home, rpcSocket, "S1") + writes(home, rpcSocket, "S2");
            assertTrue(stripeWrites + " stripe writes, " + baseWrites + " on its bases",
                    stripeWrites > 0 && baseWrites > stripeWrites * 3 / 2);
        }
    }

    private static String rpc(Path home, Path socket, String... call) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("jvhost").toString(), "rpc", "-s",
                socket.toString()));
        cmd.addAll(List.of(call));
        return Processes.run(cmd, 120);
    }

    private static Map<?, ?> raid(Path home, Path socket, String name) throws Exception {
        for (Object o : (List<?>) Json.parse(rpc(home, socket, "bdev_raid_get_bdevs", "category=all"))) {
            if (name.equals(((Map<?, ?>) o).get("name"))) {
                return (Map<?, ?>) o;
            }
        }
        throw new AssertionError("no raid " + name);
    }

    private static long writes(Path home, Path socket, String bdev) throws Exception {
        Map<?, ?> stat = (Map<?, ?>) Json.parse(rpc(home, socket, "bdev_get_iostat", "name=" + bdev));
        return ((Number) ((Map<?, ?>) ((List<?>) stat.get("bdevs")).get(0)).get("num_write_ops")).longValue();
    }

    private static void assertContains(String console, String line) {
        assertTrue("guest console lacks '" + line + "':\n" + console, console.contains(line));
    }

    /** vda: raid0 over S0-S2 (4 KiB strips); vdb: raid1 over Mirror0 and Mirror1. */
    private static final String SCRIPT = """
            #!/bin/sh
            set -e
            io="--ioengine=libaio --direct=1 --verify=crc32c --do_verify=1"
            fio --name=stripe --filename=/dev/vda --size=24M --rw=randwrite --bsrange=4k-192k --iodepth=16 $io \\
                --output=/tmp/stripe.txt
            echo "JVTEST stripe verified"
            fio --name=mirror --filename=/dev/vdb --size=16M --rw=write --bs=64k --iodepth=8 $io --output=/tmp/m.txt
            echo "JVTEST mirror written"
            echo "JVTEST DEGRADE-NOW"
            fio --name=during --filename=/dev/vdb --offset=16M --size=16M --rw=randwrite --bs=4k --iodepth=8 $io \\
                --output=/tmp/during.txt
            echo "JVTEST written and verified while a mirror went away"
            fio --name=mirror --filename=/dev/vdb --size=16M --rw=write --bs=64k --iodepth=8 $io --verify_only \\
                --output=/tmp/again.txt
            echo "JVTEST mirror verified degraded"
            """;
}
