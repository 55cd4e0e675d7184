package dev.ct2j.transcribe;

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
import dev.ct2j.vad.VadOptions;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Properties of {@link FasterWhisperKwargs} (faster-whisper's transcribe kwargs as JSON, what the
 * CLI's {@code --options} takes) and of the {@code clip_timestamps} string form. Whatever the
 * JSON, the parser returns options that satisfy {@link TranscriptionOptions}' documented
 * invariants or throws {@link IllegalArgumentException} naming the option and its value; valid
 * kwargs parse to exactly the options they describe. jqwik picks a new seed each run (it prints
 * it, and reruns the last failing one first); the regressions found are plain tests in
 * {@link KwargsRegressionTest}.
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

    @Property(tries = 1500)
    void anyKwargsGiveValidOptionsOrAnErrorNamingAnOption(@ForAll("kwargsObjects") String json) throws Exception {
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
    }

    @Property(tries = 1500)
    void aRejectedOptionIsNamedWithItsValue(@ForAll("optionNames") String name, @ForAll("jsonValues") String value)
            throws Exception {
        String json = "{" + JSON.writeValueAsString(name) + ": " + value + "}";
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
                // The message names the VAD field at fault and, for a known one, its value.
                List<String> named = new ArrayList<>();
                v.fieldNames().forEachRemaining(f -> {
                    if (message.contains(f)) {
                        named.add(f);
                    }
                });
                assertFalse(named.isEmpty(), "no VAD field named: " + message + "\n  input: " + json);
                String field = named.stream().max(java.util.Comparator.comparingInt(String::length)).orElseThrow();
                if (VAD_OPTIONS.contains(field)) {
                    assertTrue(mentions(message, v.get(field)), "value of " + field + " not named: " + message
                            + "\n  input: " + json);
                }
                return;
            }
            assertTrue(message.contains(name), "option not named: " + message + "\n  input: " + json);
            assertTrue(mentions(message, v), "value not named: " + message + "\n  input: " + json);
            return;
        }
        assertInvariants(options, json);
    }

    // ---- (b) the clip_timestamps string form -------------------------------------------------

    @Property(tries = 2000)
    void anyClipStringGivesNumbersOrAnErrorNamingThePart(@ForAll("clipStrings") String clips) {
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
    }

    @Property(tries = 1000)
    void clipSecondsRoundTripThroughTheStringForm(@ForAll("clipLists") List<Double> seconds,
                                                  @ForAll("numberStyles") Function<Double, String> style) {
        String clips = String.join(",", seconds.stream().map(style).toList());
        List<Double> parsed = TranscriptionOptions.parseClipTimestamps(clips);
        if (clips.equals("0")) {
            assertNull(parsed);
        } else {
            assertEquals(seconds, parsed, clips);
        }
    }

    // ---- (c) valid kwargs parse to the options they describe ---------------------------------

    @Property(tries = 1000)
    void validKwargsParseToTheOptionsTheyDescribe(@ForAll("validKwargs") ValidKwargs valid) throws Exception {
        TranscriptionOptions parsed = FasterWhisperKwargs.toOptions(JSON.readTree(valid.json()));
        assertEquals(valid.expected(), parsed, valid.json());
        // And again through the options' own builder: what parses is also what builds.
        assertEquals(parsed, parsed.toBuilder().build());
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

    @Provide
    Arbitrary<String> optionNames() {
        return Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.of(OPTIONS)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(12)));
    }

    @Provide
    Arbitrary<String> kwargsObjects() {
        Arbitrary<String> entry = Combinators.combine(optionNames(), jsonValues())
                .as((name, value) -> quote(name) + ": " + value);
        // Several entries, the same name possibly twice (Jackson, like Python's json, keeps the last).
        return entry.list().ofMaxSize(6).map(entries -> "{" + String.join(", ", entries) + "}");
    }

    /** JSON text of any type, with the values that break parsers: huge, tiny, NaN, unicode, nested. */
    @Provide
    Arbitrary<String> jsonValues() {
        return jsonValue(3);
    }

    private Arbitrary<String> jsonValue(int depth) {
        Arbitrary<String> leaf = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.of("null", "true", "false")),
                Tuple.of(3, Arbitraries.integers().map(String::valueOf)),
                Tuple.of(2, Arbitraries.of("0", "1", "-1", "2", "5", "30", "31", "448", "449", "-0", "0.0", "-0.0",
                        "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
                        "1e400", "-1e400", "1e-400", "1e39", "1e-50", "1.0E10", "0.5", "1.5", "80.5", "NaN",
                        "Infinity", "-Infinity", new BigInteger("9").pow(120).toString())),
                Tuple.of(3, Arbitraries.doubles().map(KwargsPropertiesTest::jsonNumber)),
                Tuple.of(2, Arbitraries.of("", "0", "0,5", "0,5.5,10", "1,0", "inf", "nan", "en", "xx", "transcribe",
                        "translate", "5d", "0,,5", " 1 , 2 ", "-1", "1_000").map(KwargsPropertiesTest::quote)),
                Tuple.of(2, Arbitraries.strings().ofMaxLength(16).map(KwargsPropertiesTest::quote)),
                Tuple.of(1, clipObjects()));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<String> inner = jsonValue(depth - 1);
        Arbitrary<String> array = inner.list().ofMaxSize(5).map(xs -> "[" + String.join(", ", xs) + "]");
        Arbitrary<String> object = Combinators.combine(
                        Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(VAD_OPTIONS)),
                                Tuple.of(1, Arbitraries.of("start", "end")),
                                Tuple.of(1, Arbitraries.strings().ofMaxLength(8))), inner)
                .as((k, v) -> quote(k) + ": " + v).list().ofMaxSize(4)
                .map(xs -> "{" + String.join(", ", xs) + "}");
        return Arbitraries.frequencyOf(Tuple.of(6, leaf), Tuple.of(2, array), Tuple.of(2, object));
    }

    private Arbitrary<String> clipObjects() {
        Arbitrary<String> number = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.doubles().between(0, 100).map(KwargsPropertiesTest::jsonNumber)),
                Tuple.of(1, Arbitraries.of("-1", "1e400", "NaN", "\"1\"", "null")));
        return Combinators.combine(number, number).as((s, e) -> "{\"start\": " + s + ", \"end\": " + e + "}")
                .list().ofMinSize(1).ofMaxSize(3).map(xs -> "[" + String.join(", ", xs) + "]");
    }

    @Provide
    Arbitrary<String> clipStrings() {
        Arbitrary<String> numberLike = Arbitraries.strings().withChars("0123456789.,eE+-_ ").ofMaxLength(12);
        Arbitrary<String> words = Arbitraries.of("inf", "-Infinity", "nan", "NaN", "0x1p4", "5d", "1f", "1e400", "١",
                "", " ", "\u00a01", "0", "1__0", "_1", "1_");
        Arbitrary<String> joined = Arbitraries.frequencyOf(Tuple.of(3, numberLike), Tuple.of(2, words),
                        Tuple.of(1, Arbitraries.strings().ofMaxLength(6)))
                .list().ofMaxSize(5).map(parts -> String.join(",", parts));
        Arbitrary<String> longDigits = Arbitraries.integers().between(1, 20_000).map(n -> "1".repeat(n) + ",0");
        return Arbitraries.frequencyOf(Tuple.of(8, joined), Tuple.of(1, Arbitraries.strings().ofMaxLength(30)),
                Tuple.of(1, longDigits));
    }

    @Provide
    Arbitrary<List<Double>> clipLists() {
        return Arbitraries.frequencyOf(
                        Tuple.of(4, Arbitraries.doubles().between(0, 36_000)),
                        Tuple.of(1, Arbitraries.integers().between(0, 3600).map(Integer::doubleValue)),
                        Tuple.of(1, Arbitraries.of(0.0, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, 1e-7, 1e21)))
                .list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<Function<Double, String>> numberStyles() {
        Function<Double, String> java = d -> Double.toString(d);
        Function<Double, String> spaced = d -> " " + d + "\t";
        Function<Double, String> plusSign = d -> d.compareTo(0.0) >= 0 ? "+" + d : Double.toString(d);
        Function<Double, String> plain = d -> (d.equals(-0.0) ? "-" : "") + new java.math.BigDecimal(d).toPlainString();
        Function<Double, String> lowerExponent = d -> Double.toString(d).toLowerCase(Locale.ROOT);
        // Python's float() groups digits with underscores: "36_000.5".
        Function<Double, String> grouped = d -> plain.apply(d).replaceAll("(\\d)(?=(\\d{3})+(\\.|$))", "$1_");
        return Arbitraries.of(List.of(java, spaced, plusSign, plain, lowerExponent, grouped));
    }

    record ValidKwargs(String json, TranscriptionOptions expected) {
        @Override
        public String toString() {
            return json;
        }
    }

    /** One valid option: its JSON text and what it does to the builder. */
    record Setting(String name, String json, BiConsumer<TranscriptionOptions.Builder, Object> apply, Object value) {}

    @Provide
    Arbitrary<ValidKwargs> validKwargs() {
        Map<String, Arbitrary<Setting>> settings = new LinkedHashMap<>();
        settings.put("language", Arbitraries.of("en", "de", "zh", "yue").injectNull(0.2)
                .map(v -> setting("language", v == null ? "null" : quote(v), (b, x) -> b.language((String) x), v)));
        settings.put("task", Arbitraries.of("transcribe", "translate")
                .map(v -> setting("task", quote(v), (b, x) -> b.task((String) x), v)));
        settings.put("beam_size", intSetting("beam_size", 1, 10, (b, x) -> b.beamSize(x)));
        settings.put("best_of", intSetting("best_of", 1, 10, (b, x) -> b.bestOf(x)));
        settings.put("patience", doubleSetting("patience", 0.05, 5, (b, x) -> b.patience(x)));
        settings.put("length_penalty", doubleSetting("length_penalty", -5, 5, (b, x) -> b.lengthPenalty(x)));
        settings.put("repetition_penalty", doubleSetting("repetition_penalty", 0.05, 5, (b, x) -> b.repetitionPenalty(x)));
        settings.put("no_repeat_ngram_size", intSetting("no_repeat_ngram_size", 0, 10, (b, x) -> b.noRepeatNgramSize(x)));
        settings.put("temperature", Arbitraries.oneOf(
                Arbitraries.doubles().between(0, 1).map(t -> setting("temperature", jsonNumber(t),
                        (b, x) -> b.temperatures(List.of((Double) x)), t)),
                Arbitraries.doubles().between(0, 1).list().ofMinSize(1).ofMaxSize(6).map(ts -> setting("temperature",
                        jsonList(ts), (b, x) -> b.temperatures(doubles(x)), ts))));
        settings.put("compression_ratio_threshold", nullableDoubleSetting("compression_ratio_threshold", 0, 10,
                (b, x) -> b.compressionRatioThreshold(x)));
        settings.put("log_prob_threshold", nullableDoubleSetting("log_prob_threshold", -10, 0, (b, x) -> b.logProbThreshold(x)));
        settings.put("no_speech_threshold", nullableDoubleSetting("no_speech_threshold", 0, 1, (b, x) -> b.noSpeechThreshold(x)));
        settings.put("condition_on_previous_text", boolSetting("condition_on_previous_text",
                (b, x) -> b.conditionOnPreviousText(x)));
        settings.put("prompt_reset_on_temperature", doubleSetting("prompt_reset_on_temperature", 0, 1,
                (b, x) -> b.promptResetOnTemperature(x)));
        settings.put("initial_prompt", Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(20).map(s -> setting("initial_prompt", quote(s),
                        (b, x) -> b.initialPrompt((String) x), s)),
                Arbitraries.integers().between(0, 51_864).list().ofMaxSize(5).map(ids -> setting("initial_prompt",
                        ids.toString(), (b, x) -> b.initialPromptTokens(integers(x)), ids))));
        settings.put("prefix", stringSetting("prefix", (b, x) -> b.prefix(x), true));
        settings.put("suppress_blank", boolSetting("suppress_blank", (b, x) -> b.suppressBlank(x)));
        settings.put("suppress_tokens", Arbitraries.integers().between(-1, 51_864).list().ofMaxSize(5).injectNull(0.2)
                .map(ids -> setting("suppress_tokens", ids == null ? "null" : ids.toString(),
                        (b, x) -> b.suppressTokens(integers(x)), ids)));
        settings.put("without_timestamps", boolSetting("without_timestamps", (b, x) -> b.withoutTimestamps(x)));
        settings.put("max_initial_timestamp", doubleSetting("max_initial_timestamp", 0, 10, (b, x) -> b.maxInitialTimestamp(x)));
        settings.put("word_timestamps", boolSetting("word_timestamps", (b, x) -> b.wordTimestamps(x)));
        settings.put("prepend_punctuations", stringSetting("prepend_punctuations", (b, x) -> b.prependPunctuations(x), false));
        settings.put("append_punctuations", stringSetting("append_punctuations", (b, x) -> b.appendPunctuations(x), false));
        settings.put("multilingual", boolSetting("multilingual", (b, x) -> b.multilingual(x)));
        settings.put("vad_filter", boolSetting("vad_filter", (b, x) -> b.vadFilter(x)));
        settings.put("vad_parameters", vadSettings());
        settings.put("max_new_tokens", Arbitraries.integers().between(1, GenerationOptions.MAX_LENGTH).injectNull(0.2)
                .map(n -> setting("max_new_tokens", String.valueOf(n), (b, x) -> b.maxNewTokens((Integer) x), n)));
        settings.put("chunk_length", Arbitraries.integers().between(1, 30).injectNull(0.2)
                .map(n -> setting("chunk_length", String.valueOf(n), (b, x) -> b.chunkLength((Integer) x), n)));
        settings.put("clip_timestamps", Arbitraries.oneOf(
                clipLists().map(ts -> setting("clip_timestamps", jsonList(ts), (b, x) -> b.clipTimestamps(doubles(x)), ts)),
                Combinators.combine(clipLists(), numberStyles()).as((ts, style) -> {
                    String text = String.join(",", ts.stream().map(style).toList());
                    // "0" is faster-whisper's default (no clips, VAD allowed), any other text the seconds it lists.
                    List<Double> expected = text.equals("0") ? null : ts;
                    return setting("clip_timestamps", quote(text), (b, x) -> b.clipTimestamps(doubles(x)), expected);
                }),
                clipLists().filter(ts -> ts.size() % 2 == 0).map(ts -> {
                    List<String> pairs = new ArrayList<>();
                    for (int i = 0; i < ts.size(); i += 2) {
                        pairs.add("{\"start\": " + jsonNumber(ts.get(i)) + ", \"end\": " + jsonNumber(ts.get(i + 1)) + "}");
                    }
                    return setting("clip_timestamps", "[" + String.join(", ", pairs) + "]",
                            (b, x) -> b.clipTimestamps(doubles(x)), ts);
                })));
        settings.put("hallucination_silence_threshold", nullableDoubleSetting("hallucination_silence_threshold", 0, 10,
                (b, x) -> b.hallucinationSilenceThreshold(x)));
        settings.put("hotwords", stringSetting("hotwords", (b, x) -> b.hotwords(x), true));
        settings.put("language_detection_threshold", doubleSetting("language_detection_threshold", 0, 1,
                (b, x) -> b.languageDetectionThreshold(x)));
        settings.put("language_detection_segments", intSetting("language_detection_segments", 1, 10,
                (b, x) -> b.languageDetectionSegments(x)));

        return Arbitraries.of(List.copyOf(settings.keySet())).set().ofMaxSize(12)
                .flatMap(names -> {
                    List<Arbitrary<Setting>> chosen = names.stream().map(settings::get).toList();
                    return Combinators.combine(chosen).as(list -> list);
                })
                .map(chosen -> {
                    TranscriptionOptions.Builder b = TranscriptionOptions.builder();
                    List<String> entries = new ArrayList<>();
                    for (Setting s : chosen) {
                        s.apply().accept(b, s.value());
                        entries.add(quote(s.name()) + ": " + s.json());
                    }
                    return new ValidKwargs("{" + String.join(", ", entries) + "}", b.build());
                });
    }

    private Arbitrary<Setting> vadSettings() {
        Arbitrary<Setting> vad = Combinators.combine(
                        Arbitraries.doubles().between(0, 1).injectNull(0.5),
                        Arbitraries.doubles().between(0, 1).injectNull(0.5),
                        Arbitraries.integers().between(0, 5000).injectNull(0.5),
                        Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.doubles().between(0.1, 60).map(d -> (Object) d)),
                                Tuple.of(1, Arbitraries.just((Object) "inf"))).injectNull(0.5),
                        Arbitraries.integers().between(0, 5000).injectNull(0.5),
                        Arbitraries.integers().between(0, 1000).injectNull(0.5))
                .as((threshold, neg, minSpeech, maxSpeech, minSilence, pad) -> {
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
                });
        return Arbitraries.oneOf(vad, Arbitraries.just(setting("vad_parameters", "null", (tb, x) -> tb.vadParameters(null), null)));
    }

    private static Setting setting(String name, String json, BiConsumer<TranscriptionOptions.Builder, Object> apply,
                                   Object value) {
        return new Setting(name, json, apply, value);
    }

    private static Arbitrary<Setting> intSetting(String name, int min, int max,
                                                 BiConsumer<TranscriptionOptions.Builder, Integer> apply) {
        return Arbitraries.integers().between(min, max)
                .map(n -> setting(name, String.valueOf(n), (b, x) -> apply.accept(b, (Integer) x), n));
    }

    private static Arbitrary<Setting> doubleSetting(String name, double min, double max,
                                                    BiConsumer<TranscriptionOptions.Builder, Double> apply) {
        return Arbitraries.doubles().between(min, max)
                .map(d -> setting(name, jsonNumber(d), (b, x) -> apply.accept(b, (Double) x), d));
    }

    private static Arbitrary<Setting> nullableDoubleSetting(String name, double min, double max,
                                                            BiConsumer<TranscriptionOptions.Builder, Double> apply) {
        return Arbitraries.doubles().between(min, max).injectNull(0.2)
                .map(d -> setting(name, d == null ? "null" : jsonNumber(d), (b, x) -> apply.accept(b, (Double) x), d));
    }

    private static Arbitrary<Setting> boolSetting(String name, BiConsumer<TranscriptionOptions.Builder, Boolean> apply) {
        return Arbitraries.of(true, false).map(v -> setting(name, String.valueOf(v), (b, x) -> apply.accept(b, (Boolean) x), v));
    }

    private static Arbitrary<Setting> stringSetting(String name, BiConsumer<TranscriptionOptions.Builder, String> apply,
                                                    boolean nullable) {
        Arbitrary<String> strings = Arbitraries.strings().ofMaxLength(12);
        return (nullable ? strings.injectNull(0.2) : strings)
                .map(s -> setting(name, s == null ? "null" : quote(s), (b, x) -> apply.accept(b, (String) x), s));
    }

    @SuppressWarnings("unchecked")
    private static List<Double> doubles(Object x) {
        return (List<Double>) x;
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> integers(Object x) {
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
