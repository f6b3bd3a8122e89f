package io.jvhost.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

/** Each benchmark's operation does the work it claims to time: 32 requests, every one successful. */
class BenchmarksTest {
    private static final int ROUNDS = 3000;

    @Test
    void ringWalkTakesAndReturnsEveryOfferedChain() {
        SplitRingBenchmark b = new SplitRingBenchmark();
        b.setUp();
        Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        try {
            for (int i = 0; i < ROUNDS; i++) {
                assertEquals(SplitRingBenchmark.BATCH, b.splitRing(bh), "round " + i);
            }
        } finally {
            b.tearDown();
        }
    }

    @Test
    void bdevSubmitCompletesEveryRequestSuccessfully() {
        for (String type : new String[] {"READ", "WRITE"}) {
            BdevSubmitBenchmark b = new BdevSubmitBenchmark();
            b.type = type;
            b.setUp();
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    assertEquals(BdevSubmitBenchmark.BATCH, b.nullBdev(), type + " round " + i);
                }
            } finally {
                b.tearDown();
            }
        }
    }

    @Test
    void blkPathServesEveryRequestWithStatusOk() {
        for (String rw : new String[] {"randread", "randwrite"}) {
            BlkPathBenchmark b = new BlkPathBenchmark();
            b.rw = rw;
            b.bs = 4096;
            b.setUp();
            try {
                // more rounds than 65536 / 32 so the ring indices wrap
                for (int i = 0; i < ROUNDS; i++) {
                    assertEquals(BlkPathBenchmark.BATCH, b.nullBdev(), rw + " round " + i);
                }
            } finally {
                b.tearDown();
            }
        }
    }
}
