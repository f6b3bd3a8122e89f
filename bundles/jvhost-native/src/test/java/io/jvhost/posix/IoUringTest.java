package io.jvhost.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoUringTest {
    @TempDir
    Path dir;

    @Test
    void shouldReadFileThroughRingAndReportUserData() throws Exception {
        byte[] content = new byte[8192];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7);
        }
        Path file = Files.write(dir.resolve("data"), content);
        int fd = Posix.open(file.toString(), Posix.O_RDONLY, 0);
        try (IoUring ring = IoUring.create(8); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096, 4096);
            assertTrue(ring.prepare(IoUring.OP_READ, fd, buf.address(), 4096, 4096, 0, 77L));
            assertEquals(1, ring.submitAndWait(1));
            List<long[]> done = new ArrayList<>();
            assertEquals(1, ring.reap((u, r) -> done.add(new long[] {u, r})));
            assertEquals(77L, done.get(0)[0]);
            assertEquals(4096L, done.get(0)[1]);
            for (int i = 0; i < 4096; i++) {
                assertEquals(content[4096 + i], buf.get(ValueLayout.JAVA_BYTE, i));
            }
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void shouldWriteWithIovecsAndReportErrorsAsNegativeErrno() throws Exception {
        Path file = dir.resolve("out");
        int fd = Posix.open(file.toString(), Posix.O_RDWR | Posix.O_CREAT, 0600);
        try (IoUring ring = IoUring.create(4); Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocateFrom("abcd");
            MemorySegment b = arena.allocateFrom("efgh");
            MemorySegment iov = arena.allocate(32, 8);
            iov.set(ValueLayout.ADDRESS, 0, a);
            iov.set(ValueLayout.JAVA_LONG, 8, 4);
            iov.set(ValueLayout.ADDRESS, 16, b);
            iov.set(ValueLayout.JAVA_LONG, 24, 4);
            ring.prepare(IoUring.OP_WRITEV, fd, iov.address(), 2, 0, 0, 1);
            ring.prepare(IoUring.OP_READ, 9999, a.address(), 4, 0, 0, 2);
            ring.submitAndWait(2);
            long[] results = new long[3];
            int n = 0;
            while (n < 2) {
                n += ring.reap((u, r) -> results[(int) u] = r);
            }
            assertEquals(8, results[1]);
            assertEquals(-Errno.EBADF, results[2]);
            assertEquals("abcdefgh", Files.readString(file));
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void shouldRefusePreparationWhenSubmissionRingIsFull() {
        try (IoUring ring = IoUring.create(2)) {
            assertTrue(ring.prepare(IoUring.OP_NOP, -1, 0, 0, 0, 0, 1));
            assertTrue(ring.prepare(IoUring.OP_NOP, -1, 0, 0, 0, 0, 2));
            assertFalse(ring.prepare(IoUring.OP_NOP, -1, 0, 0, 0, 0, 3));
            assertEquals(2, ring.submitAndWait(2));
            assertEquals(2, ring.reap((u, r) -> { }));
            assertTrue(ring.prepare(IoUring.OP_NOP, -1, 0, 0, 0, 0, 3));
        }
    }
}
