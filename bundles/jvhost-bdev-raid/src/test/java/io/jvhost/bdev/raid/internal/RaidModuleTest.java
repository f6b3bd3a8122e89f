package io.jvhost.bdev.raid.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.core.internal.BdevHarness;
import io.jvhost.bdev.core.internal.RamBackend;
import io.jvhost.config.Params;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RaidModuleTest {
    private static final int BS = 512;

    private static Params raid(String name, String level, int stripKb, String... bases) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("raid_level", level);
        m.put("base_bdevs", List.<Object>of((Object[]) bases));
        if (stripKb > 0) {
            m.put("strip_size_kb", (long) stripKb);
        }
        return new Params("bdev_raid_create", m);
    }

    /** {@code size} bytes, byte i = seed + i * 7 (mod 256). */
    private static MemorySegment pattern(BdevHarness h, long size, int seed) {
        MemorySegment m = h.buffer(size);
        for (long i = 0; i < size; i++) {
            m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (seed + i * 7));
        }
        return m;
    }

    /** Where raid0 block {@code b} lives with {@code n} bases of {@code strip}-block strips. */
    private static long[] raid0Place(long b, int n, int strip) {
        long s = b / strip;
        return new long[] {s % n, (s / n) * strip + b % strip};
    }

    @Test
    void raid0StripesRequestsThatSpanStripsAcrossTheBasesWithTheirSegmentsSliced() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend[] base = {RamBackend.register(h, "M0", 100, BS), RamBackend.register(h, "M1", 90, BS),
                    RamBackend.register(h, "M2", 120, BS)};
            RaidModule m = new RaidModule(h.registry, () -> h.reactor);
            assertEquals(true, m.create(raid("R0", "0", 4, "M0", "M1", "M2")));
            var r0 = h.registry.find("R0").orElseThrow();
            int strip = 8; // 4 KiB of 512-byte blocks
            assertEquals(3 * 88, r0.blockCount(), "each base gives its smallest size, rounded down to strips");
            assertEquals(strip, r0.optimalIoBoundary());

            IoChannel ch = h.open("R0", OpenMode.WRITE_EXCLUSIVE).channel(h.reactor);
            // 45 blocks from block 5: pieces 5-7, 8-15, ..., 48-49, on every base; three uneven segments
            MemorySegment data = pattern(h, 45 * BS, 3);
            MemorySegment a = data.asSlice(0, 1000);
            MemorySegment b = data.asSlice(1000, 9000);
            MemorySegment c = data.asSlice(10000, 45 * BS - 10000);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 5, 45, a, b, c).status);
            for (long blk = 5; blk < 50; blk++) {
                long[] at = raid0Place(blk, 3, strip);
                MemorySegment want = data.asSlice((blk - 5) * BS, BS);
                MemorySegment got = base[(int) at[0]].data.asSlice(at[1] * BS, BS);
                assertEquals(-1, got.mismatch(want), "block " + blk + " on M" + at[0] + " block " + at[1]);
            }
            MemorySegment back = h.buffer(45 * BS);
            MemorySegment x = back.asSlice(0, 512 * 7);
            MemorySegment y = back.asSlice(512 * 7, 45 * BS - 512 * 7);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 5, 45, x, y).status);
            assertEquals(-1, back.mismatch(data));
            assertEquals(7, h.registry.find("M0").orElseThrow().stats().ops(IoType.WRITE)
                    + h.registry.find("M1").orElseThrow().stats().ops(IoType.WRITE)
                    + h.registry.find("M2").orElseThrow().stats().ops(IoType.WRITE), "one piece per strip touched");

            // within one strip: one piece to one base, the segments read in place
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE_ZEROES, 16, 8).status);
            assertEquals(0, base[2].data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.FLUSH, 0, 0).status);
            assertEquals(1, h.registry.find("M1").orElseThrow().stats().ops(IoType.FLUSH), "a flush goes to every base");
        }
    }

    @Test
    void concatPutsTheBasesOneAfterTheOther() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend m0 = RamBackend.register(h, "M0", 20, BS);
            RamBackend m1 = RamBackend.register(h, "M1", 37, BS);
            RaidModule m = new RaidModule(h.registry, () -> h.reactor);
            m.create(raid("C0", "concat", 2, "M0", "M1"));
            var c0 = h.registry.find("C0").orElseThrow();
            assertEquals(20 + 36, c0.blockCount(), "each base rounded down to 2 KiB strips");
            IoChannel ch = h.open("C0", OpenMode.WRITE_EXCLUSIVE).channel(h.reactor);
            MemorySegment data = pattern(h, 10 * BS, 9);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 15, 10, data).status);
            assertEquals(-1, m0.data.asSlice(15 * BS, 5 * BS).mismatch(data.asSlice(0, 5 * BS)));
            assertEquals(-1, m1.data.asSlice(0, 5 * BS).mismatch(data.asSlice(5 * BS, 5 * BS)));
            MemorySegment back = h.buffer(10 * BS);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 15, 10, back).status);
            assertEquals(-1, back.mismatch(data));
            Map<?, ?> info = (Map<?, ?>) c0.driverSpecific().get("raid");
            assertEquals("concat", info.get("raid_level"));
            assertEquals(2, info.get("strip_size_kb"));
            assertEquals(List.of(20L, 36L), ((List<?>) info.get("base_bdevs_list")).stream()
                    .map(b -> ((Map<?, ?>) b).get("data_size")).toList());
        }
    }

    @Test
    void raid1MirrorsWritesReadsInTurnAndServesDegradedWhenABaseGoes() throws Exception {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend m0 = RamBackend.register(h, "M0", 64, BS);
            RamBackend m1 = RamBackend.register(h, "M1", 80, BS);
            RaidModule m = new RaidModule(h.registry, () -> h.reactor);
            m.create(raid("R1", "raid1", 0, "M0", "M1"));
            var r1 = h.registry.find("R1").orElseThrow();
            assertEquals(64, r1.blockCount());
            var user = h.open("R1", OpenMode.WRITE_EXCLUSIVE);
            IoChannel ch = user.channel(h.reactor);
            MemorySegment data = pattern(h, 4 * BS, 1);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 8, 4, data).status);
            assertEquals(-1, m0.data.asSlice(8 * BS, 4 * BS).mismatch(data));
            assertEquals(-1, m1.data.asSlice(8 * BS, 4 * BS).mismatch(data));
            MemorySegment back = h.buffer(4 * BS);
            for (int i = 0; i < 4; i++) {
                assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 8, 4, back).status);
            }
            assertEquals(2, h.registry.find("M0").orElseThrow().stats().ops(IoType.READ), "reads take turns");
            assertEquals(2, h.registry.find("M1").orElseThrow().stats().ops(IoType.READ));

            // M0 goes while a write is out: the write finishes on both, then M0's claim is released
            BdevHarness.TrackedIo inFlight = h.submit(ch, IoType.WRITE, 0, 4, data);
            CompletableFuture<Void> gone = h.registry.unregister("M0", true);
            // and a write comes in after M0 is removed but before the channel is told: M0 refuses its copy
            MemorySegment late = pattern(h, 4 * BS, 41);
            BdevHarness.TrackedIo afterRemoval = h.submit(ch, IoType.WRITE, 40, 4, late);
            h.stepUntil(() -> gone.isDone() && inFlight.completions == 1 && afterRemoval.completions == 1);
            gone.get();
            assertEquals(BdevIo.SUCCESS, inFlight.status);
            assertEquals(BdevIo.SUCCESS, afterRemoval.status, "the survivor's copy stands for a removed mirror's");
            assertEquals(-1, m1.data.asSlice(40 * BS, 4 * BS).mismatch(late));
            assertTrue(m0.destroyed);
            assertTrue(h.registry.find("R1").isPresent(), "a mirror serves with one base left");
            Map<?, ?> info = (Map<?, ?>) r1.driverSpecific().get("raid");
            assertEquals("online", info.get("state"));
            assertEquals(1, info.get("num_base_bdevs_operational"));
            assertEquals(List.of(false, true), ((List<?>) info.get("base_bdevs_list")).stream()
                    .map(b -> ((Map<?, ?>) b).get("is_configured")).toList());
            MemorySegment more = pattern(h, 4 * BS, 77);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 20, 4, more).status);
            for (int i = 0; i < 3; i++) {
                assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 20, 4, back).status);
                assertEquals(-1, back.mismatch(more));
            }
            assertEquals(List.of("M1"), m.raid("R1").config().get("base_bdevs"), "save_config lists the bases it holds");

            // the last base going takes the mirror offline
            CompletableFuture<Void> last = h.registry.unregister("M1", true);
            h.stepUntil(() -> h.events.contains("removed R1"));
            ch.close();
            user.close();
            h.stepUntil(last::isDone);
            last.get();
            assertTrue(m1.destroyed);
            assertFalse(h.registry.find("R1").isPresent());
            List<?> offline = (List<?>) m.list(new Params("bdev_raid_get_bdevs", Map.of("category", "offline")));
            assertEquals(1, offline.size());
            assertEquals("R1", ((Map<?, ?>) offline.get(0)).get("name"));
            assertEquals(true, m.delete(new Params("bdev_raid_delete", Map.of("name", "R1"))));
            assertEquals(List.of(), m.list(new Params("bdev_raid_get_bdevs", Map.of("category", "all"))));
        }
    }

    @Test
    void raid1RebuildsAnAddedBaseWhileWritesGoOnAndThenServesFromIt() throws Exception {
        int blocks = 8192; // 4 MiB: four rebuild windows
        try (BdevHarness h = new BdevHarness()) {
            RamBackend.register(h, "M0", blocks, BS);
            RamBackend.register(h, "M1", blocks, BS);
            RaidModule m = new RaidModule(h.registry, () -> h.reactor);
            m.create(raid("R1", "raid1", 0, "M0", "M1"));
            var user = h.open("R1", OpenMode.WRITE_EXCLUSIVE);
            IoChannel ch = user.channel(h.reactor);
            byte[] expected = new byte[blocks * BS];
            for (int b = 0; b < blocks; b += 64) {
                write(h, ch, expected, b, 64, b);
            }
            RamBackend.register(h, "X0", blocks, BS);
            assertRefused("all its 2 bases", () -> m.addBase(add("R1", "X0")));
            CompletableFuture<Void> gone = h.registry.unregister("M1", true);
            h.stepUntil(gone::isDone);
            for (int b = 100; b < blocks; b += 1000) {
                write(h, ch, expected, b, 8, b + 1); // only M0 has these
            }
            assertRefused("claimed for writing by raid R1", () -> m.addBase(add("R1", "M0")));
            RamBackend.register(h, "K0", blocks, 4096);
            RamBackend.register(h, "S0", blocks - 1, BS);
            assertRefused("4096-byte", () -> m.addBase(add("R1", "K0")));
            assertRefused("needs " + blocks + " blocks", () -> m.addBase(add("R1", "S0")));
            RamBackend m2 = RamBackend.register(h, "M2", blocks, BS);
            assertEquals(true, m.addBase(add("R1", "M2")));
            Map<?, ?> process = (Map<?, ?>) m.raid("R1").info().get("process");
            assertEquals("rebuild", process.get("type"));
            assertEquals("M2", process.get("target"));
            assertRefused("rebuilding M2", () -> m.addBase(add("R1", "S0")));
            // writes while the rebuild copies: each one lands in some window before, in or after the copy
            int rounds = 0;
            while (m.raid("R1").info().containsKey("process")) {
                int b = (rounds * 397) % (blocks - 16);
                BdevHarness.TrackedIo io = h.submit(ch, IoType.WRITE, b, 16, fill(h, expected, b, 16, 50 + rounds));
                h.stepUntil(() -> io.completions == 1);
                assertEquals(BdevIo.SUCCESS, io.status);
                rounds++;
            }
            assertTrue(rounds > 3, rounds + " writes raced the rebuild");
            Map<?, ?> info = m.raid("R1").info();
            assertEquals(2, info.get("num_base_bdevs_operational"));
            assertEquals(List.of("M0", "M2"), ((List<?>) info.get("base_bdevs_list")).stream()
                    .map(b -> ((Map<?, ?>) b).get("name")).toList());
            assertEquals(List.of("M0", "M2"), m.raid("R1").config().get("base_bdevs"));
            assertEquals(-1, m2.data.asSlice(0, expected.length).mismatch(MemorySegment.ofArray(expected)),
                    "the new base holds everything");
            // the old mirror goes: every read comes from the rebuilt one
            CompletableFuture<Void> m0gone = h.registry.unregister("M0", true);
            h.stepUntil(m0gone::isDone);
            MemorySegment back = h.buffer((long) blocks * BS);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 0, blocks, back).status);
            assertEquals(-1, back.mismatch(MemorySegment.ofArray(expected)));
            ch.close();
            user.close();
        }
    }

    @Test
    void aRebuildStopsWhenItsTargetGoesAndOnlyRaid1TakesBasesBack() throws Exception {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend.register(h, "M0", 8192, BS);
            RamBackend.register(h, "M1", 8192, BS);
            RamBackend.register(h, "S0", 64, BS);
            RamBackend.register(h, "S1", 64, BS);
            RaidModule m = new RaidModule(h.registry, () -> h.reactor);
            m.create(raid("R1", "raid1", 0, "M0", "M1"));
            m.create(raid("R0", "raid0", 4, "S0", "S1"));
            m.removeBase(new Params("bdev_raid_remove_base_bdev", Map.of("name", "M1")));
            RamBackend.register(h, "M2", 8192, BS);
            m.addBase(add("R1", "M2"));
            h.reactor.step();
            CompletableFuture<Void> gone = h.registry.unregister("M2", true);
            h.stepUntil(() -> gone.isDone() && !m.raid("R1").info().containsKey("process"));
            gone.get();
            Map<?, ?> info = m.raid("R1").info();
            assertEquals(1, info.get("num_base_bdevs_operational"));
            assertEquals("online", info.get("state"));
            RamBackend.register(h, "M3", 8192, BS);
            assertEquals(true, m.addBase(add("R1", "M3")), "the slot is free again");
            h.stepUntil(() -> !m.raid("R1").info().containsKey("process"));
            assertEquals(2, m.raid("R1").info().get("num_base_bdevs_operational"));

            m.removeBase(new Params("bdev_raid_remove_base_bdev", Map.of("name", "S0")));
            h.stepUntil(() -> h.registry.find("R0").isEmpty());
            assertRefused("only a raid1", () -> m.addBase(add("R0", "S0")));
            assertRefused("not found", () -> m.addBase(add("nope", "S0")));
        }
    }

    private static Params add(String raid, String base) {
        return new Params("bdev_raid_add_base_bdev", Map.of("raid_bdev", raid, "base_bdev", base));
    }

    /** A buffer of {@code n} blocks of byte {@code seed + i}, also copied into {@code expected} at block {@code b}. */
    private static MemorySegment fill(BdevHarness h, byte[] expected, int b, int n, int seed) {
        MemorySegment data = pattern(h, (long) n * BS, seed);
        MemorySegment.copy(data, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, expected, b * BS, n * BS);
        return data;
    }

    private static void write(BdevHarness h, IoChannel ch, byte[] expected, int b, int n, int seed) {
        assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, b, n, fill(h, expected, b, n, seed)).status);
    }

    @Test
    void raid1TriesTheOtherMirrorWhenAReadFailsAndDropsOneThatFailsAWrite() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend bad = RamBackend.register(h, "F0", 32, BS);
            RamBackend good = RamBackend.register(h, "M1", 32, BS);
            RaidModule m = new RaidModule(h.registry, () -> h.reactor);
            m.create(raid("R1", "1", 0, "F0", "M1"));
            IoChannel ch = h.open("R1", OpenMode.WRITE_EXCLUSIVE).channel(h.reactor);
            MemorySegment data = pattern(h, BS, 5);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 3, 1, data).status);
            bad.failReads = true;
            MemorySegment back = h.buffer(BS);
            for (int i = 0; i < 4; i++) {
                back.fill((byte) 0);
                assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 3, 1, back).status);
                assertEquals(-1, back.mismatch(data));
            }
            assertEquals(-1, good.data.asSlice(3 * BS, BS).mismatch(data));
            assertTrue(h.registry.find("F0").orElseThrow().stats().errors() > 0, "F0 failed some of those reads");
            // a mirror that fails a write is out of sync: it leaves, and the write stands on the other copy
            bad.failWrites = true;
            MemorySegment next = pattern(h, BS, 9);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 3, 1, next).status);
            h.stepUntil(() -> ((Number) m.raid("R1").info().get("num_base_bdevs_operational")).intValue() == 1);
            bad.failWrites = false;
            bad.failReads = false;
            for (int i = 0; i < 4; i++) {
                assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 3, 1, back).status);
                assertEquals(-1, back.mismatch(next), "read " + i + " comes from the mirror in sync");
            }
            assertEquals(List.of(false, true), ((List<?>) m.raid("R1").info().get("base_bdevs_list")).stream()
                    .map(b -> ((Map<?, ?>) b).get("is_configured")).toList());
            // and both copies failing fails the write
            good.failWrites = true;
            assertEquals(BdevIo.FAILED, h.run(ch, IoType.WRITE, 3, 1, next).status);
        }
    }

    @Test
    void raid0GoesOfflineWithABaseAndRemovesTheBdevAsSpdkDoes() throws Exception {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend.register(h, "M0", 64, BS);
            RamBackend m1 = RamBackend.register(h, "M1", 64, BS);
            RaidModule m = new RaidModule(h.registry, () -> h.reactor);
            m.create(raid("R0", "raid0", 8, "M0", "M1"));
            assertEquals(true, m.removeBase(new Params("bdev_raid_remove_base_bdev", Map.of("name", "M0"))));
            h.stepUntil(() -> h.registry.find("R0").isEmpty());
            h.open("M1", OpenMode.WRITE_EXCLUSIVE).close(); // every claim went with the raid
            h.open("M0", OpenMode.WRITE_EXCLUSIVE).close();
            Map<?, ?> r0 = (Map<?, ?>) ((List<?>) m.list(new Params("bdev_raid_get_bdevs", Map.of()))).get(0);
            assertEquals("offline", r0.get("state"));
            assertEquals(0, r0.get("num_base_bdevs_operational"));
            m.delete(new Params("bdev_raid_delete", Map.of("name", "R0")));
            assertThrows(BdevException.class, () -> m.delete(new Params("bdev_raid_delete", Map.of("name", "R0"))));
        }
    }

    @Test
    void shouldRefuseWhatSpdkRefusesAndNameWhatIsWrong() {
        try (BdevHarness h = new BdevHarness()) {
            RamBackend.register(h, "M0", 64, BS);
            RamBackend.register(h, "M1", 64, BS);
            RamBackend.register(h, "K0", 64, 4096);
            RaidModule m = new RaidModule(h.registry, () -> h.reactor);
            assertRefused("power of two", () -> m.create(raid("R", "raid0", 3, "M0", "M1")));
            assertRefused("needs strip_size_kb", () -> m.create(raid("R", "concat", 0, "M0")));
            assertRefused("no strips", () -> m.create(raid("R", "raid1", 64, "M0", "M1")));
            assertRefused("needs 2", () -> m.create(raid("R", "raid1", 0, "M0")));
            assertRefused("raid5f", () -> m.create(raid("R", "raid5f", 64, "M0", "M1")));
            assertRefused("block size", () -> m.create(raid("R", "raid1", 0, "M0", "K0")));
            assertRefused("nope", () -> m.create(raid("R", "raid1", 0, "M0", "nope")));
            assertRefused("twice", () -> m.create(raid("R", "raid1", 0, "M0", "M0")));
            assertRefused("smaller than one", () -> m.create(raid("R", "raid0", 64, "M0", "M1")));
            h.open("M0", OpenMode.WRITE_EXCLUSIVE).close(); // failed creations released their claims
            m.create(raid("R1", "raid1", 0, "M0", "M1"));
            assertRefused("raid R1", () -> m.create(raid("R2", "raid1", 0, "M1", "K0")));
            assertRefused("raid R1", () -> h.open("M1", OpenMode.WRITE_SHARED));
            assertRefused("exists", () -> m.create(raid("R1", "concat", 1, "K0")));
            assertRefused("superblock", () -> m.create(new Params("bdev_raid_create", Map.of("name", "S",
                    "raid_level", "raid1", "base_bdevs", List.of("K0"), "superblock", true))));
            assertRefused("category", () -> m.list(new Params("bdev_raid_get_bdevs", Map.of("category", "broken"))));
        }
    }

    private static void assertRefused(String inMessage, org.junit.jupiter.api.function.Executable call) {
        BdevException e = assertThrows(BdevException.class, call);
        assertTrue(e.getMessage().contains(inMessage), e.getMessage());
    }
}
