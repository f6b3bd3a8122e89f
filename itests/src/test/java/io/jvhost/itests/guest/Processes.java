package io.jvhost.itests.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs helper commands for the end-to-end tests, failing with their output when they fail. */
final class Processes {
    private Processes() {
    }

    static String run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        return run(command, java.util.Map.of(), timeoutSeconds);
    }

    /** {@link #run(List, long)} with {@code env} added to this process's environment. */
    static String run(List<String> command, java.util.Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("jvhost-cmd", ".log");
        try {
            ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            b.environment().putAll(env);
            Process p = b.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish within " + timeoutSeconds + " s: "
                        + Files.readString(log));
            }
            String out = Files.readString(log);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + out);
            }
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Runs {@code ./jvhost rpc -s SOCKET CALL...} from {@code home}; returns what it printed. */
    static String rpc(Path home, Path socket, String... call) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("jvhost").toString(), "rpc", "-s",
                socket.toString()));
        cmd.addAll(List.of(call));
        return run(cmd, 120);
    }

    /** Fails the test unless every tool an end-to-end test needs is on the PATH. */
    static void requireTools(String... tools) {
        for (String tool : tools) {
            org.junit.Assert.assertTrue(tool + " is needed for end-to-end tests (.ci/run installs it)", onPath(tool));
        }
    }

    /** True when {@code program} is on the PATH. */
    static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }
}
