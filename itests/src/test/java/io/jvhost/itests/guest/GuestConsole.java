package io.jvhost.itests.guest;

import static org.junit.Assert.assertTrue;

/** Checks on what a test guest printed on its serial console. */
final class GuestConsole {
    private GuestConsole() {
    }

    /** Fails with the whole console when {@code line} is not in it. */
    static void assertContains(String console, String line) {
        assertTrue("guest console lacks '" + line + "':\n" + console, console.contains(line));
    }
}
