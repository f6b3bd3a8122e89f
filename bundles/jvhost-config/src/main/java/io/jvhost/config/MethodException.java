package io.jvhost.config;

/**
 * A method failed; {@link #code()} is the JSON-RPC error code SPDK returns for the same failure
 * (-32602 invalid parameters, -32601 unknown method, -19 no such device, -17 exists, ...).
 */
public final class MethodException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public static final int PARSE_ERROR = -32700, INVALID_REQUEST = -32600, METHOD_NOT_FOUND = -32601,
            INVALID_PARAMS = -32602, INTERNAL_ERROR = -32603;
    public static final int ENODEV = -19, EEXIST = -17, EBUSY = -16, EINVAL = -22, ENOMEM = -12, EPERM = -1;

    private final int code;

    public MethodException(int code, String message) {
        super(message);
        this.code = code;
    }

    public MethodException(int code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static MethodException invalidParams(String message) {
        return new MethodException(INVALID_PARAMS, message);
    }

    public static MethodException noDevice(String message) {
        return new MethodException(ENODEV, message);
    }

    public static MethodException exists(String message) {
        return new MethodException(EEXIST, message);
    }
}
