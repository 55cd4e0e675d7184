package dev.ct2j.ctranslate2;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.bindings.ct2j_scoring_options;
import dev.ct2j.bindings.ct2j_translation_options;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.engine.Status;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CTranslate2's {@code ctranslate2.Translator}: an encoder-decoder model (OPUS-MT, NLLB, M2M,
 * T5, ...). Tokens in, tokens out, as in Python: {@code translateBatch} is {@code translate_batch},
 * {@code scoreBatch} is {@code score_batch}, {@code generateTokens} is {@code generate_tokens}.
 * Token strings that the vocabulary does not have are read as its unknown token, as CTranslate2
 * does; ids outside it are refused. Lifetime: {@link TextModel}.
 */
public final class Translator extends TextModel {
    private final Vocabulary sourceVocabulary;
    private final Vocabulary targetVocabulary;

    private Translator(MemorySegment handle, Path directory) {
        super("Translator", handle, directory, ct2j_h::ct2j_translator_free,
                readString(ct2j_h.ct2j_translator_compute_type(handle)), ct2j_h.ct2j_translator_num_replicas(handle));
        this.sourceVocabulary = Vocabulary.read(ct2j_h.ct2j_translator_source_vocabulary(handle));
        this.targetVocabulary = Vocabulary.read(ct2j_h.ct2j_translator_target_vocabulary(handle));
    }

    /** Loads a converted model directory on the CPU (CTranslate2's Python defaults). */
    public static Translator load(Path directory) {
        return load(directory, CPU);
    }

    public static Translator load(Path directory, ModelOptions options) {
        MemorySegment handle = loadHandle("translator", directory, options, ct2j_h::ct2j_translator_load);
        return new Translator(handle, directory);
    }

    public Vocabulary sourceVocabulary() {
        return sourceVocabulary;
    }

    public Vocabulary targetVocabulary() {
        return targetVocabulary;
    }

    // ---- translate_batch -----------------------------------------------------------------------

    public List<TranslationResult> translateBatch(List<List<String>> source) {
        return translateBatch(source, null, TranslationOptions.defaults());
    }

    public List<TranslationResult> translateBatch(List<List<String>> source, TranslationOptions options) {
        return translateBatch(source, null, options);
    }

    /**
     * @param targetPrefix null, or one prefix per source sequence (a null or empty one: no prefix)
     */
    public List<TranslationResult> translateBatch(List<List<String>> source, List<List<String>> targetPrefix,
                                                  TranslationOptions options) {
        return translateBatch(NativeBatch.ids(sourceVocabulary, source, "source"),
                targetPrefix == null ? null : NativeBatch.optionalIds(targetVocabulary, targetPrefix), options);
    }

    /** {@code translate_batch} on token ids (source ids of the source vocabulary, prefix ids of the target's). */
    public List<TranslationResult> translateBatch(int[][] source, int[][] targetPrefix, TranslationOptions options) {
        requireOptions(options);
        return call(() -> {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment out = call.allocate(ValueLayout.ADDRESS);
                Status.check(translate(call, source, targetPrefix, options(call, options, MemorySegment.NULL), out),
                        "translate_batch failed");
                MemorySegment translation = out.get(ValueLayout.ADDRESS, 0);
                try {
                    return readTranslation(translation);
                } finally {
                    ct2j_h.ct2j_translation_free(translation);
                }
            }
        });
    }

    private int translate(Arena call, int[][] source, int[][] targetPrefix, MemorySegment options, MemorySegment out) {
        NativeBatch src = NativeBatch.of(call, source, "source");
        if (targetPrefix == null) {
            return ct2j_h.ct2j_translator_translate_batch(handle, src.size(), src.ids(), src.lengths(), 0,
                    MemorySegment.NULL, MemorySegment.NULL, options, out);
        }
        NativeBatch prefix = NativeBatch.of(call, targetPrefix, "target_prefix");
        return ct2j_h.ct2j_translator_translate_batch(handle, src.size(), src.ids(), src.lengths(), prefix.size(),
                prefix.ids(), prefix.lengths(), options, out);
    }

    // ---- generate_tokens -----------------------------------------------------------------------

    /**
     * {@code generate_tokens(source, target_prefix, ...)}: the tokens of one translation as they
     * are decoded. As in Python, decoding is greedy or sampled ({@code beamSize} is taken as 1);
     * {@code returnScores} is Python's {@code return_log_prob}.
     *
     * @param targetPrefix null or a prefix
     */
    public TokenStream generateTokens(List<String> source, List<String> targetPrefix, TranslationOptions options) {
        if (source == null) {
            throw new IllegalArgumentException("source must not be null");
        }
        int[][] src = {sourceVocabulary.ids(source)};
        int[][] prefix = targetPrefix == null ? null : new int[][] {targetVocabulary.ids(targetPrefix)};
        TranslationOptions greedy = requireOptions(options).toBuilder().beamSize(1).build();
        return TokenStream.start(this, targetVocabulary, callback -> {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment out = call.allocate(ValueLayout.ADDRESS);
                Status.check(translate(call, src, prefix, options(call, greedy, callback), out), "generate_tokens failed");
                ct2j_h.ct2j_translation_free(out.get(ValueLayout.ADDRESS, 0));
                return null;
            }
        });
    }

    // ---- score_batch ---------------------------------------------------------------------------

    public List<ScoringResult> scoreBatch(List<List<String>> source, List<List<String>> target) {
        return scoreBatch(source, target, ScoringOptions.defaults());
    }

    public List<ScoringResult> scoreBatch(List<List<String>> source, List<List<String>> target, ScoringOptions options) {
        return scoreBatch(NativeBatch.ids(sourceVocabulary, source, "source"),
                NativeBatch.ids(targetVocabulary, target, "target"), options);
    }

    public List<ScoringResult> scoreBatch(int[][] source, int[][] target, ScoringOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        return call(() -> {
            try (Arena call = Arena.ofConfined()) {
                NativeBatch src = NativeBatch.of(call, source, "source");
                NativeBatch tgt = NativeBatch.of(call, target, "target");
                MemorySegment out = call.allocate(ValueLayout.ADDRESS);
                Status.check(ct2j_h.ct2j_translator_score_batch(handle, src.size(), src.ids(), src.lengths(), tgt.size(),
                        tgt.ids(), tgt.lengths(), scoringOptions(call, options), out), "score_batch failed");
                return readScoring(out.get(ValueLayout.ADDRESS, 0), targetVocabulary);
            }
        });
    }

    // ---- native structs and results -----------------------------------------------------------

    private static TranslationOptions requireOptions(TranslationOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        return options;
    }

    private MemorySegment options(Arena call, TranslationOptions o, MemorySegment callback) {
        MemorySegment s = ct2j_h.ct2j_translation_default_options(call);
        ct2j_translation_options.beam_size(s, o.beamSize());
        ct2j_translation_options.patience(s, o.patience());
        ct2j_translation_options.length_penalty(s, o.lengthPenalty());
        ct2j_translation_options.coverage_penalty(s, o.coveragePenalty());
        ct2j_translation_options.repetition_penalty(s, o.repetitionPenalty());
        ct2j_translation_options.no_repeat_ngram_size(s, o.noRepeatNgramSize());
        ct2j_translation_options.disable_unk(s, o.disableUnk());
        ct2j_translation_options.prefix_bias_beta(s, o.prefixBiasBeta());
        ct2j_translation_options.max_input_length(s, o.maxInputLength());
        ct2j_translation_options.max_decoding_length(s, o.maxDecodingLength());
        ct2j_translation_options.min_decoding_length(s, o.minDecodingLength());
        ct2j_translation_options.use_vmap(s, o.useVmap());
        ct2j_translation_options.sampling_topk(s, o.samplingTopk());
        ct2j_translation_options.sampling_topp(s, o.samplingTopp());
        ct2j_translation_options.sampling_temperature(s, o.samplingTemperature());
        ct2j_translation_options.num_hypotheses(s, o.numHypotheses());
        ct2j_translation_options.return_scores(s, o.returnScores());
        ct2j_translation_options.return_attention(s, o.returnAttention());
        ct2j_translation_options.return_alternatives(s, o.returnAlternatives());
        ct2j_translation_options.return_end_token(s, o.returnEndToken());
        ct2j_translation_options.min_alternative_expansion_prob(s, o.minAlternativeExpansionProb());
        int[] end = NativeBatch.endTokens(targetVocabulary, o.endToken());
        ct2j_translation_options.end_token(s, call.allocateFrom(ValueLayout.JAVA_INT, end));
        ct2j_translation_options.num_end_tokens(s, end.length);
        if (!o.suppressSequences().isEmpty()) {
            NativeBatch suppress = NativeBatch.of(call, NativeBatch.ids(targetVocabulary, o.suppressSequences(),
                    "suppress_sequences"), "suppress_sequences");
            ct2j_translation_options.suppress_ids(s, suppress.ids());
            ct2j_translation_options.suppress_lengths(s, suppress.lengths());
            ct2j_translation_options.num_suppress_sequences(s, suppress.size());
        }
        ct2j_translation_options.max_batch_size(s, o.maxBatchSize());
        ct2j_translation_options.batch_type(s, o.batchType().code());
        ct2j_translation_options.callback(s, callback);
        return s;
    }

    static MemorySegment scoringOptions(Arena call, ScoringOptions o) {
        MemorySegment s = ct2j_h.ct2j_scoring_default_options(call);
        ct2j_scoring_options.max_input_length(s, o.maxInputLength());
        ct2j_scoring_options.offset(s, o.offset());
        ct2j_scoring_options.max_batch_size(s, o.maxBatchSize());
        ct2j_scoring_options.batch_type(s, o.batchType().code());
        return s;
    }

    static List<ScoringResult> readScoring(MemorySegment scoring, Vocabulary vocabulary) {
        try (Arena read = Arena.ofConfined()) {
            MemorySegment length = read.allocate(ValueLayout.JAVA_LONG);
            int batch = (int) ct2j_h.ct2j_scoring_batch_size(scoring);
            List<ScoringResult> results = new ArrayList<>(batch);
            for (int b = 0; b < batch; b++) {
                int[] ids = NativeBatch.readInts(ct2j_h.ct2j_scoring_ids(scoring, b, length), length);
                MemorySegment probs = ct2j_h.ct2j_scoring_log_probs(scoring, b, length);
                float[] logProbs = NativeBatch.readFloats(probs, length.get(ValueLayout.JAVA_LONG, 0));
                results.add(new ScoringResult(vocabulary.tokens(ids), NativeBatch.boxed(ids), NativeBatch.boxed(logProbs)));
            }
            return List.copyOf(results);
        } finally {
            ct2j_h.ct2j_scoring_free(scoring);
        }
    }

    private List<TranslationResult> readTranslation(MemorySegment translation) {
        try (Arena read = Arena.ofConfined()) {
            MemorySegment length = read.allocate(ValueLayout.JAVA_LONG);
            MemorySegment rows = read.allocate(ValueLayout.JAVA_LONG);
            MemorySegment cols = read.allocate(ValueLayout.JAVA_LONG);
            int batch = (int) ct2j_h.ct2j_translation_batch_size(translation);
            List<TranslationResult> results = new ArrayList<>(batch);
            for (int b = 0; b < batch; b++) {
                int count = (int) ct2j_h.ct2j_translation_num_hypotheses(translation, b);
                List<List<String>> hypotheses = new ArrayList<>(count);
                List<List<Integer>> hypothesesIds = new ArrayList<>(count);
                List<Float> scores = new ArrayList<>();
                List<List<List<Float>>> attention = new ArrayList<>();
                for (int h = 0; h < count; h++) {
                    int[] ids = NativeBatch.readInts(ct2j_h.ct2j_translation_ids(translation, b, h, length), length);
                    hypotheses.add(targetVocabulary.tokens(ids));
                    hypothesesIds.add(NativeBatch.boxed(ids));
                    float score = ct2j_h.ct2j_translation_score(translation, b, h);
                    if (!Float.isNaN(score)) {
                        scores.add(score);
                    }
                    MemorySegment matrix = ct2j_h.ct2j_translation_attention(translation, b, h, rows, cols);
                    if (!matrix.equals(MemorySegment.NULL)) {
                        int r = (int) rows.get(ValueLayout.JAVA_LONG, 0);
                        int c = (int) cols.get(ValueLayout.JAVA_LONG, 0);
                        float[] values = NativeBatch.readFloats(matrix, (long) r * c);
                        List<List<Float>> hypothesisAttention = new ArrayList<>(r);
                        for (int i = 0; i < r; i++) {
                            float[] row = new float[c];
                            System.arraycopy(values, i * c, row, 0, c);
                            hypothesisAttention.add(NativeBatch.boxed(row));
                        }
                        attention.add(List.copyOf(hypothesisAttention));
                    }
                }
                results.add(new TranslationResult(hypotheses, hypothesesIds, scores, attention));
            }
            return List.copyOf(results);
        }
    }

    @Override
    int nativeUnload(boolean toCpu, int busyPolicy) {
        return ct2j_h.ct2j_translator_unload(handle, toCpu, busyPolicy);
    }

    @Override
    int nativeLoadWeights(boolean keepCache) {
        return ct2j_h.ct2j_translator_load_weights(handle, keepCache);
    }

    @Override
    boolean nativeIsLoaded() {
        return ct2j_h.ct2j_translator_is_loaded(handle);
    }

    @Override
    int nativeActiveBatches() {
        return ct2j_h.ct2j_translator_num_active_batches(handle);
    }
}
