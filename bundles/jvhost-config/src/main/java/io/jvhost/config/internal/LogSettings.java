package io.jvhost.config.internal;

import java.util.Hashtable;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What SPDK's log methods set, and the pax-logging (Log4j 2) configuration that applies it. The log
 * level is the level of every logger (what is logged at all); the print level filters what reaches
 * the console; each flag turns its component's loggers to DEBUG, so its debug lines are logged and
 * printed when the print level lets DEBUG through, as SPDK prints a flag's lines only then.
 *
 * @param level SPDK level name of the loggers
 * @param printLevel SPDK level name of the console filter
 * @param flags the flags set
 */
record LogSettings(String level, String printLevel, Set<String> flags) {
    /** SPDK's level names and the Log4j level each maps to (NOTICE sits between WARN and INFO: INFO). */
    static final Map<String, String> LEVELS = Map.of("ERROR", "ERROR", "WARNING", "WARN", "NOTICE", "INFO",
            "INFO", "INFO", "DEBUG", "DEBUG");
    /** Console line: time, level, logger (last part of the class name), message. */
    static final String PATTERN = "[%d{yyyy-MM-dd HH:mm:ss.SSS}] %-5level %c{1}: %msg%n%throwable";

    LogSettings {
        flags = Set.copyOf(flags);
    }

    /**
     * The SPDK name of a level given as SPDK spells it (any case) or as jvhost's --log-level does
     * (WARN); null when it is neither.
     */
    static String spdkLevel(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.equals("WARN")) {
            return "WARNING";
        }
        return LEVELS.containsKey(n) ? n : null;
    }

    LogSettings withLevel(String l) {
        return new LogSettings(l, printLevel, flags);
    }

    LogSettings withPrintLevel(String l) {
        return new LogSettings(level, l, flags);
    }

    LogSettings withFlag(String flag, boolean on) {
        Set<String> next = new TreeSet<>(flags);
        if (flag.equals(LogFlags.ALL)) {
            if (on) {
                next.addAll(LogFlags.LOGGERS.keySet());
            } else {
                next.clear();
            }
        } else if (on) {
            next.add(flag);
        } else {
            next.remove(flag);
        }
        return new LogSettings(level, printLevel, next);
    }

    /** The {@code org.ops4j.pax.logging} configuration, in pax-logging's Log4j 2 properties form. */
    Hashtable<String, Object> toPaxLogging() {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("log4j2.appender.console.type", "Console");
        p.put("log4j2.appender.console.name", "console");
        p.put("log4j2.appender.console.layout.type", "PatternLayout");
        p.put("log4j2.appender.console.layout.pattern", PATTERN);
        p.put("log4j2.appender.console.filter.threshold.type", "ThresholdFilter");
        p.put("log4j2.appender.console.filter.threshold.level", LEVELS.get(printLevel));
        p.put("log4j2.rootLogger.level", LEVELS.get(level));
        p.put("log4j2.rootLogger.appenderRef.console.ref", "console");
        int i = 0;
        for (String flag : new TreeSet<>(flags)) {
            String key = "log4j2.logger.flag" + i++;
            p.put(key + ".name", LogFlags.LOGGERS.get(flag));
            p.put(key + ".level", "DEBUG");
        }
        return p;
    }
}
