package io.jvhost.vhostnvme.internal;

import io.jvhost.posix.EventFd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interrupt eventfd the hypervisor gave for each completion queue id (NVME_SET_CQ_CALL). A
 * replaced fd is closed only after the queue's reactor acknowledged that it signals the new one:
 * closing it earlier would let the reactor write into whatever file the kernel gives that number
 * next. Control thread only, under the controller's lock.
 */
final class CallFds {
    private static final Logger LOG = LoggerFactory.getLogger(CallFds.class);
    /** The message carries the queue id in 8 bits. */
    static final int IDS = 256;
    private final String controller;
    private final EventFd[] fds = new EventFd[IDS];

    CallFds(String controller) {
        this.controller = controller;
    }

    /** The fd for {@code cqid}, or null. */
    EventFd get(int cqid) {
        return fds[cqid];
    }

    /**
     * Installs {@code fd} (null: none) for {@code cqid}. A live queue switches on its reactor and
     * signals the new fd once, since an interrupt sent to the old one in between may be lost.
     */
    void set(int cqid, EventFd fd, CompletionQueue cq) {
        EventFd old = fds[cqid];
        fds[cqid] = fd;
        if (cq != null && !OnReactor.run(cq.reactor, () -> {
            cq.call = fd;
            if (fd != null) {
                fd.signal();
            }
        })) {
            LOG.error("controller {}: reactor {} did not take the new interrupt fd of CQ {}; the old fd stays open",
                    controller, cq.reactor.index(), cqid);
            return;
        }
        if (old != null) {
            old.close();
        }
    }

    /** Closes every fd; only once no queue runs any more. */
    void closeAll() {
        for (int i = 0; i < fds.length; i++) {
            if (fds[i] != null) {
                fds[i].close();
                fds[i] = null;
            }
        }
    }
}
