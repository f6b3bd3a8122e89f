package io.jvhost.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import io.jvhost.config.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Every JSON-RPC method the running bundles offer, called as rpc.py calls it: with valid params and
 * with missing ones, wrong types, unknown devices and duplicate names, each answered with SPDK's
 * error code; then many clients calling methods at once. A method without a case here fails the test,
 * so a new method cannot slip in untested.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RpcMethodsIT {
    private static final Path SOCKET = Path.of(System.getProperty("java.io.tmpdir"), "jvhost-rpc-methods-it.sock");
    private static final long OK = 0, INVALID = -32602, NODEV = -19, EXISTS = -17, EBUSY = -16;

    @Configuration
    public Option[] config() {
        return JvhostOptions.feature("jvhost-all", frameworkProperty("jvhost.rpc.socket").value(SOCKET.toString()));
    }

    /** A client of this test's socket. */
    private static final class Client implements AutoCloseable {
        private final RpcTestClient c = new RpcTestClient(SOCKET);

        Map<?, ?> call(String method, String params) throws IOException {
            return c.call(method, params);
        }

        @Override
        public void close() {
            c.close();
        }
    }

    private final Set<String> covered = new TreeSet<>();

    /** Calls and checks: {@code expected} 0 wants a result, otherwise that error code. */
    private Object expect(Client c, String method, String params, long expected) throws IOException {
        covered.add(method);
        Map<?, ?> r = c.call(method, params);
        if (expected == OK) {
            assertTrue(method + " " + params + " -> " + r, r.containsKey("result"));
            return r.get("result");
        }
        assertTrue(method + " " + params + " -> " + r, r.containsKey("error"));
        assertEquals(method + " " + params + " -> " + r, expected, ((Map<?, ?>) r.get("error")).get("code"));
        return null;
    }

    @Test
    public void everyMethodAnswersValidAndInvalidParamsWithSpdkCodes() throws Exception {
        Path image = Files.createTempFile(Path.of("/dev/shm"), "jvhost-rpc-it", ".img");
        Files.write(image, new byte[1 << 20]);
        try (Client c = new Client()) {
            expect(c, "spdk_get_version", null, OK);
            @SuppressWarnings("unchecked")
            List<String> methods = (List<String>) expect(c, "rpc_get_methods", null, OK);
            expect(c, "rpc_get_methods", "[1]", INVALID);

            expect(c, "bdev_malloc_create", "{\"name\":\"M1\",\"num_blocks\":2048,\"block_size\":512}", OK);
            expect(c, "bdev_malloc_create", "{\"name\":\"M1\",\"num_blocks\":2048,\"block_size\":512}", EXISTS);
            expect(c, "bdev_malloc_create", "{\"name\":\"M2\",\"block_size\":512}", INVALID);
            expect(c, "bdev_malloc_create", "{\"name\":\"M2\",\"num_blocks\":2048,\"block_size\":\"big\"}", INVALID);
            expect(c, "bdev_malloc_create", "{\"name\":\"M2\",\"num_blocks\":2048,\"block_size\":1000}", INVALID);
            expect(c, "bdev_malloc_create", "{\"name\":\"M2\",\"num_blocks\":2048,\"block_size\":512,\"x\":1}", INVALID);
            expect(c, "bdev_null_create", "{\"name\":\"N1\",\"num_blocks\":1024,\"block_size\":512}", OK);
            expect(c, "bdev_null_create", "{\"name\":\"N1\",\"num_blocks\":1024,\"block_size\":512}", EXISTS);
            expect(c, "bdev_null_create", "{\"name\":\"N2\",\"block_size\":512}", INVALID);
            expect(c, "bdev_null_create", "{\"name\":7,\"num_blocks\":1024,\"block_size\":512}", INVALID);
            expect(c, "bdev_null_resize", "{\"name\":\"N1\",\"new_size\":2}", OK);
            expect(c, "bdev_null_resize", "{\"name\":\"Nx\",\"new_size\":2}", NODEV);
            expect(c, "bdev_null_resize", "{\"name\":\"N1\"}", INVALID);
            expect(c, "bdev_aio_create", "{\"name\":\"A1\",\"filename\":\"" + image + "\"}", OK);
            expect(c, "bdev_aio_create", "{\"name\":\"A1\",\"filename\":\"" + image + "\"}", EXISTS);
            expect(c, "bdev_aio_create", "{\"name\":\"A2\"}", INVALID);
            expect(c, "bdev_aio_create", "{\"name\":\"A2\",\"filename\":\"" + image + "\",\"block_size\":\"x\"}", INVALID);
            // nvme: no controller bound to vfio-pci on this host, so the refusals (the guest test attaches one)
            expect(c, "bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\"}", INVALID);
            expect(c, "bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"rdma\",\"traddr\":\"0000:00:04.0\"}", INVALID);
            expect(c, "bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"zz\"}", INVALID);
            expect(c, "bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"00:04.0\",\"io_queue_entries\":1}", INVALID);
            // a loss timeout without a reconnect delay, or a delay longer than the timeout
            expect(c, "bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"00:04.0\",\"ctrlr_loss_timeout_sec\":5}", INVALID);
            expect(c, "bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"00:04.0\",\"ctrlr_loss_timeout_sec\":5,\"reconnect_delay_sec\":6}", INVALID);
            expect(c, "bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"00:04.0\",\"ctrlr_loss_timeout_sec\":-2,\"reconnect_delay_sec\":1}", INVALID);
            expect(c, "bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"00ff:7f:1f.7\"}", NODEV);
            expect(c, "bdev_nvme_get_controllers", null, OK);
            expect(c, "bdev_nvme_get_controllers", "{\"name\":\"Nvme9\"}", NODEV);
            expect(c, "bdev_nvme_detach_controller", "{\"name\":\"Nvme9\"}", NODEV);
            expect(c, "bdev_nvme_detach_controller", "{}", INVALID);
            expect(c, "bdev_nvme_reset_controller", "{\"name\":\"Nvme9\"}", NODEV);
            expect(c, "bdev_nvme_reset_controller", "{\"name\":1}", INVALID);
            expect(c, "bdev_aio_rescan", "{\"name\":\"A1\"}", OK);
            expect(c, "bdev_aio_rescan", "{\"name\":\"Ax\"}", NODEV);
            expect(c, "bdev_get_bdevs", null, OK);
            expect(c, "bdev_get_bdevs", "{\"name\":\"M1\"}", OK);
            expect(c, "bdev_get_bdevs", "{\"name\":\"Mx\"}", NODEV);
            expect(c, "bdev_get_bdevs", "{\"name\":5}", INVALID);
            expect(c, "bdev_get_iostat", null, OK);
            expect(c, "bdev_get_iostat", "{\"name\":\"Mx\"}", NODEV);
            Map<?, ?> perChannel = (Map<?, ?>) expect(c, "bdev_get_iostat", "{\"name\":\"M1\",\"per_channel\":true}", OK);
            assertEquals(perChannel.toString(), "M1", perChannel.get("name"));
            assertTrue(perChannel.toString(), perChannel.get("channels") instanceof List);
            expect(c, "bdev_get_iostat", "{\"per_channel\":true}", INVALID); // SPDK: per channel needs a name
            Map<?, ?> reactors = (Map<?, ?>) expect(c, "framework_get_reactors", null, OK);
            assertTrue(reactors.toString(), ((List<?>) reactors.get("reactors")).size() >= 1);
            expect(c, "framework_get_reactors", "{\"x\":1}", INVALID);
            Map<?, ?> threads = (Map<?, ?>) expect(c, "thread_get_stats", null, OK);
            assertTrue(threads.toString(), ((List<?>) threads.get("threads")).size() >= 1);
            expect(c, "thread_get_stats", "{\"x\":1}", INVALID);
            // the signal itself would end this test's JVM: ToolsIT's Python client sends SIGTERM to a jvhost process
            expect(c, "spdk_kill_instance", "{\"sig_name\":\"SIGWHAT\"}", INVALID);
            expect(c, "spdk_kill_instance", "{}", INVALID);
            // logging: levels and flags as SPDK names them, unknown ones refused
            assertEquals("WARNING", expect(c, "log_get_level", null, OK));
            expect(c, "log_set_level", "{\"level\":\"INFO\"}", OK);
            assertEquals("INFO", expect(c, "log_get_level", null, OK));
            expect(c, "log_set_level", "{\"level\":\"WARNING\"}", OK);
            expect(c, "log_set_level", "{\"level\":\"LOUD\"}", INVALID);
            expect(c, "log_set_level", "{}", INVALID);
            expect(c, "log_set_print_level", "{\"level\":\"notice\"}", OK);
            assertEquals("NOTICE", expect(c, "log_get_print_level", null, OK));
            expect(c, "log_set_print_level", "{\"level\":\"WARNING\"}", OK);
            expect(c, "log_set_print_level", "{\"level\":7}", INVALID);
            expect(c, "log_set_flag", "{\"flag\":\"vhost_scsi\"}", OK);
            assertEquals(true, ((Map<?, ?>) expect(c, "log_get_flags", null, OK)).get("vhost_scsi"));
            expect(c, "log_clear_flag", "{\"flag\":\"all\"}", OK);
            assertEquals(false, ((Map<?, ?>) expect(c, "log_get_flags", null, OK)).get("vhost_scsi"));
            expect(c, "log_set_flag", "{\"flag\":\"nonsense\"}", INVALID);
            expect(c, "log_clear_flag", "{}", INVALID);
            expect(c, "log_get_flags", "{\"x\":1}", INVALID);
            expect(c, "log_get_print_level", "{\"x\":1}", INVALID);

            expect(c, "vhost_create_blk_controller", "{\"ctrlr\":\"b1\",\"dev_name\":\"M1\"}", OK);
            expect(c, "vhost_create_blk_controller", "{\"ctrlr\":\"b1\",\"dev_name\":\"M1\"}", EXISTS);
            expect(c, "vhost_create_blk_controller", "{\"ctrlr\":\"b2\",\"dev_name\":\"Mx\"}", NODEV);
            expect(c, "vhost_create_blk_controller", "{\"ctrlr\":\"b2\"}", INVALID);
            expect(c, "vhost_create_blk_controller", "{\"ctrlr\":\"b2\",\"dev_name\":\"M1\",\"cpumask\":\"0xZ\"}",
                    INVALID);
            expect(c, "vhost_create_blk_controller", "{\"ctrlr\":\"b2\",\"dev_name\":\"M1\",\"readonly\":\"yes\"}",
                    INVALID);
            expect(c, "vhost_create_scsi_controller", "{\"ctrlr\":\"s1\"}", OK);
            expect(c, "vhost_create_scsi_controller", "{\"ctrlr\":\"s1\"}", EXISTS);
            expect(c, "vhost_create_scsi_controller", "{}", INVALID);
            expect(c, "vhost_create_scsi_controller", "{\"ctrlr\":\"s2\",\"num_queues\":\"x\"}", INVALID);
            assertEquals(0L, expect(c, "vhost_scsi_controller_add_target",
                    "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"bdev_name\":\"M1\"}", OK));
            assertEquals(1L, expect(c, "vhost_scsi_controller_add_target",
                    "{\"ctrlr\":\"s1\",\"scsi_target_num\":-1,\"bdev_name\":\"A1\"}", OK));
            expect(c, "vhost_scsi_controller_add_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"bdev_name\":\"N1\"}",
                    EXISTS);
            expect(c, "vhost_scsi_controller_add_target", "{\"ctrlr\":\"sx\",\"scsi_target_num\":2,\"bdev_name\":\"N1\"}",
                    NODEV);
            expect(c, "vhost_scsi_controller_add_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":2,\"bdev_name\":\"Nx\"}",
                    NODEV);
            expect(c, "vhost_scsi_controller_add_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":9,\"bdev_name\":\"N1\"}",
                    INVALID);
            expect(c, "vhost_scsi_controller_add_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":2}", INVALID);
            expect(c, "vhost_scsi_controller_add_lun",
                    "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"lun\":1,\"bdev_name\":\"N1\"}", OK);
            expect(c, "vhost_scsi_controller_add_lun",
                    "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"lun\":1,\"bdev_name\":\"N1\"}", EXISTS);
            expect(c, "vhost_scsi_controller_add_lun",
                    "{\"ctrlr\":\"s1\",\"scsi_target_num\":5,\"lun\":1,\"bdev_name\":\"N1\"}", NODEV);
            expect(c, "vhost_scsi_controller_add_lun", "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"bdev_name\":\"N1\"}",
                    INVALID);
            expect(c, "vhost_scsi_controller_remove_lun", "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"lun\":1}", OK);
            expect(c, "vhost_scsi_controller_remove_lun", "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"lun\":1}", NODEV);
            expect(c, "vhost_scsi_controller_remove_lun", "{\"ctrlr\":\"s1\",\"lun\":\"one\"}", INVALID);
            expect(c, "vhost_scsi_controller_remove_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":1}", OK);
            expect(c, "vhost_scsi_controller_remove_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":1}", NODEV);
            expect(c, "vhost_scsi_controller_remove_target", "{\"ctrlr\":\"s1\"}", INVALID);
            expect(c, "vhost_create_nvme_controller", "{\"ctrlr\":\"n1\",\"io_queues\":4}", OK);
            expect(c, "vhost_create_nvme_controller", "{\"ctrlr\":\"n1\",\"io_queues\":4}", EXISTS);
            expect(c, "vhost_create_nvme_controller", "{\"ctrlr\":\"n2\"}", INVALID);
            expect(c, "vhost_create_nvme_controller", "{\"ctrlr\":\"n2\",\"io_queues\":0}", INVALID);
            assertEquals(1L, expect(c, "vhost_nvme_controller_add_ns", "{\"ctrlr\":\"n1\",\"bdev_name\":\"M1\"}", OK));
            expect(c, "vhost_nvme_controller_add_ns", "{\"ctrlr\":\"nx\",\"bdev_name\":\"M1\"}", NODEV);
            expect(c, "vhost_nvme_controller_add_ns", "{\"ctrlr\":\"n1\",\"bdev_name\":\"Mx\"}", NODEV);
            expect(c, "vhost_nvme_controller_add_ns", "{\"ctrlr\":\"n1\"}", INVALID);
            expect(c, "vhost_controller_set_coalescing", "{\"ctrlr\":\"b1\",\"delay_base_us\":10,\"iops_threshold\":1000}",
                    OK);
            expect(c, "vhost_controller_set_coalescing", "{\"ctrlr\":\"bx\",\"delay_base_us\":10,\"iops_threshold\":1}",
                    NODEV);
            expect(c, "vhost_controller_set_coalescing", "{\"ctrlr\":\"b1\",\"delay_base_us\":10}", INVALID);
            expect(c, "vhost_controller_set_coalescing", "{\"ctrlr\":\"b1\",\"delay_base_us\":-1,\"iops_threshold\":1}",
                    INVALID);
            expect(c, "vhost_get_controllers", null, OK);
            expect(c, "vhost_get_controllers", "{\"name\":\"s1\"}", OK);
            expect(c, "vhost_get_controllers", "{\"name\":\"sx\"}", NODEV);
            expect(c, "vhost_get_controllers", "{\"name\":[]}", INVALID);

            // virtual bdevs, three deep: error on delay on split, and a passthru beside them
            expect(c, "bdev_malloc_create", "{\"name\":\"M3\",\"num_blocks\":8192,\"block_size\":512}", OK);
            assertEquals(List.of("M3p0", "M3p1"), expect(c, "bdev_split_create", "{\"base_bdev\":\"M3\",\"split_count\":2}", OK));
            expect(c, "bdev_split_create", "{\"base_bdev\":\"M3\",\"split_count\":2}", EXISTS);
            expect(c, "bdev_split_create", "{\"base_bdev\":\"Mx\",\"split_count\":2}", NODEV);
            expect(c, "bdev_split_create", "{\"base_bdev\":\"N1\",\"split_count\":3}", INVALID); // 2048 blocks
            expect(c, "bdev_split_create", "{\"base_bdev\":\"N1\"}", INVALID);
            expect(c, "bdev_passthru_create", "{\"base_bdev_name\":\"M1\",\"name\":\"PTx\"}", EBUSY); // b1 exports M1
            expect(c, "bdev_passthru_create", "{\"base_bdev_name\":\"M3p1\",\"name\":\"PT1\"}", OK);
            expect(c, "bdev_passthru_create", "{\"base_bdev_name\":\"M3p1\",\"name\":\"PT2\"}", EBUSY);
            expect(c, "bdev_passthru_create", "{\"name\":\"PT2\"}", INVALID);
            expect(c, "vhost_create_blk_controller", "{\"ctrlr\":\"b3\",\"dev_name\":\"M3p1\"}", EBUSY);
            String delay = "{\"base_bdev_name\":\"M3p0\",\"name\":\"D1\",\"avg_read_latency\":10,"
                    + "\"p99_read_latency\":100,\"avg_write_latency\":10,\"p99_write_latency\":%d}";
            expect(c, "bdev_delay_create", String.format(delay, 5), INVALID); // p99 below the average
            expect(c, "bdev_delay_create", String.format(delay, 100), OK);
            expect(c, "bdev_delay_update_latency", "{\"delay_bdev_name\":\"D1\",\"latency_type\":\"avg_read\",\"latency_us\":20}", OK);
            expect(c, "bdev_delay_update_latency", "{\"delay_bdev_name\":\"Dx\",\"latency_type\":\"avg_read\",\"latency_us\":20}", NODEV);
            expect(c, "bdev_delay_update_latency", "{\"delay_bdev_name\":\"D1\",\"latency_type\":\"avg\",\"latency_us\":20}", INVALID);
            assertEquals("EE_D1", expect(c, "bdev_error_create", "{\"base_name\":\"D1\"}", OK));
            expect(c, "bdev_error_create", "{\"base_name\":\"D1\"}", EBUSY);
            expect(c, "bdev_error_create", "{}", INVALID);
            expect(c, "bdev_error_inject_error", "{\"name\":\"EE_D1\",\"io_type\":\"read\",\"error_type\":\"failure\",\"num\":1}", OK);
            expect(c, "bdev_error_inject_error", "{\"name\":\"EE_x\",\"io_type\":\"read\",\"error_type\":\"failure\"}", NODEV);
            expect(c, "bdev_error_inject_error", "{\"name\":\"EE_D1\",\"io_type\":\"compare\",\"error_type\":\"failure\"}", INVALID);
            List<?> d1 = (List<?>) expect(c, "bdev_get_bdevs", "{\"name\":\"D1\"}", OK);
            Map<?, ?> d1Delay = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) d1.get(0)).get("driver_specific")).get("delay");
            assertEquals(d1.toString(), 20L, d1Delay.get("avg_read_latency"));
            assertEquals(d1.toString(), "M3p0", d1Delay.get("base_bdev_name"));
            String stacked = Json.write(expect(c, "save_config", null, OK));
            int malloc = stacked.indexOf("\"name\":\"M3\"");
            int split = stacked.indexOf("bdev_split_create");
            int delayAt = stacked.indexOf("bdev_delay_create");
            int error = stacked.indexOf("bdev_error_create");
            assertTrue(stacked, malloc > 0 && malloc < split && split < delayAt && delayAt < error
                    && split < stacked.indexOf("bdev_passthru_create"));
            assertEquals(stacked, split, stacked.lastIndexOf("bdev_split_create")); // one call makes both parts
            expect(c, "bdev_error_delete", "{\"name\":\"EE_D1\"}", OK);
            expect(c, "bdev_error_delete", "{\"name\":\"EE_D1\"}", NODEV);
            expect(c, "bdev_delay_delete", "{\"name\":\"D1\"}", OK);
            expect(c, "bdev_delay_delete", "{}", INVALID);
            expect(c, "bdev_passthru_delete", "{\"name\":\"PT1\"}", OK);
            expect(c, "bdev_passthru_delete", "{\"name\":\"PT1\"}", NODEV);
            expect(c, "bdev_split_delete", "{\"base_bdev\":\"M3\"}", OK);
            expect(c, "bdev_split_delete", "{\"base_bdev\":\"M3\"}", NODEV);
            // load_config's half: replaying the saved virtual bdev calls in their order rebuilds the stack
            for (Object sub : (List<?>) ((Map<?, ?>) Json.parse(stacked)).get("subsystems")) {
                if ("bdev".equals(((Map<?, ?>) sub).get("subsystem"))) {
                    for (Object call : (List<?>) ((Map<?, ?>) sub).get("config")) {
                        String m = (String) ((Map<?, ?>) call).get("method");
                        if (List.of("bdev_split_create", "bdev_delay_create", "bdev_error_create", "bdev_passthru_create")
                                .contains(m)) {
                            expect(c, m, Json.write(((Map<?, ?>) call).get("params")), OK);
                        }
                    }
                }
            }
            assertEquals(20L, ((Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) ((List<?>) expect(c, "bdev_get_bdevs",
                    "{\"name\":\"D1\"}", OK)).get(0)).get("driver_specific")).get("delay")).get("avg_read_latency"));
            expect(c, "bdev_get_bdevs", "{\"name\":\"EE_D1\"}", OK);
            // deleting the base hot-removes everything stacked on it
            expect(c, "bdev_malloc_delete", "{\"name\":\"M3\"}", OK);
            for (String gone : List.of("M3p0", "M3p1", "D1", "EE_D1", "PT1")) {
                expect(c, "bdev_get_bdevs", "{\"name\":\"" + gone + "\"}", NODEV);
            }

            expect(c, "framework_get_subsystems", null, OK);
            expect(c, "framework_get_config", "{\"name\":\"vhost_scsi\"}", OK);
            expect(c, "framework_get_config", "{\"name\":\"nope\"}", INVALID); // SPDK: "Subsystem not found" is invalid params
            expect(c, "framework_get_config", "{}", INVALID);
            String saved = Json.writePretty(expect(c, "save_config", null, OK));
            assertTrue(saved, saved.contains("vhost_controller_set_coalescing") && saved.contains("bdev_aio_create"));
            expect(c, "save_config", "{\"x\":1}", INVALID);

            expect(c, "vhost_delete_controller", "{\"ctrlr\":\"b1\"}", OK);
            expect(c, "vhost_delete_controller", "{\"ctrlr\":\"s1\"}", OK);
            expect(c, "vhost_delete_controller", "{\"ctrlr\":\"n1\"}", OK);
            expect(c, "vhost_delete_controller", "{\"ctrlr\":\"s1\"}", NODEV);
            expect(c, "vhost_delete_controller", "{}", INVALID);
            expect(c, "bdev_malloc_delete", "{\"name\":\"M1\"}", OK);
            expect(c, "bdev_malloc_delete", "{\"name\":\"M1\"}", NODEV);
            expect(c, "bdev_malloc_delete", "{}", INVALID);
            expect(c, "bdev_null_delete", "{\"name\":\"N1\"}", OK);
            expect(c, "bdev_null_delete", "{\"name\":\"N1\"}", NODEV);
            expect(c, "bdev_aio_delete", "{\"name\":\"A1\"}", OK);
            expect(c, "bdev_aio_delete", "{\"name\":\"A1\"}", NODEV);
            // SPDK's tuning methods for parts jvhost has none of: accepted with any params, a non-object refused
            for (String m : List.of("iobuf_set_options", "sock_impl_set_options", "sock_set_default_impl",
                    "accel_set_options", "vmd_enable", "bdev_set_options", "bdev_nvme_set_options",
                    "bdev_nvme_set_hotplug")) {
                expect(c, m, "{\"bdev_io_pool_size\":65535,\"impl_name\":\"posix\"}", OK);
                expect(c, m, "[1]", INVALID);
            }
            expect(c, "bdev_wait_for_examine", null, OK);
            expect(c, "framework_wait_init", null, OK);
            expect(c, "framework_wait_init", "{\"x\":1}", INVALID);
            // started without --wait-for-rpc: subsystems are initialized, so SPDK's invalid-state error
            expect(c, "framework_start_init", null, -1);
            expect(c, "framework_start_init", "{\"x\":1}", INVALID);
            expect(c, "bdev_wait_for_examine", "{\"x\":1}", INVALID);

            Set<String> untested = new TreeSet<>(methods);
            untested.removeAll(covered);
            assertTrue("methods without a case here: " + untested, untested.isEmpty());
        } finally {
            Files.deleteIfExists(image);
        }
    }

    @Test
    public void manyClientsCallingAtOnceEachGetTheirOwnAnswers() throws Exception {
        int clients = 8;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < clients; t++) {
                int me = t;
                done.add(pool.submit(() -> {
                    int calls = 0;
                    try (Client c = new Client()) {
                        for (int i = 0; i < 40; i++) {
                            String name = "C" + me + "x" + i;
                            expect(c, "bdev_null_create", "{\"name\":\"" + name + "\",\"num_blocks\":64,\"block_size\":512}",
                                    OK);
                            expect(c, "bdev_get_bdevs", "{\"name\":\"" + name + "\"}", OK);
                            expect(c, "vhost_get_controllers", null, OK);
                            expect(c, "bdev_null_delete", "{\"name\":\"" + name + "\"}", OK);
                            calls += 4;
                        }
                    }
                    return calls;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get(120, TimeUnit.SECONDS);
            }
            assertEquals(clients * 160, total);
        } finally {
            pool.shutdownNow();
        }
    }
}
