package io.jvhost.reactor;

import java.util.BitSet;
import java.util.stream.IntStream;

/**
 * A set of cores, written as SPDK writes it: a hex mask ({@code 0x3}) or a core list
 * ({@code 0-3,5} or {@code [0,1]}).
 */
public final class CpuMask {
    private final BitSet cores;

    private CpuMask(BitSet cores) {
        this.cores = cores;
    }

    /** Parses a mask; throws IllegalArgumentException naming the text and the accepted forms. */
    public static CpuMask parse(String text) {
        String t = text == null ? "" : text.trim();
        BitSet set = new BitSet();
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                String hex = t.substring(2);
                if (hex.isEmpty()) {
                    throw new NumberFormatException();
                }
                for (int i = 0; i < hex.length(); i++) {
                    int nibble = Character.digit(hex.charAt(hex.length() - 1 - i), 16);
                    if (nibble < 0) {
                        throw new NumberFormatException();
                    }
                    for (int b = 0; b < 4; b++) {
                        if ((nibble & (1 << b)) != 0) {
                            set.set(i * 4 + b);
                        }
                    }
                }
            } else {
                String list = t.startsWith("[") && t.endsWith("]") ? t.substring(1, t.length() - 1) : t;
                for (String part : list.split(",")) {
                    String p = part.trim();
                    int dash = p.indexOf('-');
                    int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                    int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).trim());
                    if (from < 0 || to < from || to > 1023) {
                        throw new NumberFormatException();
                    }
                    set.set(from, to + 1);
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid cpumask '" + text
                    + "': expected a hex mask such as 0x3 or a core list such as 0-3,5");
        }
        if (set.isEmpty()) {
            throw new IllegalArgumentException("invalid cpumask '" + text + "': it selects no core");
        }
        return new CpuMask(set);
    }

    /** A mask of exactly the given cores. */
    public static CpuMask of(int... cores) {
        BitSet set = new BitSet();
        for (int c : cores) {
            set.set(c);
        }
        if (set.isEmpty()) {
            throw new IllegalArgumentException("a cpumask needs at least one core");
        }
        return new CpuMask(set);
    }

    /** Fails naming the first core that is not in {@code available}. */
    public CpuMask requireWithin(BitSet available) {
        BitSet extra = (BitSet) cores.clone();
        extra.andNot(available);
        if (!extra.isEmpty()) {
            throw new IllegalArgumentException("cpumask " + this + " names core " + extra.nextSetBit(0)
                    + ", but this process may only use cores " + new CpuMask(available).toList());
        }
        return this;
    }

    public IntStream cores() {
        return cores.stream();
    }

    public int count() {
        return cores.cardinality();
    }

    public boolean contains(int core) {
        return core >= 0 && cores.get(core);
    }

    /** True when every core of {@code other} is in this mask. */
    public boolean containsAll(CpuMask other) {
        BitSet extra = (BitSet) other.cores.clone();
        extra.andNot(cores);
        return extra.isEmpty();
    }

    /** The cores as a list such as {@code 0-3,5}. */
    public String toList() {
        StringBuilder sb = new StringBuilder();
        int i = cores.nextSetBit(0);
        while (i >= 0) {
            int end = cores.nextClearBit(i) - 1;
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(i);
            if (end > i) {
                sb.append('-').append(end);
            }
            i = cores.nextSetBit(end + 1);
        }
        return sb.toString();
    }

    /** The mask in SPDK's hex form, e.g. {@code 0x3}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int nib = (cores.length() - 1) / 4; nib >= 0; nib--) {
            int v = 0;
            for (int b = 0; b < 4; b++) {
                if (cores.get(nib * 4 + b)) {
                    v |= 1 << b;
                }
            }
            sb.append(Character.forDigit(v, 16));
        }
        return "0x" + sb;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuMask m && m.cores.equals(cores);
    }

    @Override
    public int hashCode() {
        return cores.hashCode();
    }
}
