package io.jvhost.bdev;

/** How a bdev is opened. */
public enum OpenMode {
    /** Reads only; never conflicts. */
    READ_ONLY,
    /** Writes with an exclusive claim: no other writer may open the bdev. */
    WRITE_EXCLUSIVE,
    /** Writes alongside other shared writers (device sharing between controllers). */
    WRITE_SHARED;

    public boolean writable() {
        return this != READ_ONLY;
    }
}
