package io.jvhost.config.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Hashtable;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SPDK's log settings become pax-logging's Log4j 2 configuration. */
class LogSettingsTest {
    @Test
    void shouldSetLoggerLevelConsoleThresholdAndOneDebugLoggerPerFlag() {
        LogSettings s = new LogSettings("WARNING", "WARNING", Set.of()).withLevel("NOTICE").withPrintLevel("DEBUG")
                .withFlag("vhost_blk", true).withFlag("scsi", true).withFlag("scsi", false);
        Hashtable<String, Object> p = s.toPaxLogging();
        assertEquals("INFO", p.get("log4j2.rootLogger.level"), "NOTICE logs INFO and above");
        assertEquals("DEBUG", p.get("log4j2.appender.console.filter.threshold.level"));
        assertEquals("io.jvhost.vhostblk", p.get("log4j2.logger.flag0.name"));
        assertEquals("DEBUG", p.get("log4j2.logger.flag0.level"));
        assertFalse(p.containsKey("log4j2.logger.flag1.name"), "the cleared flag has no logger");
    }

    @Test
    void shouldSetAndClearEveryFlagWithAll() {
        LogSettings all = new LogSettings("WARNING", "WARNING", Set.of()).withFlag(LogFlags.ALL, true);
        assertEquals(LogFlags.LOGGERS.keySet(), all.flags());
        assertEquals(Set.of(), all.withFlag(LogFlags.ALL, false).flags());
    }

    @Test
    void shouldTakeSpdksLevelNamesAndJvhostsWarn() {
        assertEquals("WARNING", LogSettings.spdkLevel("warn"));
        assertEquals("NOTICE", LogSettings.spdkLevel("notice"));
        assertNull(LogSettings.spdkLevel("loud"));
    }
}
