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
        assertEquals("the same document comes back", saved, Json.write(call("save_config", null)));
        assertEquals("the same bdevs, uuids included", bdevsBefore, Json.write(call("bdev_get_bdevs", null)));
        assertTrue(Files.exists(controllers.socketDirectory().resolve("c0")));
        assertTrue(Files.exists(controllers.socketDirectory().resolve("c1")));
        Path dir = controllers.socketDirectory();
        assertEquals(2, controllers.list().size());
        assertTrue(dir.toString(), Files.isDirectory(dir));
    }
}
