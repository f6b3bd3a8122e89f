package io.jvhost.frontend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A vhost-user-scsi adapter driven as QEMU and a guest's virtio-scsi driver drive one: control and
 * event queues started, request queues served through {@link ScsiQueue}s.
 */
public final class VhostUserScsiHba implements AutoCloseable {
    private static final long HOTPLUG = 1L << 1, CHANGE = 1L << 2;
    private final VhostUserFrontend frontend;
    private final List<ScsiQueue> queues = new ArrayList<>();

    private VhostUserScsiHba(VhostUserFrontend frontend) {
        this.frontend = frontend;
    }

    /**
     * Connects and starts the control queue, the event queue and {@code requestQueues} request queues
     * of {@code queueSize} descriptors with {@code slots} request slots of {@code slotBytes} each.
     */
    public static VhostUserScsiHba connect(Path socket, int requestQueues, int queueSize, int slots, int slotBytes,
            boolean eventIdx) throws IOException {
        long perQueue = 40L * queueSize + 8192 + (long) slots * (slotBytes + 4096 + 256);
        long ram = (((requestQueues + 2) * perQueue + (1 << 20)) + 0xFFFFF) & ~0xFFFFFL;
        VhostUserFrontend f = VhostUserFrontend.connect(socket, new VhostUserFrontend.Setup(HOTPLUG | CHANGE, 0,
                requestQueues + 2, ram, eventIdx, false));
        VhostUserScsiHba hba = new VhostUserScsiHba(f);
        try {
            f.startRing(0, 64);
            f.startRing(1, 64);
            for (int q = 0; q < requestQueues; q++) {
                hba.queues.add(new ScsiQueue(f.ram(), f.startRing(2 + q, queueSize), slots, slotBytes));
            }
            return hba;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Request queue {@code i} (virtqueue 2 + i). */
    public ScsiQueue queue(int i) {
        return queues.get(i);
    }

    public int queueCount() {
        return queues.size();
    }

    public VhostUserFrontend frontend() {
        return frontend;
    }

    @Override
    public void close() {
        frontend.close();
    }
}
