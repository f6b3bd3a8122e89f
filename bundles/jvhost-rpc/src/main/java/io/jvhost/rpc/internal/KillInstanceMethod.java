package io.jvhost.rpc.internal;

import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.posix.Signals;
import java.util.Set;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPDK's {@code spdk_kill_instance {sig_name}}: sends the process the signal, as SPDK does, so SIGTERM,
 * SIGINT and SIGHUP stop jvhost cleanly (the launcher's shutdown path), SIGKILL ends it at once and
 * SIGQUIT prints the JVM's thread dump. The signal goes out a moment after the call returns, so the
 * caller gets its answer first.
 */
@Component(service = KillInstanceMethod.class, immediate = true)
public final class KillInstanceMethod {
    private static final Logger LOG = LoggerFactory.getLogger(KillInstanceMethod.class);
    /** Time for the answer to reach the caller before the signal is raised. */
    private static final long ANSWER_MILLIS = 100;
    private final MethodRegistrations registration;

    @Activate
    public KillInstanceMethod(BundleContext context) {
        registration = MethodRegistrations.register(context, MethodRegistrations.method("spdk_kill_instance",
                "Send this process a signal: {sig_name} (SIGTERM, SIGINT or SIGHUP stop it cleanly)", this::kill));
    }

    @Deactivate
    void deactivate() {
        registration.close();
    }

    Object kill(Params p) {
        p.allowOnly(Set.of("sig_name"));
        String name = p.string("sig_name");
        int signal = Signals.parse(name);
        if (signal < 0) {
            throw MethodException.invalidParams("spdk_kill_instance: unknown sig_name '" + name + "'; one of "
                    + Signals.names());
        }
        LOG.warn("spdk_kill_instance: raising {} (signal {}) in {} ms", name, signal, ANSWER_MILLIS);
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(ANSWER_MILLIS);
                Signals.raise(signal);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jvhost-kill-instance");
        t.setDaemon(true);
        t.start();
        return true;
    }
}
