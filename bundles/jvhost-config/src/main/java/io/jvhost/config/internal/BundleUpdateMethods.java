package io.jvhost.config.internal;

import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot-swapping a module from a script: {@code framework_update_bundle {name, path?}} and Gogo
 * {@code jvhost:update-bundle} update a running bundle from a rebuilt jar (or from where it was
 * installed) and refresh it, as Felix's {@code update} and {@code refresh} commands do. A bdev module's
 * bdevs are hot-removed while it stops (their openers see them go) and its methods come back with it.
 * The bundles that serve this call (the framework, config and RPC bundles) are refused: updating them
 * from inside their own call cannot answer it.
 */
@Component(service = BundleUpdateMethods.class, immediate = true)
public final class BundleUpdateMethods {
    private static final Logger LOG = LoggerFactory.getLogger(BundleUpdateMethods.class);
    private static final Set<String> SERVING = Set.of("io.jvhost.config", "io.jvhost.rpc");
    private static final long REFRESH_SECONDS = 60;
    private final BundleContext context;
    private final BundleCommands commands;

    @Activate
    public BundleUpdateMethods(BundleContext context) {
        this.context = context;
        this.commands = BundleCommands.register(context, "jvhost", this, BundleCommands.gogo("update-bundle"),
                MethodRegistrations.method("framework_update_bundle", "Update a running bundle from a jar and refresh"
                        + " it (hot swap): {name (symbolic name), path? (jar; default: where it was installed from)}",
                        this::update));
    }

    @Deactivate
    void deactivate() {
        commands.close();
    }

    Object update(Params p) {
        p.allowOnly(Set.of("name", "path"));
        String name = p.string("name");
        Bundle bundle = find(name);
        if (bundle.getBundleId() == 0 || SERVING.contains(name)) {
            throw MethodException.invalidParams(p.method() + ": " + name + " serves this call and cannot be updated"
                    + " from it; use the Gogo console's update command");
        }
        String path = p.string("path", null);
        try {
            if (path == null) {
                bundle.update();
            } else {
                Path jar = Path.of(path);
                if (!Files.isRegularFile(jar)) {
                    throw MethodException.invalidParams(p.method() + ": no jar at " + jar);
                }
                try (InputStream in = Files.newInputStream(jar)) {
                    bundle.update(in);
                }
            }
            refresh(bundle);
        } catch (BundleException | IOException e) {
            throw new MethodException(MethodException.INTERNAL_ERROR, p.method() + ": updating " + name + " failed: "
                    + e.getMessage(), e);
        }
        LOG.info("bundle {} updated to {} ({})", name, bundle.getVersion(), path == null ? bundle.getLocation() : path);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("version", bundle.getVersion().toString());
        m.put("state", state(bundle));
        return m;
    }

    private Bundle find(String name) {
        List<String> ours = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (name.equals(b.getSymbolicName())) {
                return b;
            }
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("io.jvhost.")) {
                ours.add(b.getSymbolicName());
            }
        }
        throw MethodException.noDevice("framework_update_bundle: no bundle " + name + "; jvhost's are "
                + ours.stream().sorted().toList());
    }

    /** Rewires what used the old revision and waits for the framework to finish. */
    private void refresh(Bundle bundle) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(bundle), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
                done.complete(null);
            }
        });
        try {
            done.get(REFRESH_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new MethodException(MethodException.INTERNAL_ERROR, "framework_update_bundle: " + bundle
                    .getSymbolicName() + " was updated but its refresh took over " + REFRESH_SECONDS + " s", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String state(Bundle b) {
        return switch (b.getState()) {
            case Bundle.ACTIVE -> "active";
            case Bundle.RESOLVED -> "resolved";
            case Bundle.INSTALLED -> "installed";
            case Bundle.STARTING -> "starting";
            case Bundle.STOPPING -> "stopping";
            default -> "uninstalled";
        };
    }

    @Descriptor("Update a running bundle from a jar (or from where it came from) and refresh it")
    public String updateBundle(@Descriptor("bundle symbolic name, e.g. io.jvhost.bdev.aio") String name,
            @Descriptor("jar to update from; - for the bundle's own location") String path) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        if (!path.equals("-")) {
            m.put("path", path);
        }
        return update(new Params("jvhost:update-bundle", m)).toString();
    }
}
