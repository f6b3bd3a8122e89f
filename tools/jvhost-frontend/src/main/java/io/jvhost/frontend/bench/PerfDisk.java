package io.jvhost.frontend.bench;

import io.jvhost.frontend.BlkQueue;
import io.jvhost.frontend.BlkRequests;
import io.jvhost.frontend.ScsiQueue;
import io.jvhost.frontend.VhostUserBlkDisk;
import io.jvhost.frontend.VhostUserScsiHba;
import java.io.IOException;
import java.lang.foreign.ValueLayout;

/**
 * What the load generator drives: the queues of a vhost-user-blk disk, of one vhost-user-scsi LUN or of
 * namespace 1 of a vhost-user NVMe controller.
 */
public interface PerfDisk extends AutoCloseable {
    /** Told about each completed request; {@code ok} false for any error. */
    @FunctionalInterface
    interface Completion {
        void completed(int slot, boolean ok);
    }

    /** Queues (blk and SCSI request queues, NVMe I/O queue pairs). */
    int queueCount();

    /** Capacity in units of the benchmark's block size {@code bs}. */
    long blocks(int bs);

    /** Queues a read or write of {@code bs} bytes at block {@code block}; returns its slot. */
    int submit(int queue, boolean write, long block, int bs);

    /** Reaps the queue's completions, telling {@code c} about each; returns how many. */
    int poll(int queue, Completion c);

    /** Makes the requests queued since the last call visible to the back-end (and kicks it if it asks). */
    void publish(int queue);

    /** Requests submitted on {@code queue} and not completed yet. */
    int inFlight(int queue);

    @Override
    void close();

    /** Doorbell writes a hypervisor would have trapped so far (NVMe only; 0 when not counted). */
    default long trappedDoorbells() {
        return 0;
    }

    /**
     * Notifications the driver sent the device so far, on all queues: virtqueue kicks, or NVMe
     * doorbell writes that reached the controller (each one a VM exit in a real guest).
     */
    long kicks();

    /** Interrupts the device sent the driver so far, on all queues (call eventfd signals). */
    long calls();

    /**
     * Namespace 1 of a vhost-user NVMe controller: {@code queues} I/O queue pairs of {@code depth}
     * commands, each command with its own page-aligned buffer, with shadow doorbells when
     * {@code shadow} (else every doorbell write is relayed, as a hypervisor traps it).
     */
    static PerfDisk nvme(io.jvhost.frontend.VhostUserNvme ctrl, int queues, int depth, int bs, boolean shadow)
            throws IOException {
        ctrl.enable(true);
        byte[] ns = ctrl.admin(io.jvhost.nvme.Nvme.ADMIN_IDENTIFY, 1, io.jvhost.nvme.Nvme.CNS_NAMESPACE, 0, 0, 0);
        if (io.jvhost.frontend.VhostUserNvme.status(ns) != 0) {
            throw new IOException("the controller has no namespace 1");
        }
        var id = java.lang.foreign.MemorySegment.ofArray(ns).asSlice(16);
        long nsBlocks = id.get(ValueLayout.JAVA_LONG_UNALIGNED, io.jvhost.nvme.Identify.NSZE);
        int lbaSize = 1 << io.jvhost.nvme.Identify.lbads(id.get(ValueLayout.JAVA_INT_UNALIGNED,
                io.jvhost.nvme.Identify.LBAF0));
        if (bs % lbaSize != 0 || bs > 128 * 1024) {
            throw new IllegalArgumentException("--bs must be a multiple of the namespace's " + lbaSize
                    + "-byte blocks and at most 128 KiB");
        }
        if (shadow && io.jvhost.frontend.VhostUserNvme.status(ctrl.configureShadowDoorbells()) != 0) {
            throw new IOException("the controller refused Doorbell Buffer Config");
        }
        // 1024 entries per queue, as Linux's nvme driver asks for (io_queue_depth) when CAP allows
        int size = Math.min(1024, io.jvhost.nvme.Nvme.maxQueueEntries(ctrl.capabilities()));
        io.jvhost.frontend.VhostUserNvme.IoQueue[] qs = new io.jvhost.frontend.VhostUserNvme.IoQueue[queues];
        for (int q = 0; q < queues; q++) {
            qs[q] = ctrl.createQueuePair(q + 1, size);
        }
        // per command: its buffer and the PRP2 that goes with it (second page or a PRP list)
        long[][] prp1 = new long[queues][depth];
        long[][] prp2 = new long[queues][depth];
        int pages = (bs + 4095) / 4096;
        for (int q = 0; q < queues; q++) {
            for (int c = 0; c < depth; c++) {
                long buf = ctrl.ram.allocate((long) pages * 4096, 4096);
                prp1[q][c] = buf;
                if (pages == 2) {
                    prp2[q][c] = buf + 4096;
                } else if (pages > 2) {
                    long list = ctrl.ram.allocate(4096, 4096);
                    for (int p = 1; p < pages; p++) {
                        ctrl.ram.at(list, 4096).set(ValueLayout.JAVA_LONG_UNALIGNED, 8L * (p - 1), buf + 4096L * p);
                    }
                    prp2[q][c] = list;
                }
            }
        }
        int[][] free = new int[queues][depth];
        int[] freeCount = new int[queues];
        for (int q = 0; q < queues; q++) {
            for (int c = 0; c < depth; c++) {
                free[q][c] = depth - 1 - c;
            }
            freeCount[q] = depth;
        }
        int perIo = bs / lbaSize;
        return new PerfDisk() {
            @Override
            public int queueCount() {
                return queues;
            }

            @Override
            public long blocks(int bytes) {
                return nsBlocks * lbaSize / bytes;
            }

            @Override
            public int submit(int queue, boolean write, long block, int bytes) {
                int cid = free[queue][--freeCount[queue]];
                long slba = block * perIo;
                qs[queue].submit(write ? io.jvhost.nvme.Nvme.IO_WRITE : io.jvhost.nvme.Nvme.IO_READ, cid, 1,
                        prp1[queue][cid], prp2[queue][cid], (int) slba, (int) (slba >>> 32), perIo - 1);
                return cid;
            }

            @Override
            public int poll(int queue, Completion c) {
                int n = 0;
                int[] d;
                while ((d = qs[queue].reap()) != null) {
                    free[queue][freeCount[queue]++] = d[0];
                    c.completed(d[0], d[1] == 0);
                    n++;
                }
                return n;
            }

            @Override
            public void publish(int queue) {
                // each command already updated the (shadow) doorbell as Linux does per request
            }

            @Override
            public int inFlight(int queue) {
                return depth - freeCount[queue];
            }

            @Override
            public long trappedDoorbells() {
                return ctrl.trappedDoorbells;
            }

            @Override
            public long kicks() {
                return ctrl.trappedDoorbells;
            }

            @Override
            public long calls() {
                long n = 0;
                for (var q : qs) {
                    n += q.calls();
                }
                return n;
            }

            @Override
            public void close() {
                ctrl.close();
            }
        };
    }

    /** A vhost-user-blk disk. */
    static PerfDisk blk(VhostUserBlkDisk disk) {
        return new PerfDisk() {
            @Override
            public int queueCount() {
                return disk.queueCount();
            }

            @Override
            public long blocks(int bs) {
                return disk.capacitySectors() * 512 / bs;
            }

            @Override
            public int submit(int queue, boolean write, long block, int bs) {
                return disk.queue(queue).submit(write ? BlkRequests.T_OUT : BlkRequests.T_IN, block * (bs / 512), bs);
            }

            @Override
            public int poll(int queue, Completion c) {
                return disk.queue(queue).poll((slot, status, len) -> c.completed(slot, status == BlkRequests.S_OK));
            }

            @Override
            public void publish(int queue) {
                disk.queue(queue).publish();
            }

            @Override
            public int inFlight(int queue) {
                return disk.queue(queue).inFlight();
            }

            @Override
            public long kicks() {
                return sum(disk.queueCount(), q -> disk.queue(q).ring().kicks());
            }

            @Override
            public long calls() {
                return sum(disk.queueCount(), q -> disk.queue(q).ring().calls());
            }

            @Override
            public void close() {
                disk.close();
            }
        };
    }

    /** LUN 0 of target {@code target} of a vhost-user-scsi adapter; reads its capacity first. */
    static PerfDisk scsi(VhostUserScsiHba hba, int target) throws IOException {
        long lun = ScsiQueue.lunField(target, 0);
        ScsiQueue q0 = hba.queue(0);
        byte[] readCapacity16 = new byte[16];
        readCapacity16[0] = (byte) 0x9E;
        readCapacity16[1] = 0x10;
        readCapacity16[13] = 32;
        int slot = q0.submit(lun, readCapacity16, 32, false);
        q0.publish();
        int[] result = {-1, -1};
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (result[0] < 0) {
            q0.poll((s, response, status, len) -> {
                result[0] = response;
                result[1] = status;
            });
            if (System.nanoTime() > deadline) {
                throw new IOException("READ CAPACITY(16) to target " + target + " got no answer");
            }
        }
        if (result[0] != 0 || result[1] != 0) {
            throw new IOException("READ CAPACITY(16) to target " + target + " failed: response " + result[0]
                    + ", status " + result[1] + " (is there a target " + target + "?)");
        }
        var d = q0.data(slot);
        long lastLba = 0;
        for (int i = 0; i < 8; i++) {
            lastLba = (lastLba << 8) | (d.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
        }
        long blockSize = 0;
        for (int i = 8; i < 12; i++) {
            blockSize = (blockSize << 8) | (d.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
        }
        long bytes = (lastLba + 1) * blockSize;
        long lbaSize = blockSize;
        return new PerfDisk() {
            @Override
            public int queueCount() {
                return hba.queueCount();
            }

            @Override
            public long blocks(int bs) {
                if (bs % lbaSize != 0) {
                    throw new IllegalArgumentException("--bs " + bs + " is not a multiple of the LUN's " + lbaSize
                            + "-byte blocks");
                }
                return bytes / bs;
            }

            @Override
            public int submit(int queue, boolean write, long block, int bs) {
                long perIo = bs / lbaSize;
                return hba.queue(queue).submitReadWrite(lun, write, block * perIo, (int) perIo, bs);
            }

            @Override
            public int poll(int queue, Completion c) {
                return hba.queue(queue).poll((s, response, status, len) -> c.completed(s, response == 0 && status == 0));
            }

            @Override
            public void publish(int queue) {
                hba.queue(queue).publish();
            }

            @Override
            public int inFlight(int queue) {
                return hba.queue(queue).inFlight();
            }

            @Override
            public long kicks() {
                return sum(hba.queueCount(), q -> hba.queue(q).ring().kicks());
            }

            @Override
            public long calls() {
                return sum(hba.queueCount(), q -> hba.queue(q).ring().calls());
            }

            @Override
            public void close() {
                hba.close();
            }
        };
    }

    /** The sum over queues 0..queues-1 of a per-queue counter. */
    private static long sum(int queues, java.util.function.IntToLongFunction perQueue) {
        long n = 0;
        for (int q = 0; q < queues; q++) {
            n += perQueue.applyAsLong(q);
        }
        return n;
    }
}
