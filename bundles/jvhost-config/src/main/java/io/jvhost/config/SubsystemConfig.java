package io.jvhost.config;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A subsystem's part of {@code save_config}: the method calls that rebuild its live state, in the
 * order to replay them. Registered as a service by the bundle that owns the state, so a config saved
 * while a module runs includes it.
 */
@ConsumerType
public interface SubsystemConfig {
    /** SPDK's subsystem name, e.g. {@code bdev} or {@code vhost_blk}. */
    String subsystem();

    /** Where the subsystem goes in a saved document: lower first (bdevs before the controllers using them). */
    default int order() {
        return 100;
    }

    /** {@code [{"method": .., "params": {..}}, ..]} for the current state. */
    List<Map<String, Object>> config();

    /** One entry of a subsystem's config: {@code {"method": method, "params": params}}. */
    static java.util.Map<String, Object> call(String method, java.util.Map<String, Object> params) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("method", method);
        m.put("params", params);
        return m;
    }
}
