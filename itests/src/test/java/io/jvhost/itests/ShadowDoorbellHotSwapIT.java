package io.jvhost.itests;

import static org.junit.Assert.assertEquals;

import io.jvhost.config.ConfigMethods;
import io.jvhost.config.Json;
import io.jvhost.frontend.VhostUserNvme;
import io.jvhost.nvme.Nvme;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * The shadow doorbell bundle is hot-swappable: while it runs, vhost-nvme controllers offer Doorbell
 * Buffer Config; stopped, they answer with the doorbell relay alone; started again, they offer it again.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class ShadowDoorbellHotSwapIT {

    @Inject
    private BundleContext context;

    @Inject
    private ConfigMethods methods;

    @Inject
    private io.jvhost.vhostuser.VhostControllers controllers;

    @Configuration
    public Option[] config() {
        return JvhostOptions.feature("jvhost-nvme", JvhostOptions.jvhostBundle("jvhost-bdev-malloc"),
                JvhostOptions.jvhostBundle("jvhost-frontend"),
                JvhostOptions.freshSocketDirectory());
    }

    private boolean offersDoorbellBuffer() throws Exception {
        // one front-end at a time: the previous one's session must have ended
        InFramework.waitUntil(() -> !controllers.find("nvme9").orElseThrow().connected());
        try (VhostUserNvme h = new VhostUserNvme(controllers.socketDirectory().resolve("nvme9"))) {
            h.enable(true);
            byte[] ctrl = h.admin(Nvme.ADMIN_IDENTIFY, 0, Nvme.CNS_CONTROLLER, 0, 0, 0);
            boolean offered = (MemorySegment.ofArray(ctrl).get(ValueLayout.JAVA_SHORT_UNALIGNED, 16 + 256) & (1 << 8)) != 0;
            int dbbc = VhostUserNvme.status(h.configureShadowDoorbells());
            assertEquals("Doorbell Buffer Config answers as Identify says", offered ? Nvme.SUCCESS : Nvme.INVALID_OPCODE,
                    dbbc);
            VhostUserNvme.IoQueue q = h.createQueuePair(1, 64);
            q.submit(Nvme.IO_WRITE, 1, 1, h.ram.allocate(4096, 4096), 0, 0, 0, 7);
            assertEquals("I/O works either way", Nvme.SUCCESS, q.await(1));
            return offered;
        }
    }

    @Test
    public void controllersFollowTheShadowDoorbellBundle() throws Exception {
        methods.invoke("bdev_malloc_create", Json.parse("{\"name\":\"M9\",\"num_blocks\":2048,\"block_size\":512}"));
        methods.invoke("vhost_create_nvme_controller", Json.parse("{\"ctrlr\":\"nvme9\",\"io_queues\":2}"));
        methods.invoke("vhost_nvme_controller_add_ns", Json.parse("{\"ctrlr\":\"nvme9\",\"bdev_name\":\"M9\"}"));
        assertEquals(true, offersDoorbellBuffer());
        Bundle shadow = InFramework.bundle(context, "io.jvhost.shadow.doorbell");
        shadow.stop();
        assertEquals(false, offersDoorbellBuffer());
        shadow.start();
        assertEquals(true, offersDoorbellBuffer());
    }
}
