package io.jvhost.config.internal;

import io.jvhost.config.Json;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tuning methods SPDK writes into every saved config for parts jvhost has no counterpart of
 * (DPDK-style buffer pools, its socket layer, the accel framework, its bdev_io pools and the NVMe-oF
 * initiator's options), so that a config saved by SPDK loads here unchanged. Each call is accepted
 * with whatever params it carries and noted at info level; it changes nothing. Methods not named
 * here still fail as unknown.
 */
@Component(service = SpdkSettingsMethods.class, immediate = true)
public final class SpdkSettingsMethods {
    private static final Logger LOG = LoggerFactory.getLogger(SpdkSettingsMethods.class);
    /** Method name and the reason it means nothing here. */
    static final List<String[]> METHODS = List.of(
            new String[] {"iobuf_set_options", "jvhost moves data in guest memory and per-reactor pools, not iobuf"},
            new String[] {"sock_impl_set_options", "jvhost has no network socket layer"},
            new String[] {"sock_set_default_impl", "jvhost has no network socket layer"},
            new String[] {"accel_set_options", "jvhost has no accel framework"},
            new String[] {"vmd_enable", "jvhost does not enumerate Intel VMD domains"},
            new String[] {"bdev_set_options", "jvhost bdevs have no bdev_io pool and examine nothing"},
            new String[] {"bdev_nvme_set_options", "jvhost's NVMe driver is its own (its options are "
                    + "bdev_nvme_attach_controller's)"},
            new String[] {"bdev_nvme_set_hotplug", "jvhost attaches NVMe controllers only when asked"});
    private final MethodRegistrations registrations;

    @Activate
    public SpdkSettingsMethods(BundleContext context) {
        registrations = MethodRegistrations.register(context, METHODS.stream()
                .map(m -> MethodRegistrations.method(m[0], "Accepted for SPDK configs; no effect: " + m[1],
                        p -> accept(p, m[1])))
                .toArray(io.jvhost.config.ConfigMethod[]::new));
    }

    private static Object accept(Params p, String why) {
        LOG.info("{} {} accepted with no effect: {}", p.method(), Json.write(p.asMap()), why);
        return true;
    }

    @Deactivate
    void deactivate() {
        registrations.close();
    }
}
