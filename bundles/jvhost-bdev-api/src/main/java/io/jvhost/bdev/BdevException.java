package io.jvhost.bdev;

/** A bdev operation was refused; the message names the bdev and what to do. */
public final class BdevException extends RuntimeException implements io.jvhost.config.RpcError {
    private static final long serialVersionUID = 1L;

    /** Why: used to map to SPDK's JSON-RPC codes. */
    public enum Reason { NOT_FOUND, EXISTS, BUSY, INVALID, FAILED }

    private final Reason reason;

    public BdevException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public BdevException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** SPDK's JSON-RPC code for this failure: -19 ENODEV, -17 EEXIST, -16 EBUSY, -32602, -32603. */
    @Override
    public int rpcCode() {
        return switch (reason) {
            case NOT_FOUND -> io.jvhost.config.MethodException.ENODEV;
            case EXISTS -> io.jvhost.config.MethodException.EEXIST;
            case BUSY -> io.jvhost.config.MethodException.EBUSY;
            case INVALID -> io.jvhost.config.MethodException.INVALID_PARAMS;
            case FAILED -> io.jvhost.config.MethodException.INTERNAL_ERROR;
        };
    }

    /**
     * This failure as the error of a config method, with its JSON-RPC code, naming the method and
     * what it was working on: {@code "vhost_create_blk_controller: controller vhost.0: bdev X does not exist"}.
     */
    public io.jvhost.config.MethodException forMethod(io.jvhost.config.Params p, String subject) {
        return new io.jvhost.config.MethodException(rpcCode(), p.method() + ": " + subject + ": " + getMessage(), this);
    }
}
