package io.jvhost.bdev.passthru.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.spi.BaseClaim;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.BdevParams;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.bdev.spi.ModuleBdevs;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.reactor.Reactor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The passthru module (SPDK's {@code bdev_passthru_create}): a virtual bdev that claims a base bdev and
 * passes every request through. It is the smallest virtual bdev, written as the model for new ones:
 * claim the base ({@link BaseClaim}), describe the new bdev from it, give each reactor a
 * {@link io.jvhost.bdev.spi.ForwardingChannel}, follow the base's resize, go away with the base, and
 * release the claim in {@code destroy}.
 */
@Component(service = PassthruModule.class, immediate = true)
public final class PassthruModule {
    private final BdevRegistry registry;
    private final ModuleBdevs bdevs;
    private BundleCommands commands;

    @Activate
    public PassthruModule(BundleContext context, @Reference BdevRegistry registry) {
        this(registry);
        this.commands = BundleCommands.register(context, "bdev", this, BundleCommands.gogo("create-passthru"),
                MethodRegistrations.method("bdev_passthru_create",
                        "Create a passthru bdev over a base bdev: {base_bdev_name, name, uuid?}", this::create),
                bdevs.deleteMethod());
    }

    /** The module without its methods and commands registered, for tests. */
    PassthruModule(BdevRegistry registry) {
        this.registry = registry;
        this.bdevs = new ModuleBdevs(registry, "passthru", "Passthru");
    }

    @Deactivate
    void deactivate() {
        if (commands != null) {
            commands.close();
        }
        bdevs.removeAll();
    }

    ModuleBdevs bdevs() {
        return bdevs;
    }

    Object create(Params p) {
        p.allowOnly(Set.of("base_bdev_name", "name", "uuid"));
        String base = p.string("base_bdev_name");
        String name = p.string("name");
        BaseClaim claim = BaseClaim.claim(registry, base, "passthru " + name, () -> bdevs.removeLater(name),
                blocks -> registry.resize(name, blocks));
        Bdev b = claim.bdev();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("base_bdev_name", base);
        config.put("name", name);
        BdevBackend backend = new BdevBackend() {
            @Override
            public ModuleChannel createChannel(Reactor reactor) {
                return new PassthruChannel(claim.descriptor().channel(reactor));
            }

            @Override
            public void destroy() {
                claim.close();
            }

            @Override
            public String createMethod() {
                return "bdev_passthru_create";
            }

            @Override
            public Map<String, Object> driverSpecific() {
                return Map.of("passthru", Map.of("name", name, "base_bdev_name", base));
            }
        };
        return bdevs.createRecordingUuid(new BdevSpec(name, BdevParams.uuid(p), "passthru", "passthru", b.blockSize(),
                b.blockCount(), b.optimalIoBoundary(), b.supportedIoTypes(), config), backend);
    }

    @Descriptor("Create a passthru bdev that claims a base bdev and forwards every request to it")
    public String createPassthru(@Descriptor("base bdev") String base, @Descriptor("new bdev name") String name) {
        return (String) create(new Params("bdev:create-passthru", Map.of("base_bdev_name", base, "name", name)));
    }
}
