package io.jvhost.vhostscsi.internal;

import static io.jvhost.vhostscsi.internal.VirtioScsi.*;

import io.jvhost.virtio.DescriptorChain;
import io.jvhost.virtio.Layouts;
import io.jvhost.vhostuser.DeviceQueue;
import io.jvhost.vhostuser.QueueContext;
import java.util.ArrayDeque;

/**
 * The virtio-scsi event queue. Its buffers stay in the ring until an event needs one (so a stopped
 * queue loses none); events the driver has no buffer for wait here, and past a limit are dropped
 * with EVENTS_MISSED set on the next one, which makes the driver rescan.
 */
final class EventQueue implements DeviceQueue {
    private static final int MAX_PENDING = 64;
    private final ScsiDevice device;
    private final QueueContext context;
    /** Events as {event, lun field low word, reason}; control-path rate only. */
    private final ArrayDeque<int[]> pending = new ArrayDeque<>();
    private boolean missed;

    EventQueue(ScsiDevice device, QueueContext context, boolean missedBefore) {
        this.device = device;
        this.context = context;
        this.missed = missedBefore;
    }

    @Override
    public boolean pullsRequests() {
        return true;
    }

    @Override
    public void request(DescriptorChain chain) {
        throw new IllegalStateException("the event queue takes its buffers itself");
    }

    /** Reactor thread: queue an event for target/LUN. */
    void post(int event, int target, int lun, int reason) {
        if (pending.size() == MAX_PENDING) {
            pending.pollFirst();
            missed = true;
        }
        pending.addLast(new int[] {event, target, lun, reason});
        doWork();
    }

    @Override
    public int doWork() {
        int work = 0;
        while (!pending.isEmpty()) {
            DescriptorChain chain = context.takeRequest();
            if (chain == null) {
                break;
            }
            int first = chain.firstWritable();
            if (first >= chain.count() || chain.length(first) < EVENT_BYTES) {
                context.complete(chain.head(), 0);
                continue;
            }
            int[] e = pending.pollFirst();
            var seg = chain.segment(first);
            long at = chain.offset(first);
            seg.set(Layouts.U32, at, e[0] | (missed ? T_EVENTS_MISSED : 0));
            // lun[8] = {1, target, lun >> 8 | 0x40 when above 255, lun & 0xFF, 0, 0, 0, 0}
            long lunField = 1 | ((long) e[1] << 8) | ((long) (e[2] > 255 ? 0x40 | (e[2] >>> 8) : 0) << 16)
                    | ((long) (e[2] & 0xFF) << 24);
            seg.set(Layouts.U64, at + 4, lunField);
            seg.set(Layouts.U32, at + 12, e[3]);
            missed = false;
            context.complete(chain.head(), EVENT_BYTES);
            work++;
        }
        return work;
    }

    @Override
    public int inFlight() {
        return 0;
    }

    @Override
    public void close() {
        device.eventQueueClosed(this, missed || !pending.isEmpty());
    }
}
