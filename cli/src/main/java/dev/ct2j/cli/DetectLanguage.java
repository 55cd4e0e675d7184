package dev.ct2j.cli;

import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.engine.EngineRuntime;
import dev.ct2j.engine.LanguageProbability;
import dev.ct2j.transcribe.LanguageDetection;
import dev.ct2j.transcribe.WhisperModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ct2j detect-language AUDIO... [--top K]}: faster-whisper's detect_language, per file. */
@Command(name = "detect-language", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Detect the language of audio files (their first 30 s windows): prints 'LANG PROBABILITY',"
                + " the K most likely with --top K; with several files each line starts with the file and a tab.",
                "Exit codes: 0 all done; 1 some files failed (one line each); 2 usage error."})
final class DetectLanguage implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "AUDIO", description = "Audio files.")
    List<Path> audio;

    @Mixin
    ModelArgs modelArgs;

    @Option(names = "--top", defaultValue = "1", description = "How many languages to print (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = {"--segments", "--language-detection-segments", "--language_detection_segments"},
            defaultValue = "1", description = "30 s windows to try (language_detection_segments; default: ${DEFAULT-VALUE}).")
    int segments;

    @Option(names = {"--threshold", "--language-detection-threshold", "--language_detection_threshold"},
            defaultValue = "0.5", description = "Acceptance threshold (language_detection_threshold; default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = {"--vad-filter", "--vad_filter"}, arity = "0..1", fallbackValue = "true",
            description = "Look only at speech (Silero VAD; default: false).")
    boolean vadFilter;

    @Option(names = "--verbose", description = "Show CTranslate2's log lines.")
    boolean verbose;

    @Override
    public Integer call() {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
        List<Path> files = new ArrayList<>();
        int failed = 0;
        for (Path file : audio) {
            if (!Files.isRegularFile(file)) {
                System.err.println("ct2j: error: " + file + ": " + (Files.exists(file) ? "not a regular file"
                        : "no such file"));
                failed++;
            } else {
                files.add(file);
            }
        }
        if (files.isEmpty()) {
            return Main.EXIT_BAD_INPUT;
        }
        EngineRuntime.setLogLevel(verbose ? 0 : -1);
        boolean named = audio.size() > 1;
        int done = 0;
        try (WhisperModel model = modelArgs.load(!verbose && Terminal.stderrIsTerminal())) {
            for (Path file : files) {
                LanguageDetection detection;
                try {
                    detection = model.detectLanguage(AudioDecoder.decode(file), vadFilter, null, segments, threshold);
                } catch (RuntimeException e) {
                    if (!Main.isBadInput(e) || e instanceof IllegalArgumentException) {
                        throw e;
                    }
                    String reason = Main.oneLine(e);
                    System.err.println("ct2j: error: " + (reason.contains(file.toString()) ? reason : file + ": " + reason));
                    failed++;
                    continue;
                }
                String prefix = named ? file + "\t" : "";
                if (top == 1) {
                    System.out.printf(Locale.ROOT, "%s%s %.4f%n", prefix, detection.language(),
                            detection.languageProbability());
                } else {
                    List<LanguageProbability> ranked = detection.allLanguageProbs().stream()
                            .sorted(Comparator.comparingDouble(LanguageProbability::probability).reversed())
                            .limit(top).toList();
                    for (LanguageProbability p : ranked) {
                        System.out.printf(Locale.ROOT, "%s%s %.4f%n", prefix, code(p.token()), p.probability());
                    }
                }
                done++;
            }
        }
        return failed == 0 ? 0 : done == 0 ? Main.EXIT_BAD_INPUT : 1;
    }

    private static String code(String token) {
        return token.startsWith("<|") && token.endsWith("|>") ? token.substring(2, token.length() - 2) : token;
    }
}
