package io.jvhost.bdev.aio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.core.internal.BdevHarness;
import io.jvhost.bdev.spi.BdevSpec;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AioBackendTest {
    @TempDir
    Path disk;

    @Test
    void shouldWriteAndReadBackThroughIoUringOnDiskFileWithDirectIo() throws Exception {
        roundTrip(disk.resolve("disk.img"));
    }

    @Test
    void shouldWorkOnTmpfsWhetherOrNotItTakesDirectIo() throws Exception {
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm)) {
            return;
        }
        Path f = Files.createTempFile(shm, "jvhost-aio-", ".img");
        try {
            assertTrue(roundTrip(f).memoryBacked, "a tmpfs file is served through a shared mapping");
            try (FileChannel c = FileChannel.open(f, StandardOpenOption.READ)) {
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder());
                c.read(bb, 72 * 512);
                assertEquals(0xB000_0000L, bb.getLong(0), "writes reach the file itself");
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private AioFile roundTrip(Path path) throws Exception {
        try (FileChannel c = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            c.truncate(0);
            c.write(java.nio.ByteBuffer.wrap(new byte[] {1}), 1024 * 1024 - 1);
        }
        AioFile file = AioFile.open(path.toString(), false);
        // tmpfs takes O_DIRECT from Linux 6.6 on; before that AioFile falls back to buffered I/O
        boolean[] destroyed = {false};
        long uringBefore = ioUringCompletions();
        try (BdevHarness h = new BdevHarness()) {
            h.registry.register(new BdevSpec("Aio0", null, "aio", "AIO disk", 512, file.size() / 512, 0,
                    EnumSet.allOf(IoType.class), Map.of()), new AioBackend(file, 512, file.size(), false,
                    () -> destroyed[0] = true));
            BdevDescriptor d = h.open("Aio0", OpenMode.WRITE_EXCLUSIVE);
            IoChannel ch = d.channel(h.reactor);

            MemorySegment a = h.buffer(4096);
            MemorySegment b = h.buffer(4096);
            for (int i = 0; i < 512; i++) {
                a.set(ValueLayout.JAVA_LONG, i * 8L, 0xA000_0000L + i);
                b.set(ValueLayout.JAVA_LONG, i * 8L, 0xB000_0000L + i);
            }
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.WRITE, 64, 16, a, b).status, "two-segment writev");
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.FLUSH, 0, 0).status);
            MemorySegment back = h.buffer(8192);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 64, 16, back).status);
            assertEquals(-1, back.asSlice(0, 4096).mismatch(a));
            assertEquals(-1, back.asSlice(4096, 4096).mismatch(b));

            // re-write the second block so the file check above sees b after the hole is punched in a
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.UNMAP, 64, 8).status, "punch hole");
            MemorySegment z = h.buffer(4096);
            z.fill((byte) 7);
            assertEquals(BdevIo.SUCCESS, h.run(ch, IoType.READ, 64, 8, z).status);
            assertEquals(-1, z.mismatch(h.buffer(4096)), "unmapped blocks read as zeroes");

            // many requests at once: batched into one submission per pass
            BdevHarness.TrackedIo[] many = new BdevHarness.TrackedIo[300];
            for (int i = 0; i < many.length; i++) {
                many[i] = h.submit(ch, IoType.READ, (i * 8L) % 2000, 8, h.buffer(4096));
            }
            h.stepUntil(() -> java.util.Arrays.stream(many).allMatch(t -> t.completions == 1));
            assertTrue(java.util.Arrays.stream(many).allMatch(t -> t.status == BdevIo.SUCCESS));
            long throughUring = ioUringCompletions() - uringBefore;
            if (file.memoryBacked) {
                assertEquals(0, throughUring, "a memory-backed file is copied through its mapping, not io_uring");
            } else {
                assertTrue(throughUring >= 305, "every request went through an io_uring: " + throughUring
                        + " completions counted by the kernel");
            }

            ch.close();
            d.close();
            h.registry.unregister("Aio0", false).join();
            assertTrue(destroyed[0]);
        }
        return file;
    }

    /**
     * Completions the kernel posted on this process's io_urings (CqTail in their fdinfo): which path
     * served the requests, told by the kernel rather than by the code under test.
     */
    private static long ioUringCompletions() throws IOException {
        long total = 0;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (!Files.readSymbolicLink(fd).toString().equals("anon_inode:[io_uring]")) {
                        continue;
                    }
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
                        if (line.startsWith("CqTail:")) {
                            total += Long.parseLong(line.substring(7).trim());
                        }
                    }
                } catch (IOException gone) {
                    // closed while listing (the directory stream's own fd, for one)
                }
            }
        }
        return total;
    }

    @Test
    void shouldExplainMissingAndUnsuitableFiles() throws Exception {
        IOException e = assertThrows(IOException.class, () -> AioFile.open(disk.resolve("nope").toString(), false));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        e = assertThrows(IOException.class, () -> AioFile.open(disk.toString(), false));
        assertTrue(e.getMessage().contains("neither a regular file nor a block device"), e.getMessage());
    }
}
