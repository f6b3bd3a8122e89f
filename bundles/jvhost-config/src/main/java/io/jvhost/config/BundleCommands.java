package io.jvhost.config;

import org.osgi.framework.BundleContext;

/**
 * What a module bundle offers operators, registered together and withdrawn together: its config
 * methods (JSON-RPC and configs) and its Gogo commands in one scope. With no bundle context (a unit
 * test constructing the component by hand) nothing is registered and {@link #close()} does nothing.
 */
public final class BundleCommands implements AutoCloseable {
    private final MethodRegistrations methods;
    private final GogoCommands gogo;

    private BundleCommands(MethodRegistrations methods, GogoCommands gogo) {
        this.methods = methods;
        this.gogo = gogo;
    }

    /**
     * Registers {@code methods} and the Gogo {@code functions} of {@code scope}, served by
     * {@code target}'s public methods of the same names in camel case (see {@link GogoCommands}).
     */
    public static BundleCommands register(BundleContext context, String scope, Object target, String[] functions,
            ConfigMethod... methods) {
        if (context == null) {
            return new BundleCommands(null, null);
        }
        MethodRegistrations m = MethodRegistrations.register(context, methods);
        try {
            return new BundleCommands(m, GogoCommands.register(context, scope, target, functions));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Gogo function names, for {@link #register}'s array parameter. */
    public static String[] gogo(String... functions) {
        return functions;
    }

    @Override
    public void close() {
        if (gogo != null) {
            gogo.close();
        }
        if (methods != null) {
            methods.close();
        }
    }
}
