package io.jvhost.reactor.internal;

import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import java.util.Optional;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code jvhost:status}: what is running, in one screen. */
@Component(service = StatusCommand.class, property = {"osgi.command.scope=jvhost", "osgi.command.function=status"})
public final class StatusCommand {
    private final BundleContext context;
    private final ReactorGroup reactors;

    @Activate
    public StatusCommand(BundleContext context, @Reference ReactorGroup reactors) {
        this.context = context;
        this.reactors = reactors;
    }

    @Descriptor("Version, feature, bundles and reactors of this jvhost")
    public String status() {
        StringBuilder sb = new StringBuilder();
        sb.append("jvhost ").append(property("jvhost.version")).append('\n');
        sb.append("feature    ").append(property("jvhost.feature")).append('\n');
        int active = 0;
        Bundle[] bundles = context.getBundles();
        for (Bundle b : bundles) {
            if (b.getState() == Bundle.ACTIVE) {
                active++;
            }
        }
        sb.append("bundles    ").append(active).append(" of ").append(bundles.length).append(" active\n");
        sb.append("reactors   ").append(reactors.reactors().size()).append(" on cores ")
                .append(reactors.cpumask().toList()).append(" (cpumask ").append(reactors.cpumask())
                .append("), idle strategy ").append(reactors.idleStrategy()).append('\n');
        for (Reactor r : reactors.reactors()) {
            sb.append(String.format("  reactor %d  core %d  %d pollers%n", r.index(), r.core(), r.pollerCount()));
        }
        sb.append("sockets    ").append(property("jvhost.socket.dir")).append(", JSON-RPC ")
                .append(property("jvhost.rpc.socket")).append('\n');
        return sb.toString();
    }

    private String property(String key) {
        return Optional.ofNullable(context.getProperty(key)).orElse("-");
    }
}
