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
    private final List<String> devices = new ArrayList<>();
    private final Path kernel;
    private final Path initrd;
    private int chardevs;

    Qemu(Path kernel, Path initrd) {
        this.kernel = kernel;
        this.initrd = initrd;
    }

    /** Attaches a vhost-user-blk disk at {@code socket}; {@code extra} adds device options (e.g. num-queues=2). */
    Qemu vhostUserBlk(Path socket, String extra) {
        String id = "c" + chardevs++;
        devices.addAll(List.of("-chardev", "socket,id=" + id + ",path=" + socket,
                "-device", "vhost-user-blk-pci,chardev=" + id + (extra.isEmpty() ? "" : "," + extra)));
        return this;
    }

    /**
     * Boots and waits until the guest powers off; returns the console output. A guest that reboots
     * itself stays in the same QEMU (a device reset: every queue is stopped and started again).
     */
    String run(Path console, long timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", "tcg", "-machine",
                "q35,memory-backend=mem", "-m", "1G", "-object", "memory-backend-memfd,id=mem,size=1G,share=on",
                "-smp", "2", "-display", "none", "-nodefaults", "-serial", "stdio", "-kernel", kernel.toString(), "-initrd",
                initrd.toString(), "-append", "console=ttyS0 quiet panic=-1"));
        cmd.addAll(devices);
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
