package io.jvhost.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ParamsTest {
    private static Params params(String json) {
        return Params.of("vhost_create_blk_controller", Json.parse(json));
    }

    @Test
    void keysWithoutEffectAreAcceptedAndOthersStillRefused() {
        Params p = params("{\"ctrlr\":\"c0\",\"packed_ring_recovery\":false}")
                .allowOnly(Set.of("ctrlr"), Set.of("packed_ring_recovery"));
        assertEquals("c0", p.string("ctrlr"));

        MethodException e = assertThrows(MethodException.class, () -> params("{\"ctrlr\":\"c0\",\"packed_rnig\":1}")
                .allowOnly(Set.of("ctrlr"), Set.of("packed_ring_recovery")));
        assertEquals(MethodException.INVALID_PARAMS, e.code());
        assertTrue(e.getMessage().contains("'packed_rnig'"), e.getMessage());
        assertTrue(e.getMessage().contains("[ctrlr, packed_ring_recovery]"), "the accepted list names both kinds: "
                + e.getMessage());
    }

    @Test
    void withoutDeclaringThemTheSameKeysAreRefused() {
        MethodException e = assertThrows(MethodException.class, () -> new Params("m",
                Map.of("packed_ring_recovery", false)).allowOnly(Set.of("ctrlr")));
        assertEquals(MethodException.INVALID_PARAMS, e.code());
    }
}
