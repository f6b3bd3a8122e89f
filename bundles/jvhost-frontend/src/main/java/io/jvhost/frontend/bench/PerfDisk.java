package io.jvhost.frontend.bench;

import io.jvhost.frontend.BlkQueue;
import io.jvhost.frontend.BlkRequests;
import io.jvhost.frontend.ScsiQueue;
import io.jvhost.frontend.VhostUserBlkDisk;
import io.jvhost.frontend.VhostUserScsiHba;
import java.io.IOException;
import java.lang.foreign.ValueLayout;

/** What the load generator drives: the queues of a vhost-user-blk disk or of one vhost-user-scsi LUN. */
interface PerfDisk extends AutoCloseable {
    /** Told about each completed request; {@code ok} false for any error. */
    @FunctionalInterface
    interface Completion {
        void completed(int slot, boolean ok);
    }

    int queueCount();

    /** Capacity in units of the benchmark's block size {@code bs}. */
    long blocks(int bs);

    /** Queues a read or write of {@code bs} bytes at block {@code block}; returns its slot. */
    int submit(int queue, boolean write, long block, int bs);

    int poll(int queue, Completion c);

    void publish(int queue);

    int inFlight(int queue);

    @Override
    void close();

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
            public void close() {
                hba.close();
            }
        };
    }
}
