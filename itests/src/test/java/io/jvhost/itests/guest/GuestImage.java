package io.jvhost.itests.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The guest the end-to-end tests boot: a Debian kernel and a busybox initramfs with fio, built by
 * {@code itests/guest/build-guest.sh} (cached under ~/.cache/jvhost/guest), plus a per-test
 * {@code /test.sh} appended as a second cpio archive, which the kernel unpacks over the first.
 */
final class GuestImage {
    private final Path dir;

    private GuestImage(Path dir) {
        this.dir = dir;
    }

    static GuestImage build(Path home) throws IOException, InterruptedException {
        Path dir = Path.of(System.getProperty("user.home"), ".cache", "jvhost", "guest");
        Processes.run(List.of(home.resolve("itests/guest/build-guest.sh").toString(), dir.toString()), 600);
        return new GuestImage(dir);
    }

    Path kernel() {
        return dir.resolve("vmlinuz");
    }

    /** An initramfs whose /test.sh is {@code script}, written to {@code work}. */
    Path withTest(Path work, String name, String script) throws IOException, InterruptedException {
        Path tree = Files.createDirectories(work.resolve(name + "-tree"));
        Path test = tree.resolve("test.sh");
        Files.writeString(test, script);
        Files.setPosixFilePermissions(test, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path extra = work.resolve(name + "-test.cpio");
        Processes.run(List.of("sh", "-c", "cd '" + tree + "' && echo test.sh | cpio -o -H newc --quiet > '" + extra + "'"),
                60);
        Path initrd = work.resolve(name + ".cpio");
        try (var out = Files.newOutputStream(initrd)) {
            Files.copy(dir.resolve("initramfs.cpio"), out);
            Files.copy(extra, out);
        }
        return initrd;
    }
}
