package io.jvhost.bdev.spi;

import io.jvhost.bdev.BdevIo;

/**
 * An intrusive FIFO of requests linked through {@link BdevIo#next}; one thread, no allocation. A
 * module may link requests it holds; the core links only requests it has not handed to the module.
 */
public final class BdevIoQueue {
    private BdevIo head;
    private BdevIo tail;

    public void add(BdevIo io) {
        io.next = null;
        if (tail == null) {
            head = io;
        } else {
            tail.next = io;
        }
        tail = io;
    }

    /** Puts a request back at the front (it was refused again). */
    public void addFirst(BdevIo io) {
        io.next = head;
        head = io;
        if (tail == null) {
            tail = io;
        }
    }

    public BdevIo poll() {
        BdevIo io = head;
        if (io != null) {
            head = io.next;
            if (head == null) {
                tail = null;
            }
            io.next = null;
        }
        return io;
    }

    /**
     * Detaches every queued request and returns the first; follow {@link BdevIo#next} for the rest.
     * Requests added afterwards (e.g. resubmitted from a completion) wait for the next drain, so one
     * pass never runs unbounded.
     */
    public BdevIo takeAll() {
        BdevIo first = head;
        head = null;
        tail = null;
        return first;
    }

    /**
     * Completes every queued request through {@code completer}, each with the status its
     * {@link BdevIo#moduleSlot} holds, and returns how many; as with {@link #takeAll()}, requests queued
     * by those completions wait for the next call.
     */
    public int completeAll(ModuleChannel.Completer completer) {
        int n = 0;
        BdevIo io = takeAll();
        while (io != null) {
            BdevIo next = io.next;
            io.next = null;
            completer.complete(io, io.moduleSlot);
            io = next;
            n++;
        }
        return n;
    }

    public boolean isEmpty() {
        return head == null;
    }
}
