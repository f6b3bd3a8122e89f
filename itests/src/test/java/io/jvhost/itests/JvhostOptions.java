package io.jvhost.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import io.jvhost.launcher.BundleLocations;
import io.jvhost.launcher.FeatureRepository;
import io.jvhost.launcher.JvhostRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.options.FrameworkPropertyOption;

/** pax-exam options that provision a feature exactly as {@code ./jvhost} does, from features/. */
final class JvhostOptions {
    private JvhostOptions() {
    }

    static Path home() {
        return Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();
    }

    static Option[] feature(String name, Option... extra) {
        List<Option> opts = new ArrayList<>();
        try {
            FeatureRepository repo = FeatureRepository.load(home().resolve("features"), JvhostRuntime.version());
            BundleLocations locations = BundleLocations.fromEnvironment();
            for (String location : repo.resolve(name)) {
                opts.add(bundle(locations.resolve(location).toUri().toString()));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        opts.add(junitBundles());
        opts.add(systemProperty("org.ops4j.pax.url.mvn.localRepository")
                .value(Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
        opts.add(frameworkProperty("jvhost.cpumask").value("0x1"));
        opts.add(frameworkProperty("gosh.args").value("--nointeractive"));
        opts.add(frameworkProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        boolean rpcGiven = false;
        for (Option o : extra) {
            rpcGiven |= o instanceof FrameworkPropertyOption f && f.getKey().equals("jvhost.rpc.socket");
        }
        if (!rpcGiven) {
            // tests share the machine: no JSON-RPC socket unless a test asks for one
            opts.add(frameworkProperty("jvhost.rpc.socket").value("none"));
        }
        opts.addAll(List.of(extra));
        return opts.toArray(new Option[0]);
    }

    /** A fresh temporary socket directory for the framework's vhost-user controllers (-S). */
    static Option freshSocketDirectory() {
        try {
            return frameworkProperty("jvhost.socket.dir").value(Files.createTempDirectory("jvhost-it-sockets")
                    .toString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One of jvhost's own bundles that no feature installs (e.g. the front-end, for tests). */
    static Option jvhostBundle(String artifactId) {
        return bundle(BundleLocations.fromEnvironment().resolve("mvn:io.jvhost/" + artifactId + "/"
                + JvhostRuntime.version()).toUri().toString());
    }
}
