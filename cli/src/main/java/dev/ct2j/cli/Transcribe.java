package dev.ct2j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.audio.NativeAudio;
import dev.ct2j.engine.EngineRuntime;
import dev.ct2j.engine.ModelDirectory;
import dev.ct2j.features.FeatureExtractor;
import dev.ct2j.output.JsonlWriter;
import dev.ct2j.output.OutputFormat;
import dev.ct2j.output.SubtitleOptions;
import dev.ct2j.output.Timestamps;
import dev.ct2j.output.Transcript;
import dev.ct2j.trace.PhaseTrace;
import dev.ct2j.transcribe.BatchedInferencePipeline;
import dev.ct2j.transcribe.FasterWhisperKwargs;
import dev.ct2j.transcribe.InputLimits;
import dev.ct2j.transcribe.PreparedAudio;
import dev.ct2j.transcribe.PreparedChunks;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import dev.ct2j.vad.SileroVadModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ct2j transcribe AUDIO...}: whisper-ctranslate2's command, on the library. One flag per
 * faster-whisper transcribe() parameter; the flags given are gathered into faster-whisper's
 * keyword arguments and applied over {@code --options}, so that every value is checked, and
 * named in errors, as the library names it.
 */
@Command(name = "transcribe", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Transcribe audio files (or directories of them, or - for stdin) into txt, vtt, srt, tsv and"
                + " json files, as whisper-ctranslate2 0.5.8 writes them; or stream jsonl to stdout.",
                "Defaults are whisper-ctranslate2's, except --model (base here, small there) and --verbose (off"
                + " here: a progress bar instead). Where they differ from faster-whisper's library defaults the"
                + " option says so. Boolean flags take an optional true/false value (--vad-filter,"
                + " --vad_filter True), and every option named after a faster-whisper parameter or a"
                + " whisper-ctranslate2 option also has its underscore spelling (--beam_size, --output_dir).",
                "Exit codes: 0 all inputs done; 1 some inputs failed (one line each, the others are still"
                + " written); 2 usage error (also when every input is refused as bad input); 130/143 interrupted."},
        footer = {"", "Outputs are written whole or not at all (a temporary file renamed into place)."})
final class Transcribe implements Callable<Integer> {
    /** What a directory is searched for (its files with other extensions are skipped). */
    static final Set<String> AUDIO_EXTENSIONS = Set.of("wav", "mp3", "flac", "m4a", "ogg", "oga", "opus", "webm",
            "mp4", "m4b", "aac", "wma", "aif", "aiff", "mka", "mkv", "mov", "amr", "3gp", "caf", "ac3", "spx");

    @Parameters(arity = "1..*", paramLabel = "AUDIO", description = "Audio files (any format FFmpeg reads),"
            + " directories (searched for audio files by extension, recursively) or - for standard input.")
    List<String> inputs;

    @Mixin
    ModelArgs modelArgs;

    // ---- outputs ----------------------------------------------------------------------------
    @Option(names = {"--output-dir", "--output_dir", "-o"}, defaultValue = ".",
            description = "Where the files go (default: ${DEFAULT-VALUE}).")
    Path outputDir;

    @Option(names = {"--output-format", "--output_format", "-f"}, defaultValue = "all",
            description = "txt, vtt, srt, tsv, json, all (the five), or jsonl: a segment per line on stdout as"
                    + " they are decoded, no files (default: ${DEFAULT-VALUE}).")
    String outputFormat;

    @Option(names = {"--pretty-json", "--pretty_json", "-p"}, arity = "0..1", fallbackValue = "true",
            description = "Indented JSON file (default: false).")
    boolean prettyJson;

    @Option(names = {"--highlight-words", "--highlight_words"}, arity = "0..1", fallbackValue = "true",
            description = "Underline each word as it is spoken in srt and vtt (needs --word-timestamps).")
    boolean highlightWords;

    @Option(names = {"--max-line-width", "--max_line_width"},
            description = "Characters per line in srt and vtt (needs --word-timestamps).")
    Integer maxLineWidth;

    @Option(names = {"--max-line-count", "--max_line_count"},
            description = "Lines per cue in srt and vtt (needs --word-timestamps).")
    Integer maxLineCount;

    @Option(names = {"--max-words-per-line", "--max_words_per_line"},
            description = "Words per cue in srt and vtt (needs --word-timestamps; no effect with --max-line-width).")
    Integer maxWordsPerLine;

    @Option(names = {"--verbose"}, arity = "0..1", fallbackValue = "true",
            description = "Print segments as they are decoded (on stdout, on stderr with jsonl), and CTranslate2's"
                    + " log lines; no progress bar (default: false; whisper-ctranslate2's is true).")
    boolean verbose;

    @Option(names = {"--quiet", "-q"}, description = "No progress bar.")
    boolean quiet;

    // ---- decoding: faster-whisper transcribe() --------------------------------------------------
    @Option(names = "--language", description = "Language code (en, de, ...); detected when omitted.")
    String language;

    @Option(names = "--task", description = "transcribe, or translate into English (default: transcribe).")
    String task;

    @Option(names = {"--beam-size", "--beam_size"}, description = "beam_size (default: 5).")
    Integer beamSize;

    @Option(names = {"--best-of", "--best_of"}, description = "best_of: candidates when sampling (default: 5).")
    Integer bestOf;

    @Option(names = "--patience", description = "patience of the beam search (default: 1.0).")
    Double patience;

    @Option(names = {"--length-penalty", "--length_penalty"}, description = "length_penalty (default: 1.0).")
    Double lengthPenalty;

    @Option(names = {"--repetition-penalty", "--repetition_penalty"},
            description = "repetition_penalty, > 1 penalizes repeats (default: 1.0).")
    Double repetitionPenalty;

    @Option(names = {"--no-repeat-ngram-size", "--no_repeat_ngram_size"},
            description = "no_repeat_ngram_size, 0 = off (default: 0).")
    Integer noRepeatNgramSize;

    @Option(names = "--temperature", description = "The first temperature (default: 0).")
    Double temperature;

    @Option(names = {"--temperature-increment-on-fallback", "--temperature_increment_on_fallback"},
            description = "Fallback temperatures: --temperature, then up by this to 1.0 (default: 0.2; together"
                    + " faster-whisper's temperature=[0.0, 0.2, ..., 1.0]).")
    Double temperatureIncrement;

    @Option(names = {"--compression-ratio-threshold", "--compression_ratio_threshold"},
            description = "compression_ratio_threshold (default: 2.4).")
    Double compressionRatioThreshold;

    @Option(names = {"--log-prob-threshold", "--logprob_threshold", "--log_prob_threshold"},
            description = "log_prob_threshold (default: -1.0).")
    Double logProbThreshold;

    @Option(names = {"--no-speech-threshold", "--no_speech_threshold"},
            description = "no_speech_threshold (default: 0.6).")
    Double noSpeechThreshold;

    @Option(names = {"--condition-on-previous-text", "--condition_on_previous_text"}, arity = "0..1",
            fallbackValue = "true", description = "condition_on_previous_text (default: true).")
    Boolean conditionOnPreviousText;

    @Option(names = {"--prompt-reset-on-temperature", "--prompt_reset_on_temperature"},
            description = "prompt_reset_on_temperature (default: 0.5).")
    Double promptResetOnTemperature;

    @Option(names = {"--initial-prompt", "--initial_prompt"}, description = "initial_prompt for the first window.")
    String initialPrompt;

    @Option(names = "--prefix", description = "prefix for the first window.")
    String prefix;

    @Option(names = "--hotwords", description = "hotwords: hint phrases (used when there is no prefix).")
    String hotwords;

    @Option(names = {"--suppress-blank", "--suppress_blank"}, arity = "0..1", fallbackValue = "true",
            description = "suppress_blank (default: true).")
    Boolean suppressBlank;

    @Option(names = {"--suppress-tokens", "--suppress_tokens"},
            description = "suppress_tokens, comma-separated ids; -1 = the model's non-speech tokens (default: -1;"
                    + " empty for none).")
    String suppressTokens;

    @Option(names = {"--without-timestamps", "--without_timestamps"}, arity = "0..1", fallbackValue = "true",
            description = "without_timestamps (default: false; true with --batched, as faster-whisper's pipeline).")
    Boolean withoutTimestamps;

    @Option(names = {"--max-initial-timestamp", "--max_initial_timestamp"},
            description = "max_initial_timestamp (default: 1.0).")
    Double maxInitialTimestamp;

    @Option(names = {"--word-timestamps", "--word_timestamps"}, arity = "0..1", fallbackValue = "true",
            description = "word_timestamps (default: false).")
    Boolean wordTimestamps;

    @Option(names = {"--prepend-punctuations", "--prepend_punctuations"},
            description = "prepend_punctuations (default: \"'“¿([{-).")
    String prependPunctuations;

    @Option(names = {"--append-punctuations", "--append_punctuations"},
            description = "append_punctuations (default: \"'.。,，!！?？:：”)]}、).")
    String appendPunctuations;

    @Option(names = "--multilingual", arity = "0..1", fallbackValue = "true",
            description = "multilingual: detect the language of every window (default: false).")
    Boolean multilingual;

    @Option(names = {"--max-new-tokens", "--max_new_tokens"}, description = "max_new_tokens per window.")
    Integer maxNewTokens;

    @Option(names = {"--chunk-length", "--chunk_length"}, description = "chunk_length in seconds (default: 30).")
    Integer chunkLength;

    @Option(names = {"--clip-timestamps", "--clip_timestamps"},
            description = "clip_timestamps: start,end,... in seconds (default: 0).")
    String clipTimestamps;

    @Option(names = {"--hallucination-silence-threshold", "--hallucination_silence_threshold"},
            description = "hallucination_silence_threshold in seconds (needs --word-timestamps).")
    Double hallucinationSilenceThreshold;

    @Option(names = {"--language-detection-threshold", "--language_detection_threshold"},
            description = "language_detection_threshold (default: 0.5).")
    Double languageDetectionThreshold;

    @Option(names = {"--language-detection-segments", "--language_detection_segments"},
            description = "language_detection_segments (default: 1).")
    Integer languageDetectionSegments;

    // ---- VAD -----------------------------------------------------------------------------------
    @Option(names = {"--vad-filter", "--vad_filter"}, arity = "0..1", fallbackValue = "true",
            description = "vad_filter: drop non-speech with Silero VAD (default: false; always on with --batched).")
    Boolean vadFilter;

    @Option(names = {"--vad-threshold", "--vad_threshold"}, description = "vad_parameters threshold (default: 0.5).")
    Double vadThreshold;

    @Option(names = {"--vad-neg-threshold", "--vad_neg_threshold"}, description = "vad_parameters neg_threshold.")
    Double vadNegThreshold;

    @Option(names = {"--vad-min-speech-duration-ms", "--vad_min_speech_duration_ms"},
            description = "vad_parameters min_speech_duration_ms (default: 0).")
    Integer vadMinSpeechDurationMs;

    @Option(names = {"--vad-max-speech-duration-s", "--vad_max_speech_duration_s"},
            description = "vad_parameters max_speech_duration_s (default: unlimited).")
    Double vadMaxSpeechDurationS;

    @Option(names = {"--vad-min-silence-duration-ms", "--vad_min_silence_duration_ms"},
            description = "vad_parameters min_silence_duration_ms (default: 2000).")
    Integer vadMinSilenceDurationMs;

    @Option(names = {"--vad-speech-pad-ms", "--vad_speech_pad_ms"},
            description = "vad_parameters speech_pad_ms (default: 400).")
    Integer vadSpeechPadMs;

    // ---- batched pipeline ----------------------------------------------------------------------
    @Option(names = "--batched", arity = "0..1", fallbackValue = "true",
            description = "Use faster-whisper's BatchedInferencePipeline (VAD chunks decoded together).")
    boolean batched;

    @Option(names = {"--batch-size", "--batch_size"},
            description = "Chunks per batch with --batched (default: 8, faster-whisper's); implies --batched.")
    Integer batchSize;

    // ---- ct2j ----------------------------------------------------------------------------------
    @Option(names = "--options", description = "More faster-whisper transcribe() arguments as JSON, e.g."
            + " '{\"best_of\": 3}'; the flags above win over it.")
    String kwargs;

    @Option(names = "--no-limits", description = "Lift the command line's limits: beam_size and best_of <= 16,"
            + " --batch-size <= 64, <= 16 temperatures, initial_prompt, prefix and hotwords <= 223 tokens (what"
            + " Whisper is given of them). The library, like faster-whisper, has none; the native layer's sanity"
            + " maxima (beam_size <= 256, ...) stay.")
    boolean noLimits;

    @Option(names = "--seed", description = "CTranslate2's sampler seed (temperature fallback), for repeatable runs.")
    Integer seed;

    /** An input that could not be used, with why. */
    record Failure(String input, String reason, boolean badInput) {}

    /** An input to transcribe: its name on the command line (names the outputs) and its file. */
    record Input(String name, Path file) {}

    @Override
    public Integer call() throws Exception {
        List<OutputFormat> formats = OutputFormat.parse(outputFormat);
        boolean streaming = formats.equals(List.of(OutputFormat.JSONL));
        TranscriptionOptions options = options();
        int effectiveBatch = batchSize != null ? batchSize : 8;
        boolean isBatched = batched || batchSize != null;
        InputLimits limits = noLimits ? null : InputLimits.defaults();
        if (limits != null) {
            limited(() -> limits.checkOptions(options, isBatched ? effectiveBatch : null));
        }
        if (isBatched && effectiveBatch < 1) {
            throw new IllegalArgumentException("batch_size must be at least 1, got " + effectiveBatch);
        }
        SubtitleOptions subtitles = SubtitleOptions.builder().highlightWords(highlightWords)
                .maxLineWidth(maxLineWidth).maxLineCount(maxLineCount).maxWordsPerLine(maxWordsPerLine).build();

        List<Failure> failures = new ArrayList<>();
        List<Input> files = expand(failures);
        PrintStream err = System.err;
        if (files.isEmpty()) {
            return finishAfterRun(failures, 0);
        }
        if (!streaming) {
            Files.createDirectories(outputDir);
        }
        Path dir = outputDir.toAbsolutePath();
        boolean bars = !quiet && !verbose && Terminal.stderrIsTerminal();
        // CTranslate2 warns on every load that it converted the saved float16 weights (for
        // example); that is noise to people, so only --verbose shows its log.
        EngineRuntime.setLogLevel(verbose ? 0 : -1);
        if (seed != null) {
            EngineRuntime.setRandomSeed(seed);
        }
        PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
        PrintStream segmentsTo = streaming ? err : System.out;
        int done = 0;
        // The model loads once, on its own thread while the first input decodes (faster-whisper
        // does one after the other). Errors keep their order: a bad input is reported as such,
        // and a load that fails matters only once an input needs the model.
        CompletableFuture<WhisperModel> loading = null;
        // The model's directory, as soon as the load thread has found it: its preprocessor_config.json
        // gives the feature extractor, so the first input's features need not wait for the load.
        CompletableFuture<ModelDirectory> found = new CompletableFuture<>();
        // While the model loads, the sequential pipeline without VAD computes the features
        // (PreparedAudio), and the batched one runs VAD and computes each chunk's features
        // (PreparedChunks) with a Silero model of its own, which the model then never loads.
        boolean prepares = !isBatched && !(options.vadFilter() && options.clipTimestamps() == null);
        WhisperModel model = null;
        SileroVadModel vad = null;
        try {
            BatchedInferencePipeline pipeline = null;
            for (Input input : files) {
                Transcript transcript;
                if (loading == null) {
                    loading = CompletableFuture.supplyAsync(() -> load(found, options, limits, isBatched, bars),
                            task -> Thread.ofPlatform().daemon().name("ct2j-model-load").start(task));
                }
                NativeAudio decoded;
                try {
                    decoded = input.file() == null ? decodeStdin() : AudioDecoder.decodeNative(input.file());
                } catch (RuntimeException e) {
                    if (!Main.isBadInput(e)) {
                        throw e;
                    }
                    fail(failures, new Failure(input.name(), Main.oneLine(e), true));
                    continue;
                }
                float[] samples = null;
                PreparedAudio prepared = null;
                PreparedChunks chunks = null;
                try (decoded) { // the decoded samples are freed as soon as what is needed from them is made
                    FeatureExtractor extractor = !(prepares || isBatched) ? null
                            : model != null ? model.featureExtractor()
                            : found.thenApply(WhisperModel::featureExtractorBeforeLoad)
                                    .exceptionally(failure -> Optional.empty()).join().orElse(null);
                    if (extractor != null) {
                        try {
                            if (isBatched) {
                                if (vad == null && PreparedChunks.needsVad(options)) {
                                    vad = SileroVadModel.loadDefault();
                                }
                                // Read where they were decoded: no copy of the samples on the Java heap.
                                chunks = PreparedChunks.compute(decoded.samples(), options, extractor, vad);
                                if (vad != null && input == files.getLast()) {
                                    vad.close(); // no input needs it any more: its session is freed before the engine runs
                                    vad = null;
                                }
                            } else {
                                float[] audio = decoded.toArray();
                                int count = audio.length;
                                prepared = PreparedAudio.compute(audio, extractor, options.chunkLength());
                                audio = null; // only the features are needed from here on
                                releaseSamples(count);
                            }
                        } catch (RuntimeException e) {
                            if (!Main.isBadInput(e) || isGlobal(e)) {
                                throw e;
                            }
                            fail(failures, new Failure(input.name(), Main.oneLine(e), true));
                            continue;
                        }
                    } else {
                        samples = decoded.toArray();
                    }
                }
                if (model == null) {
                    model = loaded(loading);
                    pipeline = isBatched ? new BatchedInferencePipeline(model) : null;
                }
                try (PreparedChunks owned = chunks) { // the transcription takes them over; this frees them if it never started
                    transcript = transcribe(model, pipeline, effectiveBatch, samples, prepared, chunks, options,
                            input, bars, streaming ? out : null, segmentsTo);
                } catch (RuntimeException e) {
                    if (!Main.isBadInput(e) || isGlobal(e)) {
                        throw e;
                    }
                    fail(failures, new Failure(input.name(), Main.oneLine(e), true));
                    continue;
                }
                if (!streaming) {
                    try {
                        List<String> written = new ArrayList<>();
                        long writing = PhaseTrace.start();
                        for (OutputFormat format : formats) {
                            written.add(AtomicOutput.write(format, transcript, dir, input.name(), subtitles,
                                    prettyJson).getFileName().toString());
                        }
                        PhaseTrace.end("output", writing);
                        if (bars) {
                            err.println("wrote " + String.join(", ", written) + " in " + dir);
                        }
                    } catch (IOException e) {
                        fail(failures, new Failure(input.name(), "cannot write the output: " + Main.oneLine(e), false));
                        continue;
                    }
                }
                done++;
            }
        } finally {
            if (vad != null) {
                vad.close();
            }
            if (model != null) {
                model.close();
            } else if (loading != null) {
                // No input got as far as the model: wait for the load, then free what it made.
                WhisperModel unused = loading.exceptionally(failure -> null).join();
                if (unused != null) {
                    unused.close();
                }
            }
        }
        out.flush();
        return finishAfterRun(failures, done);
    }

    private static WhisperModel loaded(CompletableFuture<WhisperModel> loading) {
        try {
            return loading.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** The model, checked against the options that depend on it; an error here ends the run. */
    private WhisperModel load(CompletableFuture<ModelDirectory> found, TranscriptionOptions options,
                              InputLimits limits, boolean isBatched, boolean bars) {
        ModelDirectory directory;
        try {
            directory = modelArgs.resolve(bars);
        } catch (RuntimeException | Error e) {
            found.completeExceptionally(e);
            throw e;
        }
        found.complete(directory);
        WhisperModel model = modelArgs.load(directory);
        try {
            // Checked once here rather than failing every input; an English-only model, as in
            // faster-whisper, ignores the language it is given.
            if (options.language() != null && model.engine().isMultilingual()
                    && !model.supportedLanguages().contains(options.language())) {
                throw new IllegalArgumentException("language '" + options.language() + "' is not one this model"
                        + " knows (" + String.join(", ", model.supportedLanguages()) + ")");
            }
            if (limits != null) {
                limited(() -> limits.checkPrompts(options, model.vocabulary(), isBatched));
            }
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    // Sequential mode only (batched mode reads the samples where they were decoded, NativeAudio):
    // a long input's samples (38 MB per 10 minutes) are allocated straight into the old generation,
    // which the serial collector reclaims only in a full collection: without one, the old generation
    // keeps growing over them for the whole transcription, while numpy frees its copy as soon as
    // faster-whisper drops it. One full collection (14-28 ms) once they are dropped: an hour, batched,
    // peaked at 1826 MB against 1998 without it (benchmarks/RESULTS.md). -Dct2j.releaseSamples=false
    // turns it off.
    private static final int RELEASE_SAMPLES_FROM = 16000 * 120;

    private static void releaseSamples(int samples) {
        if (samples >= RELEASE_SAMPLES_FROM && Boolean.parseBoolean(System.getProperty("ct2j.releaseSamples", "true"))) {
            System.gc();
        }
    }

    private static boolean isGlobal(RuntimeException e) {
        return e instanceof dev.ct2j.engine.EngineException || e instanceof dev.ct2j.models.ModelDownloadException
                || e instanceof dev.ct2j.natives.NativeLibraryException;
    }

    private Transcript transcribe(WhisperModel model, BatchedInferencePipeline pipeline, int batch, float[] samples,
                                  PreparedAudio prepared, PreparedChunks chunks, TranscriptionOptions options,
                                  Input input, boolean bars, PrintWriter jsonl, PrintStream segmentsTo)
            throws IOException {
        try (Transcription result = chunks != null ? pipeline.transcribe(chunks, batch)
                : pipeline != null ? pipeline.transcribe(samples, options, batch)
                : prepared != null ? model.transcribe(prepared, options) : model.transcribe(samples, options)) {
            if (verbose) {
                segmentsTo.printf(Locale.ROOT, "Detected language '%s' with probability %f%n",
                        result.info().language(), result.info().languageProbability());
            }
            List<Segment> segments = new ArrayList<>();
            Progress.Audio bar = bars ? new Progress.Audio(input.name(), result.info().duration()) : null;
            try {
                for (Segment segment : result) {
                    segments.add(segment);
                    if (bar != null) {
                        bar.advanceTo(segment.end());
                    }
                    if (verbose) {
                        segmentsTo.println("[" + Timestamps.format(segment.start(), false, '.') + " --> "
                                + Timestamps.format(segment.end(), false, '.') + "] " + segment.text());
                    }
                    if (jsonl != null) {
                        JsonlWriter.writeSegment(segment, jsonl);
                        jsonl.flush();
                    }
                }
                if (bar != null) {
                    bar.advanceTo(result.info().duration());
                }
            } finally {
                if (bar != null) {
                    bar.close();
                }
            }
            return Transcript.of(segments, result.info().language());
        }
    }

    /** The inputs, directories expanded; the ones that cannot be used become failures. */
    private List<Input> expand(List<Failure> failures) {
        List<Input> files = new ArrayList<>();
        boolean stdin = false;
        for (String name : inputs) {
            if (name.equals("-")) {
                if (stdin) {
                    throw new IllegalArgumentException("- (standard input) is given more than once");
                }
                stdin = true;
                files.add(new Input("stdin", null));
                continue;
            }
            Path path = Path.of(name);
            if (Files.isDirectory(path)) {
                List<Path> found;
                try (Stream<Path> walk = Files.walk(path)) {
                    found = walk.filter(p -> Files.isRegularFile(p) && isAudio(p)).sorted().toList();
                } catch (IOException | java.io.UncheckedIOException e) {
                    fail(failures, new Failure(name, "cannot read the directory: " + Main.oneLine(e), true));
                    continue;
                }
                if (found.isEmpty()) {
                    fail(failures, new Failure(name, "a directory with no audio files (by extension: "
                            + String.join(", ", AUDIO_EXTENSIONS.stream().sorted().toList()) + ")", true));
                }
                for (Path file : found) {
                    files.add(new Input(file.toString(), file));
                }
            } else if (!Files.exists(path)) {
                fail(failures, new Failure(name, "no such file", true));
            } else if (!Files.isRegularFile(path)) {
                fail(failures, new Failure(name, "not a regular file", true));
            } else {
                files.add(new Input(name, path));
            }
        }
        // Two inputs with the same base name would write the same output files.
        if (!outputFormat.equalsIgnoreCase("jsonl")) {
            java.util.Map<String, String> seen = new java.util.HashMap<>();
            for (Input input : files) {
                String out = OutputFormat.TXT.outputPath(Path.of("."), input.name()).getFileName().toString();
                String other = seen.putIfAbsent(out, input.name());
                if (other != null) {
                    throw new IllegalArgumentException(other + " and " + input.name() + " would write the same"
                            + " output files (" + out.substring(0, out.length() - 4) + ".*): give them different"
                            + " names or run them separately");
                }
            }
        }
        return files;
    }

    private static void fail(List<Failure> failures, Failure failure) {
        failures.add(failure);
        System.err.println(line(failure));
    }

    static boolean isAudio(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && AUDIO_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static String line(Failure failure) {
        String reason = failure.reason();
        return "ct2j: error: " + (reason.contains(failure.input()) ? reason : failure.input() + ": " + reason);
    }

    private static int finishAfterRun(List<Failure> failures, int done) {
        if (failures.isEmpty()) {
            return 0;
        }
        // Nothing done and every input refused as bad input: the command line itself was wrong.
        boolean allBad = done == 0 && failures.stream().allMatch(Failure::badInput);
        return allBad ? Main.EXIT_BAD_INPUT : 1;
    }

    private static NativeAudio decodeStdin() throws IOException {
        Path temp = Files.createTempFile("ct2j-stdin", ".audio");
        try {
            try (InputStream in = System.in) {
                Files.copy(in, temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return AudioDecoder.decodeNative(temp);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** faster-whisper's keyword arguments: --options, then the flags given over it. */
    TranscriptionOptions options() {
        ObjectNode kw = kwargs == null ? JsonNodeFactory.instance.objectNode() : objectOf(Main.parseOptions(kwargs));
        put(kw, "language", language);
        put(kw, "task", task);
        put(kw, "beam_size", beamSize);
        put(kw, "best_of", bestOf);
        put(kw, "patience", patience);
        put(kw, "length_penalty", lengthPenalty);
        put(kw, "repetition_penalty", repetitionPenalty);
        put(kw, "no_repeat_ngram_size", noRepeatNgramSize);
        // whisper-ctranslate2 always passes its arange of temperatures (0.6000000000000001 among them,
        // which a segment decoded at it carries into the JSON), so ct2j does too unless --options has one.
        if (temperature != null || temperatureIncrement != null || !kw.has("temperature")) {
            double first = temperature != null ? temperature : 0.0;
            double step = temperatureIncrement != null ? temperatureIncrement : 0.2;
            var list = kw.putArray("temperature");
            if (step <= 0) {
                list.add(first);
            } else {
                // numpy.arange(first, 1.0 + 1e-6, step), which whisper-ctranslate2 uses: first + i * step,
                // so its values (0.6000000000000001) are the segments' temperatures too.
                for (int i = 0; first + i * step < 1.0 + 1e-6 && i < 10_000; i++) {
                    list.add(first + i * step);
                }
                if (list.isEmpty()) {
                    list.add(first);
                }
            }
        }
        put(kw, "compression_ratio_threshold", compressionRatioThreshold);
        put(kw, "log_prob_threshold", logProbThreshold);
        put(kw, "no_speech_threshold", noSpeechThreshold);
        put(kw, "condition_on_previous_text", conditionOnPreviousText);
        put(kw, "prompt_reset_on_temperature", promptResetOnTemperature);
        put(kw, "initial_prompt", initialPrompt);
        put(kw, "prefix", prefix);
        put(kw, "hotwords", hotwords);
        put(kw, "suppress_blank", suppressBlank);
        if (suppressTokens != null) {
            var list = kw.putArray("suppress_tokens");
            for (String id : suppressTokens.split(",")) {
                if (!id.isBlank()) {
                    try {
                        list.add(Integer.parseInt(id.strip()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--suppress-tokens: '" + id.strip() + "' is not a token id");
                    }
                }
            }
        }
        put(kw, "without_timestamps", withoutTimestamps);
        put(kw, "max_initial_timestamp", maxInitialTimestamp);
        put(kw, "word_timestamps", wordTimestamps);
        put(kw, "prepend_punctuations", prependPunctuations);
        put(kw, "append_punctuations", appendPunctuations);
        put(kw, "multilingual", multilingual);
        put(kw, "max_new_tokens", maxNewTokens);
        put(kw, "chunk_length", chunkLength);
        put(kw, "clip_timestamps", clipTimestamps);
        put(kw, "hallucination_silence_threshold", hallucinationSilenceThreshold);
        put(kw, "language_detection_threshold", languageDetectionThreshold);
        put(kw, "language_detection_segments", languageDetectionSegments);
        put(kw, "vad_filter", vadFilter);
        // whisper-ctranslate2 always passes a vad_parameters dict (empty by default); to the batched
        // pipeline that differs from None (min_silence_duration_ms stays 2000 instead of 160).
        ObjectNode vad = kw.has("vad_parameters") && kw.get("vad_parameters").isObject()
                ? (ObjectNode) kw.get("vad_parameters") : kw.putObject("vad_parameters");
        put(vad, "threshold", vadThreshold);
        put(vad, "neg_threshold", vadNegThreshold);
        put(vad, "min_speech_duration_ms", vadMinSpeechDurationMs);
        put(vad, "max_speech_duration_s", vadMaxSpeechDurationS);
        put(vad, "min_silence_duration_ms", vadMinSilenceDurationMs);
        put(vad, "speech_pad_ms", vadSpeechPadMs);
        boolean isBatched = batched || batchSize != null;
        TranscriptionOptions.Builder builder = isBatched ? BatchedInferencePipeline.defaultOptions()
                : TranscriptionOptions.builder();
        return FasterWhisperKwargs.apply(builder, kw).build();
    }

    private static ObjectNode objectOf(JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("--options must be a JSON object, got " + node.getNodeType()
                    .toString().toLowerCase(Locale.ROOT));
        }
        return (ObjectNode) node;
    }

    private static void put(ObjectNode kw, String name, Object value) {
        switch (value) {
            case null -> { }
            case String s -> kw.put(name, s);
            case Integer i -> kw.put(name, i);
            case Double d -> kw.put(name, d);
            case Boolean b -> kw.put(name, b);
            default -> throw new IllegalStateException(name);
        }
    }

    private static void limited(Runnable check) {
        try {
            check.run();
        } catch (InputLimits.LimitExceededException e) {
            throw new IllegalArgumentException(e.getMessage() + "; --no-limits lifts the command line's limits", e);
        }
    }
}
