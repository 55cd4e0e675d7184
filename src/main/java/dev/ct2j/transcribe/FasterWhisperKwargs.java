package dev.ct2j.transcribe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ct2j.vad.VadOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds {@link TranscriptionOptions} from faster-whisper's keyword arguments as JSON, e.g.
 * {@code {"beam_size": 1, "temperature": [0.0, 0.5], "clip_timestamps": "0,5"}}: the form the
 * parity manifest and the CLI's {@code --options} use. Unknown names are rejected, naming them.
 */
public final class FasterWhisperKwargs {
    private static final Set<String> IGNORED = Set.of("log_progress", "batch_size");

    private FasterWhisperKwargs() {}

    public static TranscriptionOptions toOptions(JsonNode kwargs) {
        return apply(TranscriptionOptions.builder(), kwargs).build();
    }

    public static TranscriptionOptions.Builder apply(TranscriptionOptions.Builder b, JsonNode kwargs) {
        if (kwargs == null || kwargs.isNull()) {
            return b;
        }
        if (!kwargs.isObject()) {
            throw new IllegalArgumentException("options must be a JSON object of faster-whisper arguments, got " + kwargs);
        }
        for (Map.Entry<String, JsonNode> e : kwargs.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            try {
                set(b, name, v);
            } catch (ClassCastException | NullPointerException | NumberFormatException ex) {
                throw new IllegalArgumentException("bad value for option " + name + ": " + v, ex);
            }
        }
        return b;
    }

    private static void set(TranscriptionOptions.Builder b, String name, JsonNode v) {
        switch (name) {
            case "language" -> b.language(text(name, v));
            case "task" -> b.task(text(name, v));
            case "beam_size" -> b.beamSize(integer(name, v));
            case "best_of" -> b.bestOf(integer(name, v));
            case "patience" -> b.patience(number(name, v));
            case "length_penalty" -> b.lengthPenalty(number(name, v));
            case "repetition_penalty" -> b.repetitionPenalty(number(name, v));
            case "no_repeat_ngram_size" -> b.noRepeatNgramSize(integer(name, v));
            case "temperature" -> b.temperatures(v.isArray() ? numbers(name, v) : List.of(number(name, v)));
            case "compression_ratio_threshold" -> b.compressionRatioThreshold(nullableNumber(name, v));
            case "log_prob_threshold" -> b.logProbThreshold(nullableNumber(name, v));
            case "no_speech_threshold" -> b.noSpeechThreshold(nullableNumber(name, v));
            case "condition_on_previous_text" -> b.conditionOnPreviousText(bool(name, v));
            case "prompt_reset_on_temperature" -> b.promptResetOnTemperature(number(name, v));
            case "initial_prompt" -> {
                if (v.isArray()) {
                    b.initialPromptTokens(integers(name, v));
                } else {
                    b.initialPrompt(text(name, v));
                }
            }
            case "prefix" -> b.prefix(text(name, v));
            case "suppress_blank" -> b.suppressBlank(bool(name, v));
            case "suppress_tokens" -> b.suppressTokens(v.isNull() ? null : integers(name, v));
            case "without_timestamps" -> b.withoutTimestamps(bool(name, v));
            case "max_initial_timestamp" -> b.maxInitialTimestamp(number(name, v));
            case "word_timestamps" -> b.wordTimestamps(bool(name, v));
            case "prepend_punctuations" -> b.prependPunctuations(text(name, v));
            case "append_punctuations" -> b.appendPunctuations(text(name, v));
            case "multilingual" -> b.multilingual(bool(name, v));
            case "vad_filter" -> b.vadFilter(bool(name, v));
            case "vad_parameters" -> b.vadParameters(v.isNull() ? null : vadOptions(v));
            case "max_new_tokens" -> b.maxNewTokens(v.isNull() ? null : integer(name, v));
            case "chunk_length" -> b.chunkLength(v.isNull() ? null : integer(name, v));
            case "clip_timestamps" -> {
                if (v.isTextual()) {
                    b.clipTimestamps(v.asText());
                } else if (v.isArray() && (v.isEmpty() || v.get(0).isNumber())) {
                    b.clipTimestamps(numbers(name, v));
                } else if (v.isArray() && v.get(0).isObject()) {
                    // The batched pipeline's form: [{"start": s, "end": e}, ...] in seconds.
                    List<Double> pairs = new ArrayList<>();
                    for (JsonNode clip : v) {
                        if (!clip.path("start").isNumber() || !clip.path("end").isNumber()) {
                            throw new IllegalArgumentException("malformed clip_timestamps entry " + clip
                                    + " (expected {\"start\": seconds, \"end\": seconds})");
                        }
                        pairs.add(clip.get("start").asDouble());
                        pairs.add(clip.get("end").asDouble());
                    }
                    b.clipTimestamps(pairs);
                } else {
                    throw new IllegalArgumentException("malformed clip_timestamps " + v
                            + " (expected \"start,end,...\" or a list of seconds)");
                }
            }
            case "hallucination_silence_threshold" -> b.hallucinationSilenceThreshold(nullableNumber(name, v));
            case "hotwords" -> b.hotwords(text(name, v));
            case "language_detection_threshold" -> b.languageDetectionThreshold(number(name, v));
            case "language_detection_segments" -> b.languageDetectionSegments(integer(name, v));
            default -> {
                if (!IGNORED.contains(name)) {
                    throw new IllegalArgumentException("unknown option '" + name + "'");
                }
            }
        }
    }

    /** faster-whisper's VadOptions(**dict). */
    public static VadOptions vadOptions(JsonNode v) {
        if (!v.isObject()) {
            throw new IllegalArgumentException("vad_parameters must be an object, got " + v);
        }
        VadOptions.Builder b = VadOptions.builder();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            String name = e.getKey();
            JsonNode x = e.getValue();
            switch (name) {
                case "threshold" -> b.threshold(number(name, x));
                case "neg_threshold" -> b.negThreshold(nullableNumber(name, x));
                case "min_speech_duration_ms" -> b.minSpeechDurationMs(integer(name, x));
                case "max_speech_duration_s" -> b.maxSpeechDurationS(x.isTextual() && x.asText().equals("inf")
                        ? Double.POSITIVE_INFINITY : number(name, x));
                case "min_silence_duration_ms" -> b.minSilenceDurationMs(integer(name, x));
                case "speech_pad_ms" -> b.speechPadMs(integer(name, x));
                default -> throw new IllegalArgumentException("unknown VAD option '" + name + "'");
            }
        }
        return b.build();
    }

    private static String text(String name, JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("option " + name + " must be a string, got " + v);
        }
        return v.asText();
    }

    private static int integer(String name, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException("option " + name + " must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static double number(String name, JsonNode v) {
        if (!v.isNumber()) {
            throw new IllegalArgumentException("option " + name + " must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static Double nullableNumber(String name, JsonNode v) {
        return v.isNull() ? null : number(name, v);
    }

    private static boolean bool(String name, JsonNode v) {
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("option " + name + " must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    private static List<Double> numbers(String name, JsonNode v) {
        List<Double> out = new ArrayList<>();
        for (JsonNode x : v) {
            out.add(number(name, x));
        }
        return out;
    }

    private static List<Integer> integers(String name, JsonNode v) {
        if (!v.isArray()) {
            throw new IllegalArgumentException("option " + name + " must be a list of integers, got " + v);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode x : v) {
            out.add(integer(name, x));
        }
        return out;
    }
}
