package io.jvhost.vhostuser.internal;

import io.jvhost.posix.Posix;
import io.jvhost.posix.UnixSocket;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.SocketOptions;
import io.jvhost.vhostuser.VhostUserDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts front-ends on a controller's socket, each session on its own thread: one at a time unless
 * the controller's {@code max_sessions} allows more (and its device can serve several front-ends).
 */
public final class Listener implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);
    private final String controller;
    /** One for all of this controller's sessions: reconnecting does not buy a hostile front-end more log lines. */
    private final LogLimit logLimit = new LogLimit();
    private final Path path;
    private final UnixSocket server;
    private final VhostUserDevice device;
    private final ReactorGroup reactors;
    private final CpuMask cpumask;
    private final int maxSessions;
    private final Thread acceptor;
    /** The sessions connected now, by number, in the order they connected. */
    private final Map<Integer, Running> running = Collections.synchronizedMap(new LinkedHashMap<>());
    private volatile boolean closing;
    private long[] completedBefore = new long[0];
    private final Coalescing coalescing = new Coalescing();
    /** Front-end connections accepted so far; each session's number names it in logs. */
    private int accepted;

    private record Running(Session session, Thread thread) {
    }

    private final java.util.function.Supplier<io.jvhost.memory.MemoryRegistry> memory;

    private Listener(String controller, Path path, UnixSocket server, VhostUserDevice device, ReactorGroup reactors,
            CpuMask cpumask, int maxSessions, java.util.function.Supplier<io.jvhost.memory.MemoryRegistry> memory) {
        this.memory = memory;
        this.maxSessions = maxSessions;
        this.controller = controller;
        this.path = path;
        this.server = server;
        this.device = device;
        this.reactors = reactors;
        this.cpumask = cpumask;
        this.acceptor = new Thread(this, "vhost-accept-" + controller);
        this.acceptor.setDaemon(true);
    }

    /** Sets interrupt coalescing for this controller's queues, now and in later sessions. */
    public void setCoalescing(long delayBaseUs, long iopsThreshold) {
        coalescing.set(delayBaseUs, iopsThreshold);
    }

    public long coalescingDelayBaseUs() {
        return coalescing.delayBaseUs();
    }

    public long coalescingIopsThreshold() {
        return coalescing.iopsThreshold();
    }

    public static Listener start(String controller, Path path, SocketOptions options, VhostUserDevice device,
            ReactorGroup reactors, CpuMask cpumask, java.util.function.Supplier<io.jvhost.memory.MemoryRegistry> memory) {
        if (options.maxSessions() > 1 && !device.servesSeveralFrontEnds()) {
            throw new IllegalArgumentException("max_sessions " + options.maxSessions() + ": this controller type"
                    + " serves one front-end at a time (its device state belongs to one driver)");
        }
        UnixSocket server = UnixSocket.listen(path, 1);
        try {
            applyOwnership(path, options);
        } catch (IOException | RuntimeException e) {
            server.close();
            deleteQuietly(path);
            throw new IllegalArgumentException("socket " + path + ": cannot set owner/group/mode: " + e.getMessage(), e);
        }
        Listener l = new Listener(controller, path, server, device, reactors, cpumask, options.maxSessions(), memory);
        l.acceptor.start();
        LOG.info("controller {} listening on {}", controller, path);
        return l;
    }

    private static void applyOwnership(Path path, SocketOptions o) throws IOException {
        Posix.chmod(path.toString(), o.mode());
        UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (o.owner() != null) {
            view.setOwner(lookup.lookupPrincipalByName(o.owner()));
        }
        if (o.group() != null) {
            view.setGroup(lookup.lookupPrincipalByGroupName(o.group()));
        }
    }

    public Path socket() {
        return path;
    }

    public boolean connected() {
        return !running.isEmpty();
    }

    /** Numbers of the sessions connected now, in the order they connected. */
    public List<Integer> sessions() {
        synchronized (running) {
            return List.copyOf(running.keySet());
        }
    }

    @Override
    public void run() {
        while (!closing) {
            UnixSocket peer;
            try {
                peer = server.accept();
            } catch (RuntimeException e) {
                if (!closing) {
                    LOG.error("controller {}: accept on {} failed: {}", controller, path, e.getMessage());
                }
                return;
            }
            synchronized (this) {
                if (closing || running.size() >= maxSessions) {
                    logLimit.warn(LOG, "controller {}: refusing a front-end on {}: {} connected and max_sessions is"
                            + " {}{}{}", controller, path, running.size(), maxSessions,
                            closing ? " (the controller is closing)" : "");
                    peer.close();
                    continue;
                }
                int number = ++accepted;
                Session s = new Session(controller, number, peer, device, reactors, cpumask, coalescing, memory,
                        logLimit, () -> sessionEnded(number));
                Thread t = new Thread(s, "vhost-session-" + controller + "-" + number);
                t.setDaemon(true);
                running.put(number, new Running(s, t));
                LOG.info("controller {}: front-end connected (session {})", controller, number);
                t.start();
            }
        }
    }

    private synchronized void sessionEnded(int number) {
        Running r = running.remove(number);
        if (r != null) {
            completedBefore = add(completedBefore, r.session().completedPerQueue());
        }
    }

    private static long[] add(long[] a, long[] b) {
        long[] out = new long[Math.max(a.length, b.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (i < a.length ? a[i] : 0) + (i < b.length ? b[i] : 0);
        }
        return out;
    }

    public synchronized long[] completedPerQueue() {
        long[] sum = completedBefore.clone();
        for (Running r : runningNow()) {
            sum = add(sum, r.session().completedPerQueue());
        }
        return sum;
    }

    public void notifyConfigChange() {
        for (Running r : runningNow()) {
            r.session().notifyConfigChange();
        }
    }

    private List<Running> runningNow() {
        synchronized (running) {
            return new ArrayList<>(running.values());
        }
    }

    public void close() {
        closing = true;
        server.shutdown();
        server.close();
        List<Running> open;
        synchronized (this) {
            open = runningNow();
        }
        open.forEach(r -> r.session().shutdown());
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
            for (Running r : open) {
                r.thread().join(TimeUnit.SECONDS.toMillis(60));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteQuietly(path);
        LOG.info("controller {}: socket {} closed", controller, path);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // nothing else to do
        }
    }
}
