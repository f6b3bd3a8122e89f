package io.jvhost.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/** The jvhost-all feature inside a real Felix: bundles, reactors and hot deployment. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RuntimeIT {
    private static final Path DEPLOY = Path.of(System.getProperty("java.io.tmpdir"), "jvhost-itest-deploy");

    @Inject
    private BundleContext context;

    @Inject
    private ReactorGroup reactors;

    @Configuration
    public Option[] config() throws IOException {
        Files.createDirectories(DEPLOY);
        return JvhostOptions.feature("jvhost-all", frameworkProperty("felix.fileinstall.dir").value(DEPLOY.toString()),
                frameworkProperty("felix.fileinstall.poll").value("200"),
                frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
    }

    @Test
    public void everyBundleOfTheFeatureShouldBeActive() {
        List<String> inactive = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getState() != Bundle.ACTIVE && b.getHeaders().get("Fragment-Host") == null) {
                inactive.add(b.getSymbolicName() + " state " + b.getState());
            }
        }
        assertTrue("inactive bundles: " + inactive, inactive.isEmpty());
        for (String name : List.of("io.jvhost.native", "io.jvhost.reactor", "io.jvhost.config")) {
            assertTrue(name + " installed", List.of(context.getBundles()).stream()
                    .anyMatch(b -> name.equals(b.getSymbolicName())));
        }
        // the tools (front-end, benchmarks) serve no guest and stay out of the runtime image
        for (String tool : List.of("io.jvhost.frontend", "io.jvhost.bench")) {
            assertTrue(tool + " must not be in jvhost-all", List.of(context.getBundles()).stream()
                    .noneMatch(b -> tool.equals(b.getSymbolicName())));
        }
    }

    @Test
    public void reactorServiceShouldRunPollersAndCommandsOnItsThread() throws Exception {
        assertEquals(1, reactors.reactors().size());
        Reactor r = reactors.reactors().get(0);
        AtomicInteger polled = new AtomicInteger();
        io.jvhost.reactor.Poller p = () -> polled.incrementAndGet() < 1000 ? 1 : 0;
        String thread = r.call(() -> {
            r.addPoller(p);
            return Thread.currentThread().getName();
        }).get(5, TimeUnit.SECONDS);
        assertTrue(thread, thread.contains("reactor-0"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (polled.get() < 1000 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue("poller ran " + polled.get() + " times", polled.get() >= 1000);
        r.call(() -> {
            r.removePoller(p);
            return null;
        }).get(5, TimeUnit.SECONDS);
        assertEquals(0, r.pollerCount());
    }

    @Test
    public void bundleDroppedIntoDeployShouldStartAndGoWhenRemoved() throws Exception {
        Path jar = DEPLOY.resolve("hello-bundle.jar");
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "io.jvhost.itest.hello");
        a.putValue("Bundle-Version", "1.0.0");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        try {
            assertTrue("deployed bundle became ACTIVE", waitFor("io.jvhost.itest.hello", true));
        } finally {
            Files.deleteIfExists(jar);
        }
        assertTrue("removed bundle was uninstalled", waitFor("io.jvhost.itest.hello", false));
    }

    private boolean waitFor(String symbolicName, boolean active) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            boolean found = List.of(context.getBundles()).stream()
                    .anyMatch(b -> symbolicName.equals(b.getSymbolicName()) && b.getState() == Bundle.ACTIVE);
            if (found == active) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
