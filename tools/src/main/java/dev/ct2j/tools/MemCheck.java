package dev.ct2j.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.EngineRuntime;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.natives.NativeLibrary;
import dev.ct2j.natives.NativeMemory;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ct2j memcheck}: repeats the model lifetime a long-running service goes through and
 * watches host (and CUDA) memory for growth.
 *
 * <p>One cycle is: {@code WhisperModel.load} ("load"), transcribe ("transcribe"),
 * {@code unloadModel(true)} ("unload-cpu"), {@code loadModel(false)} ("load-cached"), transcribe
 * ("transcribe-2"), {@code unloadModel(false)} ("unload-full"), {@code loadModel(false)}
 * ("reload", from the model files), {@code close()} ("close"), then "close-gc": one System.gc()
 * and RSS once it stops falling, with no malloc_trim from memcheck (what a service that closes a
 * model sees; {@code close()} itself trims, see {@code NativeMemory}), then "trimmed": System.gc() twice
 * (G1 settles on its shrunk heap size only after the second full collection; with one, the
 * committed heap flips between sizes from cycle to cycle) and glibc's {@code malloc_trim(0)}
 * (called through FFM, found with {@code Linker.nativeLinker().defaultLookup()}), the trim
 * repeated every 100 ms until RSS stops falling (at most 3 s), because G1 returns the heap it
 * shrinks concurrently. The next cycle loads a new
 * {@code WhisperModel}. Every transcription (language detection on, default options) must give
 * the same text as the first one, or the command fails (exit 1).
 *
 * <p>Host memory is the process's resident set ({@code VmRSS} in {@code /proc/self/status}, MB
 * = 2^20 bytes); its peak ({@code VmHWM}) is reported at the end. The table also splits RSS into
 * anonymous and file-backed pages ({@code RssAnon}, {@code RssFile}: the latter is mostly native
 * code paged in) and shows the committed Java heap and what is held through malloc (glibc's
 * {@code mallinfo2}: uordblks + hblkhd), so that growth can be attributed. CUDA memory is
 * {@link EngineRuntime#cudaMemory(int)}: used = total - free, device-wide (other processes on
 * the device count too).
 *
 * <p>Note on glibc: {@code malloc_trim(0)} returns free pages inside the arenas and trims the
 * main arena's top, but not the top chunk of the per-thread arenas; freed memory there stays
 * resident up to the (dynamic, at most 64 MB) trim threshold per arena. That memory is free, not
 * leaked (mallinfo2 shows it is not in use), and {@code MALLOC_ARENA_MAX=1} in the environment
 * makes it go away. {@code --mkl-free-buffers} additionally calls MKL's {@code mkl_free_buffers()}
 * (exported by libctranslate2, which links MKL statically) in the "trimmed" phases.
 *
 * <p>The closing JSON line:
 * <ul>
 *   <li>{@code rss_start_mb}: RSS before the first load, after a warm-up that loads the native
 *       libraries (libct2j, CTranslate2 with its static MKL/oneDNN, FFmpeg, and HF tokenizers' native
 *       library, by opening the model's tokenizer.json), decodes the audio, on
 *       CUDA creates the CUDA context (a {@code cudaMemory} call), then runs System.gc() and
 *       malloc_trim(0). The baseline therefore includes the JVM, the mapped native code and the
 *       decoded audio, but no model, no inference thread pool and no MKL/oneDNN work buffers.</li>
 *   <li>{@code rss_end_mb}: RSS right after the last cycle's {@code close()}, as left by close
 *       alone (no gc, no malloc_trim).</li>
 *   <li>{@code rss_after_close_mb}, the headline: RSS after the final {@code close()} and one
 *       System.gc(), with no malloc_trim called by memcheck (the last cycle's "close-gc").</li>
 *   <li>{@code rss_after_trim_mb}: RSS after the final {@code close()} followed by System.gc()
 *       and malloc_trim(0) (the last cycle's "trimmed" phase): what the process keeps once
 *       everything is closed and every freed page has been handed back.</li>
 *   <li>{@code rss_slope_mb_per_cycle}: Theil-Sen slope of the per-cycle "trimmed" RSS
 *       against the cycle number, leaving out the first {@link #slopeWarmupCycles(int)} cycles
 *       (four from twelve cycles on, else two when there are at least four; they warm up glibc's
 *       arenas, the JIT and the Java heap). The output names the cycles it uses.</li>
 *   <li>{@code gpu_baseline_mb}: used CUDA memory after context creation, before the first load;
 *       {@code gpu_loaded_mb}: after the last cycle's first load; {@code gpu_transcribed_mb}: after
 *       its first transcription; {@code gpu_after_unload_cpu_mb}: after its unload to the CPU
 *       ({@code unloadModel(true)}); {@code gpu_after_unload_mb}:
 *       after the last cycle's full unload ({@code unloadModel(false)});
 *       {@code gpu_after_close_mb}: after the final close. All null on CPU.</li>
 * </ul>
 *
 * <p>malloc_trim(0) is looked up in the process's C library through FFM; where it is missing
 * (not glibc) the "trimmed" phases are measured after System.gc() only, and the output says so.
 */
@Command(name = "memcheck", mixinStandardHelpOptions = true,
        description = "Load/transcribe/unload/close a model in cycles and report host and GPU memory per phase.")
public final class MemCheck implements Callable<Integer> {
    /** The phases of one cycle, in order. */
    public static final List<String> PHASES = List.of("load", "transcribe", "unload-cpu", "load-cached",
            "transcribe-2", "unload-full", "reload", "close", "close-gc", "trimmed");

    private static final double MB = 1024.0 * 1024.0;
    private static final long SETTLE_TIMEOUT_NANOS = 3_000_000_000L;
    private static final long SETTLE_POLL_MILLIS = 100;
    private static final int SETTLE_ROUNDS = 4;

    @Option(names = "--model", defaultValue = "base", description = "Model name or directory (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--device-index", defaultValue = "0", description = "CUDA device (default: ${DEFAULT-VALUE}).")
    int deviceIndex;

    @Option(names = "--compute-type", defaultValue = "int8", description = "Compute type (default: ${DEFAULT-VALUE}).")
    String computeType;

    @Option(names = "--threads", defaultValue = "2", description = "cpu_threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--cycles", defaultValue = "10", description = "Cycles to run (default: ${DEFAULT-VALUE}).")
    int cycles;

    @Option(names = "--audio", description = "Audio file (default: ../shared/data/jfk.flac beside the repository).")
    Path audio;

    @Option(names = "--mkl-free-buffers", description = "Diagnostic: also call MKL's mkl_free_buffers() (exported by"
            + " libctranslate2) before each after-close measurement, to show what MKL's allocator cache holds.")
    boolean mklFreeBuffers;

    /** What to run. */
    public record Config(String model, Device device, int deviceIndex, String computeType, int threads, int cycles,
                         Path audio, boolean mklFreeBuffers) {
        public Config {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(computeType, "computeType");
            Objects.requireNonNull(audio, "audio");
            if (device == Device.AUTO) {
                throw new IllegalArgumentException("memcheck needs --device cpu or cuda");
            }
            if (cycles < 1) {
                throw new IllegalArgumentException("--cycles must be >= 1, got " + cycles);
            }
            if (threads < 0) {
                throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
            }
            if (!Files.isRegularFile(audio)) {
                throw new IllegalArgumentException("audio file not found: " + audio);
            }
        }
    }

    /** One measurement: host RSS and, on CUDA, device memory (MB). */
    public record Sample(int cycle, String phase, double rssMb, double rssAnonMb, double rssFileMb,
                         double heapCommittedMb, double mallocInUseMb, Double gpuUsedMb, Double gpuFreeMb) {}

    /**
     * The outcome. {@code slopeCycles} are the (1-based) cycles the slope was fitted over;
     * {@code trimmed} says whether malloc_trim(0) was available and called.
     */
    public record Result(int cycles, double rssStartMb, double rssEndMb, double rssAfterCloseMb,
                         double rssSlopeMbPerCycle, double rssAfterTrimMb, double rssPeakMb, Double gpuBaselineMb, Double gpuLoadedMb,
                         Double gpuTranscribedMb, Double gpuAfterUnloadCpuMb, Double gpuAfterUnloadMb, Double gpuAfterCloseMb, List<Integer> slopeCycles,
                         boolean trimmed, String text, List<Sample> samples) {
        public Result {
            slopeCycles = List.copyOf(slopeCycles);
            samples = List.copyOf(samples);
        }

        /** The closing JSON line (fields in the documented order; GPU fields null on CPU). */
        public String json() {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("cycles", cycles);
            fields.put("rss_start_mb", round(rssStartMb, 1));
            fields.put("rss_end_mb", round(rssEndMb, 1));
            fields.put("rss_after_close_mb", round(rssAfterCloseMb, 1));
            fields.put("rss_slope_mb_per_cycle", round(rssSlopeMbPerCycle, 3));
            fields.put("rss_after_trim_mb", round(rssAfterTrimMb, 1));
            fields.put("gpu_baseline_mb", round(gpuBaselineMb, 1));
            fields.put("gpu_loaded_mb", round(gpuLoadedMb, 1));
            fields.put("gpu_transcribed_mb", round(gpuTranscribedMb, 1));
            fields.put("gpu_after_unload_cpu_mb", round(gpuAfterUnloadCpuMb, 1));
            fields.put("gpu_after_unload_mb", round(gpuAfterUnloadMb, 1));
            fields.put("gpu_after_close_mb", round(gpuAfterCloseMb, 1));
            try {
                return new ObjectMapper().writeValueAsString(fields);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public Integer call() {
        Path file = audio != null ? audio : defaultAudio().orElseThrow(() -> new IllegalArgumentException(
                "no default audio (../shared/data/jfk.flac beside the repository); pass --audio FILE"));
        run(new Config(model, Device.of(device), deviceIndex, computeType, threads, cycles, file, mklFreeBuffers),
                System.out);
        return 0;
    }

    /** ../shared/data/jfk.flac beside the repository root, if it exists. */
    static Optional<Path> defaultAudio() {
        return candidateRoots().stream().map(root -> root.resolve("../shared/data/jfk.flac").normalize())
                .filter(Files::isRegularFile).findFirst();
    }

    // Where the repository root may be: -Dct2j.repo, else every folder above this class's jar or
    // classes directory (tools/target/classes, or cli/target/lib/ct2j-tools.jar under ./ct2j),
    // else the working directory.
    private static List<Path> candidateRoots() {
        String configured = System.getProperty("ct2j.repo");
        if (configured != null && !configured.isBlank()) {
            return List.of(Path.of(configured).toAbsolutePath());
        }
        List<Path> roots = new ArrayList<>();
        try {
            Path location = Path.of(MemCheck.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = location.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
                roots.add(p);
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the working directory
        }
        roots.add(Path.of("").toAbsolutePath());
        return roots;
    }

    /** Runs the cycles, printing the per-phase table and the closing JSON line to {@code out}. */
    public static Result run(Config config, PrintStream out) {
        boolean cuda = config.device() == Device.CUDA;
        boolean mallocTrim = NativeMemory.canTrim();

        // Warm-up: the native library, the audio, the CUDA context.
        String ct2Version = EngineRuntime.ctranslate2Version();
        MethodHandle mklFree = config.mklFreeBuffers() ? mklFreeBuffers() : null;
        Probe probe = new Probe(config, mallocTrim, mklFree, mallinfo2());
        float[] samples = AudioDecoder.decode(config.audio());
        if (cuda) {
            EngineRuntime.cudaMemory(config.deviceIndex());
        }
        ModelOptions options = ModelOptions.builder().device(config.device()).deviceIndex(config.deviceIndex())
                .computeType(config.computeType()).intraThreads(config.threads()).build();
        TranscriptionOptions transcription = TranscriptionOptions.defaults();
        int warmup = slopeWarmupCycles(config.cycles());
        List<Integer> slopeCycles = new ArrayList<>();
        for (int c = warmup + 1; c <= config.cycles(); c++) {
            slopeCycles.add(c);
        }

        out.printf(Locale.ROOT, "memcheck: model %s, device %s, compute type %s, %d threads, %d cycles, audio %s"
                        + " (%.1f s), CTranslate2 %s%n", config.model(), config.device(), config.computeType(),
                config.threads(), config.cycles(), config.audio(), samples.length / (double) AudioDecoder.SAMPLE_RATE,
                ct2Version);
        out.println("memcheck: a cycle is load, transcribe, unload-cpu (unloadModel(true)), load-cached"
                + " (loadModel(false)), transcribe-2, unload-full (unloadModel(false)), reload (loadModel(false)),"
                + " close, trimmed (System.gc() x2, " + (mallocTrim ? "malloc_trim(0)" : "no malloc_trim: not glibc")
                + (mklFree != null ? ", mkl_free_buffers()" : "") + ", then RSS read once it stops falling)");

        List<Sample> all = new ArrayList<>();
        out.println(header(cuda));
        // Libraries are mapped once per process: load HF tokenizers' native library (through the
        // model's tokenizer.json) before the baseline, as libct2j already is.
        try (var vocabulary = dev.ct2j.tokenizer.WhisperVocabulary.load(
                dev.ct2j.models.ModelResolver.system().resolve(config.model()), true)) {
            vocabulary.encode(" warm-up");
        }
        Sample start = probe.measure(0, "baseline", Settle.GC_AND_TRIM);
        all.add(start);
        print(out, start, start.rssMb(), cuda);

        String reference = null;
        double[] trimmed = new double[config.cycles()];
        for (int cycle = 1; cycle <= config.cycles(); cycle++) {
            List<Sample> row = new ArrayList<>();
            WhisperModel model = WhisperModel.load(config.model(), options);
            try {
                row.add(probe.measure(cycle, "load", Settle.NONE));
                reference = check(reference, transcribe(model, samples, transcription), cycle, "transcribe");
                row.add(probe.measure(cycle, "transcribe", Settle.NONE));
                model.unloadModel(true);
                requireLoaded(model, false, cycle, "unload-cpu");
                row.add(probe.measure(cycle, "unload-cpu", Settle.NONE));
                model.loadModel(false);
                requireLoaded(model, true, cycle, "load-cached");
                row.add(probe.measure(cycle, "load-cached", Settle.NONE));
                reference = check(reference, transcribe(model, samples, transcription), cycle, "transcribe-2");
                row.add(probe.measure(cycle, "transcribe-2", Settle.NONE));
                model.unloadModel(false);
                requireLoaded(model, false, cycle, "unload-full");
                row.add(probe.measure(cycle, "unload-full", Settle.NONE));
                model.loadModel(false);
                requireLoaded(model, true, cycle, "reload");
                row.add(probe.measure(cycle, "reload", Settle.NONE));
            } finally {
                model.close();
            }
            row.add(probe.measure(cycle, "close", Settle.NONE));
            row.add(probe.measure(cycle, "close-gc", Settle.GC));
            Sample after = probe.measure(cycle, "trimmed", Settle.GC_AND_TRIM);
            row.add(after);
            trimmed[cycle - 1] = after.rssMb();
            double previous = all.getLast().rssMb();
            for (Sample s : row) {
                print(out, s, previous, cuda);
                previous = s.rssMb();
            }
            all.addAll(row);
        }

        double[] xs = slopeCycles.stream().mapToDouble(Integer::doubleValue).toArray();
        double[] ys = slopeCycles.stream().mapToDouble(c -> trimmed[c - 1]).toArray();
        double slope = slope(xs, ys);
        Sample lastClose = find(all, config.cycles(), "close");
        Sample lastCloseGc = find(all, config.cycles(), "close-gc");
        Sample lastTrimmed = find(all, config.cycles(), "trimmed");
        Double gpuLoaded = cuda ? find(all, config.cycles(), "load").gpuUsedMb() : null;
        Double gpuTranscribed = cuda ? find(all, config.cycles(), "transcribe").gpuUsedMb() : null;
        Double gpuUnloadCpu = cuda ? find(all, config.cycles(), "unload-cpu").gpuUsedMb() : null;
        Double gpuUnload = cuda ? find(all, config.cycles(), "unload-full").gpuUsedMb() : null;
        Result result = new Result(config.cycles(), start.rssMb(), lastClose.rssMb(), lastCloseGc.rssMb(), slope,
                lastTrimmed.rssMb(),
                status("VmHWM") / MB, start.gpuUsedMb(), gpuLoaded, gpuTranscribed, gpuUnloadCpu, gpuUnload, lastTrimmed.gpuUsedMb(), slopeCycles,
                mallocTrim, reference, all);

        summary(out, all, config.cycles(), cuda);
        out.printf(Locale.ROOT, "memcheck: after the final close(), vs. before the first load: %+.1f MB right after it,"
                        + " %+.1f MB after one GC (the headline: memcheck calls no malloc_trim there; close() trims by"
                        + " itself unless -Dct2j.trimOnRelease=false), %+.1f MB after GCs and memcheck's own"
                        + " malloc_trim(0)%n", result.rssEndMb() - result.rssStartMb(),
                result.rssAfterCloseMb() - result.rssStartMb(), result.rssAfterTrimMb() - result.rssStartMb());
        out.printf(Locale.ROOT, "memcheck: rss peak (VmHWM) %.1f MB; rss slope %.3f MB/cycle over the trimmed RSS of"
                        + " cycles %s (first %d left out as allocator/JIT/heap warm-up)%n", result.rssPeakMb(), slope,
                range(slopeCycles), warmup);
        for (String phase : List.of("close", "close-gc", "trimmed")) {
            Sample s = find(all, config.cycles(), phase);
            out.printf(Locale.ROOT, "memcheck: %s: file-backed %+.1f MB (native code paged in), anonymous %+.1f MB ="
                            + " Java heap committed %+.1f MB + malloc in use %+.1f MB + other %+.1f MB (free memory"
                            + " glibc keeps in its arenas, JVM metadata and JIT code, thread stacks)%n", phase,
                    s.rssFileMb() - start.rssFileMb(), s.rssAnonMb() - start.rssAnonMb(),
                    s.heapCommittedMb() - start.heapCommittedMb(), s.mallocInUseMb() - start.mallocInUseMb(),
                    s.rssAnonMb() - start.rssAnonMb() - (s.heapCommittedMb() - start.heapCommittedMb())
                            - (s.mallocInUseMb() - start.mallocInUseMb()));
        }
        out.println(result.json());
        out.flush();
        return result;
    }

    /** Cycles left out of the slope: 2 when there are at least 4 cycles, else as many as leave 2 points. */
    public static int slopeWarmupCycles(int cycles) {
        // The JIT keeps compiling new paths for the first handful of cycles (a creep of ~0.5 MB
        // per cycle that stops); long runs can afford to leave more of them out.
        return cycles >= 12 ? 4 : Math.max(0, Math.min(2, cycles - 2));
    }

    private static void requireLoaded(WhisperModel model, boolean expected, int cycle, String phase) {
        if (model.isModelLoaded() != expected) {
            throw new IllegalStateException("cycle " + cycle + ", " + phase + ": isModelLoaded() is "
                    + model.isModelLoaded());
        }
    }

    private static String transcribe(WhisperModel model, float[] samples, TranscriptionOptions options) {
        try (Transcription result = model.transcribe(samples, options)) {
            return result.toList().stream().map(Segment::text).collect(Collectors.joining());
        }
    }

    private static String check(String reference, String text, int cycle, String phase) {
        if (reference != null && !reference.equals(text)) {
            throw new IllegalStateException("the transcription changed in cycle " + cycle + " (" + phase
                    + "): expected '" + reference.strip() + "', got '" + text.strip() + "'");
        }
        if (text.isBlank()) {
            throw new IllegalStateException("empty transcription in cycle " + cycle + " (" + phase + ")");
        }
        return text;
    }

    /** What a measurement does first. */
    enum Settle {
        /** Nothing: RSS as the last call left it. */
        NONE,
        /** One System.gc(), then RSS once it stops falling; no malloc_trim (what a service sees). */
        GC,
        /** System.gc() twice and malloc_trim(0), repeated until RSS stops falling. */
        GC_AND_TRIM
    }

    // Reads the memory figures, first freeing what the settle mode frees (with --mkl-free-buffers
    // also MKL's buffer cache, before a trim).
    private record Probe(Config config, boolean mallocTrim, MethodHandle mklFreeBuffers, MethodHandle mallinfo) {
        Sample measure(int cycle, String phase, Settle settle) {
            double rss = switch (settle) {
                case NONE -> status("VmRSS") / MB;
                case GC -> {
                    System.gc();
                    yield settledRss(false);
                }
                case GC_AND_TRIM -> {
                    System.gc(); // twice: see the class comment
                    System.gc();
                    if (mklFreeBuffers != null) {
                        invoke(mklFreeBuffers);
                    }
                    if (mallocTrim) {
                        NativeMemory.trim();
                    }
                    yield settledRss(mallocTrim);
                }
            };
            Double used = null;
            Double free = null;
            if (config.device() == Device.CUDA) {
                EngineRuntime.DeviceMemory memory = EngineRuntime.cudaMemory(config.deviceIndex());
                used = memory.usedBytes() / MB;
                free = memory.freeBytes() / MB;
            }
            double heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / MB;
            return new Sample(cycle, phase, rss, status("RssAnon") / MB, status("RssFile") / MB, heap,
                    mallocInUse(mallinfo) / MB, used, free);
        }
    }

    // G1 hands the heap it shrank on System.gc() back to the OS concurrently (since JDK 17), and
    // JVM threads free native memory in the background: poll (trimming again each time, when a
    // trim is given) until RSS has stopped falling for a few rounds.
    private static double settledRss(boolean mallocTrim) {
        double rss = status("VmRSS") / MB;
        long deadline = System.nanoTime() + SETTLE_TIMEOUT_NANOS;
        int stable = 0;
        while (stable < SETTLE_ROUNDS && System.nanoTime() < deadline) {
            try {
                Thread.sleep(SETTLE_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (mallocTrim) {
                NativeMemory.trim();
            }
            double now = status("VmRSS") / MB;
            stable = now < rss - 0.25 ? 0 : stable + 1;
            rss = Math.min(rss, now);
        }
        return status("VmRSS") / MB;
    }

    // glibc's struct mallinfo2: ten size_t fields; uordblks (in use in the arenas) and hblkhd (in
    // use in separately mmapped chunks) sum to what the program holds through malloc.
    private static final StructLayout MALLINFO2 = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("arena"), ValueLayout.JAVA_LONG.withName("ordblks"),
            ValueLayout.JAVA_LONG.withName("smblks"), ValueLayout.JAVA_LONG.withName("hblks"),
            ValueLayout.JAVA_LONG.withName("hblkhd"), ValueLayout.JAVA_LONG.withName("usmblks"),
            ValueLayout.JAVA_LONG.withName("fsmblks"), ValueLayout.JAVA_LONG.withName("uordblks"),
            ValueLayout.JAVA_LONG.withName("fordblks"), ValueLayout.JAVA_LONG.withName("keepcost"));

    private static MethodHandle mallinfo2() {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find("mallinfo2")
                .map(symbol -> linker.downcallHandle(symbol, FunctionDescriptor.of(MALLINFO2)))
                .orElse(null);
    }

    /** Bytes held through malloc (glibc's mallinfo2 uordblks + hblkhd); NaN without glibc. */
    private static double mallocInUse(MethodHandle mallinfo) {
        if (mallinfo == null) {
            return Double.NaN;
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment info = (MemorySegment) mallinfo.invokeExact((SegmentAllocator) call);
            return info.get(ValueLayout.JAVA_LONG, MALLINFO2.byteOffset(MemoryLayout.PathElement.groupElement("uordblks")))
                    + info.get(ValueLayout.JAVA_LONG, MALLINFO2.byteOffset(MemoryLayout.PathElement.groupElement("hblkhd")));
        } catch (Throwable e) {
            throw new IllegalStateException("mallinfo2 failed: " + e, e);
        }
    }

    // mkl_free_buffers() of the MKL linked statically into libctranslate2 (exported there).
    private static MethodHandle mklFreeBuffers() {
        Path library = NativeLibrary.ensureLoaded().resolveSibling("libctranslate2.so.4");
        SymbolLookup lookup = SymbolLookup.libraryLookup(Files.exists(library) ? library.toString()
                : "libctranslate2.so.4", Arena.global());
        return lookup.find("mkl_free_buffers")
                .map(symbol -> Linker.nativeLinker().downcallHandle(symbol, FunctionDescriptor.ofVoid()))
                .orElseThrow(() -> new IllegalArgumentException("--mkl-free-buffers: libctranslate2 does not export"
                        + " mkl_free_buffers (not an MKL build?)"));
    }

    private static void invoke(MethodHandle handle) {
        try {
            if (handle.type().returnType() == int.class) {
                int released = (int) handle.invokeExact(0L); // malloc_trim(0): 1 if memory was released
                assert released >= 0;
            } else {
                handle.invokeExact();
            }
        } catch (Throwable e) {
            throw new IllegalStateException("native call failed: " + e, e);
        }
    }

    /** A /proc/self/status field (kB) in bytes. */
    static long status(String field) {
        return NativeMemory.processStatusBytes(field).orElseThrow(() -> new IllegalStateException(
                "cannot read " + field + " from /proc/self/status (memcheck needs Linux)"));
    }

    /**
     * Theil-Sen slope of ys over xs (the median of the slopes between every two points); 0 with
     * fewer than two points. Robust, unlike least squares: one cycle whose RSS had not yet settled
     * on a loaded machine moves it little, while a steady leak moves every pairwise slope.
     */
    static double slope(double[] xs, double[] ys) {
        List<Double> slopes = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            for (int j = i + 1; j < xs.length; j++) {
                if (xs[j] != xs[i]) {
                    slopes.add((ys[j] - ys[i]) / (xs[j] - xs[i]));
                }
            }
        }
        if (slopes.isEmpty()) {
            return 0;
        }
        slopes.sort(null);
        int n = slopes.size();
        return n % 2 == 1 ? slopes.get(n / 2) : (slopes.get(n / 2 - 1) + slopes.get(n / 2)) / 2;
    }

    private static Sample find(List<Sample> samples, int cycle, String phase) {
        return samples.stream().filter(s -> s.cycle() == cycle && s.phase().equals(phase)).findFirst().orElseThrow();
    }

    private static String header(boolean cuda) {
        return String.format(Locale.ROOT, "%5s  %-12s %9s %9s %9s %9s %9s %9s", "cycle", "phase", "rss_mb",
                "delta_mb", "anon_mb", "file_mb", "java_heap", "malloc") + (cuda ? String.format(Locale.ROOT, " %9s %9s", "gpu_used",
                "gpu_free") : "");
    }

    private static void print(PrintStream out, Sample s, double previousRss, boolean cuda) {
        out.printf(Locale.ROOT, "%5d  %-12s %9.1f %+9.1f %9.1f %9.1f %9.1f %9.1f%s%n", s.cycle(), s.phase(),
                s.rssMb(), s.rssMb() - previousRss, s.rssAnonMb(), s.rssFileMb(), s.heapCommittedMb(), s.mallocInUseMb(),
                cuda
                        ? String.format(Locale.ROOT, " %9.1f %9.1f", s.gpuUsedMb(), s.gpuFreeMb()) : "");
    }

    // Per phase over all cycles: first, last, min and max RSS (and GPU used on CUDA).
    private static void summary(PrintStream out, List<Sample> all, int cycles, boolean cuda) {
        out.printf(Locale.ROOT, "per phase over %d cycles (MB):%n", cycles);
        out.printf(Locale.ROOT, "%-12s %9s %9s %9s %9s%s%n", "phase", "rss_first", "rss_last", "rss_min", "rss_max",
                cuda ? String.format(Locale.ROOT, " %9s %9s", "gpu_first", "gpu_last") : "");
        for (String phase : PHASES) {
            List<Sample> rows = all.stream().filter(s -> s.phase().equals(phase)).toList();
            double min = rows.stream().mapToDouble(Sample::rssMb).min().orElseThrow();
            double max = rows.stream().mapToDouble(Sample::rssMb).max().orElseThrow();
            out.printf(Locale.ROOT, "%-12s %9.1f %9.1f %9.1f %9.1f%s%n", phase, rows.getFirst().rssMb(),
                    rows.getLast().rssMb(), min, max, cuda ? String.format(Locale.ROOT, " %9.1f %9.1f",
                            rows.getFirst().gpuUsedMb(), rows.getLast().gpuUsedMb()) : "");
        }
    }

    private static String range(List<Integer> cycles) {
        if (cycles.isEmpty()) {
            return "(none)";
        }
        return cycles.size() == 1 ? String.valueOf(cycles.getFirst()) : cycles.getFirst() + "-" + cycles.getLast();
    }

    private static Double round(Double value, int digits) {
        if (value == null) {
            return null;
        }
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
