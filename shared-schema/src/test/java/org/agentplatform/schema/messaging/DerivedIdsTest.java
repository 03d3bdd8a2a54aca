package org.agentplatform.schema.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class DerivedIdsTest {

    private static final UUID COMMAND = UUID.fromString("0b6f3c1e-52a4-4b7e-9d0a-3f1c2e4d5a6b");

    @Test
    void anIdIsTheVersion3IdOfItsPurposeAndPartsJoinedByColons() {
        // ids derived before this helper existed are stored: the helper must give the very same ones
        assertThat(DerivedIds.of("rejected", COMMAND))
                .isEqualTo(UUID.nameUUIDFromBytes(("rejected:" + COMMAND).getBytes(StandardCharsets.UTF_8)));
        assertThat(DerivedIds.of("leg", COMMAND, 2))
                .isEqualTo(UUID.nameUUIDFromBytes(("leg:" + COMMAND + ":2").getBytes(StandardCharsets.UTF_8)));
        assertThat(DerivedIds.of("leg", COMMAND, 2).version()).isEqualTo(3);
        // a fixed value: a change of algorithm or layout fails here, not in a database of duplicates
        assertThat(DerivedIds.of("rejected", COMMAND)).hasToString("fcd7fb55-c628-35a8-abac-a5e7bd6f3b79");
    }

    @Test
    void purposesAndPartsSeparateIds() {
        assertThat(DerivedIds.of("leg", COMMAND, 1)).isNotEqualTo(DerivedIds.of("leg", COMMAND, 2))
                .isNotEqualTo(DerivedIds.of("finished", COMMAND, 1));
        assertThat(DerivedIds.ofName("rejected:" + COMMAND)).isEqualTo(DerivedIds.of("rejected", COMMAND));
    }

    @Test
    void namespacedIdsAreVersion5() {
        // RFC 9562 appendix A.4: namespace DNS, name "www.example.com"
        UUID dns = UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        assertThat(DerivedIds.within(dns, "www.example.com"))
                .isEqualTo(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
    }
}
