package io.jvhost.itests.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code ./jvhost} started as a user starts it, in its own process, stopped with SIGTERM. */
final class JvhostProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private JvhostProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code ./jvhost} with {@code args} and waits for its {@code jvhost ready} line. */
    static JvhostProcess start(Path home, Path log, String... args) throws IOException, InterruptedException {
        return startUntil("jvhost ready", home, log, args);
    }

    /** Starts {@code ./jvhost} with {@code args} and waits until its output has {@code line}. */
    static JvhostProcess startUntil(String line, Path home, Path log, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("jvhost").toString());
        cmd.add("--headless");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        JvhostProcess j = new JvhostProcess(p, log);
        try {
            j.awaitOutput(line, 300);
        } catch (IOException e) {
            j.close();
            throw e;
        }
        return j;
    }

    /** Waits until the output has {@code line}; fails when the process exits first or after {@code seconds}. */
    void awaitOutput(String line, long seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String out = Files.readString(log);
            if (out.contains(line)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IOException("jvhost exited with " + process.exitValue() + " before printing '" + line + "': "
                        + out);
            }
            Thread.sleep(100);
        }
        throw new IOException("jvhost printed no '" + line + "' within " + seconds + " s: " + Files.readString(log));
    }

    long pid() {
        return process.pid();
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    /** The exit code once the process ended by itself within {@code seconds}; -1 if it is still running. */
    int awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    /** SIGKILL (a crash: nothing runs after it), then waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then the exit code (jvhost exits 0 on a clean stop). */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
