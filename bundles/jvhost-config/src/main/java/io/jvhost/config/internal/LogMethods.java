package io.jvhost.config.internal;

import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPDK's log methods (log_set_level, log_get_level, log_set_print_level, log_get_print_level,
 * log_set_flag, log_clear_flag, log_get_flags) over pax-logging: each change rewrites the
 * {@code org.ops4j.pax.logging} configuration ({@link LogSettings}), which pax-logging applies at once.
 * Both levels start at the launcher's {@code --log-level}.
 */
@Component(service = LogMethods.class, immediate = true)
public final class LogMethods {
    static final String PAX_LOGGING_PID = "org.ops4j.pax.logging";
    /** The framework property the launcher sets from --log-level. */
    static final String START_LEVEL = "org.ops4j.pax.logging.DefaultServiceLog.level";
    private static final Logger LOG = LoggerFactory.getLogger(LogMethods.class);
    private final Configuration configuration;
    private final MethodRegistrations registrations;
    private LogSettings settings;

    @Activate
    public LogMethods(BundleContext context, @Reference ConfigurationAdmin admin) throws IOException {
        String start = context.getProperty(START_LEVEL);
        String level = start == null ? null : LogSettings.spdkLevel(start);
        level = level == null ? "WARNING" : level;
        // "?" binds the configuration to whichever bundle registers the PID: pax-logging's backend
        configuration = admin.getConfiguration(PAX_LOGGING_PID, "?");
        settings = new LogSettings(level, level, Set.of());
        configuration.update(settings.toPaxLogging());
        registrations = MethodRegistrations.register(context,
                MethodRegistrations.method("log_set_level", "Level of every logger: {level} ERROR, WARNING, NOTICE,"
                        + " INFO or DEBUG", p -> set(p, true)),
                MethodRegistrations.method("log_get_level", "Level of every logger", p -> get(p, true)),
                MethodRegistrations.method("log_set_print_level", "Level of what is printed: {level}", p -> set(p, false)),
                MethodRegistrations.method("log_get_print_level", "Level of what is printed", p -> get(p, false)),
                MethodRegistrations.method("log_set_flag", "Debug logging of one component: {flag} (log_get_flags"
                        + " lists them; all sets every one)", p -> flag(p, true)),
                MethodRegistrations.method("log_clear_flag", "Ends debug logging of one component: {flag}",
                        p -> flag(p, false)),
                MethodRegistrations.method("log_get_flags", "Every flag and whether it is set", this::flags));
    }

    @Deactivate
    void deactivate() {
        registrations.close();
    }

    private synchronized Object set(Params p, boolean loggers) {
        p.allowOnly(Set.of("level"));
        String given = p.string("level");
        String level = LogSettings.spdkLevel(given);
        if (level == null) {
            throw MethodException.invalidParams(p.method() + ": unknown level '" + given + "'; one of "
                    + new TreeSet<>(LogSettings.LEVELS.keySet()));
        }
        apply(loggers ? settings.withLevel(level) : settings.withPrintLevel(level));
        return true;
    }

    private synchronized Object get(Params p, boolean loggers) {
        p.allowOnly(Set.of());
        return loggers ? settings.level() : settings.printLevel();
    }

    private synchronized Object flag(Params p, boolean on) {
        p.allowOnly(Set.of("flag"));
        String flag = p.string("flag");
        if (!flag.equals(LogFlags.ALL) && !LogFlags.LOGGERS.containsKey(flag)) {
            throw MethodException.invalidParams(p.method() + ": unknown flag '" + flag + "'; one of "
                    + LogFlags.ALL + ", " + String.join(", ", LogFlags.LOGGERS.keySet()));
        }
        apply(settings.withFlag(flag, on));
        return true;
    }

    private synchronized Object flags(Params p) {
        p.allowOnly(Set.of());
        Map<String, Object> m = new LinkedHashMap<>();
        LogFlags.LOGGERS.keySet().forEach(f -> m.put(f, settings.flags().contains(f)));
        return m;
    }

    private void apply(LogSettings next) {
        try {
            configuration.update(next.toPaxLogging());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update the " + PAX_LOGGING_PID + " configuration", e);
        }
        settings = next;
        LOG.info("logging: level {}, print level {}, flags {}", next.level(), next.printLevel(), next.flags());
    }
}
