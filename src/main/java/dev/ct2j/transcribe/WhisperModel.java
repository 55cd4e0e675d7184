package dev.ct2j.transcribe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.engine.EncoderOutput;
import dev.ct2j.engine.Features;
import dev.ct2j.engine.LanguageProbability;
import dev.ct2j.engine.ModelDirectory;
import dev.ct2j.engine.ModelFileException;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.engine.WhisperEngine;
import dev.ct2j.features.FeatureExtractor;
import dev.ct2j.features.MelSpectrogram;
import dev.ct2j.lifetime.CallGuard;
import dev.ct2j.models.HubOptions;
import dev.ct2j.natives.NativeShutdown;
import dev.ct2j.models.ModelResolver;
import dev.ct2j.tokenizer.WhisperTokenizer;
import dev.ct2j.tokenizer.WhisperVocabulary;
import dev.ct2j.engine.BusyPolicy;
import dev.ct2j.trace.PhaseTrace;
import dev.ct2j.vad.SileroVadModel;
import dev.ct2j.vad.SpeechChunk;
import dev.ct2j.vad.SpeechTimestamps;
import dev.ct2j.vad.VadOptions;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * faster-whisper's {@code WhisperModel}: a model, its tokenizer and its feature extractor, and
 * the sequential transcription pipeline.
 *
 * <pre>{@code
 * try (var model = WhisperModel.load("base");
 *      var result = model.transcribe(Path.of("audio.flac"), TranscriptionOptions.defaults())) {
 *     for (Segment s : result) System.out.printf("[%.2fs -> %.2fs] %s%n", s.start(), s.end(), s.text());
 * }
 * }</pre>
 *
 * <p>{@link #close()} is faster-whisper's {@code del model}: it frees the weights, the tokenizer
 * and every native buffer. {@link #unloadModel(boolean)} and {@link #loadModel(boolean)} are
 * {@code model.model.unload_model()}/{@code load_model()}. Thread-safe: one model may serve
 * several transcriptions at once (set {@code interThreads} for them to run in parallel).
 */
public final class WhisperModel implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.ct2j");
    // -Dct2j.reuseDetectionEncoding=false encodes the first window twice, as faster-whisper does:
    // for benchmarks/compare's before/after.
    private volatile boolean reuseDetectionEncoding =
            !"false".equalsIgnoreCase(System.getProperty("ct2j.reuseDetectionEncoding"));
    private final java.util.concurrent.atomic.AtomicLong encodes = new java.util.concurrent.atomic.AtomicLong();
    // One daemon thread watches every model that unloads when idle.
    private static final ScheduledExecutorService IDLE_WATCHER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ct2j-idle-unloader");
        t.setDaemon(true);
        return t;
    });

    private final ModelDirectory directory;
    private final WhisperEngine engine;
    private final WhisperVocabulary vocabulary;
    private final FeatureExtractor featureExtractor;
    private final LifetimeOptions lifetime;

    // Entered by every open transcription (its lease); close() refuses new ones, and with
    // WAIT_FOR_READERS first waits for the open ones.
    private final CallGuard readers;
    // Entered for every unit of work (a language detection, a window); the idle unloader only
    // unloads when no unit runs, and holds new ones off while it unloads.
    private final CallGuard usage;
    private volatile long lastUseNanos = System.nanoTime();
    private final ScheduledFuture<?> idleCheck;
    private SileroVadModel vad; // loaded on first use, closed with the model

    private WhisperModel(ModelDirectory directory, WhisperEngine engine, WhisperVocabulary vocabulary,
                         FeatureExtractor featureExtractor, LifetimeOptions lifetime) {
        this.directory = directory;
        this.engine = engine;
        this.vocabulary = vocabulary;
        this.featureExtractor = featureExtractor;
        this.lifetime = lifetime;
        this.readers = new CallGuard("WhisperModel(" + directory.path() + ")");
        this.usage = new CallGuard(readers.what());
        if (lifetime.unloadAfterIdle() != null) {
            long period = Math.max(10, Math.min(1000, lifetime.unloadAfterIdle().toMillis() / 4));
            this.idleCheck = IDLE_WATCHER.scheduleWithFixedDelay(this::unloadIfIdle, period, period, TimeUnit.MILLISECONDS);
        } else {
            this.idleCheck = null;
        }
        this.shutdownRegistration = NativeShutdown.register(this, WhisperModel::closeForShutdown);
    }

    // The JVM's shutdown hook closes the models still open, within its bound (NativeShutdown).
    private final NativeShutdown.Registration shutdownRegistration;

    /**
     * Loads a model by directory, ct2j store name, faster-whisper size ("base") or Hugging Face repo
     * id ("Systran/faster-whisper-base"), with faster-whisper's default options; see
     * {@link ModelResolver} for the order and {@link HubOptions} for downloads.
     */
    public static WhisperModel load(String modelSizeOrPath) {
        return load(modelSizeOrPath, ModelOptions.defaults());
    }

    public static WhisperModel load(String modelSizeOrPath, ModelOptions options) {
        return load(modelSizeOrPath, options, LifetimeOptions.defaults());
    }

    /** Loads a model with explicit lifetime management (idle unloading, close behaviour). */
    public static WhisperModel load(String modelSizeOrPath, ModelOptions options, LifetimeOptions lifetime) {
        return load(modelSizeOrPath, options, lifetime, HubOptions.defaults());
    }

    /**
     * Loads a model, downloading it from the Hugging Face Hub as faster-whisper does if it is a size
     * or repo id not found locally: faster-whisper's {@code WhisperModel(name, download_root=,
     * local_files_only=, revision=, use_auth_token=)}.
     */
    public static WhisperModel load(String modelSizeOrPath, ModelOptions options, LifetimeOptions lifetime,
                                    HubOptions hub) {
        if (lifetime == null) {
            throw new IllegalArgumentException("lifetime options must not be null");
        }
        if (hub == null) {
            throw new IllegalArgumentException("hub options must not be null");
        }
        return load(resolve(modelSizeOrPath, hub), options, lifetime);
    }

    /**
     * Finds a model by the names {@link #load(String)} takes (downloading it if needed) and checks
     * its files, without loading it: for {@link #load(ModelDirectory, ModelOptions, LifetimeOptions)}
     * and {@link #featureExtractorBeforeLoad}.
     */
    public static ModelDirectory resolve(String modelSizeOrPath, HubOptions hub) {
        if (hub == null) {
            throw new IllegalArgumentException("hub options must not be null");
        }
        long lookup = PhaseTrace.start();
        try {
            return ModelDirectory.validate(ModelResolver.system().resolve(modelSizeOrPath, hub));
        } finally {
            PhaseTrace.end("model lookup", lookup);
        }
    }

    /** Loads a model directory found by {@link #resolve}. */
    public static WhisperModel load(ModelDirectory directory, ModelOptions options, LifetimeOptions lifetime) {
        if (directory == null) {
            throw new IllegalArgumentException("model directory must not be null");
        }
        if (lifetime == null) {
            throw new IllegalArgumentException("lifetime options must not be null");
        }
        // The tokenizer parses on its own thread while CTranslate2 loads the weights (faster-whisper
        // loads one after the other); only whether the model is multilingual waits for the engine.
        // -Dct2j.tokenizerBesideLoad=false parses it after the load, as faster-whisper does (A/B).
        CompletableFuture<WhisperVocabulary.Parsed> parsing = TOKENIZER_BESIDE_LOAD ? parseTokenizer(directory) : null;
        WhisperEngine engine;
        try {
            engine = WhisperEngine.load(directory, options);
        } catch (RuntimeException | Error e) {
            if (parsing != null) {
                parsing.thenAccept(WhisperVocabulary.Parsed::close);
            }
            throw e;
        }
        try {
            if (parsing == null) {
                parsing = parseTokenizer(directory);
            }
            WhisperVocabulary vocabulary;
            try {
                vocabulary = parsing.join().complete(engine.isMultilingual());
            } catch (CompletionException e) {
                throw tokenizerFailure(directory, e.getCause());
            } catch (UncheckedIOException | IllegalArgumentException e) {
                throw tokenizerFailure(directory, e);
            }
            long setup = PhaseTrace.start();
            FeatureExtractor features = featureExtractor(directory, engine.nMels());
            PhaseTrace.end("feature extractor", setup);
            return new WhisperModel(directory, engine, vocabulary, features, lifetime);
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
    }

    private static final boolean TOKENIZER_BESIDE_LOAD =
            !"false".equalsIgnoreCase(System.getProperty("ct2j.tokenizerBesideLoad"));

    private static CompletableFuture<WhisperVocabulary.Parsed> parseTokenizer(ModelDirectory directory) {
        return CompletableFuture.supplyAsync(() -> {
            WhisperVocabulary.Parsed parsed = WhisperVocabulary.parse(directory.path());
            try {
                WhisperEngine.prelink(); // usually still ahead of the engine: off the first transcription
            } catch (RuntimeException | LinkageError e) {
                // the engine's own load reports a missing or broken native library
            }
            return parsed;
        }, TokenizerLoader.EXECUTOR);
    }

    // One long-lived thread parses every tokenizer: a fresh thread per load drew its allocations from
    // whichever glibc arena came next, and memcheck's trimmed RSS then grew 5.7 MB a cycle (against
    // -0.25 with one thread).
    private static final class TokenizerLoader {
        static final java.util.concurrent.ExecutorService EXECUTOR = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "ct2j-tokenizer-load");
            t.setDaemon(true);
            return t;
        });
    }

    private static RuntimeException tokenizerFailure(ModelDirectory directory, Throwable failure) {
        if (failure instanceof UncheckedIOException || failure instanceof IllegalArgumentException) {
            return directory.jsonSyntaxError("tokenizer.json").map(RuntimeException.class::cast)
                    .orElseGet(() -> new ModelFileException(directory.tokenizer(), failure.getMessage(), failure));
        }
        if (failure instanceof RuntimeException e) {
            return e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(failure);
    }

    /**
     * The model's feature extractor, when its {@code preprocessor_config.json} says the number of
     * mel bins: so that the features can be computed while the model loads ({@link PreparedAudio}).
     * Empty without one: the model's own n_mels (model.bin) is known only after the load. A
     * feature_size unlike model.bin's is refused at load.
     */
    public static java.util.Optional<FeatureExtractor> featureExtractorBeforeLoad(ModelDirectory directory) {
        JsonNode size = directory.preprocessorConfig().map(config -> config.get("feature_size")).orElse(null);
        if (size == null || !size.isIntegralNumber() || !size.canConvertToInt()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(featureExtractor(directory, size.asInt()));
    }

    // faster-whisper keeps only preprocessor_config.json keys that are FeatureExtractor arguments.
    // Without the file it falls back to 80 mels even for 128-mel models (a known bug); we use the
    // model's own n_mels instead, which is identical whenever faster-whisper's choice works.
    static FeatureExtractor featureExtractor(ModelDirectory directory, int modelMels) {
        if (directory.preprocessorConfig().isEmpty()) {
            return new FeatureExtractor(modelMels);
        }
        JsonNode config = directory.preprocessorConfig().get();
        Path file = directory.path().resolve("preprocessor_config.json");
        // A feature_size unlike model.bin's n_mels (encoder/conv1) would fail every encode; say so at load.
        JsonNode featureSize = config.get("feature_size");
        if (featureSize != null && !featureSize.isNull() && featureSize.canConvertToInt()
                && featureSize.asInt() != modelMels) {
            throw new ModelFileException(file, "invalid model file " + file + ": feature_size " + featureSize.asInt()
                    + " does not match the model's " + modelMels + " mel bins (model.bin encoder/conv1)");
        }
        try {
            return new FeatureExtractor(intField(config, "feature_size", 80, file),
                    intField(config, "sampling_rate", 16000, file), intField(config, "hop_length", 160, file),
                    intField(config, "chunk_length", 30, file), intField(config, "n_fft", 400, file));
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, "unsupported values in " + file + ": " + e.getMessage(), e);
        }
    }

    private static int intField(JsonNode config, String name, int fallback, Path file) {
        JsonNode node = config.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        // An integer as JSON writes it: canConvertToInt alone also takes 80.5 (and reads it as 80),
        // where faster-whisper's FeatureExtractor fails on any float.
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new ModelFileException(file, "corrupt model file " + file + ": '" + name
                    + "' must be an integer, got " + node);
        }
        return node.asInt();
    }

    // ---- transcription --------------------------------------------------------------------------

    /** Decodes an audio file (any format FFmpeg reads) and transcribes it. */
    public Transcription transcribe(Path audioFile, TranscriptionOptions options) {
        return transcribe(AudioDecoder.decode(audioFile, featureExtractor.samplingRate()), options);
    }

    /**
     * Transcribes 16 kHz mono samples. Decoding happens while the segments are read; language
     * detection and the features are computed here, as in faster-whisper.
     */
    public Transcription transcribe(float[] audio, TranscriptionOptions options) {
        if (audio == null) {
            throw new IllegalArgumentException("audio must not be null");
        }
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        int samples = audio.length;
        List<SpeechChunk> speechChunks = null;
        VadOptions vadOptions = options.vadParameters();
        if (options.vadFilter() && options.clipTimestamps() == null) {
            vadOptions = vadOptions == null ? VadOptions.defaults() : vadOptions;
            speechChunks = SpeechTimestamps.getSpeechTimestamps(audio, vadOptions, vadModel());
            audio = SpeechTimestamps.joinSpeech(audio, speechChunks);
            LOG.log(System.Logger.Level.DEBUG, "VAD filter removed {0} s of audio",
                    (double) (samples - audio.length) / featureExtractor.samplingRate());
        }
        MelSpectrogram features = featureExtractor.compute(audio, 160, options.chunkLength());
        return transcribe(features, samples, audio.length, speechChunks, vadOptions, options);
    }

    /**
     * Transcribes audio whose features were computed before this model loaded (see
     * {@link PreparedAudio}), with the same result as {@link #transcribe(float[], TranscriptionOptions)}
     * on its samples.
     *
     * @throws IllegalArgumentException if the options ask for the VAD filter (it runs on the
     *     samples, before the features), or for another chunk_length than the audio was prepared
     *     with, or if this model's feature extractor has other settings
     */
    public Transcription transcribe(PreparedAudio audio, TranscriptionOptions options) {
        if (audio == null) {
            throw new IllegalArgumentException("audio must not be null");
        }
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        if (options.vadFilter() && options.clipTimestamps() == null) {
            throw new IllegalArgumentException("vad_filter runs on the samples before the features: transcribe"
                    + " the samples, not prepared audio");
        }
        if (!java.util.Objects.equals(audio.chunkLength(), options.chunkLength())) {
            throw new IllegalArgumentException("the audio was prepared for chunk_length " + audio.chunkLength()
                    + " but the options say " + options.chunkLength());
        }
        if (!audio.extractor().hasSettingsOf(featureExtractor)) {
            throw new IllegalArgumentException("the audio was prepared with other feature settings ("
                    + audio.extractor() + ") than this model's (" + featureExtractor + ")");
        }
        return transcribe(audio.features(), audio.samples(), audio.samples(), null, options.vadParameters(), options);
    }

    // faster-whisper's transcribe from its features on: language, tokenizer, then the segments.
    private Transcription transcribe(MelSpectrogram features, int samples, int samplesAfterVad,
                                     List<SpeechChunk> speechChunks, VadOptions vadOptions,
                                     TranscriptionOptions options) {
        boolean multilingual = WindowDecoding.multilingual(options.multilingual(), engine.isMultilingual());
        int samplingRate = featureExtractor.samplingRate();
        double duration = (double) samples / samplingRate;
        double durationAfterVad = (double) samplesAfterVad / samplingRate;
        int nbMaxFrames = featureExtractor.nbMaxFrames(options.chunkLength());

        WindowDecoding.ChosenLanguage chosen = WindowDecoding.chooseLanguage(options.language(),
                engine.isMultilingual(), () -> {
                    // Detection starts at the first clip timestamp, if it falls inside the audio.
                    double startTimestamp = options.clipTimestamps() == null || options.clipTimestamps().isEmpty()
                            ? 0.0 : options.clipTimestamps().getFirst();
                    int contentFrames = features.frames() - 1;
                    int framesPerSecond = samplingRate / featureExtractor.hopLength();
                    int seek = startTimestamp * framesPerSecond < contentFrames
                            ? (int) (startTimestamp * framesPerSecond) : 0;
                    MelSpectrogram detectionFeatures = features.slice(seek, features.frames());
                    return use(() -> detect(detectionFeatures, options.languageDetectionSegments(),
                            options.languageDetectionThreshold(), nbMaxFrames, reuseDetectionEncoding));
                });
        String language = chosen.language();

        WhisperTokenizer tokenizer = WhisperTokenizer.of(vocabulary, options.task(), language);
        List<Integer> suppressTokens = options.suppressTokens() == null || options.suppressTokens().isEmpty()
                ? List.of() // faster-whisper passes None and [] through: no suppression at all
                : tokenizer.suppressedTokens(options.suppressTokens());
        TranscriptionOptions effective = options.toBuilder().multilingual(multilingual).build();
        TranscriptionInfo info = new TranscriptionInfo(language, chosen.languageProbability(), duration,
                durationAfterVad, chosen.allLanguageProbs(), effective, vadOptions);
        SegmentGenerator generator = new SegmentGenerator(this, features, tokenizer, effective,
                suppressTokens, nbMaxFrames, chosen.detectionWindow());
        java.util.Iterator<Segment> segments = generator;
        if (speechChunks != null && !speechChunks.isEmpty()) {
            segments = SpeechRestoration.restoreSpeechTimestamps(segments, speechChunks, samplingRate);
        }
        return new Transcription(info, segments, this, generator::discardReusableWindow, generator.stopSignal());
    }

    // ---- language detection -----------------------------------------------------------------

    /** faster-whisper's {@code detect_language(audio=...)}, without VAD. */
    public LanguageDetection detectLanguage(float[] audio, int languageDetectionSegments,
                                            double languageDetectionThreshold) {
        return detectLanguage(audio, false, null, languageDetectionSegments, languageDetectionThreshold);
    }

    /**
     * faster-whisper's {@code detect_language(audio, vad_filter, vad_parameters, ...)}.
     *
     * @param vadParameters null means VadOptions defaults
     */
    public LanguageDetection detectLanguage(float[] audio, boolean vadFilter, VadOptions vadParameters,
                                            int languageDetectionSegments, double languageDetectionThreshold) {
        if (audio == null) {
            throw new IllegalArgumentException("audio must not be null");
        }
        if (vadFilter) {
            List<SpeechChunk> chunks = SpeechTimestamps.getSpeechTimestamps(audio,
                    vadParameters == null ? VadOptions.defaults() : vadParameters, vadModel());
            audio = SpeechTimestamps.joinSpeech(audio, chunks);
        }
        if (languageDetectionSegments < 1) {
            throw new IllegalArgumentException("language_detection_segments must be >= 1, got "
                    + languageDetectionSegments);
        }
        int limit = (int) Math.min(audio.length, (long) languageDetectionSegments * featureExtractor.nSamples());
        float[] head = limit == audio.length ? audio : java.util.Arrays.copyOf(audio, limit);
        MelSpectrogram features = featureExtractor.compute(head);
        return use(() -> detectLanguage(features, languageDetectionSegments, languageDetectionThreshold,
                featureExtractor.nbMaxFrames()));
    }

    /** detect_language with faster-whisper's defaults: 1 segment, threshold 0.5. */
    public LanguageDetection detectLanguage(float[] audio) {
        return detectLanguage(audio, 1, 0.5);
    }

    LanguageDetection detectLanguage(MelSpectrogram features, int segments, double threshold, int nbMaxFrames) {
        return detect(features, segments, threshold, nbMaxFrames, false).detection();
    }

    /** A language detection, and the first window it encoded when the caller asked to keep it. */
    record Detected(LanguageDetection detection, EncodedWindow firstWindow) {
    }

    /**
     * faster-whisper's {@code detect_language} on features. With {@code keepFirstWindow}, the
     * first window's encoder input and output are handed back (the caller closes them) instead of
     * freed: faster-whisper encodes the same window again as the first window of the
     * transcription, and {@link SegmentGenerator} reuses it when the two inputs are identical.
     */
    Detected detect(MelSpectrogram features, int segments, double threshold, int nbMaxFrames,
                    boolean keepFirstWindow) {
        if (!engine.isMultilingual()) {
            throw new IllegalStateException("language detection needs a multilingual model; "
                    + directory.path() + " is English-only");
        }
        int frames = (int) Math.min(features.frames(), (long) segments * nbMaxFrames);
        Map<String, List<Double>> detected = new LinkedHashMap<>();
        List<LanguageProbability> allLanguageProbs = List.of();
        String language = null;
        double probability = 0;
        boolean accepted = false;
        EncodedWindow first = null;
        for (int i = 0; i < frames; i += nbMaxFrames) {
            MelSpectrogram window = features.slice(i, Math.min(i + nbMaxFrames, frames)).padOrTrim(3000);
            EncoderOutput encoded = encode(window);
            try {
                allLanguageProbs = engine.detectLanguage(encoded).getFirst();
            } catch (RuntimeException | Error e) {
                encoded.close();
                if (first != null) {
                    first.close();
                }
                throw e;
            }
            if (keepFirstWindow && i == 0) {
                first = new EncodedWindow(window, encoded);
            } else {
                encoded.close();
            }
            language = allLanguageProbs.getFirst().code();
            probability = allLanguageProbs.getFirst().probability();
            if (probability > threshold) {
                accepted = true;
                break;
            }
            detected.computeIfAbsent(language, k -> new ArrayList<>()).add(probability);
        }
        if (!accepted) {
            // Majority vote over the windows' top languages; ties go to the first seen.
            String best = null;
            for (Map.Entry<String, List<Double>> entry : detected.entrySet()) {
                if (best == null || entry.getValue().size() > detected.get(best).size()) {
                    best = entry.getKey();
                }
            }
            language = best;
            probability = detected.get(best).stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        }
        return new Detected(new LanguageDetection(language, probability, allLanguageProbs), first);
    }

    /** The Silero VAD model, loaded on first use (faster-whisper caches one per process). */
    synchronized SileroVadModel vadModel() {
        readers.ensureOpen();
        if (vad == null) {
            vad = SileroVadModel.loadDefault();
        }
        return vad;
    }

    /** Whether a transcription reuses language detection's encoding of its first window (tests). */
    void reuseDetectionEncoding(boolean reuse) {
        reuseDetectionEncoding = reuse;
    }

    /** Encoder calls made for this model's transcriptions and detections so far (for tests and benchmarks). */
    long encodeCount() {
        return encodes.get();
    }

    EncoderOutput encode(MelSpectrogram window) {
        encodes.incrementAndGet();
        try (Features features = Features.of(window.data(), 1, window.nMels(), window.frames())) {
            return engine.encode(features, false);
        }
    }

    // ---- lifetime ---------------------------------------------------------------------------

    /**
     * Runs one unit of work (a window, a language detection) on the model: refuses a closed
     * model, reloads weights that an idle unload released, and marks the model as in use.
     */
    <T> T use(Supplier<T> work) {
        readers.ensureOpen();
        usage.enter();
        try {
            lastUseNanos = System.nanoTime();
            if (lifetime.unloadAfterIdle() != null && !engine.isLoaded()) {
                engine.loadWeights(false);
                event(ModelEventListener.Kind.RELOADED);
            }
            return work.get();
        } finally {
            lastUseNanos = System.nanoTime();
            usage.leave();
        }
    }

    private void unloadIfIdle() {
        try {
            long idleNanos = System.nanoTime() - lastUseNanos;
            if (readers.isClosed() || idleNanos < lifetime.unloadAfterIdle().toNanos()) {
                return;
            }
            usage.runIfIdle(() -> {
                if (!readers.isClosed() && engine.isLoaded()) {
                    engine.unload(lifetime.idleUnloadToCpu(), BusyPolicy.FAIL);
                    event(ModelEventListener.Kind.IDLE_UNLOADED);
                }
            });
        } catch (RuntimeException e) {
            // A close racing the check, or a busy model: try again at the next tick.
            LOG.log(System.Logger.Level.DEBUG, "idle unload skipped: {0}", e.getMessage());
        }
    }

    private void event(ModelEventListener.Kind kind) {
        LOG.log(kind == ModelEventListener.Kind.CLOSED ? System.Logger.Level.DEBUG : System.Logger.Level.INFO,
                "{0}: {1}", directory.path(), kind);
        try {
            lifetime.listener().onEvent(new ModelEventListener.Event(kind, directory.path().toString(),
                    System.currentTimeMillis()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "model event listener failed", e);
        }
    }

    /** A transcription starts reading the model; released by {@link #releaseLease()}. */
    void acquireLease() {
        readers.enter();
    }

    void releaseLease() {
        readers.leave();
    }

    /** Transcriptions created by this model and not yet read to the end or closed. */
    public int openTranscriptions() {
        return readers.inFlight();
    }

    public boolean isClosed() {
        return readers.isClosed();
    }

    /**
     * CTranslate2's {@code unload_model(to_cpu)}: waits for calls in flight, never a silent no-op.
     * With idle unloading on, the next call reloads transparently; otherwise calls fail until
     * {@link #loadModel(boolean)}.
     */
    public void unloadModel(boolean toCpu) {
        engine.unload(toCpu, BusyPolicy.WAIT);
    }

    /** {@link #unloadModel(boolean)}, failing with ModelBusyException instead of waiting. */
    public void unloadModel(boolean toCpu, BusyPolicy policy) {
        engine.unload(toCpu, policy);
    }

    /** CTranslate2's {@code load_model(keep_cache)}. */
    public void loadModel(boolean keepCache) {
        engine.loadWeights(keepCache);
    }

    public boolean isModelLoaded() {
        return engine.isLoaded();
    }

    /** faster-whisper's {@code supported_languages}. */
    public List<String> supportedLanguages() {
        return vocabulary.supportedLanguages();
    }

    /** The CTranslate2 model ({@code WhisperModel.model} in faster-whisper). */
    public WhisperEngine engine() {
        return engine;
    }

    public WhisperVocabulary vocabulary() {
        return vocabulary;
    }

    public FeatureExtractor featureExtractor() {
        return featureExtractor;
    }

    public ModelDirectory directory() {
        return directory;
    }

    /**
     * faster-whisper's {@code del model}: frees the weights, cached copies, allocator caches and
     * the tokenizer. It waits for the native call in progress; with
     * {@link LifetimeOptions.CloseBehavior#WAIT_FOR_READERS} it first waits until every open
     * transcription is read or closed. Idempotent.
     */
    @Override
    public void close() {
        // Readers are not waited for by default: the engine's close waits for the native call in
        // progress, and an open transcription's next step finds the model closed.
        boolean first = lifetime.closeBehavior() == LifetimeOptions.CloseBehavior.WAIT_FOR_READERS
                ? readers.closeWhenIdle() : readers.close();
        if (!first) {
            return;
        }
        shutdownRegistration.remove();
        usage.close();
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        try {
            engine.close();
        } finally {
            closeRest();
        }
    }

    private void closeRest() {
        vocabulary.close();
        synchronized (this) {
            if (vad != null) {
                vad.close();
            }
        }
        event(ModelEventListener.Kind.CLOSED);
    }

    /**
     * The shutdown hook's close: never waits for readers (they are stopped by the refused native
     * calls), and waits at most {@code timeoutNanos} for the native call in progress. A model
     * still in a call is left as it is: nothing may be freed under a call CTranslate2 cannot stop.
     */
    private boolean closeForShutdown(long timeoutNanos) {
        if (!readers.close()) {
            return true; // closed already, by its owner
        }
        usage.close();
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        if (!engine.closeForShutdown(timeoutNanos)) {
            return false;
        }
        closeRest();
        return true;
    }
}
