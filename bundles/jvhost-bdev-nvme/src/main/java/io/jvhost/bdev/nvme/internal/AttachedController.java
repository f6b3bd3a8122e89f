package io.jvhost.bdev.nvme.internal;

import io.jvhost.nvme.driver.NvmeController;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A controller the module attached, with the bdevs of its namespaces. The controller is detached
 * (shut down, VFIO released) when the last of its bdevs is gone.
 */
final class AttachedController {
    private final NvmeController controller;
    private final ControllerQueues queues;
    private final Map<String, Object> params;
    private final List<String> bdevNames;
    private final int firstNamespace;
    private final Set<Integer> live = ConcurrentHashMap.newKeySet();

    AttachedController(NvmeController controller, Map<String, Object> params, List<String> bdevNames) {
        this.controller = controller;
        this.queues = new ControllerQueues(controller);
        this.params = new LinkedHashMap<>(params);
        this.bdevNames = List.copyOf(bdevNames);
        this.firstNamespace = controller.namespaces().isEmpty() ? 0 : controller.namespaces().get(0).id();
        controller.namespaces().forEach(ns -> live.add(ns.id()));
    }

    NvmeController controller() {
        return controller;
    }

    ControllerQueues queues() {
        return queues;
    }

    Map<String, Object> params() {
        return params;
    }

    List<String> bdevNames() {
        return bdevNames;
    }

    int firstNamespace() {
        return firstNamespace;
    }

    /** A namespace's bdev was destroyed (every channel closed); the last one detaches the controller. */
    void namespaceGone(int nsid) {
        if (live.remove(nsid) && live.isEmpty()) {
            controller.close();
        }
    }
}
