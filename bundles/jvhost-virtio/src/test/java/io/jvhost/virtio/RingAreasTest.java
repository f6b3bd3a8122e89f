package io.jvhost.virtio;

import static io.jvhost.virtio.FakeGuest.BASE;
import static io.jvhost.virtio.FakeGuest.user;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RingAreasTest {
    private final FakeGuest guest = new FakeGuest();

    @Test
    void acceptsTheLayoutLinuxUses() {
        // vring_init: descriptors, then the available ring, then the used ring at the next 4 KiB
        assertDoesNotThrow(() -> RingAreas.split(256, user(BASE), user(BASE + 4096), user(BASE + 8192))
                .translate(guest.memory));
        assertDoesNotThrow(() -> RingAreas.packed(256, user(BASE), user(BASE + 4096), user(BASE + 4100))
                .translate(guest.memory));
    }

    @Test
    void refusesAUsedRingOverTheAvailableRing() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> RingAreas.split(16, user(BASE), user(BASE + 4096), user(BASE + 4096 + 32)).translate(guest.memory));
        assertTrue(e.getMessage().startsWith("the used ring (0x"), e.getMessage());
        assertTrue(e.getMessage().contains("overlaps the available ring"), e.getMessage());
    }

    @Test
    void refusesAUsedRingInsideTheDescriptorTableAndTouchingAreasAreFine() {
        assertThrows(IllegalArgumentException.class,
                () -> RingAreas.split(16, user(BASE), user(BASE + 4096), user(BASE + 252)).translate(guest.memory));
        // the used ring starting right where the 256-byte table ends does not overlap it
        assertDoesNotThrow(() -> RingAreas.split(16, user(BASE), user(BASE + 4096), user(BASE + 256))
                .translate(guest.memory));
    }

    @Test
    void refusesPackedEventAreasOnTheDescriptorRing() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> RingAreas.packed(16, user(BASE), user(BASE + 4096), user(BASE + 64)).translate(guest.memory));
        assertTrue(e.getMessage().contains("device event area") && e.getMessage().contains("descriptor ring"),
                e.getMessage());
    }

    @Test
    void stillRefusesMisalignedAndOutsideAreas() {
        assertThrows(IllegalArgumentException.class,
                () -> RingAreas.split(16, user(BASE), user(BASE + 4096), user(BASE + 8194)).translate(guest.memory));
        assertThrows(IllegalArgumentException.class,
                () -> RingAreas.split(16, user(BASE), user(BASE + 4096), user(FakeGuest.end() + 4096))
                        .translate(guest.memory));
    }
}
