package io.jvhost.vhostuser.internal;

import io.jvhost.reactor.CpuMask;
import io.jvhost.vhostuser.ControllerSpec;
import io.jvhost.vhostuser.VhostController;
import io.jvhost.vhostuser.VhostUserTarget;
import java.nio.file.Path;
import java.util.Map;

/** A created controller: its spec and its listening target. */
final class Controller implements VhostController {
    final ControllerSpec spec;
    final VhostUserTarget target;
    private final CpuMask cpumask;

    Controller(ControllerSpec spec, VhostUserTarget target, CpuMask cpumask) {
        this.spec = spec;
        this.target = target;
        this.cpumask = cpumask;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public String type() {
        return spec.type();
    }

    @Override
    public Path socket() {
        return target.socket();
    }

    @Override
    public CpuMask cpumask() {
        return cpumask;
    }

    @Override
    public boolean connected() {
        return target.connected();
    }

    @Override
    public java.util.List<Integer> sessions() {
        return target.sessions();
    }

    @Override
    public long[] completedPerQueue() {
        return target.completedPerQueue();
    }

    @Override
    public Map<String, Object> backendInfo() {
        return spec.backendInfo().get();
    }

    @Override
    public void setCoalescing(long delayBaseUs, long iopsThreshold) {
        target.setCoalescing(delayBaseUs, iopsThreshold);
    }

    @Override
    public long coalescingDelayBaseUs() {
        return target.coalescingDelayBaseUs();
    }

    @Override
    public long coalescingIopsThreshold() {
        return target.coalescingIopsThreshold();
    }

    @Override
    public void notifyConfigChange() {
        target.notifyConfigChange();
    }

    /** Closes the socket (queues drain first), then lets the device bundle release what it holds. */
    void close() {
        try {
            target.close();
        } finally {
            spec.onDelete().run();
        }
    }
}
