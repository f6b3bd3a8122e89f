package io.jvhost.nvme.driver;

/** A controller could not be attached, initialised or driven; the message says which and what to do. */
public class NvmeDriverException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NvmeDriverException(String message) {
        super(message);
    }

    public NvmeDriverException(String message, Throwable cause) {
        super(message, cause);
    }
}
