package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.driver.NamespaceData;
import io.jvhost.nvme.driver.NvmeDriverException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin commands the driver sends, each failure naming the controller and the command: Identify,
 * Number of Queues, Doorbell Buffer Config, I/O queue creation and deletion, Abort.
 */
final class AdminCommands {
    private static final Logger LOG = LoggerFactory.getLogger(AdminCommands.class);
    /** Queue pairs asked for in Set Features / Number of Queues (0-based: 64). */
    private static final int QUEUES_WANTED = 63;
    private final String name;
    private final String label;
    private final AdminQueue admin;
    private final DmaBuffer scratch;
    private final long timeoutNanos;

    AdminCommands(String name, VfioDevice device, AdminQueue admin, DmaBuffer scratch, long timeoutNanos) {
        this.name = name;
        this.label = name + " (" + device.address() + ")";
        this.admin = admin;
        this.scratch = scratch;
        this.timeoutNanos = timeoutNanos;
    }

    AdminQueue.Result execute(int opcode, int nsid, long prp1, long prp2, int cdw10, int cdw11, int cdw12) {
        try {
            return admin.execute(opcode, nsid, prp1, prp2, cdw10, cdw11, cdw12, timeoutNanos);
        } catch (AdminQueue.NoCompletion e) {
            throw new NvmeDriverException(label + ": " + e.getMessage());
        }
    }

    /** The admin queue starts empty again (after the controller was disabled by a reset). */
    void resetQueue() {
        admin.reset();
    }

    /** Identify into the scratch page, which the caller reads before the next command. */
    MemorySegment identify(int cns, int nsid) {
        scratch.memory().fill((byte) 0);
        AdminQueue.Result r = execute(Nvme.ADMIN_IDENTIFY, nsid, scratch.iova(0), 0, cns, 0, 0);
        if (!r.ok()) {
            throw failed("Identify CNS " + cns + " nsid " + nsid, r);
        }
        return scratch.memory();
    }

    /** Set Features / Number of Queues: asks for 64 pairs; returns how many the controller granted. */
    int negotiateQueues() {
        AdminQueue.Result r = execute(Nvme.ADMIN_SET_FEATURES, 0, 0, 0, Nvme.FEAT_NUMBER_OF_QUEUES,
                QUEUES_WANTED | QUEUES_WANTED << 16, 0);
        if (!r.ok()) {
            throw failed("Set Features (number of queues)", r);
        }
        return Math.min(r.dw0() & 0xFFFF, r.dw0() >>> 16) + 1;
    }

    /** The active namespaces the driver can use (IdentifyParser skips the rest). */
    List<NamespaceData> findNamespaces() {
        MemorySegment page = identify(Nvme.CNS_ACTIVE_NAMESPACES, 0);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            int nsid = page.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
            if (nsid == 0) {
                break;
            }
            ids.add(nsid);
        }
        List<NamespaceData> found = new ArrayList<>();
        for (int nsid : ids) {
            NamespaceData ns = IdentifyParser.namespace(nsid, identify(Nvme.CNS_NAMESPACE, nsid));
            if (ns != null) {
                found.add(ns);
            }
        }
        return found;
    }

    /** Doorbell Buffer Config with zeroed pages; false (logged) when the controller refused it. */
    boolean configureDoorbellBuffer(DoorbellBuffer buffer) {
        buffer.clear();
        AdminQueue.Result r = execute(Nvme.ADMIN_DOORBELL_BUFFER_CONFIG, 0, buffer.shadowIova(), buffer.eventIdxIova(),
                0, 0, 0);
        if (!r.ok()) {
            LOG.warn("nvme {}: Doorbell Buffer Config failed with status 0x{}; using MMIO doorbells", name,
                    Integer.toHexString(r.status()));
            return false;
        }
        return true;
    }

    /** Create I/O CQ (physically contiguous, interrupts off) then its SQ; the pair's memory goes on failure. */
    void createQueues(PcieQueuePair qp) {
        int qid = qp.id();
        int size = qp.entries() - 1;
        AdminQueue.Result r = execute(Nvme.ADMIN_CREATE_CQ, 0, qp.completionQueueIova(), 0, size << 16 | qid, 1, 0);
        if (!r.ok()) {
            qp.releaseMemory();
            throw failed("Create I/O CQ " + qid, r);
        }
        r = execute(Nvme.ADMIN_CREATE_SQ, 0, qp.submissionQueueIova(), 0, size << 16 | qid, qid << 16 | 1, 0);
        if (!r.ok()) {
            execute(Nvme.ADMIN_DELETE_CQ, 0, 0, 0, qid, 0, 0);
            qp.releaseMemory();
            throw failed("Create I/O SQ " + qid, r);
        }
    }

    /** Delete I/O SQ, then its CQ. */
    void deleteQueues(int qid) {
        execute(Nvme.ADMIN_DELETE_SQ, 0, 0, 0, qid, 0, 0);
        execute(Nvme.ADMIN_DELETE_CQ, 0, 0, 0, qid, 0, 0);
    }

    /** Abort for a timed-out command; the outcome is logged, never thrown. */
    void abort(int qid, int cid) {
        try {
            AdminQueue.Result r = execute(Nvme.ADMIN_ABORT, 0, 0, 0, cid << 16 | qid, 0, 0);
            LOG.warn("nvme {}: command {} on queue {} timed out; abort {}", name, cid, qid,
                    !r.ok() ? "failed (0x" + Integer.toHexString(r.status()) + ")"
                            : (r.dw0() & 1) == 0 ? "accepted" : "not performed");
        } catch (RuntimeException e) {
            LOG.warn("nvme {}: abort of command {} on queue {} failed: {}", name, cid, qid, e.getMessage());
        }
    }

    private NvmeDriverException failed(String command, AdminQueue.Result r) {
        return new NvmeDriverException(name + ": " + command + " failed with status 0x" + Integer.toHexString(r.status()));
    }
}
