package io.jvhost.config.internal;

import io.jvhost.config.ConfigMethods;
import io.jvhost.config.Json;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo commands in scope {@code jvhost} for the method registry. */
@Component(service = ConfigCommands.class, property = {"osgi.command.scope=jvhost",
    "osgi.command.function=methods", "osgi.command.function=call"})
public final class ConfigCommands {
    @Reference
    private ConfigMethods methods;

    @Descriptor("List the config/RPC methods the running bundles provide")
    public String methods() {
        return String.join("\n", methods.names());
    }

    @Descriptor("Call a config/RPC method with JSON params, e.g. call bdev_null_create '{\"name\":\"n0\",\"num_blocks\":1024,\"block_size\":512}'")
    public String call(@Descriptor("method name") String method,
            @Descriptor("params as a JSON object") String paramsJson) {
        return Json.writePretty(methods.invoke(method, Json.parse(paramsJson)));
    }

    @Descriptor("Call a config/RPC method without params")
    public String call(@Descriptor("method name") String method) {
        return Json.writePretty(methods.invoke(method, null));
    }
}
