package io.jvhost.bdev.nullmod.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.core.internal.BdevHarness;
import io.jvhost.config.Params;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NullModuleTest {
    private BdevHarness h;
    private NullModule m;

    @BeforeEach
    void setUp() {
        h = new BdevHarness();
        m = new NullModule(h.registry);
    }

    @AfterEach
    void tearDown() {
        m.deactivate();
        h.close();
    }

    private IoChannel channel(String name) {
        return h.open(name, OpenMode.WRITE_EXCLUSIVE).channel(h.reactor);
    }

    @Test
    void readsShouldLeaveTheBufferAsItWasLikeSpdksNullBdev() {
        m.create(new Params("bdev_null_create", Map.of("name", "N0", "num_blocks", 64L, "block_size", 512L)));
        MemorySegment buf = h.buffer(1024);
        buf.fill((byte) 0x5A);
        assertEquals(BdevIo.SUCCESS, h.run(channel("N0"), IoType.READ, 2, 2, buf).status);
        assertEquals((byte) 0x5A, buf.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals((byte) 0x5A, buf.get(ValueLayout.JAVA_BYTE, 1023));
    }

    @Test
    void readZeroesShouldZeroEveryReadBuffer() {
        m.create(new Params("bdev_null_create", Map.of("name", "N1", "num_blocks", 64L, "block_size", 512L,
                "read_zeroes", true)));
        MemorySegment a = h.buffer(512);
        MemorySegment b = h.buffer(512);
        a.fill((byte) 0x5A);
        b.fill((byte) 0x5A);
        IoChannel ch = channel("N1");
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 0, 2, a, b).status);
        for (MemorySegment s : new MemorySegment[] {a, b}) {
            assertEquals(-1, s.mismatch(MemorySegment.ofArray(new byte[512])));
        }
        b.fill((byte) 0x33);
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 0, 1, b).status);
        assertEquals((byte) 0x33, b.get(ValueLayout.JAVA_BYTE, 0), "a write leaves its data alone");
    }
}
