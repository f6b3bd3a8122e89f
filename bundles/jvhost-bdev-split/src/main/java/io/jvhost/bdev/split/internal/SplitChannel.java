package io.jvhost.bdev.split.internal;

import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.spi.ForwardingChannel;

/** A split's channel: its blocks are the base's from {@code startBlock} on (the core checked the range). */
final class SplitChannel extends ForwardingChannel {
    private final long startBlock;

    SplitChannel(IoChannel base, long startBlock) {
        super(base, DEFAULT_DEPTH);
        this.startBlock = startBlock;
    }

    @Override
    protected long baseOffset(long offset) {
        return startBlock + offset;
    }
}
