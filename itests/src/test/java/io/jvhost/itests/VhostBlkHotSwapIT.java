package io.jvhost.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.jvhost.bdev.BdevRegistry;
import io.jvhost.config.ConfigMethods;
import io.jvhost.frontend.BlkQueue;
import io.jvhost.frontend.BlkRequests;
import io.jvhost.frontend.VhostUserBlkDisk;
import io.jvhost.vhostuser.VhostControllers;
import java.nio.file.Files;
import java.nio.file.Path;
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

/**
 * vhost-blk in the running framework: controllers created through the config methods serve a
 * front-end; stopping the vhost-blk bundle with a VM attached closes its sockets and releases its
 * bdevs; starting it again brings the method back. A bdev module stopped under a VM fails its
 * requests with IOERR and nothing else.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class VhostBlkHotSwapIT {
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

    @Inject
    private BundleContext context;

    @Inject
    private ConfigMethods methods;

    @Inject
    private BdevRegistry registry;

    @Inject
    private VhostControllers controllers;

    @Configuration
    public Option[] config() {
        // the front-end plays QEMU; it brings the NVMe layouts it also speaks
        return JvhostOptions.feature("jvhost-blk", JvhostOptions.jvhostBundle("jvhost-frontend"),
                JvhostOptions.jvhostBundle("jvhost-nvme-spec"),
                JvhostOptions.freshSocketDirectory());
    }

    private Object call(String method, String params) {
        return InFramework.call(methods, method, params);
    }

    private Bundle bundle(String symbolicName) {
        return InFramework.bundle(context, symbolicName);
    }

    private VhostUserBlkDisk connect(String controller) throws Exception {
        return VhostUserBlkDisk.connect(controllers.socketDirectory().resolve(controller),
                VhostUserBlkDisk.Options.defaults());
    }

    @Test
    public void stoppingTheVhostBlkBundleShouldCloseItsControllersAndReleaseTheirBdevs() throws Exception {
        call("bdev_malloc_create", "{\"name\":\"Malloc0\",\"num_blocks\":8192,\"block_size\":512}");
        call("vhost_create_blk_controller", "{\"ctrlr\":\"blk0\",\"dev_name\":\"Malloc0\"}");
        Path socket = controllers.socketDirectory().resolve("blk0");
        assertTrue(Files.exists(socket));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> listed = (List<Map<String, Object>>) call("vhost_get_controllers", "{}");
        assertEquals("blk0", listed.get(0).get("ctrlr"));
        try (VhostUserBlkDisk disk = connect("blk0")) {
            BlkQueue q = disk.queue(0);
            q.data(q.nextSlot()).fill((byte) 0x42);
            assertEquals(BlkRequests.S_OK, q.execute(BlkRequests.T_OUT, 8, 4096, TIMEOUT));

            bundle("io.jvhost.vhost.blk").stop();
            assertFalse("the socket is removed", Files.exists(socket));
            assertTrue("the VM's connection is closed", disk.connection().closedByPeer());
            assertFalse(methods.names().contains("vhost_create_blk_controller"));
            assertTrue(controllers.list().isEmpty());
        }
        // the bdev is no longer claimed: it can be deleted, and recreated
        call("bdev_malloc_delete", "{\"name\":\"Malloc0\"}");
        call("bdev_malloc_create", "{\"name\":\"Malloc0\",\"num_blocks\":8192,\"block_size\":512}");

        bundle("io.jvhost.vhost.blk").start();
        waitUntil(() -> methods.names().contains("vhost_create_blk_controller"));
        call("vhost_create_blk_controller", "{\"ctrlr\":\"blk0\",\"dev_name\":\"Malloc0\"}");
        try (VhostUserBlkDisk disk = connect("blk0")) {
            assertEquals(BlkRequests.S_OK, disk.queue(0).execute(BlkRequests.T_IN, 8, 4096, TIMEOUT));
        }
    }

    @Test
    public void stoppingTheBdevModuleUnderAVmShouldFailItsRequestsAndNothingElse() throws Exception {
        call("bdev_malloc_create", "{\"name\":\"Malloc0\",\"num_blocks\":8192,\"block_size\":512}");
        call("bdev_null_create", "{\"name\":\"Null0\",\"num_blocks\":8192,\"block_size\":512}");
        call("vhost_create_blk_controller", "{\"ctrlr\":\"blk0\",\"dev_name\":\"Malloc0\"}");
        call("vhost_create_blk_controller", "{\"ctrlr\":\"blk1\",\"dev_name\":\"Null0\"}");
        try (VhostUserBlkDisk onMalloc = connect("blk0"); VhostUserBlkDisk onNull = connect("blk1")) {
            assertEquals(BlkRequests.S_OK, onMalloc.queue(0).execute(BlkRequests.T_IN, 0, 4096, TIMEOUT));
            bundle("io.jvhost.bdev.malloc").stop();
            assertEquals(BlkRequests.S_IOERR, onMalloc.queue(0).execute(BlkRequests.T_IN, 0, 4096, TIMEOUT));
            waitUntil(() -> onMalloc.configChanges() > 0);
            assertEquals(BlkRequests.S_OK, onNull.queue(0).execute(BlkRequests.T_IN, 0, 4096, TIMEOUT));
            assertTrue("the controller stays, without a disk", controllers.find("blk0").isPresent());
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        InFramework.waitUntil(condition);
    }
}
