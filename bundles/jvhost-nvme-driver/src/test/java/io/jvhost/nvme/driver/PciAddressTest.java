package io.jvhost.nvme.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PciAddressTest {
    @Test
    void shouldParseFullAndShortFormsAndPrintTheFullOne() {
        assertEquals("0000:00:04.0", PciAddress.parse("0000:00:04.0").toString());
        assertEquals("0000:00:04.0", PciAddress.parse("00:04.0").toString());
        assertEquals(new PciAddress(0x10, 0xaf, 0x1f, 7), PciAddress.parse("0010:AF:1f.7"));
        assertEquals("/sys/bus/pci/devices/0000:3b:00.1", PciAddress.parse("3b:00.1").sysfs().toString());
    }

    @Test
    void shouldRejectMalformedAddressesWithTheExpectedForm() {
        for (String bad : new String[] {"", "zz:1", "0000:00:20.0", "00:04.8", "00:04", "1:2:3:4.0", "00:04.0 x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PciAddress.parse(bad), bad);
            assertTrue(e.getMessage().contains("0000:00:04.0"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> PciAddress.parse(null));
    }
}
