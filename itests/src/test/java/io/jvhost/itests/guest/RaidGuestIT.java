package io.jvhost.itests.guest;

import static io.jvhost.itests.guest.GuestConsole.assertContains;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jvhost.config.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * Raid bdevs under a real Linux guest: fio verify on a raid0 of three bases with 4 KiB strips and requests
 * of 4 to 192 KiB, so most requests are cut into pieces on several bases with their scatter-gather lists
 * sliced; and on a raid1 whose second base (an error bdev) starts failing every write while the guest
 * writes: the first failed write takes that base out, the write stands on the survivor, and everything
 * written before and during verifies.
 */
public class RaidGuestIT {
    @Test
    public void guestVerifiesThroughAStripeAndThroughAMirrorThatLosesABase() throws Exception {
        Processes.requireTools("qemu-system-x86_64", "fio", "busybox", "cpio");
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
                    {"method":"bdev_error_create","params":{"base_name":"Mirror1"}},
                    {"method":"bdev_raid_create","params":{"name":"Stripe","raid_level":"raid0","strip_size_kb":4,
                     "base_bdevs":["S0","S1","S2"]}},
                    {"method":"bdev_raid_create","params":{"name":"Mirror","raid_level":"raid1",
                     "base_bdevs":["Mirror0","EE_Mirror1"]}}]},
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
                // every write to the second mirror fails from now on: the first failure takes it out of the raid
                assertEquals("true", rpc(home, rpcSocket, "bdev_error_inject_error", "name=EE_Mirror1",
                        "io_type=write", "error_type=failure", "num=1000000").trim());
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
            assertEquals(mirror.toString(), List.of(true, false), ((List<?>) mirror.get("base_bdevs_list")).stream()
                    .map(b -> ((Map<?, ?>) b).get("is_configured")).toList());
            assertTrue(jvhost.output().contains("base EE_Mirror1 failed a write and is out of sync"));
            // the stripe's bases took more writes than the stripe did: requests were cut at strips
            long stripeWrites = writes(home, rpcSocket, "Stripe");
            long baseWrites = writes(home, rpcSocket, "S0") + writes(home, rpcSocket, "S1") + writes(home, rpcSocket, "S2");
            assertTrue(stripeWrites + " stripe writes, " + baseWrites + " on its bases",
                    stripeWrites > 0 && baseWrites > stripeWrites * 3 / 2);
        }
    }

    /**
     * A raid1 over a malloc bdev and an aio file while the guest writes and verifies: the aio module's
     * bundle is updated with a rebuilt jar in the running runtime (its bdev goes, the mirror serves
     * degraded), the aio bdev is created again on the file, blanked, and put back with
     * bdev_raid_add_base_bdev, and it is rebuilt under the guest's writes; then the malloc base is taken
     * out, so every read the guest's last verify makes comes from the rebuilt base.
     */
    @Test
    public void guestVerifiesWhileTheModuleUnderAMirrorIsSwappedAndItsBaseRebuilt() throws Exception {
        Processes.requireTools("qemu-system-x86_64", "fio", "busybox", "cpio");
        Path home = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();
        Path work = Files.createDirectories(home.resolve("itests/target/raid-rebuild-guest-it"));
        GuestImage guest = GuestImage.build(home);
        Path file = work.resolve("aio0.img");
        Files.deleteIfExists(file);
        Processes.run(List.of("truncate", "-s", "40M", file.toString()), 30);
        Path config = work.resolve("rebuild.json");
        Files.writeString(config, """
                {"subsystems":[
                  {"subsystem":"bdev","config":[
                    {"method":"bdev_malloc_create","params":{"name":"Mirror0","num_blocks":81920,"block_size":512}},
                    {"method":"bdev_aio_create","params":{"name":"Aio0","filename":"%s","block_size":512}},
                    {"method":"bdev_raid_create","params":{"name":"Mirror","raid_level":"raid1",
                     "base_bdevs":["Mirror0","Aio0"]}},
                    {"method":"bdev_null_create","params":{"name":"Signal","num_blocks":2048,"block_size":512}}]},
                  {"subsystem":"vhost_blk","config":[
                    {"method":"vhost_create_blk_controller","params":{"ctrlr":"mirror","dev_name":"Mirror"}},
                    {"method":"vhost_create_blk_controller","params":{"ctrlr":"signal","dev_name":"Signal"}}]}]}
                """.formatted(file));
        Path sockets = Files.createDirectories(work.resolve("sockets"));
        Path rpcSocket = sockets.resolve("rpc.sock");
        Path jar;
        try (var jars = Files.list(home.resolve("bundles/jvhost-bdev-aio/target"))) {
            jar = jars.filter(j -> j.getFileName().toString().matches("jvhost-bdev-aio-[0-9].*[0-9T].jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("the aio module's jar is not built"));
        }
        Path rebuilt = work.resolve("rebuilt-" + jar.getFileName());
        Files.copy(jar, rebuilt, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (JvhostProcess jvhost = JvhostProcess.start(home, work.resolve("jvhost.log"), "--config", config.toString(),
                "-S", sockets.toString(), "-r", rpcSocket.toString(), "--cpumask", "0x1")) {
            Path initrd = guest.withTest(work, "rebuild", REBUILD_SCRIPT);
            Qemu.Running vm = new Qemu(home, guest.kernel(), initrd)
                    .vhostUserBlk(sockets.resolve("mirror"), "")
                    .vhostUserBlk(sockets.resolve("signal"), "")
                    .start(work.resolve("rebuild-console.log"));
            String console;
            try {
                vm.awaitConsole("JVTEST SWAP-NOW", 900);
                Map<?, ?> updated = (Map<?, ?>) Json.parse(rpc(home, rpcSocket, "framework_update_bundle",
                        "name=io.jvhost.bdev.aio", "path=" + rebuilt));
                assertEquals(updated.toString(), "active", updated.get("state"));
                assertEquals(1L, raid(home, rpcSocket, "Mirror").get("num_base_bdevs_operational"));
                // a blank file: whatever the guest reads from it at the end, the rebuild and the writes put there
                Processes.run(List.of("truncate", "-s", "0", file.toString()), 30);
                Processes.run(List.of("truncate", "-s", "40M", file.toString()), 30);
                assertEquals("\"Aio0\"", rpc(home, rpcSocket, "bdev_aio_create", "name=Aio0", "filename=" + file,
                        "block_size=512").trim());
                assertEquals("true", rpc(home, rpcSocket, "bdev_raid_add_base_bdev", "raid_bdev=Mirror",
                        "base_bdev=Aio0").trim());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
                Map<?, ?> mirror;
                while ((mirror = raid(home, rpcSocket, "Mirror")).containsKey("process")) {
                    assertTrue("rebuild not done in 600 s: " + mirror, System.nanoTime() < deadline);
                    Thread.sleep(200);
                }
                assertEquals(mirror.toString(), 2L, mirror.get("num_base_bdevs_operational"));
                assertEquals("true", rpc(home, rpcSocket, "bdev_raid_remove_base_bdev", "name=Mirror0").trim());
                assertEquals("true", rpc(home, rpcSocket, "bdev_null_resize", "name=Signal", "new_size=2").trim());
                console = vm.awaitExit(900);
            } finally {
                vm.close();
            }
            assertContains(console, "JVTEST written before the swap");
            assertTrue(console, java.util.regex.Pattern.compile("JVTEST [1-9][0-9]* passes written and verified"
                    + " during the swap and the rebuild").matcher(console).find());
            assertContains(console, "JVTEST verified from the rebuilt base");
            assertContains(console, "JVTEST RESULT PASS");
            Map<?, ?> mirror = raid(home, rpcSocket, "Mirror");
            assertEquals(mirror.toString(), 1L, mirror.get("num_base_bdevs_operational"));
            assertEquals(mirror.toString(), List.of("Aio0"), ((List<?>) mirror.get("base_bdevs_list")).stream()
                    .filter(b -> Boolean.TRUE.equals(((Map<?, ?>) b).get("is_configured")))
                    .map(b -> ((Map<?, ?>) b).get("name")).toList());
        }
    }

    private static String rpc(Path home, Path socket, String... call) throws Exception {
        return Processes.rpc(home, socket, call);
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

    /** vda: raid1 over Mirror0 (malloc) and Aio0 (a file); vdb: the host's signal (it grows when the host is done). */
    private static final String REBUILD_SCRIPT = """
            #!/bin/sh
            set -e
            io="--ioengine=libaio --direct=1 --verify=crc32c --do_verify=1"
            fio --name=before --filename=/dev/vda --size=16M --rw=write --bs=64k --iodepth=8 $io --output=/tmp/b.txt
            echo "JVTEST written before the swap"
            small=$(cat /sys/block/vdb/size)
            echo "JVTEST SWAP-NOW"
            n=0
            while [ "$(cat /sys/block/vdb/size)" = "$small" ]; do
              fio --name=during --filename=/dev/vda --offset=16M --size=16M --rw=randwrite --bs=4k --iodepth=8 $io \\
                  --output=/tmp/during.txt
              n=$((n + 1)); [ $n -lt 500 ] || { echo "JVTEST the host did not finish"; exit 1; }
            done
            echo "JVTEST $n passes written and verified during the swap and the rebuild"
            fio --name=before --filename=/dev/vda --size=16M --rw=write --bs=64k --iodepth=8 $io --verify_only \\
                --output=/tmp/b2.txt
            fio --name=during --filename=/dev/vda --offset=16M --size=16M --rw=randwrite --bs=4k --iodepth=8 $io \\
                --verify_only --output=/tmp/d2.txt
            echo "JVTEST verified from the rebuilt base"
            """;

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
