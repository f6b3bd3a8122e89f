package io.jvhost.bdev.delay.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.ForwardingChannel;

/**
 * A delay bdev's channel: a read or write that the base completed is held for the configured latency
 * (one in 100 for the p99 latency, the rest for the average) and completed by a later pass of this
 * reactor once due. Nothing sleeps: the reactor keeps polling while requests are held. Other types pass
 * straight through.
 */
final class DelayChannel extends ForwardingChannel {
    /** Requests held per latency class; beyond that new requests wait in the core's retry queue. */
    static final int LINE_CAPACITY = 4096;
    /** Every 100th read or write gets the p99 latency. */
    static final int P99_EVERY = 100;
    private final DelayLatencies latencies;
    private final DelayLine[] lines = new DelayLine[4];
    private int reads;
    private int writes;
    private int held;

    DelayChannel(IoChannel base, DelayLatencies latencies) {
        super(base, DEFAULT_DEPTH);
        this.latencies = latencies;
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new DelayLine(LINE_CAPACITY);
        }
    }

    @Override
    public boolean submit(BdevIo io) {
        // room for this request in any line once the base completes it
        if (held + forwarded() >= LINE_CAPACITY) {
            return false;
        }
        return forward(io);
    }

    @Override
    protected void baseCompleted(BdevIo io, int status) {
        int line;
        if (io.type() == IoType.READ) {
            line = ++reads % P99_EVERY == 0 ? 1 : 0;
        } else if (io.type() == IoType.WRITE) {
            line = ++writes % P99_EVERY == 0 ? 3 : 2;
        } else {
            finish(io, status);
            return;
        }
        long latency = latencies.nanos(line);
        if (latency == 0 || lines[line].isFull()) {
            finish(io, status);
            return;
        }
        io.moduleSlot = status;
        lines[line].add(io, System.nanoTime() + latency);
        held++;
    }

    @Override
    public int doWork() {
        int released = 0;
        if (held > 0) {
            long now = System.nanoTime();
            for (DelayLine line : lines) {
                BdevIo io;
                while ((io = line.pollDue(now)) != null) {
                    held--;
                    finish(io, io.moduleSlot);
                    released++;
                }
            }
        }
        return super.doWork() + released;
    }

    /** Held requests are due at a time, not on an event: keep polling until they are out. */
    @Override
    public boolean prepareToSleep() {
        return held == 0 && super.prepareToSleep();
    }
}
