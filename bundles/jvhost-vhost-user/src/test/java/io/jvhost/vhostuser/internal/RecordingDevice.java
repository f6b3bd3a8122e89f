package io.jvhost.vhostuser.internal;

import io.jvhost.reactor.Reactor;
import io.jvhost.vhostuser.DeviceQueue;
import io.jvhost.vhostuser.QueueContext;
import io.jvhost.vhostuser.VhostUserDevice;
import io.jvhost.virtio.DescriptorChain;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The simplest device the SPI allows, for transport tests: it records each request's buffer
 * layout and completes it by writing its head index into the first writable byte. With
 * {@link #hold} set it keeps requests in flight until released, to test that queues drain first.
 */
final class RecordingDevice implements VhostUserDevice {
    final ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();
    final AtomicBoolean hold = new AtomicBoolean();
    final AtomicInteger openQueues = new AtomicInteger();
    final AtomicInteger sessionsEnded = new AtomicInteger();
    /** Whether it lets several front-ends in at once (a shared disk); set before the target listens. */
    volatile boolean servesSeveral;

    @Override
    public boolean servesSeveralFrontEnds() {
        return servesSeveral;
    }

    @Override
    public long deviceFeatures() {
        return 0;
    }

    @Override
    public int maxQueues() {
        return 2;
    }

    @Override
    public void readConfig(int offset, byte[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (offset + i);
        }
    }

    @Override
    public DeviceQueue openQueue(int index, QueueContext context, Reactor reactor) {
        openQueues.incrementAndGet();
        return new DeviceQueue() {
            private final ArrayDeque<int[]> held = new ArrayDeque<>();

            @Override
            public void request(DescriptorChain chain) {
                requests.add(index + ":" + chain.head() + ":" + chain.count() + ":" + chain.readableBytes() + ":"
                        + chain.writableBytes());
                int w = chain.firstWritable();
                if (w < chain.count()) {
                    chain.segment(w).set(java.lang.foreign.ValueLayout.JAVA_BYTE, chain.offset(w), (byte) chain.head());
                }
                int[] done = {chain.head(), w < chain.count() ? 1 : 0};
                if (hold.get()) {
                    held.add(done);
                } else {
                    context.complete(done[0], done[1]);
                }
            }

            @Override
            public int doWork() {
                int n = 0;
                while (!hold.get() && !held.isEmpty()) {
                    int[] d = held.poll();
                    context.complete(d[0], d[1]);
                    n++;
                }
                return n;
            }

            @Override
            public boolean prepareToSleep() {
                return held.isEmpty();
            }

            @Override
            public int inFlight() {
                return held.size();
            }

            @Override
            public void close() {
                openQueues.decrementAndGet();
            }
        };
    }

    @Override
    public void sessionEnded() {
        sessionsEnded.incrementAndGet();
    }
}
