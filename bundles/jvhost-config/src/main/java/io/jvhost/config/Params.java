package io.jvhost.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The params object of one method call, with typed access that fails with SPDK's invalid-params
 * error naming the method, the key and what was wrong. Unknown keys are refused too, so a typo in a
 * config file does not pass silently; keys that SPDK's own clients send but that mean nothing here
 * are named in {@link #allowOnly(Set, Set)} and accepted with a note in the log.
 */
public final class Params {
    private static final Logger LOG = LoggerFactory.getLogger(Params.class);
    private final String method;
    private final Map<String, Object> values;

    public Params(String method, Map<String, Object> values) {
        this.method = method;
        this.values = values == null ? Map.of() : values;
    }

    /** Wraps a parsed params value; anything but an object (or absent) is invalid. */
    public static Params of(String method, Object params) {
        if (params == null) {
            return new Params(method, Map.of());
        }
        if (!(params instanceof Map<?, ?> m)) {
            throw MethodException.invalidParams(method + ": params must be a JSON object");
        }
        Map<String, Object> copy = new LinkedHashMap<>();
        m.forEach((k, v) -> copy.put(String.valueOf(k), v));
        return new Params(method, copy);
    }

    public String method() {
        return method;
    }

    public Map<String, Object> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** Fails naming any key not in {@code allowed}. */
    public Params allowOnly(Set<String> allowed) {
        return allowOnly(allowed, Set.of());
    }

    /**
     * Fails naming any key in neither set. Keys in {@code withoutEffect} are ones SPDK's clients
     * send for this method that change nothing in jvhost (e.g. rpc.py's {@code packed_ring_recovery}):
     * each one given is accepted and logged at info level.
     */
    public Params allowOnly(Set<String> allowed, Set<String> withoutEffect) {
        for (String k : values.keySet()) {
            if (withoutEffect.contains(k) && !allowed.contains(k)) {
                LOG.info("{}: parameter '{}' ({}) is accepted for SPDK compatibility and has no effect in jvhost",
                        method, k, Json.write(values.get(k)));
            } else if (!allowed.contains(k)) {
                java.util.TreeSet<String> accepted = new java.util.TreeSet<>(allowed);
                accepted.addAll(withoutEffect);
                throw MethodException.invalidParams(method + ": unknown parameter '" + k + "'; accepted: "
                        + List.copyOf(accepted));
            }
        }
        return this;
    }

    public boolean has(String key) {
        return values.get(key) != null;
    }

    public String string(String key) {
        Object v = require(key);
        if (!(v instanceof String s)) {
            throw wrongType(key, "a string", v);
        }
        if (s.isEmpty()) {
            throw MethodException.invalidParams(method + ": '" + key + "' must not be empty");
        }
        return s;
    }

    public String string(String key, String defaultValue) {
        return has(key) ? string(key) : defaultValue;
    }

    public long integer(String key) {
        Object v = require(key);
        // JSON gives Long; Gogo commands and Java callers may pass Integer or Short
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        throw wrongType(key, "an integer", v);
    }

    public long integer(String key, long defaultValue) {
        return has(key) ? integer(key) : defaultValue;
    }

    /** A required integer within [min, max]; the error names the range. */
    public long integerIn(String key, long min, long max) {
        long v = integer(key);
        if (v < min || v > max) {
            throw MethodException.invalidParams(method + ": '" + key + "' is " + v + ", must be between " + min
                    + " and " + max);
        }
        return v;
    }

    /** An integer within [min, max]; the error names the range. */
    public long integer(String key, long defaultValue, long min, long max) {
        long v = integer(key, defaultValue);
        if (v < min || v > max) {
            throw MethodException.invalidParams(method + ": '" + key + "' is " + v + ", must be between " + min
                    + " and " + max);
        }
        return v;
    }

    public boolean bool(String key, boolean defaultValue) {
        if (!has(key)) {
            return defaultValue;
        }
        Object v = values.get(key);
        if (!(v instanceof Boolean b)) {
            throw wrongType(key, "true or false", v);
        }
        return b;
    }

    @SuppressWarnings("unchecked")
    public List<Object> list(String key) {
        Object v = require(key);
        if (!(v instanceof List<?> l)) {
            throw wrongType(key, "an array", v);
        }
        return (List<Object>) l;
    }

    private Object require(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw MethodException.invalidParams(method + ": missing required parameter '" + key + "'");
        }
        return v;
    }

    private MethodException wrongType(String key, String expected, Object got) {
        return MethodException.invalidParams(method + ": '" + key + "' must be " + expected + ", got "
                + Json.write(got));
    }
}
