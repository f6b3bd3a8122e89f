package io.jvhost.bdev.split.internal;

import io.jvhost.bdev.spi.BaseClaim;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The splits of one base: they share one claim on it, released when the last split is destroyed.
 *
 * @param base the base bdev's name
 * @param names the splits, {@code <base>p0} on
 */
record SplitGroup(String base, List<String> names, BaseClaim claim, AtomicInteger alive) {
    SplitGroup(String base, List<String> names, BaseClaim claim) {
        this(base, names, claim, new AtomicInteger(names.size()));
    }

    /** One split is gone; the last one releases the claim and returns true. */
    boolean destroyed() {
        if (alive.decrementAndGet() == 0) {
            claim.close();
            return true;
        }
        return false;
    }
}
