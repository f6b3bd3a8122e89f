package io.jvhost.launcher;

import io.jvhost.posix.Cpu;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.IdleStrategies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of {@code ./jvhost}, parsed and checked before anything starts. Every problem is
 * a {@link UsageException} whose message is the one line the user sees.
 */
public record LaunchOptions(Path home, Path config, String cpumask, String idle, List<String> commands,
        List<String> features, Path deploy, Path socketDir, String rpcSocket, Console console, boolean exitAfterStart,
        String logLevel, boolean waitForRpc, String metrics) {

    /** The feature that tool runs add: the benchmarks live outside every runtime feature. */
    static final String BENCH_FEATURE = "jvhost-bench";

    /** The feature {@code --metrics} adds: Felix HTTP with Jetty and the /metrics servlet. */
    static final String METRICS_FEATURE = "jvhost-metrics";

    /** Whether to run the interactive Gogo shell. */
    public enum Console { AUTO, ON, OFF }

    /** A bad command line; the message says what and how to fix it. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    public static final String USAGE = """
            usage: jvhost [options]
                   jvhost bdevperf [options] [-q DEPTH] [-o IOSIZE] [-w WORKLOAD] [-t SECONDS] [-M READPCT] [-b BDEV] [--json]
                                  [--unregistered] [--plot FILE.png]
                   jvhost bench reactor [options] [--plot FILE.png]
                   jvhost rpc [-s SOCKET] METHOD [key=value ...]
                   jvhost blkperf --socket PATH [--queues N] [--depth D] [--bs BYTES] [--rw randread|randwrite]
                                  [--time S] [--backend-pid PID] [--packed] [--json] [--plot FILE.png]
                   jvhost neighbourperf --socket GOOD --hostile BAD [--time S] [--rounds N] [--depth D]
                                  [--attack-pause-ms MS] [--backend-pid PID] [--json]
                   jvhost plot RESULTS.jsonl --x FIELD[,...] --y FIELD[,...] [--series FIELD] [--out FILE.png]
              --plot FILE.png    (bench commands) keep the JSON lines in FILE.jsonl and draw FILE.png
              -c, --config, --json FILE
                                 apply an SPDK-format JSON config at start ({"subsystems":[...]}), e.g.
                                 one SPDK's save_config wrote; without it, runtime-config/default.json
                                 (--no-default-config: none)
              -m, --cpumask MASK reactor cores, hex (0x3) or list (0-1); default 0x1
              --idle NAME        reactor idle strategy: busy-spin, backoff or interrupt (default)
              -S DIR             directory for vhost-user sockets, created if missing (default /var/tmp)
              -r PATH            JSON-RPC socket, SPDK's protocol (default /var/tmp/spdk.sock; none: off)
              -x "COMMANDS"      Gogo commands to run once started (';' separates several)
              --feature NAME     feature to provision from features/ (default jvhost-all; several: A,B)
              --deploy DIR       directory watched for bundles to hot-install (default deploy/)
              --console | --headless   force or suppress the Gogo console (default: console on a terminal)
              --exit             stop after the config and commands ran (for scripted runs)
              --log-level LEVEL  ERROR, WARN (default), INFO or DEBUG
              --metrics [HOST:]PORT
                                 serve Prometheus text at http://HOST:PORT/metrics (HOST default 127.0.0.1);
                                 off without it
              --wait-for-rpc     start with the JSON-RPC server only; the config file and -x commands run
                                 once a client calls framework_start_init (as SPDK's --wait-for-rpc)
            """;

    /** Parses {@code args}; {@code home} is the jvhost directory (features/, runtime-config/). */
    public static LaunchOptions parse(Path home, String[] args) throws UsageException {
        if (args.length > 0 && args[0].equals("bdevperf")) {
            return tool(home, args, 1, "bdev:perf", java.util.Set.of("-q", "-o", "-w", "-t", "-M", "-b"),
                    java.util.Set.of("--json", "--unregistered"));
        }
        if (args.length > 1 && args[0].equals("bench") && args[1].equals("reactor")) {
            return tool(home, args, 2, "reactor:bench", java.util.Set.of(), java.util.Set.of());
        }
        if (args.length > 0 && args[0].equals("bench")) {
            throw new UsageException("unknown benchmark '" + (args.length > 1 ? args[1] : "") + "': try 'bench reactor'");
        }
        return parseOptions(home, args, false);
    }

    /**
     * A tool run: runtime options as usual, the tool's own options become one Gogo command run after
     * the config; the runtime exits afterwards, non-zero when the tool fails.
     */
    private static LaunchOptions tool(Path home, String[] args, int from, String command, java.util.Set<String> valued,
            java.util.Set<String> flags) throws UsageException {
        List<String> runtime = new ArrayList<>(List.of("--no-default-config", "-r", "none"));
        String feature = "jvhost-all";
        StringBuilder cmd = new StringBuilder(command);
        for (int i = from; i < args.length; i++) {
            if (valued.contains(args[i])) {
                cmd.append(' ').append(args[i]).append(' ').append(quote(value(args, ++i, args[i])));
            } else if (flags.contains(args[i])) {
                cmd.append(' ').append(args[i]);
            } else if (args[i].equals("--feature")) {
                feature = value(args, ++i, args[i]);
            } else {
                runtime.add(args[i]);
            }
        }
        runtime.addAll(List.of("--feature", feature + "," + BENCH_FEATURE));
        runtime.add("-x");
        runtime.add(cmd.toString());
        return parseOptions(home, runtime.toArray(new String[0]), true);
    }

    private static String quote(String v) throws UsageException {
        if (!v.matches("[A-Za-z0-9_.:\\-]+")) {
            throw new UsageException("invalid value '" + v + "'");
        }
        return v;
    }

    private static LaunchOptions parseOptions(Path home, String[] args, boolean exitAfterStart) throws UsageException {
        Path config = null;
        String cpumask = "0x1";
        String idle = IdleStrategies.INTERRUPT;
        List<String> commands = new ArrayList<>();
        List<String> features = new ArrayList<>();
        Path deploy = home.resolve("deploy");
        Path socketDir = Path.of("/var/tmp");
        String rpcSocket = "/var/tmp/spdk.sock";
        Console console = Console.AUTO;
        boolean exit = exitAfterStart;
        boolean defaultConfig = true;
        String logLevel = "WARN";
        boolean waitForRpc = false;
        String metrics = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--config", "-c", "--json" -> config = Path.of(value(args, ++i, a));
                case "--cpumask", "-m" -> cpumask = value(args, ++i, a);
                case "--idle" -> idle = value(args, ++i, a);
                case "-x" -> commands.add(value(args, ++i, a));
                case "--feature" -> { // the last one given wins, as for every other option
                    features.clear();
                    for (String f : value(args, ++i, a).split(",")) {
                        if (!f.isBlank() && !features.contains(f.trim())) {
                            features.add(f.trim());
                        }
                    }
                }
                case "--deploy" -> deploy = Path.of(value(args, ++i, a));
                case "-S", "--socket-dir" -> socketDir = Path.of(value(args, ++i, a));
                case "-r", "--rpc-socket" -> rpcSocket = value(args, ++i, a);
                case "--console" -> console = Console.ON;
                case "--headless" -> console = Console.OFF;
                case "--exit" -> exit = true;
                case "--no-default-config" -> defaultConfig = false;
                case "--wait-for-rpc" -> waitForRpc = true;
                case "--metrics" -> metrics = metricsAddress(value(args, ++i, a));
                case "--log-level" -> logLevel = value(args, ++i, a).toUpperCase(java.util.Locale.ROOT);
                case "-h", "--help" -> throw new UsageException(USAGE);
                default -> throw new UsageException("unknown option '" + a + "' (see jvhost --help)");
            }
        }
        if (features.isEmpty()) {
            features.add("jvhost-all");
        }
        if (metrics != null && !features.contains(METRICS_FEATURE)) {
            features.add(METRICS_FEATURE);
        }
        Path defaultFile = home.resolve("runtime-config").resolve("default.json");
        if (config == null && defaultConfig && Files.isReadable(defaultFile)) {
            config = defaultFile;
        }
        if (config != null && !Files.isReadable(config)) {
            throw new UsageException("config file " + config + " does not exist or is not readable");
        }
        try {
            CpuMask.parse(cpumask).requireWithin(Cpu.allowedCores());
            IdleStrategies.require(idle);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (!List.of("ERROR", "WARN", "INFO", "DEBUG").contains(logLevel)) {
            throw new UsageException("unknown log level '" + logLevel + "': use ERROR, WARN, INFO or DEBUG");
        }
        if (!Files.isDirectory(socketDir)) {
            try {
                Files.createDirectories(socketDir);
            } catch (java.io.IOException e) {
                throw new UsageException("socket directory " + socketDir + " does not exist and cannot be created ("
                        + e + "); create it, or give another with -S");
            }
        }
        if (waitForRpc && rpcSocket.equals("none")) {
            throw new UsageException("--wait-for-rpc waits for framework_start_init on the JSON-RPC socket: give one"
                    + " with -r, not none");
        }
        if (!rpcSocket.equals("none") && !Files.isDirectory(Path.of(rpcSocket).toAbsolutePath().getParent())) {
            throw new UsageException("the directory of the JSON-RPC socket " + rpcSocket + " does not exist");
        }
        return new LaunchOptions(home, config, cpumask, idle, List.copyOf(commands), List.copyOf(features), deploy, socketDir,
                rpcSocket.equals("none") ? rpcSocket : Path.of(rpcSocket).toAbsolutePath().toString(), console, exit,
                logLevel, waitForRpc, metrics);
    }

    /** {@code [HOST:]PORT} as {@code HOST:PORT}, the host 127.0.0.1 when not given. */
    static String metricsAddress(String v) throws UsageException {
        int colon = v.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : v.substring(0, colon);
        String port = colon < 0 ? v : v.substring(colon + 1);
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535 || host.isEmpty()) {
            throw new UsageException("--metrics wants [HOST:]PORT with a port 1-65535, e.g. 127.0.0.1:9100; got '" + v
                    + "'");
        }
        return host + ":" + p;
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length) {
            throw new UsageException("option " + option + " needs a value (see jvhost --help)");
        }
        return args[i];
    }
}
