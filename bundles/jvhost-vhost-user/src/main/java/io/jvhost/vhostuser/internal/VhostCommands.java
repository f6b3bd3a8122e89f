package io.jvhost.vhostuser.internal;

import io.jvhost.vhostuser.VhostController;
import io.jvhost.vhostuser.VhostControllers;
import java.util.Arrays;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo commands in scope {@code vhost} shared by every controller type. */
@Component(service = VhostCommands.class, property = {"osgi.command.scope=vhost", "osgi.command.function=list",
    "osgi.command.function=delete", "osgi.command.function=stats"})
public final class VhostCommands {
    @Reference
    private VhostControllers controllers;

    @Descriptor("List vhost controllers: name, type, cpumask, whether a VM is connected, socket")
    public String list() {
        StringBuilder sb = new StringBuilder(String.format("%-16s %-16s %-8s %-10s %s%n", "controller", "type",
                "cpumask", "connected", "socket"));
        for (VhostController c : controllers.list()) {
            sb.append(String.format("%-16s %-16s %-8s %-10s %s%n", c.name(), c.type(), c.cpumask(), c.connected(),
                    c.socket()));
        }
        return sb.toString();
    }

    @Descriptor("Delete a vhost controller; a connected VM loses the device")
    public String delete(@Descriptor("controller name") String name) {
        controllers.delete(name);
        return "deleted controller " + name;
    }

    @Descriptor("Requests completed per queue of each controller")
    public String stats() {
        StringBuilder sb = new StringBuilder(String.format("%-16s %-10s %-12s %s%n", "controller", "connected", "completed",
                "per queue"));
        for (VhostController c : controllers.list()) {
            long[] q = c.completedPerQueue();
            sb.append(String.format("%-16s %-10s %-12d %s%n", c.name(), c.connected(), Arrays.stream(q).sum(),
                    Arrays.toString(q)));
        }
        return sb.toString();
    }
}
