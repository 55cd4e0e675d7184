package dev.ct2j.engine;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.bindings.ct2j_whisper_options;
import dev.ct2j.natives.NativeLibrary;
import dev.ct2j.natives.NativeMemory;
import dev.ct2j.natives.NativeResource;
import dev.ct2j.natives.NativeShutdown;
import dev.ct2j.natives.NativeStrings;
import dev.ct2j.trace.PhaseTrace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * A loaded CTranslate2 Whisper model: the {@code ctranslate2.models.Whisper} object that
 * faster-whisper's {@code WhisperModel.model} holds.
 *
 * <p>Lifetime: {@link #close()} is faster-whisper's {@code del model}; it waits for calls in
 * flight, then frees the weights of every replica, any cached copy and the allocator caches.
 * {@link #unload(boolean, BusyPolicy)} and {@link #loadWeights(boolean)} are CTranslate2's
 * {@code unload_model}/{@code load_model}, except that they never silently do nothing: a busy
 * model is waited for, or reported with {@link ModelBusyException}. Calls on a closed engine
 * throw {@link IllegalStateException}; calls on an unloaded one throw an {@link EngineException}
 * of kind NOT_LOADED.
 *
 * <p>Thread-safety: all methods may be called from several threads. With
 * {@code interThreads = N}, N calls run in parallel; more wait in CTranslate2's queue.
 */
public final class WhisperEngine extends NativeResource {
    private final MemorySegment handle;
    private final String source;
    private final boolean multilingual;
    private final int nMels;
    private final int numLanguages;
    private final Device device;
    private final String computeType;
    private final int numReplicas;
    // Encoder outputs not closed yet: close() frees them before the model (on CUDA they hold
    // device memory from the workers' allocators, which die with the model). Weak, so that a
    // forgotten output is still reclaimed by its Cleaner.
    private final java.util.Set<EncoderOutput> liveOutputs =
            java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));

    private WhisperEngine(MemorySegment handle, String source) {
        super("WhisperEngine(" + source + ")", () -> {
            ct2j_h.ct2j_model_free(handle);
            NativeMemory.release();
        });
        this.handle = handle;
        this.source = source;
        this.multilingual = ct2j_h.ct2j_model_is_multilingual(handle);
        this.nMels = ct2j_h.ct2j_model_num_mels(handle);
        this.numLanguages = ct2j_h.ct2j_model_num_languages(handle);
        this.device = ct2j_h.ct2j_model_device(handle) == ct2j_h.CT2J_DEVICE_CUDA() ? Device.CUDA : Device.CPU;
        this.computeType = NativeStrings.read(ct2j_h.ct2j_model_compute_type(handle));
        this.numReplicas = ct2j_h.ct2j_model_num_replicas(handle);
        // The JVM's shutdown hook closes the engines still open (bounded: see NativeShutdown).
        this.shutdownRegistration = NativeShutdown.register(this, WhisperEngine::closeForShutdown);
    }

    private final NativeShutdown.Registration shutdownRegistration;

    /** Loads a model directory (validated file by file first). */
    public static WhisperEngine load(Path directory, ModelOptions options) {
        return load(ModelDirectory.validate(directory), options);
    }

    public static WhisperEngine load(ModelDirectory model, ModelOptions options) {
        NativeLibrary.ensureLoaded();
        NativeShutdown.ensureRunning();
        long start = PhaseTrace.start();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ValueLayout.ADDRESS);
            int status = ct2j_h.ct2j_model_load(call.allocateFrom(model.path().toString()),
                    ModelParams.of(call, options), out);
            if (status != ct2j_h.CT2J_OK()) {
                throw loadFailure(status, model);
            }
            return new WhisperEngine(out.get(ValueLayout.ADDRESS, 0), model.path().toString());
        } finally {
            PhaseTrace.end("model load", start);
        }
    }

    /**
     * Links the native calls a transcription makes (encode, language detection, generate and
     * their results). Each FFM call is linked on first use, 1-15 ms apiece on a cold JVM, about
     * 90 ms for these; a thread that would otherwise wait for a model load (WhisperModel's
     * tokenizer thread) does it, so that the first transcription does not.
     */
    public static void prelink() {
        NativeLibrary.ensureLoaded();
        for (java.util.function.Supplier<?> link : java.util.List.<java.util.function.Supplier<?>>of(
                ct2j_h::ct2j_storage_wrap_f32$handle, ct2j_h::ct2j_storage_shape$handle,
                ct2j_h::ct2j_storage_copy_to_f32$handle, ct2j_h::ct2j_storage_free$handle,
                ct2j_h::ct2j_encode$handle, ct2j_h::ct2j_detect_language$handle,
                ct2j_h::ct2j_languages_batch_size$handle, ct2j_h::ct2j_languages_count$handle,
                ct2j_h::ct2j_languages_token$handle, ct2j_h::ct2j_languages_probability$handle,
                ct2j_h::ct2j_languages_free$handle, ct2j_h::ct2j_whisper_default_options$handle,
                ct2j_h::ct2j_generate$handle, ct2j_h::ct2j_generation_batch_size$handle,
                ct2j_h::ct2j_generation_num_hypotheses$handle, ct2j_h::ct2j_generation_ids$handle,
                ct2j_h::ct2j_generation_score$handle, ct2j_h::ct2j_generation_no_speech_prob$handle,
                ct2j_h::ct2j_generation_free$handle, ct2j_h::ct2j_calls_in_flight$handle)) {
            link.get();
        }
    }

    /**
     * Loads a model from files held in memory ({@code model.bin}, {@code config.json},
     * {@code vocabulary.json}, ...), like faster-whisper's {@code files=} argument. The bytes are
     * copied; {@code name} only identifies the model in messages.
     */
    public static WhisperEngine loadFromMemory(String name, Map<String, byte[]> files, ModelOptions options) {
        if (files == null || files.isEmpty()) {
            throw new IllegalArgumentException("no model files given");
        }
        if (!files.containsKey("model.bin")) {
            throw new IllegalArgumentException("model files must include model.bin, got " + files.keySet());
        }
        NativeLibrary.ensureLoaded();
        NativeShutdown.ensureRunning();
        try (Arena call = Arena.ofConfined()) {
            int n = files.size();
            MemorySegment names = call.allocate(ValueLayout.ADDRESS, n);
            MemorySegment data = call.allocate(ValueLayout.ADDRESS, n);
            MemorySegment sizes = call.allocate(ValueLayout.JAVA_LONG, n);
            int i = 0;
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                byte[] bytes = file.getValue();
                if (bytes == null) {
                    throw new IllegalArgumentException("model file '" + file.getKey() + "' has no content");
                }
                names.setAtIndex(ValueLayout.ADDRESS, i, call.allocateFrom(file.getKey()));
                data.setAtIndex(ValueLayout.ADDRESS, i, call.allocateFrom(ValueLayout.JAVA_BYTE, bytes));
                sizes.setAtIndex(ValueLayout.JAVA_LONG, i, bytes.length);
                i++;
            }
            MemorySegment out = call.allocate(ValueLayout.ADDRESS);
            String label = name == null ? "memory" : name;
            Status.check(ct2j_h.ct2j_model_load_from_memory(call.allocateFrom(label), n, names, data, sizes,
                    ModelParams.of(call, options), out), "cannot load model '" + label + "' from memory");
            return new WhisperEngine(out.get(ValueLayout.ADDRESS, 0), label + " (in memory)");
        }
    }

    // Name the file when CTranslate2 chokes on it: a truncated model.bin surfaces as an I/O or
    // format error from deep inside the loader.
    private static EngineException loadFailure(int status, ModelDirectory model) {
        String message = NativeStrings.lastError();
        EngineException.Kind kind = Status.kind(status);
        if (kind == EngineException.Kind.UNSUPPORTED || kind == EngineException.Kind.INVALID_ARGUMENT
                && message.contains("compute type")) {
            return new EngineException(kind, "cannot load " + model.path() + ": " + message);
        }
        java.util.Optional<ModelFileException> vocabulary = model.jsonSyntaxError("vocabulary.json");
        if (vocabulary.isPresent()) {
            return vocabulary.get();
        }
        String file = message.contains("config.json") ? "config.json"
                : message.contains("vocabulary") ? "vocabulary.json" : "model.bin";
        Path path = model.path().resolve(file);
        // The shim's own checks of what CTranslate2 would trust: "config.json: alignment_heads ..."
        if (kind == EngineException.Kind.INVALID_ARGUMENT && message.startsWith(file + ": ")) {
            return new ModelFileException(path, "invalid model file " + path + ": "
                    + message.substring(file.length() + 2), new EngineException(kind, message));
        }
        return new ModelFileException(path, "cannot load " + path + " (missing, truncated or corrupt): " + message,
                new EngineException(kind, message));
    }

    // ---- calls -------------------------------------------------------------------------------

    /** Runs the encoder on mel features: one window per batch item. */
    public EncoderOutput encode(Features features, boolean toCpu) {
        return call("encode", features, () -> {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment out = call.allocate(ValueLayout.ADDRESS);
                Status.check(ct2j_h.ct2j_encode(handle, features.storage(), toCpu, out), "encode failed");
                return track(new EncoderOutput(out.get(ValueLayout.ADDRESS, 0), liveOutputs::remove));
            }
        });
    }

    /**
     * {@link #encode} with at most {@code maxBatch} items per CTranslate2 call, into one output on
     * the host. The values are the same as one call's (checked bit for bit, int8 and float32: an
     * item's encoding does not depend on its batch-mates at equal frame counts), while the encoder's
     * self-attention scores, [items, heads, frames/2, frames/2] floats per call, shrink with the
     * split: 576 MB for 8 windows of base, 72 MB for one (ct2j_encode_split). With {@code maxBatch}
     * at least the batch size this is {@code encode(features, true)}.
     */
    public EncoderOutput encode(Features features, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        return call("encode", features, () -> {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment out = call.allocate(ValueLayout.ADDRESS);
                Status.check(ct2j_h.ct2j_encode_split(handle, features.storage(), maxBatch, out), "encode failed");
                return track(new EncoderOutput(out.get(ValueLayout.ADDRESS, 0), liveOutputs::remove));
            }
        });
    }

    /**
     * Decodes one prompt per batch item.
     *
     * @param prompts token ids: previous-text tokens, the SOT sequence, optional prefix
     */
    public List<GenerationResult> generate(EngineInput input, List<List<Integer>> prompts, GenerationOptions options) {
        if (prompts == null || prompts.size() != input.batchSize()) {
            throw new IllegalArgumentException("need one prompt per batch item: " + input.batchSize() + " expected, got "
                    + (prompts == null ? "null" : prompts.size()));
        }
        return call("generate", input, () -> {
            try (Arena call = Arena.ofConfined()) {
                FlatLists flat = FlatLists.of(call, prompts, "prompt");
                MemorySegment opts = options(call, options);
                MemorySegment out = call.allocate(ValueLayout.ADDRESS);
                Status.check(ct2j_h.ct2j_generate(handle, input.storage(), prompts.size(), flat.ids(), flat.lengths(),
                        opts, out), "generate failed");
                MemorySegment generation = out.get(ValueLayout.ADDRESS, 0);
                try {
                    return readGeneration(generation);
                } finally {
                    ct2j_h.ct2j_generation_free(generation);
                }
            }
        });
    }

    /** {@link #generate} on the given executor. */
    public CompletableFuture<List<GenerationResult>> generateAsync(EngineInput input, List<List<Integer>> prompts,
                                                                   GenerationOptions options, Executor executor) {
        return CompletableFuture.supplyAsync(() -> generate(input, prompts, options), executor);
    }

    private static MemorySegment options(Arena call, GenerationOptions o) {
        MemorySegment s = ct2j_h.ct2j_whisper_default_options(call);
        ct2j_whisper_options.beam_size(s, o.beamSize());
        ct2j_whisper_options.patience(s, o.patience());
        ct2j_whisper_options.length_penalty(s, o.lengthPenalty());
        ct2j_whisper_options.repetition_penalty(s, o.repetitionPenalty());
        ct2j_whisper_options.no_repeat_ngram_size(s, o.noRepeatNgramSize());
        ct2j_whisper_options.max_length(s, o.maxLength());
        ct2j_whisper_options.sampling_topk(s, o.samplingTopk());
        ct2j_whisper_options.sampling_temperature(s, o.samplingTemperature());
        ct2j_whisper_options.num_hypotheses(s, o.numHypotheses());
        ct2j_whisper_options.return_scores(s, o.returnScores());
        ct2j_whisper_options.return_no_speech_prob(s, o.returnNoSpeechProb());
        ct2j_whisper_options.max_initial_timestamp_index(s, o.maxInitialTimestampIndex());
        ct2j_whisper_options.suppress_blank(s, o.suppressBlank());
        int[] suppress = o.suppressTokens().stream().mapToInt(Integer::intValue).toArray();
        ct2j_whisper_options.suppress_tokens(s, suppress.length == 0 ? MemorySegment.NULL
                : call.allocateFrom(ValueLayout.JAVA_INT, suppress));
        ct2j_whisper_options.num_suppress_tokens(s, suppress.length);
        return s;
    }

    private static List<GenerationResult> readGeneration(MemorySegment generation) {
        int batch = (int) ct2j_h.ct2j_generation_batch_size(generation);
        List<GenerationResult> results = new ArrayList<>(batch);
        try (Arena read = Arena.ofConfined()) {
            MemorySegment length = read.allocate(ValueLayout.JAVA_LONG);
            for (int b = 0; b < batch; b++) {
                int count = (int) ct2j_h.ct2j_generation_num_hypotheses(generation, b);
                List<GenerationResult.Hypothesis> hypotheses = new ArrayList<>(count);
                for (int h = 0; h < count; h++) {
                    MemorySegment ids = ct2j_h.ct2j_generation_ids(generation, b, h, length);
                    long n = length.get(ValueLayout.JAVA_LONG, 0);
                    int[] values = ids.reinterpret(n * Integer.BYTES).toArray(ValueLayout.JAVA_INT);
                    hypotheses.add(new GenerationResult.Hypothesis(boxed(values),
                            ct2j_h.ct2j_generation_score(generation, b, h)));
                }
                results.add(new GenerationResult(hypotheses, ct2j_h.ct2j_generation_no_speech_prob(generation, b)));
            }
        }
        return results;
    }

    /** Language probabilities per batch item, best first. Needs a multilingual model. */
    public List<List<LanguageProbability>> detectLanguage(EngineInput input) {
        return call("detect language", input, () -> {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment out = call.allocate(ValueLayout.ADDRESS);
                Status.check(ct2j_h.ct2j_detect_language(handle, input.storage(), out), "detect_language failed");
                MemorySegment languages = out.get(ValueLayout.ADDRESS, 0);
                try {
                    int batch = (int) ct2j_h.ct2j_languages_batch_size(languages);
                    List<List<LanguageProbability>> results = new ArrayList<>(batch);
                    for (int b = 0; b < batch; b++) {
                        int count = (int) ct2j_h.ct2j_languages_count(languages, b);
                        List<LanguageProbability> item = new ArrayList<>(count);
                        for (int i = 0; i < count; i++) {
                            item.add(new LanguageProbability(
                                    NativeStrings.read(ct2j_h.ct2j_languages_token(languages, b, i)),
                                    ct2j_h.ct2j_languages_probability(languages, b, i)));
                        }
                        results.add(List.copyOf(item));
                    }
                    return List.copyOf(results);
                } finally {
                    ct2j_h.ct2j_languages_free(languages);
                }
            }
        });
    }

    /**
     * Aligns text tokens with audio frames through the alignment heads' cross-attention (DTW).
     *
     * @param startSequence     the SOT sequence
     * @param textTokens        per batch item, the text tokens (ids below EOT)
     * @param numFrames         per batch item, the number of mel frames with content
     * @param medianFilterWidth CTranslate2's (and faster-whisper's) default is 7
     */
    public List<AlignmentResult> align(EngineInput input, List<Integer> startSequence, List<List<Integer>> textTokens,
                                       List<Integer> numFrames, int medianFilterWidth) {
        int batch = input.batchSize();
        if (textTokens == null || textTokens.size() != batch || numFrames == null || numFrames.size() != batch) {
            throw new IllegalArgumentException("need text tokens and a frame count per batch item (" + batch + ")");
        }
        return call("align", input, () -> {
            try (Arena call = Arena.ofConfined()) {
                FlatLists texts = FlatLists.of(call, textTokens, "text tokens");
                MemorySegment start = call.allocateFrom(ValueLayout.JAVA_INT, unboxed(startSequence));
                MemorySegment frames = call.allocateFrom(ValueLayout.JAVA_LONG,
                        numFrames.stream().mapToLong(Integer::longValue).toArray());
                MemorySegment out = call.allocate(ValueLayout.ADDRESS);
                Status.check(ct2j_h.ct2j_align(handle, input.storage(), start, startSequence.size(), batch, texts.ids(),
                        texts.lengths(), frames, medianFilterWidth, out), "align failed");
                MemorySegment alignment = out.get(ValueLayout.ADDRESS, 0);
                try {
                    return readAlignment(alignment, call);
                } finally {
                    ct2j_h.ct2j_alignment_free(alignment);
                }
            }
        });
    }

    private static List<AlignmentResult> readAlignment(MemorySegment alignment, Arena call) {
        int batch = (int) ct2j_h.ct2j_alignment_batch_size(alignment);
        MemorySegment count = call.allocate(ValueLayout.JAVA_LONG);
        List<AlignmentResult> results = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            MemorySegment pairs = ct2j_h.ct2j_alignment_pairs(alignment, b, count);
            long n = count.get(ValueLayout.JAVA_LONG, 0);
            long[] flat = n == 0 ? new long[0] : pairs.reinterpret(n * 2 * Long.BYTES).toArray(ValueLayout.JAVA_LONG);
            List<AlignmentResult.TokenTime> path = new ArrayList<>((int) n);
            for (int i = 0; i < n; i++) {
                path.add(new AlignmentResult.TokenTime(flat[2 * i], flat[2 * i + 1]));
            }
            MemorySegment probs = ct2j_h.ct2j_alignment_text_token_probs(alignment, b, count);
            long m = count.get(ValueLayout.JAVA_LONG, 0);
            float[] p = m == 0 ? new float[0] : probs.reinterpret(m * Float.BYTES).toArray(ValueLayout.JAVA_FLOAT);
            List<Float> probabilities = new ArrayList<>(p.length);
            for (float v : p) {
                probabilities.add(v);
            }
            results.add(new AlignmentResult(path, probabilities));
        }
        return List.copyOf(results);
    }

    // ---- lifetime ----------------------------------------------------------------------------

    /**
     * Releases the weights. {@code toCpu} keeps one host copy (one per distinct model, not one per
     * replica) so that {@link #loadWeights(boolean)} is fast; otherwise everything is freed and a reload
     * reads the model again. On a CPU model, {@code toCpu} keeps the weights where they are.
     *
     * @throws ModelBusyException with {@link BusyPolicy#FAIL} while calls are in flight
     */
    public void unload(boolean toCpu, BusyPolicy policy) {
        int code = policy == BusyPolicy.FAIL ? ct2j_h.CT2J_BUSY_FAIL() : ct2j_h.CT2J_BUSY_WAIT();
        run(() -> Status.check(ct2j_h.ct2j_model_unload(handle, toCpu, code), "cannot unload " + describe()));
        if (!toCpu) {
            NativeMemory.release(); // the weights are freed, not moved
        }
    }

    /** {@link #unload(boolean, BusyPolicy)} waiting for calls in flight. */
    public void unload(boolean toCpu) {
        unload(toCpu, BusyPolicy.WAIT);
    }

    /** Loads the weights back: from the host copy if any, else from the source. No-op if loaded. */
    public void loadWeights(boolean keepCache) {
        run(() -> Status.check(ct2j_h.ct2j_model_load_weights(handle, keepCache), "cannot load " + describe()));
    }

    /** Frees the workers' allocator caches (on CUDA, also trims the driver's memory pool). */
    public void releaseCaches() {
        run(() -> Status.check(ct2j_h.ct2j_model_release_caches(handle), "cannot release caches of " + describe()));
    }

    public boolean isLoaded() {
        return call(null, () -> ct2j_h.ct2j_model_is_loaded(handle));
    }

    /** Calls currently running or queued in CTranslate2's pool. */
    public int activeBatches() {
        return call(null, () -> ct2j_h.ct2j_model_num_active_batches(handle));
    }

    public boolean isMultilingual() {
        return multilingual;
    }

    public int nMels() {
        return nMels;
    }

    public int numLanguages() {
        return numLanguages;
    }

    public Device device() {
        return device;
    }

    /** The compute type in effect, e.g. "int8_float32". */
    public String computeType() {
        return computeType;
    }

    public int numReplicas() {
        return numReplicas;
    }

    public String source() {
        return source;
    }

    @Override
    protected void beforeFree() {
        shutdownRegistration.remove();
        java.util.List<EncoderOutput> outputs;
        synchronized (liveOutputs) {
            outputs = java.util.List.copyOf(liveOutputs);
        }
        for (EncoderOutput output : outputs) {
            output.close(); // waits for calls using it, then frees it
        }
    }

    // ---- plumbing ----------------------------------------------------------------------------

    private EncoderOutput track(EncoderOutput output) {
        liveOutputs.add(output);
        return output;
    }

    // A CTranslate2 call, timed as a phase when tracing (PhaseTrace).
    private <T> T call(String phase, EngineInput input, Supplier<T> body) {
        long start = PhaseTrace.start();
        try {
            return call(input, body);
        } finally {
            PhaseTrace.end(phase, start);
        }
    }

    private <T> T call(EngineInput input, Supplier<T> body) {
        enter();
        try {
            if (input == null) {
                return body.get();
            }
            input.acquire();
            try {
                return body.get();
            } finally {
                input.release();
            }
        } finally {
            leave();
        }
    }

    private void run(Runnable body) {
        call(null, () -> {
            body.run();
            return null;
        });
    }

    static List<Integer> boxed(int[] values) {
        List<Integer> list = new ArrayList<>(values.length);
        for (int v : values) {
            list.add(v);
        }
        return list;
    }

    static int[] unboxed(List<Integer> values) {
        if (values == null) {
            throw new IllegalArgumentException("token list must not be null");
        }
        int[] out = new int[values.size()];
        for (int i = 0; i < out.length; i++) {
            Integer v = values.get(i);
            if (v == null) {
                throw new IllegalArgumentException("token lists must not contain null");
            }
            out[i] = v;
        }
        return out;
    }

    /** Several id lists packed for the C API: concatenated ids plus their lengths. */
    private record FlatLists(MemorySegment ids, MemorySegment lengths) {
        static FlatLists of(Arena arena, List<List<Integer>> lists, String what) {
            int total = 0;
            long[] lengths = new long[lists.size()];
            for (int i = 0; i < lists.size(); i++) {
                if (lists.get(i) == null) {
                    throw new IllegalArgumentException(what + " " + i + " is null");
                }
                lengths[i] = lists.get(i).size();
                total += lists.get(i).size();
            }
            MemorySegment ids = arena.allocate(ValueLayout.JAVA_INT, Math.max(total, 1));
            int offset = 0;
            for (List<Integer> list : lists) {
                int[] values = unboxed(list);
                MemorySegment.copy(values, 0, ids, ValueLayout.JAVA_INT, (long) offset * Integer.BYTES, values.length);
                offset += values.length;
            }
            return new FlatLists(ids, arena.allocateFrom(ValueLayout.JAVA_LONG, lengths));
        }
    }
}
