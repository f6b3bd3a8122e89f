package io.jvhost.config.internal;

import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.config.SubsystemConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * SPDK's {@code save_config}, {@code framework_get_config} and {@code framework_get_subsystems} over
 * every {@link SubsystemConfig} of the running bundles. A saved document given to {@code --config}
 * rebuilds the same state.
 */
@Component(immediate = true)
public final class ConfigSaver {
    private final List<SubsystemConfig> subsystems = new CopyOnWriteArrayList<>();
    private MethodRegistrations methods;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addSubsystem(SubsystemConfig s) {
        subsystems.add(s);
    }

    void removeSubsystem(SubsystemConfig s) {
        subsystems.remove(s);
    }

    @Activate
    void activate(BundleContext context) {
        methods = MethodRegistrations.register(context,
                MethodRegistrations.method("save_config", "The live configuration as a --config document",
                        this::saveConfig),
                MethodRegistrations.method("framework_get_config", "One subsystem's configuration: {name}",
                        this::getConfig),
                MethodRegistrations.method("framework_get_subsystems", "Subsystems and what they depend on",
                        this::getSubsystems));
    }

    @Deactivate
    void deactivate() {
        methods.close();
    }

    private List<SubsystemConfig> ordered() {
        List<SubsystemConfig> list = new ArrayList<>(subsystems);
        list.sort(Comparator.comparingInt(SubsystemConfig::order).thenComparing(SubsystemConfig::subsystem));
        return list;
    }

    Object saveConfig(Params p) {
        p.allowOnly(Set.of());
        List<Object> out = new ArrayList<>();
        for (SubsystemConfig s : ordered()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("subsystem", s.subsystem());
            entry.put("config", s.config());
            out.add(entry);
        }
        return Map.of("subsystems", out);
    }

    Object getConfig(Params p) {
        p.allowOnly(Set.of("name"));
        String name = p.string("name");
        for (SubsystemConfig s : subsystems) {
            if (s.subsystem().equals(name)) {
                return s.config();
            }
        }
        throw MethodException.invalidParams("framework_get_config: no subsystem '" + name + "'; subsystems: "
                + ordered().stream().map(SubsystemConfig::subsystem).toList());
    }

    Object getSubsystems(Params p) {
        p.allowOnly(Set.of());
        List<Object> out = new ArrayList<>();
        List<String> earlier = new ArrayList<>();
        for (SubsystemConfig s : ordered()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("subsystem", s.subsystem());
            entry.put("depends_on", s.order() > 10 && earlier.contains("bdev") ? List.of("bdev") : List.of());
            out.add(entry);
            earlier.add(s.subsystem());
        }
        return out;
    }
}
