package io.jvhost.config.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SPDK's log flags and the jvhost loggers each one turns to DEBUG: a flag names a component, and
 * jvhost's loggers are named after the packages of that component's bundle.
 */
final class LogFlags {
    /** SPDK's special flag that sets or clears every flag at once. */
    static final String ALL = "all";
    /** Flag name to logger (package) name, in the order log_get_flags lists them. */
    static final Map<String, String> LOGGERS;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("app_config", "io.jvhost.config");
        m.put("aio", "io.jvhost.bdev.aio");
        m.put("bdev", "io.jvhost.bdev");
        m.put("bdev_malloc", "io.jvhost.bdev.malloc");
        m.put("bdev_null", "io.jvhost.bdev.nullmod");
        m.put("bdev_nvme", "io.jvhost.bdev.nvme");
        m.put("memory", "io.jvhost.memory");
        m.put("nvme", "io.jvhost.nvme");
        m.put("posix", "io.jvhost.posix");
        m.put("reactor", "io.jvhost.reactor");
        m.put("rpc", "io.jvhost.rpc");
        m.put("scsi", "io.jvhost.scsi");
        m.put("vhost", "io.jvhost.vhostuser");
        m.put("vhost_blk", "io.jvhost.vhostblk");
        m.put("vhost_nvme", "io.jvhost.vhostnvme");
        m.put("vhost_scsi", "io.jvhost.vhostscsi");
        m.put("vhost_shadow_doorbell", "io.jvhost.shadowdoorbell");
        m.put("virtio", "io.jvhost.virtio");
        LOGGERS = java.util.Collections.unmodifiableMap(m);
    }

    private LogFlags() {
    }
}
