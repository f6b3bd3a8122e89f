package io.jvhost.bdev.passthru.internal;

import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.spi.ForwardingChannel;

/**
 * A passthru bdev's channel: every request goes to the base unchanged. A new virtual bdev starts from
 * here and overrides what it changes: the address ({@code baseOffset}), the decision to forward
 * ({@code submit}) or the completion ({@code baseCompleted}).
 */
final class PassthruChannel extends ForwardingChannel {
    PassthruChannel(IoChannel base) {
        super(base, DEFAULT_DEPTH);
    }
}
