package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.config.SubsystemConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code bdev} subsystem of {@code save_config}: each bdev's create call with the params it was made
 * with, in registration order, so load_config creates a base before the virtual bdevs stacked on it.
 */
@Component(service = SubsystemConfig.class)
public final class BdevSubsystemConfig implements SubsystemConfig {
    @Reference
    private BdevRegistry registry;

    @Override
    public String subsystem() {
        return "bdev";
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public List<Map<String, Object>> config() {
        BdevRegistryImpl impl = (BdevRegistryImpl) registry;
        List<Map<String, Object>> out = new ArrayList<>();
        for (Bdev b : impl.inRegistrationOrder()) {
            var spec = impl.spec(b.name());
            var method = impl.createMethod(b.name());
            // a module that creates several bdevs in one call (split) names the method on one of them only
            if (spec.isEmpty() || method.isEmpty() || method.get().isEmpty() || b.isRemoved()) {
                continue;
            }
            Map<String, Object> params = new LinkedHashMap<>(spec.get().config());
            if (params.containsKey("num_blocks")) {
                params.put("num_blocks", b.blockCount());
            }
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("method", method.get());
            call.put("params", params);
            out.add(call);
            RateLimits limits = impl.rateLimits(b.name());
            if (!limits.isNone()) {
                Map<String, Object> qos = new LinkedHashMap<>();
                qos.put("name", b.name());
                qos.putAll(limits.describe());
                Map<String, Object> qosCall = new LinkedHashMap<>();
                qosCall.put("method", "bdev_set_qos_limit");
                qosCall.put("params", qos);
                out.add(qosCall);
            }
        }
        return out;
    }
}
