package io.jvhost.config.internal;

import io.jvhost.config.ConfigMethod;
import io.jvhost.config.ConfigMethods;
import io.jvhost.config.MethodException;
import io.jvhost.config.Params;
import io.jvhost.config.RpcError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** Tracks every {@link ConfigMethod} service and dispatches calls and config documents to them. */
@Component(service = ConfigMethods.class)
public final class MethodRegistry implements ConfigMethods {
    /** How long a config document waits for a method whose bundle may still be starting. */
    static final long METHOD_WAIT_MILLIS = 3000;
    private final Map<String, ConfigMethod> methods = new ConcurrentHashMap<>();
    @Reference
    private InitState init;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addMethod(ConfigMethod m) {
        methods.put(m.name(), m);
        synchronized (methods) {
            methods.notifyAll();
        }
    }

    void removeMethod(ConfigMethod m) {
        methods.remove(m.name(), m);
    }

    @Override
    public List<String> names() {
        return methods.keySet().stream().sorted().toList();
    }

    @Override
    public Object invoke(String method, Object params) {
        init.check(method);
        ConfigMethod m = methods.get(method);
        if (m == null) {
            throw new MethodException(MethodException.METHOD_NOT_FOUND, "Method not found: '" + method
                    + "' (no running bundle provides it)");
        }
        return call(m, Params.of(method, params));
    }

    /** Runs a method, giving every failure SPDK's error code. */
    static Object call(ConfigMethod m, Params params) {
        try {
            return m.invoke(params);
        } catch (MethodException e) {
            throw e;
        } catch (RuntimeException e) {
            if (e instanceof RpcError r) {
                throw new MethodException(r.rpcCode(), e.getMessage(), e);
            }
            if (e instanceof IllegalArgumentException) {
                throw new MethodException(MethodException.INVALID_PARAMS, m.name() + ": " + e.getMessage(), e);
            }
            throw new MethodException(MethodException.INTERNAL_ERROR, m.name() + " failed: " + e, e);
        }
    }

    /** Looks a method up, waiting briefly for bundles that are still starting. */
    ConfigMethod await(String method) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(METHOD_WAIT_MILLIS);
        synchronized (methods) {
            ConfigMethod m;
            while ((m = methods.get(method)) == null) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                try {
                    methods.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return m;
        }
    }

    @Override
    public void apply(Object document) {
        if (!(document instanceof Map<?, ?> doc) || !(doc.get("subsystems") instanceof List<?> subsystems)) {
            throw MethodException.invalidParams("a config must be an object with a \"subsystems\" array");
        }
        for (Object s : subsystems) {
            if (!(s instanceof Map<?, ?> sub) || !(sub.get("subsystem") instanceof String name)) {
                throw MethodException.invalidParams("each subsystem must be an object with a \"subsystem\" name");
            }
            Object config = sub.get("config");
            if (config == null) {
                continue;
            }
            if (!(config instanceof List<?> entries)) {
                throw MethodException.invalidParams("subsystem '" + name + "': \"config\" must be an array");
            }
            int index = 0;
            for (Object e : entries) {
                index++;
                applyEntry(name, index, e);
            }
        }
    }

    private void applyEntry(String subsystem, int index, Object entry) {
        String where = "subsystem '" + subsystem + "' entry " + index;
        if (!(entry instanceof Map<?, ?> call) || !(call.get("method") instanceof String method)) {
            throw MethodException.invalidParams(where + ": each entry needs a \"method\" string");
        }
        ConfigMethod m = await(method);
        if (m == null) {
            throw new MethodException(MethodException.METHOD_NOT_FOUND, where + ": unknown method '" + method
                    + "'; known methods: " + (methods.isEmpty() ? "(none)" : String.join(", ", names())));
        }
        try {
            call(m, Params.of(method, call.get("params")));
        } catch (MethodException ex) {
            throw new MethodException(ex.code(), where + " (" + method + "): " + ex.getMessage(), ex);
        }
    }

    /** For listings: method name and description. */
    List<String[]> describe() {
        List<String[]> out = new ArrayList<>();
        methods.values().stream().sorted((a, b) -> a.name().compareTo(b.name()))
                .forEach(m -> out.add(new String[] {m.name(), m.description()}));
        return out;
    }
}
