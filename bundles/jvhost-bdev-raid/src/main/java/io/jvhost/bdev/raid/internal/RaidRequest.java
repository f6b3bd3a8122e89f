package io.jvhost.bdev.raid.internal;

import io.jvhost.bdev.BdevIo;

/** One request to a raid bdev while its pieces are out on the bases; pooled by its channel. */
final class RaidRequest {
    BdevIo parent;
    /** Pieces not back yet. */
    int pending;
    /** The first failure among the pieces, or success. */
    int status;
    /** raid1 reads: bases tried so far for this read. */
    int tries;
    /** Pieces that succeeded; a raid1 request whose other pieces found their mirror removed still stands. */
    int succeeded;

    void start(BdevIo io, int pieces) {
        parent = io;
        pending = pieces;
        status = BdevIo.SUCCESS;
        tries = 0;
        succeeded = 0;
    }
}
