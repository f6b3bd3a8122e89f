package io.jvhost.vhostuser.internal;

import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.ControllerSpec;
import io.jvhost.vhostuser.VhostController;
import io.jvhost.vhostuser.VhostControllers;
import io.jvhost.vhostuser.VhostUserTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The process's vhost controllers, with the methods and commands every controller type shares:
 * {@code vhost_delete_controller} and {@code vhost_get_controllers}.
 */
@Component(service = VhostControllers.class, immediate = true)
public final class ControllerRegistry implements VhostControllers {
    /** Socket directory property the launcher sets from {@code -S DIR}. */
    public static final String SOCKET_DIR_PROPERTY = "jvhost.socket.dir";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");
    private final Map<String, Controller> controllers = new ConcurrentHashMap<>();
    private final ReactorGroup reactors;
    private final Path socketDir;
    private final MethodRegistrations methods;

    /** Where sessions announce guest memory for zero-copy DMA; absent without the bdev layer. */
    @Reference(cardinality = org.osgi.service.component.annotations.ReferenceCardinality.OPTIONAL,
            policy = org.osgi.service.component.annotations.ReferencePolicy.DYNAMIC)
    private volatile io.jvhost.memory.MemoryRegistry memoryRegistry;

    @Activate
    public ControllerRegistry(BundleContext context, @Reference ReactorGroup reactors) {
        this.reactors = reactors;
        this.socketDir = Path.of(Optional.ofNullable(context.getProperty(SOCKET_DIR_PROPERTY)).orElse("/var/tmp"));
        this.methods = MethodRegistrations.register(context,
                MethodRegistrations.method("vhost_get_controllers",
                        "List vhost controllers: {name?}", this::getControllers),
                MethodRegistrations.method("vhost_delete_controller",
                        "Delete a vhost controller: {ctrlr}", this::deleteController),
                MethodRegistrations.method("vhost_controller_set_coalescing",
                        "Hold interrupts back by up to delay_base_us while a queue completes more than iops_threshold"
                                + " requests a second (0: off): {ctrlr, delay_base_us, iops_threshold}",
                        this::setCoalescing));
    }

    /** A registry outside OSGi (tests, tools): no methods are registered. */
    public ControllerRegistry(ReactorGroup reactors, Path socketDir) {
        this.reactors = reactors;
        this.socketDir = socketDir;
        this.methods = null;
    }

    @Deactivate
    void deactivate() {
        if (methods != null) {
            methods.close();
        }
        closeAll();
    }

    /** Deletes every controller (bundle stop, tests). */
    public void closeAll() {
        for (String name : new ArrayList<>(controllers.keySet())) {
            delete(name);
        }
    }

    @Override
    public Path socketDirectory() {
        return socketDir;
    }

    @Override
    public VhostController create(ControllerSpec spec) {
        if (spec.name() == null || !NAME.matcher(spec.name()).matches()) {
            throw MethodException.invalidParams("controller name '" + spec.name()
                    + "' must be 1-64 letters, digits, '_', '.' or '-' (it names the socket file)");
        }
        CpuMask mask = spec.cpumask() == null ? reactors.cpumask() : spec.cpumask();
        if (!reactors.cpumask().containsAll(mask)) {
            throw MethodException.invalidParams("controller " + spec.name() + ": cpumask " + mask
                    + " is not within the reactor cores " + reactors.cpumask() + " (start jvhost with a wider --cpumask)");
        }
        Controller placeholder = new Controller(spec, null, mask);
        if (controllers.putIfAbsent(spec.name(), placeholder) != null) {
            throw MethodException.exists("controller " + spec.name() + " already exists");
        }
        try {
            VhostUserTarget target = VhostUserTarget.listen(spec.name(), socketDir.resolve(spec.name()), spec.socket(),
                    spec.device(), reactors, mask, () -> memoryRegistry);
            Controller c = new Controller(spec, target, mask);
            controllers.put(spec.name(), c);
            return c;
        } catch (IllegalArgumentException e) {
            controllers.remove(spec.name());
            throw MethodException.invalidParams("controller " + spec.name() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            controllers.remove(spec.name());
            throw new MethodException(MethodException.INTERNAL_ERROR, "controller " + spec.name() + ": cannot listen on "
                    + socketDir.resolve(spec.name()) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<VhostController> find(String name) {
        Controller c = controllers.get(name);
        return c == null || c.target == null ? Optional.empty() : Optional.of(c);
    }

    @Override
    public List<VhostController> list() {
        List<VhostController> out = new ArrayList<>();
        controllers.values().stream().filter(c -> c.target != null).sorted((a, b) -> a.name().compareTo(b.name()))
                .forEach(out::add);
        return out;
    }

    @Override
    public void delete(String name) {
        Controller c = controllers.get(name);
        if (c == null || c.target == null) {
            throw MethodException.noDevice("controller " + name + " does not exist; controllers: "
                    + list().stream().map(VhostController::name).toList());
        }
        if (controllers.remove(name, c)) {
            c.close();
        }
    }

    @Override
    public void deleteAll(java.util.Collection<String> names) {
        for (String name : names) {
            Controller c = controllers.get(name);
            if (c != null && c.target != null && controllers.remove(name, c)) {
                c.close();
            }
        }
    }

    /** The SPDK {@code vhost_get_controllers} entry for one controller. */
    static Map<String, Object> describe(VhostController c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ctrlr", c.name());
        m.put("cpumask", c.cpumask().toString());
        m.put("delay_base_us", c.coalescingDelayBaseUs());
        m.put("iops_threshold", c.coalescingIopsThreshold());
        m.put("socket", c.socket().toString());
        // SPDK numbers a controller's sessions from 0 (vid is rte_vhost's device id; ours is the same number)
        m.put("sessions", c.sessions().stream().map(n -> Map.<String, Object>of("vid", n - 1L, "id", n - 1L,
                "name", c.name() + "s" + (n - 1), "started", true)).toList());
        m.put("backend_specific", c.backendInfo());
        return m;
    }

    Object getControllers(Params p) {
        p.allowOnly(Set.of("name"));
        if (p.has("name")) {
            VhostController c = find(p.string("name")).orElseThrow(() -> MethodException.noDevice("controller "
                    + p.string("name") + " does not exist"));
            return List.of(describe(c));
        }
        return list().stream().map(ControllerRegistry::describe).toList();
    }

    Object setCoalescing(Params p) {
        p.allowOnly(Set.of("ctrlr", "delay_base_us", "iops_threshold"));
        String name = p.string("ctrlr");
        long delay = p.integerIn("delay_base_us", 0, 1_000_000);
        long threshold = p.integerIn("iops_threshold", 0, Integer.MAX_VALUE);
        if (delay > 0 && threshold == 0) {
            throw MethodException.invalidParams(p.method() + ": iops_threshold must be above 0 when delay_base_us is set");
        }
        VhostController c = find(name).orElseThrow(() -> MethodException.noDevice(p.method() + ": controller " + name
                + " does not exist"));
        c.setCoalescing(delay, threshold);
        return true;
    }

    Object deleteController(Params p) {
        p.allowOnly(Set.of("ctrlr"));
        delete(p.string("ctrlr"));
        return true;
    }
}
