package io.jvhost.scsi.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.DeferredCompletionChannel;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.reactor.Reactor;
import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.malloc.internal.MallocBackend;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.reactor.Reactors;
import io.jvhost.scsi.ScsiChannel;
import io.jvhost.scsi.ScsiTarget;
import io.jvhost.scsi.ScsiTask;
import io.jvhost.scsi.ScsiTmf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * A SCSI target over real malloc bdevs, driven step by step on the test thread (a stepped reactor),
 * so tests can place task management exactly between a command's submission and its completion.
 */
final class ScsiHarness implements AutoCloseable {
    final BdevRegistryImpl bdevs = new BdevRegistryImpl();
    final Reactors.SteppedReactor reactor = Reactors.stepped(0);
    final List<String> events = new ArrayList<>();
    final Target target;
    final ScsiChannel channel;
    final Arena arena = Arena.ofShared();
    /** Completion order of tasks and functions, for ordering checks. */
    final List<String> completions = new ArrayList<>();

    ScsiHarness(int blockSize, long blocks) {
        reactor.bindToCurrentThread();
        addMalloc("Malloc0", blockSize, blocks);
        target = (Target) new TargetFactory(bdevs).create("t0", new ScsiTarget.Listener() {
            @Override
            public void lunAttached(ScsiTarget t, int lun) {
                events.add("attached " + lun);
            }

            @Override
            public void lunDetached(ScsiTarget t, int lun) {
                events.add("detached " + lun);
            }

            @Override
            public void lunResized(ScsiTarget t, int lun) {
                events.add("resized " + lun);
            }
        });
        target.attachLun(0, "Malloc0");
        channel = target.openChannel(reactor);
    }

    void addMalloc(String name, int blockSize, long blocks) {
        bdevs.register(new BdevSpec(name, null, "malloc", "Malloc disk", blockSize, blocks, 0,
                EnumSet.allOf(IoType.class), Map.of()), new MallocBackend(blockSize * blocks, blockSize));
    }

    /**
     * A bdev with one bad block, as an error-injecting device (SPDK's bdev_error): every request that
     * touches {@code badLba} fails with an I/O error, the rest behaves as a RAM disk.
     */
    void addFaulty(String name, int blockSize, long blocks, long badLba) {
        addFaulty(name, blockSize, blocks, badLba, BdevIo.FAILED);
    }

    /** As {@link #addFaulty(String, int, long, long)}, failing with {@code failure} (e.g. an NVMe status). */
    void addFaulty(String name, int blockSize, long blocks, long badLba, int failure) {
        MallocBackend ram = new MallocBackend(blockSize * blocks, blockSize);
        bdevs.register(new BdevSpec(name, null, "error", "Faulty disk", blockSize, blocks, 0,
                EnumSet.allOf(IoType.class), Map.of()), new BdevBackend() {
                    @Override
                    public ModuleChannel createChannel(Reactor r) {
                        ModuleChannel inner = ram.createChannel(r);
                        return new DeferredCompletionChannel() {
                            private BdevIo last;
                            private int lastStatus;

                            @Override
                            protected int execute(BdevIo io) {
                                boolean bad = io.type().hasData() && badLba >= io.offsetBlocks()
                                        && badLba < io.offsetBlocks() + io.numBlocks();
                                if (bad) {
                                    return failure;
                                }
                                // the RAM disk completes on its own poll: run it to completion here
                                inner.bind((done, status) -> {
                                    last = done;
                                    lastStatus = status;
                                });
                                last = null;
                                inner.submit(io);
                                while (last == null) {
                                    inner.doWork();
                                }
                                return lastStatus;
                            }
                        };
                    }

                    @Override
                    public void destroy() {
                        ram.destroy();
                    }

                    @Override
                    public String createMethod() {
                        return "bdev_error_create";
                    }
                });
    }

    MemorySegment buffer(long bytes) {
        return arena.allocate(Math.max(1, bytes), 4096);
    }

    /** A task for {@code lun} with {@code cdb} and {@code data} moving in {@code dir} (data may be null). */
    ScsiTask task(int lun, long tag, byte[] cdb, MemorySegment data, ScsiTask.Direction dir) {
        ScsiTask t = new ScsiTask(8);
        t.prepare(lun, tag, ScsiTask.CDB_MAX, done -> completions.add("task " + done.tag()));
        System.arraycopy(cdb, 0, t.cdb, 0, cdb.length);
        if (data != null) {
            t.addData(data, 0, data.byteSize(), dir);
        }
        return t;
    }

    /** Runs a command to completion. */
    ScsiTask run(int lun, byte[] cdb, MemorySegment data, ScsiTask.Direction dir) {
        ScsiTask t = task(lun, completions.size() + 1000, cdb, data, dir);
        int before = completions.size();
        channel.execute(t);
        stepUntil(() -> completions.size() > before);
        return t;
    }

    ScsiTask in(byte[] cdb, MemorySegment data) {
        return run(0, cdb, data, ScsiTask.Direction.FROM_DEVICE);
    }

    ScsiTask out(byte[] cdb, MemorySegment data) {
        return run(0, cdb, data, ScsiTask.Direction.TO_DEVICE);
    }

    ScsiTask none(byte[] cdb) {
        return run(0, cdb, null, ScsiTask.Direction.NONE);
    }

    ScsiTmf tmf(ScsiTmf.Function f, int lun, long tag) {
        ScsiTmf m = new ScsiTmf().prepare(f, lun, tag, done -> completions.add("tmf " + done.function()));
        channel.manage(m);
        return m;
    }

    /** Detaches a LUN from a control thread while this (reactor) thread keeps stepping, as in production. */
    void detach(int lun) {
        boolean[] done = new boolean[1];
        Thread control = new Thread(() -> {
            if (!target.detachLun(lun)) {
                throw new AssertionError("no LUN " + lun);
            }
            done[0] = true;
        });
        control.start();
        stepUntil(() -> !control.isAlive());
        if (!done[0]) {
            throw new AssertionError("detach failed");
        }
    }

    void stepUntil(java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out; completions so far " + completions);
            }
            reactor.step();
        }
    }

    @Override
    public void close() {
        channel.close();
        target.close();
        arena.close();
    }

    // CDB builders
    static byte[] cdb(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return b;
    }

    static byte[] rw10(int op, long lba, int blocks) {
        byte[] b = new byte[10];
        b[0] = (byte) op;
        Scsi.putBe(b, 2, 4, lba);
        Scsi.putBe(b, 7, 2, blocks);
        return b;
    }

    static byte[] rw16(int op, long lba, long blocks) {
        byte[] b = new byte[16];
        b[0] = (byte) op;
        Scsi.putBe(b, 2, 8, lba);
        Scsi.putBe(b, 10, 4, blocks);
        return b;
    }

    static int senseKey(ScsiTask t) {
        byte[] s = t.sense();
        return (s[0] & 0x7F) == 0x72 ? s[1] & 0x0F : s[2] & 0x0F;
    }

    static int asc(ScsiTask t) {
        byte[] s = t.sense();
        return (s[0] & 0x7F) == 0x72 ? ((s[2] & 0xFF) << 8) | (s[3] & 0xFF) : ((s[12] & 0xFF) << 8) | (s[13] & 0xFF);
    }
}
