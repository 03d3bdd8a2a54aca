package org.agentplatform.ingest.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

class CommandIdsTest {

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
