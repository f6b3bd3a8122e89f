package io.jvhost.posix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketTest {
    @TempDir
    Path dir;

    @Test
    void shouldPassMemfdAcrossSocketpairAndShareItsPages() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]; Fd memfd = Memory.memfd("test", 4096);
             Arena arena = Arena.ofConfined()) {
            MemorySegment mine = Memory.mapShared(memfd.fd(), 4096);
            MemorySegment payload = arena.allocateFrom("hello");
            a.send(payload, payload.byteSize(), memfd.fd());

            MemorySegment buf = arena.allocate(64);
            UnixSocket.Received r = b.receive(buf, 64);
            assertEquals(payload.byteSize(), r.bytes());
            assertEquals("hello", buf.getString(0));
            assertEquals(1, r.fds().length);
            try (Fd received = new Fd(r.fds()[0])) {
                assertTrue(received.fd() != memfd.fd(), "the receiver gets its own descriptor");
                MemorySegment theirs = Memory.mapShared(received.fd(), 4096);
                theirs.set(ValueLayout.JAVA_LONG, 128, 0xfeedfaceL);
                assertEquals(0xfeedfaceL, mine.get(ValueLayout.JAVA_LONG, 128));
                mine.set(ValueLayout.JAVA_INT, 0, 42);
                assertEquals(42, theirs.get(ValueLayout.JAVA_INT, 0));
                Memory.munmap(theirs);
            }
            Memory.munmap(mine);
        }
    }

    @Test
    void shouldCarrySeveralDescriptorsInOneMessage() {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]; EventFd e1 = EventFd.create(); EventFd e2 = EventFd.create();
             Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(1);
            a.send(one, 1, e1.fd(), e2.fd());
            UnixSocket.Received r = b.receive(arena.allocate(8), 8);
            assertEquals(2, r.fds().length);
            try (EventFd r1 = new EventFd(r.fds()[0]); EventFd r2 = new EventFd(r.fds()[1])) {
                r2.signal();
                assertEquals(0, e1.drain());
                assertEquals(1, e2.drain());
            }
        }
    }

    @Test
    void shouldListenAcceptAndReplaceStaleSocketFile() throws Exception {
        Path path = dir.resolve("vhost.sock");
        UnixSocket first = UnixSocket.listen(path, 4);
        first.close(); // leaves the socket file behind, as a crashed process would
        assertTrue(Files.exists(path));
        try (UnixSocket server = UnixSocket.listen(path, 4); Arena arena = Arena.ofConfined()) {
            CompletableFuture<UnixSocket> accepted = CompletableFuture.supplyAsync(server::accept);
            try (UnixSocket client = UnixSocket.connect(path); UnixSocket peer = accepted.get()) {
                MemorySegment msg = arena.allocateFrom(ValueLayout.JAVA_INT, 1, 2, 3);
                client.send(msg, 12);
                MemorySegment in = arena.allocate(12);
                assertTrue(peer.receiveFully(in, 12));
                assertArrayEquals(new int[] {1, 2, 3}, in.toArray(ValueLayout.JAVA_INT));
                client.close();
                assertFalse(peer.receiveFully(in, 4), "end of stream after the client closed");
            }
        }
    }

    @Test
    void shouldRefuseToReplaceLiveSocketOrRegularFile() throws Exception {
        Path path = dir.resolve("live.sock");
        try (UnixSocket server = UnixSocket.listen(path, 1)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> UnixSocket.listen(path, 1));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
        Path file = Files.writeString(dir.resolve("plain"), "data");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> UnixSocket.listen(file, 1));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
    }

    @Test
    void shouldReportErrnoWithPathOnFailure() {
        NativeException e = assertThrows(NativeException.class, () -> UnixSocket.connect(dir.resolve("missing.sock")));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("missing.sock") && e.getMessage().contains("ENOENT"), e.getMessage());
    }

    @Test
    void shouldUnblockAcceptOnShutdown() throws Exception {
        try (UnixSocket server = UnixSocket.listen(dir.resolve("s.sock"), 1)) {
            CompletableFuture<UnixSocket> accepted = CompletableFuture.supplyAsync(server::accept);
            Thread.sleep(50);
            server.shutdown();
            assertThrows(Exception.class, accepted::join);
        }
    }
}
