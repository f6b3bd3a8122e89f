package io.jvhost.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * Adds features to a running runtime (Karaf's feature:install): installs the bundles of a feature that
 * are not there yet and starts them. Offered to bundles as plain JDK function services (the launcher's
 * classes are not visible inside the framework): {@code (jvhost.features=list)} is a {@link Supplier} of
 * the features with whether each is installed, {@code (jvhost.features=install)} a {@link Function}
 * from a feature name to the symbolic names of the bundles it started.
 */
final class FeatureInstaller {
    private final FeatureRepository features;
    private final BundleLocations locations;
    private final BundleContext context;

    FeatureInstaller(FeatureRepository features, BundleLocations locations, BundleContext context) {
        this.features = features;
        this.locations = locations;
        this.context = context;
    }

    /** Registers the two services with the framework. */
    void register() {
        context.registerService(Supplier.class, (Supplier<List<Map<String, Object>>>) this::describe,
                new java.util.Hashtable<>(Map.of("jvhost.features", "list")));
        context.registerService(Function.class, (Function<String, List<String>>) this::install,
                new java.util.Hashtable<>(Map.of("jvhost.features", "install")));
    }

    /** Every feature, its description and whether all its bundles are installed. */
    synchronized List<Map<String, Object>> describe() {
        Set<String> present = installedLocations();
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : features.names()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("description", features.description(name));
            m.put("installed", present.containsAll(features.resolve(name)));
            out.add(m);
        }
        return out;
    }

    /**
     * Installs and starts the bundles of {@code name} that are missing; returns their symbolic names.
     *
     * @throws IllegalArgumentException for an unknown feature or a bundle file that is not there
     * @throws IllegalStateException when a bundle cannot be installed or started (those installed by
     *     this call are uninstalled again)
     */
    synchronized List<String> install(String name) {
        List<String> wanted = features.resolve(name);
        Set<String> present = installedLocations();
        List<Bundle> added = new ArrayList<>();
        try {
            for (String location : wanted) {
                if (present.contains(location)) {
                    continue;
                }
                try (InputStream in = Files.newInputStream(locations.resolve(location))) {
                    added.add(context.installBundle(location, in));
                }
            }
            for (Bundle b : added) {
                if (b.getHeaders().get("Fragment-Host") == null) {
                    b.start();
                }
            }
        } catch (IOException | BundleException e) {
            for (Bundle b : added) {
                try {
                    b.uninstall();
                } catch (BundleException ignored) {
                    // best effort: leave no half-installed feature behind
                }
            }
            throw new IllegalStateException("feature " + name + " could not be installed: " + e.getMessage(), e);
        }
        List<String> names = new ArrayList<>();
        added.forEach(b -> names.add(b.getSymbolicName()));
        return names;
    }

    private Set<String> installedLocations() {
        Set<String> present = new HashSet<>();
        for (Bundle b : context.getBundles()) {
            present.add(b.getLocation());
        }
        return present;
    }
}
