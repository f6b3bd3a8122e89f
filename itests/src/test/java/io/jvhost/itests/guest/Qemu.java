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

    /** Attaches a vhost-user-scsi adapter at {@code socket}; {@code extra} adds device options (e.g. num_queues=2). */
    Qemu vhostUserScsi(Path socket, String extra) {
        disks.add("scsi:" + socket + (extra.isEmpty() ? "" : "," + extra));
        return this;
    }

    /**
     * Adds a device in run-guest.sh's notation: {@code nvme:IMAGE,serial=S}, {@code share:TAG=DIR},
     * {@code iommu}, {@code mem:2G}.
     */
    Qemu device(String spec) {
        disks.add(spec);
        return this;
    }

    /**
     * Boots and waits until the guest powers off; returns the console output. A guest that reboots
     * itself stays in the same QEMU (a device reset: every queue is stopped and started again).
     */
    String run(Path console, long timeoutSeconds) throws IOException, InterruptedException {
        return start(console).awaitExit(timeoutSeconds);
    }

    /** Boots and returns at once, for tests that act on the host while the guest runs. */
    Running start(Path console) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(script.toString(), kernel.toString(), initrd.toString(), "2"));
        cmd.addAll(disks);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        return new Running(p, console);
    }

    /** A booted guest whose console the test can wait on. */
    static final class Running implements AutoCloseable {
        private final Process process;
        private final Path console;

        Running(Process process, Path console) {
            this.process = process;
            this.console = console;
        }

        /** Waits until the console shows {@code text}. */
        void awaitConsole(String text, long timeoutSeconds) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (System.nanoTime() < deadline) {
                String out = Files.readString(console);
                if (out.contains(text)) {
                    return;
                }
                if (!process.isAlive()) {
                    throw new IOException("the guest stopped before printing '" + text + "'; console:\n" + out);
                }
                Thread.sleep(200);
            }
            throw new IOException("the guest did not print '" + text + "' within " + timeoutSeconds
                    + " s; console:\n" + Files.readString(console));
        }

        /** Waits until the guest powers off; returns the console output. */
        String awaitExit(long timeoutSeconds) throws IOException, InterruptedException {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                close();
                throw new IOException("the guest did not power off within " + timeoutSeconds + " s; console:\n"
                        + Files.readString(console));
            }
            return Files.readString(console);
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }
}
