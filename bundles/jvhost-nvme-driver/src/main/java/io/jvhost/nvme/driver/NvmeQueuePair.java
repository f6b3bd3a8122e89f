package io.jvhost.nvme.driver;

import io.jvhost.memory.SgList;

/**
 * An I/O submission/completion queue pair owned by one thread (a reactor): every method is called on
 * that thread, completions are found by {@link #poll()} and reported through the callback given at
 * submission, exactly once, with the caller's {@code request} object. Data comes from and goes to a
 * scatter-gather list; memory the controller cannot reach directly is copied through the pair's own
 * DMA buffers.
 */
public interface NvmeQueuePair {
    /** Receives a finished command: its NVMe status (SCT << 8 | SC, 0 for success). */
    @FunctionalInterface
    interface Callback {
        void completed(Object request, int nvmeStatus);
    }

    /**
     * Reads {@code blocks} blocks at {@code lba} of namespace {@code nsid} into bytes
     * {@code [dataOffset, dataOffset + blocks * blockSize)} of {@code data}. Returns false when the
     * pair is out of entries or buffers right now (try again after a poll).
     */
    boolean read(int nsid, long lba, int blocks, int blockSize, SgList data, long dataOffset, Object request,
            Callback callback);

    /** Writes, as {@link #read} reads; {@code fua} forces the data to media before completion. */
    boolean write(int nsid, long lba, int blocks, int blockSize, SgList data, long dataOffset, boolean fua,
            Object request, Callback callback);

    boolean flush(int nsid, Object request, Callback callback);

    boolean writeZeroes(int nsid, long lba, int blocks, Object request, Callback callback);

    /** Dataset Management with the deallocate attribute over one range. */
    boolean deallocate(int nsid, long lba, int blocks, Object request, Callback callback);

    /** Reaps completions (and handles timeouts and controller resets); returns how many commands finished. */
    int poll();

    /** Commands submitted and not yet completed. */
    int outstanding();

    /** The largest transfer one command may carry, in bytes. */
    int maxTransferBytes();

    /**
     * Sets what wakes the owner when the controller needs it to act (a reset or detach waits for the
     * owner's next {@link #poll()}); called from other threads.
     */
    void onStateChange(Runnable wake);

    /** Deletes the queues on the controller; nothing may be outstanding. */
    void close();
}
