package io.jvhost.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import io.jvhost.config.ConfigMethods;
import io.jvhost.config.Json;
import io.jvhost.vhostuser.VhostControllers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** save_config gives SPDK's document for the live state, and replaying it rebuilds the same state. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SaveConfigIT {
    @Inject
    private ConfigMethods methods;

    @Inject
    private VhostControllers controllers;

    @Configuration
    public Option[] config() throws Exception {
        return JvhostOptions.feature("jvhost-all", frameworkProperty("jvhost.socket.dir")
                .value(Files.createTempDirectory("jvhost-save-it").toString()));
    }

    private Object call(String method, String params) {
        return InFramework.call(methods, method, params);
    }

    @Test
    public void savedConfigShouldRebuildTheSameBdevsAndControllers() throws Exception {
        call("bdev_malloc_create", "{\"name\":\"M0\",\"num_blocks\":4096,\"block_size\":4096}");
        call("bdev_null_create", "{\"name\":\"N0\",\"num_blocks\":1024,\"block_size\":512}");
        call("bdev_null_resize", "{\"name\":\"N0\",\"new_size\":2}");
        // QoS limits are part of the config: an I/O limit rounds up to a thousand, as in SPDK
        call("bdev_set_qos_limit", "{\"name\":\"M0\",\"rw_ios_per_sec\":4500,\"r_mbytes_per_sec\":10}");
        call("bdev_set_qos_limit", "{\"name\":\"N0\",\"w_mbytes_per_sec\":3}");
        call("bdev_set_qos_limit", "{\"name\":\"N0\",\"w_mbytes_per_sec\":0}");
        assertEquals("{\"rw_ios_per_sec\":5000,\"rw_mbytes_per_sec\":0,\"r_mbytes_per_sec\":10,\"w_mbytes_per_sec\":0}",
                Json.write(((Map<?, ?>) ((List<?>) call("bdev_get_bdevs", "{\"name\":\"M0\"}")).get(0))
                        .get("assigned_rate_limits")));
        call("vhost_create_blk_controller", "{\"ctrlr\":\"c0\",\"dev_name\":\"M0\",\"packed_ring\":true}");
        call("vhost_create_blk_controller", "{\"ctrlr\":\"c1\",\"dev_name\":\"N0\",\"readonly\":true}");
        String saved = Json.write(call("save_config", null));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> subsystems = (List<Map<String, Object>>) ((Map<?, ?>) Json.parse(saved))
                .get("subsystems");
        assertEquals("bdev", subsystems.get(0).get("subsystem"));
        assertEquals("vhost_blk", subsystems.get(1).get("subsystem"));
        assertEquals(Json.write(subsystems.get(1).get("config")),
                Json.write(call("framework_get_config", "{\"name\":\"vhost_blk\"}")));
        String bdevsBefore = Json.write(call("bdev_get_bdevs", null));

        call("vhost_delete_controller", "{\"ctrlr\":\"c0\"}");
        call("vhost_delete_controller", "{\"ctrlr\":\"c1\"}");
        call("bdev_malloc_delete", "{\"name\":\"M0\"}");
        call("bdev_null_delete", "{\"name\":\"N0\"}");
        assertTrue(controllers.list().isEmpty());
        assertFalse(Files.exists(controllers.socketDirectory().resolve("c0")));

        methods.apply(Json.parse(saved));
        assertTrue("the limits are saved after the bdev they apply to", saved.contains(
                "{\"method\":\"bdev_set_qos_limit\",\"params\":{\"name\":\"M0\",\"rw_ios_per_sec\":5000"));
        assertFalse("a removed limit is not saved", saved.contains("\"name\":\"N0\",\"rw_ios_per_sec\""));
        assertEquals("the same document comes back", saved, Json.write(call("save_config", null)));
        assertEquals("the same bdevs, uuids included", bdevsBefore, Json.write(call("bdev_get_bdevs", null)));
        assertTrue(Files.exists(controllers.socketDirectory().resolve("c0")));
        assertTrue(Files.exists(controllers.socketDirectory().resolve("c1")));
        Path dir = controllers.socketDirectory();
        assertEquals(2, controllers.list().size());
        assertTrue(dir.toString(), Files.isDirectory(dir));
    }
}
