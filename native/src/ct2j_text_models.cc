// The C API over CTranslate2's Translator, Generator and Encoder (ct2j.h, "text models").
//
// The same two rules as ct2j.cc: every entry point runs inside guard() (no C++ exception leaves),
// and whatever CTranslate2 trusts is checked first. CTranslate2 takes tokens as strings and looks
// them up itself, so ids are checked against the vocabulary here and turned into its tokens; its
// options are checked where it would otherwise round a NaN or infinity into a size or a loop
// bound. The lifetime (unload/load/free, busy policy) is ReplicaHandle's, shared with Whisper.

#include "ct2j.h"
#include "handles.h"
#include "internal.h"

#include <cmath>
#include <exception>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include <ctranslate2/encoder.h>
#include <ctranslate2/generator.h>
#include <ctranslate2/models/language_model.h>
#include <ctranslate2/models/model_reader.h>
#include <ctranslate2/models/sequence_to_sequence.h>
#include <ctranslate2/translator.h>

namespace ct2 = ctranslate2;
using namespace ct2j_internal;

// ---- handles -----------------------------------------------------------------------------------

// A copy of a model's vocabulary: the model (and CTranslate2's Vocabulary with it) is gone while
// the weights are unloaded, and lookups must keep working then.
struct ct2j_vocabulary {
    std::vector<std::string> tokens;
    std::unordered_map<std::string, int32_t> ids;
    int32_t unk = -1, bos = -1, eos = -1;

    void assign(const ct2::Vocabulary &v) {
        tokens.clear();
        ids.clear();
        const size_t n = v.size();
        require(n <= static_cast<size_t>(std::numeric_limits<int32_t>::max()), "the vocabulary is too large");
        tokens.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            tokens.push_back(v.to_token(i));
            ids.emplace(tokens.back(), static_cast<int32_t>(i));
        }
        unk = find(v.unk_token());
        bos = find(v.bos_token());
        eos = find(v.eos_token());
    }

    int32_t find(const std::string &token) const {
        const auto it = ids.find(token);
        return it == ids.end() ? -1 : it->second;
    }

    size_t size() const { return tokens.size(); }
};

struct ct2j_translator : ReplicaHandle<ct2::Translator> {
    ct2j_vocabulary source, target;
    using ReplicaHandle::ReplicaHandle;
    void after_source_load(const std::vector<ModelPtr> &models) override;
};

struct ct2j_generator : ReplicaHandle<ct2::Generator> {
    ct2j_vocabulary vocabulary;
    using ReplicaHandle::ReplicaHandle;
    void after_source_load(const std::vector<ModelPtr> &models) override;
};

struct ct2j_encoder : ReplicaHandle<ct2::Encoder> {
    ct2j_vocabulary vocabulary;
    size_t max_positions = 0; // learned position encodings bound the input length; 0: none
    using ReplicaHandle::ReplicaHandle;
    void after_source_load(const std::vector<ModelPtr> &models) override;
};

struct ct2j_translation {
    struct Hypothesis {
        std::vector<int32_t> ids;
        float score = std::numeric_limits<float>::quiet_NaN();
        std::vector<float> attention; // rows x cols
        size_t rows = 0, cols = 0;
        bool has_attention = false;
    };
    std::vector<std::vector<Hypothesis>> items;
};

struct ct2j_scoring {
    struct Item {
        std::vector<int32_t> ids;
        std::vector<float> log_probs;
    };
    std::vector<Item> items;
};

namespace {

// ---- model checks --------------------------------------------------------------------------

// Token ids index the embeddings and the output projection: a vocabulary larger than them reads
// past their rows.
void check_rows(const ct2::models::Model &model, const char *const *names, size_t count, size_t vocabulary_size,
                const char *vocabulary_file) {
    for (size_t i = 0; i < count; ++i) {
        const auto *weight = model.get_variable_if_exists(names[i]);
        if (weight && weight->rank() >= 1 && vocabulary_size > static_cast<size_t>(weight->dim(0)))
            fail(CT2J_ERR_INVALID_ARGUMENT, std::string(vocabulary_file) + ": " + std::to_string(vocabulary_size) +
                                                " tokens, but model.bin's " + names[i] + " has " +
                                                std::to_string(weight->dim(0)) + " rows");
    }
}

const char *const kDecoderWeights[] = {"decoder/embeddings/weight", "decoder/projection/weight"};
const char *const kEncoderWeights[] = {"encoder/embeddings/weight", "encoder/embeddings_0/weight"};

void read_translator(ct2j_translator &t, const std::vector<ModelPtr> &models) {
    const auto *model = dynamic_cast<const ct2::models::SequenceToSequenceModel *>(models.front().get());
    if (!model)
        fail(CT2J_ERR_INVALID_ARGUMENT, "not a sequence-to-sequence (Translator) model");
    if (model->num_source_vocabularies() != 1)
        fail(CT2J_ERR_UNSUPPORTED, "models with " + std::to_string(model->num_source_vocabularies()) +
                                       " source vocabularies (source features) are not supported");
    ct2j_vocabulary source, target;
    source.assign(model->get_source_vocabulary(0));
    target.assign(model->get_target_vocabulary());
    require(source.size() > 0 && target.size() > 0, "vocabulary: the model has an empty vocabulary");
    check_rows(*model, kEncoderWeights, 2, source.size(), "source vocabulary");
    check_rows(*model, kDecoderWeights, 2, target.size(), "target vocabulary");
    if (!t.source.tokens.empty() && (t.source.tokens != source.tokens || t.target.tokens != target.tokens))
        fail(CT2J_ERR_INVALID_ARGUMENT, "vocabulary: the model directory changed since it was first loaded");
    t.source = std::move(source);
    t.target = std::move(target);
}

const ct2::models::LanguageModel &language_model(const std::vector<ModelPtr> &models, const char *kind) {
    const auto *model = dynamic_cast<const ct2::models::LanguageModel *>(models.front().get());
    if (!model)
        fail(CT2J_ERR_INVALID_ARGUMENT, std::string("not a ") + kind + " model");
    return *model;
}

void read_vocabulary(ct2j_vocabulary &into, const ct2::models::LanguageModel &model, const char *const *names) {
    ct2j_vocabulary v;
    v.assign(model.get_vocabulary());
    require(v.size() > 0, "vocabulary.json: the model has an empty vocabulary");
    check_rows(model, names, 2, v.size(), "vocabulary.json");
    if (!into.tokens.empty() && into.tokens != v.tokens)
        fail(CT2J_ERR_INVALID_ARGUMENT, "vocabulary.json: the model directory changed since it was first loaded");
    into = std::move(v);
}

template <typename Handle, typename Read>
Handle *create(const char *path, const ct2j_model_params *params, const char *kind, Read read) {
    require(path != nullptr && *path, "model path must not be empty");
    ct2::models::ModelLoader loader(std::make_shared<ct2::models::ModelFileReader>(path));
    ct2::ReplicaPoolConfig config;
    configure_loader(params, loader, config);
    auto handle = std::make_unique<Handle>(loader);
    handle->config = config;
    std::vector<ModelPtr> models = load_models(handle->loader, handle->config);
    require(!models.empty(), "the model directory produced no model");
    read(*handle, models);
    try {
        handle->start(models);
    } catch (const Failure &) {
        throw;
    } catch (const std::exception &e) {
        // CTranslate2 refuses a model of another kind when it builds the replicas.
        fail(CT2J_ERR_INVALID_ARGUMENT, std::string("cannot use this model as a ") + kind + ": " + e.what());
    }
    return handle.release();
}

// ---- inputs ----------------------------------------------------------------------------------

using Batch = std::vector<std::vector<std::string>>;

std::vector<std::string> to_tokens(const int32_t *ids, size_t length, const ct2j_vocabulary &v, const std::string &what) {
    require(ids != nullptr || length == 0, what + " must not be NULL");
    check_ids(ids, length, v.size(), what.c_str());
    std::vector<std::string> tokens;
    tokens.reserve(length);
    for (size_t i = 0; i < length; ++i)
        tokens.push_back(v.tokens[static_cast<size_t>(ids[i])]);
    return tokens;
}

Batch to_batch(const int32_t *ids, const size_t *lengths, size_t batch_size, const ct2j_vocabulary &v,
               const char *what, bool allow_empty) {
    require(batch_size >= 1, std::string(what) + ": the batch is empty");
    require(lengths != nullptr, std::string(what) + " lengths must not be NULL");
    Batch batch(batch_size);
    size_t offset = 0;
    for (size_t b = 0; b < batch_size; ++b) {
        const std::string name = std::string(what) + "[" + std::to_string(b) + "]";
        require(allow_empty || lengths[b] > 0, name + " is empty");
        batch[b] = to_tokens(ids ? ids + offset : nullptr, lengths[b], v, name);
        offset += lengths[b];
    }
    return batch;
}

std::vector<std::vector<size_t>> to_id_batch(const int32_t *ids, const size_t *lengths, size_t batch_size,
                                             size_t vocabulary_size, const char *what) {
    require(batch_size >= 1, std::string(what) + ": the batch is empty");
    require(lengths != nullptr, std::string(what) + " lengths must not be NULL");
    std::vector<std::vector<size_t>> batch(batch_size);
    size_t offset = 0;
    for (size_t b = 0; b < batch_size; ++b) {
        const std::string name = std::string(what) + "[" + std::to_string(b) + "]";
        require(lengths[b] > 0, name + " is empty");
        require(ids != nullptr, std::string(what) + " must not be NULL");
        check_ids(ids + offset, lengths[b], vocabulary_size, name.c_str());
        batch[b].assign(ids + offset, ids + offset + lengths[b]);
        offset += lengths[b];
    }
    return batch;
}

// ---- options ---------------------------------------------------------------------------------

// Every beam (and sampled hypothesis) of every batch item gets its own decoder state; far above
// real use, far below sizes that can only exhaust memory (as for Whisper, ct2j.cc).
constexpr int32_t kMaxBeamSize = 256, kMaxHypotheses = 256;

void check_finite(float value, const char *name) {
    require(std::isfinite(value), std::string(name) + " must be finite, got " + std::to_string(value));
}

struct Common {
    int32_t beam_size;
    float patience, length_penalty, repetition_penalty;
    int32_t no_repeat_ngram_size, sampling_topk;
    float sampling_topp, sampling_temperature;
    int32_t num_hypotheses;
    float min_alternative_expansion_prob;
    int32_t max_batch_size, batch_type;
};

void check_common(const Common &o) {
    require(o.beam_size >= 1 && o.beam_size <= kMaxBeamSize,
            "beam_size must be in [1, " + std::to_string(kMaxBeamSize) + "], got " + std::to_string(o.beam_size));
    // Infinity passes "> 0" but CTranslate2 rounds beam_size x patience into a size_t.
    check_finite(o.patience, "patience");
    require(o.patience > 0, "patience must be > 0, got " + std::to_string(o.patience));
    check_finite(o.length_penalty, "length_penalty");
    check_finite(o.repetition_penalty, "repetition_penalty");
    require(o.repetition_penalty > 0, "repetition_penalty must be > 0, got " + std::to_string(o.repetition_penalty));
    require(o.no_repeat_ngram_size >= 0, "no_repeat_ngram_size must be >= 0, got " + std::to_string(o.no_repeat_ngram_size));
    require(o.sampling_topk >= 0, "sampling_topk must be >= 0, got " + std::to_string(o.sampling_topk));
    check_finite(o.sampling_topp, "sampling_topp");
    require(o.sampling_topp > 0 && o.sampling_topp <= 1, "sampling_topp must be in (0, 1], got " + std::to_string(o.sampling_topp));
    check_finite(o.sampling_temperature, "sampling_temperature");
    require(o.sampling_temperature >= 0, "sampling_temperature must be >= 0, got " + std::to_string(o.sampling_temperature));
    require(o.num_hypotheses >= 1 && o.num_hypotheses <= kMaxHypotheses, "num_hypotheses must be in [1, " +
                                                                              std::to_string(kMaxHypotheses) + "], got " +
                                                                              std::to_string(o.num_hypotheses));
    check_finite(o.min_alternative_expansion_prob, "min_alternative_expansion_prob");
    require(o.min_alternative_expansion_prob >= 0 && o.min_alternative_expansion_prob <= 1,
            "min_alternative_expansion_prob must be in [0, 1], got " + std::to_string(o.min_alternative_expansion_prob));
    require(o.max_batch_size >= 0, "max_batch_size must be >= 0, got " + std::to_string(o.max_batch_size));
    require(o.batch_type == CT2J_BATCH_EXAMPLES || o.batch_type == CT2J_BATCH_TOKENS,
            "batch_type must be CT2J_BATCH_EXAMPLES or CT2J_BATCH_TOKENS, got " + std::to_string(o.batch_type));
}

ct2::BatchType batch_type(int32_t type) { return type == CT2J_BATCH_TOKENS ? ct2::BatchType::Tokens : ct2::BatchType::Examples; }

std::vector<size_t> end_tokens(const int32_t *ids, size_t count, const ct2j_vocabulary &v) {
    require(ids != nullptr || count == 0, "end_token must not be NULL");
    check_ids(ids, count, v.size(), "end_token");
    return std::vector<size_t>(ids, ids + count);
}

Batch suppress_sequences(const int32_t *ids, const size_t *lengths, size_t count, const ct2j_vocabulary &v) {
    if (count == 0)
        return {};
    return to_batch(ids, lengths, count, v, "suppress_sequences", false);
}

template <typename Options> void set_callback(Options &options, ct2j_step_callback callback, void *user_data) {
    if (!callback)
        return;
    options.callback = [callback, user_data](ct2::GenerationStepResult r) -> bool {
        ct2j_step step;
        step.step = static_cast<int64_t>(r.step);
        step.batch_id = static_cast<int64_t>(r.batch_id);
        step.token_id = static_cast<int32_t>(r.token_id);
        step.hypothesis_id = static_cast<int64_t>(r.hypothesis_id);
        step.has_log_prob = r.score.has_value();
        step.log_prob = r.score ? *r.score : std::numeric_limits<float>::quiet_NaN();
        step.is_last = r.is_last;
        return callback(&step, user_data);
    };
}

ct2::TranslationOptions to_options(const ct2j_translation_options &o, const ct2j_vocabulary &target) {
    check_common({o.beam_size, o.patience, o.length_penalty, o.repetition_penalty, o.no_repeat_ngram_size,
                  o.sampling_topk, o.sampling_topp, o.sampling_temperature, o.num_hypotheses,
                  o.min_alternative_expansion_prob, o.max_batch_size, o.batch_type});
    check_finite(o.coverage_penalty, "coverage_penalty");
    check_finite(o.prefix_bias_beta, "prefix_bias_beta");
    require(o.prefix_bias_beta >= 0 && o.prefix_bias_beta < 1,
            "prefix_bias_beta must be in [0, 1), got " + std::to_string(o.prefix_bias_beta));
    require(o.max_input_length >= 0, "max_input_length must be >= 0, got " + std::to_string(o.max_input_length));
    require(o.max_decoding_length >= 1, "max_decoding_length must be >= 1, got " + std::to_string(o.max_decoding_length));
    require(o.min_decoding_length >= 0 && o.min_decoding_length <= o.max_decoding_length,
            "min_decoding_length must be in [0, max_decoding_length = " + std::to_string(o.max_decoding_length) +
                "], got " + std::to_string(o.min_decoding_length));
    ct2::TranslationOptions t;
    t.beam_size = static_cast<size_t>(o.beam_size);
    t.patience = o.patience;
    t.length_penalty = o.length_penalty;
    t.coverage_penalty = o.coverage_penalty;
    t.repetition_penalty = o.repetition_penalty;
    t.no_repeat_ngram_size = static_cast<size_t>(o.no_repeat_ngram_size);
    t.disable_unk = o.disable_unk;
    t.prefix_bias_beta = o.prefix_bias_beta;
    t.max_input_length = static_cast<size_t>(o.max_input_length);
    t.max_decoding_length = static_cast<size_t>(o.max_decoding_length);
    t.min_decoding_length = static_cast<size_t>(o.min_decoding_length);
    t.use_vmap = o.use_vmap;
    t.sampling_topk = static_cast<size_t>(o.sampling_topk);
    t.sampling_topp = o.sampling_topp;
    t.sampling_temperature = o.sampling_temperature;
    t.num_hypotheses = static_cast<size_t>(o.num_hypotheses);
    t.return_scores = o.return_scores;
    t.return_attention = o.return_attention;
    t.return_alternatives = o.return_alternatives;
    t.return_end_token = o.return_end_token;
    t.min_alternative_expansion_prob = o.min_alternative_expansion_prob;
    if (o.num_end_tokens > 0)
        t.end_token = end_tokens(o.end_token, o.num_end_tokens, target);
    t.suppress_sequences = suppress_sequences(o.suppress_ids, o.suppress_lengths, o.num_suppress_sequences, target);
    set_callback(t, o.callback, o.callback_user_data);
    return t;
}

ct2::GenerationOptions to_options(const ct2j_text_generation_options &o, const ct2j_vocabulary &v) {
    check_common({o.beam_size, o.patience, o.length_penalty, o.repetition_penalty, o.no_repeat_ngram_size,
                  o.sampling_topk, o.sampling_topp, o.sampling_temperature, o.num_hypotheses,
                  o.min_alternative_expansion_prob, o.max_batch_size, o.batch_type});
    require(o.max_length >= 1, "max_length must be >= 1, got " + std::to_string(o.max_length));
    require(o.min_length >= 0 && o.min_length <= o.max_length, "min_length must be in [0, max_length = " +
                                                                   std::to_string(o.max_length) + "], got " +
                                                                   std::to_string(o.min_length));
    ct2::GenerationOptions g;
    g.beam_size = static_cast<size_t>(o.beam_size);
    g.patience = o.patience;
    g.length_penalty = o.length_penalty;
    g.repetition_penalty = o.repetition_penalty;
    g.no_repeat_ngram_size = static_cast<size_t>(o.no_repeat_ngram_size);
    g.disable_unk = o.disable_unk;
    g.max_length = static_cast<size_t>(o.max_length);
    g.min_length = static_cast<size_t>(o.min_length);
    g.sampling_topk = static_cast<size_t>(o.sampling_topk);
    g.sampling_topp = o.sampling_topp;
    g.sampling_temperature = o.sampling_temperature;
    g.num_hypotheses = static_cast<size_t>(o.num_hypotheses);
    g.return_scores = o.return_scores;
    g.return_alternatives = o.return_alternatives;
    g.return_end_token = o.return_end_token;
    g.min_alternative_expansion_prob = o.min_alternative_expansion_prob;
    g.include_prompt_in_result = o.include_prompt_in_result;
    g.static_prompt = to_tokens(o.static_prompt, o.static_prompt_length, v, "static_prompt");
    g.cache_static_prompt = o.cache_static_prompt;
    if (o.num_end_tokens > 0)
        g.end_token = end_tokens(o.end_token, o.num_end_tokens, v);
    g.suppress_sequences = suppress_sequences(o.suppress_ids, o.suppress_lengths, o.num_suppress_sequences, v);
    set_callback(g, o.callback, o.callback_user_data);
    return g;
}

ct2::ScoringOptions to_options(const ct2j_scoring_options &o) {
    require(o.max_input_length >= 0, "max_input_length must be >= 0, got " + std::to_string(o.max_input_length));
    require(o.offset >= 0, "offset must be >= 0, got " + std::to_string(o.offset));
    require(o.max_batch_size >= 0, "max_batch_size must be >= 0, got " + std::to_string(o.max_batch_size));
    require(o.batch_type == CT2J_BATCH_EXAMPLES || o.batch_type == CT2J_BATCH_TOKENS,
            "batch_type must be CT2J_BATCH_EXAMPLES or CT2J_BATCH_TOKENS, got " + std::to_string(o.batch_type));
    ct2::ScoringOptions s;
    s.max_input_length = static_cast<size_t>(o.max_input_length);
    s.offset = o.offset;
    return s;
}

// Waits for every future before returning, also when one fails: a batch still running would
// otherwise use the caller's callback (and its user data) after the call returned, and run
// outside the state lock that unload and free wait on.
template <typename T> std::vector<T> wait_all(std::vector<std::future<T>> &futures) {
    std::vector<T> results;
    results.reserve(futures.size());
    std::exception_ptr first;
    for (auto &future : futures) {
        try {
            results.push_back(future.get());
        } catch (...) {
            if (!first)
                first = std::current_exception();
        }
    }
    if (first)
        std::rethrow_exception(first);
    return results;
}

int32_t id_of(const ct2j_vocabulary &v, const std::string &token) {
    const int32_t id = v.find(token);
    return id >= 0 ? id : v.unk;
}

ct2j_scoring *to_scoring(std::vector<ct2::ScoringResult> results, const ct2j_vocabulary &v) {
    auto scoring = std::make_unique<ct2j_scoring>();
    for (auto &r : results) {
        ct2j_scoring::Item item;
        for (const auto &token : r.tokens)
            item.ids.push_back(id_of(v, token));
        item.log_probs = std::move(r.tokens_score);
        scoring->items.push_back(std::move(item));
    }
    return scoring.release();
}

template <typename Handle> Handle *checked(Handle *h, const char *what) {
    require(h != nullptr, std::string(what) + " must not be NULL");
    return h;
}

} // namespace

void ct2j_translator::after_source_load(const std::vector<ModelPtr> &models) { read_translator(*this, models); }
void ct2j_generator::after_source_load(const std::vector<ModelPtr> &models) {
    read_vocabulary(vocabulary, language_model(models, "decoder-only (Generator)"), kDecoderWeights);
}
static void read_encoder(ct2j_encoder &e, const std::vector<ModelPtr> &models) {
    const auto &model = language_model(models, "encoder-only (Encoder)");
    read_vocabulary(e.vocabulary, model, kEncoderWeights);
    const auto *positions = model.get_variable_if_exists("encoder/position_encodings/encodings");
    e.max_positions = positions && positions->rank() == 2 ? static_cast<size_t>(positions->dim(0)) : 0;
}

void ct2j_encoder::after_source_load(const std::vector<ModelPtr> &models) { read_encoder(*this, models); }

extern "C" {

// ---- vocabulary ----------------------------------------------------------------------------------

size_t ct2j_vocabulary_size(const ct2j_vocabulary *v) { return v ? v->size() : 0; }

const char *ct2j_vocabulary_token(const ct2j_vocabulary *v, int32_t id) {
    if (!v || id < 0 || static_cast<size_t>(id) >= v->size())
        return nullptr;
    return v->tokens[static_cast<size_t>(id)].c_str();
}

int32_t ct2j_vocabulary_id(const ct2j_vocabulary *v, const char *token) {
    if (!v || !token)
        return -1;
    return v->find(token);
}

int32_t ct2j_vocabulary_unk_id(const ct2j_vocabulary *v) { return v ? v->unk : -1; }
int32_t ct2j_vocabulary_bos_id(const ct2j_vocabulary *v) { return v ? v->bos : -1; }
int32_t ct2j_vocabulary_eos_id(const ct2j_vocabulary *v) { return v ? v->eos : -1; }

// ---- options -------------------------------------------------------------------------------------

ct2j_translation_options ct2j_translation_default_options(void) {
    const ct2::TranslationOptions d;
    ct2j_translation_options o{};
    o.beam_size = static_cast<int32_t>(d.beam_size);
    o.patience = d.patience;
    o.length_penalty = d.length_penalty;
    o.coverage_penalty = d.coverage_penalty;
    o.repetition_penalty = d.repetition_penalty;
    o.no_repeat_ngram_size = static_cast<int32_t>(d.no_repeat_ngram_size);
    o.disable_unk = d.disable_unk;
    o.prefix_bias_beta = d.prefix_bias_beta;
    o.max_input_length = static_cast<int32_t>(d.max_input_length);
    o.max_decoding_length = static_cast<int32_t>(d.max_decoding_length);
    o.min_decoding_length = static_cast<int32_t>(d.min_decoding_length);
    o.use_vmap = d.use_vmap;
    o.sampling_topk = static_cast<int32_t>(d.sampling_topk);
    o.sampling_topp = d.sampling_topp;
    o.sampling_temperature = d.sampling_temperature;
    o.num_hypotheses = static_cast<int32_t>(d.num_hypotheses);
    o.return_scores = d.return_scores;
    o.return_attention = d.return_attention;
    o.return_alternatives = d.return_alternatives;
    o.return_end_token = d.return_end_token;
    o.min_alternative_expansion_prob = d.min_alternative_expansion_prob;
    o.batch_type = CT2J_BATCH_EXAMPLES;
    return o;
}

ct2j_text_generation_options ct2j_text_generation_default_options(void) {
    const ct2::GenerationOptions d;
    ct2j_text_generation_options o{};
    o.beam_size = static_cast<int32_t>(d.beam_size);
    o.patience = d.patience;
    o.length_penalty = d.length_penalty;
    o.repetition_penalty = d.repetition_penalty;
    o.no_repeat_ngram_size = static_cast<int32_t>(d.no_repeat_ngram_size);
    o.disable_unk = d.disable_unk;
    o.max_length = static_cast<int32_t>(d.max_length);
    o.min_length = static_cast<int32_t>(d.min_length);
    o.sampling_topk = static_cast<int32_t>(d.sampling_topk);
    o.sampling_topp = d.sampling_topp;
    o.sampling_temperature = d.sampling_temperature;
    o.num_hypotheses = static_cast<int32_t>(d.num_hypotheses);
    o.return_scores = d.return_scores;
    o.return_alternatives = d.return_alternatives;
    o.return_end_token = d.return_end_token;
    o.min_alternative_expansion_prob = d.min_alternative_expansion_prob;
    o.include_prompt_in_result = d.include_prompt_in_result;
    o.cache_static_prompt = d.cache_static_prompt;
    o.batch_type = CT2J_BATCH_EXAMPLES;
    return o;
}

ct2j_scoring_options ct2j_scoring_default_options(void) {
    const ct2::ScoringOptions d;
    ct2j_scoring_options o{};
    o.max_input_length = static_cast<int32_t>(d.max_input_length);
    o.offset = static_cast<int32_t>(d.offset);
    o.batch_type = CT2J_BATCH_EXAMPLES;
    return o;
}

// ---- results -----------------------------------------------------------------------------------

void ct2j_scoring_free(ct2j_scoring *s) { delete s; }
size_t ct2j_scoring_batch_size(const ct2j_scoring *s) { return s ? s->items.size() : 0; }

const int32_t *ct2j_scoring_ids(const ct2j_scoring *s, size_t batch, size_t *length) {
    if (length)
        *length = 0;
    if (!s || batch >= s->items.size())
        return nullptr;
    if (length)
        *length = s->items[batch].ids.size();
    return s->items[batch].ids.data();
}

const float *ct2j_scoring_log_probs(const ct2j_scoring *s, size_t batch, size_t *length) {
    if (length)
        *length = 0;
    if (!s || batch >= s->items.size())
        return nullptr;
    if (length)
        *length = s->items[batch].log_probs.size();
    return s->items[batch].log_probs.data();
}

void ct2j_translation_free(ct2j_translation *t) { delete t; }
size_t ct2j_translation_batch_size(const ct2j_translation *t) { return t ? t->items.size() : 0; }

size_t ct2j_translation_num_hypotheses(const ct2j_translation *t, size_t batch) {
    return t && batch < t->items.size() ? t->items[batch].size() : 0;
}

const int32_t *ct2j_translation_ids(const ct2j_translation *t, size_t batch, size_t hypothesis, size_t *length) {
    if (length)
        *length = 0;
    if (!t || batch >= t->items.size() || hypothesis >= t->items[batch].size())
        return nullptr;
    const auto &ids = t->items[batch][hypothesis].ids;
    if (length)
        *length = ids.size();
    static const int32_t empty = 0;
    return ids.empty() ? &empty : ids.data();
}

float ct2j_translation_score(const ct2j_translation *t, size_t batch, size_t hypothesis) {
    if (!t || batch >= t->items.size() || hypothesis >= t->items[batch].size())
        return std::numeric_limits<float>::quiet_NaN();
    return t->items[batch][hypothesis].score;
}

const float *ct2j_translation_attention(const ct2j_translation *t, size_t batch, size_t hypothesis, size_t *rows,
                                        size_t *cols) {
    if (rows)
        *rows = 0;
    if (cols)
        *cols = 0;
    if (!t || batch >= t->items.size() || hypothesis >= t->items[batch].size())
        return nullptr;
    const auto &h = t->items[batch][hypothesis];
    if (!h.has_attention)
        return nullptr;
    if (rows)
        *rows = h.rows;
    if (cols)
        *cols = h.cols;
    static const float empty = 0;
    return h.attention.empty() ? &empty : h.attention.data();
}

} // extern "C"

// ---- lifetime: the same five functions for each handle type --------------------------------------

#define CT2J_LIFETIME(prefix, type, kind, read)                                                             \
    ct2j_status prefix##_load(const char *path, const ct2j_model_params *params, type **out) {              \
        return guard([&] {                                                                                  \
            require_out(out, "out_" #type);                                                                 \
            *out = create<type>(path, params, kind, read);                                                  \
        });                                                                                                 \
    }                                                                                                       \
    void prefix##_free(type *h) {                                                                           \
        if (!h)                                                                                             \
            return;                                                                                         \
        guard([&] { h->destroy(); });                                                                       \
        delete h;                                                                                           \
    }                                                                                                       \
    ct2j_status prefix##_unload(type *h, bool to_cpu, int32_t busy_policy) {                                \
        return guard([&] { checked(h, #type)->unload(to_cpu, busy_policy); });                              \
    }                                                                                                       \
    ct2j_status prefix##_load_weights(type *h, bool keep_cache) {                                           \
        return guard([&] { checked(h, #type)->load_weights(keep_cache); });                                 \
    }                                                                                                       \
    bool prefix##_is_loaded(const type *h) { return h && h->is_loaded(); }                                  \
    int32_t prefix##_num_replicas(const type *h) { return h ? static_cast<int32_t>(h->pool->num_replicas()) : 0; } \
    int32_t prefix##_num_active_batches(const type *h) {                                                    \
        return h ? static_cast<int32_t>(h->pool->num_active_batches()) : 0;                                 \
    }                                                                                                       \
    const char *prefix##_compute_type(const type *h) { return h ? h->compute_type.c_str() : ""; }

extern "C" {

CT2J_LIFETIME(ct2j_translator, ct2j_translator, "Translator",
              [](ct2j_translator &t, const std::vector<ModelPtr> &models) { read_translator(t, models); })
CT2J_LIFETIME(ct2j_generator, ct2j_generator, "Generator",
              [](ct2j_generator &g, const std::vector<ModelPtr> &models) {
                  read_vocabulary(g.vocabulary, language_model(models, "decoder-only (Generator)"), kDecoderWeights);
              })
CT2J_LIFETIME(ct2j_encoder, ct2j_encoder, "Encoder",
              [](ct2j_encoder &e, const std::vector<ModelPtr> &models) { read_encoder(e, models); })

const ct2j_vocabulary *ct2j_translator_source_vocabulary(const ct2j_translator *t) { return t ? &t->source : nullptr; }
const ct2j_vocabulary *ct2j_translator_target_vocabulary(const ct2j_translator *t) { return t ? &t->target : nullptr; }
const ct2j_vocabulary *ct2j_generator_vocabulary(const ct2j_generator *g) { return g ? &g->vocabulary : nullptr; }
const ct2j_vocabulary *ct2j_encoder_vocabulary(const ct2j_encoder *e) { return e ? &e->vocabulary : nullptr; }

// ---- Translator ----------------------------------------------------------------------------------

ct2j_status ct2j_translator_translate_batch(ct2j_translator *t, size_t batch_size, const int32_t *source_ids,
                                            const size_t *source_lengths, size_t prefix_batch_size,
                                            const int32_t *prefix_ids, const size_t *prefix_lengths,
                                            const ct2j_translation_options *options,
                                            ct2j_translation **out_translation) {
    return guard([&] {
        require_out(out_translation, "out_translation");
        checked(t, "translator")->with_loaded([&] {
            Batch source = to_batch(source_ids, source_lengths, batch_size, t->source, "source", true);
            Batch prefix;
            if (prefix_lengths != nullptr || prefix_batch_size > 0) {
                require(prefix_batch_size == batch_size, "target_prefix has " + std::to_string(prefix_batch_size) +
                                                             " sequences but source has " + std::to_string(batch_size));
                prefix = to_batch(prefix_ids, prefix_lengths, prefix_batch_size, t->target, "target_prefix", true);
            }
            const ct2j_translation_options o = options ? *options : ct2j_translation_default_options();
            auto translation_options = to_options(o, t->target);
            auto futures = t->pool->translate_batch_async(source, prefix, translation_options,
                                                          static_cast<size_t>(o.max_batch_size), batch_type(o.batch_type));
            auto results = wait_all(futures);
            auto translation = std::make_unique<ct2j_translation>();
            for (auto &r : results) {
                std::vector<ct2j_translation::Hypothesis> hypotheses(r.hypotheses.size());
                for (size_t h = 0; h < r.hypotheses.size(); ++h) {
                    auto &out = hypotheses[h];
                    for (const auto &token : r.hypotheses[h])
                        out.ids.push_back(id_of(t->target, token));
                    if (h < r.scores.size())
                        out.score = r.scores[h];
                    if (h < r.attention.size()) {
                        const auto &matrix = r.attention[h];
                        out.has_attention = true;
                        out.rows = matrix.size();
                        out.cols = matrix.empty() ? 0 : matrix.front().size();
                        for (const auto &row : matrix) {
                            require(row.size() == out.cols, "CTranslate2 returned a ragged attention matrix");
                            out.attention.insert(out.attention.end(), row.begin(), row.end());
                        }
                    }
                }
                translation->items.push_back(std::move(hypotheses));
            }
            *out_translation = translation.release();
        });
    });
}

ct2j_status ct2j_translator_score_batch(ct2j_translator *t, size_t batch_size, const int32_t *source_ids,
                                        const size_t *source_lengths, size_t target_batch_size,
                                        const int32_t *target_ids, const size_t *target_lengths,
                                        const ct2j_scoring_options *options, ct2j_scoring **out_scoring) {
    return guard([&] {
        require_out(out_scoring, "out_scoring");
        checked(t, "translator")->with_loaded([&] {
            Batch source = to_batch(source_ids, source_lengths, batch_size, t->source, "source", true);
            require(target_batch_size == batch_size, "target has " + std::to_string(target_batch_size) +
                                                         " sequences but source has " + std::to_string(batch_size));
            Batch target = to_batch(target_ids, target_lengths, target_batch_size, t->target, "target", true);
            const ct2j_scoring_options o = options ? *options : ct2j_scoring_default_options();
            auto scoring_options = to_options(o);
            auto futures = t->pool->score_batch_async(source, target, scoring_options,
                                                      static_cast<size_t>(o.max_batch_size), batch_type(o.batch_type));
            *out_scoring = to_scoring(wait_all(futures), t->target);
        });
    });
}

// ---- Generator -----------------------------------------------------------------------------------

ct2j_status ct2j_generator_generate_batch(ct2j_generator *g, size_t batch_size, const int32_t *start_ids,
                                          const size_t *start_lengths, const ct2j_text_generation_options *options,
                                          ct2j_generation **out_generation) {
    return guard([&] {
        require_out(out_generation, "out_generation");
        checked(g, "generator")->with_loaded([&] {
            const ct2j_text_generation_options o = options ? *options : ct2j_text_generation_default_options();
            auto generation_options = to_options(o, g->vocabulary);
            // CTranslate2 needs a start token per sequence, unless a static prompt provides it.
            Batch start = to_batch(start_ids, start_lengths, batch_size, g->vocabulary, "start_tokens",
                                   !generation_options.static_prompt.empty());
            auto futures = g->pool->generate_batch_async(start, generation_options,
                                                         static_cast<size_t>(o.max_batch_size), batch_type(o.batch_type));
            auto results = wait_all(futures);
            auto generation = std::make_unique<ct2j_generation>();
            for (auto &r : results) {
                ct2j_generation::Item item;
                for (const auto &ids : r.sequences_ids)
                    item.ids.emplace_back(ids.begin(), ids.end());
                item.scores = std::move(r.scores);
                item.no_speech_prob = std::numeric_limits<float>::quiet_NaN();
                generation->items.push_back(std::move(item));
            }
            *out_generation = generation.release();
        });
    });
}

ct2j_status ct2j_generator_score_batch(ct2j_generator *g, size_t batch_size, const int32_t *ids, const size_t *lengths,
                                       const ct2j_scoring_options *options, ct2j_scoring **out_scoring) {
    return guard([&] {
        require_out(out_scoring, "out_scoring");
        checked(g, "generator")->with_loaded([&] {
            Batch tokens = to_batch(ids, lengths, batch_size, g->vocabulary, "tokens", true);
            const ct2j_scoring_options o = options ? *options : ct2j_scoring_default_options();
            auto scoring_options = to_options(o);
            auto futures = g->pool->score_batch_async(tokens, scoring_options, static_cast<size_t>(o.max_batch_size),
                                                      batch_type(o.batch_type));
            *out_scoring = to_scoring(wait_all(futures), g->vocabulary);
        });
    });
}

// ---- Encoder -------------------------------------------------------------------------------------

ct2j_status ct2j_encoder_forward_batch(ct2j_encoder *e, size_t batch_size, const int32_t *ids, const size_t *lengths,
                                       ct2j_storage **out_last_hidden_state, ct2j_storage **out_pooler_output) {
    return guard([&] {
        require_out(out_last_hidden_state, "out_last_hidden_state");
        require_out(out_pooler_output, "out_pooler_output");
        checked(e, "encoder")->with_loaded([&] {
            auto batch = to_id_batch(ids, lengths, batch_size, e->vocabulary.size(), "input");
            for (size_t b = 0; b < batch.size(); ++b)
                require(e->max_positions == 0 || batch[b].size() <= e->max_positions,
                        "input[" + std::to_string(b) + "] has " + std::to_string(batch[b].size()) +
                            " tokens, more than the model's " + std::to_string(e->max_positions) + " positions");
            auto output = e->pool->forward_batch_async(std::move(batch)).get();
            auto hidden = std::make_unique<ct2j_storage>();
            hidden->view = std::move(output.last_hidden_state);
            std::unique_ptr<ct2j_storage> pooler;
            if (output.pooler_output) {
                pooler = std::make_unique<ct2j_storage>();
                pooler->view = std::move(*output.pooler_output);
            }
            *out_last_hidden_state = hidden.release();
            *out_pooler_output = pooler.release();
        });
    });
}

} // extern "C"
