package io.jvhost.reactor.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManyToOneQueueTest {
    @Test
    void shouldRefuseWhenFullAndAcceptAfterPoll() {
        ManyToOneQueue<Integer> q = new ManyToOneQueue<>(2);
        assertTrue(q.isEmpty());
        assertTrue(q.offer(1));
        assertTrue(q.offer(2));
        assertFalse(q.offer(3));
        assertEquals(1, q.poll());
        assertTrue(q.offer(3));
        assertEquals(2, q.poll());
        assertEquals(3, q.poll());
        assertNull(q.poll());
    }

    @Test
    void shouldKeepPerProducerOrderAndLoseNothingUnderContention() throws Exception {
        ManyToOneQueue<long[]> q = new ManyToOneQueue<>(64);
        int producers = 4;
        int perProducer = 100_000;
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            final int id = p;
            Thread t = new Thread(() -> {
                for (int i = 0; i < perProducer; i++) {
                    long[] item = {id, i};
                    while (!q.offer(item)) {
                        Thread.onSpinWait();
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        long[] next = new long[producers];
        int received = 0;
        while (received < producers * perProducer) {
            long[] item = q.poll();
            if (item == null) {
                Thread.onSpinWait();
                continue;
            }
            assertEquals(next[(int) item[0]], item[1], "items of one producer arrive in order");
            next[(int) item[0]]++;
            received++;
        }
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(q.isEmpty());
    }
}
