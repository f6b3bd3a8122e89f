package io.jvhost.vhostscsi.internal;

import static io.jvhost.vhostscsi.internal.VirtioScsi.*;

import io.jvhost.reactor.Reactor;
import io.jvhost.scsi.ScsiTarget;
import io.jvhost.scsi.ScsiTargetFactory;
import io.jvhost.vhostuser.DeviceQueue;
import io.jvhost.vhostuser.QueueContext;
import io.jvhost.vhostuser.VhostUserDevice;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A virtio-scsi host adapter with up to {@link VirtioScsi#MAX_TARGETS} targets, each a
 * {@link ScsiTarget} with LUN 0 on a bdev. Targets come and go while a guest runs; each change is
 * announced on the event queue (hot-attach: rescan, hot-detach: removed, resize: parameters changed).
 */
final class ScsiDevice implements VhostUserDevice, ScsiTarget.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ScsiDevice.class);
    private final String controller;
    private final ScsiTargetFactory factory;
    private final int requestQueues;
    /** Copy-on-write: queues compare their snapshot on each command. */
    private volatile ScsiTarget[] targets = new ScsiTarget[MAX_TARGETS];
    private volatile EventQueue eventQueue;
    private volatile Reactor eventReactor;
    private volatile boolean eventsMissed;
    /** A driver negotiated features and has not reset since: it would miss events we cannot deliver. */
    private volatile boolean driverActive;

    ScsiDevice(String controller, ScsiTargetFactory factory, int requestQueues) {
        this.controller = controller;
        this.factory = factory;
        this.requestQueues = requestQueues;
    }

    ScsiTarget[] targets() {
        return targets;
    }

    /** Control thread: adds target {@code num} (-1: the first free one) with {@code bdev} as LUN 0; returns its number. */
    synchronized int addTarget(int num, String bdev) {
        ScsiTarget[] t = targets;
        if (num < 0) {
            num = Arrays.asList(t).indexOf(null);
            if (num < 0) {
                throw new IllegalArgumentException("controller " + controller + " has all " + MAX_TARGETS
                        + " targets in use; remove one first");
            }
        }
        if (num >= MAX_TARGETS) {
            throw new IllegalArgumentException("controller " + controller + ": target " + num + " is out of range 0.."
                    + (MAX_TARGETS - 1));
        }
        if (t[num] != null) {
            throw new IllegalStateException("controller " + controller + ": target " + num + " already exists");
        }
        ScsiTarget target = factory.create(controller + ".t" + num, this);
        // LUN 0 is attached before the target is published: the guest learns of it once, from the rescan event
        target.attachLun(0, bdev);
        ScsiTarget[] next = t.clone();
        next[num] = target;
        targets = next;
        postEvent(T_TRANSPORT_RESET, num, 0, EVT_RESET_RESCAN);
        return num;
    }

    /** Control thread: removes target {@code num} after its commands finished; false when absent. */
    boolean removeTarget(int num) {
        ScsiTarget target;
        synchronized (this) {
            ScsiTarget[] t = targets;
            if (num < 0 || num >= MAX_TARGETS || t[num] == null) {
                return false;
            }
            target = t[num];
            ScsiTarget[] next = t.clone();
            next[num] = null;
            targets = next;
        }
        List<ScsiTarget.LunInfo> luns = target.luns();
        target.close();
        for (ScsiTarget.LunInfo l : luns) {
            postEvent(T_TRANSPORT_RESET, num, l.lun(), EVT_RESET_REMOVED);
        }
        LOG.info("controller {}: target {} removed", controller, num);
        return true;
    }

    /** Control thread: attaches {@code bdev} as LUN {@code lun} (1..255) of existing target {@code num}. */
    void addLun(int num, int lun, String bdev) {
        ScsiTarget target = existing(num);
        if (lun == 0) {
            throw new IllegalArgumentException("controller " + controller + ": LUN 0 comes with the target"
                    + " (vhost_scsi_controller_add_target)");
        }
        target.attachLun(lun, bdev);
    }

    /** Control thread: detaches LUN {@code lun} of target {@code num}; LUN 0 takes the target with it. */
    boolean removeLun(int num, int lun) {
        ScsiTarget target = existing(num);
        if (lun == 0) {
            return removeTarget(num);
        }
        return target.detachLun(lun);
    }

    private ScsiTarget existing(int num) {
        ScsiTarget t = num >= 0 && num < MAX_TARGETS ? targets[num] : null;
        if (t == null) {
            throw new java.util.NoSuchElementException("controller " + controller + " has no target " + num);
        }
        return t;
    }

    int targetNumber(ScsiTarget target) {
        return Arrays.asList(targets).indexOf(target);
    }

    @Override
    public void lunAttached(ScsiTarget target, int lun) {
        int num = targetNumber(target);
        if (num >= 0) {
            // a new target's LUN 0 is announced by addTarget once the target is visible
            postEvent(T_TRANSPORT_RESET, num, lun, EVT_RESET_RESCAN);
        }
    }

    @Override
    public void lunDetached(ScsiTarget target, int lun) {
        int num = targetNumber(target);
        if (num < 0) {
            return;
        }
        postEvent(T_TRANSPORT_RESET, num, lun, EVT_RESET_REMOVED);
        if (lun == 0 || target.luns().isEmpty()) {
            // LUN 0 answers for the target (REPORT LUNS, scans): without it the target goes, as in SPDK
            LOG.warn("controller {}: target {} lost LUN {}; removing the target", controller, num, lun);
            removeTarget(num);
        }
    }

    @Override
    public void lunResized(ScsiTarget target, int lun) {
        int num = targetNumber(target);
        if (num >= 0) {
            postEvent(T_PARAM_CHANGE, num, lun, REASON_CAPACITY_CHANGED);
        }
    }

    private void postEvent(int event, int target, int lun, int reason) {
        EventQueue q = eventQueue;
        Reactor r = eventReactor;
        if (q == null || r == null) {
            // a driver that has not started its event queue yet must rescan; one still to come scans anyway
            eventsMissed |= driverActive;
            return;
        }
        try {
            r.execute(() -> q.post(event, target, lun, reason));
        } catch (RuntimeException stopped) {
            eventsMissed = true;
        }
    }

    void eventQueueClosed(EventQueue q, boolean missed) {
        if (eventQueue == q) {
            eventQueue = null;
            eventReactor = null;
            eventsMissed |= missed;
        }
    }

    List<java.util.Map<String, Object>> describeTargets() {
        java.util.List<java.util.Map<String, Object>> out = new java.util.ArrayList<>();
        ScsiTarget[] t = targets;
        for (int i = 0; i < t.length; i++) {
            if (t[i] == null) {
                continue;
            }
            java.util.List<java.util.Map<String, Object>> luns = new java.util.ArrayList<>();
            for (ScsiTarget.LunInfo l : t[i].luns()) {
                luns.add(java.util.Map.of("id", l.lun(), "bdev_name", l.bdev()));
            }
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("scsi_dev_num", i);
            m.put("target_name", "Target " + i);
            m.put("id", i);
            m.put("luns", luns);
            out.add(m);
        }
        return out;
    }

    @Override
    public long deviceFeatures() {
        return (1L << F_HOTPLUG) | (1L << F_CHANGE);
    }

    @Override
    public int maxQueues() {
        return FIRST_REQUEST_QUEUE + requestQueues;
    }

    /** QEMU builds virtio-scsi config space itself; ours answers only front-ends that ask anyway. */
    @Override
    public boolean servesConfigSpace() {
        return false;
    }

    @Override
    public void readConfig(int offset, byte[] out) {
        byte[] cfg = new byte[Math.max(CFG_SIZE, offset + out.length)];
        MemorySegment s = MemorySegment.ofArray(cfg);
        s.set(io.jvhost.virtio.Layouts.U32, CFG_NUM_QUEUES, requestQueues);
        s.set(io.jvhost.virtio.Layouts.U32, CFG_SEG_MAX, SEG_MAX);
        s.set(io.jvhost.virtio.Layouts.U32, CFG_MAX_SECTORS, 0xFFFF);
        s.set(io.jvhost.virtio.Layouts.U32, CFG_CMD_PER_LUN, 128);
        s.set(io.jvhost.virtio.Layouts.U32, CFG_EVENT_INFO_SIZE, EVENT_BYTES);
        s.set(io.jvhost.virtio.Layouts.U32, CFG_SENSE_SIZE, SENSE_SIZE);
        s.set(io.jvhost.virtio.Layouts.U32, CFG_CDB_SIZE, CDB_SIZE);
        s.set(io.jvhost.virtio.Layouts.U16, CFG_MAX_CHANNEL, (short) 0);
        s.set(io.jvhost.virtio.Layouts.U16, CFG_MAX_TARGET, (short) (MAX_TARGETS - 1));
        s.set(io.jvhost.virtio.Layouts.U32, CFG_MAX_LUN, ScsiTarget.MAX_LUN);
        System.arraycopy(cfg, offset, out, 0, out.length);
    }

    @Override
    public DeviceQueue openQueue(int index, QueueContext context, Reactor reactor) {
        return switch (index) {
            case CONTROL_QUEUE -> new ControlQueue(this, context, reactor);
            case EVENT_QUEUE -> {
                EventQueue q = new EventQueue(this, context, eventsMissed);
                eventsMissed = false;
                eventReactor = reactor;
                eventQueue = q;
                yield q;
            }
            default -> new RequestQueue(this, context, reactor);
        };
    }

    @Override
    public void featuresNegotiated(long features) {
        driverActive = true;
    }

    @Override
    public void sessionEnded() {
        driverActive = false;
        eventsMissed = false; // the next driver scans from scratch
    }

    /** The controller is deleted: every queue already stopped. */
    void close() {
        ScsiTarget[] t;
        synchronized (this) {
            t = targets;
            targets = new ScsiTarget[MAX_TARGETS];
        }
        for (ScsiTarget target : t) {
            if (target != null) {
                target.close();
            }
        }
    }
}
