package dev.ct2j.transcribe;

import static dev.ct2j.transcribe.Generated.booleans;
import static dev.ct2j.transcribe.Generated.constant;
import static dev.ct2j.transcribe.Generated.doubles;
import static dev.ct2j.transcribe.Generated.forAll;
import static dev.ct2j.transcribe.Generated.frequency;
import static dev.ct2j.transcribe.Generated.ints;
import static dev.ct2j.transcribe.Generated.of;
import static dev.ct2j.transcribe.Generated.oneOf;
import static dev.ct2j.transcribe.Generated.strings;
import static dev.ct2j.transcribe.Generated.weight;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ct2j.engine.GenerationOptions;
import dev.ct2j.transcribe.Generated.Gen;
import dev.ct2j.vad.VadOptions;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Properties of {@link FasterWhisperKwargs} (faster-whisper's transcribe kwargs as JSON, what the
 * CLI's {@code --options} takes) and of the {@code clip_timestamps} string form. Whatever the
 * JSON, the parser returns options that satisfy {@link TranscriptionOptions}' documented
 * invariants or throws {@link IllegalArgumentException} naming the option and its value; valid
 * kwargs parse to exactly the options they describe. Each property is one test over seeded
 * inputs ({@link Generated}: a fixed seed, {@code -Dct2j.test.seed=N} for others, the seed, try
 * and input in any failure); the regressions found are plain tests in {@link KwargsRegressionTest}.
 */
class KwargsPropertiesTest {

    /** As the CLI reads {@code --options}: Python's json reads NaN and Infinity, so it does too. */
    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    static final List<String> OPTIONS = List.of("language", "task", "beam_size", "best_of", "patience",
            "length_penalty", "repetition_penalty", "no_repeat_ngram_size", "temperature",
            "compression_ratio_threshold", "log_prob_threshold", "no_speech_threshold", "condition_on_previous_text",
            "prompt_reset_on_temperature", "initial_prompt", "prefix", "suppress_blank", "suppress_tokens",
            "without_timestamps", "max_initial_timestamp", "word_timestamps", "prepend_punctuations",
            "append_punctuations", "multilingual", "vad_filter", "vad_parameters", "max_new_tokens", "chunk_length",
            "clip_timestamps", "hallucination_silence_threshold", "hotwords", "language_detection_threshold",
            "language_detection_segments", "log_progress", "batch_size");
    static final List<String> VAD_OPTIONS = List.of("threshold", "neg_threshold", "min_speech_duration_ms",
            "max_speech_duration_s", "min_silence_duration_ms", "speech_pad_ms");

    // ---- (a) anything: arbitrary JSON values under the real option names ---------------------

    @Test
    void anyKwargsGiveValidOptionsOrAnErrorNamingAnOption() {
        forAll("anyKwargsGiveValidOptionsOrAnErrorNamingAnOption", 1500, kwargsObjects(), json -> {
            JsonNode kwargs = JSON.readTree(json);
            TranscriptionOptions options;
            try {
                options = FasterWhisperKwargs.toOptions(kwargs);
            } catch (IllegalArgumentException e) {
                assertNotNull(e.getMessage(), json);
                List<String> names = new ArrayList<>();
                kwargs.fieldNames().forEachRemaining(names::add);
                if (kwargs.has("vad_parameters") && kwargs.get("vad_parameters").isObject()) {
                    kwargs.get("vad_parameters").fieldNames().forEachRemaining(names::add);
                }
                assertTrue(names.stream().anyMatch(e.getMessage()::contains),
                        "the message names none of " + names + ": " + e.getMessage() + "\n  input: " + json);
                return;
            }
            assertInvariants(options, json);
        });
    }

    @Test
    void aRejectedOptionIsNamedWithItsValue() {
        Gen<String> names = optionNames();
        Gen<String> values = jsonValues();
        Gen<NamedValue> inputs = r -> new NamedValue(names.next(r), values.next(r));
        forAll("aRejectedOptionIsNamedWithItsValue", 1500, inputs, input -> {
            String name = input.name();
            String json = input.json();
            JsonNode kwargs = JSON.readTree(json);
            TranscriptionOptions options;
            try {
                options = FasterWhisperKwargs.toOptions(kwargs);
            } catch (IllegalArgumentException e) {
                JsonNode v = kwargs.get(name);
                String message = e.getMessage();
                assertNotNull(message, json);
                if (!OPTIONS.contains(name)) {
                    assertTrue(message.contains("unknown option '" + name + "'"), message + "\n  input: " + json);
                    return;
                }
                if (name.equals("vad_parameters") && v.isObject() && !v.isEmpty()) {
                    // The message names the VAD field at fault and, for a known one, its value. Other
                    // field names can appear in it too, as part of the name at fault ("threshold" in
                    // "neg_threshold") or inside the value shown ("option neg_threshold must be a number,
                    // got {"max_speech_duration_s": ...}"): the longest name is an unknown field, or
                    // some known field named has its value shown.
                    List<String> named = new ArrayList<>();
                    v.fieldNames().forEachRemaining(f -> {
                        if (message.contains(f)) {
                            named.add(f);
                        }
                    });
                    assertFalse(named.isEmpty(), "no VAD field named: " + message + "\n  input: " + json);
                    String longest = named.stream().max(java.util.Comparator.comparingInt(String::length)).orElseThrow();
                    if (VAD_OPTIONS.contains(longest)) {
                        assertTrue(named.stream().filter(VAD_OPTIONS::contains).anyMatch(f -> mentions(message, v.get(f))),
                                "value of none of " + named + " named: " + message + "\n  input: " + json);
                    }
                    return;
                }
                assertTrue(message.contains(name), "option not named: " + message + "\n  input: " + json);
                assertTrue(mentions(message, v), "value not named: " + message + "\n  input: " + json);
                return;
            }
            assertInvariants(options, json);
        });
    }

    // ---- (b) the clip_timestamps string form -------------------------------------------------

    @Test
    void anyClipStringGivesNumbersOrAnErrorNamingThePart() {
        forAll("anyClipStringGivesNumbersOrAnErrorNamingThePart", 2000, clipStrings(), clips -> {
            List<Double> values;
            try {
                values = TranscriptionOptions.parseClipTimestamps(clips);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().contains("clip_timestamps") && e.getMessage().contains(clips), e.getMessage());
                return;
            }
            if (clips.equals("0")) {
                assertNull(values);
                return;
            }
            assertEquals(clips.isEmpty() ? 0 : clips.split(",", -1).length, values.size(), clips);
            try {
                TranscriptionOptions built = TranscriptionOptions.builder().clipTimestamps(clips).build();
                assertEquals(values, built.clipTimestamps());
                for (double ts : built.clipTimestamps()) {
                    assertTrue(Double.isFinite(ts) && ts >= 0, clips);
                }
            } catch (IllegalArgumentException e) {
                assertTrue(values.stream().anyMatch(ts -> !(ts >= 0) || Double.isInfinite(ts)), clips);
                assertTrue(e.getMessage().contains("clip_timestamps"), e.getMessage());
            }
        });
    }

    @Test
    void clipSecondsRoundTripThroughTheStringForm() {
        Gen<List<Double>> lists = clipLists();
        Gen<Style> styles = numberStyles();
        Gen<StyledClips> inputs = r -> new StyledClips(lists.next(r), styles.next(r));
        forAll("clipSecondsRoundTripThroughTheStringForm", 1000, inputs, input -> {
            List<Double> seconds = input.seconds();
            String clips = input.text();
            List<Double> parsed = TranscriptionOptions.parseClipTimestamps(clips);
            if (clips.equals("0")) {
                assertNull(parsed);
            } else {
                assertEquals(seconds, parsed, clips);
            }
        });
    }

    // ---- (c) valid kwargs parse to the options they describe ---------------------------------

    @Test
    void validKwargsParseToTheOptionsTheyDescribe() {
        forAll("validKwargsParseToTheOptionsTheyDescribe", 1000, validKwargs(), valid -> {
            TranscriptionOptions parsed = FasterWhisperKwargs.toOptions(JSON.readTree(valid.json()));
            assertEquals(valid.expected(), parsed, valid.json());
            // And again through the options' own builder: what parses is also what builds.
            assertEquals(parsed, parsed.toBuilder().build());
        });
    }

    // ---- invariants --------------------------------------------------------------------------

    static void assertInvariants(TranscriptionOptions o, String input) {
        String where = "\n  input: " + input;
        assertTrue(o.task().equals("transcribe") || o.task().equals("translate"), o.task() + where);
        assertTrue(o.beamSize() >= 1, "beam_size " + o.beamSize() + where);
        assertTrue(o.bestOf() >= 1, "best_of " + o.bestOf() + where);
        assertTrue(o.patience() > 0, "patience " + o.patience() + where);
        assertTrue(Double.isFinite(o.lengthPenalty()), "length_penalty " + o.lengthPenalty() + where);
        assertTrue(o.repetitionPenalty() > 0, "repetition_penalty " + o.repetitionPenalty() + where);
        assertTrue(o.noRepeatNgramSize() >= 0, "no_repeat_ngram_size " + o.noRepeatNgramSize() + where);
        assertFalse(o.temperatures().isEmpty(), where);
        for (double t : o.temperatures()) {
            assertTrue(Double.isFinite(t) && t >= 0, "temperature " + t + where);
        }
        assertFalse(o.initialPrompt() != null && o.initialPromptTokens() != null, where);
        assertTrue(o.maxInitialTimestamp() >= 0, "max_initial_timestamp " + o.maxInitialTimestamp() + where);
        assertNotNull(o.prependPunctuations(), where);
        assertNotNull(o.appendPunctuations(), where);
        assertTrue(o.maxNewTokens() == null || o.maxNewTokens() >= 1 && o.maxNewTokens() <= GenerationOptions.MAX_LENGTH,
                "max_new_tokens " + o.maxNewTokens() + where);
        assertTrue(o.chunkLength() == null || o.chunkLength() >= 1 && o.chunkLength() <= 30,
                "chunk_length " + o.chunkLength() + where);
        if (o.clipTimestamps() != null) {
            for (double ts : o.clipTimestamps()) {
                assertTrue(Double.isFinite(ts) && ts >= 0, "clip_timestamps " + o.clipTimestamps() + where);
            }
        }
        assertTrue(o.hallucinationSilenceThreshold() == null || o.hallucinationSilenceThreshold() >= 0, where);
        assertTrue(Double.isFinite(o.languageDetectionThreshold()), where);
        assertTrue(o.languageDetectionSegments() >= 1, where);
        VadOptions vad = o.vadParameters();
        if (vad != null) {
            assertTrue(vad.threshold() >= 0 && vad.threshold() <= 1, vad + where);
            assertTrue(vad.negThreshold() == null || vad.negThreshold() >= 0 && vad.negThreshold() <= 1, vad + where);
            assertTrue(vad.minSpeechDurationMs() >= 0 && vad.minSilenceDurationMs() >= 0 && vad.speechPadMs() >= 0,
                    vad + where);
            assertTrue(vad.maxSpeechDurationS() > 0, vad + where);
        }
    }

    /** Whether an error message shows the value at fault, or one of its elements. */
    static boolean mentions(String message, JsonNode v) {
        if (message.contains(v.toString())) {
            return true;
        }
        if (v.isTextual()) {
            // clip_timestamps' string form: the part at fault, as written or as the number it reads as
            // ("inf" is Infinity).
            String lower = message.toLowerCase(Locale.ROOT);
            return message.contains(v.asText()) || java.util.Arrays.stream(v.asText().split(",", -1))
                    .map(part -> part.strip().toLowerCase(Locale.ROOT)).anyMatch(lower::contains);
        }
        if (v.isNumber()) {
            return message.contains(Double.toString(v.asDouble())) || message.contains(v.asText())
                    || v.canConvertToLong() && message.contains(Long.toString(v.asLong()));
        }
        if (v.isContainerNode()) {
            for (JsonNode element : v) {
                if (mentions(message, element)) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- generators --------------------------------------------------------------------------

    /** An option name and a JSON value for it; shown as the kwargs object they make. */
    record NamedValue(String name, String value) {
        String json() {
            return "{" + quote(name) + ": " + value + "}";
        }

        @Override
        public String toString() {
            return json();
        }
    }

    /** A way to write a number in a clip_timestamps string. */
    record Style(String name, Function<Double, String> format) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Clip seconds and the string that lists them in one style. */
    record StyledClips(List<Double> seconds, Style style) {
        String text() {
            return String.join(",", seconds.stream().map(style.format()).toList());
        }

        @Override
        public String toString() {
            return seconds + " written " + style + ": \"" + text() + "\"";
        }
    }

    static Gen<String> optionNames() {
        return frequency(weight(12, of(OPTIONS)), weight(1, strings(12)));
    }

    static Gen<String> kwargsObjects() {
        Gen<String> name = optionNames();
        Gen<String> value = jsonValues();
        Gen<String> entry = r -> quote(name.next(r)) + ": " + value.next(r);
        // Several entries, the same name possibly twice (Jackson, like Python's json, keeps the last).
        return entry.list(0, 6).map(entries -> "{" + String.join(", ", entries) + "}");
    }

    /** JSON text of any type, with the values that break parsers: huge, tiny, NaN, unicode, nested. */
    static Gen<String> jsonValues() {
        return jsonValue(3);
    }

    private static Gen<String> jsonValue(int depth) {
        Gen<String> leaf = frequency(
                weight(1, of("null", "true", "false")),
                weight(3, ints().map(String::valueOf)),
                weight(2, of("0", "1", "-1", "2", "5", "30", "31", "448", "449", "-0", "0.0", "-0.0",
                        "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
                        "1e400", "-1e400", "1e-400", "1e39", "1e-50", "1.0E10", "0.5", "1.5", "80.5", "NaN",
                        "Infinity", "-Infinity", new BigInteger("9").pow(120).toString())),
                weight(3, doubles().map(KwargsPropertiesTest::jsonNumber)),
                weight(2, of("", "0", "0,5", "0,5.5,10", "1,0", "inf", "nan", "en", "xx", "transcribe",
                        "translate", "5d", "0,,5", " 1 , 2 ", "-1", "1_000").map(KwargsPropertiesTest::quote)),
                weight(2, strings(16).map(KwargsPropertiesTest::quote)),
                weight(1, clipObjects()));
        if (depth == 0) {
            return leaf;
        }
        Gen<String> inner = jsonValue(depth - 1);
        Gen<String> array = inner.list(0, 5).map(xs -> "[" + String.join(", ", xs) + "]");
        Gen<String> key = frequency(weight(3, of(VAD_OPTIONS)), weight(1, of("start", "end")), weight(1, strings(8)));
        Gen<String> member = r -> quote(key.next(r)) + ": " + inner.next(r);
        Gen<String> object = member.list(0, 4).map(xs -> "{" + String.join(", ", xs) + "}");
        return frequency(weight(6, leaf), weight(2, array), weight(2, object));
    }

    private static Gen<String> clipObjects() {
        Gen<String> number = frequency(
                weight(3, doubles(0, 100).map(KwargsPropertiesTest::jsonNumber)),
                weight(1, of("-1", "1e400", "NaN", "\"1\"", "null")));
        Gen<String> pair = r -> "{\"start\": " + number.next(r) + ", \"end\": " + number.next(r) + "}";
        return pair.list(1, 3).map(xs -> "[" + String.join(", ", xs) + "]");
    }

    static Gen<String> clipStrings() {
        Gen<String> numberLike = strings("0123456789.,eE+-_ ", 12);
        Gen<String> words = of("inf", "-Infinity", "nan", "NaN", "0x1p4", "5d", "1f", "1e400", "١",
                "", " ", "\u00a01", "0", "1__0", "_1", "1_");
        Gen<String> joined = frequency(weight(3, numberLike), weight(2, words), weight(1, strings(6)))
                .list(0, 5).map(parts -> String.join(",", parts));
        Gen<String> longDigits = ints(1, 20_000).map(n -> "1".repeat(n) + ",0");
        return frequency(weight(8, joined), weight(1, strings(30)), weight(1, longDigits));
    }

    static Gen<List<Double>> clipLists() {
        return frequency(
                        weight(4, doubles(0, 36_000)),
                        weight(1, ints(0, 3600).map(Integer::doubleValue)),
                        weight(1, of(0.0, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, 1e-7, 1e21)))
                .list(0, 8);
    }

    static Gen<Style> numberStyles() {
        Function<Double, String> plain = d -> (d.equals(-0.0) ? "-" : "") + new java.math.BigDecimal(d).toPlainString();
        return of(
                new Style("as Double.toString", d -> Double.toString(d)),
                new Style("spaced", d -> " " + d + "\t"),
                new Style("with a plus sign", d -> d.compareTo(0.0) >= 0 ? "+" + d : Double.toString(d)),
                new Style("plain", plain),
                new Style("with a lower-case exponent", d -> Double.toString(d).toLowerCase(Locale.ROOT)),
                // Python's float() groups digits with underscores: "36_000.5".
                new Style("grouped", d -> plain.apply(d).replaceAll("(\\d)(?=(\\d{3})+(\\.|$))", "$1_")));
    }

    record ValidKwargs(String json, TranscriptionOptions expected) {
        @Override
        public String toString() {
            return json;
        }
    }

    /** One valid option: its JSON text and what it does to the builder. */
    record Setting(String name, String json, BiConsumer<TranscriptionOptions.Builder, Object> apply, Object value) {}

    static Gen<ValidKwargs> validKwargs() {
        Map<String, Gen<Setting>> settings = new LinkedHashMap<>();
        settings.put("language", of("en", "de", "zh", "yue").orNull(0.2)
                .map(v -> setting("language", v == null ? "null" : quote(v), (b, x) -> b.language((String) x), v)));
        settings.put("task", of("transcribe", "translate")
                .map(v -> setting("task", quote(v), (b, x) -> b.task((String) x), v)));
        settings.put("beam_size", intSetting("beam_size", 1, 10, (b, x) -> b.beamSize(x)));
        settings.put("best_of", intSetting("best_of", 1, 10, (b, x) -> b.bestOf(x)));
        settings.put("patience", doubleSetting("patience", 0.05, 5, (b, x) -> b.patience(x)));
        settings.put("length_penalty", doubleSetting("length_penalty", -5, 5, (b, x) -> b.lengthPenalty(x)));
        settings.put("repetition_penalty", doubleSetting("repetition_penalty", 0.05, 5, (b, x) -> b.repetitionPenalty(x)));
        settings.put("no_repeat_ngram_size", intSetting("no_repeat_ngram_size", 0, 10, (b, x) -> b.noRepeatNgramSize(x)));
        settings.put("temperature", oneOf(
                doubles(0, 1).map(t -> setting("temperature", jsonNumber(t),
                        (b, x) -> b.temperatures(List.of((Double) x)), t)),
                doubles(0, 1).list(1, 6).map(ts -> setting("temperature",
                        jsonList(ts), (b, x) -> b.temperatures(asDoubles(x)), ts))));
        settings.put("compression_ratio_threshold", nullableDoubleSetting("compression_ratio_threshold", 0, 10,
                (b, x) -> b.compressionRatioThreshold(x)));
        settings.put("log_prob_threshold", nullableDoubleSetting("log_prob_threshold", -10, 0, (b, x) -> b.logProbThreshold(x)));
        settings.put("no_speech_threshold", nullableDoubleSetting("no_speech_threshold", 0, 1, (b, x) -> b.noSpeechThreshold(x)));
        settings.put("condition_on_previous_text", boolSetting("condition_on_previous_text",
                (b, x) -> b.conditionOnPreviousText(x)));
        settings.put("prompt_reset_on_temperature", doubleSetting("prompt_reset_on_temperature", 0, 1,
                (b, x) -> b.promptResetOnTemperature(x)));
        settings.put("initial_prompt", oneOf(
                strings(20).map(s -> setting("initial_prompt", quote(s),
                        (b, x) -> b.initialPrompt((String) x), s)),
                ints(0, 51_864).list(0, 5).map(ids -> setting("initial_prompt",
                        ids.toString(), (b, x) -> b.initialPromptTokens(asIntegers(x)), ids))));
        settings.put("prefix", stringSetting("prefix", (b, x) -> b.prefix(x), true));
        settings.put("suppress_blank", boolSetting("suppress_blank", (b, x) -> b.suppressBlank(x)));
        settings.put("suppress_tokens", ints(-1, 51_864).list(0, 5).orNull(0.2)
                .map(ids -> setting("suppress_tokens", ids == null ? "null" : ids.toString(),
                        (b, x) -> b.suppressTokens(asIntegers(x)), ids)));
        settings.put("without_timestamps", boolSetting("without_timestamps", (b, x) -> b.withoutTimestamps(x)));
        settings.put("max_initial_timestamp", doubleSetting("max_initial_timestamp", 0, 10, (b, x) -> b.maxInitialTimestamp(x)));
        settings.put("word_timestamps", boolSetting("word_timestamps", (b, x) -> b.wordTimestamps(x)));
        settings.put("prepend_punctuations", stringSetting("prepend_punctuations", (b, x) -> b.prependPunctuations(x), false));
        settings.put("append_punctuations", stringSetting("append_punctuations", (b, x) -> b.appendPunctuations(x), false));
        settings.put("multilingual", boolSetting("multilingual", (b, x) -> b.multilingual(x)));
        settings.put("vad_filter", boolSetting("vad_filter", (b, x) -> b.vadFilter(x)));
        settings.put("vad_parameters", vadSettings());
        settings.put("max_new_tokens", ints(1, GenerationOptions.MAX_LENGTH).orNull(0.2)
                .map(n -> setting("max_new_tokens", String.valueOf(n), (b, x) -> b.maxNewTokens((Integer) x), n)));
        settings.put("chunk_length", ints(1, 30).orNull(0.2)
                .map(n -> setting("chunk_length", String.valueOf(n), (b, x) -> b.chunkLength((Integer) x), n)));
        Gen<List<Double>> clipLists = clipLists();
        Gen<Style> styles = numberStyles();
        settings.put("clip_timestamps", oneOf(
                clipLists().map(ts -> setting("clip_timestamps", jsonList(ts), (b, x) -> b.clipTimestamps(asDoubles(x)), ts)),
                r -> {
                    StyledClips styled = new StyledClips(clipLists.next(r), styles.next(r));
                    String text = styled.text();
                    // "0" is faster-whisper's default (no clips, VAD allowed), any other text the seconds it lists.
                    List<Double> expected = text.equals("0") ? null : styled.seconds();
                    return setting("clip_timestamps", quote(text), (b, x) -> b.clipTimestamps(asDoubles(x)), expected);
                },
                clipLists().filter(ts -> ts.size() % 2 == 0).map(ts -> {
                    List<String> pairs = new ArrayList<>();
                    for (int i = 0; i < ts.size(); i += 2) {
                        pairs.add("{\"start\": " + jsonNumber(ts.get(i)) + ", \"end\": " + jsonNumber(ts.get(i + 1)) + "}");
                    }
                    return setting("clip_timestamps", "[" + String.join(", ", pairs) + "]",
                            (b, x) -> b.clipTimestamps(asDoubles(x)), ts);
                })));
        settings.put("hallucination_silence_threshold", nullableDoubleSetting("hallucination_silence_threshold", 0, 10,
                (b, x) -> b.hallucinationSilenceThreshold(x)));
        settings.put("hotwords", stringSetting("hotwords", (b, x) -> b.hotwords(x), true));
        settings.put("language_detection_threshold", doubleSetting("language_detection_threshold", 0, 1,
                (b, x) -> b.languageDetectionThreshold(x)));
        settings.put("language_detection_segments", intSetting("language_detection_segments", 1, 10,
                (b, x) -> b.languageDetectionSegments(x)));

        List<String> names = List.copyOf(settings.keySet());
        return r -> {
            // Up to 12 distinct options, in any order.
            List<String> shuffled = new ArrayList<>(names);
            for (int i = shuffled.size() - 1; i > 0; i--) {
                java.util.Collections.swap(shuffled, i, r.nextInt(i + 1));
            }
            TranscriptionOptions.Builder b = TranscriptionOptions.builder();
            List<String> entries = new ArrayList<>();
            for (String name : shuffled.subList(0, r.nextInt(13))) {
                Setting s = settings.get(name).next(r);
                s.apply().accept(b, s.value());
                entries.add(quote(s.name()) + ": " + s.json());
            }
            return new ValidKwargs("{" + String.join(", ", entries) + "}", b.build());
        };
    }

    private static Gen<Setting> vadSettings() {
        Gen<Double> probability = doubles(0, 1).orNull(0.5);
        Gen<Integer> minSpeechOrSilence = ints(0, 5000).orNull(0.5);
        Gen<Object> maxSpeechGen = Generated.<Object>frequency(weight(3, doubles(0.1, 60)), weight(1, constant("inf")))
                .orNull(0.5);
        Gen<Integer> padGen = ints(0, 1000).orNull(0.5);
        Gen<Setting> vad = r -> {
            Double threshold = probability.next(r);
            Double neg = probability.next(r);
            Integer minSpeech = minSpeechOrSilence.next(r);
            Object maxSpeech = maxSpeechGen.next(r);
            Integer minSilence = minSpeechOrSilence.next(r);
            Integer pad = padGen.next(r);
            VadOptions.Builder b = VadOptions.builder();
            List<String> entries = new ArrayList<>();
            if (threshold != null) {
                b.threshold(threshold);
                entries.add("\"threshold\": " + jsonNumber(threshold));
            }
            if (neg != null) {
                b.negThreshold(neg);
                entries.add("\"neg_threshold\": " + jsonNumber(neg));
            }
            if (minSpeech != null) {
                b.minSpeechDurationMs(minSpeech);
                entries.add("\"min_speech_duration_ms\": " + minSpeech);
            }
            if (maxSpeech instanceof Double d) {
                b.maxSpeechDurationS(d);
                entries.add("\"max_speech_duration_s\": " + jsonNumber(d));
            } else if (maxSpeech != null) {
                b.maxSpeechDurationS(Double.POSITIVE_INFINITY);
                entries.add("\"max_speech_duration_s\": \"inf\"");
            }
            if (minSilence != null) {
                b.minSilenceDurationMs(minSilence);
                entries.add("\"min_silence_duration_ms\": " + minSilence);
            }
            if (pad != null) {
                b.speechPadMs(pad);
                entries.add("\"speech_pad_ms\": " + pad);
            }
            VadOptions options = b.build();
            return setting("vad_parameters", "{" + String.join(", ", entries) + "}",
                    (tb, x) -> tb.vadParameters((VadOptions) x), options);
        };
        return oneOf(vad, constant(setting("vad_parameters", "null", (tb, x) -> tb.vadParameters(null), null)));
    }

    private static Setting setting(String name, String json, BiConsumer<TranscriptionOptions.Builder, Object> apply,
                                   Object value) {
        return new Setting(name, json, apply, value);
    }

    private static Gen<Setting> intSetting(String name, int min, int max,
                                           BiConsumer<TranscriptionOptions.Builder, Integer> apply) {
        return ints(min, max).map(n -> setting(name, String.valueOf(n), (b, x) -> apply.accept(b, (Integer) x), n));
    }

    private static Gen<Setting> doubleSetting(String name, double min, double max,
                                              BiConsumer<TranscriptionOptions.Builder, Double> apply) {
        return doubles(min, max).map(d -> setting(name, jsonNumber(d), (b, x) -> apply.accept(b, (Double) x), d));
    }

    private static Gen<Setting> nullableDoubleSetting(String name, double min, double max,
                                                      BiConsumer<TranscriptionOptions.Builder, Double> apply) {
        return doubles(min, max).orNull(0.2)
                .map(d -> setting(name, d == null ? "null" : jsonNumber(d), (b, x) -> apply.accept(b, (Double) x), d));
    }

    private static Gen<Setting> boolSetting(String name, BiConsumer<TranscriptionOptions.Builder, Boolean> apply) {
        return booleans().map(v -> setting(name, String.valueOf(v), (b, x) -> apply.accept(b, (Boolean) x), v));
    }

    private static Gen<Setting> stringSetting(String name, BiConsumer<TranscriptionOptions.Builder, String> apply,
                                              boolean nullable) {
        Gen<String> strings = strings(12);
        return (nullable ? strings.orNull(0.2) : strings)
                .map(s -> setting(name, s == null ? "null" : quote(s), (b, x) -> apply.accept(b, (String) x), s));
    }

    @SuppressWarnings("unchecked")
    private static List<Double> asDoubles(Object x) {
        return (List<Double>) x;
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> asIntegers(Object x) {
        return (List<Integer>) x;
    }

    private static String jsonList(List<Double> values) {
        return "[" + String.join(", ", values.stream().map(KwargsPropertiesTest::jsonNumber).toList()) + "]";
    }

    /** A double as JSON text; NaN and the infinities as the CLI's reader takes them. */
    static String jsonNumber(double d) {
        return Double.toString(d);
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            fail(e);
            return null;
        }
    }
}
