package io.jvhost.memory.internal;

import io.jvhost.memory.MemoryListener;
import io.jvhost.memory.MemoryRegistry;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory registry: registrations and listeners under one lock, so a listener arriving while
 * memory is registered sees each region exactly once, and an unregistration returns only after
 * every listener let go of the memory.
 */
@Component(service = MemoryRegistry.class)
public final class MemoryRegistryImpl implements MemoryRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryRegistryImpl.class);
    private final List<MemorySegment> regions = new ArrayList<>();
    private final List<String> owners = new ArrayList<>();
    private final List<MemoryListener> listeners = new ArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void addListener(MemoryListener listener) {
        listeners.add(listener);
        for (MemorySegment m : regions) {
            notifyRegistered(listener, m);
        }
    }

    synchronized void removeListener(MemoryListener listener) {
        // a listener going away unmaps everything itself when it stops
        listeners.remove(listener);
    }

    @Override
    public synchronized Registration register(MemorySegment memory, String owner) {
        regions.add(memory);
        owners.add(owner);
        for (MemoryListener l : listeners) {
            notifyRegistered(l, memory);
        }
        return new Registration() {
            private boolean closed;

            @Override
            public void close() {
                synchronized (MemoryRegistryImpl.this) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    int i = indexOf(memory);
                    if (i >= 0) {
                        regions.remove(i);
                        owners.remove(i);
                    }
                    for (MemoryListener l : listeners) {
                        try {
                            l.memoryUnregistering(memory);
                        } catch (RuntimeException e) {
                            LOG.error("memory listener {} failed to release {} bytes of {}: {}", l, memory.byteSize(),
                                    owner, e.getMessage());
                        }
                    }
                }
            }
        };
    }

    private int indexOf(MemorySegment memory) {
        for (int i = 0; i < regions.size(); i++) {
            if (regions.get(i) == memory) {
                return i;
            }
        }
        return -1;
    }

    private static void notifyRegistered(MemoryListener l, MemorySegment m) {
        try {
            l.memoryRegistered(m);
        } catch (RuntimeException e) {
            // the listener cannot map it: its I/O on this memory takes its slower path
            LOG.warn("memory listener {} could not map {} bytes at 0x{}: {}", l, m.byteSize(), Long.toHexString(m.address()),
                    e.getMessage());
        }
    }

    @Override
    public synchronized List<MemorySegment> registered() {
        return List.copyOf(regions);
    }
}
