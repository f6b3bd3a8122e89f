package io.jvhost.vhostscsi.internal;

import static io.jvhost.vhostscsi.internal.VirtioScsi.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.IoType;
import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.malloc.internal.MallocBackend;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.config.MethodException;
import io.jvhost.config.Params;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.scsi.internal.TargetFactory;
import io.jvhost.vhostuser.internal.ControllerRegistry;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A vhost-scsi controller over real malloc bdevs, driven by a virtio-scsi driver on the Java front-end. */
class ScsiControllerTest {
    private static final int BS = 4096;
    private static final long BLOCKS = 2048;
    /** Control, event and two request queues. */
    private static final int QUEUES = 4;

    @TempDir
    Path dir;
    private Reactors.ClosableReactorGroup reactors;
    private BdevRegistryImpl bdevs;
    private ControllerRegistry controllers;
    private ScsiControllers scsi;

    @BeforeEach
    void setUp() {
        reactors = Reactors.start("test", CpuMask.of(0), "interrupt");
        bdevs = new BdevRegistryImpl();
        for (String name : List.of("Malloc0", "Malloc1")) {
            bdevs.register(new BdevSpec(name, null, "malloc", "Malloc disk", BS, BLOCKS, 0, EnumSet.allOf(IoType.class),
                    Map.of()), new MallocBackend(BS * BLOCKS, BS));
        }
        controllers = new ControllerRegistry(reactors, dir);
        scsi = new ScsiControllers(null, controllers, new TargetFactory(bdevs));
        call(scsi::create, "vhost_create_scsi_controller", Map.of("ctrlr", "scsi0", "num_queues", 2));
        call(scsi::addTarget, "vhost_scsi_controller_add_target",
                Map.of("ctrlr", "scsi0", "scsi_target_num", 0, "bdev_name", "Malloc0"));
    }

    @AfterEach
    void tearDown() {
        controllers.closeAll();
        reactors.close();
    }

    private static Object call(java.util.function.Function<Params, Object> method, String name, Map<String, Object> p) {
        return method.apply(new Params(name, new HashMap<>(p)));
    }

    private ScsiHbaDriver connect(int... start) throws Exception {
        return new ScsiHbaDriver(dir.resolve("scsi0"), QUEUES, start);
    }

    private static byte[] rw10(int op, long lba, int blocks) {
        byte[] b = new byte[10];
        b[0] = (byte) op;
        for (int i = 0; i < 4; i++) {
            b[2 + i] = (byte) (lba >>> (24 - 8 * i));
        }
        b[7] = (byte) (blocks >>> 8);
        b[8] = (byte) blocks;
        return b;
    }

    @Test
    void shouldNotOfferTheConfigProtocolFeatureSinceQemuBuildsConfigSpaceItself() throws Exception {
        try (ScsiHbaDriver hba = connect(0, 1, 2)) {
            assertEquals(0, hba.frontend.protocolFeatures() & (1L << 9));
            assertTrue(hba.frontend.hasFeature(F_HOTPLUG) && hba.frontend.hasFeature(F_CHANGE));
            assertEquals(2 + 2, hba.frontend.backendQueues(), "control, event and num_queues request queues");
        }
    }

    @Test
    void shouldMoveDataThroughEveryRequestQueue() throws Exception {
        Random random = new Random(5);
        try (ScsiHbaDriver hba = connect(0, 1, 2, 3)) {
            for (int q = 2; q < QUEUES; q++) {
                byte[] data = new byte[3 * BS];
                random.nextBytes(data);
                ScsiHbaDriver.Result w = hba.command(q, ScsiHbaDriver.lun(0, 0), 1, rw10(0x2A, 10 * q, 3), data, 0);
                assertEquals(S_OK, w.response());
                assertEquals(0, w.status());
                ScsiHbaDriver.Result r = hba.command(q, ScsiHbaDriver.lun(0, 0), 2, rw10(0x28, 10 * q, 3), null, 3 * BS);
                assertEquals(0, r.status());
                assertEquals(RESP_BYTES + 3 * BS, r.usedLength(), "response plus data in");
                assertArrayEquals(data, r.dataIn());
            }
        }
    }

    @Test
    void shouldReportResidualsAndRefuseTransfersBiggerThanTheBuffers() throws Exception {
        try (ScsiHbaDriver hba = connect(0, 1, 2)) {
            ScsiHbaDriver.Result r = hba.command(2, ScsiHbaDriver.lun(0, 0), 1, rw10(0x28, 0, 1), null, 2 * BS);
            assertEquals(0, r.status());
            assertEquals(BS, r.residual());
            r = hba.command(2, ScsiHbaDriver.lun(0, 0), 2, rw10(0x28, 0, 2), null, BS);
            assertEquals(2, r.status(), "CHECK CONDITION");
            assertEquals(0x05, r.senseKey());
            assertEquals(0x2400, r.asc(), "INVALID FIELD IN CDB");
            r = hba.command(2, ScsiHbaDriver.lun(0, 0), 3, rw10(0x28, BLOCKS, 1), null, BS);
            assertEquals(0x2100, r.asc(), "LBA OUT OF RANGE");
            r = hba.command(2, ScsiHbaDriver.lun(0, 0), 4, new byte[] {(byte) 0xC7, 0, 0, 0, 0, 0}, null, 0);
            assertEquals(0x2000, r.asc(), "INVALID COMMAND OPERATION CODE");
        }
    }

    @Test
    void shouldAnswerBadTargetForMissingTargetsAndOtherLunFormats() throws Exception {
        try (ScsiHbaDriver hba = connect(0, 1, 2)) {
            byte[] inquiry = {0x12, 0, 0, 0, 36, 0};
            assertEquals(S_BAD_TARGET, hba.command(2, ScsiHbaDriver.lun(5, 0), 1, inquiry, null, 36).response());
            assertEquals(S_BAD_TARGET, hba.command(2, 0x0000_0000_0000_0002L, 2, inquiry, null, 36).response());
            ScsiHbaDriver.Result r = hba.command(2, ScsiHbaDriver.lun(0, 7), 3, inquiry, null, 36);
            assertEquals(S_OK, r.response());
            assertEquals(0x7F, r.dataIn()[0] & 0xFF, "no LUN 7 on target 0");
            r = hba.command(2, ScsiHbaDriver.lun(0, 0), 4, inquiry, null, 36);
            assertEquals("JVHOST", new String(r.dataIn(), 8, 6, java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    @Test
    void shouldRefuseMalformedRequestsWithoutStoppingTheQueue() throws Exception {
        try (ScsiHbaDriver hba = connect(0, 1, 2)) {
            var ram = hba.ram();
            long req = ram.allocate(RESP_BYTES + 64, 64);
            long resp = ram.allocate(RESP_BYTES, 64);
            long out = ram.allocate(BS, 64);
            long in = ram.allocate(BS, 64);
            // header shorter than a request: nothing to answer in
            assertEquals(0, hba.submit(2, new long[] {req, resp}, new int[] {10, RESP_BYTES}, new boolean[] {false, true}, 2));
            // response buffer too small for the response
            assertEquals(0, hba.submit(2, new long[] {req, resp}, new int[] {REQ_BYTES, 20}, new boolean[] {false, true}, 2));
            // data in both directions: INOUT was not offered
            MemorySegment h = ram.at(req, REQ_BYTES);
            h.fill((byte) 0);
            h.set(io.jvhost.virtio.Layouts.U64, REQ_LUN, ScsiHbaDriver.lun(0, 0));
            h.set(ValueLayout.JAVA_BYTE, REQ_CDB, (byte) 0x28);
            int used = hba.submit(2, new long[] {req, out, resp, in}, new int[] {REQ_BYTES, BS, RESP_BYTES, BS},
                    new boolean[] {false, false, true, true}, 4);
            assertEquals(RESP_BYTES, used);
            assertEquals(S_FAILURE, ram.at(resp, RESP_BYTES).get(ValueLayout.JAVA_BYTE, RESP_RESPONSE));
            // and the queue still serves
            assertEquals(0, hba.command(2, ScsiHbaDriver.lun(0, 0), 9, new byte[] {0, 0, 0, 0, 0, 0}, null, 0).status());
        }
    }

    @Test
    void shouldRunTaskManagementAndNotificationQueriesOnTheControlQueue() throws Exception {
        try (ScsiHbaDriver hba = connect(0, 1, 2)) {
            assertEquals(S_FUNCTION_COMPLETE, hba.tmf(TMF_ABORT_TASK, ScsiHbaDriver.lun(0, 0), 77));
            assertEquals(S_FUNCTION_COMPLETE, hba.tmf(TMF_LOGICAL_UNIT_RESET, ScsiHbaDriver.lun(0, 0), 0));
            assertEquals(S_FUNCTION_COMPLETE, hba.tmf(TMF_I_T_NEXUS_RESET, ScsiHbaDriver.lun(0, 0), 0));
            assertEquals(S_FUNCTION_COMPLETE, hba.tmf(TMF_QUERY_TASK, ScsiHbaDriver.lun(0, 0), 77));
            assertEquals(S_FUNCTION_REJECTED, hba.tmf(TMF_CLEAR_ACA, ScsiHbaDriver.lun(0, 0), 0));
            assertEquals(S_FUNCTION_REJECTED, hba.tmf(42, ScsiHbaDriver.lun(0, 0), 0));
            assertEquals(S_INCORRECT_LUN, hba.tmf(TMF_LOGICAL_UNIT_RESET, ScsiHbaDriver.lun(0, 3), 0));
            assertEquals(S_BAD_TARGET, hba.tmf(TMF_LOGICAL_UNIT_RESET, ScsiHbaDriver.lun(6, 0), 0));
            assertArrayEquals(new int[] {0, S_OK}, hba.anQuery());
            // the LUN reset left a unit attention for the next command
            ScsiHbaDriver.Result r = hba.command(2, ScsiHbaDriver.lun(0, 0), 1, new byte[] {0, 0, 0, 0, 0, 0}, null, 0);
            assertEquals(0x06, r.senseKey());
            assertEquals(0x2903, r.asc());
        }
    }

    @Test
    void shouldAnnounceHotAttachDetachAndResizeOnTheEventQueue() throws Exception {
        try (ScsiHbaDriver hba = connect(0, 1, 2)) {
            hba.postEventBuffers(4);
            assertEquals(2, call(scsi::addTarget, "vhost_scsi_controller_add_target",
                    Map.of("ctrlr", "scsi0", "scsi_target_num", -1, "bdev_name", "Malloc1")) instanceof Integer i
                    ? i + 1 : -1, "first free target is 1");
            assertArrayEquals(new int[] {T_TRANSPORT_RESET, 1, 0, EVT_RESET_RESCAN}, hba.nextEvent());
            byte[] inquiry = {0x12, 0, 0, 0, 36, 0};
            assertEquals(S_OK, hba.command(2, ScsiHbaDriver.lun(1, 0), 1, inquiry, null, 36).response());
            bdevs.resize("Malloc1", BLOCKS / 2);
            assertArrayEquals(new int[] {T_PARAM_CHANGE, 1, 0, REASON_CAPACITY_CHANGED}, hba.nextEvent());
            call(scsi::removeTarget, "vhost_scsi_controller_remove_target", Map.of("ctrlr", "scsi0", "scsi_target_num", 1));
            assertArrayEquals(new int[] {T_TRANSPORT_RESET, 1, 0, EVT_RESET_REMOVED}, hba.nextEvent());
            assertEquals(S_BAD_TARGET, hba.command(2, ScsiHbaDriver.lun(1, 0), 2, inquiry, null, 36).response());
            assertTrue(bdevs.find("Malloc1").orElseThrow().openers().isEmpty(), "bdev released");
            // a deleted bdev takes its target with it, and the guest is told
            call(scsi::addTarget, "vhost_scsi_controller_add_target",
                    Map.of("ctrlr", "scsi0", "scsi_target_num", 3, "bdev_name", "Malloc1"));
            assertArrayEquals(new int[] {T_TRANSPORT_RESET, 3, 0, EVT_RESET_RESCAN}, hba.nextEvent());
            bdevs.unregister("Malloc1", true).get();
            assertArrayEquals(new int[] {T_TRANSPORT_RESET, 3, 0, EVT_RESET_REMOVED}, hba.nextEvent());
            assertEquals(S_BAD_TARGET, hba.command(2, ScsiHbaDriver.lun(3, 0), 3, inquiry, null, 36).response());
        }
    }

    @Test
    void shouldServeSeveralLunsPerTargetAndSaveThem() throws Exception {
        bdevs.register(new BdevSpec("Malloc2", null, "malloc", "Malloc disk", 512, BLOCKS, 0, EnumSet.allOf(IoType.class),
                Map.of()), new MallocBackend(512 * BLOCKS, 512));
        try (ScsiHbaDriver hba = connect(0, 1, 2)) {
            hba.postEventBuffers(4);
            call(scsi::addLun, "vhost_scsi_controller_add_lun",
                    Map.of("ctrlr", "scsi0", "scsi_target_num", 0, "lun", 5, "bdev_name", "Malloc2"));
            assertArrayEquals(new int[] {T_TRANSPORT_RESET, 0, 5, EVT_RESET_RESCAN}, hba.nextEvent());
            byte[] reportLuns = {(byte) 0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
            ScsiHbaDriver.Result r = hba.command(2, ScsiHbaDriver.lun(0, 0), 1, reportLuns, null, 256);
            assertEquals(16, r.dataIn()[3], "two LUNs listed");
            assertEquals(5, r.dataIn()[17]);
            byte[] readCapacity = {0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0};
            r = hba.command(2, ScsiHbaDriver.lun(0, 5), 2, readCapacity, null, 8);
            assertEquals(512, ((r.dataIn()[6] & 0xFF) << 8) | (r.dataIn()[7] & 0xFF), "LUN 5 has its own block size");
            List<Map<String, Object>> saved = scsi.config();
            assertEquals("vhost_scsi_controller_add_lun", saved.get(2).get("method"));
            assertEquals(Map.of("ctrlr", "scsi0", "scsi_target_num", 0, "lun", 5, "bdev_name", "Malloc2"),
                    saved.get(2).get("params"));
            MethodException e = assertThrows(MethodException.class, () -> call(scsi::addLun,
                    "vhost_scsi_controller_add_lun", Map.of("ctrlr", "scsi0", "scsi_target_num", 0, "lun", 5,
                            "bdev_name", "Malloc1")));
            assertEquals(MethodException.EEXIST, e.code());
            e = assertThrows(MethodException.class, () -> call(scsi::addLun, "vhost_scsi_controller_add_lun",
                    Map.of("ctrlr", "scsi0", "scsi_target_num", 4, "lun", 1, "bdev_name", "Malloc1")));
            assertEquals(MethodException.ENODEV, e.code());
            call(scsi::removeLun, "vhost_scsi_controller_remove_lun", Map.of("ctrlr", "scsi0", "scsi_target_num", 0,
                    "lun", 5));
            assertArrayEquals(new int[] {T_TRANSPORT_RESET, 0, 5, EVT_RESET_REMOVED}, hba.nextEvent());
            // LUN 0's bdev going away takes the whole target, and every LUN is reported gone
            call(scsi::addLun, "vhost_scsi_controller_add_lun",
                    Map.of("ctrlr", "scsi0", "scsi_target_num", 0, "lun", 2, "bdev_name", "Malloc2"));
            assertArrayEquals(new int[] {T_TRANSPORT_RESET, 0, 2, EVT_RESET_RESCAN}, hba.nextEvent());
            bdevs.unregister("Malloc0", true).get();
            assertArrayEquals(new int[] {T_TRANSPORT_RESET, 0, 0, EVT_RESET_REMOVED}, hba.nextEvent());
            assertArrayEquals(new int[] {T_TRANSPORT_RESET, 0, 2, EVT_RESET_REMOVED}, hba.nextEvent());
            assertEquals(S_BAD_TARGET, hba.command(2, ScsiHbaDriver.lun(0, 2), 3, readCapacity, null, 8).response());
            assertTrue(bdevs.find("Malloc2").orElseThrow().openers().isEmpty(), "LUN 2's bdev released too");
        }
    }

    @Test
    void shouldFlagEventsMissedWhileTheEventQueueWasNotRunning() throws Exception {
        try (ScsiHbaDriver hba = connect(0, 2)) {
            call(scsi::addTarget, "vhost_scsi_controller_add_target",
                    Map.of("ctrlr", "scsi0", "scsi_target_num", 1, "bdev_name", "Malloc1"));
            hba.startQueue(1);
            hba.postEventBuffers(2);
            assertTrue(!hba.eventWithin(200), "nothing to report until something happens");
            call(scsi::removeTarget, "vhost_scsi_controller_remove_target", Map.of("ctrlr", "scsi0", "scsi_target_num", 1));
            int[] e = hba.nextEvent();
            assertEquals(T_TRANSPORT_RESET | T_EVENTS_MISSED, e[0], "the driver must rescan: it missed the attach");
            assertEquals(EVT_RESET_REMOVED, e[3]);
        }
    }

    @Test
    void shouldTakeOneFrontEndAtATimeAndRefuseMoreSessions() {
        // unit attentions and reservations belong to one initiator: no shared sessions on SCSI
        MethodException e = assertThrows(MethodException.class, () -> call(scsi::create,
                "vhost_create_scsi_controller", Map.of("ctrlr", "scsi1", "max_sessions", 2)));
        assertEquals(MethodException.INVALID_PARAMS, e.code());
        assertTrue(e.getMessage().contains("controller scsi1: max_sessions 2: this controller type serves one"
                + " front-end at a time"), e.getMessage());
        assertTrue(controllers.find("scsi1").isEmpty(), "nothing is left of the refused controller");
        call(scsi::create, "vhost_create_scsi_controller", Map.of("ctrlr", "scsi1", "max_sessions", 1));
        assertTrue(controllers.find("scsi1").isPresent());
    }

    @Test
    void shouldAnswerMethodErrorsWithSpdkCodes() {
        MethodException e = assertThrows(MethodException.class, () -> call(scsi::addTarget,
                "vhost_scsi_controller_add_target", Map.of("ctrlr", "nope", "scsi_target_num", 0, "bdev_name", "Malloc1")));
        assertEquals(MethodException.ENODEV, e.code());
        e = assertThrows(MethodException.class, () -> call(scsi::addTarget, "vhost_scsi_controller_add_target",
                Map.of("ctrlr", "scsi0", "scsi_target_num", 0, "bdev_name", "Malloc1")));
        assertEquals(MethodException.EEXIST, e.code());
        e = assertThrows(MethodException.class, () -> call(scsi::addTarget, "vhost_scsi_controller_add_target",
                Map.of("ctrlr", "scsi0", "scsi_target_num", 1, "bdev_name", "Missing")));
        assertEquals(MethodException.ENODEV, e.code());
        e = assertThrows(MethodException.class, () -> call(scsi::addTarget, "vhost_scsi_controller_add_target",
                Map.of("ctrlr", "scsi0", "scsi_target_num", 8, "bdev_name", "Malloc1")));
        assertEquals(MethodException.INVALID_PARAMS, e.code());
        e = assertThrows(MethodException.class, () -> call(scsi::removeTarget, "vhost_scsi_controller_remove_target",
                Map.of("ctrlr", "scsi0", "scsi_target_num", 5)));
        assertEquals(MethodException.ENODEV, e.code());
        e = assertThrows(MethodException.class, () -> call(scsi::create, "vhost_create_scsi_controller",
                Map.of("ctrlr", "scsi0")));
        assertEquals(MethodException.EEXIST, e.code());
    }

    @Test
    void shouldSaveControllersWithTheirTargets() {
        List<Map<String, Object>> saved = scsi.config();
        assertEquals(2, saved.size());
        assertEquals("vhost_create_scsi_controller", saved.get(0).get("method"));
        assertEquals(Map.of("ctrlr", "scsi0", "scsi_target_num", 0, "bdev_name", "Malloc0"), saved.get(1).get("params"));
        Map<String, Object> info = controllers.find("scsi0").orElseThrow().backendInfo();
        assertTrue(info.toString().contains("bdev_name=Malloc0"), info.toString());
    }
}
