package dev.ct2j.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ct2j.ctranslate2.BatchType;
import dev.ct2j.ctranslate2.Encoder;
import dev.ct2j.ctranslate2.EncoderForwardOutput;
import dev.ct2j.ctranslate2.GenerationStep;
import dev.ct2j.ctranslate2.Generator;
import dev.ct2j.ctranslate2.ScoringOptions;
import dev.ct2j.ctranslate2.ScoringResult;
import dev.ct2j.ctranslate2.TextGenerationOptions;
import dev.ct2j.ctranslate2.TextGenerationResult;
import dev.ct2j.ctranslate2.TextModel;
import dev.ct2j.ctranslate2.TokenStream;
import dev.ct2j.ctranslate2.TranslationOptions;
import dev.ct2j.ctranslate2.TranslationResult;
import dev.ct2j.ctranslate2.Translator;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.EngineRuntime;
import dev.ct2j.engine.ModelOptions;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The ct2j side of parity/check-ct2: runs every case of a CTranslate2 text-model manifest
 * (translate_batch, score_batch, generate_batch, generate_tokens, forward_batch, with Python's
 * keyword arguments) through dev.ct2j.ctranslate2 and writes {@code {"id", "result"}} or
 * {@code {"id", "error"}} per line, in the shape parity/ct2/reference.py writes. Models are loaded
 * as there: CPU, float32, one replica, one thread; a seeded case seeds, then loads a fresh model
 * (CTranslate2 seeds a worker's generator on its first sampling call).
 */
@Command(name = "ct2-parity-run", description = "Run a ct2 text-model parity manifest (used by parity/check-ct2).")
final class Ct2ParityRun implements Callable<Integer> {
    @Parameters(index = "0", description = "Manifest (JSON lines).")
    Path manifest;

    @Option(names = "--models", required = true, description = "Folder with translator/, generator/, encoder/.")
    Path models;

    @Option(names = "--out", required = true, description = "Where to write the results (JSON lines).")
    Path out;

    private static final ModelOptions OPTIONS = ModelOptions.builder().device(Device.CPU).computeType("float32")
            .interThreads(1).intraThreads(1).build();

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, TextModel> cache = new HashMap<>();
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode testCase = json.readTree(line);
                Map<String, Object> record = new LinkedHashMap<>();
                record.put("id", testCase.path("id").asText());
                try {
                    record.put("result", run(testCase, cache));
                } catch (RuntimeException e) {
                    record.put("error", e.getClass().getSimpleName() + ": " + Tools.oneLine(e));
                    System.err.println("[ct2-parity-run] " + record.get("id") + ": " + record.get("error"));
                }
                writer.write(json.writeValueAsString(record));
                writer.newLine();
            }
        } finally {
            cache.values().forEach(TextModel::close);
        }
        return 0;
    }

    private Object run(JsonNode testCase, Map<String, TextModel> cache) {
        String kind = testCase.path("model").asText();
        String call = testCase.path("call").asText();
        JsonNode args = testCase.path("args");
        if (testCase.has("seed")) {
            EngineRuntime.setRandomSeed(testCase.get("seed").asInt());
            try (TextModel model = load(kind)) {
                return dispatch(model, call, args);
            }
        }
        TextModel model = cache.get(kind);
        if (model == null) {
            model = load(kind);
            cache.put(kind, model);
        }
        return dispatch(model, call, args);
    }

    private TextModel load(String kind) {
        Path dir = models.resolve(kind);
        return switch (kind) {
            case "translator" -> Translator.load(dir, OPTIONS);
            case "generator" -> Generator.load(dir, OPTIONS);
            case "encoder" -> Encoder.load(dir, OPTIONS);
            default -> throw new IllegalArgumentException("unknown model '" + kind + "'");
        };
    }

    private static Object dispatch(TextModel model, String call, JsonNode args) {
        Map<String, JsonNode> kwargs = new LinkedHashMap<>();
        args.properties().forEach(e -> kwargs.put(e.getKey(), e.getValue()));
        if (model instanceof Translator t && call.equals("translate_batch")) {
            List<List<String>> source = tokenBatch(kwargs.remove("source"));
            JsonNode prefix = kwargs.remove("target_prefix");
            TranslationOptions options = translationOptions(kwargs);
            return translations(t.translateBatch(source, prefix == null || prefix.isNull() ? null : tokenBatch(prefix),
                    options), options);
        }
        if (model instanceof Translator t && call.equals("score_batch")) {
            List<List<String>> source = tokenBatch(kwargs.remove("source"));
            List<List<String>> target = tokenBatch(kwargs.remove("target"));
            return scores(t.scoreBatch(source, target, scoringOptions(kwargs)));
        }
        if (model instanceof Generator g && call.equals("generate_batch")) {
            List<List<String>> start = tokenBatch(kwargs.remove("start_tokens"));
            TextGenerationOptions options = generationOptions(kwargs, false);
            List<Map<String, Object>> out = new ArrayList<>();
            for (TextGenerationResult r : g.generateBatch(start, options)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("sequences", r.sequences());
                m.put("sequences_ids", r.sequencesIds());
                m.put("scores", options.returnScores() ? r.scores() : null);
                out.add(m);
            }
            return out;
        }
        if (model instanceof Generator g && call.equals("generate_tokens")) {
            JsonNode prompt = kwargs.remove("prompt");
            TextGenerationOptions options = generationOptions(kwargs, true);
            List<Map<String, Object>> out = new ArrayList<>();
            try (TokenStream stream = prompt.size() > 0 && prompt.get(0).isArray()
                    ? g.generateTokens(ids(g, tokenBatch(prompt)), options)
                    : g.generateTokens(tokens(prompt), options)) {
                while (stream.hasNext()) {
                    GenerationStep s = stream.next();
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("step", s.step());
                    m.put("batch_id", s.batchId());
                    m.put("token_id", s.tokenId());
                    m.put("hypothesis_id", s.hypothesisId());
                    m.put("token", s.token());
                    m.put("log_prob", options.returnScores() ? s.logProb() : null);
                    m.put("is_last", s.isLast());
                    out.add(m);
                }
            }
            return out;
        }
        if (model instanceof Generator g && call.equals("score_batch")) {
            List<List<String>> tokens = tokenBatch(kwargs.remove("tokens"));
            return scores(g.scoreBatch(tokens, scoringOptions(kwargs)));
        }
        if (model instanceof Encoder e && call.equals("forward_batch")) {
            JsonNode input = kwargs.remove("input");
            if (input == null) {
                input = kwargs.remove("inputs");
            }
            if (!kwargs.isEmpty()) {
                throw new IllegalArgumentException("unsupported forward_batch arguments " + kwargs.keySet());
            }
            EncoderForwardOutput output = e.forwardBatch(tokenBatch(input));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("last_hidden_state", output.lastHiddenState());
            m.put("pooler_output", output.poolerOutput());
            return m;
        }
        throw new IllegalArgumentException("no call '" + call + "' on " + model.describe());
    }

    private static int[][] ids(Generator g, List<List<String>> batch) {
        return batch.stream().map(s -> g.vocabulary().ids(s)).toArray(int[][]::new);
    }

    private static List<Map<String, Object>> translations(List<TranslationResult> results, TranslationOptions options) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (TranslationResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("hypotheses", r.hypotheses());
            m.put("scores", options.returnScores() ? r.scores() : null);
            m.put("attention", options.returnAttention() ? r.attention() : null);
            out.add(m);
        }
        return out;
    }

    private static List<Map<String, Object>> scores(List<ScoringResult> results) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ScoringResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tokens", r.tokens());
            m.put("log_probs", r.logProbs());
            out.add(m);
        }
        return out;
    }

    // ---- Python keyword arguments -> option records ---------------------------------------------

    private static List<String> tokens(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.forEach(t -> out.add(t.asText()));
        return out;
    }

    private static List<List<String>> tokenBatch(JsonNode node) {
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("expected a list of token lists, got " + node);
        }
        List<List<String>> out = new ArrayList<>();
        node.forEach(s -> out.add(s.isNull() ? null : tokens(s)));
        return out;
    }

    private static List<String> endToken(JsonNode node) {
        if (node.isNull()) {
            return List.of();
        }
        if (node.isTextual()) {
            return List.of(node.asText());
        }
        for (JsonNode t : node) {
            if (!t.isTextual()) {
                throw new IllegalArgumentException("end_token ids are not supported by this runner: " + node);
            }
        }
        return tokens(node);
    }

    private static BatchType batchType(JsonNode node) {
        return switch (node.asText()) {
            case "examples" -> BatchType.EXAMPLES;
            case "tokens" -> BatchType.TOKENS;
            default -> throw new IllegalArgumentException("Invalid batch type " + node.asText());
        };
    }

    private static float f(JsonNode v) {
        return (float) v.asDouble();
    }

    private static TranslationOptions translationOptions(Map<String, JsonNode> kwargs) {
        TranslationOptions.Builder b = TranslationOptions.builder();
        kwargs.forEach((key, v) -> {
            switch (key) {
                case "beam_size" -> b.beamSize(v.asInt());
                case "patience" -> b.patience(f(v));
                case "num_hypotheses" -> b.numHypotheses(v.asInt());
                case "length_penalty" -> b.lengthPenalty(f(v));
                case "coverage_penalty" -> b.coveragePenalty(f(v));
                case "repetition_penalty" -> b.repetitionPenalty(f(v));
                case "no_repeat_ngram_size" -> b.noRepeatNgramSize(v.asInt());
                case "disable_unk" -> b.disableUnk(v.asBoolean());
                case "suppress_sequences" -> b.suppressSequences(v.isNull() ? List.of() : tokenBatch(v));
                case "end_token" -> b.endToken(endToken(v));
                case "return_end_token" -> b.returnEndToken(v.asBoolean());
                case "prefix_bias_beta" -> b.prefixBiasBeta(f(v));
                case "max_input_length" -> b.maxInputLength(v.asInt());
                case "max_decoding_length" -> b.maxDecodingLength(v.asInt());
                case "min_decoding_length" -> b.minDecodingLength(v.asInt());
                case "use_vmap" -> b.useVmap(v.asBoolean());
                case "return_scores" -> b.returnScores(v.asBoolean());
                case "return_attention" -> b.returnAttention(v.asBoolean());
                case "return_alternatives" -> b.returnAlternatives(v.asBoolean());
                case "min_alternative_expansion_prob" -> b.minAlternativeExpansionProb(f(v));
                case "sampling_topk" -> b.samplingTopk(v.asInt());
                case "sampling_topp" -> b.samplingTopp(f(v));
                case "sampling_temperature" -> b.samplingTemperature(f(v));
                case "max_batch_size" -> b.maxBatchSize(v.asInt());
                case "batch_type" -> b.batchType(batchType(v));
                default -> throw new IllegalArgumentException("unsupported translate_batch argument '" + key + "'");
            }
        });
        return b.build();
    }

    private static TextGenerationOptions generationOptions(Map<String, JsonNode> kwargs, boolean tokens) {
        TextGenerationOptions.Builder b = TextGenerationOptions.builder();
        kwargs.forEach((key, v) -> {
            switch (key) {
                case "beam_size" -> b.beamSize(v.asInt());
                case "patience" -> b.patience(f(v));
                case "num_hypotheses" -> b.numHypotheses(v.asInt());
                case "length_penalty" -> b.lengthPenalty(f(v));
                case "repetition_penalty" -> b.repetitionPenalty(f(v));
                case "no_repeat_ngram_size" -> b.noRepeatNgramSize(v.asInt());
                case "disable_unk" -> b.disableUnk(v.asBoolean());
                case "suppress_sequences" -> b.suppressSequences(v.isNull() ? List.of() : tokenBatch(v));
                case "end_token" -> b.endToken(endToken(v));
                case "return_end_token" -> b.returnEndToken(v.asBoolean());
                case "max_length" -> b.maxLength(v.asInt());
                case "min_length" -> b.minLength(v.asInt());
                case "static_prompt" -> b.staticPrompt(v.isNull() ? List.of() : tokens(v));
                case "cache_static_prompt" -> b.cacheStaticPrompt(v.asBoolean());
                case "include_prompt_in_result" -> b.includePromptInResult(v.asBoolean());
                case "return_scores" -> b.returnScores(v.asBoolean());
                case "return_log_prob" -> {
                    if (!tokens) {
                        throw new IllegalArgumentException("return_log_prob is a generate_tokens argument");
                    }
                    b.returnScores(v.asBoolean());
                }
                case "return_alternatives" -> b.returnAlternatives(v.asBoolean());
                case "min_alternative_expansion_prob" -> b.minAlternativeExpansionProb(f(v));
                case "sampling_topk" -> b.samplingTopk(v.asInt());
                case "sampling_topp" -> b.samplingTopp(f(v));
                case "sampling_temperature" -> b.samplingTemperature(f(v));
                case "max_batch_size" -> b.maxBatchSize(v.asInt());
                case "batch_type" -> b.batchType(batchType(v));
                default -> throw new IllegalArgumentException("unsupported generator argument '" + key + "'");
            }
        });
        return b.build();
    }

    private static ScoringOptions scoringOptions(Map<String, JsonNode> kwargs) {
        ScoringOptions.Builder b = ScoringOptions.builder();
        kwargs.forEach((key, v) -> {
            switch (key) {
                case "max_input_length" -> b.maxInputLength(v.asInt());
                case "offset" -> b.offset(v.asInt());
                case "max_batch_size" -> b.maxBatchSize(v.asInt());
                case "batch_type" -> b.batchType(batchType(v));
                default -> throw new IllegalArgumentException("unsupported score_batch argument '" + key + "'");
            }
        });
        return b.build();
    }
}
