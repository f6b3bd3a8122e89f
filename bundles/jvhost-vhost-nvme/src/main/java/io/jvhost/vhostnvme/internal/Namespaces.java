package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevEventListener;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.OpenMode;
import io.jvhost.vhostuser.VhostController;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller's namespaces over time: a bdev opened as the next namespace, a namespace that goes
 * when its bdev is deleted (each queue first lets go of its channel to it on its reactor), and every
 * change announced to the hypervisor. Changes run under the controller's lock; lookups from reactors
 * are one volatile read ({@link NamespaceTable}).
 */
final class Namespaces {
    private static final Logger LOG = LoggerFactory.getLogger(Namespaces.class);
    private final String controller;
    private final BdevRegistry bdevs;
    private final Object lock;
    private final IoQueues queues;
    private final Supplier<VhostController> owner;
    private final NamespaceTable table = new NamespaceTable();

    Namespaces(String controller, BdevRegistry bdevs, Object lock, IoQueues queues, Supplier<VhostController> owner) {
        this.controller = controller;
        this.bdevs = bdevs;
        this.lock = lock;
        this.queues = queues;
        this.owner = owner;
    }

    /** Adds {@code bdev} as the next namespace; returns its id. */
    int add(String bdev) {
        synchronized (lock) {
            int nsid = table.nextId();
            BdevEventListener listener = new BdevEventListener() {
                @Override
                public void removed(Bdev b) {
                    LOG.warn("controller {}: bdev {} was removed; detaching namespace {}", controller, b.name(), nsid);
                    remove(nsid);
                }

                @Override
                public void resized(Bdev b, long oldBlockCount, long newBlockCount) {
                    changed(nsid); // Identify Namespace now reports the new size
                }
            };
            table.publish(new Namespace(nsid, bdevs.open(bdev, OpenMode.WRITE_SHARED, "vhost-nvme " + controller
                    + " ns " + nsid, listener)));
            changed(nsid);
            return nsid;
        }
    }

    /**
     * Namespace {@code nsid} goes away (its bdev was deleted). New commands get Invalid Namespace at
     * once; each queue lets go of its bdev channel once the commands in flight on it finished; then
     * the bdev is released and the change announced.
     */
    void remove(int nsid) {
        Namespace ns;
        List<SubmissionQueue> running = new ArrayList<>();
        synchronized (lock) {
            ns = table.unpublish(nsid);
            queues.forEachSq(running::add);
        }
        if (ns == null) {
            return;
        }
        for (SubmissionQueue sq : running) {
            OnReactor.await(sq.cq.reactor, () -> sq.releaseNamespace(ns));
        }
        ns.descriptor.close();
        changed(nsid);
    }

    /**
     * Records a namespace change for the Changed Namespace List log page and tells the hypervisor with
     * a config-change message, so it completes an outstanding Asynchronous Event Request (Notice:
     * namespace attribute changed) for the guest; the admin queue and its AERs are the hypervisor's.
     */
    private void changed(int nsid) {
        table.markChanged(nsid);
        VhostController c = owner.get();
        if (c != null) {
            c.notifyConfigChange();
        }
    }

    /** The Changed Namespace List (log page 04h), cleared by reading it. */
    byte[] takeChanged() {
        return table.takeChanged();
    }

    /** The controller was enabled: what changed before is no news to the guest. */
    void forgetChanges() {
        table.forgetChanges();
    }

    /** Any thread (reactors look namespaces up per command): one volatile read. */
    Namespace get(int nsid) {
        return table.get(nsid);
    }

    /** NN of Identify Controller: the highest namespace id there has been (ids are not reused). */
    int maxId() {
        return table.maxId();
    }

    boolean isAttached(Namespace ns) {
        return table.get(ns.nsid) == ns;
    }

    List<Namespace> list() {
        return table.list();
    }

    /** The controller was deleted: every namespace's bdev is released. */
    void closeAll() {
        table.closeAll();
    }
}
