package io.jvhost.config.internal;

import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Features of a running runtime, as Karaf's {@code feature:list} and {@code feature:install}: config
 * methods {@code framework_get_features} and {@code framework_install_feature {name}} and Gogo
 * {@code jvhost:features} / {@code jvhost:feature-install}. Active when the launcher offers its feature
 * services (not in runtimes started another way).
 */
@Component(service = FeatureMethods.class, immediate = true, property = {"osgi.command.scope=jvhost",
    "osgi.command.function=features"})
public final class FeatureMethods {
    private final Supplier<List<Map<String, Object>>> list;
    private final Function<String, List<String>> install;
    private final io.jvhost.config.BundleCommands commands;

    @Activate
    public FeatureMethods(BundleContext context,
            @Reference(target = "(jvhost.features=list)") Supplier<List<Map<String, Object>>> list,
            @Reference(target = "(jvhost.features=install)") Function<String, List<String>> install) {
        this.list = list;
        this.install = install;
        this.commands = io.jvhost.config.BundleCommands.register(context, "jvhost", this,
                io.jvhost.config.BundleCommands.gogo("feature-install"),
                MethodRegistrations.method("framework_get_features",
                        "List the features (bundle sets) of features/ and whether each is installed", p -> {
                            p.allowOnly(Set.of());
                            return list.get();
                        }),
                MethodRegistrations.method("framework_install_feature",
                        "Install and start a feature's missing bundles: {name}; returns the bundles started",
                        this::installFeature));
    }

    @Deactivate
    void deactivate() {
        commands.close();
    }

    Object installFeature(Params p) {
        p.allowOnly(Set.of("name"));
        String name = p.string("name");
        try {
            return install.apply(name);
        } catch (IllegalArgumentException e) {
            throw MethodException.noDevice(p.method() + ": " + e.getMessage());
        } catch (IllegalStateException e) {
            throw new MethodException(MethodException.INTERNAL_ERROR, p.method() + ": " + e.getMessage(), e);
        }
    }

    @Descriptor("List the features and whether each is installed")
    public String features() {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> f : list.get()) {
            sb.append(String.format("%-16s %-10s %s%n", f.get("name"),
                    Boolean.TRUE.equals(f.get("installed")) ? "installed" : "-", f.get("description")));
        }
        return sb.toString().stripTrailing();
    }

    @Descriptor("Install a feature into the running runtime and start its bundles")
    public String featureInstall(@Descriptor("feature name, e.g. jvhost-scsi") String name) {
        List<String> started = (List<String>) installFeature(new Params("jvhost:feature-install", Map.of("name", name)));
        return started.isEmpty() ? "feature " + name + " was already installed"
                : "feature " + name + " installed: " + String.join(", ", started);
    }
}
