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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
            String out = Files.readString(log);
            if (out.contains(line)) {
                return j;
            }
            if (!p.isAlive()) {
                throw new IOException("jvhost exited with " + p.exitValue() + " before it was ready: " + out);
            }
            Thread.sleep(100);
        }
        j.close();
        throw new IOException("jvhost printed no '" + line + "' within 300 s: " + Files.readString(log));
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
