package io.jvhost.vhostuser;

import io.jvhost.reactor.CpuMask;
import java.nio.file.Path;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/** One vhost-user controller: a listening socket and the device behind it. */
@ProviderType
public interface VhostController {
    String name();

    /** e.g. {@code vhost_user_blk}. */
    String type();

    Path socket();

    CpuMask cpumask();

    /** True while a front-end is connected. */
    boolean connected();

    /** Numbers of the front-end sessions connected now (1 for the first accepted), in connection order. */
    java.util.List<Integer> sessions();

    /** Requests completed per queue since the controller was created. */
    long[] completedPerQueue();

    /** The {@code backend_specific} object of {@code vhost_get_controllers}. */
    Map<String, Object> backendInfo();

    /**
     * Interrupt coalescing (SPDK's {@code vhost_controller_set_coalescing}): above {@code iopsThreshold}
     * completions a second per queue, interrupts to the guest are held back by up to {@code delayBaseUs}
     * (0: off).
     */
    void setCoalescing(long delayBaseUs, long iopsThreshold);

    long coalescingDelayBaseUs();

    long coalescingIopsThreshold();

    /**
     * The {@code vhost_controller_set_coalescing} config call that restores this controller's setting,
     * for save_config after its create call; null when coalescing is off.
     */
    default Map<String, Object> coalescingConfig() {
        if (coalescingDelayBaseUs() == 0) {
            return null;
        }
        Map<String, Object> params = new java.util.LinkedHashMap<>();
        params.put("ctrlr", name());
        params.put("delay_base_us", coalescingDelayBaseUs());
        params.put("iops_threshold", coalescingIopsThreshold());
        return io.jvhost.config.SubsystemConfig.call("vhost_controller_set_coalescing", params);
    }

    /** Tells the connected front-end that config space changed (e.g. capacity). */
    void notifyConfigChange();
}
