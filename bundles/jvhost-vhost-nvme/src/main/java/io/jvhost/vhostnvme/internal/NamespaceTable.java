package io.jvhost.vhostnvme.internal;

import io.jvhost.nvme.Nvme;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A controller's namespaces by id (ids are never reused, so a removed one leaves a hole) and the
 * ids changed since the Changed Namespace List log page was last read. The table is copy-on-write:
 * queues look ids up on their reactors with one volatile read.
 */
final class NamespaceTable {
    private volatile Namespace[] table = new Namespace[0];
    private final TreeSet<Integer> changed = new TreeSet<>();

    Namespace get(int nsid) {
        Namespace[] t = table;
        return nsid >= 1 && nsid <= t.length ? t[nsid - 1] : null;
    }

    /** The id the next namespace gets. */
    int nextId() {
        return table.length + 1;
    }

    /** NN of Identify Controller: the highest id there has been. */
    int maxId() {
        return table.length;
    }

    /** Control thread, under the controller's lock: publishes {@code ns} under its id. */
    void publish(Namespace ns) {
        Namespace[] next = java.util.Arrays.copyOf(table, Math.max(table.length, ns.nsid));
        next[ns.nsid - 1] = ns;
        table = next;
    }

    /** Control thread, under the controller's lock: takes {@code nsid} out; null when there is none. */
    Namespace unpublish(int nsid) {
        Namespace ns = get(nsid);
        if (ns != null) {
            Namespace[] next = table.clone();
            next[nsid - 1] = null;
            table = next;
        }
        return ns;
    }

    List<Namespace> list() {
        List<Namespace> out = new ArrayList<>();
        for (Namespace ns : table) {
            if (ns != null) {
                out.add(ns);
            }
        }
        return out;
    }

    void markChanged(int nsid) {
        synchronized (changed) {
            changed.add(nsid);
        }
    }

    /** A driver that starts scans every namespace anyway. */
    void forgetChanges() {
        synchronized (changed) {
            changed.clear();
        }
    }

    /** The Changed Namespace List (log page 04h): up to 1024 ids, cleared by reading it. */
    byte[] takeChanged() {
        byte[] page = new byte[Nvme.PAGE];
        MemorySegment s = MemorySegment.ofArray(page);
        synchronized (changed) {
            if (changed.size() > 1024) {
                s.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0xFFFFFFFF); // more than fit: the guest rescans all
            } else {
                int i = 0;
                for (int id : changed) {
                    s.set(ValueLayout.JAVA_INT_UNALIGNED, 4L * i++, id);
                }
            }
            changed.clear();
        }
        return page;
    }

    /** Releases every bdev; the table is empty afterwards. */
    void closeAll() {
        for (Namespace ns : list()) {
            ns.descriptor.close();
        }
        table = new Namespace[0];
    }
}
