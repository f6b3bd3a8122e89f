package io.jvhost.itests.guest;

import static io.jvhost.itests.guest.GuestConsole.assertContains;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * A real Linux guest in QEMU drives a jvhost vhost-user-scsi controller with two request queues: the
 * LUNs have the right size and identity (sg3-utils), fio verifies data, UNMAP zeroes blocks, and a
 * target attached while the guest runs appears as a new disk and disappears again when detached or
 * when its bdev is deleted, while verified I/O on another disk goes on throughout.
 */
public class VhostScsiGuestIT {
    private static Path home;
    private static Path work;
    private static GuestImage guest;
    private static JvhostProcess jvhost;
    private static Path rpcSocket;

    @BeforeClass
    public static void startJvhost() throws Exception {
        for (String tool : new String[] {"qemu-system-x86_64", "fio", "busybox", "cpio", "sg_inq"}) {
            assertTrue(tool + " is needed for end-to-end tests (.ci/run installs it)", Processes.onPath(tool));
        }
        home = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();
        work = Files.createDirectories(home.resolve("itests/target/scsi-guest-it"));
        guest = GuestImage.build(home);
        Path config = work.resolve("scsi.json");
        Files.writeString(config, """
                {"subsystems":[
                  {"subsystem":"bdev","config":[
                    {"method":"bdev_malloc_create","params":{"name":"Malloc0","num_blocks":262144,"block_size":512}},
                    {"method":"bdev_malloc_create","params":{"name":"Malloc1","num_blocks":16384,"block_size":4096}},
                    {"method":"bdev_malloc_create","params":{"name":"Malloc2","num_blocks":8192,"block_size":4096}}]},
                  {"subsystem":"vhost_scsi","config":[
                    {"method":"vhost_create_scsi_controller","params":{"ctrlr":"scsi0"}},
                    {"method":"vhost_scsi_controller_add_target","params":{"ctrlr":"scsi0","scsi_target_num":0,
                     "bdev_name":"Malloc0"}},
                    {"method":"vhost_scsi_controller_add_target","params":{"ctrlr":"scsi0","scsi_target_num":1,
                     "bdev_name":"Malloc1"}}]}]}
                """);
        Path sockets = Files.createDirectories(work.resolve("sockets"));
        rpcSocket = sockets.resolve("rpc.sock");
        jvhost = JvhostProcess.start(home, work.resolve("jvhost.log"), "--config", config.toString(), "-S",
                sockets.toString(), "-r", rpcSocket.toString(), "--cpumask", "0x1");
    }

    @AfterClass
    public static void stopJvhost() throws Exception {
        if (jvhost != null) {
            assertEquals("jvhost stops cleanly on SIGTERM", 0, jvhost.stop());
        }
    }

    private static String rpc(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("jvhost").toString(), "rpc", "-s",
                rpcSocket.toString()));
        cmd.addAll(List.of(args));
        return Processes.run(cmd, 120);
    }

    @Test
    public void guestSeesLunsDoesVerifiedIoAndFollowsHotAttachAndDetach() throws Exception {
        String bdevs = rpc("bdev_get_bdevs");
        String serial0 = uuidOf(bdevs, "Malloc0");
        String serial2 = uuidOf(bdevs, "Malloc2");
        Path initrd = guest.withTest(work, "scsi", SCRIPT);
        Qemu.Running vm = new Qemu(home, guest.kernel(), initrd)
                .vhostUserScsi(work.resolve("sockets/scsi0"), "num_queues=2")
                .start(work.resolve("scsi-console.log"));
        String console;
        try {
            vm.awaitConsole("JVTEST ATTACH-NOW", 600);
            assertEquals("2", rpc("vhost_scsi_controller_add_target", "ctrlr=scsi0", "scsi_target_num=-1",
                    "bdev_name=Malloc2").trim());
            String listed = rpc("vhost_get_controllers");
            assertTrue(listed, listed.contains("Malloc2") && listed.contains("\"scsi_dev_num\": 2"));
            vm.awaitConsole("JVTEST DETACH-NOW", 300);
            rpc("vhost_scsi_controller_remove_target", "ctrlr=scsi0", "scsi_target_num=2");
            vm.awaitConsole("JVTEST REATTACH-NOW", 300);
            assertEquals("3", rpc("vhost_scsi_controller_add_target", "ctrlr=scsi0", "scsi_target_num=3",
                    "bdev_name=Malloc2").trim());
            vm.awaitConsole("JVTEST DELETE-NOW", 300);
            // as in SPDK: deleting an exported bdev hot-removes it, and its LUN leaves the guest
            assertEquals("true", rpc("bdev_malloc_delete", "name=Malloc2").trim());
            String afterDelete = rpc("vhost_get_controllers");
            assertTrue(afterDelete, !afterDelete.contains("Malloc2") && !afterDelete.contains("\"scsi_dev_num\": 3"));
            console = vm.awaitExit(600);
        } finally {
            vm.close();
        }
        assertContains(console, "JVTEST target0 size 262144 lbs 512");
        assertContains(console, "JVTEST target1 size 131072 lbs 4096");
        assertContains(console, "JVTEST request queues 2");
        assertContains(console, "JVTEST inquiry vendor JVHOST");
        assertContains(console, "JVTEST serial0 " + serial0);
        assertContains(console, "JVTEST designator NAA");
        assertContains(console, "JVTEST block limits unmap descriptors 32");
        assertContains(console, "JVTEST provisioning LBPU 1");
        assertContains(console, "JVTEST readcap blocks 262144");
        assertContains(console, "JVTEST luns 1");
        assertContains(console, "JVTEST randwrite verified");
        assertContains(console, "JVTEST bytes left after unmap 0");
        assertContains(console, "JVTEST compare and write wrote");
        assertContains(console, "JVTEST miscompare status 14");
        assertContains(console, "JVTEST write same left 0");
        assertContains(console, "JVTEST lun reset done");
        assertContains(console, "JVTEST ready after reset");
        assertContains(console, "JVTEST attached size 65536 serial " + serial2);
        assertContains(console, "JVTEST attached disk verified");
        assertContains(console, "JVTEST detached disk gone");
        assertContains(console, "JVTEST reattached disk read");
        assertContains(console, "JVTEST deleted bdev's disk gone");
        assertContains(console, "JVTEST background io ok");
        assertContains(console, "JVTEST RESULT PASS");
        assertTrue(console, !console.contains("JVTEST background fio failed"));
        String saved = rpc("save_config");
        // the detached target is gone from the saved state, the two configured ones are there
        assertEquals(saved, 2, saved.split("vhost_scsi_controller_add_target", -1).length - 1);
        assertTrue(saved, saved.contains("vhost_create_scsi_controller") && saved.contains("\"bdev_name\": \"Malloc1\""));
    }

    /** The uuid of {@code bdev} in a bdev_get_bdevs answer, without dashes (our unit serial number). */
    private static String uuidOf(String bdevs, String bdev) {
        int at = bdevs.indexOf("\"name\": \"" + bdev + "\"");
        assertTrue(bdevs, at >= 0);
        int u = bdevs.indexOf("\"uuid\": \"", at);
        return bdevs.substring(u + 9, u + 9 + 36).replace("-", "");
    }

    private static final String SCRIPT = """
            #!/bin/sh
            set -e
            # the disk of target $1 (sdX), or nothing
            dev_of() {
              for d in /sys/bus/scsi/devices/*:0:$1:0/block/*; do
                if [ -e "$d" ]; then basename "$d"; return 0; fi
              done
            }
            # wait until target $1's disk is present ($2 = 1) or gone ($2 = 0)
            wait_dev() {
              i=0
              while [ $i -lt 600 ]; do
                d=$(dev_of "$1")
                if [ "$2" = 1 ] && [ -n "$d" ] && [ -b "/dev/$d" ]; then echo "$d"; return 0; fi
                if [ "$2" = 0 ] && [ -z "$d" ]; then return 0; fi
                usleep 100000
                i=$((i + 1))
              done
              echo "JVTEST timeout waiting for target $1 present=$2" >&2
              return 1
            }
            a=$(wait_dev 0 1)
            b=$(wait_dev 1 1)
            echo "JVTEST target0 size $(cat /sys/block/$a/size) lbs $(cat /sys/block/$a/queue/logical_block_size)"
            echo "JVTEST target1 size $(cat /sys/block/$b/size) lbs $(cat /sys/block/$b/queue/logical_block_size)"
            echo "JVTEST request queues $(ls /sys/block/$a/mq | wc -l)"
            sg_inq /dev/$a > /tmp/inq.txt
            grep -q 'Vendor identification: JVHOST' /tmp/inq.txt && echo "JVTEST inquiry vendor JVHOST"
            echo "JVTEST serial0 $(sg_vpd --page=sn /dev/$a | awk '/Unit serial number:/{print $NF}')"
            sg_vpd --page=di /dev/$a | grep -q 'designator type: NAA' && echo "JVTEST designator NAA"
            n=$(sg_vpd --page=bl /dev/$a | awk -F: '/Maximum unmap block descriptor count/{gsub(/ /,"",$2); print $2}')
            echo "JVTEST block limits unmap descriptors $n"
            n=$(sg_vpd --page=lbpv /dev/$a | awk -F: '/LBPU/{gsub(/ /,"",$2); print $2}')
            echo "JVTEST provisioning LBPU $n"
            n=$(sg_readcap --long /dev/$a | sed -n 's/.*Number of logical blocks=\\([0-9]*\\).*/\\1/p')
            echo "JVTEST readcap blocks $n"
            echo "JVTEST luns $(sg_luns /dev/$a | grep -c '^    [0-9a-f]\\{16\\}')"
            sg_turs /dev/$a
            region="--size=32M --bs=4k --iodepth=32 --ioengine=libaio --direct=1 --randseed=42"
            fio --name=write --filename=/dev/$a $region --rw=randwrite --verify=crc32c --do_verify=1 --output=/tmp/write.txt
            echo "JVTEST randwrite verified"
            dd if=/dev/urandom of=/dev/$a bs=512 seek=65536 count=64 conv=fsync 2>/dev/null
            sg_unmap --force --lba=65536 --num=64 /dev/$a
            left=$(dd if=/dev/$a bs=512 skip=65536 count=64 iflag=direct 2>/dev/null | tr -d '\\000' | wc -c)
            echo "JVTEST bytes left after unmap $left"
            # COMPARE AND WRITE, WRITE SAME and a LUN reset through the guest's own SCSI stack
            for x in A B C; do dd if=/dev/zero bs=512 count=1 2>/dev/null | tr '\\000' "$x" > /tmp/$x; done
            cat /tmp/A /tmp/B > /tmp/AB
            cat /tmp/C /tmp/B > /tmp/CB
            dd if=/tmp/A of=/dev/$a bs=512 seek=70000 conv=fsync 2>/dev/null
            sg_compare_and_write --in=/tmp/AB --lba=70000 --num=1 /dev/$a
            dd if=/dev/$a bs=512 skip=70000 count=1 iflag=direct 2>/dev/null | cmp -s - /tmp/B && echo "JVTEST compare and write wrote"
            if sg_compare_and_write --quiet --in=/tmp/CB --lba=70000 --num=1 /dev/$a; then
              echo "JVTEST miscompare missed"
            else
              echo "JVTEST miscompare status $?"
            fi
            sg_write_same --in=/tmp/C --lba=71000 --num=64 /dev/$a
            echo "JVTEST write same left $(dd if=/dev/$a bs=512 skip=71000 count=64 iflag=direct 2>/dev/null | tr -d C | wc -c)"
            sg_reset --device /dev/$a && echo "JVTEST lun reset done"
            sg_turs /dev/$a > /dev/null 2>&1 || true
            sg_turs /dev/$a && echo "JVTEST ready after reset"
            # verified I/O on target 1 for as long as targets come and go
            (
              n=0
              while [ ! -e /tmp/stop ]; do
                fio --name=bg$n --filename=/dev/$b --size=8M --bs=4k --iodepth=8 --ioengine=libaio --direct=1 \\
                    --rw=randwrite --verify=crc32c --do_verify=1 --output=/tmp/bg.txt || { echo "JVTEST background fio failed"; exit 1; }
                n=$((n + 1))
              done
              echo "JVTEST background rounds $n"
            ) &
            bg=$!
            sleep 1
            echo "JVTEST ATTACH-NOW"
            c=$(wait_dev 2 1)
            echo "JVTEST attached size $(cat /sys/block/$c/size) serial $(sg_vpd --page=sn /dev/$c | awk '/Unit serial number:/{print $NF}')"
            fio --name=new --filename=/dev/$c --size=8M --bs=4k --iodepth=8 --ioengine=libaio --direct=1 \\
                --rw=randwrite --verify=crc32c --do_verify=1 --output=/tmp/new.txt
            echo "JVTEST attached disk verified"
            echo "JVTEST DETACH-NOW"
            wait_dev 2 0
            echo "JVTEST detached disk gone"
            echo "JVTEST REATTACH-NOW"
            d=$(wait_dev 3 1)
            dd if=/dev/$d of=/dev/null bs=4096 count=16 iflag=direct 2>/dev/null && echo "JVTEST reattached disk read"
            echo "JVTEST DELETE-NOW"
            wait_dev 3 0
            echo "JVTEST deleted bdev's disk gone"
            touch /tmp/stop
            wait $bg
            echo "JVTEST background io ok"
            """;
}
