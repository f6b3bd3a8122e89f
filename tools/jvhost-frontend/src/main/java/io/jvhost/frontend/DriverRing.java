package io.jvhost.frontend;

import io.jvhost.posix.EventFd;

/** The driver side of a virtqueue, split or packed, as {@link BlkQueue} uses it. One thread. */
public interface DriverRing {
    /** Told about each used entry. */
    @FunctionalInterface
    interface Used {
        void used(int id, int length);
    }

    int index();

    int size();

    /** Most descriptors one request may use (split rings reserve this many per id). */
    int maxChain();

    /**
     * Queues a request of {@code n} buffers under {@code id} (below {@code size() / maxChain()});
     * visible to the device after {@link #publish()}.
     */
    void add(int id, long[] gpa, int[] length, boolean[] deviceWrites, int n);

    /** Makes queued requests visible and kicks the device if it asked; true when it kicked. */
    boolean publish();

    /** Reaps used entries; returns how many. */
    int reap(Used used);

    /** Guest-physical addresses for SET_VRING_ADDR: descriptors, driver area (avail), device area (used). */
    long descGpa();

    long driverAreaGpa();

    long deviceAreaGpa();

    /** The SET_VRING_BASE value for a new ring. */
    int initialBase();

    EventFd kickFd();

    EventFd callFd();

    /** Kicks written so far (each would be a trapped write in a real VM). */
    long kicks();

    /**
     * Interrupts the device has sent so far (each would be an injected interrupt in a real VM): reads
     * the call eventfd's counter and adds it to what earlier calls read.
     */
    long calls();

    void close();
}
