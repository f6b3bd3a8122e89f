package io.jvhost.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class EpollTest {
    @Test
    void shouldWakeOnSignalledEventFdWithItsData() {
        try (Epoll epoll = Epoll.create(4); EventFd a = EventFd.create(); EventFd b = EventFd.create()) {
            epoll.add(a.fd(), Epoll.EPOLLIN, 11);
            epoll.add(b.fd(), Epoll.EPOLLIN, 22);
            assertEquals(0, epoll.await(0));
            b.signal();
            b.signal();
            assertEquals(1, epoll.await(1000));
            assertEquals(22, epoll.data(0));
            assertTrue((epoll.readyEvents(0) & Epoll.EPOLLIN) != 0);
            assertEquals(2, b.drain());
            assertEquals(0, b.drain(), "a drained eventfd reads as empty without blocking");
            epoll.remove(b.fd());
            b.signal();
            assertEquals(0, epoll.await(0));
        }
    }

    @Test
    void closeShouldBeIdempotent() {
        EventFd e = EventFd.create();
        e.close();
        e.close();
        assertFalse(e.isOpen());
        assertFalse(e.signal());
    }

    @Test
    void shouldPinThreadToAllowedCore() throws Exception {
        BitSet allowed = Cpu.allowedCores();
        assertFalse(allowed.isEmpty());
        int core = allowed.nextSetBit(0);
        Thread t = new Thread(() -> {
            BitSet one = new BitSet();
            one.set(core);
            Cpu.pinCurrentThread(one);
            assertEquals(one, Cpu.allowedCores());
        });
        t.start();
        t.join();
        assertTrue(Cpu.gettid() > 0);
        assertTrue(Cpu.threadCpuNanos() > 0);
    }
}
