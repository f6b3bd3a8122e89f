package io.jvhost.vhostuser.internal;

import io.jvhost.posix.EventFd;

/** What the front-end told us about one virtqueue, and its poller while it runs. Session thread only. */
final class Vring {
    final int index;
    int num;
    long descAddr;
    long usedAddr;
    long availAddr;
    boolean addressed;
    int base;
    EventFd kick;
    /** SET_VRING_KICK with the no-fd flag: the ring runs without kicks (polling). */
    boolean kickPolled;
    EventFd call;
    EventFd err;
    boolean enabled;
    VringPoller running;
    /** The ring did not stop when asked: its reactor may still watch the kick and signal the call fd. */
    boolean stuck;
    long completedBefore;

    Vring(int index) {
        this.index = index;
    }

    boolean started() {
        return kick != null || kickPolled;
    }

    /** Closes the ring's fds, except those a stuck ring's reactor may still use (they are left open). */
    void closeFds() {
        if (stuck) {
            kick = null;
            call = null;
        }
        if (kick != null) {
            kick.close();
            kick = null;
        }
        kickPolled = false;
        if (call != null) {
            call.close();
            call = null;
        }
        if (err != null) {
            err.close();
            err = null;
        }
    }

    long completed() {
        return completedBefore + (running == null ? 0 : running.completed.get());
    }
}
