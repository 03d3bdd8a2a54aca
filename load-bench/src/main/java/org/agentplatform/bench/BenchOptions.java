package org.agentplatform.bench;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;

/**
 * What one run does. {@code --quick} keeps the whole run under about three minutes; the default under fifteen.
 *
 * @param rates          target rates of the open-loop steps, commands/s, in order
 * @param stepSeconds    how long each step sends
 * @param accounts       registered accounts; the first {@code hotAccounts} take a large share of the traffic
 * @param httpShare      fraction of commands sent over HTTP to the ingest service (transfers), the rest straight to Kafka
 * @param mix            shares of claim and job commands; transfers take the rest
 * @param naiveTransfers transfers drained through the naive (one transaction per message) consumer
 * @param pgbenchSeconds duration of each pgbench run
 * @param serviceProperties Spring properties given to every service on top of its defaults ({@code --set=name=value},
 *                       repeatable), to measure a setting without rebuilding
 * @param serviceJvmOptions JVM options of every service ({@code --jvm=-XX:...}, repeatable), beside the heap bound
 * @param compression    compression of the generator's Kafka producer ({@code --compression=} sets the services' too)
 * @param combined       the four services in one JVM ({@code --combined}, as the local run deploys them), not a JVM each
 */
record BenchOptions(List<Integer> rates, int stepSeconds, int accounts, int hotAccounts, double httpShare,
                    Workload.Mix mix, int naiveTransfers, int pgbenchSeconds, int drainSeconds, Path out, boolean quick,
                    List<String> serviceProperties, String compression, List<String> serviceJvmOptions,
                    boolean combined) {

    static BenchOptions parse(String[] args) {
        boolean quick = Arrays.asList(args).contains("--quick");
        boolean combined = Arrays.asList(args).contains("--combined");
        List<Integer> rates = quick ? List.of(500, 1000) : List.of(500, 1000, 1500, 2000, 3000, 4000, 6000);
        int stepSeconds = quick ? 15 : 40;
        int accounts = quick ? 1000 : 10_000;
        int naive = quick ? 300 : 3000;
        int pgbench = quick ? 3 : 10;
        double http = 0.1;
        double claims = 0.1;
        double jobs = 0.1;
        // from the repository root the report lands in the module's target, from the module in its own
        Path target = java.nio.file.Files.isDirectory(Path.of("load-bench")) ? Path.of("load-bench", "target") : Path.of("target");
        Path out = target.resolve("bench-report").resolve(
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        List<String> set = new java.util.ArrayList<>();
        String compression = "lz4";
        List<String> jvm = new java.util.ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--quick") || arg.equals("--combined")) {
                continue;
            }
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("Unknown argument " + arg);
            }
            switch (kv[0]) {
                case "rates" -> rates = Arrays.stream(kv[1].split(",")).map(String::trim).map(Integer::valueOf).toList();
                case "step-seconds" -> stepSeconds = Integer.parseInt(kv[1]);
                case "accounts" -> accounts = Integer.parseInt(kv[1]);
                case "http-share" -> http = Double.parseDouble(kv[1]);
                case "claims-share" -> claims = Double.parseDouble(kv[1]);
                case "jobs-share" -> jobs = Double.parseDouble(kv[1]);
                case "naive-transfers" -> naive = Integer.parseInt(kv[1]);
                case "pgbench-seconds" -> pgbench = Integer.parseInt(kv[1]);
                case "out" -> out = Path.of(kv[1]);
                case "set" -> set.add("--" + kv[1]);
                case "jvm" -> jvm.add(kv[1]);
                case "compression" -> {
                    // the generator's producer and every service's
                    compression = kv[1];
                    set.add("--spring.kafka.producer.compression-type=" + kv[1]);
                }
                default -> throw new IllegalArgumentException("Unknown option --" + kv[0]
                        + " (known: --quick --combined --rates=a,b,c --step-seconds --accounts --http-share --claims-share --jobs-share --naive-transfers"
                        + " --pgbench-seconds --out --compression=lz4|none|zstd|snappy --set=spring.property=value --jvm=-XX:option)");
            }
        }
        return new BenchOptions(rates, stepSeconds, accounts, Math.max(1, accounts / 1000), http,
                new Workload.Mix(claims, jobs), naive, pgbench,
                quick ? 30 : 120, out, quick, List.copyOf(set), compression,
                List.copyOf(jvm), combined);
    }
}
