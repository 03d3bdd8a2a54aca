package org.agentplatform.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/** A real flight recording of a thread that spins, read back: the thread (its number folded) and our frame in it. */
class ProfilesTest {

    static volatile long sink;

    @Test
    void namesTheHottestThreadAndThePlatformFrameItRuns(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("spinner.jfr");
        Instant from = Instant.now();
        Instant[] to = new Instant[1];
        try (Recording recording = new Recording(Configuration.getConfiguration("profile"))) {
            recording.start();
            Thread spinner = new Thread(ProfilesTest::spin, "spinner-17");
            spinner.start();
            spinner.join();
            recording.stop();
            to[0] = Instant.now();
            recording.dump(file);
        }

        Profiles.Profile profile = Profiles.read("spinner", file, from, to[0]);
        // nothing outside the window
        assertThat(Profiles.read("spinner", file, to[0].plusSeconds(1), to[0].plusSeconds(2)).samples()).isZero();

        assertThat(profile.samples()).isPositive();
        Profiles.HotThread spinner = profile.threads().stream().filter(t -> t.thread().equals("spinner-#")).findFirst()
                .orElseThrow(() -> new AssertionError("no spinner-# among " + profile.threads()));
        assertThat(spinner.samples()).isPositive();
        assertThat(spinner.topOfStack()).isNotEmpty();
        assertThat(spinner.ownCode()).extracting(Profiles.Frame::method).contains("ProfilesTest.spin");
        assertThat(Profiles.markdown(List.of(profile))).contains("**spinner**", "spinner-#", "`ProfilesTest.spin`");
    }

    @Test
    void aPoolIsOneThread() {
        assertThat(Profiles.fold("http-nio-8083-exec-12")).isEqualTo(Profiles.fold("http-nio-8083-exec-7"))
                .isEqualTo("http-nio-#-exec-#");
    }

    /** Busy for 600 ms of wall time, so the sampler (every 10 ms of a running thread) sees it even on a busy box. */
    private static void spin() {
        long end = System.nanoTime() + Duration.ofMillis(600).toNanos();
        long x = 1;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 10_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        sink = x;
    }
}
