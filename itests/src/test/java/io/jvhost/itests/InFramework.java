package io.jvhost.itests;

import io.jvhost.config.ConfigMethods;
import io.jvhost.config.Json;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/** Small helpers the in-framework tests share. */
final class InFramework {
    private InFramework() {
    }

    /** The installed bundle with {@code symbolicName}; fails the test when there is none. */
    static Bundle bundle(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    /** Calls a config method with params given as JSON text (null: none), as a JSON-RPC client would. */
    static Object call(ConfigMethods methods, String method, String params) {
        return methods.invoke(method, params == null ? null : Json.parse(params));
    }

    /** Polls {@code condition} every 10 ms; fails the test after 20 s. */
    static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 20 s");
            }
            Thread.sleep(10);
        }
    }
}
