package io.jvhost.vhostnvme.internal;

import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.Sqe;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Admin commands forwarded by the hypervisor (NVME_ADMIN): the 64-byte command in, the 16-byte
 * completion out, followed by the data for commands that return some (Identify, Get Log Page).
 * Runs on the session thread under the device's lock.
 */
final class Admin {
    private final NvmeDevice d;
    private int dw0;
    private byte[] data;

    Admin(NvmeDevice d) {
        this.d = d;
    }

    /** Executes the command in {@code sqe}; returns the reply payload. */
    byte[] execute(MemorySegment sqe) {
        int status = run(sqe);
        int cid = Sqe.cid(sqe, 0);
        byte[] reply = new byte[Nvme.CQE_BYTES + (data != null && status == Nvme.SUCCESS ? data.length : 0)];
        MemorySegment r = MemorySegment.ofArray(reply);
        io.jvhost.nvme.Cqe.writeBody(r, 0, dw0, 0, 0, cid);
        r.set(ValueLayout.JAVA_SHORT_UNALIGNED, io.jvhost.nvme.Cqe.STATUS, io.jvhost.nvme.Cqe.statusField(status, true));
        if (data != null && status == Nvme.SUCCESS) {
            System.arraycopy(data, 0, reply, Nvme.CQE_BYTES, data.length);
        }
        return reply;
    }

    private int run(MemorySegment s) {
        int opcode = Sqe.opcode(s, 0);
        int cdw10 = Sqe.cdw(s, 0, 10);
        int cdw11 = Sqe.cdw(s, 0, 11);
        if (!d.enabled() && opcode != Nvme.ADMIN_IDENTIFY) {
            return Nvme.COMMAND_SEQUENCE_ERROR;
        }
        return switch (opcode) {
            case Nvme.ADMIN_IDENTIFY -> identify(cdw10 & 0xFF, Sqe.nsid(s, 0));
            case Nvme.ADMIN_CREATE_CQ -> createCq(cdw10, cdw11, Sqe.prp1(s, 0));
            case Nvme.ADMIN_CREATE_SQ -> createSq(cdw10, cdw11, Sqe.prp1(s, 0));
            case Nvme.ADMIN_DELETE_SQ -> d.queues().deleteSq(cdw10 & 0xFFFF);
            // a CQ that an SQ still feeds is refused (Invalid Queue Deletion)
            case Nvme.ADMIN_DELETE_CQ -> d.queues().deleteCq(cdw10 & 0xFFFF);
            case Nvme.ADMIN_GET_FEATURES -> getFeature(cdw10 & 0xFF);
            case Nvme.ADMIN_SET_FEATURES -> setFeature(cdw10, cdw11);
            case Nvme.ADMIN_GET_LOG_PAGE -> logPage(cdw10, cdw11);
            case Nvme.ADMIN_ABORT -> {
                dw0 = 1; // commands run to completion against the bdev: nothing was aborted
                yield Nvme.SUCCESS;
            }
            case Nvme.ADMIN_DOORBELL_BUFFER_CONFIG -> d.configureDoorbells(Sqe.prp1(s, 0), Sqe.prp2(s, 0));
            // the hypervisor keeps AERs (it owns the admin queue); it hears of changes by config-change messages
            case Nvme.ADMIN_ASYNC_EVENT_REQUEST -> Nvme.INVALID_OPCODE | Nvme.DNR;
            default -> Nvme.INVALID_OPCODE | Nvme.DNR;
        };
    }

    private int identify(int cns, int nsid) {
        switch (cns) {
            case Nvme.CNS_CONTROLLER -> data = IdentifyData.controller(d.serial(), d.namespaces.maxId(),
                    d.offersDoorbellBuffer(),
                    d.namespaces.list().stream().anyMatch(n -> n.flush));
            case Nvme.CNS_NAMESPACE -> {
                Namespace ns = d.namespaces.get(nsid);
                if (ns == null) {
                    return Nvme.INVALID_NAMESPACE | Nvme.DNR;
                }
                data = IdentifyData.namespace(ns);
            }
            case Nvme.CNS_ACTIVE_NAMESPACES -> {
                if (nsid == 0xFFFFFFFE || nsid == 0xFFFFFFFF) {
                    return Nvme.INVALID_NAMESPACE | Nvme.DNR;
                }
                data = IdentifyData.activeNamespaces(d.namespaces.list().stream().mapToInt(n -> n.nsid).toArray(), nsid);
            }
            case Nvme.CNS_NAMESPACE_DESCRIPTORS -> {
                Namespace ns = d.namespaces.get(nsid);
                if (ns == null) {
                    return Nvme.INVALID_NAMESPACE | Nvme.DNR;
                }
                data = IdentifyData.descriptors(ns);
            }
            default -> {
                return Nvme.INVALID_FIELD | Nvme.DNR;
            }
        }
        return Nvme.SUCCESS;
    }

    /** Queue size in CDW10 bits 31:16 is 0-based; at least 2 entries, at most CAP.MQES + 1. */
    private static boolean badSize(int size) {
        return size < 2 || size > NvmeDevice.MAX_QUEUE_ENTRIES;
    }

    private int createCq(int cdw10, int cdw11, long prp1) {
        int qid = cdw10 & 0xFFFF;
        int size = (cdw10 >>> 16) + 1;
        if (qid < 1 || qid > d.ioQueues() || d.queues().cq(qid) != null) {
            return Nvme.INVALID_QUEUE_ID | Nvme.DNR;
        }
        if (badSize(size)) {
            return Nvme.INVALID_QUEUE_SIZE | Nvme.DNR;
        }
        if ((cdw11 & 1) == 0 || (prp1 & (Nvme.PAGE - 1)) != 0) {
            return Nvme.INVALID_FIELD | Nvme.DNR; // CAP.CQR: queues must be physically contiguous
        }
        return d.queues().createCq(qid, size, prp1, (cdw11 & 2) != 0);
    }

    private int createSq(int cdw10, int cdw11, long prp1) {
        int qid = cdw10 & 0xFFFF;
        int size = (cdw10 >>> 16) + 1;
        int cqid = cdw11 >>> 16;
        if (qid < 1 || qid > d.ioQueues() || d.queues().sq(qid) != null) {
            return Nvme.INVALID_QUEUE_ID | Nvme.DNR;
        }
        if (badSize(size)) {
            return Nvme.INVALID_QUEUE_SIZE | Nvme.DNR;
        }
        CompletionQueue cq = d.queues().cq(cqid);
        if (cq == null) {
            return Nvme.INVALID_CQ | Nvme.DNR;
        }
        if ((cdw11 & 1) == 0 || (prp1 & (Nvme.PAGE - 1)) != 0) {
            return Nvme.INVALID_FIELD | Nvme.DNR;
        }
        return d.queues().createSq(qid, size, prp1, cq);
    }

    private int getFeature(int fid) {
        switch (fid) {
            case Nvme.FEAT_NUMBER_OF_QUEUES -> dw0 = (d.ioQueues() - 1) | (d.ioQueues() - 1) << 16;
            case Nvme.FEAT_VOLATILE_WRITE_CACHE -> dw0 = d.writeCache() ? 1 : 0;
            case Nvme.FEAT_INTERRUPT_COALESCING -> dw0 = d.coalescing();
            case Nvme.FEAT_ARBITRATION -> dw0 = d.arbitration();
            case Nvme.FEAT_POWER_MANAGEMENT, Nvme.FEAT_ASYNC_EVENT_CONFIG -> dw0 = 0;
            default -> {
                return Nvme.INVALID_FIELD | Nvme.DNR;
            }
        }
        return Nvme.SUCCESS;
    }

    private int setFeature(int cdw10, int cdw11) {
        if (cdw10 < 0) {
            return Nvme.FEATURE_NOT_SAVEABLE | Nvme.DNR; // SV: nothing is saved across resets
        }
        switch (cdw10 & 0xFF) {
            case Nvme.FEAT_NUMBER_OF_QUEUES -> {
                if ((cdw11 & 0xFFFF) == 0xFFFF || (cdw11 >>> 16) == 0xFFFF) {
                    return Nvme.INVALID_FIELD | Nvme.DNR;
                }
                // the controller has a fixed number of queues and reports it whatever was asked
                dw0 = (d.ioQueues() - 1) | (d.ioQueues() - 1) << 16;
            }
            case Nvme.FEAT_VOLATILE_WRITE_CACHE -> d.setWriteCache((cdw11 & 1) != 0);
            case Nvme.FEAT_INTERRUPT_COALESCING -> d.setCoalescing(cdw11 & 0xFFFF);
            case Nvme.FEAT_ARBITRATION -> d.setArbitration(cdw11);
            case Nvme.FEAT_POWER_MANAGEMENT, Nvme.FEAT_ASYNC_EVENT_CONFIG -> {
                // accepted: one power state, events are not reported yet
            }
            default -> {
                return Nvme.INVALID_FIELD | Nvme.DNR;
            }
        }
        return Nvme.SUCCESS;
    }

    private int logPage(int cdw10, int cdw11) {
        int lid = cdw10 & 0xFF;
        long dwords = ((cdw10 >>> 16) | ((long) cdw11 & 0xFFFF) << 16) + 1;
        int bytes = (int) Math.min(dwords * 4, Nvme.PAGE);
        byte[] page = new byte[512];
        switch (lid) {
            case Nvme.LOG_CHANGED_NAMESPACES -> page = d.namespaces.takeChanged();
            case Nvme.LOG_ERROR -> page = new byte[64];
            case Nvme.LOG_SMART -> {
                MemorySegment s = MemorySegment.ofArray(page);
                s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 1, (short) 310); // composite temperature: 310 K
                page[3] = 100; // available spare
                page[4] = 10; // spare threshold
            }
            case Nvme.LOG_FIRMWARE_SLOT -> {
                page[0] = 1; // slot 1 active
                byte[] fr = "0.1     ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                System.arraycopy(fr, 0, page, 8, 8);
            }
            default -> {
                return Nvme.INVALID_LOG_PAGE | Nvme.DNR;
            }
        }
        data = java.util.Arrays.copyOf(page, bytes);
        return Nvme.SUCCESS;
    }
}
