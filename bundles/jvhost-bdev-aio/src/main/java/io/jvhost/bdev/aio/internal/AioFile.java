package io.jvhost.bdev.aio.internal;

import io.jvhost.posix.Errno;
import io.jvhost.posix.Fd;
import io.jvhost.posix.NativeException;
import io.jvhost.posix.Posix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** An opened backing file or block device: its descriptor, whether I/O is direct, sizes. */
final class AioFile {
    private static final long BLKSSZGET = 0x1268, BLKGETSIZE64 = 0x80081272L;
    private static final int S_IFMT = 0170000, S_IFBLK = 0060000;

    final Fd fd;
    final boolean direct;
    final boolean blockDevice;
    final int deviceBlockSize;
    /** On tmpfs or hugetlbfs: the file is memory, so I/O is served by copying through a shared mapping. */
    final boolean memoryBacked;
    final boolean readOnly;
    private final String path;

    private AioFile(String path, Fd fd, boolean direct, boolean blockDevice, int deviceBlockSize, boolean memoryBacked,
            boolean readOnly) {
        this.path = path;
        this.fd = fd;
        this.direct = direct;
        this.blockDevice = blockDevice;
        this.deviceBlockSize = deviceBlockSize;
        this.memoryBacked = memoryBacked;
        this.readOnly = readOnly;
    }

    /** Opens with O_DIRECT when the filesystem allows it (tmpfs does not), buffered otherwise. */
    static AioFile open(String path, boolean readOnly) throws IOException {
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            throw new IOException("file " + path + " does not exist");
        }
        int mode = (Integer) Files.getAttribute(p, "unix:mode");
        boolean blockDevice = (mode & S_IFMT) == S_IFBLK;
        if (!blockDevice && !Files.isRegularFile(p)) {
            throw new IOException(path + " is neither a regular file nor a block device");
        }
        int flags = readOnly ? Posix.O_RDONLY : Posix.O_RDWR;
        int fd;
        boolean direct = true;
        try {
            fd = Posix.open(path, flags | Posix.O_DIRECT, 0);
        } catch (NativeException e) {
            if (e.errno() != Errno.EINVAL) {
                throw new IOException("cannot open " + path + ": " + e.getMessage(), e);
            }
            direct = false;
            try {
                fd = Posix.open(path, flags, 0);
            } catch (NativeException e2) {
                throw new IOException("cannot open " + path + ": " + e2.getMessage(), e2);
            }
        }
        Fd owned = new Fd(fd);
        int logical = 512;
        if (blockDevice) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment v = a.allocate(8);
                Posix.ioctl(fd, BLKSSZGET, v);
                logical = v.get(ValueLayout.JAVA_INT, 0);
            } catch (RuntimeException e) {
                owned.close();
                throw new IOException("cannot read the block size of " + path + ": " + e.getMessage(), e);
            }
        }
        boolean memory = false;
        if (!blockDevice) {
            String type = Files.getFileStore(p).type();
            memory = type.equals("tmpfs") || type.equals("hugetlbfs");
        }
        return new AioFile(path, owned, direct, blockDevice, logical, memory, readOnly);
    }

    /** Current size in bytes. */
    long size() {
        if (blockDevice) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment v = a.allocate(8);
                Posix.ioctl(fd.fd(), BLKGETSIZE64, v);
                return v.get(ValueLayout.JAVA_LONG, 0);
            }
        }
        return Posix.lseek(fd.fd(), 0, Posix.SEEK_END);
    }

    String path() {
        return path;
    }
}
