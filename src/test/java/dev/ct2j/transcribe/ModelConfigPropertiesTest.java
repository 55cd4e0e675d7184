package dev.ct2j.transcribe;

import static dev.ct2j.transcribe.Generated.byteArrays;
import static dev.ct2j.transcribe.Generated.bytes;
import static dev.ct2j.transcribe.Generated.forAll;
import static dev.ct2j.transcribe.Generated.frequency;
import static dev.ct2j.transcribe.Generated.ints;
import static dev.ct2j.transcribe.Generated.of;
import static dev.ct2j.transcribe.Generated.weight;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ct2j.TestSupport;
import dev.ct2j.engine.ModelDirectory;
import dev.ct2j.engine.ModelFileException;
import dev.ct2j.features.FeatureExtractor;
import dev.ct2j.transcribe.Generated.Gen;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Properties of the Java side of a model directory: {@link ModelDirectory#validate} (config.json
 * and preprocessor_config.json must be one JSON object each) and the feature extractor built from
 * preprocessor_config.json. Whatever the files hold, the model directory is accepted with values
 * that are what the file says, or refused with a {@link ModelFileException} naming the file (and,
 * for a bad preprocessor value, the field and the value); never another exception.
 *
 * <p>The directory is a copy of the base model's small files. model.bin is a one-byte placeholder
 * and tokenizer.json an empty object: validate only checks that they exist (model.bin non-empty)
 * and that tokenizer.json is JSON, and nothing here loads the native model.
 *
 * <p>Each property is one test over seeded inputs ({@link Generated}: a fixed seed,
 * {@code -Dct2j.test.seed=N} for others, the seed, try and input in any failure).
 */
class ModelConfigPropertiesTest {

    /** The oracle: one JSON value and nothing after it. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    static final List<String> PREPROCESSOR_FIELDS =
            List.of("feature_size", "sampling_rate", "hop_length", "chunk_length", "n_fft");
    private static final Map<String, Integer> DEFAULTS = Map.of("feature_size", 80, "sampling_rate", 16000,
            "hop_length", 160, "chunk_length", 30, "n_fft", 400);

    private static Path dir;
    private static byte[] baseConfig;
    private static byte[] basePreprocessor;

    @BeforeAll
    static void copyModelFiles() throws IOException {
        Path model = TestSupport.modelDir();
        dir = Files.createTempDirectory("ct2j-model-props");
        baseConfig = Files.readAllBytes(model.resolve("config.json"));
        basePreprocessor = Files.readAllBytes(model.resolve("preprocessor_config.json"));
        Files.write(dir.resolve("config.json"), baseConfig);
        Files.write(dir.resolve("preprocessor_config.json"), basePreprocessor);
        Files.copy(model.resolve("vocabulary.json"), dir.resolve("vocabulary.json"));
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        Files.write(dir.resolve("model.bin"), new byte[] {0});
    }

    @AfterAll
    static void removeModelFiles() throws IOException {
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    // ---- config.json -------------------------------------------------------------------------

    @Test
    void configJsonIsOneObjectOrNamedAsCorrupt() {
        forAll("configJsonIsOneObjectOrNamedAsCorrupt", 400, configBytes(), ModelConfigPropertiesTest::checkConfig);
    }

    private static void checkConfig(byte[] content) throws IOException {
        Files.write(dir.resolve("config.json"), content);
        Files.write(dir.resolve("preprocessor_config.json"), basePreprocessor);
        Path file = dir.resolve("config.json").toAbsolutePath().normalize();
        ModelDirectory directory;
        try {
            directory = ModelDirectory.validate(dir);
        } catch (ModelFileException e) {
            assertEquals(file, e.file(), e.getMessage());
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(strictObject(content).isEmpty(), "a JSON object refused: " + e.getMessage());
            return;
        }
        assertEquals(file, directory.config());
        assertTrue(strictObject(content).isPresent(), "accepted a config.json that is not one JSON object: "
                + preview(content));
    }

    // ---- preprocessor_config.json ------------------------------------------------------------

    @Test
    void anyPreprocessorFileGivesAnExtractorOrNamesTheFile() {
        forAll("anyPreprocessorFileGivesAnExtractorOrNamesTheFile", 400, preprocessorBytes(),
                content -> checkPreprocessor(content, null));
    }

    /** A preprocessor field and the JSON text it is given; null leaves the field out. */
    record FieldValue(String field, String value) {
        @Override
        public String toString() {
            return field + (value == null ? " left out" : ": " + value);
        }
    }

    /** The real file with its five fields given any JSON value (or left out). */
    @Test
    void preprocessorValuesAreReadAsWrittenOrNamed() {
        Gen<String> fields = preprocessorFieldNames();
        Gen<String> values = preprocessorValues();
        forAll("preprocessorValuesAreReadAsWrittenOrNamed", 500, r -> new FieldValue(fields.next(r), values.next(r)),
                input -> {
                    String field = input.field();
                    String value = input.value();
                    ObjectNode config = (ObjectNode) STRICT.readTree(basePreprocessor);
                    String json;
                    if (value == null) {
                        config.remove(field);
                        json = STRICT.writeValueAsString(config);
                    } else {
                        config.remove(field);
                        String rest = STRICT.writeValueAsString(config);
                        json = rest.substring(0, rest.length() - 1) + ", " + KwargsPropertiesTest.quote(field) + ": "
                                + value + "}";
                    }
                    checkPreprocessor(json.getBytes(StandardCharsets.UTF_8), field);
                });
    }

    private static void checkPreprocessor(byte[] content, String changedField) throws IOException {
        Files.write(dir.resolve("config.json"), baseConfig);
        Files.write(dir.resolve("preprocessor_config.json"), content);
        Path file = dir.resolve("preprocessor_config.json").toAbsolutePath().normalize();
        String where = "\n  file: " + preview(content);
        FeatureExtractor extractor;
        try {
            extractor = WhisperModel.featureExtractor(ModelDirectory.validate(dir), 80);
        } catch (ModelFileException e) {
            assertEquals(file, e.file(), e.getMessage() + where);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage() + where);
            Optional<JsonNode> parsed = strictObject(content);
            if (changedField != null && parsed.isPresent()) {
                // Only that field differs from the real file: the message names it and its value.
                JsonNode v = parsed.get().get(changedField);
                assertTrue(e.getMessage().contains(changedField), e.getMessage() + where);
                assertTrue(KwargsPropertiesTest.mentions(e.getMessage(), v), e.getMessage() + where);
            }
            return;
        }
        JsonNode config = strictObject(content).orElse(null);
        assertTrue(config != null, "accepted a preprocessor_config.json that is not one JSON object" + where);
        // Every field is an integer the extractor supports, and the extractor has exactly that value.
        for (String field : PREPROCESSOR_FIELDS) {
            JsonNode v = config.get(field);
            assertTrue(v == null || v.isNull() || v.isIntegralNumber() && v.canConvertToInt(),
                    field + " " + v + " accepted" + where);
        }
        assertEquals(intOr(config, "feature_size"), extractor.nMels(), where);
        assertEquals(intOr(config, "sampling_rate"), extractor.samplingRate(), where);
        assertEquals(intOr(config, "hop_length"), extractor.hopLength(), where);
        assertEquals(intOr(config, "chunk_length"), extractor.chunkLength(), where);
        assertEquals(intOr(config, "n_fft"), extractor.nFft(), where);
        assertTrue(extractor.nMels() == 80 || extractor.nMels() == 128, where);
        assertTrue(extractor.hopLength() > 0 && extractor.chunkLength() > 0, where);
    }

    private static int intOr(JsonNode config, String field) {
        JsonNode v = config.get(field);
        return v == null || v.isNull() ? DEFAULTS.get(field) : v.intValue();
    }

    private static Optional<JsonNode> strictObject(byte[] content) {
        try {
            JsonNode node = STRICT.readTree(content);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String preview(byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8);
        return text.length() > 300 ? text.substring(0, 150) + " ... " + text.substring(text.length() - 150)
                + " (" + content.length + " bytes)" : text;
    }

    // ---- generators --------------------------------------------------------------------------

    static Gen<byte[]> configBytes() {
        return fileBytes(() -> baseConfig);
    }

    static Gen<byte[]> preprocessorBytes() {
        return fileBytes(() -> basePreprocessor);
    }

    /** Random bytes, any JSON value, the real file damaged, the real file with something after it. */
    private static Gen<byte[]> fileBytes(java.util.function.Supplier<byte[]> real) {
        Gen<byte[]> random = byteArrays(64);
        Gen<byte[]> anyJson = KwargsPropertiesTest.jsonValues().map(s -> s.getBytes(StandardCharsets.UTF_8));
        Gen<byte[]> truncated = ints(0, 100_000)
                .map(n -> java.util.Arrays.copyOf(real.get(), n % (real.get().length + 1)));
        Gen<Integer> positions = ints(0, 100_000);
        Gen<Byte> bytes = bytes();
        Gen<byte[]> flipped = r -> {
            int at = positions.next(r);
            byte b = bytes.next(r);
            byte[] copy = real.get().clone();
            copy[at % copy.length] = b;
            return copy;
        };
        Gen<byte[]> trailing = of("x", "}", "{}", "[1]", " null", "\n// comment", "\u0000", "1",
                        "\"\"", "{\"feature_size\": 128}")
                .map(suffix -> concat(real.get(), suffix.getBytes(StandardCharsets.UTF_8)));
        Gen<byte[]> special = of("", " ", "null", "[]", "{}", "\"{}\"", "\uFEFF{}", "{\"a\": 1,}",
                        "{'a': 1}", "{\"a\": NaN}", "{\"a\": 01}", "[".repeat(5000), "{\"a\":".repeat(2000),
                        "{\"a\": " + "1".repeat(5000) + "}", "{\"a\": 1, \"a\": 2}")
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        Gen<byte[]> badUtf8 = of(new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'},
                new byte[] {(byte) 0xFF, (byte) 0xFE, '{', 0, '}', 0}, new byte[] {0, 0, (byte) 0xFE, (byte) 0xFF},
                new byte[] {'{', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', ':', '1', '}'})
                .map(byte[]::clone);
        return frequency(weight(2, random), weight(3, anyJson), weight(2, truncated), weight(3, flipped),
                weight(2, trailing), weight(2, special), weight(1, badUtf8));
    }

    static Gen<String> preprocessorFieldNames() {
        return of(PREPROCESSOR_FIELDS);
    }

    /** JSON text for one field; null leaves the field out. */
    static Gen<String> preprocessorValues() {
        Gen<String> plausible = of("80", "128", "16000", "160", "30", "400", "0", "-1", "1", "81",
                "80.0", "80.5", "160.9", "8e1", "1.6e4", "2147483647", "2147483648", "-2147483648", "9999999999999",
                "1e400", "\"80\"", "true", "null", "[80]", "{\"value\": 80}");
        Gen<String> ints = ints().map(String::valueOf);
        return Generated.<String>frequency(weight(4, plausible), weight(2, ints),
                weight(2, KwargsPropertiesTest.jsonValues())).orNull(0.1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
