package io.jvhost.itests.guest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/**
 * Features added to a running runtime, from Gogo and over JSON-RPC, and the hyphenated Gogo commands
 * of the modules they bring, as an operator uses them on {@code ./jvhost}.
 */
public class FeatureInstallIT {
    private static final Path HOME = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();

    private static String jvhost(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(HOME.resolve("jvhost").toString()));
        cmd.addAll(List.of(args));
        return Processes.run(cmd, 300);
    }

    @Test
    public void gogoInstallsAFeatureWhoseCommandsThenWork() throws Exception {
        Path sockets = Files.createDirectories(HOME.resolve("itests/target/feature-it/gogo"));
        String out = jvhost("--headless", "--exit", "--no-default-config", "--feature", "jvhost-bdev", "-r", "none",
                "-S", sockets.toString(), "-x", "jvhost:features", "-x", "jvhost:feature-install jvhost-scsi",
                "-x", "bdev:create-malloc M1 16", "-x", "vhost:create-scsi s1", "-x", "vhost:scsi-add-target s1 0 M1",
                "-x", "vhost:list", "-x", "vhost:create-scsi --help");
        assertTrue(out, out.matches("(?s).*jvhost-scsi\\s+-\\s.*"));
        assertTrue(out, out.contains("feature jvhost-scsi installed: ") && out.contains("io.jvhost.vhost.scsi"));
        assertTrue(out, out.contains("controller s1: target 0 is bdev M1"));
        assertTrue(out, out.contains("vhost_user_scsi"));
        assertTrue(out, out.contains("vhost:create-scsi <controller name> <cpumask, e.g. 0x1 or 0-1>"));
        try {
            jvhost("--headless", "--exit", "--no-default-config", "--feature", "jvhost-bdev", "-r", "none", "-S",
                    sockets.toString(), "-x", "jvhost:feature-install jvhost-nope");
            throw new AssertionError("an unknown feature must fail the command");
        } catch (IOException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("unknown feature 'jvhost-nope'"));
        }
    }

    @Test
    public void rpcInstallsAFeatureIntoARunningTarget() throws Exception {
        Path work = Files.createDirectories(HOME.resolve("itests/target/feature-it/rpc"));
        Path sock = work.resolve("rpc.sock");
        try (JvhostProcess p = JvhostProcess.start(HOME, work.resolve("jvhost.log"), "--no-default-config",
                "--feature", "jvhost-bdev", "-r", sock.toString(), "-S", work.toString(), "--cpumask", "0x1")) {
            String rpc = HOME.resolve("jvhost").toString();
            try {
                Processes.run(List.of(rpc, "rpc", "-s", sock.toString(), "vhost_create_blk_controller", "ctrlr=b0",
                        "dev_name=M0"), 120);
                throw new AssertionError("vhost-blk is not installed yet");
            } catch (IOException expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains("(-32601)"));
            }
            String installed = Processes.run(List.of(rpc, "rpc", "-s", sock.toString(), "framework_install_feature",
                    "name=jvhost-blk"), 120);
            assertTrue(installed, installed.contains("io.jvhost.vhost.blk"));
            Processes.run(List.of(rpc, "rpc", "-s", sock.toString(), "bdev_malloc_create", "name=M0", "num_blocks=4096",
                    "block_size=512"), 120);
            Processes.run(List.of(rpc, "rpc", "-s", sock.toString(), "vhost_create_blk_controller", "ctrlr=b0",
                    "dev_name=M0"), 120);
            assertTrue(Files.exists(work.resolve("b0")));
            String features = Processes.run(List.of(rpc, "rpc", "-s", sock.toString(), "framework_get_features"), 120);
            assertTrue(features, features.matches("(?s).*\"name\": \"jvhost-blk\",\\s*\"description\": \"[^\"]*\",\\s*"
                    + "\"installed\": true.*"));
            assertEquals("[]", Processes.run(List.of(rpc, "rpc", "-s", sock.toString(), "framework_install_feature",
                    "name=jvhost-blk"), 120).replaceAll("\\s", ""));
            try {
                Processes.run(List.of(rpc, "rpc", "-s", sock.toString(), "framework_install_feature", "name=nope"), 120);
                throw new AssertionError("unknown feature");
            } catch (IOException expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains("(-19)"));
            }
        }
    }
}
