package io.jvhost.nvme.driver;

/**
 * What Identify Controller and the registers say about an attached controller.
 *
 * @param vendorId PCI vendor id (VID)
 * @param subsystemVendorId PCI subsystem vendor id (SSVID)
 * @param serial serial number (SN), trimmed
 * @param model model number (MN), trimmed
 * @param firmware firmware revision (FR), trimmed
 * @param version NVMe version from the VS register, e.g. {@code 1.4.0}
 * @param maxTransferBytes largest transfer one command may carry (MDTS, capped by the driver)
 * @param namespaceCount number of namespaces (NN)
 * @param oncs optional NVM commands (ONCS bits)
 * @param volatileWriteCache whether the controller has a volatile write cache (VWC)
 * @param doorbellBufferConfig whether it supports Doorbell Buffer Config (OACS bit 8)
 * @param maxQueueEntries CAP.MQES + 1
 * @param subsystemNqn SUBNQN, trimmed
 */
public record ControllerData(int vendorId, int subsystemVendorId, String serial, String model, String firmware,
        String version, int maxTransferBytes, int namespaceCount, int oncs, boolean volatileWriteCache,
        boolean doorbellBufferConfig, int maxQueueEntries, String subsystemNqn) {
}
