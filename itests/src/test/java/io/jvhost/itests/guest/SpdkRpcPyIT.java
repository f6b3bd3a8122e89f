package io.jvhost.itests.guest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/**
 * SPDK users' scripts against a jvhost process: {@code src/test/python/spdk_rpc_compat.py} calls every
 * method an SPDK script calls on a run, with rpc.py's parameter sets, drives I/O through a blk and a
 * SCSI controller while it reads the statistics, checks SPDK's answer shapes, and ends the process
 * with {@code spdk_kill_instance SIGTERM}, which must stop it cleanly; and a jvhost started with
 * {@code --wait-for-rpc} answers only startup methods until {@code framework_start_init}.
 */
public class SpdkRpcPyIT {
    private static final Path HOME = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();

    @Test
    public void spdkScriptsCallsAnswerInSpdksShapesAndKillInstanceStopsCleanly() throws Exception {
        Path work = freshDirectory("spdk-rpc-py-it");
        Path rpc = work.resolve("rpc.sock");
        try (JvhostProcess jvhost = JvhostProcess.start(HOME, work.resolve("jvhost.log"), "--no-default-config",
                "-S", work.toString(), "-r", rpc.toString(), "--cpumask", "0x1")) {
            String out = python("runtime", rpc, work);
            assertTrue(out, out.contains("SPDK-RPC-COMPAT PASS"));
            assertEquals("spdk_kill_instance SIGTERM stops jvhost cleanly:\n" + jvhost.output(), 0, jvhost.awaitExit(60));
            assertTrue(jvhost.output(), jvhost.output().contains("jvhost stopped"));
        }
    }

    @Test
    public void waitForRpcServesOnlyStartupMethodsUntilFrameworkStartInitThenAppliesTheConfig() throws Exception {
        Path work = freshDirectory("spdk-wait-for-rpc-it");
        Path rpc = work.resolve("rpc.sock");
        Path config = work.resolve("config.json");
        Files.writeString(config, """
                {"subsystems":[{"subsystem":"bdev","config":[
                  {"method":"bdev_malloc_create","params":{"name":"Malloc0","num_blocks":2048,"block_size":512}}]}]}
                """);
        try (JvhostProcess jvhost = JvhostProcess.startUntil("jvhost waiting for framework_start_init", HOME,
                work.resolve("jvhost.log"), "--wait-for-rpc", "--json", config.toString(), "-S", work.toString(), "-r",
                rpc.toString(), "--cpumask", "0x1")) {
            String out = python("wait-for-rpc", rpc, work);
            assertTrue(out, out.contains("SPDK-RPC-COMPAT PASS"));
            assertTrue(jvhost.output(), jvhost.output().contains("jvhost ready"));
            assertEquals(jvhost.output(), 0, jvhost.awaitExit(60));
        }
    }

    private static String python(String phase, Path rpc, Path work) throws Exception {
        assertTrue("python3 is needed (.ci/run installs it)", Processes.onPath("python3"));
        return Processes.run(List.of("python3", HOME.resolve("itests/src/test/python/spdk_rpc_compat.py").toString(),
                "--phase", phase, "--socket", rpc.toString(), "--jvhost", HOME.resolve("jvhost").toString(),
                "--sockets", work.toString(), "--work", work.toString()), 600);
    }

    private static Path freshDirectory(String name) throws java.io.IOException {
        Path work = HOME.resolve("itests/target").resolve(name);
        if (Files.exists(work)) {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return Files.createDirectories(work);
    }
}
