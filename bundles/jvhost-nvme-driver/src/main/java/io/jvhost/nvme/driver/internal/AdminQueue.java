package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.Cqe;
import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.Registers;
import io.jvhost.nvme.Sqe;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * The admin queue pair, used synchronously: one command at a time, its completion polled (no
 * interrupts). Admin commands are control-plane work, so callers from any thread take the lock.
 */
final class AdminQueue {
    static final int ENTRIES = 32;
    private static final VarHandle STATUS = ValueLayout.JAVA_SHORT.varHandle();
    private final ControllerRegisters registers;
    private final DmaBuffer sq;
    private final DmaBuffer cq;
    private int tail;
    private int head;
    private boolean phase;
    private int nextCid;

    /** A finished admin command: status (SCT << 8 | SC) and completion dword 0. */
    record Result(int status, int dw0) {
        boolean ok() {
            return status == Nvme.SUCCESS;
        }
    }

    /** An admin command that got no completion: it timed out, or the controller failed meanwhile. */
    static final class NoCompletion extends Exception {
        private static final long serialVersionUID = 1L;

        NoCompletion(String message) {
            super(message, null, false, false);
        }
    }

    AdminQueue(ControllerRegisters registers, DmaMemory dma) {
        this.registers = registers;
        this.sq = dma.allocate((long) ENTRIES * Nvme.SQE_BYTES, true);
        this.cq = dma.allocate((long) ENTRIES * Nvme.CQE_BYTES, true);
        reset();
    }

    /** Empties both queues and programs AQA, ASQ and ACQ (the controller must be disabled). */
    synchronized void reset() {
        sq.memory().fill((byte) 0);
        cq.memory().fill((byte) 0);
        tail = 0;
        head = 0;
        phase = true;
        registers.write(Registers.AQA, (ENTRIES - 1) << 16 | (ENTRIES - 1));
        registers.write64(Registers.ASQ, sq.iova(0));
        registers.write64(Registers.ACQ, cq.iova(0));
    }

    /**
     * Runs one command and waits for its completion. Throws when it outlives {@code timeoutNanos}, or
     * sooner when the controller reports fatal status or stops responding: no completion will come.
     */
    synchronized Result execute(int opcode, int nsid, long prp1, long prp2, int cdw10, int cdw11, int cdw12,
            long timeoutNanos) throws NoCompletion {
        int cid = nextCid++ & 0xFFFF;
        MemorySegment s = sq.memory();
        Sqe.write(s, (long) tail * Nvme.SQE_BYTES, opcode, cid, nsid, prp1, prp2, cdw10, cdw11, cdw12);
        tail = (tail + 1) % ENTRIES;
        registers.ringDoorbell(registers.sqTailDoorbell(0), tail);
        long deadline = System.nanoTime() + timeoutNanos;
        long pause = 1;
        while (true) {
            long at = (long) head * Nvme.CQE_BYTES;
            short field = (short) STATUS.getAcquire(cq.memory(), at + Cqe.STATUS);
            if (((field & 1) != 0) == phase) {
                int gotCid = Cqe.cid(cq.memory(), at);
                Result r = new Result(Cqe.status(cq.memory(), at), Cqe.dw0(cq.memory(), at));
                head = (head + 1) % ENTRIES;
                if (head == 0) {
                    phase = !phase;
                }
                registers.ringDoorbell(registers.cqHeadDoorbell(0), head);
                if (gotCid == cid) {
                    return r;
                }
                continue; // a late completion of a command that timed out earlier
            }
            if (System.nanoTime() > deadline) {
                throw new NoCompletion("admin command 0x" + Integer.toHexString(opcode) + " did not complete within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new NoCompletion("interrupted waiting for admin command 0x" + Integer.toHexString(opcode));
            }
            if (pause < 1_000_000) {
                pause *= 2; // short waits first: most admin commands finish in microseconds
            } else {
                int csts = registers.status();
                if (ControllerRegisters.faulted(csts)) {
                    throw new NoCompletion("admin command 0x" + Integer.toHexString(opcode) + " got no completion: "
                            + ControllerRegisters.describeFault(csts));
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
        }
    }
}
