package io.jvhost.vhostscsi.internal;

import static io.jvhost.vhostscsi.internal.VirtioScsi.*;

import io.jvhost.reactor.Reactor;
import io.jvhost.scsi.ScsiChannel;
import io.jvhost.scsi.ScsiTask;
import io.jvhost.virtio.DescriptorChain;
import io.jvhost.vhostuser.QueueContext;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A virtio-scsi request queue: each descriptor chain becomes a {@link ScsiTask} whose data buffers
 * are the guest's own (no copy); the response header and sense go back into the guest's response
 * buffer. One preallocated task per descriptor head.
 */
final class RequestQueue extends TargetQueue implements ScsiTask.Completion {
    private final Slot[] slots;

    /** A task and where its response goes. */
    static final class Slot {
        final ScsiTask task = new ScsiTask(SEG_MAX + 2);
        int head;
        MemorySegment resp;
        long respOffset;
        boolean busy;
    }

    RequestQueue(ScsiDevice device, QueueContext context, Reactor reactor) {
        super(device, context, reactor);
        this.slots = new Slot[context.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot();
            slots[i].task.io.tag = i;
        }
    }

    @Override
    public void request(DescriptorChain chain) {
        int head = chain.head();
        Slot slot = slots[head];
        int firstOut = chain.firstWritable();
        if (slot.busy || chain.readableBytes() < REQ_BYTES || firstOut >= chain.count()
                || chain.length(firstOut) < RESP_BYTES) {
            // no room to say anything: hand the buffers back untouched
            context.complete(head, 0);
            return;
        }
        slot.busy = true;
        slot.head = head;
        slot.resp = chain.segment(firstOut);
        slot.respOffset = chain.offset(firstOut);
        inFlight++;
        long lunField = chain.readLE(REQ_LUN, 8);
        int target = VirtioScsi.target(lunField);
        ScsiChannel channel = target < 0 ? null : targets.channel(target);
        if (channel == null) {
            respond(slot, S_BAD_TARGET, 0, 0);
            return;
        }
        ScsiTask task = slot.task;
        task.prepare(VirtioScsi.lun(lunField), chain.readLE(REQ_ID, 8), CDB_SIZE, this);
        for (int i = 0; i < CDB_SIZE; i += 8) {
            long v = chain.readLE(REQ_CDB + i, 8);
            for (int k = 0; k < 8; k++) {
                task.cdb[i + k] = (byte) (v >>> (8 * k));
            }
        }
        if (!addData(task, chain)) {
            task.release();
            respond(slot, S_FAILURE, 0, 0);
            return;
        }
        channel.execute(task);
    }

    /** Data-out after the request header, data-in after the response; false for both or too many buffers. */
    private static boolean addData(ScsiTask task, DescriptorChain chain) {
        long skip = REQ_BYTES;
        int firstOut = chain.firstWritable();
        for (int i = 0; i < firstOut; i++) {
            long len = chain.length(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            if (!task.addData(chain.segment(i), chain.offset(i) + skip, len - skip, ScsiTask.Direction.TO_DEVICE)) {
                return false;
            }
            skip = 0;
        }
        skip = RESP_BYTES;
        for (int i = firstOut; i < chain.count(); i++) {
            long len = chain.length(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            // a buffer in both directions needs VIRTIO_SCSI_F_INOUT, which is not offered
            if (!task.addData(chain.segment(i), chain.offset(i) + skip, len - skip, ScsiTask.Direction.FROM_DEVICE)) {
                return false;
            }
            skip = 0;
        }
        return true;
    }

    @Override
    public void taskCompleted(ScsiTask task) {
        Slot slot = slots[(int) task.io.tag];
        int response = switch (task.outcome()) {
            case ScsiTask.ABORTED -> S_ABORTED;
            case ScsiTask.RESET -> S_RESET;
            default -> S_OK;
        };
        MemorySegment resp = slot.resp;
        long at = slot.respOffset;
        int senseLength = Math.min(task.senseLength(), SENSE_SIZE);
        if (response == S_OK && senseLength > 0) {
            MemorySegment.copy(task.sense(), 0, resp, ValueLayout.JAVA_BYTE, at + RESP_SENSE, senseLength);
        }
        long residual = Math.min(task.residual(), 0xFFFFFFFFL);
        int dataIn = task.direction() == ScsiTask.Direction.FROM_DEVICE ? (int) task.transferred() : 0;
        task.release();
        respond(slot, response, response == S_OK ? task.status() : 0, response == S_OK ? senseLength : 0,
                (int) residual, dataIn);
    }

    private void respond(Slot slot, int response, int status, int senseLength) {
        respond(slot, response, status, senseLength, 0, 0);
    }

    private void respond(Slot slot, int response, int status, int senseLength, int residual, int dataIn) {
        MemorySegment resp = slot.resp;
        long at = slot.respOffset;
        resp.set(io.jvhost.virtio.Layouts.U32, at + RESP_SENSE_LEN, senseLength);
        resp.set(io.jvhost.virtio.Layouts.U32, at + RESP_RESID, residual);
        resp.set(io.jvhost.virtio.Layouts.U16, at + RESP_STATUS_QUALIFIER, (short) 0);
        resp.set(ValueLayout.JAVA_BYTE, at + RESP_STATUS, (byte) status);
        resp.set(ValueLayout.JAVA_BYTE, at + RESP_RESPONSE, (byte) response);
        slot.resp = null;
        slot.busy = false;
        inFlight--;
        context.complete(slot.head, RESP_BYTES + dataIn);
    }
}
