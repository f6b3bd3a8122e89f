package io.jvhost.frontend.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** CPU time the kernel accounts to a process or to some of its threads, from /proc. */
final class ProcessCpu {
    /** USER_HZ on Linux x86-64. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessCpu() {
    }

    /** utime + stime of {@code pid} (all its threads) in seconds. */
    static double seconds(long pid) throws IOException {
        return statSeconds(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /**
     * utime + stime, in seconds, of the threads of {@code pid} whose name (/proc/PID/task/TID/comm,
     * at most 15 characters) contains {@code name}; NaN when none does.
     */
    static double threadSeconds(long pid, String name) throws IOException {
        double sum = 0;
        boolean found = false;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().contains(name)) {
                        sum += statSeconds(task.resolve("stat"));
                        found = true;
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return found ? sum : Double.NaN;
    }

    private static double statSeconds(Path stat) throws IOException {
        String s = Files.readString(stat);
        // the command name may hold spaces: fields are counted after its closing parenthesis
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    }
}
