package io.jvhost.rpc.internal;

import io.jvhost.config.ConfigMethods;
import io.jvhost.posix.Posix;
import io.jvhost.posix.UnixSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPDK-compatible JSON-RPC on a Unix socket ({@code -r PATH}, default /var/tmp/spdk.sock, mode 0600).
 * Each client has its own thread, so a slow, silent or hostile client never holds up another, and
 * nothing here runs on a reactor.
 */
@Component(immediate = true)
public final class RpcServer implements Runnable {
    /** Framework property the launcher sets from {@code -r PATH}; "none" disables the server. */
    public static final String SOCKET_PROPERTY = "jvhost.rpc.socket";
    static final String DEFAULT_SOCKET = "/var/tmp/spdk.sock";
    private static final Logger LOG = LoggerFactory.getLogger(RpcServer.class);
    private final Path path;
    private final UnixSocket server;
    private final RpcDispatcher dispatcher;
    private final Thread acceptor;
    private final Set<UnixSocket> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    @Activate
    public RpcServer(BundleContext context, @Reference ConfigMethods methods) {
        String p = Optional.ofNullable(context.getProperty(SOCKET_PROPERTY)).orElse(DEFAULT_SOCKET);
        String version = Optional.ofNullable(context.getProperty("jvhost.version")).orElse("0.0.0");
        this.dispatcher = new RpcDispatcher(methods, version);
        if (p.equals("none")) {
            path = null;
            server = null;
            acceptor = null;
            return;
        }
        this.path = Path.of(p);
        this.server = UnixSocket.listen(path, 16);
        Posix.chmod(p, 0600);
        this.acceptor = new Thread(this, "rpc-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.info("JSON-RPC listening on {}", p);
    }

    @Override
    public void run() {
        while (!closing) {
            UnixSocket client;
            try {
                client = server.accept();
            } catch (RuntimeException e) {
                if (!closing) {
                    LOG.error("JSON-RPC accept on {} failed: {}", path, e.getMessage());
                }
                return;
            }
            clients.add(client);
            Thread t = new Thread(() -> serve(client), "rpc-client");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(UnixSocket client) {
        RequestFramer framer = new RequestFramer();
        byte[] chunk = new byte[65536];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(chunk.length);
            while (!closing) {
                UnixSocket.Received r = client.receive(buf, chunk.length);
                for (int fd : r.fds()) {
                    Posix.close(fd);
                }
                if (r.bytes() == 0) {
                    return;
                }
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, chunk, 0, (int) r.bytes());
                List<String> requests;
                try {
                    requests = framer.feed(chunk, (int) r.bytes());
                } catch (RequestFramer.FramingException e) {
                    send(client, io.jvhost.config.Json.write(RpcDispatcher.error(null,
                            io.jvhost.config.MethodException.PARSE_ERROR, "Parse error: " + e.getMessage())));
                    return;
                }
                for (String request : requests) {
                    String response = dispatcher.handle(request);
                    if (response != null) {
                        send(client, response);
                    }
                }
            }
        } catch (RuntimeException e) {
            if (!closing) {
                LOG.debug("JSON-RPC client ended: {}", e.getMessage());
            }
        } finally {
            clients.remove(client);
            client.close();
        }
    }

    private static void send(UnixSocket client, String response) {
        byte[] bytes = (response + "\n").getBytes(StandardCharsets.UTF_8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, m, ValueLayout.JAVA_BYTE, 0, bytes.length);
            client.send(m, bytes.length);
        }
    }

    @Deactivate
    void deactivate() {
        closing = true;
        if (server == null) {
            return;
        }
        server.shutdown();
        server.close();
        for (UnixSocket c : clients) {
            c.shutdown();
        }
        try {
            acceptor.join(5000);
            Files.deleteIfExists(path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", path, e.getMessage());
        }
    }
}
