package io.jvhost.vhostnvme.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A guest's shadow doorbell and EventIdx pages, as one controller's queues read and write them on
 * their reactors. Queue y's SQ tail is slot 2y, its CQ head slot 2y + 1.
 */
@ConsumerType
public interface DoorbellBuffer {
    /** The SQ tail the guest last wrote (acquire read). */
    int sqTail(int qid);

    /** The CQ head the guest last wrote (acquire read). */
    int cqHead(int qid);

    /**
     * Publishes the SQ EventIdx: the guest rings the real doorbell only when its new tail passes it.
     * A full fence follows, so a tail read after this sees a write that raced it.
     */
    void setSqEventIdx(int qid, int value);
}
