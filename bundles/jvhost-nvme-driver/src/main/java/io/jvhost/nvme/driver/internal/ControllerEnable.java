package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.driver.NvmeDriverException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The controller's enable state over its registers: the capabilities it must have, CC.EN off and on
 * with the CSTS.RDY wait bounded by CAP.TO, and the shutdown notification before it lets go.
 */
final class ControllerEnable {
    private final String label;
    private final ControllerRegisters registers;
    private final long capabilities;
    /** CAP.TO, in 500 ms units: the longest CSTS.RDY may take to follow CC.EN. */
    private final long readyTimeoutNanos;

    /** Reads and checks the capabilities; refuses a controller that cannot become ready. */
    ControllerEnable(String name, VfioDevice device, ControllerRegisters registers) {
        this.label = name + " (" + device.address() + ")";
        this.registers = registers;
        this.capabilities = registers.capabilities();
        int csts = registers.status();
        if (ControllerRegisters.gone(csts)) {
            throw new NvmeDriverException(label + ": BAR0 reads all ones; the device is not responding");
        }
        if (capabilities == 0) {
            throw new NvmeDriverException(label + ": the controller's capabilities read zero"
                    + ((csts & ControllerRegisters.CSTS_CFS) != 0 ? " and it reports fatal status (CSTS.CFS)" : "")
                    + "; it cannot become ready. An SR-IOV virtual function is like this while its secondary controller "
                    + "is offline: bring it online from the physical function (Virtualization Management, "
                    + "e.g. nvme virt-mgmt)");
        }
        if ((capabilities >>> 37 & 1) == 0) {
            throw new NvmeDriverException(label + " does not support the NVM command set");
        }
        if (((capabilities >>> 48) & 0xF) != 0) {
            throw new NvmeDriverException(label + " does not support 4 KiB memory pages");
        }
        this.readyTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, (capabilities >>> 24) & 0xFF) * 500);
    }

    long capabilities() {
        return capabilities;
    }

    long readyTimeoutNanos() {
        return readyTimeoutNanos;
    }

    void disable() {
        if ((registers.configuration() & ControllerRegisters.CC_ENABLE) != 0) {
            registers.configure(registers.configuration() & ~ControllerRegisters.CC_ENABLE);
        }
        awaitReady(false, "become disabled (CSTS.RDY 0)");
    }

    void enable() {
        registers.configure(ControllerRegisters.CC_ENABLE | ControllerRegisters.CC_IOSQES_64
                | ControllerRegisters.CC_IOCQES_16);
        awaitReady(true, "become ready (CSTS.RDY 1)");
    }

    private void awaitReady(boolean ready, String what) {
        long deadline = System.nanoTime() + readyTimeoutNanos;
        while (true) {
            int csts = registers.status();
            if (ControllerRegisters.gone(csts)) {
                throw new NvmeDriverException(label + ": the device stopped responding");
            }
            if (ready && (csts & ControllerRegisters.CSTS_CFS) != 0) {
                throw new NvmeDriverException(label + " reported controller fatal status while enabling");
            }
            if (((csts & ControllerRegisters.CSTS_RDY) != 0) == ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new NvmeDriverException(label + " did not " + what + " within "
                        + TimeUnit.NANOSECONDS.toMillis(readyTimeoutNanos) + " ms (CAP.TO)");
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new NvmeDriverException(label + ": interrupted waiting to " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Shutdown notification (when {@code shutdown}, waiting up to 10 s for it to complete), then CC.EN off. */
    void shutDown(boolean shutdown) {
        if (shutdown) {
            registers.configure((registers.configuration() & ~ControllerRegisters.CC_SHN_MASK)
                    | ControllerRegisters.CC_SHN_NORMAL);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((registers.status() & ControllerRegisters.CSTS_SHST_MASK) != ControllerRegisters.CSTS_SHST_COMPLETE
                    && System.nanoTime() < deadline && !ControllerRegisters.gone(registers.status())) {
                LockSupport.parkNanos(1_000_000);
            }
        }
        registers.configure(registers.configuration() & ~ControllerRegisters.CC_ENABLE);
    }

    /** A failed bring-up: the controller must stop DMA before its memory goes. */
    static void abandon(VfioDevice device) {
        try {
            ControllerRegisters r = new ControllerRegisters(device.bar0());
            r.configure(r.configuration() & ~ControllerRegisters.CC_ENABLE);
            device.disableBusMaster();
        } finally {
            device.close();
        }
    }
}
