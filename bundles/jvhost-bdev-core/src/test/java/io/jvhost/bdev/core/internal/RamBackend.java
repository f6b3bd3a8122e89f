package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.bdev.spi.DeferredCompletionChannel;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.reactor.Reactor;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Map;

/**
 * A base bdev for testing virtual bdevs: its blocks live in a segment the test can read and write
 * directly, so what a stacked bdev did to the base is checked at the byte.
 */
public final class RamBackend implements BdevBackend {
    public final MemorySegment data;
    private final int blockSize;
    public boolean destroyed;
    /** Set to make reads or writes fail (I/O error) until cleared, as a failing disk would. */
    public volatile boolean failReads, failWrites;

    private RamBackend(MemorySegment data, int blockSize) {
        this.data = data;
        this.blockSize = blockSize;
    }

    /** Registers {@code name}: {@code blocks} blocks of {@code blockSize} bytes in the harness's arena. */
    public static RamBackend register(BdevHarness h, String name, long blocks, int blockSize) {
        RamBackend b = new RamBackend(h.buffer(blocks * blockSize), blockSize);
        h.registry.register(new BdevSpec(name, null, "ram", "RAM test disk", blockSize, blocks, 0,
                EnumSet.allOf(IoType.class), Map.of()), b);
        return b;
    }

    @Override
    public ModuleChannel createChannel(Reactor reactor) {
        return new DeferredCompletionChannel() {
            @Override
            protected int execute(BdevIo io) {
                if (io.type() == IoType.READ && failReads || io.type() == IoType.WRITE && failWrites) {
                    return BdevIo.FAILED;
                }
                long pos = io.offsetBlocks() * blockSize;
                switch (io.type()) {
                    case READ, WRITE -> {
                        for (int i = 0; i < io.segmentCount(); i++) {
                            long len = io.segmentLength(i);
                            if (io.type() == IoType.READ) {
                                MemorySegment.copy(data, pos, io.segment(i), io.segmentOffset(i), len);
                            } else {
                                MemorySegment.copy(io.segment(i), io.segmentOffset(i), data, pos, len);
                            }
                            pos += len;
                        }
                    }
                    case WRITE_ZEROES, UNMAP -> data.asSlice(pos, io.numBlocks() * blockSize).fill((byte) 0);
                    default -> {
                    }
                }
                return BdevIo.SUCCESS;
            }
        };
    }

    @Override
    public void destroy() {
        destroyed = true;
    }

    @Override
    public String createMethod() {
        return "";
    }
}
