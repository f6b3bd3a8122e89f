package io.jvhost.config.internal;

import io.jvhost.config.MethodException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * SPDK's two RPC states. Started with {@code --wait-for-rpc} (framework property
 * {@value #WAIT_FOR_RPC}), jvhost is in the startup state: only the methods of {@link #BEFORE_INIT}
 * answer, every other fails with SPDK's -1 until {@code framework_start_init}; then the config file
 * and -x commands run and every method answers. Without it, jvhost is initialized from the start.
 */
@Component(service = InitState.class)
public final class InitState {
    static final String WAIT_FOR_RPC = "jvhost.wait.for.rpc";
    /** SPDK's error code for a method called in the wrong state (SPDK_JSONRPC_ERROR_INVALID_STATE). */
    static final int INVALID_STATE = -1;
    /** Methods SPDK registers for its startup state too: discovery, logging, options, start and stop. */
    static final Set<String> BEFORE_INIT;

    static {
        Set<String> s = new HashSet<>(Set.of("rpc_get_methods", "spdk_get_version", "framework_start_init",
                "framework_wait_init", "spdk_kill_instance", "log_set_level", "log_get_level", "log_set_print_level",
                "log_get_print_level", "log_set_flag", "log_clear_flag", "log_get_flags", "framework_get_features",
                "framework_install_feature"));
        SpdkSettingsMethods.METHODS.forEach(m -> s.add(m[0]));
        BEFORE_INIT = Set.copyOf(s);
    }

    private final CountDownLatch started;

    @Activate
    public InitState(BundleContext context) {
        started = new CountDownLatch(Boolean.parseBoolean(context.getProperty(WAIT_FOR_RPC)) ? 1 : 0);
    }

    boolean initialized() {
        return started.getCount() == 0;
    }

    /** Leaves the startup state; false when it was left already. */
    synchronized boolean start() {
        if (initialized()) {
            return false;
        }
        started.countDown();
        return true;
    }

    void awaitStart() throws InterruptedException {
        started.await();
    }

    /** Fails a method that the startup state does not allow. */
    void check(String method) {
        if (!initialized() && !BEFORE_INIT.contains(method)) {
            throw new MethodException(INVALID_STATE, method + ": Method may only be called after framework is"
                    + " initialized using framework_start_init RPC.");
        }
    }
}
