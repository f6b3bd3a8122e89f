package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.BdevIo;

/** One command in flight on a submission queue; taken from the queue's pool, never allocated per I/O. */
final class NvmeRequest implements BdevIo.Completion {
    final BdevIo io;
    final SubmissionQueue sq;
    int cid;
    /** Dataset Management: ranges left to deallocate, from {@link #ranges}. */
    int rangeIndex;
    int rangeCount;
    long[] ranges;
    Namespace ns;
    /** Compare: the guest's data and where the blocks are read to. */
    final CompareData compare;
    NvmeRequest nextFree;

    NvmeRequest(SubmissionQueue sq, int maxSegments) {
        this.sq = sq;
        this.io = new BdevIo(maxSegments);
        this.compare = new CompareData(maxSegments);
        io.context = this;
    }

    @Override
    public void ioCompleted(BdevIo done, int status) {
        sq.ioDone(this, status);
    }
}
