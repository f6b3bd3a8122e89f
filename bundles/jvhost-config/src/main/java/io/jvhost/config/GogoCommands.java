package io.jvhost.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Gogo commands with hyphenated names ({@code vhost:create-blk}), which Gogo's reflective dispatch cannot
 * map to Java methods: each name is registered as its own {@link Function} that calls the public method
 * of the same name in camel case ({@code createBlk}) with the overload whose parameter count matches,
 * converting arguments to its {@code String}, {@code int}, {@code long} or {@code boolean} parameters.
 * {@code NAME --help} prints the methods' {@link Descriptor} texts.
 */
public final class GogoCommands implements AutoCloseable {
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    private GogoCommands() {
    }

    /** Registers {@code functions} of {@code scope}, each served by {@code target}'s methods of that name. */
    public static GogoCommands register(BundleContext context, String scope, Object target, String... functions) {
        GogoCommands c = new GogoCommands();
        for (String function : functions) {
            List<Method> overloads = new ArrayList<>();
            String javaName = camelCase(function);
            for (Method m : target.getClass().getMethods()) {
                if (m.getName().equals(javaName)) {
                    overloads.add(m);
                }
            }
            if (overloads.isEmpty()) {
                c.close();
                throw new IllegalArgumentException(target.getClass().getName() + " has no method " + javaName
                        + " for command " + scope + ":" + function);
            }
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("osgi.command.scope", scope);
            props.put("osgi.command.function", function);
            c.registrations.add(context.registerService(Function.class, new Command(scope + ":" + function, target,
                    overloads), props));
        }
        return c;
    }

    /** {@code create-blk} -> {@code createBlk}. */
    static String camelCase(String function) {
        StringBuilder sb = new StringBuilder();
        boolean upper = false;
        for (char ch : function.toCharArray()) {
            if (ch == '-') {
                upper = true;
            } else {
                sb.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping and took its services with it
            }
        }
        registrations.clear();
    }

    /** One command name and the methods that serve it. */
    private record Command(String name, Object target, List<Method> overloads) implements Function {
        @Override
        public Object execute(CommandSession session, List<Object> arguments) throws Exception {
            if (arguments.size() == 1 && "--help".equals(String.valueOf(arguments.get(0)))) {
                return help();
            }
            for (Method m : overloads) {
                if (m.getParameterCount() == arguments.size()) {
                    Object[] args = new Object[arguments.size()];
                    Parameter[] params = m.getParameters();
                    for (int i = 0; i < args.length; i++) {
                        args[i] = convert(String.valueOf(arguments.get(i)), params[i].getType(), i);
                    }
                    try {
                        return m.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        Throwable cause = e.getCause();
                        throw cause instanceof Exception ex ? ex : new IllegalStateException(cause);
                    }
                }
            }
            throw new IllegalArgumentException(name + " takes no " + arguments.size() + " arguments; usage:\n" + help());
        }

        private Object convert(String text, Class<?> type, int index) {
            try {
                if (type == String.class) {
                    return text;
                } else if (type == int.class || type == Integer.class) {
                    return Integer.decode(text);
                } else if (type == long.class || type == Long.class) {
                    return Long.decode(text);
                } else if (type == boolean.class || type == Boolean.class) {
                    return Boolean.parseBoolean(text);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": argument " + (index + 1) + " '" + text
                        + "' is not a number");
            }
            throw new IllegalStateException(name + ": unsupported parameter type " + type.getName());
        }

        private String help() {
            StringBuilder sb = new StringBuilder();
            for (Method m : overloads) {
                Descriptor d = m.getAnnotation(Descriptor.class);
                sb.append(name);
                for (Parameter p : m.getParameters()) {
                    Descriptor pd = p.getAnnotation(Descriptor.class);
                    sb.append(" <").append(pd != null ? pd.value() : p.getName()).append('>');
                }
                sb.append("\n    ").append(d != null ? d.value() : "").append('\n');
            }
            return sb.toString().stripTrailing();
        }
    }
}
