package io.jvhost.bdev.raid.internal;

import io.jvhost.bdev.BdevException;
import java.util.Locale;

/** The RAID levels and how SPDK names them ({@code raid0} or {@code 0}, {@code raid1} or {@code 1}, {@code concat}). */
enum RaidLevel {
    /** Striped: strips of strip_size_kb go round the bases; no redundancy. */
    RAID0("raid0", 1, true),
    /** Mirrored: every base holds all the data; serves while one base is left. */
    RAID1("raid1", 2, false),
    /** Concatenated: the bases one after the other; no redundancy. */
    CONCAT("concat", 1, true);

    private final String spdkName;
    private final int minBases;
    private final boolean striped;

    RaidLevel(String spdkName, int minBases, boolean striped) {
        this.spdkName = spdkName;
        this.minBases = minBases;
        this.striped = striped;
    }

    String spdkName() {
        return spdkName;
    }

    int minBases() {
        return minBases;
    }

    /** True for the levels laid out in strips (raid0, concat), which need a strip size. */
    boolean usesStrips() {
        return striped;
    }

    /** How many bases must stay for the raid to serve: all of them, but one for a mirror. */
    int minOperational(int bases) {
        return this == RAID1 ? 1 : bases;
    }

    static RaidLevel parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "raid0", "0" -> RAID0;
            case "raid1", "1" -> RAID1;
            case "concat" -> CONCAT;
            default -> throw new BdevException(BdevException.Reason.INVALID, "unknown raid_level '" + name
                    + "': use raid0 (or 0), raid1 (or 1) or concat");
        };
    }
}
