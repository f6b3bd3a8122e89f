package io.jvhost.bdev.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.BdevStats;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.LatencyHistogram;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.BdevIoQueue;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.reactor.Reactor;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The core's contract, against a module that holds at most {@code capacity} requests and completes
 * them one pass later, so out-of-resource retries and in-flight removal can be observed.
 */
class CoreChannelTest {
    private BdevHarness h;
    private int capacity = 2;
    private boolean destroyed;
    private int channelsClosed;

    /** A bounded module: accepts up to {@code capacity} requests, completes them on its next poll. */
    private final class BoundedChannel implements ModuleChannel {
        private final BdevIoQueue held = new BdevIoQueue();
        private int count;
        private Completer completer;

        @Override
        public void bind(Completer c) {
            completer = c;
        }

        @Override
        public boolean submit(BdevIo io) {
            if (count == capacity) {
                return false;
            }
            count++;
            held.add(io);
            return true;
        }

        @Override
        public int doWork() {
            int n = 0;
            BdevIo io = held.takeAll();
            while (io != null) {
                BdevIo next = io.next;
                count--;
                completer.complete(io, BdevIo.SUCCESS);
                io = next;
                n++;
            }
            return n;
        }

        @Override
        public void close() {
            channelsClosed++;
        }
    }

    @BeforeEach
    void setUp() {
        h = new BdevHarness();
        h.registry.register(new BdevSpec("B0", null, "bounded", "Bounded", 512, 1000, 0,
                EnumSet.of(IoType.READ, IoType.WRITE, IoType.FLUSH), Map.of()), new BdevBackend() {
                    @Override
                    public ModuleChannel createChannel(Reactor reactor) {
                        return new BoundedChannel();
                    }

                    @Override
                    public void destroy() {
                        destroyed = true;
                    }

                    @Override
                    public String createMethod() {
                        return "none";
                    }
                });
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void shouldCompleteExactlyOnceOnALaterPassNeverInsideSubmit() {
        BdevDescriptor d = h.open("B0", OpenMode.WRITE_EXCLUSIVE);
        IoChannel ch = d.channel(h.reactor);
        BdevHarness.TrackedIo t = h.submit(ch, IoType.READ, 0, 1, h.buffer(512));
        assertEquals(0, t.completions, "not completed inside submit");
        h.stepUntil(() -> t.completions > 0);
        for (int i = 0; i < 10; i++) {
            h.reactor.step();
        }
        assertEquals(1, t.completions);
        assertEquals(BdevIo.SUCCESS, t.status);
    }

    @Test
    void shouldFailInvalidRequestsAsynchronouslyWithTheirReason() {
        BdevDescriptor d = h.open("B0", OpenMode.READ_ONLY);
        IoChannel ch = d.channel(h.reactor);
        BdevHarness.TrackedIo beyondEnd = h.submit(ch, IoType.READ, 999, 2, h.buffer(1024));
        BdevHarness.TrackedIo wrongLength = h.submit(ch, IoType.READ, 0, 2, h.buffer(512));
        BdevHarness.TrackedIo zeroBlocks = h.submit(ch, IoType.READ, 0, 0);
        BdevHarness.TrackedIo negative = h.submit(ch, IoType.READ, -1, 1, h.buffer(512));
        BdevHarness.TrackedIo overflow = h.submit(ch, IoType.READ, Long.MAX_VALUE, 2, h.buffer(1024));
        BdevHarness.TrackedIo unsupported = h.submit(ch, IoType.UNMAP, 0, 1);
        BdevHarness.TrackedIo writeOnReadOnly = h.submit(ch, IoType.WRITE, 0, 1, h.buffer(512));
        assertEquals(0, beyondEnd.completions + wrongLength.completions + unsupported.completions);
        h.reactor.step();
        assertEquals(BdevIo.INVALID, beyondEnd.status);
        assertEquals(BdevIo.INVALID, wrongLength.status);
        assertEquals(BdevIo.INVALID, zeroBlocks.status);
        assertEquals(BdevIo.INVALID, negative.status);
        assertEquals(BdevIo.INVALID, overflow.status);
        assertEquals(BdevIo.UNSUPPORTED, unsupported.status);
        assertEquals(BdevIo.INVALID, writeOnReadOnly.status);
        assertEquals(7, h.registry.find("B0").orElseThrow().stats().errors());
    }

    @Test
    void shouldQueueRequestsTheModuleRefusesAndResubmitThemInOrder() {
        IoChannel ch = h.open("B0", OpenMode.WRITE_EXCLUSIVE).channel(h.reactor);
        BdevHarness.TrackedIo[] ts = new BdevHarness.TrackedIo[7];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = h.submit(ch, IoType.WRITE, i, 1, h.buffer(512));
        }
        assertEquals(7, ch.inFlight());
        h.stepUntil(() -> ts[6].completions > 0);
        for (BdevHarness.TrackedIo t : ts) {
            assertEquals(1, t.completions);
            assertEquals(BdevIo.SUCCESS, t.status);
        }
        assertEquals(0, ch.inFlight());
        BdevStats s = h.registry.find("B0").orElseThrow().stats();
        assertEquals(7, s.ops(IoType.WRITE));
        assertEquals(7 * 512, s.bytes(IoType.WRITE));
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldTimeOneRequestInSixteenPerTypeAndShowItInSpdksIostatShape() {
        IoChannel ch = h.open("B0", OpenMode.WRITE_EXCLUSIVE).channel(h.reactor);
        capacity = 64;
        BdevHarness.TrackedIo last = null;
        for (int i = 0; i < 32; i++) {
            last = h.submit(ch, IoType.READ, i, 1, h.buffer(512));
        }
        for (int i = 0; i < 32; i++) {
            last = h.submit(ch, IoType.WRITE, i, 2, h.buffer(1024));
        }
        BdevHarness.TrackedIo end = last;
        h.stepUntil(() -> end.completions > 0);
        BdevStats s = h.registry.find("B0").orElseThrow().stats();
        // requests 0 and 16 are reads, 32 and 48 writes: two of each are timed
        assertEquals(2, s.latency(IoType.READ).sampled());
        assertEquals(2, s.latency(IoType.WRITE).sampled());
        assertEquals(0, s.latency(IoType.FLUSH).sampled());
        assertTrue(s.latency(IoType.READ).minNanos() > 0);
        assertTrue(s.latency(IoType.READ).minNanos() <= s.latency(IoType.READ).maxNanos());

        Map<String, Object> stat = BdevInfo.iostat(h.registry.find("B0").orElseThrow());
        assertEquals(32L, stat.get("num_read_ops"));
        assertEquals(32L * 1024, stat.get("bytes_written"));
        assertEquals(s.latency(IoType.READ).estimatedTotalNanos(32), stat.get("read_latency_ticks"));
        assertEquals(s.latency(IoType.WRITE).maxNanos(), stat.get("max_write_latency_ticks"));
        assertEquals(0L, stat.get("unmap_latency_ticks"));
        assertEquals(Map.of(), stat.get("io_error"));
        for (String field : new String[] {"bytes_unmapped", "num_unmap_ops", "min_read_latency_ticks",
            "min_unmap_latency_ticks", "bytes_copied", "copy_latency_ticks"}) {
            assertTrue(stat.containsKey(field), field);
        }

        Map<String, Object> perChannel = BdevInfo.iostatPerChannel(h.registry.find("B0").orElseThrow());
        var channels = (java.util.List<Map<String, Object>>) perChannel.get("channels");
        assertEquals(1, channels.size());
        assertEquals(1, channels.get(0).get("thread_id"), "reactor 0 is SPDK thread 1");
        assertEquals(32L, channels.get(0).get("num_write_ops"));
    }

    @Test
    void shouldEnforceWriteClaimsButAllowSharedAndReadOnlyOpeners() {
        BdevDescriptor exclusive = h.open("B0", OpenMode.WRITE_EXCLUSIVE);
        BdevException e = assertThrows(BdevException.class, () -> h.open("B0", OpenMode.WRITE_SHARED));
        assertEquals(BdevException.Reason.BUSY, e.reason());
        assertTrue(e.getMessage().contains("test"), e.getMessage());
        h.open("B0", OpenMode.READ_ONLY).close();
        exclusive.close();
        BdevDescriptor s1 = h.open("B0", OpenMode.WRITE_SHARED);
        BdevDescriptor s2 = h.open("B0", OpenMode.WRITE_SHARED);
        assertThrows(BdevException.class, () -> h.open("B0", OpenMode.WRITE_EXCLUSIVE));
        s1.close();
        s2.close();
    }

    @Test
    void shouldRefuseToDeleteABdevInUseNamingTheUser() {
        BdevDescriptor d = h.open("B0", OpenMode.READ_ONLY);
        BdevException e = assertThrows(BdevException.class, () -> h.registry.unregister("B0", false));
        assertEquals(BdevException.Reason.BUSY, e.reason());
        assertTrue(e.getMessage().contains("in use by [test"), e.getMessage());
        d.close();
        h.registry.unregister("B0", false).join();
        assertTrue(destroyed);
        assertFalse(h.registry.find("B0").isPresent());
        assertEquals(BdevException.Reason.NOT_FOUND,
                assertThrows(BdevException.class, () -> h.open("B0", OpenMode.READ_ONLY)).reason());
    }

    @Test
    void hotRemoveShouldFinishInFlightFailNewIoAndDestroyOnlyAfterChannelsClose() throws Exception {
        capacity = 100;
        BdevDescriptor d = h.open("B0", OpenMode.WRITE_EXCLUSIVE);
        IoChannel ch = d.channel(h.reactor);
        BdevHarness.TrackedIo inFlight = h.submit(ch, IoType.WRITE, 0, 1, h.buffer(512));
        CompletableFuture<Void> removal = h.registry.unregister("B0", true);
        assertTrue(h.events.contains("removed B0"));
        BdevHarness.TrackedIo late = h.submit(ch, IoType.READ, 0, 1, h.buffer(512));
        h.stepUntil(() -> inFlight.completions > 0 && late.completions > 0);
        assertEquals(BdevIo.SUCCESS, inFlight.status, "in-flight I/O completes normally");
        assertEquals(BdevIo.REMOVED, late.status, "new I/O fails at once");
        assertFalse(removal.isDone(), "removal waits for the opener to close");
        assertFalse(destroyed);
        ch.close();
        d.close();
        h.stepUntil(removal::isDone);
        removal.get(1, TimeUnit.SECONDS);
        assertTrue(destroyed);
        assertEquals(1, channelsClosed);
        assertEquals(0, h.reactor.pollerCount());
    }

    @Test
    void closingAChannelWithIoInFlightShouldWaitForIt() {
        capacity = 100;
        BdevDescriptor d = h.open("B0", OpenMode.WRITE_EXCLUSIVE);
        IoChannel ch = d.channel(h.reactor);
        BdevHarness.TrackedIo t = h.submit(ch, IoType.WRITE, 0, 1, h.buffer(512));
        ch.close();
        assertEquals(0, channelsClosed);
        h.stepUntil(() -> channelsClosed == 1);
        assertEquals(1, t.completions);
        d.close();
    }

    @Test
    void histogramShouldReportPercentilesWithinOneBucket() {
        long[] buckets = new long[LatencyHistogram.BUCKETS];
        LatencyHistogram hist = new LatencyHistogram();
        for (int i = 1; i <= 1000; i++) {
            hist.record(i * 1000L);
        }
        hist.addTo(buckets);
        long p50 = LatencyHistogram.percentile(buckets, 0.5);
        long p99 = LatencyHistogram.percentile(buckets, 0.99);
        assertTrue(p50 >= 500_000 && p50 <= 500_000 * 1.13, "p50 " + p50);
        assertTrue(p99 >= 990_000 && p99 <= 990_000 * 1.13, "p99 " + p99);
        for (long v : new long[] {0, 1, 15, 16, 17, 1000, 1 << 20, Long.MAX_VALUE / 2}) {
            int b = LatencyHistogram.bucket(v);
            assertTrue(LatencyHistogram.upperBound(b) >= Math.min(v, LatencyHistogram.upperBound(LatencyHistogram.BUCKETS - 1)),
                    "value " + v + " bucket " + b);
        }
    }
}
