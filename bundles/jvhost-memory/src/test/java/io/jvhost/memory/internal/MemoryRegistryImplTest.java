package io.jvhost.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.memory.MemoryListener;
import io.jvhost.memory.MemoryRegistry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryRegistryImplTest {
    /** Records what it hears, as "+size" and "-size". */
    private static final class Recorder implements MemoryListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void memoryRegistered(MemorySegment memory) {
            events.add("+" + memory.byteSize());
        }

        @Override
        public void memoryUnregistering(MemorySegment memory) {
            events.add("-" + memory.byteSize());
        }
    }

    @Test
    void shouldReplayRegisteredMemoryToALateListenerAndTellEveryListenerOfChanges() {
        MemoryRegistryImpl registry = new MemoryRegistryImpl();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment first = a.allocate(4096, 4096);
            MemorySegment second = a.allocate(8192, 4096);
            Recorder early = new Recorder();
            registry.addListener(early);
            MemoryRegistry.Registration r1 = registry.register(first, "test");
            Recorder late = new Recorder();
            registry.addListener(late);
            MemoryRegistry.Registration r2 = registry.register(second, "test");
            assertEquals(List.of(first, second), registry.registered());
            r1.close();
            r1.close(); // idempotent
            assertEquals(List.of("+4096", "+8192", "-4096"), early.events);
            assertEquals(List.of("+4096", "+8192", "-4096"), late.events, "the late listener heard of the first region once");
            registry.removeListener(early);
            r2.close();
            assertEquals(List.of("+4096", "+8192", "-4096"), early.events, "a removed listener hears nothing more");
            assertEquals("-8192", late.events.get(3));
            assertTrue(registry.registered().isEmpty());
        }
    }

    @Test
    void shouldKeepMemoryRegisteredWhenAListenerCannotMapIt() {
        MemoryRegistryImpl registry = new MemoryRegistryImpl();
        Recorder good = new Recorder();
        registry.addListener(new MemoryListener() {
            @Override
            public void memoryRegistered(MemorySegment memory) {
                throw new IllegalStateException("IOMMU refused");
            }

            @Override
            public void memoryUnregistering(MemorySegment memory) {
                throw new IllegalStateException("not mapped");
            }
        });
        registry.addListener(good);
        try (Arena a = Arena.ofConfined()) {
            MemoryRegistry.Registration r = registry.register(a.allocate(4096, 4096), "test");
            assertEquals(1, registry.registered().size());
            r.close();
            assertEquals(List.of("+4096", "-4096"), good.events);
        }
    }
}
