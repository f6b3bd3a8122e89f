package io.jvhost.vhostuser.internal;

import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactors;
import io.jvhost.vhostuser.SocketOptions;
import io.jvhost.vhostuser.VhostUserTarget;
import java.nio.file.Path;

/** A controller listening on {@code dir/ctrl} with a {@link RecordingDevice}, on one reactor of its own. */
final class TestTarget implements AutoCloseable {
    final Reactors.ClosableReactorGroup reactors;
    final RecordingDevice device = new RecordingDevice();
    final Path socket;
    final VhostUserTarget target;

    TestTarget(String reactorName, Path dir) {
        reactors = Reactors.start(reactorName, CpuMask.of(0), "interrupt");
        socket = dir.resolve("ctrl");
        target = VhostUserTarget.listen("ctrl", socket, SocketOptions.DEFAULT, device, reactors, null);
    }

    @Override
    public void close() {
        target.close();
        reactors.close();
    }
}
