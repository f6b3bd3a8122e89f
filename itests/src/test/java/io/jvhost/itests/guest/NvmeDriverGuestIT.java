package io.jvhost.itests.guest;

import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * jvhost's user-space NVMe driver against a real (emulated) PCIe NVMe controller: a TCG guest with
 * QEMU's NVMe device behind an emulated Intel IOMMU runs jvhost itself, from the JDK and the built
 * runtime shared read-only over virtio-9p. Inside, the script {@code itests/guest/tests/nvme-driver.sh}
 * checks bad input (wrong address, device not bound to vfio-pci, a device already held), attach with
 * Identify data against what QEMU was given, reset, detach, bdevperf verify at 4 KiB, 128 KiB and
 * 1 MiB (split into several commands) and with unregistered buffers (copied), and that the kernel's
 * driver can take the device afterwards. A second guest without an IOMMU does the same in VFIO's
 * no-IOMMU mode and hot-swaps the module's bundle with the controller attached ({@code tests/nvme-noiommu.sh}). A third drives an SR-IOV virtual function and takes
 * its secondary controller offline and online again to make real faults ({@code tests/nvme-fault.sh}).
 */
public class NvmeDriverGuestIT {
    static final long NAMESPACE_BYTES = 256L << 20;
    static final String SERIAL = "jvhost-nvme-01";
    private static Path home;
    private static Path work;
    private static GuestImage guest;

    @BeforeClass
    public static void buildGuest() throws Exception {
        for (String tool : new String[] {"qemu-system-x86_64", "busybox", "cpio"}) {
            assertTrue(tool + " is needed for end-to-end tests (.ci/run installs it)", Processes.onPath(tool));
        }
        home = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();
        work = Files.createDirectories(home.resolve("itests/target/nvme-driver-it"));
        guest = GuestImage.build(home);
    }

    /**
     * The guest's command line: 2 GiB RAM, the NVMe controller ({@code nvme:IMAGE,serial=S} or
     * {@code nvme-sriov:...}, see run-guest.sh), the three shares, and the IOMMU if asked.
     */
    static Qemu vfioGuest(Path home, GuestImage guest, Path initrd, String nvme, boolean iommu) {
        Path m2 = Path.of(System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
        Qemu q = new Qemu(home, guest.kernel(), initrd);
        if (iommu) {
            q.device("iommu");
        }
        return q.device("mem:2G")
                .device("share:jdk=" + System.getProperty("java.home")).device("share:home=" + home)
                .device("share:m2=" + m2).device(nvme);
    }

    /** The guest script: the common prologue, the variables it expects, then {@code tests/NAME}. */
    static String script(Path home, String name, String variables) throws java.io.IOException {
        Path tests = home.resolve("itests/guest/tests");
        return "#!/bin/sh\n" + variables + "\n" + Files.readString(tests.resolve("nvme-common.sh")) + "\n"
                + Files.readString(tests.resolve(name));
    }

    /**
     * Boots a guest that runs {@code tests/NAME.sh} against a fresh namespace image behind run-guest.sh's
     * {@code kind} of NVMe device ({@code nvme} or {@code nvme-sriov}); returns the console of a run
     * that passed.
     */
    private static String runGuestTest(String name, String variables, String kind, boolean iommu, long timeoutSeconds)
            throws Exception {
        Path image = work.resolve(name + ".img");
        Files.deleteIfExists(image);
        Processes.run(List.of("truncate", "-s", Long.toString(NAMESPACE_BYTES), image.toString()), 30);
        Path initrd = guest.withTest(work, name, script(home, name + ".sh", variables));
        String console = vfioGuest(home, guest, initrd, kind + ":" + image + ",serial=" + SERIAL, iommu)
                .run(work.resolve(name + "-console.log"), timeoutSeconds);
        assertTrue("guest test failed; console:\n" + console, console.contains("JVTEST RESULT PASS"));
        return console;
    }

    @Test
    public void driverAttachesChecksIdentifyVerifiesDataAndDetachesInsideAGuest() throws Exception {
        String console = runGuestTest("nvme-driver", "NS_BYTES=" + NAMESPACE_BYTES + "\nSERIAL=" + SERIAL, "nvme", true,
                1200);
        assertTrue(console, console.contains("JVNVME bdevperf verify passed"));
    }

    /**
     * Faults, made with QEMU's SR-IOV NVMe controller ({@code tests/nvme-fault.sh}): jvhost drives the
     * virtual function while the guest kernel, holding the physical function, takes the function's
     * secondary controller offline (fatal status, never ready) and online again. Attach of a controller
     * that never becomes ready; a failing reset given up after the loss timeout; timeouts, aborts and
     * resets under bdevperf verify; fatal status with reconnect attempts until the controller is back
     * (taken offline only when idle: QEMU 7.2 crashes otherwise); detach while reconnecting.
     */
    @Test
    public void faultsOfAVirtualFunctionAreSurvivedWithoutFailedIo() throws Exception {
        String console = runGuestTest("nvme-fault", "", "nvme-sriov", true, 1200);
        assertTrue(console, console.contains("JVNVME fault handling passed"));
    }

    @Test
    public void driverVerifiesDataInNoIommuModeWithoutAnIommu() throws Exception {
        String console = runGuestTest("nvme-noiommu", "", "nvme", false, 900);
        assertTrue(console, console.contains("JVNVME no-IOMMU verify passed"));
        assertTrue(console, console.contains("JVNVME hot swap of the nvme module with a controller attached passed"));
    }
}
