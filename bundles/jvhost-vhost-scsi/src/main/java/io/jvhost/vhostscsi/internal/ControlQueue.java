package io.jvhost.vhostscsi.internal;

import static io.jvhost.vhostscsi.internal.VirtioScsi.*;

import io.jvhost.reactor.Reactor;
import io.jvhost.scsi.ScsiChannel;
import io.jvhost.scsi.ScsiTmf;
import io.jvhost.virtio.DescriptorChain;
import io.jvhost.virtio.Layouts;
import io.jvhost.vhostuser.QueueContext;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The virtio-scsi control queue: task-management functions go to the SCSI layer, which answers once
 * the tasks they end have completed on their own queues; asynchronous-notification requests are
 * answered with no events supported.
 */
final class ControlQueue extends TargetQueue implements ScsiTmf.Completion {
    private final ScsiTmf[] tmfs;
    private final MemorySegment[] respSegment;
    private final long[] respOffset;

    ControlQueue(ScsiDevice device, QueueContext context, Reactor reactor) {
        super(device, context, reactor);
        int n = context.size();
        this.tmfs = new ScsiTmf[n];
        this.respSegment = new MemorySegment[n];
        this.respOffset = new long[n];
        for (int i = 0; i < n; i++) {
            tmfs[i] = new ScsiTmf();
            tmfs[i].transportSlot = i;
        }
    }

    @Override
    public void request(DescriptorChain chain) {
        int head = chain.head();
        int firstOut = chain.firstWritable();
        if (chain.readableBytes() < 4 || firstOut >= chain.count() || respSegment[head] != null) {
            context.complete(head, 0);
            return;
        }
        MemorySegment resp = chain.segment(firstOut);
        long at = chain.offset(firstOut);
        long room = chain.length(firstOut);
        int type = (int) chain.readLE(0, 4);
        switch (type) {
            case CTRL_TMF -> {
                if (chain.readableBytes() < TMF_REQ_BYTES || room < TMF_RESP_BYTES) {
                    context.complete(head, 0);
                    return;
                }
                tmf(chain, head, resp, at);
            }
            case CTRL_AN_QUERY, CTRL_AN_SUBSCRIBE -> {
                if (chain.readableBytes() < AN_REQ_BYTES || room < AN_RESP_BYTES) {
                    context.complete(head, 0);
                    return;
                }
                resp.set(Layouts.U32, at, 0); // event_actual: no asynchronous notifications
                resp.set(ValueLayout.JAVA_BYTE, at + 4, (byte) S_OK);
                context.complete(head, AN_RESP_BYTES);
            }
            default -> {
                // unknown request type: the TMF response layout is the shortest one every driver reads
                resp.set(ValueLayout.JAVA_BYTE, at, (byte) S_FAILURE);
                context.complete(head, 1);
            }
        }
    }

    private void tmf(DescriptorChain chain, int head, MemorySegment resp, long at) {
        long lunField = chain.readLE(TMF_LUN, 8);
        int target = VirtioScsi.target(lunField);
        ScsiChannel channel = target < 0 ? null : targets.channel(target);
        if (channel == null) {
            resp.set(ValueLayout.JAVA_BYTE, at, (byte) S_BAD_TARGET);
            context.complete(head, TMF_RESP_BYTES);
            return;
        }
        ScsiTmf.Function f = switch ((int) chain.readLE(TMF_SUBTYPE, 4)) {
            case TMF_ABORT_TASK -> ScsiTmf.Function.ABORT_TASK;
            case TMF_ABORT_TASK_SET -> ScsiTmf.Function.ABORT_TASK_SET;
            case TMF_CLEAR_ACA -> ScsiTmf.Function.CLEAR_ACA;
            case TMF_CLEAR_TASK_SET -> ScsiTmf.Function.CLEAR_TASK_SET;
            case TMF_I_T_NEXUS_RESET -> ScsiTmf.Function.I_T_NEXUS_RESET;
            case TMF_LOGICAL_UNIT_RESET -> ScsiTmf.Function.LOGICAL_UNIT_RESET;
            case TMF_QUERY_TASK -> ScsiTmf.Function.QUERY_TASK;
            case TMF_QUERY_TASK_SET -> ScsiTmf.Function.QUERY_TASK_SET;
            default -> null;
        };
        if (f == null) {
            resp.set(ValueLayout.JAVA_BYTE, at, (byte) S_FUNCTION_REJECTED);
            context.complete(head, TMF_RESP_BYTES);
            return;
        }
        respSegment[head] = resp;
        respOffset[head] = at;
        inFlight++;
        channel.manage(tmfs[head].prepare(f, VirtioScsi.lun(lunField), chain.readLE(TMF_ID, 8), this));
    }

    @Override
    public void tmfCompleted(ScsiTmf tmf) {
        int head = tmf.transportSlot;
        int code = switch (tmf.response()) {
            case FUNCTION_COMPLETE -> S_FUNCTION_COMPLETE;
            case FUNCTION_SUCCEEDED -> S_FUNCTION_SUCCEEDED;
            case FUNCTION_REJECTED -> S_FUNCTION_REJECTED;
            case INCORRECT_LUN -> S_INCORRECT_LUN;
        };
        respSegment[head].set(ValueLayout.JAVA_BYTE, respOffset[head], (byte) code);
        respSegment[head] = null;
        inFlight--;
        context.complete(head, TMF_RESP_BYTES);
    }
}
