package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.driver.NvmeDriverException;
import io.jvhost.posix.Fd;
import io.jvhost.posix.NativeException;
import io.jvhost.posix.Posix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A VFIO container ({@code /dev/vfio/vfio}): the IOMMU context devices of its groups share. With the
 * type-1 IOMMU, memory becomes visible to the device by {@link #map}ping it at an I/O virtual address
 * from {@link #allocateIova}: process addresses use 47 bits, more than many IOMMUs translate (QEMU's
 * Intel IOMMU and many client chipsets: 39), so I/O addresses are handed out from 4 GiB upwards,
 * above the x86 interrupt window. In no-IOMMU mode devices see physical addresses and nothing is mapped.
 */
final class VfioContainer implements AutoCloseable {
    static final String PATH = "/dev/vfio/vfio";
    private final Fd fd;
    private static final long IOVA_START = 1L << 32, IOVA_END = 1L << 39;
    private boolean iommuSet;
    private long nextIova = IOVA_START;
    private boolean noIommu;

    private VfioContainer(Fd fd) {
        this.fd = fd;
    }

    static VfioContainer open() {
        int raw;
        try {
            raw = Posix.open(PATH, Posix.O_RDWR, 0);
        } catch (NativeException e) {
            throw new NvmeDriverException("cannot open " + PATH + " (" + e.getMessage()
                    + "): load the vfio and vfio-pci modules (modprobe vfio-pci) and run as a user allowed to use VFIO");
        }
        VfioContainer c = new VfioContainer(new Fd(raw));
        try {
            int version = Posix.ioctl(raw, Vfio.GET_API_VERSION, 0L);
            if (version != Vfio.API_VERSION) {
                throw new NvmeDriverException(PATH + " speaks VFIO API " + version + ", jvhost knows " + Vfio.API_VERSION);
            }
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    int fd() {
        return fd.fd();
    }

    boolean supports(int iommuType) {
        try {
            return Posix.ioctl(fd.fd(), Vfio.CHECK_EXTENSION, (long) iommuType) > 0;
        } catch (NativeException e) {
            return false;
        }
    }

    /** Chooses the IOMMU back-end; called once, after the first group joined. */
    void setIommu(boolean noIommuMode) {
        int type = noIommuMode ? Vfio.NOIOMMU_IOMMU : Vfio.TYPE1V2_IOMMU;
        if (!supports(type)) {
            throw new NvmeDriverException(noIommuMode
                    ? "VFIO has no no-IOMMU mode here: load vfio with enable_unsafe_noiommu_mode=1 (a kernel built with CONFIG_VFIO_NOIOMMU)"
                    : "VFIO has no type-1 IOMMU back-end: load vfio_iommu_type1, and boot with the IOMMU on (intel_iommu=on)");
        }
        try {
            Posix.ioctl(fd.fd(), Vfio.SET_IOMMU, (long) type);
        } catch (NativeException e) {
            throw new NvmeDriverException("VFIO_SET_IOMMU (" + (noIommuMode ? "no-IOMMU" : "type 1") + ") failed: "
                    + e.getMessage() + (noIommuMode ? "" : "; is vfio_iommu_type1 loaded?"));
        }
        iommuSet = true;
        noIommu = noIommuMode;
    }

    boolean noIommu() {
        return noIommu;
    }

    /** An unused I/O address range of {@code size} bytes, aligned to 2 MiB (huge pages map whole). */
    synchronized long allocateIova(long size) {
        long at = nextIova;
        long end = at + ((size + (2L << 20) - 1) & -(2L << 20));
        if (end > IOVA_END) {
            throw new NvmeDriverException("out of I/O virtual addresses (" + (IOVA_END - IOVA_START) + " bytes mapped)");
        }
        nextIova = end;
        return at;
    }

    /** Makes {@code memory} readable and writable by the devices at I/O address {@code iova}. */
    void map(MemorySegment memory, long iova) {
        if (noIommu || !iommuSet) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(Vfio.DMA_MAP_BYTES, 8);
            m.set(ValueLayout.JAVA_INT, 0, Vfio.DMA_MAP_BYTES);
            m.set(ValueLayout.JAVA_INT, Vfio.DMA_MAP_FLAGS, Vfio.DMA_MAP_FLAG_READ | Vfio.DMA_MAP_FLAG_WRITE);
            m.set(ValueLayout.JAVA_LONG, Vfio.DMA_MAP_VADDR, memory.address());
            m.set(ValueLayout.JAVA_LONG, Vfio.DMA_MAP_IOVA, iova);
            m.set(ValueLayout.JAVA_LONG, Vfio.DMA_MAP_SIZE, memory.byteSize());
            Posix.ioctl(fd.fd(), Vfio.IOMMU_MAP_DMA, m);
        } catch (NativeException e) {
            throw new NvmeDriverException("VFIO_IOMMU_MAP_DMA of " + memory.byteSize() + " bytes at 0x"
                    + Long.toHexString(iova) + " failed: " + e.getMessage()
                    + " (ENOMEM: raise the locked-memory limit, ulimit -l)");
        }
    }

    /** Undoes {@link #map}; the device can no longer reach the memory afterwards. */
    void unmap(long iova, long size) {
        if (noIommu || !iommuSet || !fd.isOpen()) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(Vfio.DMA_UNMAP_BYTES, 8);
            m.set(ValueLayout.JAVA_INT, 0, Vfio.DMA_UNMAP_BYTES);
            m.set(ValueLayout.JAVA_LONG, Vfio.DMA_UNMAP_IOVA, iova);
            m.set(ValueLayout.JAVA_LONG, Vfio.DMA_UNMAP_SIZE, size);
            Posix.ioctl(fd.fd(), Vfio.IOMMU_UNMAP_DMA, m);
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
