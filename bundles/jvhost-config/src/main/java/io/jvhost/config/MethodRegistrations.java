package io.jvhost.config;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.function.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** Registers a bundle's methods as {@link ConfigMethod} services; {@link #close()} withdraws them. */
public final class MethodRegistrations implements AutoCloseable {
    private final List<ServiceRegistration<ConfigMethod>> registrations = new ArrayList<>();

    private MethodRegistrations() {
    }

    public static MethodRegistrations register(BundleContext context, ConfigMethod... methods) {
        MethodRegistrations r = new MethodRegistrations();
        for (ConfigMethod m : methods) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(ConfigMethod.NAME_PROPERTY, m.name());
            r.registrations.add(context.registerService(ConfigMethod.class, m, props));
        }
        return r;
    }

    /** A method from a name, a description and a body. */
    public static ConfigMethod method(String name, String description, Function<Params, Object> body) {
        return new ConfigMethod() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public Object invoke(Params params) {
                return body.apply(params);
            }
        };
    }

    @Override
    public void close() {
        for (ServiceRegistration<ConfigMethod> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping and the framework withdrew it first
            }
        }
        registrations.clear();
    }
}
