package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.driver.NvmeDriverException;
import io.jvhost.nvme.driver.PciAddress;
import io.jvhost.posix.Errno;
import io.jvhost.posix.Fd;
import io.jvhost.posix.Memory;
import io.jvhost.posix.NativeException;
import io.jvhost.posix.Posix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One PCI function opened through VFIO: its container, its IOMMU group and the device descriptor,
 * with the configuration space and BAR0 mapped. {@link #open} checks everything a user can get
 * wrong (address, driver binding, permissions, group viability) and leaves nothing open on failure.
 */
final class VfioDevice implements AutoCloseable {
    private final PciAddress address;
    private final VfioContainer container;
    private final Fd group;
    private final Fd device;
    private final long configOffset;
    private MemorySegment bar0;

    private VfioDevice(PciAddress address, VfioContainer container, Fd group, Fd device, long configOffset) {
        this.address = address;
        this.container = container;
        this.group = group;
        this.device = device;
        this.configOffset = configOffset;
    }

    /** Opens {@code address}; with {@code noIommu} the group must be a no-IOMMU group and DMA uses physical addresses. */
    static VfioDevice open(PciAddress address, boolean noIommu) {
        Path sysfs = address.sysfs();
        if (!Files.isDirectory(sysfs)) {
            throw new NvmeDriverException("no PCI device " + address + " (see /sys/bus/pci/devices or lspci -D)");
        }
        String driver = linkName(sysfs.resolve("driver"));
        if (!"vfio-pci".equals(driver)) {
            throw new NvmeDriverException("PCI device " + address + " is " + (driver == null ? "bound to no driver"
                    : "bound to " + driver) + ", not vfio-pci: bind it with 'echo vfio-pci > " + sysfs
                    + "/driver_override; " + (driver == null ? "" : "echo " + address + " > " + sysfs.resolve("driver")
                    + "/unbind; ") + "echo " + address + " > /sys/bus/pci/drivers_probe' (SPDK's setup.sh does the same)");
        }
        String groupNumber = linkName(sysfs.resolve("iommu_group"));
        if (groupNumber == null) {
            throw new NvmeDriverException("PCI device " + address + " has no IOMMU group: boot with the IOMMU on "
                    + "(intel_iommu=on) or use no-IOMMU mode");
        }
        Path groupPath = Path.of("/dev/vfio", (noIommu ? "noiommu-" : "") + groupNumber);
        if (!noIommu && !Files.exists(groupPath) && Files.exists(Path.of("/dev/vfio/noiommu-" + groupNumber))) {
            throw new NvmeDriverException(address + " is in no-IOMMU group " + groupNumber
                    + ": attach it in no-IOMMU mode (\"no_iommu\": true), or boot with the IOMMU on");
        }
        VfioContainer container = VfioContainer.open();
        Fd group = null;
        Fd device = null;
        try {
            try {
                group = new Fd(Posix.open(groupPath.toString(), Posix.O_RDWR, 0));
            } catch (NativeException e) {
                throw new NvmeDriverException("cannot open " + groupPath + " for " + address + ": " + e.getMessage()
                        + (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM
                                ? (noIommu ? " (no-IOMMU mode needs root: CAP_SYS_RAWIO)"
                                        : " (give this user the group file, e.g. chown, or run as root)")
                                : e.errno() == Errno.EBUSY ? " (another process, e.g. SPDK or QEMU, holds it)" : ""));
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment status = a.allocate(Vfio.GROUP_STATUS_BYTES, 4);
                status.set(ValueLayout.JAVA_INT, 0, Vfio.GROUP_STATUS_BYTES);
                Posix.ioctl(group.fd(), Vfio.GROUP_GET_STATUS, status);
                if ((status.get(ValueLayout.JAVA_INT, 4) & Vfio.GROUP_FLAGS_VIABLE) == 0) {
                    throw new NvmeDriverException("IOMMU group " + groupNumber + " of " + address + " is not viable: "
                            + "every device in it must be bound to vfio-pci or to no driver (see " + sysfs
                            + "/iommu_group/devices)");
                }
                MemorySegment containerFd = a.allocate(ValueLayout.JAVA_INT);
                containerFd.set(ValueLayout.JAVA_INT, 0, container.fd());
                Posix.ioctl(group.fd(), Vfio.GROUP_SET_CONTAINER, containerFd);
                container.setIommu(noIommu);
                try {
                    device = new Fd(Posix.ioctl(group.fd(), Vfio.GROUP_GET_DEVICE_FD, a.allocateFrom(address.toString())));
                } catch (NativeException e) {
                    throw new NvmeDriverException("VFIO_GROUP_GET_DEVICE_FD for " + address + " failed: " + e.getMessage()
                            + (e.errno() == Errno.EBUSY ? " (the device is open elsewhere)" : ""));
                }
                MemorySegment info = a.allocate(Vfio.DEVICE_INFO_BYTES, 4);
                info.set(ValueLayout.JAVA_INT, 0, Vfio.DEVICE_INFO_BYTES);
                Posix.ioctl(device.fd(), Vfio.DEVICE_GET_INFO, info);
                if ((info.get(ValueLayout.JAVA_INT, 4) & Vfio.DEVICE_FLAGS_PCI) == 0
                        || info.get(ValueLayout.JAVA_INT, Vfio.DEVICE_INFO_NUM_REGIONS) <= Vfio.PCI_CONFIG_REGION) {
                    throw new NvmeDriverException(address + " is not a PCI device as VFIO reports it");
                }
                long[] config = region(device, Vfio.PCI_CONFIG_REGION, a);
                VfioDevice d = new VfioDevice(address, container, group, device, config[1]);
                int classCode = d.readConfig(Vfio.PCI_CLASS_PROG, 4) & 0xFFFFFF;
                if (classCode != Vfio.PCI_CLASS_NVME) {
                    throw new NvmeDriverException(address + " is not an NVMe controller (PCI class 0x"
                            + Integer.toHexString(classCode) + ", NVMe is 0x10802)");
                }
                long[] bar = region(device, Vfio.PCI_BAR0_REGION, a);
                if ((bar[2] & Vfio.REGION_FLAG_MMAP) == 0 || bar[0] < 0x2000) {
                    throw new NvmeDriverException(address + "'s BAR0 cannot be mapped (" + bar[0] + " bytes)");
                }
                d.bar0 = Memory.mmap(bar[0], Memory.PROT_READ | Memory.PROT_WRITE, Memory.MAP_SHARED, device.fd(), bar[1]);
                return d;
            }
        } catch (RuntimeException e) {
            if (device != null) {
                device.close();
            }
            if (group != null) {
                group.close();
            }
            container.close();
            throw e instanceof NativeException n
                    ? new NvmeDriverException("VFIO set-up of " + address + " failed: " + n.getMessage(), n) : e;
        }
    }

    /** {size, offset, flags} of a region. */
    private static long[] region(Fd device, int index, Arena a) {
        MemorySegment r = a.allocate(Vfio.REGION_INFO_BYTES, 8);
        r.set(ValueLayout.JAVA_INT, 0, Vfio.REGION_INFO_BYTES);
        r.set(ValueLayout.JAVA_INT, Vfio.REGION_INFO_INDEX, index);
        Posix.ioctl(device.fd(), Vfio.DEVICE_GET_REGION_INFO, r);
        return new long[] {r.get(ValueLayout.JAVA_LONG, Vfio.REGION_INFO_SIZE),
                r.get(ValueLayout.JAVA_LONG, Vfio.REGION_INFO_OFFSET), r.get(ValueLayout.JAVA_INT, Vfio.REGION_INFO_FLAGS)};
    }

    private static String linkName(Path link) {
        try {
            return Files.readSymbolicLink(link).getFileName().toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    PciAddress address() {
        return address;
    }

    VfioContainer container() {
        return container;
    }

    /** BAR0: the controller's registers and doorbells. */
    MemorySegment bar0() {
        return bar0;
    }

    /** Reads 1, 2 or 4 bytes of configuration space (little-endian). */
    int readConfig(int offset, int bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(4, 4);
            Posix.pread(device.fd(), b, bytes, configOffset + offset);
            return b.get(ValueLayout.JAVA_INT, 0) & (bytes == 4 ? -1 : (1 << (8 * bytes)) - 1);
        }
    }

    void writeConfig(int offset, int bytes, int value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(4, 4);
            b.set(ValueLayout.JAVA_INT, 0, value);
            Posix.pwrite(device.fd(), b, bytes, configOffset + offset);
        }
    }

    /** Lets the function master the bus (DMA) and answer memory accesses; vfio-pci leaves mastering off. */
    void enableBusMaster() {
        int cmd = readConfig(Vfio.PCI_COMMAND, 2);
        writeConfig(Vfio.PCI_COMMAND, 2, cmd | Vfio.PCI_COMMAND_MASTER | Vfio.PCI_COMMAND_MEMORY
                | Vfio.PCI_COMMAND_INTX_DISABLE);
    }

    void disableBusMaster() {
        int cmd = readConfig(Vfio.PCI_COMMAND, 2);
        writeConfig(Vfio.PCI_COMMAND, 2, cmd & ~Vfio.PCI_COMMAND_MASTER);
    }

    @Override
    public void close() {
        if (bar0 != null) {
            Memory.munmap(bar0);
            bar0 = null;
        }
        device.close();
        group.close();
        container.close();
    }
}
