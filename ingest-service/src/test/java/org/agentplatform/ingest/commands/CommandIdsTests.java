package org.agentplatform.ingest.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

class CommandIdsTests {

    @Test
    void nameBasedIdsAreVersion5() {
        // RFC 9562 appendix A.4: namespace DNS, name "www.example.com"
        UUID dns = UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        assertThat(CommandIds.nameBased(dns, "www.example.com"))
                .isEqualTo(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
    }

    @Test
    void idsAreRandomWithOrWithoutAKey() {
        // the same key gives another id each time: a retry reuses the id stored with the key, nothing derives it
        assertThat(CommandIds.next("k")).isNotEqualTo(CommandIds.next("k"));
        assertThat(CommandIds.next("k").version()).isEqualTo(4);
        assertThat(CommandIds.next(null)).isNotEqualTo(CommandIds.next(null));
    }

    @Test
    void unusableKeysAreRefused() {
        assertThatThrownBy(() -> CommandIds.next("")).isInstanceOf(ErrorResponseException.class);
        assertThatThrownBy(() -> CommandIds.next("k".repeat(256))).isInstanceOf(ErrorResponseException.class);
        assertThatThrownBy(() -> CommandIds.next("with space")).isInstanceOf(ErrorResponseException.class);
    }
}
