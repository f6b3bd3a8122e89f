package io.jvhost.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import io.jvhost.config.ConfigMethods;
import io.jvhost.config.Json;
import io.jvhost.config.MethodException;
import io.jvhost.vhostuser.VhostControllers;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/**
 * What an SPDK user brings works unchanged: the params SPDK's rpc.py sends for each method we
 * implement, and a config in the shape SPDK 23.01's save_config writes for a malloc bdev exported
 * through vhost-blk and vhost-scsi (with the tuning entries of subsystems jvhost has no counterpart of).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class SpdkCompatIT {
    /** SPDK 23.01's save_config shape for: two malloc bdevs, vhost.0 (scsi, target 0 -> Malloc0), vhost.1 (blk -> Malloc1). */
    static final String SPDK_SAVED_CONFIG = """
        {
          "subsystems": [
            {"subsystem": "iobuf", "config": [
              {"method": "iobuf_set_options", "params": {"small_pool_count": 8192, "large_pool_count": 1024,
                "small_bufsize": 8192, "large_bufsize": 135168}}]},
            {"subsystem": "sock", "config": [
              {"method": "sock_impl_set_options", "params": {"impl_name": "posix", "recv_buf_size": 2097152,
                "send_buf_size": 2097152, "enable_recv_pipe": true, "enable_quickack": false,
                "enable_placement_id": 0, "enable_zerocopy_send_server": true, "enable_zerocopy_send_client": false,
                "zerocopy_threshold": 0, "tls_version": 0, "enable_ktls": false}},
              {"method": "sock_impl_set_options", "params": {"impl_name": "ssl", "recv_buf_size": 4096,
                "send_buf_size": 4096, "enable_recv_pipe": true, "enable_quickack": false,
                "enable_placement_id": 0, "enable_zerocopy_send_server": true, "enable_zerocopy_send_client": false,
                "zerocopy_threshold": 0, "tls_version": 0, "enable_ktls": false}}]},
            {"subsystem": "vmd", "config": []},
            {"subsystem": "accel", "config": []},
            {"subsystem": "bdev", "config": [
              {"method": "bdev_set_options", "params": {"bdev_io_pool_size": 65535, "bdev_io_cache_size": 256,
                "bdev_auto_examine": true}},
              {"method": "bdev_nvme_set_options", "params": {"action_on_timeout": "none", "timeout_us": 0,
                "timeout_admin_us": 0, "keep_alive_timeout_ms": 10000, "arbitration_burst": 0,
                "low_priority_weight": 0, "medium_priority_weight": 0, "high_priority_weight": 0,
                "nvme_adminq_poll_period_us": 10000, "nvme_ioq_poll_period_us": 0, "io_queue_requests": 0,
                "delay_cmd_submit": true, "transport_retry_count": 4, "bdev_retry_count": 3,
                "transport_ack_timeout": 0, "ctrlr_loss_timeout_sec": 0, "reconnect_delay_sec": 0,
                "fast_io_fail_timeout_sec": 0, "disable_auto_failback": false, "generate_uuids": false}},
              {"method": "bdev_nvme_set_hotplug", "params": {"period_us": 100000, "enable": false}},
              {"method": "bdev_malloc_create", "params": {"name": "Malloc0", "num_blocks": 16384,
                "block_size": 512, "physical_block_size": 512, "uuid": "4b1bcbb2-9f5e-4c1d-8a8e-7d6a0d3f2c11",
                "optimal_io_boundary": 0}},
              {"method": "bdev_malloc_create", "params": {"name": "Malloc1", "num_blocks": 16384,
                "block_size": 512, "physical_block_size": 512, "uuid": "0f3a9e5d-2c47-4b8e-9d61-5a7c3e8b1f20",
                "optimal_io_boundary": 0}},
              {"method": "bdev_wait_for_examine"}]},
            {"subsystem": "scsi", "config": null},
            {"subsystem": "vhost_scsi", "config": [
              {"method": "vhost_create_scsi_controller", "params": {"ctrlr": "vhost.0", "cpumask": "0x1"}},
              {"method": "vhost_scsi_controller_add_target", "params": {"ctrlr": "vhost.0", "scsi_target_num": 0,
                "bdev_name": "Malloc0"}},
              {"method": "vhost_controller_set_coalescing", "params": {"ctrlr": "vhost.0", "delay_base_us": 0,
                "iops_threshold": 60000}}]},
            {"subsystem": "vhost_blk", "config": [
              {"method": "vhost_create_blk_controller", "params": {"ctrlr": "vhost.1", "dev_name": "Malloc1",
                "readonly": false, "packed_ring": false, "cpumask": "0x1", "transport": "vhost_user_blk"}},
              {"method": "vhost_controller_set_coalescing", "params": {"ctrlr": "vhost.1", "delay_base_us": 0,
                "iops_threshold": 60000}}]},
            {"subsystem": "ublk", "config": []},
            {"subsystem": "nbd", "config": []}
          ]
        }
        """;

    @Inject
    private ConfigMethods methods;

    @Inject
    private VhostControllers controllers;

    @Configuration
    public Option[] config() throws Exception {
        return JvhostOptions.feature("jvhost-all", frameworkProperty("jvhost.socket.dir")
                .value(Files.createTempDirectory("jvhost-spdk-it").toString()));
    }

    private Object call(String method, String params) {
        return InFramework.call(methods, method, params);
    }

    private MethodException refused(String method, String params) {
        try {
            call(method, params);
        } catch (MethodException e) {
            return e;
        }
        fail(method + " " + params + " should have been refused");
        return null;
    }

    @Test
    public void aConfigSavedBySpdkLoadsAndComesBackInSpdksShape() {
        methods.apply(Json.parse(SPDK_SAVED_CONFIG));
        assertEquals(List.of("vhost.0", "vhost.1"), controllers.list().stream().map(c -> c.name()).sorted().toList());
        assertTrue(Files.exists(controllers.socketDirectory().resolve("vhost.0")));
        assertTrue(Files.exists(controllers.socketDirectory().resolve("vhost.1")));
        String bdevs = Json.write(call("bdev_get_bdevs", "{\"name\":\"Malloc1\"}"));
        assertTrue(bdevs, bdevs.contains("0f3a9e5d-2c47-4b8e-9d61-5a7c3e8b1f20"));

        // saved again, the blk entry carries what SPDK's carries, so the file also loads into SPDK
        String blk = Json.write(call("framework_get_config", "{\"name\":\"vhost_blk\"}"));
        assertTrue(blk, blk.contains("{\"method\":\"vhost_create_blk_controller\",\"params\":{\"ctrlr\":\"vhost.1\","
                + "\"dev_name\":\"Malloc1\",\"readonly\":false,\"packed_ring\":false,\"cpumask\":\"0x1\","
                + "\"transport\":\"vhost_user_blk\"}}"));
        String scsi = Json.write(call("framework_get_config", "{\"name\":\"vhost_scsi\"}"));
        assertTrue(scsi, scsi.contains("\"ctrlr\":\"vhost.0\",\"cpumask\":\"0x1\""));
    }

    @Test
    public void aTrulyUnknownMethodInAConfigStillFailsWithItsName() {
        MethodException e = null;
        try {
            methods.apply(Json.parse("{\"subsystems\":[{\"subsystem\":\"bdev\",\"config\":["
                    + "{\"method\":\"bdev_set_options\",\"params\":{\"bdev_io_pool_size\":1024}},"
                    + "{\"method\":\"bdev_frobnicate\",\"params\":{}}]}]}"));
        } catch (MethodException ex) {
            e = ex;
        }
        assertTrue("an unknown method must fail the config", e != null);
        assertEquals(MethodException.METHOD_NOT_FOUND, e.code());
        assertTrue(e.getMessage(), e.getMessage().contains("bdev_frobnicate"));
    }

    @Test
    public void rpcPysParamSetsAreAccepted() {
        // exactly what SPDK's rpc.py sends (python/spdk/rpc: bdev.py, vhost.py) for these calls
        call("bdev_null_create", "{\"name\":\"Null0\",\"num_blocks\":2048,\"block_size\":512,"
                + "\"physical_block_size\":4096,\"md_size\":0,\"dif_type\":0,\"dif_is_head_of_md\":false}");
        call("bdev_malloc_create", "{\"num_blocks\":2048,\"block_size\":512,\"name\":\"Malloc9\","
                + "\"physical_block_size\":512,\"md_interleave\":false}");
        assertEquals(true, call("vhost_create_blk_controller", "{\"ctrlr\":\"blk.0\",\"dev_name\":\"Null0\","
                + "\"cpumask\":\"0x1\",\"readonly\":false,\"packed_ring\":false,\"packed_ring_recovery\":false,"
                + "\"transport\":\"vhost_user_blk\"}"));
        assertEquals(true, call("vhost_create_scsi_controller", "{\"ctrlr\":\"scsi.0\",\"delay\":false}"));
        assertEquals(true, call("bdev_wait_for_examine", null));
        assertEquals("startup has finished", true, call("framework_wait_init", null));
        String saved = Json.write(call("framework_get_config", "{\"name\":\"vhost_blk\"}"));
        assertFalse("a key without effect is not saved: " + saved, saved.contains("packed_ring_recovery"));
    }

    @Test
    public void whatJvhostCannotDoIsRefusedSayingWhat() {
        call("bdev_null_create", "{\"name\":\"Null1\",\"num_blocks\":2048,\"block_size\":512}");
        MethodException md = refused("bdev_null_create", "{\"name\":\"Null2\",\"num_blocks\":2048,\"block_size\":512,"
                + "\"md_size\":8,\"dif_type\":1}");
        assertEquals(MethodException.INVALID_PARAMS, md.code());
        assertTrue(md.getMessage(), md.getMessage().contains("md_size 8") && md.getMessage().contains("metadata"));
        MethodException pbs = refused("bdev_malloc_create", "{\"name\":\"M2\",\"num_blocks\":2048,\"block_size\":4096,"
                + "\"physical_block_size\":512}");
        assertTrue(pbs.getMessage(), pbs.getMessage().contains("physical_block_size 512"));
        MethodException transport = refused("vhost_create_blk_controller", "{\"ctrlr\":\"b1\",\"dev_name\":\"Null1\","
                + "\"transport\":\"vfio_user_blk\"}");
        assertEquals(MethodException.INVALID_PARAMS, transport.code());
        assertTrue(transport.getMessage(), transport.getMessage().contains("'vfio_user_blk'"));
        MethodException delay = refused("vhost_create_scsi_controller", "{\"ctrlr\":\"s1\",\"delay\":true}");
        assertTrue(delay.getMessage(), delay.getMessage().contains("delay=true"));
        assertTrue("nothing half-created", controllers.list().isEmpty());
        assertEquals(1, ((List<?>) call("bdev_get_bdevs", null)).size());
        assertTrue(((Map<?, ?>) ((List<?>) call("bdev_get_bdevs", null)).get(0)).get("name").equals("Null1"));
    }
}
