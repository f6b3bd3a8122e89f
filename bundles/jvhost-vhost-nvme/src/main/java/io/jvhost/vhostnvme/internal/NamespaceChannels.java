package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.IoChannel;
import io.jvhost.reactor.Reactor;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * One submission queue's bdev channels, one per namespace, opened on its reactor at first use and
 * closed there when the namespace is detached or the queue goes. Indexed by namespace id; a slot is
 * reopened when a new namespace took an id over. Reactor thread only.
 */
final class NamespaceChannels {
    private final Reactor reactor;
    private final Predicate<Namespace> attached;
    private IoChannel[] channels = new IoChannel[0];
    private Namespace[] seen = new Namespace[0];

    NamespaceChannels(Reactor reactor, Predicate<Namespace> attached) {
        this.reactor = reactor;
        this.attached = attached;
    }

    /** The channel to {@code ns}, or null when it is no longer attached. */
    IoChannel channel(Namespace ns) {
        int i = ns.nsid - 1;
        if (i >= seen.length || seen[i] != ns) {
            if (i >= seen.length) {
                seen = Arrays.copyOf(seen, i + 1);
                channels = Arrays.copyOf(channels, i + 1);
            }
            if (channels[i] != null) {
                channels[i].close();
            }
            seen[i] = ns;
            channels[i] = attached.test(ns) ? ns.descriptor.channel(reactor) : null;
        }
        return channels[i];
    }

    /** Closes the channel to a detached namespace; false while commands on it are in flight. */
    boolean release(Namespace ns) {
        int i = ns.nsid - 1;
        if (i >= seen.length || seen[i] != ns) {
            return true;
        }
        IoChannel ch = channels[i];
        if (ch != null && ch.inFlight() > 0) {
            return false;
        }
        if (ch != null) {
            ch.close();
        }
        channels[i] = null;
        seen[i] = null;
        return true;
    }

    /** Once nothing is in flight: closes every channel. */
    void close() {
        for (IoChannel ch : channels) {
            if (ch != null) {
                ch.close();
            }
        }
        channels = new IoChannel[0];
        seen = new Namespace[0];
    }
}
