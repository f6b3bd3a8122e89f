package io.jvhost.rpc.internal;

import io.jvhost.config.ConfigMethods;
import io.jvhost.config.Json;
import io.jvhost.config.MethodException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON-RPC 2.0 over the methods running bundles contribute, with SPDK's error codes: -32700 parse
 * error, -32600 invalid request, -32601 unknown method, -32602 invalid params, or the method's own.
 * Also the methods SPDK's server itself answers: {@code rpc_get_methods}, {@code spdk_get_version}.
 */
final class RpcDispatcher {
    private final ConfigMethods methods;
    private final String version;

    RpcDispatcher(ConfigMethods methods, String version) {
        this.methods = methods;
        this.version = version;
    }

    /** Answers one request text; null when nothing is to be sent (notifications only). */
    String handle(String text) {
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (Json.JsonException e) {
            return Json.write(error(null, MethodException.PARSE_ERROR, "Parse error: " + e.getMessage()));
        }
        if (parsed instanceof List<?> batch) {
            if (batch.isEmpty()) {
                return Json.write(error(null, MethodException.INVALID_REQUEST, "Invalid request: empty batch"));
            }
            List<Object> responses = new ArrayList<>();
            for (Object r : batch) {
                Map<String, Object> resp = one(r);
                if (resp != null) {
                    responses.add(resp);
                }
            }
            return responses.isEmpty() ? null : Json.write(responses);
        }
        Map<String, Object> resp = one(parsed);
        return resp == null ? null : Json.write(resp);
    }

    private Map<String, Object> one(Object request) {
        if (!(request instanceof Map<?, ?> m)) {
            return error(null, MethodException.INVALID_REQUEST, "Invalid request: not an object");
        }
        Object id = m.get("id");
        boolean notification = !m.containsKey("id");
        if (!"2.0".equals(m.get("jsonrpc")) || !(m.get("method") instanceof String method)
                || (id != null && !(id instanceof String) && !(id instanceof Long))) {
            return error(id, MethodException.INVALID_REQUEST, "Invalid request: needs \"jsonrpc\":\"2.0\", a string"
                    + " \"method\" and a string or integer \"id\"");
        }
        Object params = m.get("params");
        try {
            Object result = builtIn(method, params);
            if (result == null) {
                result = methods.invoke(method, params);
            }
            if (notification) {
                return null;
            }
            Map<String, Object> resp = new LinkedHashMap<>();
            resp.put("jsonrpc", "2.0");
            resp.put("id", id);
            resp.put("result", result == null ? true : result);
            return resp;
        } catch (MethodException e) {
            return notification ? null : error(id, e.code(), e.getMessage());
        } catch (RuntimeException e) {
            return notification ? null : error(id, MethodException.INTERNAL_ERROR, method + " failed: " + e);
        }
    }

    private Object builtIn(String method, Object params) {
        return switch (method) {
            case "rpc_get_methods" -> {
                // SPDK's {current?, include_aliases?}: every method is callable at any time and none has aliases
                io.jvhost.config.Params.of(method, params).allowOnly(java.util.Set.of("current", "include_aliases"));
                List<String> names = new ArrayList<>(methods.names());
                names.add("rpc_get_methods");
                names.add("spdk_get_version");
                names.sort(null);
                yield names;
            }
            case "spdk_get_version" -> {
                io.jvhost.config.Params.of(method, params).allowOnly(java.util.Set.of());
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("version", "jvhost " + version);
                Map<String, Object> fields = new LinkedHashMap<>();
                String[] parts = version.split("[.-]");
                fields.put("major", parts.length > 0 ? parse(parts[0]) : 0L);
                fields.put("minor", parts.length > 1 ? parse(parts[1]) : 0L);
                fields.put("patch", parts.length > 2 ? parse(parts[2]) : 0L);
                fields.put("suffix", version.contains("-") ? version.substring(version.indexOf('-')) : "");
                v.put("fields", fields);
                yield v;
            }
            default -> null;
        };
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static Map<String, Object> error(Object id, int code, String message) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("code", (long) code);
        err.put("message", message);
        Map<String, Object> resp = new LinkedHashMap<>();
        resp.put("jsonrpc", "2.0");
        resp.put("id", id);
        resp.put("error", err);
        return resp;
    }
}
