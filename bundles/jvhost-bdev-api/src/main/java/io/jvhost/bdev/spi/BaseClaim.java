package io.jvhost.bdev.spi;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevEventListener;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.OpenMode;
import java.util.function.Consumer;

/**
 * A virtual bdev's claim on a base bdev (SPDK's exclusive-write claim): the base is opened for exclusive
 * writing in the virtual bdev's name, so no controller and no second virtual bdev can write to it behind
 * the stack; they are refused with an error naming the claimer. Read-only opens still succeed, as in SPDK.
 * When the base is hot-removed, the owner is told so it can remove what is stacked on it; the claim is
 * released by {@link #close()}, which the virtual bdev's backend calls from its {@code destroy()}.
 */
public final class BaseClaim implements BdevEventListener, AutoCloseable {
    private final BdevDescriptor descriptor;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final Runnable onRemoved;
    private final Consumer<Long> onResized;

    private BaseClaim(BdevRegistry registry, String base, String claimer, Runnable onRemoved, Consumer<Long> onResized) {
        this.onRemoved = onRemoved;
        this.onResized = onResized;
        this.descriptor = registry.open(base, OpenMode.WRITE_EXCLUSIVE, claimer, this);
    }

    /**
     * Claims {@code base} for {@code claimer} (e.g. {@code "passthru PT0"}).
     *
     * @param onRemoved runs on a control thread when the base is being removed
     * @param onResized runs with the new block count when the base was resized (null: ignore)
     * @throws io.jvhost.bdev.BdevException NOT_FOUND, or BUSY naming who has it open for writing
     */
    public static BaseClaim claim(BdevRegistry registry, String base, String claimer, Runnable onRemoved,
            Consumer<Long> onResized) {
        return new BaseClaim(registry, base, claimer, onRemoved, onResized);
    }

    public Bdev bdev() {
        return descriptor.bdev();
    }

    public BdevDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public void removed(Bdev bdev) {
        onRemoved.run();
    }

    @Override
    public void resized(Bdev bdev, long oldBlockCount, long newBlockCount) {
        if (onResized != null) {
            onResized.accept(newBlockCount);
        }
    }

    /** Releases the claim; once only, however often called. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            descriptor.close();
        }
    }
}
