package io.jvhost.itests;

import static io.jvhost.itests.RpcCases.EBUSY;
import static io.jvhost.itests.RpcCases.EXISTS;
import static io.jvhost.itests.RpcCases.INVALID;
import static io.jvhost.itests.RpcCases.NODEV;
import static io.jvhost.itests.RpcCases.OK;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import io.jvhost.config.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The virtual bdev modules' JSON-RPC methods as rpc.py calls them, on a stack three deep (error on delay
 * on split, a passthru beside them): claims refuse a second writer with EBUSY, bad params get SPDK's codes,
 * save_config writes the stack base first and replaying it rebuilds the stack, and deleting the base
 * removes everything on it. Every method of these modules must have a case here ({@link RpcMethodsIT}
 * checks all the others).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class VirtualBdevRpcIT {
    private static final Path SOCKET = Path.of(System.getProperty("java.io.tmpdir"), "jvhost-virtual-bdev-rpc-it.sock");
    private static final List<String> MODULE_PREFIXES = List.of("bdev_passthru_", "bdev_split_", "bdev_error_",
            "bdev_delay_", "bdev_raid_");

    @Configuration
    public Option[] config() {
        return JvhostOptions.feature("jvhost-all", frameworkProperty("jvhost.rpc.socket").value(SOCKET.toString()));
    }

    /** True for the methods the virtual bdev modules register, whose cases are here. */
    static boolean isVirtualBdevMethod(String method) {
        return MODULE_PREFIXES.stream().anyMatch(method::startsWith);
    }

    @Test
    public void virtualBdevMethodsStackClaimSaveAndGoWithTheirBase() throws Exception {
        Set<String> covered = new TreeSet<>();
        try (RpcCases c = new RpcCases(SOCKET, covered)) {
            @SuppressWarnings("unchecked")
            List<String> methods = (List<String>) c.expect("rpc_get_methods", null, OK);
            c.expect("bdev_malloc_create", "{\"name\":\"M1\",\"num_blocks\":2048,\"block_size\":512}", OK);
            c.expect("vhost_create_blk_controller", "{\"ctrlr\":\"b1\",\"dev_name\":\"M1\"}", OK);
            c.expect("bdev_null_create", "{\"name\":\"N1\",\"num_blocks\":4096,\"block_size\":512}", OK);
            c.expect("bdev_malloc_create", "{\"name\":\"M3\",\"num_blocks\":8192,\"block_size\":512}", OK);
            assertEquals(List.of("M3p0", "M3p1"), c.expect("bdev_split_create", "{\"base_bdev\":\"M3\",\"split_count\":2}", OK));
            c.expect("bdev_split_create", "{\"base_bdev\":\"M3\",\"split_count\":2}", EXISTS);
            c.expect("bdev_split_create", "{\"base_bdev\":\"Mx\",\"split_count\":2}", NODEV);
            c.expect("bdev_split_create", "{\"base_bdev\":\"N1\",\"split_count\":3}", INVALID); // 4096 blocks do not divide by 3
            c.expect("bdev_split_create", "{\"base_bdev\":\"N1\"}", INVALID);
            c.expect("bdev_passthru_create", "{\"base_bdev_name\":\"M1\",\"name\":\"PTx\"}", EBUSY); // b1 exports M1
            c.expect("bdev_passthru_create", "{\"base_bdev_name\":\"M3p1\",\"name\":\"PT1\"}", OK);
            c.expect("bdev_passthru_create", "{\"base_bdev_name\":\"M3p1\",\"name\":\"PT2\"}", EBUSY);
            c.expect("bdev_passthru_create", "{\"name\":\"PT2\"}", INVALID);
            c.expect("vhost_create_blk_controller", "{\"ctrlr\":\"b3\",\"dev_name\":\"M3p1\"}", EBUSY);
            String delay = "{\"base_bdev_name\":\"M3p0\",\"name\":\"D1\",\"avg_read_latency\":10,"
                    + "\"p99_read_latency\":100,\"avg_write_latency\":10,\"p99_write_latency\":%d}";
            c.expect("bdev_delay_create", String.format(delay, 5), INVALID); // p99 below the average
            c.expect("bdev_delay_create", String.format(delay, 100), OK);
            c.expect("bdev_delay_update_latency", "{\"delay_bdev_name\":\"D1\",\"latency_type\":\"avg_read\",\"latency_us\":20}", OK);
            c.expect("bdev_delay_update_latency", "{\"delay_bdev_name\":\"Dx\",\"latency_type\":\"avg_read\",\"latency_us\":20}", NODEV);
            c.expect("bdev_delay_update_latency", "{\"delay_bdev_name\":\"D1\",\"latency_type\":\"avg\",\"latency_us\":20}", INVALID);
            assertEquals("EE_D1", c.expect("bdev_error_create", "{\"base_name\":\"D1\"}", OK));
            c.expect("bdev_error_create", "{\"base_name\":\"D1\"}", EBUSY);
            c.expect("bdev_error_create", "{}", INVALID);
            c.expect("bdev_error_inject_error", "{\"name\":\"EE_D1\",\"io_type\":\"read\",\"error_type\":\"failure\",\"num\":1}", OK);
            c.expect("bdev_error_inject_error", "{\"name\":\"EE_D1\",\"io_type\":\"write\",\"error_type\":\"failure\","
                    + "\"num\":1,\"queue_depth\":4,\"sct\":2,\"sc\":128}", OK);
            c.expect("bdev_error_inject_error", "{\"name\":\"EE_D1\",\"io_type\":\"write\",\"error_type\":\"pending\","
                    + "\"sc\":128}", INVALID);
            c.expect("bdev_error_inject_error", "{\"name\":\"EE_x\",\"io_type\":\"read\",\"error_type\":\"failure\"}", NODEV);
            c.expect("bdev_error_inject_error", "{\"name\":\"EE_D1\",\"io_type\":\"compare\",\"error_type\":\"failure\"}", INVALID);
            List<?> d1 = (List<?>) c.expect("bdev_get_bdevs", "{\"name\":\"D1\"}", OK);
            Map<?, ?> d1Delay = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) d1.get(0)).get("driver_specific")).get("delay");
            assertEquals(d1.toString(), 20L, d1Delay.get("avg_read_latency"));
            assertEquals(d1.toString(), "M3p0", d1Delay.get("base_bdev_name"));
            String stacked = Json.write(c.expect("save_config", null, OK));
            int malloc = stacked.indexOf("\"name\":\"M3\"");
            int split = stacked.indexOf("bdev_split_create");
            int delayAt = stacked.indexOf("bdev_delay_create");
            int error = stacked.indexOf("bdev_error_create");
            assertTrue(stacked, malloc > 0 && malloc < split && split < delayAt && delayAt < error
                    && split < stacked.indexOf("bdev_passthru_create"));
            assertEquals(stacked, split, stacked.lastIndexOf("bdev_split_create")); // one call makes both parts
            c.expect("bdev_error_delete", "{\"name\":\"EE_D1\"}", OK);
            c.expect("bdev_error_delete", "{\"name\":\"EE_D1\"}", NODEV);
            c.expect("bdev_delay_delete", "{\"name\":\"D1\"}", OK);
            c.expect("bdev_delay_delete", "{}", INVALID);
            c.expect("bdev_passthru_delete", "{\"name\":\"PT1\"}", OK);
            c.expect("bdev_passthru_delete", "{\"name\":\"PT1\"}", NODEV);
            c.expect("bdev_split_delete", "{\"base_bdev\":\"M3\"}", OK);
            c.expect("bdev_split_delete", "{\"base_bdev\":\"M3\"}", NODEV);
            // load_config's half: replaying the saved virtual bdev calls in their order rebuilds the stack
            for (Object sub : (List<?>) ((Map<?, ?>) Json.parse(stacked)).get("subsystems")) {
                if ("bdev".equals(((Map<?, ?>) sub).get("subsystem"))) {
                    for (Object call : (List<?>) ((Map<?, ?>) sub).get("config")) {
                        String m = (String) ((Map<?, ?>) call).get("method");
                        if (List.of("bdev_split_create", "bdev_delay_create", "bdev_error_create", "bdev_passthru_create")
                                .contains(m)) {
                            c.expect(m, Json.write(((Map<?, ?>) call).get("params")), OK);
                        }
                    }
                }
            }
            assertEquals(20L, ((Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) ((List<?>) c.expect("bdev_get_bdevs",
                    "{\"name\":\"D1\"}", OK)).get(0)).get("driver_specific")).get("delay")).get("avg_read_latency"));
            c.expect("bdev_get_bdevs", "{\"name\":\"EE_D1\"}", OK);
            // deleting the base hot-removes everything stacked on it
            c.expect("bdev_malloc_delete", "{\"name\":\"M3\"}", OK);
            for (String gone : List.of("M3p0", "M3p1", "D1", "EE_D1", "PT1")) {
                c.expect("bdev_get_bdevs", "{\"name\":\"" + gone + "\"}", NODEV);
            }

            c.expect("vhost_delete_controller", "{\"ctrlr\":\"b1\"}", OK);
            c.expect("bdev_malloc_delete", "{\"name\":\"M1\"}", OK);
            c.expect("bdev_null_delete", "{\"name\":\"N1\"}", OK);

            Set<String> untested = new TreeSet<>(methods);
            untested.removeIf(m -> !isVirtualBdevMethod(m) || m.startsWith("bdev_raid_"));
            assertEquals("virtual bdev methods offered", 10, untested.size());
            untested.removeAll(covered);
            assertTrue("virtual bdev methods without a case here: " + untested, untested.isEmpty());
        }
    }

    /**
     * The raid methods as rpc.py sends them: raid0, raid1 and concat over malloc bases, SPDK's error codes,
     * bdev_raid_get_bdevs by category, a mirror left degraded by bdev_raid_remove_base_bdev and by deleting
     * a base, a stripe going offline, and save_config replaying the raids after their bases.
     */
    @Test
    public void raidMethodsCreateListDegradeSaveAndDelete() throws Exception {
        Set<String> covered = new TreeSet<>();
        try (RpcCases c = new RpcCases(SOCKET, covered)) {
            @SuppressWarnings("unchecked")
            List<String> methods = (List<String>) c.expect("rpc_get_methods", null, OK);
            for (int i = 0; i < 5; i++) {
                c.expect("bdev_malloc_create", "{\"name\":\"RM" + i + "\",\"num_blocks\":4096,\"block_size\":512}", OK);
            }
            // rpc.py bdev_raid_create -n R0 -z 64 -r 0 -b "RM0 RM1"
            assertEquals(true, c.expect("bdev_raid_create", "{\"name\":\"R0\",\"strip_size_kb\":64,\"raid_level\":\"0\","
                    + "\"base_bdevs\":[\"RM0\",\"RM1\"]}", OK));
            c.expect("bdev_raid_create", "{\"name\":\"R1\",\"raid_level\":\"raid1\",\"base_bdevs\":[\"RM2\",\"RM3\"],"
                    + "\"superblock\":false}", OK);
            c.expect("bdev_raid_create", "{\"name\":\"RX\",\"raid_level\":\"raid1\",\"base_bdevs\":[\"RM1\",\"RM4\"]}", EBUSY);
            c.expect("bdev_raid_create", "{\"name\":\"RX\",\"raid_level\":\"raid1\",\"base_bdevs\":[\"RM4\",\"nope\"]}", NODEV);
            c.expect("bdev_raid_create", "{\"name\":\"R0\",\"strip_size_kb\":4,\"raid_level\":\"concat\",\"base_bdevs\":[\"RM4\"]}", EXISTS);
            c.expect("bdev_raid_create", "{\"name\":\"RX\",\"strip_size_kb\":3,\"raid_level\":\"0\",\"base_bdevs\":[\"RM4\"]}", INVALID);
            c.expect("bdev_raid_create", "{\"name\":\"RX\",\"raid_level\":\"raid5f\",\"base_bdevs\":[\"RM4\"]}", INVALID);
            c.expect("vhost_create_blk_controller", "{\"ctrlr\":\"rb\",\"dev_name\":\"RM2\"}", EBUSY);
            Map<?, ?> r0 = (Map<?, ?>) ((List<?>) c.expect("bdev_get_bdevs", "{\"name\":\"R0\"}", OK)).get(0);
            assertEquals(r0.toString(), 8192L, r0.get("num_blocks"));
            Map<?, ?> r0Raid = (Map<?, ?>) ((Map<?, ?>) r0.get("driver_specific")).get("raid");
            assertEquals(r0.toString(), "raid0", r0Raid.get("raid_level"));
            assertEquals(r0.toString(), r0.get("uuid"), r0Raid.get("uuid"));

            List<?> online = (List<?>) c.expect("bdev_raid_get_bdevs", "{\"category\":\"online\"}", OK);
            assertEquals(online.toString(), 2, online.size());
            for (Object o : online) {
                Map<?, ?> m = (Map<?, ?>) o;
                for (String key : List.of("name", "uuid", "strip_size_kb", "state", "raid_level", "superblock",
                        "num_base_bdevs", "num_base_bdevs_discovered", "num_base_bdevs_operational", "base_bdevs_list")) {
                    assertTrue(key + " in " + m, m.containsKey(key));
                }
            }
            c.expect("bdev_raid_get_bdevs", "{\"category\":\"sideways\"}", INVALID);
            String saved = Json.write(c.expect("save_config", null, OK));
            assertTrue(saved, saved.indexOf("\"name\":\"RM3\"") < saved.indexOf("bdev_raid_create"));

            // rpc.py bdev_raid_remove_base_bdev RM2: the mirror serves on RM3
            c.expect("bdev_raid_remove_base_bdev", "{\"name\":\"RM2\"}", OK);
            c.expect("bdev_raid_remove_base_bdev", "{\"name\":\"RM2\"}", NODEV);
            Map<?, ?> r1 = (Map<?, ?>) ((List<?>) c.expect("bdev_raid_get_bdevs", "{\"category\":\"all\"}", OK)).get(1);
            assertEquals(r1.toString(), "R1", r1.get("name"));
            assertEquals(r1.toString(), "online", r1.get("state"));
            assertEquals(r1.toString(), 1L, r1.get("num_base_bdevs_operational"));
            c.expect("vhost_create_blk_controller", "{\"ctrlr\":\"rb\",\"dev_name\":\"RM2\"}", OK); // released
            c.expect("vhost_delete_controller", "{\"ctrlr\":\"rb\"}", OK);
            // rpc.py bdev_raid_add_base_bdev R1 RM2: it takes the empty slot and is rebuilt from RM3
            c.expect("bdev_raid_add_base_bdev", "{\"raid_bdev\":\"R1\",\"base_bdev\":\"RM2\"}", OK);
            c.expect("bdev_raid_add_base_bdev", "{\"raid_bdev\":\"R0\",\"base_bdev\":\"RM4\"}", INVALID);
            c.expect("bdev_raid_add_base_bdev", "{\"raid_bdev\":\"nope\",\"base_bdev\":\"RM4\"}", NODEV);
            long deadline = System.nanoTime() + 30_000_000_000L;
            Map<?, ?> rebuilt;
            do {
                rebuilt = (Map<?, ?>) ((List<?>) c.expect("bdev_raid_get_bdevs", "{\"category\":\"online\"}", OK))
                        .stream().filter(o -> "R1".equals(((Map<?, ?>) o).get("name"))).findFirst().orElseThrow();
                assertTrue("rebuild of RM2 not done: " + rebuilt, System.nanoTime() < deadline);
            } while (rebuilt.containsKey("process"));
            assertEquals(rebuilt.toString(), 2L, rebuilt.get("num_base_bdevs_operational"));
            c.expect("bdev_raid_add_base_bdev", "{\"raid_bdev\":\"R1\",\"base_bdev\":\"RM4\"}", INVALID); // no empty slot
            c.expect("bdev_raid_remove_base_bdev", "{\"name\":\"RM2\"}", OK);
            // a stripe cannot lose a base: deleting RM1 takes R0 offline and away
            c.expect("bdev_malloc_delete", "{\"name\":\"RM1\"}", OK);
            c.expect("bdev_get_bdevs", "{\"name\":\"R0\"}", NODEV);
            List<?> offline = (List<?>) c.expect("bdev_raid_get_bdevs", "{\"category\":\"offline\"}", OK);
            assertEquals(offline.toString(), "R0", ((Map<?, ?>) offline.get(0)).get("name"));
            c.expect("bdev_raid_delete", "{\"name\":\"R0\"}", OK);
            c.expect("bdev_raid_delete", "{\"name\":\"R0\"}", NODEV);
            c.expect("bdev_raid_delete", "{\"name\":\"R1\"}", OK);
            c.expect("bdev_raid_create", "{\"name\":\"C0\",\"strip_size_kb\":4,\"raid_level\":\"concat\","
                    + "\"base_bdevs\":[\"RM2\",\"RM3\",\"RM4\"]}", OK);
            assertEquals(12288L, ((Map<?, ?>) ((List<?>) c.expect("bdev_get_bdevs", "{\"name\":\"C0\"}", OK)).get(0))
                    .get("num_blocks"));
            c.expect("bdev_raid_delete", "{\"name\":\"C0\"}", OK);
            for (String m : List.of("RM0", "RM2", "RM3", "RM4")) {
                c.expect("bdev_malloc_delete", "{\"name\":\"" + m + "\"}", OK);
            }

            Set<String> untested = new TreeSet<>(methods);
            untested.removeIf(m -> !m.startsWith("bdev_raid_"));
            assertEquals("raid methods offered", 5, untested.size());
            untested.removeAll(covered);
            assertTrue("raid methods without a case here: " + untested, untested.isEmpty());
        }
    }
}
