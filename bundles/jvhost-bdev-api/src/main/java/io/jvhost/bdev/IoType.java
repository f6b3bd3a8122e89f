package io.jvhost.bdev;

/** The operations a bdev may support. */
public enum IoType {
    READ("read"), WRITE("write"), FLUSH("flush"), UNMAP("unmap"), WRITE_ZEROES("write_zeroes"), RESET("reset");

    private final String spdkName;

    IoType(String spdkName) {
        this.spdkName = spdkName;
    }

    /** The key SPDK uses for this type in {@code supported_io_types}. */
    public String spdkName() {
        return spdkName;
    }

    /** True for types that carry data buffers. */
    public boolean hasData() {
        return this == READ || this == WRITE;
    }
}
