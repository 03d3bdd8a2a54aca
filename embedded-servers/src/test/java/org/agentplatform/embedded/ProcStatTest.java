package org.agentplatform.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcStatTest {

    @Test
    void readsTheFieldsAfterANameWithSpacesAndParentheses(@TempDir Path dir) throws IOException {
        Path stat = Files.writeString(dir.resolve("stat"), "4242 (C2 Compiler) (x)) S 17 4242 4242 0 -1 4194304 "
                + "100 0 0 0 123 45 6 7 20 0 30 0 987654 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0");

        assertThat(ProcStat.read(stat)).contains(new ProcStat(4242, "C2 Compiler) (x)", 17, 987654, 168, 13));
    }

    @Test
    void aMissingOrTruncatedLineIsNoReadingNotZero(@TempDir Path dir) throws IOException {
        assertThat(ProcStat.read(dir.resolve("gone"))).isEmpty();
        assertThat(ProcStat.read(Files.writeString(dir.resolve("stat"), "4242 (java) S 1 2"))).isEmpty();
    }

    @Test
    void readsThisProcess() {
        ProcStat self = ProcStat.of(ProcessHandle.current().pid()).orElseThrow();

        assertThat(self.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(self.startTicks()).isPositive();
    }
}
