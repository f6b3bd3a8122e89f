package io.jvhost.nvme.driver.internal;

/**
 * VFIO's ioctl numbers and structure layouts (linux/vfio.h), in one place. Every structure starts
 * with {@code argsz} and {@code flags}, both 32-bit; the kernel checks argsz against its own size.
 */
final class Vfio {
    /** _IO(';', 100 + n). */
    private static final int TYPE = ';' << 8, BASE = 100;
    static final long GET_API_VERSION = TYPE | BASE, CHECK_EXTENSION = TYPE | (BASE + 1),
            SET_IOMMU = TYPE | (BASE + 2), GROUP_GET_STATUS = TYPE | (BASE + 3),
            GROUP_SET_CONTAINER = TYPE | (BASE + 4), GROUP_UNSET_CONTAINER = TYPE | (BASE + 5),
            GROUP_GET_DEVICE_FD = TYPE | (BASE + 6), DEVICE_GET_INFO = TYPE | (BASE + 7),
            DEVICE_GET_REGION_INFO = TYPE | (BASE + 8), DEVICE_RESET = TYPE | (BASE + 11),
            IOMMU_MAP_DMA = TYPE | (BASE + 13), IOMMU_UNMAP_DMA = TYPE | (BASE + 14);
    static final int API_VERSION = 0;
    /** IOMMU back-ends: type 1 v2, and no IOMMU at all (physical addresses; needs CONFIG_VFIO_NOIOMMU). */
    static final int TYPE1V2_IOMMU = 3, NOIOMMU_IOMMU = 8;
    static final int GROUP_FLAGS_VIABLE = 1;

    /** struct vfio_group_status: argsz, flags. */
    static final int GROUP_STATUS_BYTES = 8;
    /** struct vfio_device_info: argsz, flags, num_regions, num_irqs. */
    static final int DEVICE_INFO_BYTES = 16, DEVICE_INFO_NUM_REGIONS = 8;
    static final int DEVICE_FLAGS_PCI = 1 << 1;
    /** struct vfio_region_info: argsz, flags, index, cap_offset, size (u64), offset (u64). */
    static final int REGION_INFO_BYTES = 32, REGION_INFO_FLAGS = 4, REGION_INFO_INDEX = 8, REGION_INFO_SIZE = 16,
            REGION_INFO_OFFSET = 24;
    static final int REGION_FLAG_READ = 1, REGION_FLAG_WRITE = 2, REGION_FLAG_MMAP = 4;
    /** Region indices of a PCI device. */
    static final int PCI_BAR0_REGION = 0, PCI_CONFIG_REGION = 7;
    /** struct vfio_iommu_type1_dma_map: argsz, flags, vaddr, iova, size. */
    static final int DMA_MAP_BYTES = 32, DMA_MAP_FLAGS = 4, DMA_MAP_VADDR = 8, DMA_MAP_IOVA = 16, DMA_MAP_SIZE = 24;
    static final int DMA_MAP_FLAG_READ = 1, DMA_MAP_FLAG_WRITE = 2;
    /** struct vfio_iommu_type1_dma_unmap: argsz, flags, iova, size. */
    static final int DMA_UNMAP_BYTES = 24, DMA_UNMAP_IOVA = 8, DMA_UNMAP_SIZE = 16;

    /** PCI configuration space: command register and its bus-master bit; class code at 0x09 (3 bytes). */
    static final int PCI_COMMAND = 0x04, PCI_COMMAND_MEMORY = 1 << 1, PCI_COMMAND_MASTER = 1 << 2,
            PCI_COMMAND_INTX_DISABLE = 1 << 10, PCI_CLASS_PROG = 0x09;
    /** Mass storage / non-volatile memory / NVM Express. */
    static final int PCI_CLASS_NVME = 0x010802;

    private Vfio() {
    }
}
