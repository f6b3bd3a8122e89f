package io.jvhost.frontend.bench;

import io.jvhost.frontend.DriverQueue;
import io.jvhost.frontend.HostileDriver;
import io.jvhost.frontend.VhostUserBlkDisk;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a hostile tenant costs the others: a verifying load on one vhost-user-blk controller, measured
 * alone and then while a second front-end on another controller of the same back-end connects,
 * writes a broken ring ({@link HostileDriver}, every pattern in turn), and hangs up, over and over.
 * Rounds alternate the two phases so that drift of a shared machine hits both alike; the result is
 * the verifying load's IOPS in each phase and their ratio, with every block read back checked.
 * <pre>
 * NeighbourPerf --socket GOOD --hostile BAD [--time SECONDS] [--rounds N] [--depth D] [--bs BYTES]
 *               [--attack-pause-ms MS] [--backend-pid PID] [--json]
 * </pre>
 * Exits 1 when any block read back wrong or any request of the verifying load failed.
 */
public final class NeighbourPerf {
    /** jvhost's reactor threads are named jvhost-reactor-N (comm shows the first 15 characters). */
    private static final String REACTOR_THREAD = "jvhost-reactor";

    private NeighbourPerf() {
    }

    /** One measured phase. */
    record Phase(String name, double seconds, long requests, long verified, long attacks, long reconnects,
            double backendCores, double reactorCores, double clientCores) {
        double iops() {
            return requests / seconds;
        }

        /**
         * IOPS per core of the verifying client's own thread: with two tenants' front-ends on one
         * client core, the hostile one's CPU is not the target's doing, and this leaves it out.
         */
        double iopsPerClientCore() {
            return iops() / clientCores;
        }

        /** Reactor-thread CPU per request of the verifying load, in ns (NaN when not measured). */
        double reactorNsPerRequest() {
            return reactorCores * 1e9 / iops();
        }
    }

    public static void main(String[] args) throws Exception {
        String good = null, hostile = null;
        double seconds = 5;
        int rounds = 3, depth = 16, bs = 4096;
        long pauseMs = 20, pid = -1;
        boolean json = false;
        String attackOnly = null, attackerCpus = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--attack" -> attackOnly = args[++i];
                case "--attacker-cpus" -> attackerCpus = args[++i];
                case "--socket" -> good = args[++i];
                case "--hostile" -> hostile = args[++i];
                case "--time" -> seconds = Double.parseDouble(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--depth" -> depth = Integer.parseInt(args[++i]);
                case "--bs" -> bs = Integer.parseInt(args[++i]);
                case "--attack-pause-ms" -> pauseMs = Long.parseLong(args[++i]);
                case "--backend-pid" -> pid = Long.parseLong(args[++i]);
                case "--json" -> json = true;
                default -> {
                    System.err.println("neighbourperf: unknown option " + args[i] + "\nusage: neighbourperf --socket GOOD"
                            + " --hostile BAD [--time S] [--rounds N] [--depth D] [--bs BYTES] [--attack-pause-ms MS]"
                            + " [--backend-pid PID] [--json]");
                    System.exit(2);
                }
            }
        }
        if (attackOnly != null) {
            Attacker.serve(Path.of(attackOnly), pauseMs);
            return;
        }
        if (good == null || hostile == null || depth < 1 || rounds < 1 || bs % 512 != 0) {
            System.err.println("neighbourperf: --socket and --hostile are required; depth and rounds >= 1; --bs a"
                    + " multiple of 512");
            System.exit(2);
        }
        int queueSize = Integer.highestOneBit(Math.max(8, depth * 3 - 1)) * 2;
        List<Phase> phases = new ArrayList<>();
        long failures;
        String firstFailure;
        try (VhostUserBlkDisk disk = VhostUserBlkDisk.connect(Path.of(good),
                new VhostUserBlkDisk.Options(1, queueSize, depth, bs, true, false));
                Attacker attacker = Attacker.launch(Path.of(hostile), pauseMs, attackerCpus)) {
            VerifyLoad load = new VerifyLoad(disk.queue(0), bs, depth, disk.capacitySectors() * 512 / bs);
            load.start();
            // warm-up of both phases, so that neither is measured while the JIT still compiles its paths
            run(load, 3.0);
            measure("hostile", load, 3.0, attacker, pid);
            for (int r = 0; r < rounds; r++) {
                // ABBA order: a drift over the run weighs on both phases alike
                boolean hostileFirst = r % 2 == 1;
                phases.add(measure(hostileFirst ? "hostile" : "alone", load, seconds, hostileFirst ? attacker : null,
                        pid));
                phases.add(measure(hostileFirst ? "alone" : "hostile", load, seconds, hostileFirst ? null : attacker,
                        pid));
            }
            load.drain(TimeUnit.SECONDS.toNanos(2));
            failures = load.failures();
            firstFailure = load.firstFailure();
        }
        report(phases, depth, bs, pauseMs, failures, json);
        if (failures > 0) {
            System.err.println("neighbourperf: " + failures + " requests of the verifying load failed; first: "
                    + firstFailure);
            System.exit(1);
        }
    }

    private static void run(VerifyLoad load, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            for (int i = 0; i < 64; i++) {
                load.poll();
            }
        }
    }

    /** Measures the verifying load for {@code seconds}, with {@code attacker} attacking when not null. */
    private static Phase measure(String name, VerifyLoad load, double seconds, Attacker attacker, long pid)
            throws Exception {
        if (attacker != null) {
            attacker.resume();
        }
        long attacks0 = attacker == null ? 0 : attacker.attacks.get();
        long reconnects0 = attacker == null ? 0 : attacker.reconnects.get();
        long requests0 = load.completed(), verified0 = load.verified();
        double cpu0 = pid > 0 ? ProcessCpu.seconds(pid) : 0;
        double reactor0 = pid > 0 ? ProcessCpu.threadSeconds(pid, REACTOR_THREAD) : Double.NaN;
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long client0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        run(load, seconds);
        double wall = (System.nanoTime() - t0) / 1e9;
        double clientCores = (threads.getCurrentThreadCpuTime() - client0) / 1e9 / wall;
        double cores = pid > 0 ? (ProcessCpu.seconds(pid) - cpu0) / wall : Double.NaN;
        double reactorCores = pid > 0 ? (ProcessCpu.threadSeconds(pid, REACTOR_THREAD) - reactor0) / wall : Double.NaN;
        Phase p = new Phase(name, wall, load.completed() - requests0, load.verified() - verified0,
                attacker == null ? 0 : attacker.attacks.get() - attacks0,
                attacker == null ? 0 : attacker.reconnects.get() - reconnects0, cores, reactorCores, clientCores);
        if (attacker != null) {
            attacker.pause();
        }
        return p;
    }

    /**
     * Breaks queue 0 with the next pattern, waits, then resets the device the way QEMU does when the
     * guest driver resets it (GET_VRING_BASE, then the queue set up anew) and breaks it again; until
     * interrupted. When the front-end's guest RAM is used up by re-initialised rings (about a hundred)
     * it reconnects, which also exercises session set-up and teardown.
     */
    private static void attack(Path socket, long pauseMs, Runnable attacked, Runnable reconnecting) {
        HostileDriver[] patterns = HostileDriver.values();
        // 4 MiB of guest RAM: 2 MiB of slots, the rest for rings set up after each reset
        VhostUserBlkDisk.Options small = new VhostUserBlkDisk.Options(1, 64, 8, 256 * 1024, true, false);
        long n = 0;
        while (!Thread.currentThread().isInterrupted()) {
            try (VhostUserBlkDisk bad = VhostUserBlkDisk.connect(socket, small)) {
                DriverQueue ring = (DriverQueue) bad.queue(0).ring();
                while (true) {
                    HostileDriver h = patterns[(int) (n++ % patterns.length)];
                    if (!h.apply(bad.frontend(), ring)) {
                        System.err.println("neighbourperf: the back-end accepted " + h);
                        return;
                    }
                    attacked.run();
                    Thread.sleep(pauseMs);
                    bad.frontend().stopRing(0);
                    ring = (DriverQueue) bad.frontend().startRing(0, 64);
                }
            } catch (InterruptedException e) {
                return;
            } catch (java.io.IOException | RuntimeException e) {
                // guest RAM used up, or the target refused the connection while the last session ended
                reconnecting.run();
            }
        }
    }

    private static void report(List<Phase> phases, int depth, int bs, long pauseMs, long failures, boolean json) {
        double alone = median(phases, "alone", Phase::iops), withHostile = median(phases, "hostile", Phase::iops);
        double alonePerCore = median(phases, "alone", Phase::iopsPerClientCore);
        double hostilePerCore = median(phases, "hostile", Phase::iopsPerClientCore);
        double attacksPerSecond = phases.stream().filter(p -> p.name().equals("hostile"))
                .mapToDouble(p -> p.attacks() / p.seconds()).average().orElse(0);
        if (json) {
            for (Phase p : phases) {
                System.out.println(String.format(Locale.ROOT, "{\"bench\":\"neighbourperf\",\"phase\":\"%s\","
                        + "\"depth\":%d,\"bs\":%d,\"iops\":%.0f,\"verified\":%d,\"attacks\":%d,\"reconnects\":%d,"
                        + "\"backend_cpu_cores\":%s,\"reactor_cpu_cores\":%s,\"reactor_ns_per_request\":%s,"
                        + "\"client_cpu_cores\":%.3f,\"iops_per_client_core\":%.0f}",
                        p.name(), depth, bs, p.iops(), p.verified(), p.attacks(), p.reconnects(),
                        number(p.backendCores()), number(p.reactorCores()), number(p.reactorNsPerRequest()),
                        p.clientCores(), p.iopsPerClientCore()));
            }
            System.out.println(String.format(Locale.ROOT, "{\"bench\":\"neighbourperf\",\"phase\":\"summary\","
                    + "\"depth\":%d,\"bs\":%d,\"rounds\":%d,\"iops_alone\":%.0f,\"iops_with_hostile\":%.0f,"
                    + "\"ratio\":%.3f,\"iops_per_client_core_alone\":%.0f,\"iops_per_client_core_with_hostile\":%.0f,"
                    + "\"ratio_per_client_core\":%.3f,\"attacks_per_s\":%.1f,\"attack_pause_ms\":%d,\"failures\":%d}",
                    depth, bs, phases.size() / 2, alone, withHostile, withHostile / alone, alonePerCore,
                    hostilePerCore, hostilePerCore / alonePerCore, attacksPerSecond, pauseMs, failures));
        }
        System.out.println();
        System.out.println(String.format(Locale.ROOT, "%-8s %5s %9s %9s %8s %10s %8s %11s %9s %11s", "phase", "round",
                "IOPS", "verified", "attacks", "reconnects", "back-end", "reactor", "client", "IOPS per"));
        System.out.println(String.format(Locale.ROOT, "%-8s %5s %9s %9s %8s %10s %8s %11s %9s %11s", "", "", "", "",
                "", "", "cores", "ns/request", "cores", "client core"));
        int round = 0;
        for (Phase p : phases) {
            round++;
            System.out.println(String.format(Locale.ROOT, "%-8s %5d %9.0f %9d %8d %10d %8s %11s %9.3f %11.0f",
                    p.name(), (round + 1) / 2, p.iops(), p.verified(), p.attacks(), p.reconnects(),
                    number(p.backendCores()), number(p.reactorNsPerRequest()), p.clientCores(), p.iopsPerClientCore()));
        }
        System.out.println(String.format(Locale.ROOT, "medians: IOPS alone %.0f, beside a hostile neighbour %.0f (%.1f%%);"
                + " per client core %.0f and %.0f (%.1f%%); %.1f broken rings a second; %d verify failures", alone,
                withHostile, 100 * withHostile / alone, alonePerCore, hostilePerCore, 100 * hostilePerCore / alonePerCore,
                attacksPerSecond, failures));
    }

    private static double median(List<Phase> phases, String name, java.util.function.ToDoubleFunction<Phase> f) {
        double[] v = phases.stream().filter(p -> p.name().equals(name)).mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
    }

    /**
     * The hostile front-end in a process of its own (its JIT and GC apart from the verifying load's),
     * on the client's core (it inherits the affinity) or on {@code --attacker-cpus}. It starts once
     * and is warmed up with the rest; "start" and "stop" on its stdin turn the attacks on and off, and
     * it reports each attack, reconnection and stop as a line on its stdout.
     */
    static final class Attacker implements AutoCloseable {
        final AtomicLong attacks = new AtomicLong(), reconnects = new AtomicLong();
        private final java.util.concurrent.Semaphore stopped = new java.util.concurrent.Semaphore(0);
        private final Process process;
        private final java.io.PrintStream control;

        private Attacker(Process process) {
            this.process = process;
            this.control = new java.io.PrintStream(process.getOutputStream(), true);
            Thread reader = new Thread(() -> {
                try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()))) {
                    for (String line; (line = in.readLine()) != null;) {
                        switch (line) {
                            case "attack" -> attacks.incrementAndGet();
                            case "reconnect" -> reconnects.incrementAndGet();
                            case "stopped" -> stopped.release();
                            default -> System.err.println("neighbourperf: hostile front-end: " + line);
                        }
                    }
                } catch (java.io.IOException ended) {
                    // the process ended
                }
                stopped.release(); // nobody waits for a process that is gone
            }, "neighbourperf-attacker-output");
            reader.setDaemon(true);
            reader.start();
        }

        static Attacker launch(Path socket, long pauseMs, String cpus) throws java.io.IOException {
            List<String> command = new ArrayList<>();
            if (cpus != null) {
                command.addAll(List.of("taskset", "-c", cpus));
            }
            command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx128m", "-cp",
                    System.getProperty("java.class.path"), NeighbourPerf.class.getName(), "--attack", socket.toString(),
                    "--attack-pause-ms", Long.toString(pauseMs)));
            return new Attacker(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }

        /** Turns the attacks on and returns once the first broken ring is in place. */
        void resume() throws InterruptedException {
            long before = attacks.get();
            control.println("start");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (attacks.get() == before) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the hostile front-end did not get to break a ring");
                }
                Thread.sleep(1);
            }
        }

        /** Turns the attacks off and returns once the hostile front-end hung up. */
        void pause() throws InterruptedException {
            control.println("stop");
            if (!stopped.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the hostile front-end did not stop");
            }
        }

        @Override
        public void close() throws InterruptedException {
            control.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }

        /** The child's side: attacks while told to, until stdin ends. */
        static void serve(Path socket, long pauseMs) throws Exception {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            Thread attacking = null;
            for (String line; (line = in.readLine()) != null;) {
                if (line.equals("start") && attacking == null) {
                    attacking = new Thread(() -> attack(socket, pauseMs, () -> System.out.println("attack"),
                            () -> System.out.println("reconnect")), "hostile-front-end");
                    attacking.start();
                } else if (line.equals("stop") && attacking != null) {
                    attacking.interrupt();
                    attacking.join();
                    attacking = null;
                    System.out.println("stopped");
                }
            }
            if (attacking != null) {
                attacking.interrupt();
                attacking.join();
            }
        }
    }
}
