package dev.ct2j.ctranslate2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import dev.ct2j.engine.BusyPolicy;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.EngineException;
import dev.ct2j.engine.ModelBusyException;
import dev.ct2j.engine.ModelOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Translator, Generator and Encoder on the tiny random-weight models (parity/ct2/models.sh):
 * consistency between the entry points, every bad input refused with a message naming it (and
 * the JVM alive), and the lifetime rules. Token-for-token parity with CTranslate2's Python API is
 * parity/check-ct2's job. One model of each kind is shared by the tests that leave it open.
 */
class TextModelsTest {
    static final ModelOptions ONE_THREAD = ModelOptions.builder().device(Device.CPU).computeType("float32")
            .intraThreads(1).build();
    private static final List<List<String>> SOURCE = List.of(List.of("t5", "t9", "t12"), List.of("t7", "t30"));

    private static Translator translator;
    private static Generator generator;
    private static Encoder encoder;

    static Path model(String kind) {
        return TestSupport.ct2Models().resolve(kind);
    }

    @BeforeAll
    static void load() {
        translator = Translator.load(model("translator"), ONE_THREAD);
        generator = Generator.load(model("generator"), ONE_THREAD);
        encoder = Encoder.load(model("encoder"), ONE_THREAD);
    }

    @AfterAll
    static void close() {
        translator.close();
        generator.close();
        encoder.close();
    }

    private static List<Integer> withoutEnd(List<GenerationStep> steps, int eos) {
        return steps.stream().map(GenerationStep::tokenId).filter(id -> id != eos).toList();
    }

    // ---- behaviour -------------------------------------------------------------------------------

    @Test
    void translatorDefaultsAreCTranslate2sPythonDefaults() {
        TranslationOptions d = TranslationOptions.defaults();
        assertEquals(2, d.beamSize());
        assertEquals(256, d.maxDecodingLength());
        assertEquals(1, d.minDecodingLength());
        assertEquals(1024, d.maxInputLength());
        TextGenerationOptions g = TextGenerationOptions.defaults();
        assertEquals(1, g.beamSize());
        assertEquals(512, g.maxLength());
        assertTrue(g.includePromptInResult());
        assertTrue(g.cacheStaticPrompt());
        assertEquals(1024, ScoringOptions.defaults().maxInputLength());
    }

    @Test
    void translationsHaveScoresAttentionAndAgreeAcrossInputForms() {
        TranslationOptions options = TranslationOptions.builder().beamSize(4).numHypotheses(2).returnScores(true)
                .returnAttention(true).maxDecodingLength(12).build();
        List<TranslationResult> results = translator.translateBatch(SOURCE, options);
        assertEquals(2, results.size());
        for (int b = 0; b < results.size(); b++) {
            TranslationResult r = results.get(b);
            assertEquals(2, r.hypotheses().size());
            assertEquals(2, r.scores().size());
            assertTrue(r.scores().get(0) >= r.scores().get(1), "best first: " + r.scores());
            assertEquals(2, r.attention().size());
            for (int h = 0; h < 2; h++) {
                assertFalse(r.attention().get(h).isEmpty());
                for (List<Float> row : r.attention().get(h)) {
                    assertEquals(SOURCE.get(b).size(), row.size(), "one weight per source token");
                    assertTrue(row.stream().allMatch(w -> w >= 0 && w <= 1), row.toString());
                }
                assertEquals(r.hypotheses().get(h), translator.targetVocabulary().tokens(
                        r.hypothesesIds().get(h).stream().mapToInt(Integer::intValue).toArray()));
            }
        }
        int[][] ids = SOURCE.stream().map(s -> translator.sourceVocabulary().ids(s)).toArray(int[][]::new);
        assertEquals(results, translator.translateBatch(ids, null, options), "ids and tokens give the same result");
    }

    @Test
    void greedyTranslationEqualsItsTokenStream() {
        TranslationOptions greedy = TranslationOptions.builder().beamSize(1).maxDecodingLength(15).build();
        List<String> hypothesis = translator.translateBatch(List.of(SOURCE.getFirst()), greedy).getFirst()
                .hypotheses().getFirst();
        try (TokenStream stream = translator.generateTokens(SOURCE.getFirst(), null, greedy)) {
            List<GenerationStep> steps = stream.stream().toList();
            assertTrue(steps.getLast().isLast());
            List<String> tokens = steps.stream().filter(s -> s.tokenId() != translator.targetVocabulary().eosId())
                    .map(GenerationStep::token).toList();
            assertEquals(hypothesis, tokens);
            assertEquals(0, translator.openStreams());
        }
    }

    @Test
    void targetPrefixStartsTheHypothesis() {
        List<List<String>> prefix = new ArrayList<>();
        prefix.add(List.of("t15", "t16"));
        prefix.add(null); // Python's None: no prefix for this one
        List<TranslationResult> results = translator.translateBatch(SOURCE, prefix,
                TranslationOptions.builder().maxDecodingLength(10).build());
        assertEquals(List.of("t15", "t16"), results.getFirst().hypotheses().getFirst().subList(0, 2));
        assertEquals(translator.translateBatch(List.of(SOURCE.get(1)), TranslationOptions.builder().maxDecodingLength(10)
                .build()).getFirst(), results.get(1));
    }

    @Test
    void scoringGivesALogProbabilityPerTargetTokenAndTheEnd() {
        List<List<String>> target = List.of(List.of("t15", "t46", "t58"), List.of("t8"));
        List<ScoringResult> scores = translator.scoreBatch(SOURCE, target);
        assertEquals(List.of("t15", "t46", "t58", "</s>"), scores.get(0).tokens());
        assertEquals(List.of("t8", "</s>"), scores.get(1).tokens());
        assertTrue(scores.stream().flatMap(x -> x.logProbs().stream()).allMatch(p -> p < 0));
        assertEquals(scores.get(0).cumulatedScore() / 4, scores.get(0).normalizedScore(), 1e-6);
        List<ScoringResult> offset = translator.scoreBatch(SOURCE, target, ScoringOptions.builder().offset(1).build());
        assertEquals(scores.get(0).logProbs().subList(1, 4), offset.get(0).logProbs(), "offset skips the first tokens");
    }

    @Test
    void generatorResultsAndStreamsAgree() {
        List<String> prompt = List.of("<s>", "t5", "t9");
        TextGenerationOptions options = TextGenerationOptions.builder().maxLength(12).returnScores(true).build();
        TextGenerationResult withPrompt = generator.generateBatch(List.of(prompt), options).getFirst();
        // The start token begins decoding; the rest of the prompt is the result's beginning.
        assertEquals(prompt.subList(1, 3), withPrompt.sequences().getFirst().subList(0, 2));
        assertEquals(1, withPrompt.scores().size());
        TextGenerationResult without = generator.generateBatch(List.of(prompt),
                options.toBuilder().includePromptInResult(false).build()).getFirst();
        // max_length counts the prompt's tokens when the result includes them (CTranslate2's rule).
        List<String> generated = withPrompt.sequences().getFirst().subList(2, withPrompt.sequences().getFirst().size());
        assertEquals(generated, without.sequences().getFirst().subList(0, generated.size()));
        try (TokenStream stream = generator.generateTokens(prompt, options)) {
            List<GenerationStep> steps = new ArrayList<>();
            stream.forEachRemaining(steps::add);
            assertEquals(without.sequencesIds().getFirst(), withoutEnd(steps, generator.vocabulary().eosId()));
            assertTrue(steps.stream().allMatch(s -> s.logProb() != null && s.logProb() <= 0));
            for (int i = 0; i < steps.size(); i++) {
                assertEquals(i, steps.get(i).step());
            }
        }
        // A static prompt is the same as the same tokens at the start of the prompt.
        TextGenerationResult viaStatic = generator.generateBatch(List.of(List.of("t9")),
                TextGenerationOptions.builder().maxLength(12).includePromptInResult(false)
                        .staticPrompt(List.of("<s>", "t5")).build()).getFirst();
        assertEquals(without.sequences(), viaStatic.sequences());
    }

    @Test
    void generatorScoresEveryTokenAfterTheFirst() {
        List<ScoringResult> scores = generator.scoreBatch(List.of(List.of("<s>", "t5", "t9", "t16"), List.of("<s>", "t40")));
        assertEquals(List.of("t5", "t9", "t16"), scores.get(0).tokens());
        assertEquals(1, scores.get(1).logProbs().size());
        assertTrue(scores.get(0).logProbs().stream().allMatch(p -> p < 0));
    }

    @Test
    void encoderIgnoresPaddingAndHasAPooler() {
        List<String> longer = List.of("t5", "t9", "t12", "t20");
        List<String> shorter = List.of("t7");
        EncoderForwardOutput batch = encoder.forwardBatch(List.of(longer, shorter));
        EncoderForwardOutput alone = encoder.forwardBatch(List.of(shorter));
        assertEquals(2, batch.lastHiddenState().length);
        assertEquals(4, batch.lastHiddenState()[0].length);
        assertNotNull(batch.poolerOutput());
        float[] inBatch = batch.lastHiddenState()[1][0];
        float[] single = alone.lastHiddenState()[0][0];
        for (int i = 0; i < single.length; i++) {
            assertEquals(single[i], inBatch[i], 1e-5, "a padded sequence's state does not depend on its batch");
        }
        for (int i = 0; i < single.length; i++) {
            assertEquals(alone.poolerOutput()[0][i], batch.poolerOutput()[1][i], 1e-5);
        }
    }

    @Test
    void vocabularyLooksUpAsCTranslate2Does() {
        Vocabulary v = generator.vocabulary();
        assertEquals("<s>", v.token(v.bosId()));
        assertEquals("</s>", v.token(v.eosId()));
        assertEquals(v.unkId(), v.id("no-such-token"), "unknown strings read as the unknown token");
        assertArrayEquals(new int[] {v.id("t5"), v.unkId()}, v.ids(List.of("t5", "zzz")));
    }

    @Test
    void tokenizerJsonFeedsTheModelsAndDecodesTheirOutput() {
        try (TextTokenizer tokenizer = TextTokenizer.load(model("generator"))) {
            List<String> tokens = tokenizer.tokenize("t5 t9  t12", false);
            assertEquals(List.of("t5", "t9", "t12"), tokens);
            assertArrayEquals(generator.vocabulary().ids(tokens), tokenizer.encode("t5 t9  t12", false),
                    "the tokenizer's ids are the model's");
            List<String> prompt = new ArrayList<>(List.of("<s>"));
            prompt.addAll(tokens);
            TextGenerationResult r = generator.generateBatch(List.of(prompt), TextGenerationOptions.builder()
                    .maxLength(6).includePromptInResult(false).build()).getFirst();
            assertEquals(String.join(" ", r.sequences().getFirst()), tokenizer.decode(r.sequencesIds().getFirst()));
        }
        assertThrows(java.io.UncheckedIOException.class, () -> TextTokenizer.load(Path.of("/nonexistent/tokenizer.json")));
    }

    // ---- bad input: a clear exception, the JVM alive -------------------------------------------

    private static void assertRefused(String expected, Runnable call) {
        RuntimeException e = assertThrows(RuntimeException.class, call::run);
        assertTrue(e instanceof IllegalArgumentException
                        || e instanceof EngineException ee && ee.kind() == EngineException.Kind.INVALID_ARGUMENT,
                "unexpected " + e);
        assertTrue(e.getMessage().contains(expected), "'" + expected + "' not in: " + e.getMessage());
    }

    @Test
    void outOfVocabularyIdsAreRefused() {
        int size = translator.sourceVocabulary().size();
        assertRefused("token id " + size, () -> translator.translateBatch(new int[][] {{5, size}}, null,
                TranslationOptions.defaults()));
        assertRefused("token id -1", () -> generator.generateBatch(new int[][] {{1, -1}}, TextGenerationOptions.defaults()));
        assertRefused("token id 100000", () -> encoder.forwardBatch(new int[][] {{100000}}));
        assertRefused("token id 99999", () -> translator.scoreBatch(new int[][] {{5}}, new int[][] {{99999}},
                ScoringOptions.defaults()));
        assertRefused("token id 4242", () -> generator.generateTokens(new int[][] {{1, 4242}},
                TextGenerationOptions.defaults()).forEachRemaining(s -> {}));
    }

    @Test
    void emptyBatchesAreRefused() {
        assertRefused("the batch is empty", () -> translator.translateBatch(List.of()));
        assertRefused("the batch is empty", () -> generator.generateBatch(List.of()));
        assertRefused("the batch is empty", () -> generator.scoreBatch(List.of()));
        assertRefused("the batch is empty", () -> encoder.forwardBatch(List.of()));
        assertRefused("start_tokens[0] is empty", () -> generator.generateBatch(List.of(List.of())));
        assertRefused("input[1] is empty", () -> encoder.forwardBatch(List.of(List.of("t5"), List.of())));
        int[] tooLong = new int[65];
        java.util.Arrays.fill(tooLong, 5);
        assertRefused("input[0] has 65 tokens, more than the model's 64 positions",
                () -> encoder.forwardBatch(new int[][] {tooLong}));
    }

    @Test
    void maxLengthZeroIsRefused() {
        assertRefused("max_decoding_length", () -> translator.translateBatch(SOURCE,
                TranslationOptions.builder().maxDecodingLength(0).build()));
        assertRefused("max_length", () -> generator.generateBatch(List.of(List.of("<s>")),
                TextGenerationOptions.builder().maxLength(0).build()));
        assertRefused("max_length", () -> generator.generateTokens(List.of("<s>"),
                TextGenerationOptions.builder().maxLength(0).build()).forEachRemaining(s -> {}));
    }

    @Test
    void inconsistentPrefixAndTargetBatchesAreRefused() {
        assertRefused("target_prefix has 1 sequences but source has 2", () -> translator.translateBatch(SOURCE,
                List.of(List.of("t5")), TranslationOptions.defaults()));
        assertRefused("target has 3 sequences but source has 2", () -> translator.scoreBatch(SOURCE,
                List.of(List.of("t5"), List.of("t6"), List.of("t7"))));
    }

    @Test
    void badOptionsAreRefused() {
        assertRefused("patience", () -> translator.translateBatch(SOURCE, TranslationOptions.builder()
                .patience(Float.NaN).build()));
        assertRefused("sampling_temperature", () -> generator.generateBatch(List.of(List.of("<s>")),
                TextGenerationOptions.builder().samplingTemperature(-1).build()));
        assertRefused("sampling_topp", () -> generator.generateBatch(List.of(List.of("<s>")),
                TextGenerationOptions.builder().samplingTopp(0).build()));
        assertRefused("beam_size", () -> translator.translateBatch(SOURCE, TranslationOptions.builder()
                .beamSize(100000).build()));
        assertRefused("min_decoding_length", () -> translator.translateBatch(SOURCE, TranslationOptions.builder()
                .minDecodingLength(10).maxDecodingLength(5).build()));
        assertRefused("end_token 'nope'", () -> generator.generateBatch(List.of(List.of("<s>")),
                TextGenerationOptions.builder().endToken("nope").build()));
        assertRefused("offset", () -> translator.scoreBatch(SOURCE, SOURCE, ScoringOptions.builder().offset(-1).build()));
        assertRefused("number of hypotheses", () -> translator.translateBatch(SOURCE, TranslationOptions.builder()
                .beamSize(2).numHypotheses(5).build()));
        // The models still work afterwards.
        assertEquals(2, translator.translateBatch(SOURCE).size());
    }

    @Test
    void aModelOfAnotherKindIsRefused() {
        assertRefused("cannot load generator", () -> Generator.load(model("translator"), ONE_THREAD));
        assertRefused("cannot load translator", () -> Translator.load(model("generator"), ONE_THREAD));
        EngineException missing = assertThrows(EngineException.class, () -> Encoder.load(Path.of("/nonexistent")));
        assertEquals(EngineException.Kind.NOT_FOUND, missing.kind());
    }

    // ---- lifetime ------------------------------------------------------------------------------

    /** A generation that only a stop ends: 100000 steps, no end token allowed before them. */
    private static final TextGenerationOptions ENDLESS = TextGenerationOptions.builder().maxLength(100_000)
            .minLength(100_000).build();

    @Test
    void callsAfterCloseThrowIllegalStateException() {
        Translator t = Translator.load(model("translator"), ONE_THREAD);
        Generator g = Generator.load(model("generator"), ONE_THREAD);
        Encoder e = Encoder.load(model("encoder"), ONE_THREAD);
        t.close();
        g.close();
        e.close();
        t.close(); // idempotent
        assertTrue(assertThrows(IllegalStateException.class, () -> t.translateBatch(SOURCE)).getMessage()
                .contains("is closed"));
        assertThrows(IllegalStateException.class, () -> t.scoreBatch(SOURCE, SOURCE));
        assertThrows(IllegalStateException.class, () -> g.generateBatch(List.of(List.of("<s>"))));
        assertThrows(IllegalStateException.class, () -> g.generateTokens(List.of("<s>"), ENDLESS));
        assertThrows(IllegalStateException.class, () -> e.forwardBatch(List.of(List.of("t5"))));
        assertThrows(IllegalStateException.class, () -> g.unload(false));
        assertThrows(IllegalStateException.class, () -> e.loadWeights(false));
        assertThrows(IllegalStateException.class, t::isLoaded);
    }

    /**
     * The pool holds no batch. CTranslate2 counts a batch out when its job is freed, just after the
     * result reaches the caller, so the count may lag a returned call by a moment: wait for it, bounded.
     */
    private static void assertPoolDrains(TextModel model) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (model.activeBatches() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, model.activeBatches(), "batches still in CTranslate2's pool 5 s after the call returned");
    }

    @Test
    void closingAStreamStopsItsGeneration() {
        try (TokenStream stream = generator.generateTokens(List.of("<s>", "t5"), ENDLESS)) {
            assertTrue(stream.hasNext());
            stream.next();
            stream.close(); // returns once the generation has stopped
            assertTrue(stream.decodedSteps() < 100_000, "stopped after " + stream.decodedSteps());
            assertFalse(stream.hasNext());
        }
        assertPoolDrains(generator);
        assertEquals(0, generator.openStreams());
        // Stream.close() too.
        try (var steps = generator.generateTokens(List.of("<s>"), ENDLESS).stream()) {
            assertEquals(5, steps.limit(5).count());
        }
        assertEquals(0, generator.openStreams());
    }

    @Test
    void closingTheModelDuringAStreamFailsItsNextRead() throws Exception {
        Generator g = Generator.load(model("generator"), ONE_THREAD);
        TokenStream stream = g.generateTokens(List.of("<s>", "t5"), ENDLESS);
        assertTrue(stream.hasNext());
        stream.next();
        // close() stops the generation and waits for it: it returns, and the stream fails cleanly.
        CompletableFuture.runAsync(g::close).get(60, TimeUnit.SECONDS);
        assertTrue(g.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, stream::hasNext);
        assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        assertTrue(stream.decodedSteps() < 100_000);
        stream.close();

        Translator t = Translator.load(model("translator"), ONE_THREAD);
        TokenStream translating = t.generateTokens(SOURCE.getFirst(), null, TranslationOptions.builder()
                .maxDecodingLength(100_000).minDecodingLength(100_000).build());
        translating.next();
        t.close();
        assertThrows(IllegalStateException.class, translating::next);
    }

    @Test
    void unloadIsNeverASilentNoOp() {
        Generator g = Generator.load(model("generator"), ONE_THREAD);
        try {
            List<TextGenerationResult> before = g.generateBatch(List.of(List.of("<s>", "t5")),
                    TextGenerationOptions.builder().maxLength(8).build());
            try (TokenStream stream = g.generateTokens(List.of("<s>"), ENDLESS)) {
                stream.next(); // the generation is in flight
                assertThrows(ModelBusyException.class, () -> g.unload(false, BusyPolicy.FAIL));
                assertTrue(g.isLoaded());
            }
            g.unload(true);
            assertFalse(g.isLoaded());
            EngineException e = assertThrows(EngineException.class, () -> g.generateBatch(List.of(List.of("<s>"))));
            assertEquals(EngineException.Kind.NOT_LOADED, e.kind());
            assertEquals(EngineException.Kind.NOT_LOADED, assertThrows(EngineException.class,
                    () -> g.generateTokens(List.of("<s>"), ENDLESS).hasNext()).kind());
            assertEquals("</s>", g.vocabulary().token(g.vocabulary().eosId()), "the vocabulary stays readable");
            g.loadWeights(false);
            assertEquals(before, g.generateBatch(List.of(List.of("<s>", "t5")),
                    TextGenerationOptions.builder().maxLength(8).build()));
            g.unload(false, BusyPolicy.FAIL);
            g.loadWeights(true); // from the files
            assertEquals(before, g.generateBatch(List.of(List.of("<s>", "t5")),
                    TextGenerationOptions.builder().maxLength(8).build()));
        } finally {
            g.close();
        }
    }

    @Test
    void unloadWaitsForAStreamToEnd() throws Exception {
        Encoder e = Encoder.load(model("encoder"), ONE_THREAD);
        e.unload(false, BusyPolicy.FAIL);
        e.loadWeights(false);
        assertEquals(1, e.forwardBatch(List.of(List.of("t5"))).lastHiddenState().length);
        e.close();

        Generator g = Generator.load(model("generator"), ONE_THREAD);
        TokenStream stream = g.generateTokens(List.of("<s>"), TextGenerationOptions.builder().maxLength(50).build());
        stream.next();
        g.unload(false, BusyPolicy.WAIT); // waits until the 50 steps have been decoded
        assertFalse(g.isLoaded());
        List<GenerationStep> rest = new ArrayList<>();
        stream.forEachRemaining(rest::add);
        assertTrue(rest.getLast().isLast(), rest.stream().map(GenerationStep::token).collect(Collectors.joining(" ")));
        g.close();
    }
}
