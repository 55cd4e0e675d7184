package dev.ct2j.server;

import dev.ct2j.engine.EngineRuntime;
import dev.ct2j.natives.NativeMemory;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** The server's counters, written in Prometheus' text format (no client library: a few lines). */
final class Metrics {
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> batchSizes = new ConcurrentHashMap<>();
    private final LongAdder batches = new LongAdder();
    private final LongAdder sharedBatches = new LongAdder();
    // Milliseconds, summed: doubles would need a lock, and ms is precise enough for an RTF.
    private final AtomicLong audioMillis = new AtomicLong();
    private final AtomicLong processingMillis = new AtomicLong();
    private final AtomicLong lastRtfMicros = new AtomicLong(-1);

    void request(String endpoint, int status) {
        requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
        if (status >= 400) {
            errors.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
        }
    }

    void batch(int size, int requests) {
        batches.increment();
        batchSizes.computeIfAbsent(size, k -> new LongAdder()).increment();
        if (requests > 1) {
            sharedBatches.increment();
        }
    }

    void transcribed(double audioSeconds, double processingSeconds) {
        audioMillis.addAndGet(Math.round(audioSeconds * 1000));
        processingMillis.addAndGet(Math.round(processingSeconds * 1000));
        if (audioSeconds > 0) {
            lastRtfMicros.set(Math.round(processingSeconds / audioSeconds * 1e6));
        }
    }

    String render(IntSupplier queueDepth, IntSupplier running, Supplier<Iterable<String>> loadedModels,
                  boolean gpu) {
        StringBuilder out = new StringBuilder();
        labelled(out, "ct2j_requests_total", "HTTP requests answered, by endpoint and status", "counter", requests);
        labelled(out, "ct2j_errors_total", "requests answered with a status >= 400", "counter", errors);
        gauge(out, "ct2j_queue_depth", "requests waiting for a worker", queueDepth.getAsInt());
        gauge(out, "ct2j_requests_in_progress", "requests being decoded", running.getAsInt());
        out.append("# HELP ct2j_batch_size chunks decoded per engine call\n# TYPE ct2j_batch_size histogram\n");
        long cumulative = 0;
        long sum = 0;
        for (var e : new TreeMap<>(batchSizes).entrySet()) {
            cumulative += e.getValue().sum();
            sum += (long) e.getKey() * e.getValue().sum();
            out.append("ct2j_batch_size_bucket{le=\"").append(e.getKey()).append("\"} ").append(cumulative).append('\n');
        }
        out.append("ct2j_batch_size_bucket{le=\"+Inf\"} ").append(batches.sum()).append('\n');
        out.append("ct2j_batch_size_sum ").append(sum).append('\n');
        out.append("ct2j_batch_size_count ").append(batches.sum()).append('\n');
        counter(out, "ct2j_shared_batches_total", "engine calls that decoded chunks of more than one request",
                sharedBatches.sum());
        counter(out, "ct2j_audio_seconds_total", "seconds of audio transcribed", audioMillis.get() / 1000.0);
        counter(out, "ct2j_processing_seconds_total", "wall time spent transcribing", processingMillis.get() / 1000.0);
        double audio = audioMillis.get();
        gauge(out, "ct2j_real_time_factor", "processing time / audio time, over all requests",
                audio > 0 ? processingMillis.get() / audio : 0);
        gauge(out, "ct2j_last_real_time_factor", "processing time / audio time of the last request",
                lastRtfMicros.get() < 0 ? 0 : lastRtfMicros.get() / 1e6);
        int loaded = 0;
        out.append("# HELP ct2j_model_loaded models resident now\n# TYPE ct2j_model_loaded gauge\n");
        for (String model : loadedModels.get()) {
            loaded++;
            out.append("ct2j_model_loaded{model=\"").append(escape(model)).append("\"} 1\n");
        }
        gauge(out, "ct2j_loaded_models", "number of models resident now", loaded);
        gauge(out, "ct2j_host_rss_bytes", "resident set size of this process", rssBytes());
        if (gpu) {
            gpuMemory(out);
        }
        return out.toString();
    }

    // Device-wide (total - free): other processes on the GPU count too, as nvidia-smi shows.
    private static void gpuMemory(StringBuilder out) {
        try {
            int devices = EngineRuntime.cudaDeviceCount();
            out.append("# HELP ct2j_gpu_used_bytes memory used on each CUDA device\n# TYPE ct2j_gpu_used_bytes gauge\n");
            for (int i = 0; i < devices; i++) {
                EngineRuntime.DeviceMemory m = EngineRuntime.cudaMemory(i);
                out.append("ct2j_gpu_used_bytes{device=\"").append(i).append("\"} ")
                        .append(m.totalBytes() - m.freeBytes()).append('\n');
            }
        } catch (RuntimeException e) {
            out.append("# ct2j_gpu_used_bytes unavailable: ").append(escape(String.valueOf(e.getMessage()))).append('\n');
        }
    }

    /** VmRSS of this process in bytes, or -1 where /proc is missing. */
    static long rssBytes() {
        return NativeMemory.processStatusBytes("VmRSS").orElse(-1);
    }

    private static void labelled(StringBuilder out, String name, String help, String type, Map<String, LongAdder> values) {
        out.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(' ')
                .append(type).append('\n');
        for (var e : new TreeMap<>(values).entrySet()) {
            String[] key = e.getKey().split("\u0000");
            out.append(name).append("{endpoint=\"").append(escape(key[0])).append("\",status=\"").append(key[1])
                    .append("\"} ").append(e.getValue().sum()).append('\n');
        }
    }

    private static void gauge(StringBuilder out, String name, String help, double value) {
        out.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
                .append(" gauge\n").append(name).append(' ').append(number(value)).append('\n');
    }

    private static void counter(StringBuilder out, String name, String help, double value) {
        out.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
                .append(" counter\n").append(name).append(' ').append(number(value)).append('\n');
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
