package org.agentplatform.ingest.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
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
    void theSameKeyGivesTheSameIdPerActor() {
        Actor alice = new Actor("alice", null, null);
        assertThat(CommandIds.next(alice, "k")).isEqualTo(CommandIds.next(alice, "k"));
        assertThat(CommandIds.next(alice, "k")).isNotEqualTo(CommandIds.next(new Actor("bob", null, null), "k"));
        // the actor/key boundary cannot be shifted to forge another actor's id
        assertThat(CommandIds.next(new Actor("a", null, null), "b:c")).isNotEqualTo(CommandIds.next(new Actor("a:b", null, null), "c"));
        assertThat(CommandIds.next(alice, null)).isNotEqualTo(CommandIds.next(alice, null));
    }

    @Test
    void unusableKeysAreRefused() {
        Actor alice = new Actor("alice", null, null);
        assertThatThrownBy(() -> CommandIds.next(alice, "")).isInstanceOf(ErrorResponseException.class);
        assertThatThrownBy(() -> CommandIds.next(alice, "k".repeat(256))).isInstanceOf(ErrorResponseException.class);
        assertThatThrownBy(() -> CommandIds.next(alice, "with space")).isInstanceOf(ErrorResponseException.class);
    }
}
