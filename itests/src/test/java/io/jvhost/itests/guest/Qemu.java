package io.jvhost.itests.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU (TCG) virtual machine with shared memfd RAM, as vhost-user needs, its serial console
 * written to a file. KVM does not work on these machines, so the guest is fully emulated.
 */
final class Qemu {
    private final List<String> disks = new ArrayList<>();
    private final Path script;
    private final Path kernel;
    private final Path initrd;

    Qemu(Path home, Path kernel, Path initrd) {
        this.script = home.resolve("itests/guest/run-guest.sh");
        this.kernel = kernel;
        this.initrd = initrd;
    }

    /** Attaches a vhost-user-blk disk at {@code socket}; {@code extra} adds device options (e.g. num-queues=2). */
    Qemu vhostUserBlk(Path socket, String extra) {
        disks.add(socket + (extra.isEmpty() ? "" : "," + extra));
        return this;
    }

    /**
     * Boots and waits until the guest powers off; returns the console output. A guest that reboots
     * itself stays in the same QEMU (a device reset: every queue is stopped and started again).
     */
    String run(Path console, long timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(script.toString(), kernel.toString(), initrd.toString(), "2"));
        cmd.addAll(disks);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            throw new IOException("the guest did not power off within " + timeoutSeconds + " s; console:\n"
                    + Files.readString(console));
        }
        return Files.readString(console);
    }
}
