package io.jvhost.config;

/** Implemented by exceptions that know the JSON-RPC error code SPDK returns for them. */
public interface RpcError {
    int rpcCode();
}
