package io.jvhost.bdev.nvme.internal;

import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.reactor.Reactor;

/** One namespace as a bdev: channels over the controller's per-reactor queue pairs. */
final class NvmeNamespaceBackend implements BdevBackend {
    private final AttachedController controller;
    private final int nsid;
    private final int blockSize;

    NvmeNamespaceBackend(AttachedController controller, int nsid, int blockSize) {
        this.controller = controller;
        this.nsid = nsid;
        this.blockSize = blockSize;
    }

    @Override
    public ModuleChannel createChannel(Reactor reactor) {
        return new NvmeChannel(controller.queues().lease(reactor), nsid, blockSize);
    }

    @Override
    public void destroy() {
        controller.namespaceGone(nsid);
    }

    /** The controller is recreated by one attach call: only its first namespace carries it into save_config. */
    @Override
    public String createMethod() {
        return controller.firstNamespace() == nsid ? "bdev_nvme_attach_controller" : null;
    }
}
