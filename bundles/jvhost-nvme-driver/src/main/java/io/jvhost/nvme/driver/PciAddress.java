package io.jvhost.nvme.driver;

import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI function address, {@code domain:bus:device.function} as in {@code 0000:00:04.0}; the domain
 * may be left out ({@code 00:04.0}).
 */
public record PciAddress(int domain, int bus, int device, int function) {
    private static final Pattern FORM = Pattern.compile("(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");

    public PciAddress {
        if (domain < 0 || domain > 0xFFFF || bus < 0 || bus > 0xFF || device < 0 || device > 0x1F || function < 0
                || function > 7) {
            throw new IllegalArgumentException("not a PCI address: " + domain + ":" + bus + ":" + device + "." + function);
        }
    }

    /** Parses {@code 0000:00:04.0} or {@code 00:04.0}; the message of the exception says what form is expected. */
    public static PciAddress parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        int device = m.matches() ? Integer.parseInt(m.group(3), 16) : -1;
        if (device < 0 || device > 0x1F) {
            throw new IllegalArgumentException("'" + text + "' is not a PCI address: write it as 0000:00:04.0 "
                    + "(domain:bus:device.function, device at most 1f, as lspci -D shows)");
        }
        return new PciAddress(m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16),
                device, Integer.parseInt(m.group(4)));
    }

    /** The device's directory in sysfs. */
    public Path sysfs() {
        return Path.of("/sys/bus/pci/devices", toString());
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%04x:%02x:%02x.%d", domain, bus, device, function);
    }
}
