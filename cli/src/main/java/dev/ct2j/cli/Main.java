package dev.ct2j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ct2j.audio.AudioDecodeException;
import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.EngineException;
import dev.ct2j.engine.ModelDirectory;
import dev.ct2j.models.ModelDownloadException;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.natives.NativeLibraryException;
import dev.ct2j.tools.MemCheck;
import dev.ct2j.transcribe.BatchedInferencePipeline;
import dev.ct2j.transcribe.FasterWhisperKwargs;
import dev.ct2j.transcribe.InputLimits;
import dev.ct2j.transcribe.LanguageDetection;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionJson;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The ct2j command line. Bad input ends with a one-line error and exit code 2. */
@Command(name = "ct2j", mixinStandardHelpOptions = true, version = "ct2j 0.1.0",
        description = "faster-whisper for the JVM: transcribe audio with CTranslate2.",
        subcommands = {Main.Transcribe.class, Main.DetectLanguage.class, MemCheck.class})
public final class Main {
    static final int EXIT_BAD_INPUT = 2;

    /** The launcher passes the real stdout as this file descriptor (fd 1 is stderr, see FdOutputStream). */
    static final String STDOUT_FD_PROPERTY = "ct2j.stdout.fd";

    public static void main(String[] args) {
        String stdoutFd = System.getProperty(STDOUT_FD_PROPERTY);
        if (stdoutFd != null) {
            System.setOut(new java.io.PrintStream(new java.io.BufferedOutputStream(
                    new FdOutputStream(Integer.parseInt(stdoutFd)), 8192), true, System.out.charset()));
        }
        int exit = run(args);
        System.out.flush();
        System.exit(exit);
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("ct2j: error: " + oneLine(e));
            return isBadInput(e) ? EXIT_BAD_INPUT : 1;
        });
        cli.setParameterExceptionHandler((e, args1) -> {
            e.getCommandLine().getErr().println("ct2j: error: " + e.getMessage());
            return EXIT_BAD_INPUT;
        });
        return cli.execute(args);
    }

    static boolean isBadInput(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof AudioDecodeException
                || e instanceof ModelDownloadException
                || e instanceof NativeLibraryException
                || e instanceof EngineException ee && ee.kind() != EngineException.Kind.INTERNAL
                        && ee.kind() != EngineException.Kind.OUT_OF_MEMORY;
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replace('\n', ' ');
    }

    /** Model selection and loading, shared by the commands. */
    static final class ModelArgs {
        @Option(names = "--model", defaultValue = ModelDirectory.DEFAULT_MODEL,
                description = "A model directory, a name in the ct2j store, a faster-whisper size (base, small, ...) or a Hugging Face repo id (default: ${DEFAULT-VALUE}).")
        String model;

        @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
        String device;

        @Option(names = "--compute-type", defaultValue = "default",
                description = "CTranslate2 compute type: default, int8, float32, float16, ... (default: ${DEFAULT-VALUE}).")
        String computeType;

        @Option(names = "--threads", defaultValue = "0", description = "CPU threads per worker (cpu_threads; 0 = default).")
        int threads;

        @Option(names = "--workers", defaultValue = "1", description = "Model workers (num_workers).")
        int workers;

        WhisperModel load() {
            return WhisperModel.load(model, options());
        }

        ModelOptions options() {
            return ModelOptions.builder().device(Device.of(device)).computeType(computeType).intraThreads(threads)
                    .interThreads(workers).build();
        }
    }

    @Command(name = "transcribe", mixinStandardHelpOptions = true,
            description = "Transcribe an audio file; prints segments as they are decoded.")
    static final class Transcribe implements Callable<Integer> {
        @Parameters(index = "0", description = "Audio file (any format FFmpeg reads).")
        Path audio;

        @Mixin
        ModelArgs modelArgs;

        @Option(names = "--language", description = "Language code, e.g. en; detected when omitted.")
        String language;

        @Option(names = "--task", defaultValue = "transcribe", description = "transcribe or translate.")
        String task;

        @Option(names = "--beam-size", description = "Beam size (default 5).")
        Integer beamSize;

        @Option(names = "--word-timestamps", description = "Add word-level timestamps.")
        boolean wordTimestamps;

        @Option(names = "--vad-filter", description = "Drop non-speech with Silero VAD.")
        boolean vadFilter;

        @Option(names = "--initial-prompt", description = "Prompt text for the first window.")
        String initialPrompt;

        @Option(names = "--clip-timestamps", description = "start,end,... in seconds.")
        String clipTimestamps;

        @Option(names = "--options", description = "faster-whisper transcribe() arguments as JSON, e.g. '{\"best_of\": 3}'.")
        String kwargs;

        @Option(names = "--batch-size", description = "Use the batched pipeline (VAD chunks, N per call), like"
                + " faster-whisper's BatchedInferencePipeline; its defaults apply (VAD on, no timestamps).")
        Integer batchSize;

        @Option(names = "--output-format", defaultValue = "text",
                description = "text, json (one document) or jsonl (a segment per line) (default: ${DEFAULT-VALUE}).")
        String outputFormat;

        @Option(names = "--no-limits", description = "Lift the command line's limits: beam_size and best_of <= 16,"
                + " --batch-size <= 64, <= 16 temperatures, initial_prompt, prefix and hotwords <= 223 tokens (what"
                + " Whisper is given of them). The library, like faster-whisper, has none; the native layer's sanity"
                + " maxima (beam_size <= 256, ...) stay.")
        boolean noLimits;

        @Override
        public Integer call() throws Exception {
            String format = outputFormat.toLowerCase(Locale.ROOT);
            if (!List.of("text", "json", "jsonl").contains(format)) {
                throw new IllegalArgumentException("unknown output format '" + outputFormat + "' (text, json or jsonl)");
            }
            TranscriptionOptions.Builder builder = (batchSize != null ? BatchedInferencePipeline.defaultOptions()
                    : TranscriptionOptions.builder()).task(task).language(language).wordTimestamps(wordTimestamps)
                    .initialPrompt(initialPrompt);
            if (vadFilter) {
                builder.vadFilter(true);
            }
            if (beamSize != null) {
                builder.beamSize(beamSize);
            }
            if (clipTimestamps != null) {
                builder.clipTimestamps(clipTimestamps);
            }
            if (kwargs != null) {
                FasterWhisperKwargs.apply(builder, parseOptions(kwargs));
            }
            TranscriptionOptions options = builder.build();
            InputLimits limits = noLimits ? null : InputLimits.defaults();
            if (limits != null) {
                limited(() -> limits.checkOptions(options, batchSize));
            }
            float[] samples = AudioDecoder.decode(audio);
            PrintWriter out = new PrintWriter(System.out, true);
            try (WhisperModel model = modelArgs.load()) {
                if (limits != null) {
                    limited(() -> limits.checkPrompts(options, model.vocabulary(), batchSize != null));
                }
                print(model, samples, options, format, out);
            }
            return 0;
        }

        private void print(WhisperModel model, float[] samples, TranscriptionOptions options, String format,
                           PrintWriter out) {
            try (Transcription result = batchSize != null
                         ? new BatchedInferencePipeline(model).transcribe(samples, options, batchSize)
                         : model.transcribe(samples, options)) {
                List<Segment> all = new ArrayList<>();
                for (Segment segment : result) {
                    switch (format) {
                        case "text" -> out.printf(Locale.ROOT, "[%.2fs -> %.2fs] %s%n", segment.start(), segment.end(),
                                segment.text());
                        case "jsonl" -> out.println(TranscriptionJson.toJson(segment));
                        default -> all.add(segment);
                    }
                }
                if (format.equals("json")) {
                    Map<String, Object> document = new LinkedHashMap<>();
                    document.put("info", result.info());
                    document.put("segments", all);
                    out.println(TranscriptionJson.toJson(document));
                }
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

    @Command(name = "detect-language", mixinStandardHelpOptions = true,
            description = "Detect the language of the first 30 s of an audio file.")
    static final class DetectLanguage implements Callable<Integer> {
        @Parameters(index = "0", description = "Audio file.")
        Path audio;

        @Mixin
        ModelArgs modelArgs;

        @Option(names = "--segments", defaultValue = "1", description = "30 s windows to try (language_detection_segments).")
        int segments;

        @Option(names = "--threshold", defaultValue = "0.5", description = "Acceptance threshold (language_detection_threshold).")
        double threshold;

        @Override
        public Integer call() {
            float[] samples = AudioDecoder.decode(audio);
            try (WhisperModel model = modelArgs.load()) {
                LanguageDetection detection = model.detectLanguage(samples, segments, threshold);
                System.out.printf(Locale.ROOT, "%s %.4f%n", detection.language(), detection.languageProbability());
            }
            return 0;
        }
    }

    static JsonNode parse(String json) throws Exception {
        return new ObjectMapper().readTree(json);
    }

    // Python's json reads NaN and Infinity, so --options does too: the option's own check then
    // names it ("temperature must be finite ..."). Malformed JSON is bad input, in one line.
    // As Python's json.loads: NaN and Infinity are numbers, and anything after the value is an error.
    private static final ObjectMapper OPTIONS_JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    static JsonNode parseOptions(String json) {
        try (var parser = OPTIONS_JSON.createParser(json)) {
            JsonNode options = OPTIONS_JSON.readTree(parser);
            long end = parser.currentLocation().getColumnNr();
            if (options == null) {
                throw new IllegalArgumentException("--options is not valid JSON: it is empty");
            }
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("--options is not valid JSON: content after the value, which ends"
                        + " at column " + end);
            }
            return options;
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            throw new IllegalArgumentException("--options is not valid JSON: " + e.getOriginalMessage()
                    + (where == null ? "" : " (column " + where.getColumnNr() + ")"), e);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
