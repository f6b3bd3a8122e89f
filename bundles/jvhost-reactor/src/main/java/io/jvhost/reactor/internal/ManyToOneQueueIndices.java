package io.jvhost.reactor.internal;

/**
 * The two hot indices of {@link ManyToOneQueue}, each on a cache line of its own: producers CAS the
 * tail, the reactor moves the head on every command it takes, and sharing a line would make each
 * offer evict the consumer's line (and back). Superclass fields are laid out before subclass fields,
 * so the 64-byte runs of longs in between keep the two apart, as Agrona's queues do.
 */
final class ManyToOneQueueIndices {
    private ManyToOneQueueIndices() {
    }

    abstract static class LeadingPad {
        @SuppressWarnings("unused")
        private long p00, p01, p02, p03, p04, p05, p06, p07;
    }

    abstract static class Tail extends LeadingPad {
        /** Next position a producer claims; written with CAS through ManyToOneQueue's VarHandle. */
        volatile long tail;
    }

    abstract static class MiddlePad extends Tail {
        @SuppressWarnings("unused")
        private long p10, p11, p12, p13, p14, p15, p16, p17;
    }

    abstract static class Head extends MiddlePad {
        /** Next position the consumer takes; consumer thread only. */
        long head;
    }

    /** What ManyToOneQueue extends: both indices, padded on every side. */
    abstract static class Padded extends Head {
        @SuppressWarnings("unused")
        private long p20, p21, p22, p23, p24, p25, p26, p27;
    }
}
