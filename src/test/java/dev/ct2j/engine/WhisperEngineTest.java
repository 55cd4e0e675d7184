package dev.ct2j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ct2j.TestSupport;
import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.features.FeatureExtractor;
import dev.ct2j.features.MelSpectrogram;
import dev.ct2j.tokenizer.WhisperVocabulary;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every engine call against the real base model and real audio (jfk.flac). */
class WhisperEngineTest {
    private static final String JFK = "And so my fellow Americans, ask not what your country can do for you,"
            + " ask what you can do for your country.";

    private static final ModelOptions INT8 = ModelOptions.builder()
            .device(Device.CPU).computeType("int8").intraThreads(2).build();

    private static WhisperEngine engine;
    private static WhisperVocabulary vocabulary;
    private static float[] jfkMel;

    @BeforeAll
    static void loadModel() {
        engine = WhisperEngine.load(TestSupport.modelDir(), INT8);
        vocabulary = WhisperVocabulary.load(TestSupport.modelDir(), engine.isMultilingual());
        float[] audio = AudioDecoder.decode(TestSupport.data("jfk.flac"));
        MelSpectrogram mel = new FeatureExtractor(engine.nMels()).compute(audio).padOrTrim(3000);
        jfkMel = mel.data();
    }

    @AfterAll
    static void closeModel() {
        vocabulary.close();
        engine.close();
    }

    private static Features jfkFeatures() {
        return Features.of(jfkMel, 1, 80, 3000);
    }

    private static List<Integer> transcribePrompt() {
        return List.of(vocabulary.sot(), vocabulary.tokenToId("<|en|>").orElseThrow(), vocabulary.transcribe(),
                vocabulary.noTimestamps());
    }

    private static GenerationOptions scored() {
        return GenerationOptions.builder().returnScores(true).returnNoSpeechProb(true).build();
    }

    @Test
    void reportsTheModelsStaticProperties() {
        assertTrue(engine.isMultilingual());
        assertEquals(80, engine.nMels());
        assertEquals(99, engine.numLanguages());
        assertEquals(Device.CPU, engine.device());
        assertEquals("int8_float32", engine.computeType());
        assertEquals(1, engine.numReplicas());
        assertTrue(engine.isLoaded());
    }

    @Test
    void encodesJfkFeaturesTo1500Frames() {
        try (Features features = jfkFeatures(); EncoderOutput encoded = engine.encode(features, false)) {
            assertArrayEquals(new long[] {1, 1500, 512}, encoded.shape());
            float[] values = encoded.toFloatArray();
            assertEquals(1500 * 512, values.length);
            assertTrue(java.util.stream.IntStream.range(0, values.length).allMatch(i -> Float.isFinite(values[i])));
        }
    }

    /**
     * Encoding a batch a window at a time (or two) into one host output gives the one call's values
     * bit for bit, and the same generation from them: what the batched pipeline relies on to encode
     * on the CPU without the whole batch's attention workspace.
     */
    @Test
    void encodingInSmallerCallsGivesTheOneCallsValues() {
        float[] audio = AudioDecoder.decode(TestSupport.data("jfk.flac"));
        float[] later = java.util.Arrays.copyOfRange(audio, 16000 * 4, audio.length); // another window
        float[] batch = new float[3 * 80 * 3000];
        System.arraycopy(jfkMel, 0, batch, 0, jfkMel.length);
        System.arraycopy(new FeatureExtractor(80).compute(later).padOrTrim(3000).data(), 0, batch, 80 * 3000,
                80 * 3000);
        java.util.Arrays.fill(batch, 2 * 80 * 3000, batch.length, -0.5f); // a third: flat
        List<List<Integer>> prompts = List.of(transcribePrompt(), transcribePrompt(), transcribePrompt());
        try (Features features = Features.of(batch, 3, 80, 3000); EncoderOutput whole = engine.encode(features, false)) {
            float[] expected = whole.toFloatArray();
            List<GenerationResult> generated = engine.generate(whole, prompts, scored());
            for (int maxBatch : new int[] {1, 2, 3}) {
                try (EncoderOutput split = engine.encode(features, maxBatch)) {
                    assertArrayEquals(new long[] {3, 1500, 512}, split.shape());
                    assertArrayEquals(expected, split.toFloatArray(), "max batch " + maxBatch);
                    assertEquals(generated, engine.generate(split, prompts, scored()), "max batch " + maxBatch);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> engine.encode(features, 0));
        }
    }

    @Test
    void detectsEnglishOnJfkWithHighProbability() {
        try (Features features = jfkFeatures(); EncoderOutput encoded = engine.encode(features, false)) {
            List<LanguageProbability> languages = engine.detectLanguage(encoded).getFirst();
            assertEquals(99, languages.size());
            assertEquals("en", languages.getFirst().code());
            assertTrue(languages.getFirst().probability() > 0.9f, "p(en) = " + languages.getFirst().probability());
            // Mel features work directly too (CTranslate2 encodes them itself).
            assertEquals("<|en|>", engine.detectLanguage(features).getFirst().getFirst().token());
        }
    }

    @Test
    void generatesTheJfkSentence() {
        try (Features features = jfkFeatures(); EncoderOutput encoded = engine.encode(features, false)) {
            GenerationResult result = engine.generate(encoded, List.of(transcribePrompt()), scored()).getFirst();
            GenerationResult.Hypothesis best = result.hypotheses().getFirst();
            assertEquals(JFK, vocabulary.decode(best.ids()).strip());
            assertTrue(best.score() < 0 && best.score() > -1, "score " + best.score());
            assertTrue(result.noSpeechProb() >= 0 && result.noSpeechProb() < 0.1, "no_speech " + result.noSpeechProb());
        }
    }

    @Test
    void generateWithTimestampsAndSeveralHypotheses() {
        List<Integer> prompt = transcribePrompt().subList(0, 3);
        GenerationOptions sampling = GenerationOptions.builder().beamSize(1).numHypotheses(3).samplingTopk(0)
                .samplingTemperature(0.5f).returnScores(true).build();
        try (Features features = jfkFeatures(); EncoderOutput encoded = engine.encode(features, false)) {
            GenerationResult result = engine.generate(encoded, List.of(prompt), sampling).getFirst();
            assertEquals(3, result.hypotheses().size());
            List<Integer> ids = result.hypotheses().getFirst().ids();
            assertTrue(ids.getFirst() >= vocabulary.timestampBegin(), "starts with a timestamp: " + ids);
        }
    }

    @Test
    void alignReturnsMonotonicAlignments() {
        try (Features features = jfkFeatures(); EncoderOutput encoded = engine.encode(features, false)) {
            List<Integer> text = vocabulary.encode(" " + JFK);
            List<Integer> sot = transcribePrompt().subList(0, 3);
            AlignmentResult result = engine.align(encoded, sot, List.of(text), List.of(1100), 7).getFirst();
            assertEquals(text.size(), result.textTokenProbs().size());
            List<AlignmentResult.TokenTime> path = result.alignments();
            assertTrue(path.size() >= text.size(), "path length " + path.size());
            for (int i = 1; i < path.size(); i++) {
                assertTrue(path.get(i).textIndex() >= path.get(i - 1).textIndex(), "text index decreases at " + i);
                assertTrue(path.get(i).timeIndex() >= path.get(i - 1).timeIndex(), "time index decreases at " + i);
            }
            assertTrue(path.getLast().timeIndex() > path.getFirst().timeIndex());
            assertTrue(result.textTokenProbs().stream().allMatch(p -> p > 0 && p <= 1));
        }
    }

    @Test
    void unloadAndLoadRoundTripsGiveIdenticalOutputs() {
        try (WhisperEngine own = WhisperEngine.load(TestSupport.modelDir(), INT8); Features features = jfkFeatures()) {
            GenerationResult before = own.generate(features, List.of(transcribePrompt()), scored()).getFirst();

            own.unload(true);
            assertFalse(own.isLoaded());
            EngineException unloaded = assertThrows(EngineException.class,
                    () -> own.generate(features, List.of(transcribePrompt()), scored()));
            assertEquals(EngineException.Kind.NOT_LOADED, unloaded.kind());
            own.loadWeights(false);
            assertTrue(own.isLoaded());
            assertEquals(before, own.generate(features, List.of(transcribePrompt()), scored()).getFirst());

            own.unload(false, BusyPolicy.FAIL);
            own.loadWeights(true);
            assertEquals(before, own.generate(features, List.of(transcribePrompt()), scored()).getFirst());

            own.releaseCaches();
            own.loadWeights(false); // already loaded: a no-op
            assertEquals(before, own.generate(features, List.of(transcribePrompt()), scored()).getFirst());
        }
    }

    @Test
    void loadsFromMemoryWithTheSameOutput() throws Exception {
        Map<String, byte[]> files = new HashMap<>();
        for (String name : List.of("model.bin", "config.json", "vocabulary.json")) {
            files.put(name, Files.readAllBytes(TestSupport.modelDir().resolve(name)));
        }
        try (WhisperEngine memory = WhisperEngine.loadFromMemory("base", files, INT8); Features features = jfkFeatures()) {
            assertEquals(engine.generate(features, List.of(transcribePrompt()), scored()),
                    memory.generate(features, List.of(transcribePrompt()), scored()));
        }
    }

    @Test
    void featuresWrapCallerMemoryWithoutCopying() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocateFrom(ValueLayout.JAVA_FLOAT, jfkMel);
            try (Features features = Features.wrap(data, 1, 80, 3000)) {
                List<Integer> ids = engine.generate(features, List.of(transcribePrompt()), scored())
                        .getFirst().hypotheses().getFirst().ids();
                assertEquals(JFK, vocabulary.decode(ids).strip());
            }
        }
    }

    @Test
    void runtimeReportsVersionAndDevices() {
        assertEquals("4.8.4", EngineRuntime.ctranslate2Version());
        assertEquals(7, EngineRuntime.noop(7));
        EngineRuntime.setLogLevel(-1);
        EngineRuntime.setRandomSeed(1234);
        assertThrows(IllegalArgumentException.class, () -> EngineRuntime.setLogLevel(9));
        assertEquals(0, EngineRuntime.cudaDeviceCount());
        EngineException noCuda = assertThrows(EngineException.class, () -> EngineRuntime.cudaMemory(0));
        assertEquals(EngineException.Kind.UNSUPPORTED, noCuda.kind());
    }

    // ---- bad input: a clear exception and a live JVM ----------------------------------------

    // A copy of the test model's files (linked where the file system allows) without the one named.
    private static Path modelWithout(Path dir, String left) throws java.io.IOException {
        Files.createDirectory(dir);
        for (String name : List.of("model.bin", "config.json", "tokenizer.json", "vocabulary.json")) {
            if (!name.equals(left)) {
                linkOrCopy(TestSupport.modelDir().resolve(name), dir.resolve(name));
            }
        }
        return dir;
    }

    private static void linkOrCopy(Path source, Path target) throws java.io.IOException {
        try {
            Files.createLink(target, source);
        } catch (java.io.IOException | UnsupportedOperationException e) {
            Files.copy(source, target);
        }
    }

    @Test
    void missingDirectoryNamesTheDirectory(@TempDir Path tmp) {
        Path missing = tmp.resolve("no-such-model");
        ModelFileException e = assertThrows(ModelFileException.class, () -> WhisperEngine.load(missing, INT8));
        assertEquals(missing, e.file());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void eachMissingModelFileIsNamed(@TempDir Path tmp) throws Exception {
        for (String name : List.of("model.bin", "config.json", "tokenizer.json")) {
            Path dir = modelWithout(tmp.resolve("without-" + name), name);
            ModelFileException e = assertThrows(ModelFileException.class, () -> WhisperEngine.load(dir, INT8));
            assertEquals(dir.resolve(name), e.file(), e.getMessage());
        }
    }

    @Test
    void truncatedModelBinIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = modelWithout(tmp.resolve("truncated"), "model.bin");
        byte[] head = new byte[5_000_000];
        try (var in = Files.newInputStream(TestSupport.modelDir().resolve("model.bin"))) {
            assertEquals(head.length, in.readNBytes(head, 0, head.length));
        }
        Files.write(dir.resolve("model.bin"), head);
        ModelFileException e = assertThrows(ModelFileException.class, () -> WhisperEngine.load(dir, INT8));
        assertEquals(dir.resolve("model.bin"), e.file(), e.getMessage());
    }

    @Test
    void corruptConfigIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = modelWithout(tmp.resolve("corrupt"), "config.json");
        Files.writeString(dir.resolve("config.json"), "{\"alignment_heads\": [[3, 1]");
        ModelFileException e = assertThrows(ModelFileException.class, () -> WhisperEngine.load(dir, INT8));
        assertEquals(dir.resolve("config.json"), e.file(), e.getMessage());
        Files.delete(dir.resolve("config.json"));
        linkOrCopy(TestSupport.modelDir().resolve("config.json"), dir.resolve("config.json"));
        Files.writeString(dir.resolve("preprocessor_config.json"), "not json");
        e = assertThrows(ModelFileException.class, () -> WhisperEngine.load(dir, INT8));
        assertEquals(dir.resolve("preprocessor_config.json"), e.file(), e.getMessage());
    }

    // config.json values CTranslate2 uses unchecked (an alignment head past the decoder crashed
    // the JVM at the first word-timestamp call): refused at load, naming the file, field and value.
    @Test
    void configValuesCTranslate2TrustsAreCheckedAtLoad(@TempDir Path tmp) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"alignment_heads\": [[99, 99]]}",
                "alignment_heads [99, 99] out of range: the decoder has 6 layers x 8 heads");
        cases.put("{\"alignment_heads\": [[5, 8]]}", "alignment_heads [5, 8] out of range");
        cases.put("{\"alignment_heads\": [[1]]}", "alignment_heads contains [1]");
        cases.put("{\"suppress_ids\": [1, 51865]}", "suppress_ids contains 51865, outside the vocabulary [0, 51865)");
        cases.put("{\"suppress_ids_begin\": [-1]}", "suppress_ids_begin contains -1");
        cases.put("{\"lang_ids\": [50259, 99999]}", "lang_ids contains 99999");
        cases.put("{\"lang_ids\": [50259]}", "lang_ids has 1 ids but vocabulary.json has 99 language tokens");
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path dir = modelWithout(tmp.resolve("bad-config-" + i++), "config.json");
            var config = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
                    TestSupport.modelDir().resolve("config.json").toFile());
            config.setAll((com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(c.getKey()));
            json.writeValue(dir.resolve("config.json").toFile(), config);
            ModelFileException e = assertThrows(ModelFileException.class, () -> WhisperEngine.load(dir, INT8),
                    c.getKey());
            assertEquals(dir.resolve("config.json"), e.file(), e.getMessage());
            assertTrue(e.getMessage().startsWith("invalid model file " + dir.resolve("config.json") + ": "),
                    e.getMessage());
            assertTrue(e.getMessage().contains(c.getValue()), e.getMessage());
        }
    }

    // The two big JSON files are only checked once a load has failed on them (not on every load).
    @Test
    void syntaxErrorsInTheBigJsonFilesAreNamedWhenTheLoadFails(@TempDir Path tmp) throws Exception {
        Path dir = modelWithout(tmp.resolve("bad-vocabulary-syntax"), "vocabulary.json");
        Files.writeString(dir.resolve("vocabulary.json"), "[\"<|endoftext|>\", ");
        ModelFileException e = assertThrows(ModelFileException.class, () -> WhisperEngine.load(dir, INT8));
        assertEquals(dir.resolve("vocabulary.json"), e.file(), e.getMessage());
        assertTrue(e.getMessage().startsWith("corrupt model file " + dir.resolve("vocabulary.json")), e.getMessage());

        Path tokenizerDir = modelWithout(tmp.resolve("bad-tokenizer-syntax"), "tokenizer.json");
        Files.writeString(tokenizerDir.resolve("tokenizer.json"), "{\"added_tokens\": [} trailing");
        ModelFileException t = assertThrows(ModelFileException.class,
                () -> dev.ct2j.transcribe.WhisperModel.load(tokenizerDir.toString(), INT8).close());
        assertEquals(tokenizerDir.resolve("tokenizer.json"), t.file(), t.getMessage());
        assertTrue(t.getMessage().startsWith("corrupt model file " + tokenizerDir.resolve("tokenizer.json")),
                t.getMessage());
    }

    @Test
    void missingSpecialTokenInTheVocabularyIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = modelWithout(tmp.resolve("bad-vocabulary"), "vocabulary.json");
        String vocabularyJson = Files.readString(TestSupport.modelDir().resolve("vocabulary.json"));
        assertTrue(vocabularyJson.contains("\"<|notimestamps|>\""));
        Files.writeString(dir.resolve("vocabulary.json"),
                vocabularyJson.replace("\"<|notimestamps|>\"", "\"<|no-timestamps|>\""));
        ModelFileException e = assertThrows(ModelFileException.class, () -> WhisperEngine.load(dir, INT8));
        assertEquals(dir.resolve("vocabulary.json"), e.file(), e.getMessage());
        assertTrue(e.getMessage().contains("<|notimestamps|> is missing"), e.getMessage());
    }

    @Test
    void unknownComputeTypeIsRejectedByName() {
        ModelOptions options = INT8.toBuilder().computeType("int7").build();
        EngineException e = assertThrows(EngineException.class, () -> WhisperEngine.load(TestSupport.modelDir(), options));
        assertEquals(EngineException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("'int7'"), e.getMessage());
    }

    @Test
    void computeTypeTheBackendLacksIsUnsupported() {
        // This CPU build has int8 (MKL, oneDNN) but no efficient float16 GEMM: CTranslate2 refuses
        // an explicit float16 request the same way it refuses int8 on a backend without it.
        ModelOptions options = INT8.toBuilder().computeType("float16").build();
        EngineException e = assertThrows(EngineException.class, () -> WhisperEngine.load(TestSupport.modelDir(), options));
        assertEquals(EngineException.Kind.UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("float16"), e.getMessage());
    }

    @Test
    void cudaWithoutADeviceIsUnsupported() {
        ModelOptions options = INT8.toBuilder().device(Device.CUDA).build();
        EngineException e = assertThrows(EngineException.class, () -> WhisperEngine.load(TestSupport.modelDir(), options));
        assertEquals(EngineException.Kind.UNSUPPORTED, e.kind());
    }

    @Test
    void featuresWithTheWrongNumberOfMelsAreRejected() {
        try (Features wrong = Features.of(new float[128 * 3000], 1, 128, 3000)) {
            EngineException e = assertThrows(EngineException.class, () -> engine.encode(wrong, false));
            assertEquals(EngineException.Kind.INVALID_ARGUMENT, e.kind());
            assertTrue(e.getMessage().contains("128 mel bins but the model expects 80"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Features.of(new float[10], 1, 80, 3000));
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreRejected() {
        try (Features features = jfkFeatures()) {
            EngineException e = assertThrows(EngineException.class,
                    () -> engine.generate(features, List.of(List.of(vocabulary.sot(), 1_000_000)), scored()));
            assertTrue(e.getMessage().contains("1000000"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> engine.generate(features, List.of(List.of(), List.of()), scored()));
            assertThrows(IllegalArgumentException.class,
                    () -> GenerationOptions.builder().maxLength(449).build());
        }
    }

    @Test
    void callsAfterCloseThrowIllegalStateException() {
        WhisperEngine closed = WhisperEngine.load(TestSupport.modelDir(), INT8);
        Features features = jfkFeatures();
        closed.close();
        closed.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> closed.encode(features, false));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, closed::isLoaded);
        assertThrows(IllegalStateException.class, () -> closed.unload(true));
        features.close();
        assertThrows(IllegalStateException.class, () -> engine.encode(features, false));
    }

    @Test
    void closeRacingARunningGenerateWaitsForIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 12; round++) {
                WhisperEngine racing = WhisperEngine.load(TestSupport.modelDir(), INT8);
                Features features = jfkFeatures();
                CountDownLatch started = new CountDownLatch(1);
                List<Future<String>> runs = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    runs.add(pool.submit(() -> {
                        started.countDown();
                        try {
                            List<Integer> ids = racing.generate(features, List.of(transcribePrompt()), scored())
                                    .getFirst().hypotheses().getFirst().ids();
                            return vocabulary.decode(ids).strip();
                        } catch (IllegalStateException closedFirst) {
                            return "closed";
                        }
                    }));
                }
                started.await();
                Thread.sleep(round * 40L);
                racing.close();
                for (Future<String> run : runs) {
                    String text = run.get();
                    assertTrue(text.equals(JFK) || text.equals("closed"), "round " + round + ": " + text);
                }
                features.close();
            }
        } finally {
            pool.shutdownNow();
        }
        assertNotNull(engine.computeType()); // the shared engine (and the JVM) are still fine
    }
}
