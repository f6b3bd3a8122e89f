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

    /** Requests completed per queue since the controller was created. */
    long[] completedPerQueue();

    /** The {@code backend_specific} object of {@code vhost_get_controllers}. */
    Map<String, Object> backendInfo();

    /** Tells the connected front-end that config space changed (e.g. capacity). */
    void notifyConfigChange();
}
