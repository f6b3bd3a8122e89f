package io.jvhost.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jvhost.bdev.BdevRegistry;
import io.jvhost.config.ConfigMethods;
import io.jvhost.config.MethodException;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/** Module bundles stopped, updated and restarted while I/O runs, and bad method input. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class BdevHotSwapIT {
    @Inject
    private BundleContext context;

    @Inject
    private ConfigMethods methods;

    @Inject
    private BdevRegistry registry;

    @Inject
    private ReactorGroup reactors;

    @Configuration
    public Option[] config() {
        return JvhostOptions.feature("jvhost-bdev");
    }

    private Object call(String method, String params) {
        return InFramework.call(methods, method, params);
    }

    private Bundle bundle(String symbolicName) {
        return InFramework.bundle(context, symbolicName);
    }

    @Test
    public void stoppingMallocModuleShouldHotRemoveItsBdevsWhileNullBdevKeepsServing() throws Exception {
        call("bdev_malloc_create", "{\"name\":\"Malloc0\",\"num_blocks\":8192,\"block_size\":512}");
        call("bdev_null_create", "{\"name\":\"Null0\",\"num_blocks\":8192,\"block_size\":4096}");
        Reactor r = reactors.reactors().get(0);
        int pollersBefore = r.pollerCount();
        IoLoad malloc = new IoLoad(registry, "Malloc0", r, 8);
        IoLoad nul = new IoLoad(registry, "Null0", r, 8);
        waitUntil(() -> malloc.ok.get() > 1000 && nul.ok.get() > 1000);

        Bundle mallocBundle = bundle("io.jvhost.bdev.malloc");
        mallocBundle.stop();
        assertTrue("opener was told", malloc.removed);
        malloc.closed.get(10, TimeUnit.SECONDS);
        assertFalse("Malloc0 is gone", registry.find("Malloc0").isPresent());
        assertFalse(methods.names().contains("bdev_malloc_create"));
        long nulBefore = nul.ok.get();
        waitUntil(() -> nul.ok.get() > nulBefore + 1000);
        assertEquals("null bdev saw no error", 0, nul.failed.get());

        mallocBundle.update();
        mallocBundle.start();
        waitUntil(() -> methods.names().contains("bdev_malloc_create"));
        assertEquals("Malloc1", call("bdev_malloc_create", "{\"name\":\"Malloc1\",\"num_blocks\":2048,\"block_size\":4096}"));
        IoLoad again = new IoLoad(registry, "Malloc1", r, 4);
        waitUntil(() -> again.ok.get() > 100);
        again.stop();
        nul.stop();
        again.closed.get(10, TimeUnit.SECONDS);
        nul.closed.get(10, TimeUnit.SECONDS);
        assertEquals(0, nul.failed.get() + again.failed.get());
        waitUntil(() -> r.pollerCount() == pollersBefore);

        bundle("io.jvhost.bdev.null").uninstall();
        waitUntil(() -> registry.find("Null0").isEmpty());
        assertFalse(methods.names().contains("bdev_null_create"));
    }

    /**
     * Virtual bdev bundles are modules like the others: stopping the raid bundle under I/O hot-removes its
     * raid (its user is told, closes, and the claims on the bases are released) while a passthru beside it
     * keeps serving; the raid bundle comes back and builds a raid again; uninstalling the passthru bundle
     * with its bdev idle removes it cleanly and frees its base.
     */
    @Test
    public void virtualBdevBundlesShouldStopUnderIoAndComeBackWhileTheOthersServe() throws Exception {
        for (int i = 0; i < 3; i++) {
            call("bdev_malloc_create", "{\"name\":\"VM" + i + "\",\"num_blocks\":4096,\"block_size\":512}");
        }
        call("bdev_raid_create", "{\"name\":\"R1\",\"raid_level\":\"raid1\",\"base_bdevs\":[\"VM0\",\"VM1\"]}");
        call("bdev_passthru_create", "{\"base_bdev_name\":\"VM2\",\"name\":\"PT0\"}");
        Reactor r = reactors.reactors().get(0);
        int pollersBefore = r.pollerCount();
        IoLoad raid = new IoLoad(registry, "R1", r, 8);
        IoLoad passthru = new IoLoad(registry, "PT0", r, 8);
        waitUntil(() -> raid.ok.get() > 1000 && passthru.ok.get() > 1000);

        Bundle raidBundle = bundle("io.jvhost.bdev.raid");
        raidBundle.stop();
        assertTrue("the raid's user was told", raid.removed);
        raid.closed.get(10, TimeUnit.SECONDS);
        assertFalse(registry.find("R1").isPresent());
        assertFalse(methods.names().contains("bdev_raid_create"));
        // the claims went with the raid: a passthru may claim a former base now
        call("bdev_passthru_create", "{\"base_bdev_name\":\"VM0\",\"name\":\"PT1\"}");
        call("bdev_passthru_delete", "{\"name\":\"PT1\"}");
        long before = passthru.ok.get();
        waitUntil(() -> passthru.ok.get() > before + 1000);
        assertEquals("the passthru saw no error", 0, passthru.failed.get());

        raidBundle.update();
        raidBundle.start();
        waitUntil(() -> methods.names().contains("bdev_raid_create"));
        call("bdev_raid_create", "{\"name\":\"R0\",\"raid_level\":\"raid0\",\"strip_size_kb\":4,"
                + "\"base_bdevs\":[\"VM0\",\"VM1\"]}");
        IoLoad again = new IoLoad(registry, "R0", r, 4);
        waitUntil(() -> again.ok.get() > 100);
        again.stop();
        passthru.stop();
        again.closed.get(10, TimeUnit.SECONDS);
        passthru.closed.get(10, TimeUnit.SECONDS);
        assertEquals(0, again.failed.get() + passthru.failed.get());
        waitUntil(() -> r.pollerCount() == pollersBefore);

        bundle("io.jvhost.bdev.passthru").uninstall();
        waitUntil(() -> registry.find("PT0").isEmpty());
        assertFalse(methods.names().contains("bdev_passthru_create"));
        call("bdev_raid_delete", "{\"name\":\"R0\"}");
        call("bdev_raid_create", "{\"name\":\"C0\",\"raid_level\":\"concat\",\"strip_size_kb\":4,"
                + "\"base_bdevs\":[\"VM0\",\"VM1\",\"VM2\"]}"); // VM2's claim is free again
        call("bdev_raid_delete", "{\"name\":\"C0\"}");
    }

    @Test
    public void badParametersShouldGetSpdkErrorCodesAndLeakNothing() {
        expect(MethodException.INVALID_PARAMS, "block_size 1000",
                "bdev_malloc_create", "{\"name\":\"M\",\"num_blocks\":8,\"block_size\":1000}");
        expect(MethodException.INVALID_PARAMS, "at least 1",
                "bdev_malloc_create", "{\"name\":\"M\",\"num_blocks\":0,\"block_size\":512}");
        expect(MethodException.INVALID_PARAMS, "exceed this machine's memory",
                "bdev_malloc_create", "{\"name\":\"M\",\"num_blocks\":9223372036854775807,\"block_size\":512}");
        expect(MethodException.INVALID_PARAMS, "missing required parameter 'num_blocks'",
                "bdev_null_create", "{\"name\":\"N\",\"block_size\":512}");
        expect(MethodException.INVALID_PARAMS, "unknown parameter 'blocks'",
                "bdev_null_create", "{\"name\":\"N\",\"blocks\":8,\"block_size\":512}");
        expect(MethodException.INVALID_PARAMS, "does not exist",
                "bdev_aio_create", "{\"name\":\"A\",\"filename\":\"/nonexistent/disk.img\"}");
        expect(MethodException.INVALID_PARAMS, "invalid bdev name",
                "bdev_null_create", "{\"name\":\"bad name!\",\"num_blocks\":8,\"block_size\":512}");
        call("bdev_null_create", "{\"name\":\"N0\",\"num_blocks\":8,\"block_size\":512}");
        expect(MethodException.EEXIST, "already exists",
                "bdev_null_create", "{\"name\":\"N0\",\"num_blocks\":8,\"block_size\":512}");
        expect(MethodException.EEXIST, "already exists",
                "bdev_malloc_create", "{\"name\":\"N0\",\"num_blocks\":8,\"block_size\":512}");
        IoLoad user = new IoLoad(registry, "N0", reactors.reactors().get(0), 1);
        expect(MethodException.ENODEV, "no malloc bdev named N0", "bdev_malloc_delete", "{\"name\":\"N0\"}");
        expect(MethodException.ENODEV, "does not exist", "bdev_get_bdevs", "{\"name\":\"missing\"}");
        expect(MethodException.METHOD_NOT_FOUND, "Method not found", "bdev_frobnicate", "{}");
        // as in SPDK, deleting a bdev in use hot-removes it: the user is told, closes, and the call returns
        assertEquals(true, call("bdev_null_delete", "{\"name\":\"N0\"}"));
        assertTrue("the user saw the removal", user.removed);
        user.closed.join();
        assertEquals(List.of(), call("bdev_get_bdevs", "{}"));
    }

    private void expect(int code, String text, String method, String params) {
        try {
            call(method, params);
            fail(method + " " + params + " should have failed");
        } catch (MethodException e) {
            assertTrue(method + ": '" + e.getMessage() + "' should contain '" + text + "'", e.getMessage().contains(text));
            assertEquals(method + ": " + e.getMessage(), code, e.code());
        }
    }

    @Test
    public void bdevGetBdevsShouldDescribeInSpdkShape() {
        call("bdev_malloc_create", "{\"name\":\"Malloc7\",\"num_blocks\":256,\"block_size\":4096}");
        @SuppressWarnings("unchecked")
        Map<String, Object> d = ((List<Map<String, Object>>) call("bdev_get_bdevs", "{\"name\":\"Malloc7\"}")).get(0);
        assertEquals("Malloc7", d.get("name"));
        assertEquals(4096, d.get("block_size"));
        assertEquals(256L, d.get("num_blocks"));
        assertEquals(Boolean.TRUE, ((Map<?, ?>) d.get("supported_io_types")).get("unmap"));
        call("bdev_malloc_delete", "{\"name\":\"Malloc7\"}");
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        InFramework.waitUntil(condition);
    }
}
