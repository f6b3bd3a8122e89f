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
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Accepts front-ends on a controller's socket, one session at a time, each on its own thread. */
public final class Listener implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);
    private final String controller;
    private final Path path;
    private final UnixSocket server;
    private final VhostUserDevice device;
    private final ReactorGroup reactors;
    private final CpuMask cpumask;
    private final Thread acceptor;
    private volatile Session session;
    private volatile Thread sessionThread;
    private volatile boolean closing;
    private long[] completedBefore = new long[0];
    private final Coalescing coalescing = new Coalescing();
    /** Front-end connections accepted so far; the latest one's number names its session in logs. */
    private int sessions;

    private final java.util.function.Supplier<io.jvhost.memory.MemoryRegistry> memory;

    private Listener(String controller, Path path, UnixSocket server, VhostUserDevice device, ReactorGroup reactors,
            CpuMask cpumask, java.util.function.Supplier<io.jvhost.memory.MemoryRegistry> memory) {
        this.memory = memory;
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
        UnixSocket server = UnixSocket.listen(path, 1);
        try {
            applyOwnership(path, options);
        } catch (IOException | RuntimeException e) {
            server.close();
            deleteQuietly(path);
            throw new IllegalArgumentException("socket " + path + ": cannot set owner/group/mode: " + e.getMessage(), e);
        }
        Listener l = new Listener(controller, path, server, device, reactors, cpumask, memory);
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
        return session != null;
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
            if (session != null || closing) {
                LOG.warn("controller {}: refusing a second front-end on {} while one is connected", controller, path);
                peer.close();
                continue;
            }
            Session s = new Session(controller, ++sessions, peer, device, reactors, cpumask, coalescing, memory,
                    this::sessionEnded);
            session = s;
            Thread t = new Thread(s, "vhost-session-" + controller);
            t.setDaemon(true);
            sessionThread = t;
            LOG.info("controller {}: front-end connected (session {})", controller, sessions);
            t.start();
        }
    }

    private synchronized void sessionEnded() {
        Session s = session;
        if (s != null) {
            completedBefore = add(completedBefore, s.completedPerQueue());
        }
        session = null;
        sessionThread = null;
    }

    private static long[] add(long[] a, long[] b) {
        long[] out = new long[Math.max(a.length, b.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (i < a.length ? a[i] : 0) + (i < b.length ? b[i] : 0);
        }
        return out;
    }

    public synchronized long[] completedPerQueue() {
        Session s = session;
        return s == null ? completedBefore.clone() : add(completedBefore, s.completedPerQueue());
    }

    public void notifyConfigChange() {
        Session s = session;
        if (s != null) {
            s.notifyConfigChange();
        }
    }

    public void close() {
        closing = true;
        server.shutdown();
        server.close();
        Session s = session;
        Thread t = sessionThread;
        if (s != null) {
            s.shutdown();
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
            if (t != null) {
                t.join(TimeUnit.SECONDS.toMillis(60));
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
