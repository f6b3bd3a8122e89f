package io.jvhost.frontend;

import io.jvhost.posix.EventFd;
import java.util.ArrayList;
import java.util.List;

/**
 * Catches writes into closed file descriptors inside this process. Linux hands out the lowest free
 * number, so decoy eventfds made right after a back-end closed an fd take that fd's number; a
 * back-end thread that still signals the number it closed then bumps a decoy's counter instead of
 * failing. Any counter above zero is such a write.
 */
public final class ClosedFdProbe implements AutoCloseable {
    private final List<EventFd> decoys = new ArrayList<>();
    private final List<Integer> written = new ArrayList<>();

    /** Takes the {@code n} lowest free descriptor numbers (among them those just closed). */
    public void takeFreedNumbers(int n) {
        for (int i = 0; i < n; i++) {
            decoys.add(EventFd.create());
        }
    }

    /** Checks every decoy, records the ones written to, and frees their numbers again. */
    public void sweep() {
        for (EventFd d : decoys) {
            if (d.drain() != 0) {
                written.add(d.fd());
            }
            d.close();
        }
        decoys.clear();
    }

    /** Descriptor numbers that were written to after their owner closed them. */
    public List<Integer> writesAfterClose() {
        sweep();
        return List.copyOf(written);
    }

    @Override
    public void close() {
        sweep();
    }
}
