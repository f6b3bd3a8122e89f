package io.jvhost.reactor.internal;

import io.jvhost.config.MethodRegistrations;
import io.jvhost.reactor.ReactorGroup;
import java.util.Set;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Registers SPDK's {@code framework_get_reactors}, {@code thread_get_stats} and {@code thread_get_pollers};
 * {@link ReactorReports} shapes the answers.
 */
@Component(service = ReactorMethods.class, immediate = true)
public final class ReactorMethods {
    private final MethodRegistrations registrations;

    @Activate
    public ReactorMethods(BundleContext context, @Reference ReactorGroup group) {
        this.registrations = MethodRegistrations.register(context,
                MethodRegistrations.method("framework_get_reactors",
                        "Reactors: core, thread id, busy and idle ticks, interrupt mode, pollers", p -> {
                            p.allowOnly(Set.of());
                            return ReactorReports.reactors(group);
                        }),
                MethodRegistrations.method("thread_get_stats",
                        "Threads (one per reactor): busy and idle ticks and poller counts", p -> {
                            p.allowOnly(Set.of());
                            return ReactorReports.threads(group);
                        }),
                MethodRegistrations.method("thread_get_pollers",
                        "Pollers of each thread (one per reactor): id, run and busy counts", p -> {
                            p.allowOnly(Set.of());
                            return ReactorReports.pollers(group.reactors());
                        }));
    }

    @Deactivate
    void deactivate() {
        registrations.close();
    }

}
