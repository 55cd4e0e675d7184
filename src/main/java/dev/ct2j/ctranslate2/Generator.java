package dev.ct2j.ctranslate2;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.bindings.ct2j_text_generation_options;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.engine.Status;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CTranslate2's {@code ctranslate2.Generator}: a decoder-only language model (Llama-family,
 * GPT-style, ...). {@code generateBatch} is {@code generate_batch}, {@code generateTokens} is
 * {@code generate_tokens}, {@code scoreBatch} is {@code score_batch}. Start tokens include the
 * model's start token when it expects one ({@code <s>}), as in Python. Token strings that the
 * vocabulary does not have are read as its unknown token; ids outside it are refused.
 * Lifetime: {@link TextModel}.
 */
public final class Generator extends TextModel {
    private final Vocabulary vocabulary;

    private Generator(MemorySegment handle, Path directory) {
        super("Generator", handle, directory, ct2j_h::ct2j_generator_free,
                readString(ct2j_h.ct2j_generator_compute_type(handle)), ct2j_h.ct2j_generator_num_replicas(handle));
        this.vocabulary = Vocabulary.read(ct2j_h.ct2j_generator_vocabulary(handle));
    }

    /** Loads a converted model directory on the CPU (CTranslate2's Python defaults). */
    public static Generator load(Path directory) {
        return load(directory, CPU);
    }

    public static Generator load(Path directory, ModelOptions options) {
        return new Generator(loadHandle("generator", directory, options, ct2j_h::ct2j_generator_load), directory);
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    // ---- generate_batch ------------------------------------------------------------------------

    public List<TextGenerationResult> generateBatch(List<List<String>> startTokens) {
        return generateBatch(startTokens, TextGenerationOptions.defaults());
    }

    public List<TextGenerationResult> generateBatch(List<List<String>> startTokens, TextGenerationOptions options) {
        return generateBatch(NativeBatch.ids(vocabulary, startTokens, "start_tokens"), options);
    }

    public List<TextGenerationResult> generateBatch(int[][] startTokens, TextGenerationOptions options) {
        requireOptions(options);
        return call(() -> {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment out = call.allocate(ValueLayout.ADDRESS);
                Status.check(generate(call, startTokens, options(call, options, MemorySegment.NULL), out),
                        "generate_batch failed");
                return readGeneration(out.get(ValueLayout.ADDRESS, 0));
            }
        });
    }

    private int generate(Arena call, int[][] startTokens, MemorySegment options, MemorySegment out) {
        NativeBatch start = NativeBatch.of(call, startTokens, "start_tokens");
        return ct2j_h.ct2j_generator_generate_batch(handle, start.size(), start.ids(), start.lengths(), options, out);
    }

    // ---- generate_tokens -----------------------------------------------------------------------

    /**
     * {@code generate_tokens(prompt, ...)}: tokens as they are decoded. As in Python, decoding is
     * greedy or sampled ({@code beamSize} is taken as 1) and {@code returnScores} is
     * {@code return_log_prob}.
     */
    public TokenStream generateTokens(List<String> prompt, TextGenerationOptions options) {
        if (prompt == null) {
            throw new IllegalArgumentException("prompt must not be null");
        }
        return generateTokens(new int[][] {vocabulary.ids(prompt)}, options);
    }

    /** {@code generate_tokens} over a batch of prompts (steps carry their {@code batchId}). */
    public TokenStream generateTokens(int[][] prompts, TextGenerationOptions options) {
        TextGenerationOptions greedy = requireOptions(options).toBuilder().beamSize(1).includePromptInResult(false)
                .build();
        return TokenStream.start(this, vocabulary, callback -> {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment out = call.allocate(ValueLayout.ADDRESS);
                Status.check(generate(call, prompts, options(call, greedy, callback), out), "generate_tokens failed");
                ct2j_h.ct2j_generation_free(out.get(ValueLayout.ADDRESS, 0));
                return null;
            }
        });
    }

    // ---- score_batch ---------------------------------------------------------------------------

    public List<ScoringResult> scoreBatch(List<List<String>> tokens) {
        return scoreBatch(tokens, ScoringOptions.defaults());
    }

    public List<ScoringResult> scoreBatch(List<List<String>> tokens, ScoringOptions options) {
        return scoreBatch(NativeBatch.ids(vocabulary, tokens, "tokens"), options);
    }

    public List<ScoringResult> scoreBatch(int[][] tokens, ScoringOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        return call(() -> {
            try (Arena call = Arena.ofConfined()) {
                NativeBatch batch = NativeBatch.of(call, tokens, "tokens");
                MemorySegment out = call.allocate(ValueLayout.ADDRESS);
                Status.check(ct2j_h.ct2j_generator_score_batch(handle, batch.size(), batch.ids(), batch.lengths(),
                        Translator.scoringOptions(call, options), out), "score_batch failed");
                return Translator.readScoring(out.get(ValueLayout.ADDRESS, 0), vocabulary);
            }
        });
    }

    // ---- native structs and results -----------------------------------------------------------

    private static TextGenerationOptions requireOptions(TextGenerationOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        return options;
    }

    private MemorySegment options(Arena call, TextGenerationOptions o, MemorySegment callback) {
        MemorySegment s = ct2j_h.ct2j_text_generation_default_options(call);
        ct2j_text_generation_options.beam_size(s, o.beamSize());
        ct2j_text_generation_options.patience(s, o.patience());
        ct2j_text_generation_options.length_penalty(s, o.lengthPenalty());
        ct2j_text_generation_options.repetition_penalty(s, o.repetitionPenalty());
        ct2j_text_generation_options.no_repeat_ngram_size(s, o.noRepeatNgramSize());
        ct2j_text_generation_options.disable_unk(s, o.disableUnk());
        ct2j_text_generation_options.max_length(s, o.maxLength());
        ct2j_text_generation_options.min_length(s, o.minLength());
        ct2j_text_generation_options.sampling_topk(s, o.samplingTopk());
        ct2j_text_generation_options.sampling_topp(s, o.samplingTopp());
        ct2j_text_generation_options.sampling_temperature(s, o.samplingTemperature());
        ct2j_text_generation_options.num_hypotheses(s, o.numHypotheses());
        ct2j_text_generation_options.return_scores(s, o.returnScores());
        ct2j_text_generation_options.return_alternatives(s, o.returnAlternatives());
        ct2j_text_generation_options.return_end_token(s, o.returnEndToken());
        ct2j_text_generation_options.min_alternative_expansion_prob(s, o.minAlternativeExpansionProb());
        ct2j_text_generation_options.include_prompt_in_result(s, o.includePromptInResult());
        int[] prompt = vocabulary.ids(o.staticPrompt());
        ct2j_text_generation_options.static_prompt(s, call.allocateFrom(ValueLayout.JAVA_INT, prompt));
        ct2j_text_generation_options.static_prompt_length(s, prompt.length);
        ct2j_text_generation_options.cache_static_prompt(s, o.cacheStaticPrompt());
        int[] end = NativeBatch.endTokens(vocabulary, o.endToken());
        ct2j_text_generation_options.end_token(s, call.allocateFrom(ValueLayout.JAVA_INT, end));
        ct2j_text_generation_options.num_end_tokens(s, end.length);
        if (!o.suppressSequences().isEmpty()) {
            NativeBatch suppress = NativeBatch.of(call, NativeBatch.ids(vocabulary, o.suppressSequences(),
                    "suppress_sequences"), "suppress_sequences");
            ct2j_text_generation_options.suppress_ids(s, suppress.ids());
            ct2j_text_generation_options.suppress_lengths(s, suppress.lengths());
            ct2j_text_generation_options.num_suppress_sequences(s, suppress.size());
        }
        ct2j_text_generation_options.max_batch_size(s, o.maxBatchSize());
        ct2j_text_generation_options.batch_type(s, o.batchType().code());
        ct2j_text_generation_options.callback(s, callback);
        return s;
    }

    private List<TextGenerationResult> readGeneration(MemorySegment generation) {
        try (Arena read = Arena.ofConfined()) {
            MemorySegment length = read.allocate(ValueLayout.JAVA_LONG);
            int batch = (int) ct2j_h.ct2j_generation_batch_size(generation);
            List<TextGenerationResult> results = new ArrayList<>(batch);
            for (int b = 0; b < batch; b++) {
                int count = (int) ct2j_h.ct2j_generation_num_hypotheses(generation, b);
                List<List<String>> sequences = new ArrayList<>(count);
                List<List<Integer>> ids = new ArrayList<>(count);
                List<Float> scores = new ArrayList<>();
                for (int h = 0; h < count; h++) {
                    int[] values = NativeBatch.readInts(ct2j_h.ct2j_generation_ids(generation, b, h, length), length);
                    sequences.add(vocabulary.tokens(values));
                    ids.add(NativeBatch.boxed(values));
                    float score = ct2j_h.ct2j_generation_score(generation, b, h);
                    if (!Float.isNaN(score)) {
                        scores.add(score);
                    }
                }
                results.add(new TextGenerationResult(sequences, ids, scores));
            }
            return List.copyOf(results);
        } finally {
            ct2j_h.ct2j_generation_free(generation);
        }
    }

    @Override
    int nativeUnload(boolean toCpu, int busyPolicy) {
        return ct2j_h.ct2j_generator_unload(handle, toCpu, busyPolicy);
    }

    @Override
    int nativeLoadWeights(boolean keepCache) {
        return ct2j_h.ct2j_generator_load_weights(handle, keepCache);
    }

    @Override
    boolean nativeIsLoaded() {
        return ct2j_h.ct2j_generator_is_loaded(handle);
    }

    @Override
    int nativeActiveBatches() {
        return ct2j_h.ct2j_generator_num_active_batches(handle);
    }
}
