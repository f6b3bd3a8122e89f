package io.jvhost.itests;

import static io.jvhost.itests.RpcCases.EXISTS;
import static io.jvhost.itests.RpcCases.INVALID;
import static io.jvhost.itests.RpcCases.NODEV;
import static io.jvhost.itests.RpcCases.OK;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import io.jvhost.config.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
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
 * error code; then many clients calling methods at once. A method without a case here (or, for the
 * virtual bdev modules, in {@link VirtualBdevRpcIT}) fails the test, so a new method cannot slip in untested.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RpcMethodsIT {
    private static final Path SOCKET = Path.of(System.getProperty("java.io.tmpdir"), "jvhost-rpc-methods-it.sock");
    
    @Configuration
    public Option[] config() {
        return JvhostOptions.feature("jvhost-all", frameworkProperty("jvhost.rpc.socket").value(SOCKET.toString()));
    }

    /** Methods with a case here; those of the virtual bdev modules have theirs in {@link VirtualBdevRpcIT}. */
    private final Set<String> covered = new TreeSet<>();

    @Test
    public void everyMethodAnswersValidAndInvalidParamsWithSpdkCodes() throws Exception {
        Path image = Files.createTempFile(Path.of("/dev/shm"), "jvhost-rpc-it", ".img");
        Files.write(image, new byte[1 << 20]);
        try (RpcCases c = new RpcCases(SOCKET, covered)) {
            c.expect("spdk_get_version", null, OK);
            @SuppressWarnings("unchecked")
            List<String> methods = (List<String>) c.expect("rpc_get_methods", null, OK);
            c.expect("rpc_get_methods", "[1]", INVALID);

            c.expect("bdev_malloc_create", "{\"name\":\"M1\",\"num_blocks\":2048,\"block_size\":512}", OK);
            c.expect("bdev_malloc_create", "{\"name\":\"M1\",\"num_blocks\":2048,\"block_size\":512}", EXISTS);
            c.expect("bdev_malloc_create", "{\"name\":\"M2\",\"block_size\":512}", INVALID);
            c.expect("bdev_malloc_create", "{\"name\":\"M2\",\"num_blocks\":2048,\"block_size\":\"big\"}", INVALID);
            c.expect("bdev_malloc_create", "{\"name\":\"M2\",\"num_blocks\":2048,\"block_size\":1000}", INVALID);
            c.expect("bdev_malloc_create", "{\"name\":\"M2\",\"num_blocks\":2048,\"block_size\":512,\"x\":1}", INVALID);
            c.expect("bdev_null_create", "{\"name\":\"N1\",\"num_blocks\":1024,\"block_size\":512}", OK);
            c.expect("bdev_null_create", "{\"name\":\"N1\",\"num_blocks\":1024,\"block_size\":512}", EXISTS);
            c.expect("bdev_null_create", "{\"name\":\"N2\",\"block_size\":512}", INVALID);
            c.expect("bdev_null_create", "{\"name\":7,\"num_blocks\":1024,\"block_size\":512}", INVALID);
            c.expect("bdev_null_resize", "{\"name\":\"N1\",\"new_size\":2}", OK);
            c.expect("bdev_null_resize", "{\"name\":\"Nx\",\"new_size\":2}", NODEV);
            c.expect("bdev_null_resize", "{\"name\":\"N1\"}", INVALID);
            c.expect("bdev_aio_create", "{\"name\":\"A1\",\"filename\":\"" + image + "\"}", OK);
            c.expect("bdev_aio_create", "{\"name\":\"A1\",\"filename\":\"" + image + "\"}", EXISTS);
            c.expect("bdev_aio_create", "{\"name\":\"A2\"}", INVALID);
            c.expect("bdev_aio_create", "{\"name\":\"A2\",\"filename\":\"" + image + "\",\"block_size\":\"x\"}", INVALID);
            // nvme: no controller bound to vfio-pci on this host, so the refusals (the guest test attaches one)
            c.expect("bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\"}", INVALID);
            c.expect("bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"rdma\",\"traddr\":\"0000:00:04.0\"}", INVALID);
            c.expect("bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"zz\"}", INVALID);
            c.expect("bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"00:04.0\",\"io_queue_entries\":1}", INVALID);
            // a loss timeout without a reconnect delay, or a delay longer than the timeout
            c.expect("bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"00:04.0\",\"ctrlr_loss_timeout_sec\":5}", INVALID);
            c.expect("bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"00:04.0\",\"ctrlr_loss_timeout_sec\":5,\"reconnect_delay_sec\":6}", INVALID);
            c.expect("bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"00:04.0\",\"ctrlr_loss_timeout_sec\":-2,\"reconnect_delay_sec\":1}", INVALID);
            c.expect("bdev_nvme_attach_controller", "{\"name\":\"Nvme9\",\"trtype\":\"pcie\",\"traddr\":\"00ff:7f:1f.7\"}", NODEV);
            c.expect("bdev_nvme_get_controllers", null, OK);
            c.expect("bdev_nvme_get_controllers", "{\"name\":\"Nvme9\"}", NODEV);
            c.expect("bdev_nvme_detach_controller", "{\"name\":\"Nvme9\"}", NODEV);
            c.expect("bdev_nvme_detach_controller", "{}", INVALID);
            c.expect("bdev_nvme_reset_controller", "{\"name\":\"Nvme9\"}", NODEV);
            c.expect("bdev_nvme_reset_controller", "{\"name\":1}", INVALID);
            c.expect("bdev_aio_rescan", "{\"name\":\"A1\"}", OK);
            c.expect("bdev_aio_rescan", "{\"name\":\"Ax\"}", NODEV);
            c.expect("bdev_get_bdevs", null, OK);
            c.expect("bdev_get_bdevs", "{\"name\":\"M1\"}", OK);
            c.expect("bdev_get_bdevs", "{\"name\":\"Mx\"}", NODEV);
            c.expect("bdev_get_bdevs", "{\"name\":5}", INVALID);
            c.expect("bdev_get_iostat", null, OK);
            c.expect("bdev_get_iostat", "{\"name\":\"Mx\"}", NODEV);
            Map<?, ?> perChannel = (Map<?, ?>) c.expect("bdev_get_iostat", "{\"name\":\"M1\",\"per_channel\":true}", OK);
            assertEquals(perChannel.toString(), "M1", perChannel.get("name"));
            assertTrue(perChannel.toString(), perChannel.get("channels") instanceof List);
            c.expect("bdev_get_iostat", "{\"per_channel\":true}", INVALID); // SPDK: per channel needs a name
            c.expect("bdev_set_qos_limit", "{\"name\":\"M1\",\"rw_ios_per_sec\":20000}", OK);
            c.expect("bdev_set_qos_limit", "{\"name\":\"M1\",\"rw_ios_per_sec\":0}", OK);
            c.expect("bdev_set_qos_limit", "{\"name\":\"Mx\",\"rw_ios_per_sec\":1000}", NODEV);
            c.expect("bdev_set_qos_limit", "{\"name\":\"M1\"}", INVALID); // at least one limit
            c.expect("bdev_set_qos_limit", "{\"name\":\"M1\",\"r_mbytes_per_sec\":-1}", INVALID);
            c.expect("bdev_set_qos_limit", "{\"name\":\"M1\",\"rw_ios_per_sec\":1,\"x\":1}", INVALID);
            Map<?, ?> reactors = (Map<?, ?>) c.expect("framework_get_reactors", null, OK);
            assertTrue(reactors.toString(), ((List<?>) reactors.get("reactors")).size() >= 1);
            c.expect("framework_get_reactors", "{\"x\":1}", INVALID);
            Map<?, ?> threads = (Map<?, ?>) c.expect("thread_get_stats", null, OK);
            assertTrue(threads.toString(), ((List<?>) threads.get("threads")).size() >= 1);
            c.expect("thread_get_stats", "{\"x\":1}", INVALID);
            Map<?, ?> pollers = (Map<?, ?>) c.expect("thread_get_pollers", null, OK);
            Map<?, ?> firstThread = (Map<?, ?>) ((List<?>) pollers.get("threads")).get(0);
            assertTrue(pollers.toString(), firstThread.get("active_pollers") instanceof List<?>);
            c.expect("thread_get_pollers", "{\"x\":1}", INVALID);
            // the signal itself would end this test's JVM: ToolsIT's Python client sends SIGTERM to a jvhost process
            c.expect("spdk_kill_instance", "{\"sig_name\":\"SIGWHAT\"}", INVALID);
            c.expect("spdk_kill_instance", "{}", INVALID);
            // logging: levels and flags as SPDK names them, unknown ones refused
            assertEquals("WARNING", c.expect("log_get_level", null, OK));
            c.expect("log_set_level", "{\"level\":\"INFO\"}", OK);
            assertEquals("INFO", c.expect("log_get_level", null, OK));
            c.expect("log_set_level", "{\"level\":\"WARNING\"}", OK);
            c.expect("log_set_level", "{\"level\":\"LOUD\"}", INVALID);
            c.expect("log_set_level", "{}", INVALID);
            c.expect("log_set_print_level", "{\"level\":\"notice\"}", OK);
            assertEquals("NOTICE", c.expect("log_get_print_level", null, OK));
            c.expect("log_set_print_level", "{\"level\":\"WARNING\"}", OK);
            c.expect("log_set_print_level", "{\"level\":7}", INVALID);
            c.expect("log_set_flag", "{\"flag\":\"vhost_scsi\"}", OK);
            assertEquals(true, ((Map<?, ?>) c.expect("log_get_flags", null, OK)).get("vhost_scsi"));
            c.expect("log_clear_flag", "{\"flag\":\"all\"}", OK);
            assertEquals(false, ((Map<?, ?>) c.expect("log_get_flags", null, OK)).get("vhost_scsi"));
            c.expect("log_set_flag", "{\"flag\":\"nonsense\"}", INVALID);
            c.expect("log_clear_flag", "{}", INVALID);
            c.expect("log_get_flags", "{\"x\":1}", INVALID);
            c.expect("log_get_print_level", "{\"x\":1}", INVALID);

            c.expect("vhost_create_blk_controller", "{\"ctrlr\":\"b1\",\"dev_name\":\"M1\"}", OK);
            c.expect("vhost_create_blk_controller", "{\"ctrlr\":\"b1\",\"dev_name\":\"M1\"}", EXISTS);
            c.expect("vhost_create_blk_controller", "{\"ctrlr\":\"b2\",\"dev_name\":\"Mx\"}", NODEV);
            c.expect("vhost_create_blk_controller", "{\"ctrlr\":\"b2\"}", INVALID);
            c.expect("vhost_create_blk_controller", "{\"ctrlr\":\"b2\",\"dev_name\":\"M1\",\"cpumask\":\"0xZ\"}",
                    INVALID);
            c.expect("vhost_create_blk_controller", "{\"ctrlr\":\"b2\",\"dev_name\":\"M1\",\"readonly\":\"yes\"}",
                    INVALID);
            c.expect("vhost_create_scsi_controller", "{\"ctrlr\":\"s1\"}", OK);
            c.expect("vhost_create_scsi_controller", "{\"ctrlr\":\"s1\"}", EXISTS);
            c.expect("vhost_create_scsi_controller", "{}", INVALID);
            c.expect("vhost_create_scsi_controller", "{\"ctrlr\":\"s2\",\"num_queues\":\"x\"}", INVALID);
            assertEquals(0L, c.expect("vhost_scsi_controller_add_target",
                    "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"bdev_name\":\"M1\"}", OK));
            assertEquals(1L, c.expect("vhost_scsi_controller_add_target",
                    "{\"ctrlr\":\"s1\",\"scsi_target_num\":-1,\"bdev_name\":\"A1\"}", OK));
            c.expect("vhost_scsi_controller_add_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"bdev_name\":\"N1\"}",
                    EXISTS);
            c.expect("vhost_scsi_controller_add_target", "{\"ctrlr\":\"sx\",\"scsi_target_num\":2,\"bdev_name\":\"N1\"}",
                    NODEV);
            c.expect("vhost_scsi_controller_add_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":2,\"bdev_name\":\"Nx\"}",
                    NODEV);
            c.expect("vhost_scsi_controller_add_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":9,\"bdev_name\":\"N1\"}",
                    INVALID);
            c.expect("vhost_scsi_controller_add_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":2}", INVALID);
            c.expect("vhost_scsi_controller_add_lun",
                    "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"lun\":1,\"bdev_name\":\"N1\"}", OK);
            c.expect("vhost_scsi_controller_add_lun",
                    "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"lun\":1,\"bdev_name\":\"N1\"}", EXISTS);
            c.expect("vhost_scsi_controller_add_lun",
                    "{\"ctrlr\":\"s1\",\"scsi_target_num\":5,\"lun\":1,\"bdev_name\":\"N1\"}", NODEV);
            c.expect("vhost_scsi_controller_add_lun", "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"bdev_name\":\"N1\"}",
                    INVALID);
            c.expect("vhost_scsi_controller_remove_lun", "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"lun\":1}", OK);
            c.expect("vhost_scsi_controller_remove_lun", "{\"ctrlr\":\"s1\",\"scsi_target_num\":0,\"lun\":1}", NODEV);
            c.expect("vhost_scsi_controller_remove_lun", "{\"ctrlr\":\"s1\",\"lun\":\"one\"}", INVALID);
            c.expect("vhost_scsi_controller_remove_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":1}", OK);
            c.expect("vhost_scsi_controller_remove_target", "{\"ctrlr\":\"s1\",\"scsi_target_num\":1}", NODEV);
            c.expect("vhost_scsi_controller_remove_target", "{\"ctrlr\":\"s1\"}", INVALID);
            c.expect("vhost_create_nvme_controller", "{\"ctrlr\":\"n1\",\"io_queues\":4}", OK);
            c.expect("vhost_create_nvme_controller", "{\"ctrlr\":\"n1\",\"io_queues\":4}", EXISTS);
            c.expect("vhost_create_nvme_controller", "{\"ctrlr\":\"n2\"}", INVALID);
            c.expect("vhost_create_nvme_controller", "{\"ctrlr\":\"n2\",\"io_queues\":0}", INVALID);
            assertEquals(1L, c.expect("vhost_nvme_controller_add_ns", "{\"ctrlr\":\"n1\",\"bdev_name\":\"M1\"}", OK));
            c.expect("vhost_nvme_controller_add_ns", "{\"ctrlr\":\"nx\",\"bdev_name\":\"M1\"}", NODEV);
            c.expect("vhost_nvme_controller_add_ns", "{\"ctrlr\":\"n1\",\"bdev_name\":\"Mx\"}", NODEV);
            c.expect("vhost_nvme_controller_add_ns", "{\"ctrlr\":\"n1\"}", INVALID);
            c.expect("vhost_controller_set_coalescing", "{\"ctrlr\":\"b1\",\"delay_base_us\":10,\"iops_threshold\":1000}",
                    OK);
            c.expect("vhost_controller_set_coalescing", "{\"ctrlr\":\"bx\",\"delay_base_us\":10,\"iops_threshold\":1}",
                    NODEV);
            c.expect("vhost_controller_set_coalescing", "{\"ctrlr\":\"b1\",\"delay_base_us\":10}", INVALID);
            c.expect("vhost_controller_set_coalescing", "{\"ctrlr\":\"b1\",\"delay_base_us\":-1,\"iops_threshold\":1}",
                    INVALID);
            c.expect("vhost_get_controllers", null, OK);
            c.expect("vhost_get_controllers", "{\"name\":\"s1\"}", OK);
            c.expect("vhost_get_controllers", "{\"name\":\"sx\"}", NODEV);
            c.expect("vhost_get_controllers", "{\"name\":[]}", INVALID);

            c.expect("framework_get_subsystems", null, OK);
            c.expect("framework_get_config", "{\"name\":\"vhost_scsi\"}", OK);
            c.expect("framework_get_config", "{\"name\":\"nope\"}", INVALID); // SPDK: "Subsystem not found" is invalid params
            c.expect("framework_get_config", "{}", INVALID);
            String saved = Json.writePretty(c.expect("save_config", null, OK));
            assertTrue(saved, saved.contains("vhost_controller_set_coalescing") && saved.contains("bdev_aio_create"));
            c.expect("save_config", "{\"x\":1}", INVALID);

            c.expect("vhost_delete_controller", "{\"ctrlr\":\"b1\"}", OK);
            c.expect("vhost_delete_controller", "{\"ctrlr\":\"s1\"}", OK);
            c.expect("vhost_delete_controller", "{\"ctrlr\":\"n1\"}", OK);
            c.expect("vhost_delete_controller", "{\"ctrlr\":\"s1\"}", NODEV);
            c.expect("vhost_delete_controller", "{}", INVALID);
            c.expect("bdev_malloc_delete", "{\"name\":\"M1\"}", OK);
            c.expect("bdev_malloc_delete", "{\"name\":\"M1\"}", NODEV);
            c.expect("bdev_malloc_delete", "{}", INVALID);
            c.expect("bdev_null_delete", "{\"name\":\"N1\"}", OK);
            c.expect("bdev_null_delete", "{\"name\":\"N1\"}", NODEV);
            c.expect("bdev_aio_delete", "{\"name\":\"A1\"}", OK);
            c.expect("bdev_aio_delete", "{\"name\":\"A1\"}", NODEV);
            // SPDK's tuning methods for parts jvhost has none of: accepted with any params, a non-object refused
            for (String m : List.of("iobuf_set_options", "sock_impl_set_options", "sock_set_default_impl",
                    "accel_set_options", "vmd_enable", "bdev_set_options", "bdev_nvme_set_options",
                    "bdev_nvme_set_hotplug")) {
                c.expect(m, "{\"bdev_io_pool_size\":65535,\"impl_name\":\"posix\"}", OK);
                c.expect(m, "[1]", INVALID);
            }
            // hot swap from a script: the null module updated from its jar, its methods back after the refresh
            Path nullJar;
            try (var jars = Files.list(Path.of(System.getProperty("jvhost.home", ".."), "bundles/jvhost-bdev-null/target"))) {
                nullJar = jars.filter(j -> j.getFileName().toString().matches("jvhost-bdev-null-[0-9].*[0-9T].jar"))
                        .findFirst().orElseThrow();
            }
            Map<?, ?> updated = (Map<?, ?>) c.expect("framework_update_bundle", "{\"name\":\"io.jvhost.bdev.null\","
                    + "\"path\":\"" + nullJar.toAbsolutePath() + "\"}", OK);
            assertEquals(updated.toString(), "active", updated.get("state"));
            c.expect("bdev_null_create", "{\"name\":\"N3\",\"num_blocks\":1024,\"block_size\":512}", OK);
            c.expect("bdev_null_delete", "{\"name\":\"N3\"}", OK);
            c.expect("framework_update_bundle", "{\"name\":\"io.jvhost.bdev.null\",\"path\":\"/nonexistent.jar\"}",
                    INVALID);
            c.expect("framework_update_bundle", "{\"name\":\"io.jvhost.rpc\"}", INVALID);
            c.expect("framework_update_bundle", "{\"name\":\"io.jvhost.nope\"}", NODEV);
            c.expect("bdev_wait_for_examine", null, OK);
            c.expect("framework_wait_init", null, OK);
            c.expect("framework_wait_init", "{\"x\":1}", INVALID);
            // started without --wait-for-rpc: subsystems are initialized, so SPDK's invalid-state error
            c.expect("framework_start_init", null, -1);
            c.expect("framework_start_init", "{\"x\":1}", INVALID);
            c.expect("bdev_wait_for_examine", "{\"x\":1}", INVALID);

            Set<String> untested = new TreeSet<>(methods);
            untested.removeAll(covered);
            untested.removeIf(VirtualBdevRpcIT::isVirtualBdevMethod);
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
                    try (RpcCases c = new RpcCases(SOCKET, ConcurrentHashMap.newKeySet())) {
                        for (int i = 0; i < 40; i++) {
                            String name = "C" + me + "x" + i;
                            c.expect("bdev_null_create", "{\"name\":\"" + name + "\",\"num_blocks\":64,\"block_size\":512}",
                                    OK);
                            c.expect("bdev_get_bdevs", "{\"name\":\"" + name + "\"}", OK);
                            c.expect("vhost_get_controllers", null, OK);
                            c.expect("bdev_null_delete", "{\"name\":\"" + name + "\"}", OK);
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
