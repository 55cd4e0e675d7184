// The ct2j C API over CTranslate2's Whisper model. See ct2j.h for the contract.
//
// Two rules shape this file:
//  - No C++ exception may cross into the JVM: every entry point runs its body inside guard(),
//    which turns exceptions into a status code plus a thread-local message.
//  - CTranslate2 trusts its inputs (a token id past the vocabulary reads out of bounds), so
//    every id, shape and count is checked here first; the JVM must never crash on bad input.

#include "ct2j.h"
#include "handles.h"
#include "internal.h"
#include "whisper_layout.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <ctranslate2/devices.h>
#include <ctranslate2/logging.h>
#include <ctranslate2/models/model_reader.h>
#include <ctranslate2/models/whisper.h>
#include <ctranslate2/random.h>
#include <ctranslate2/types.h>
#include <ctranslate2/utils.h>

#ifdef CT2J_WITH_CUDA
#include <cuda_runtime.h>
#endif

#ifndef CT2J_CTRANSLATE2_VERSION
#define CT2J_CTRANSLATE2_VERSION "unknown"
#endif

namespace ct2 = ctranslate2;

// ---- errors ------------------------------------------------------------------------------------

thread_local std::string ct2j_internal::last_error;
using namespace ct2j_internal;

// ---- handles -----------------------------------------------------------------------------------

struct ct2j_model : ct2j_internal::ReplicaHandle<ct2::models::Whisper> {
    // Static properties, read once: the replicas are gone while unloaded.
    bool multilingual = false;
    int32_t num_mels = 0;
    int32_t num_languages = 0;
    size_t vocabulary_size = 0;
    // Which optional config.json fields the model has (CTranslate2 reads them unchecked).
    bool has_suppress_ids = false;
    bool has_suppress_ids_begin = false;
    bool has_lang_ids = false;

    explicit ct2j_model(ct2::models::ModelLoader l) : ReplicaHandle(std::move(l)) {}
    void before_source_load() override;
    void after_source_load(const std::vector<ModelPtr> &models) override;
};

struct ct2j_languages {
    std::vector<std::vector<std::pair<std::string, float>>> items;
};

struct ct2j_alignment {
    struct Item {
        std::vector<int64_t> pairs;
        std::vector<float> probs;
    };
    std::vector<Item> items;
};

// ---- library -----------------------------------------------------------------------------------

extern "C" {

const char *ct2j_last_error(void) { return last_error.c_str(); }

int32_t ct2j_abi_version(void) { return CT2J_ABI_VERSION; }

const char *ct2j_ctranslate2_version(void) { return CT2J_CTRANSLATE2_VERSION; }

int32_t ct2j_noop(int32_t value) { return value; }

ct2j_status ct2j_set_log_level(int32_t level) {
    return guard([&] {
        require(level >= -3 && level <= 3, "log level must be in [-3, 3], got " + std::to_string(level));
        ct2::set_log_level(static_cast<ct2::LogLevel>(level));
    });
}

void ct2j_set_random_seed(uint32_t seed) { ct2::set_random_seed(seed); }

int32_t ct2j_cuda_device_count(void) {
    int32_t count = 0;
    guard([&] { count = ct2::get_device_count(ct2::Device::CUDA); });
    return count;
}

ct2j_status ct2j_cuda_memory_info(int32_t device_index, uint64_t *free_bytes, uint64_t *total_bytes) {
    return guard([&] {
        require(free_bytes && total_bytes, "free_bytes and total_bytes must not be NULL");
#ifdef CT2J_WITH_CUDA
        int count = 0;
        const cudaError_t count_err = cudaGetDeviceCount(&count);
        if (count_err != cudaSuccess)
            fail(CT2J_ERR_UNSUPPORTED, std::string("no usable CUDA device: ") + cudaGetErrorString(count_err));
        if (device_index < 0 || device_index >= count)
            fail(CT2J_ERR_INVALID_ARGUMENT, "no CUDA device with index " + std::to_string(device_index) + " (" +
                                                std::to_string(count) + " present)");
        int previous = 0;
        cudaGetDevice(&previous);
        cudaSetDevice(device_index);
        size_t f = 0, t = 0;
        cudaError_t err = cudaMemGetInfo(&f, &t);
        cudaSetDevice(previous);
        if (err != cudaSuccess)
            fail(CT2J_ERR_INTERNAL, std::string("cudaMemGetInfo failed: ") + cudaGetErrorString(err));
        *free_bytes = f;
        *total_bytes = t;
#else
        (void)device_index;
        fail(CT2J_ERR_UNSUPPORTED, "this build of ct2j has no CUDA support");
#endif
    });
}

// ---- model -------------------------------------------------------------------------------------

ct2j_model_params ct2j_model_default_params(void) {
    ct2j_model_params p;
    p.device = CT2J_DEVICE_CPU;
    p.device_indices = nullptr;
    p.num_device_indices = 0;
    p.compute_type = "default";
    p.intra_threads = 0;
    p.inter_threads = 1;
    p.max_queued_batches = 0;
    p.flash_attention = false;
    p.tensor_parallel = false;
    return p;
}

} // extern "C"

namespace {
ct2::Device to_device(int32_t device) {
    switch (device) {
    case CT2J_DEVICE_CPU: return ct2::Device::CPU;
    case CT2J_DEVICE_CUDA: return ct2::Device::CUDA;
    default: fail(CT2J_ERR_INVALID_ARGUMENT, "unknown device " + std::to_string(device));
    }
}

// ---- model directory validation ------------------------------------------------------------
// CTranslate2 trusts what a model directory says: an alignment head past the decoder's layers
// dereferences null, a suppressed id past the vocabulary writes out of bounds, a missing
// config.json key is undefined behaviour. Every such value is checked here, once per load
// (docs/robustness.md lists each value read from the directory and what checks it).

struct ModelFacts {
    bool has_suppress_ids = false;
    bool has_suppress_ids_begin = false;
    bool has_lang_ids = false;
};

std::string ids_pair(const nlohmann::json &pair) {
    if (pair.is_array() && pair.size() == 2)
        return "[" + pair[0].dump() + ", " + pair[1].dump() + "]";
    return pair.dump();
}

// An optional list of token ids: absent, or an array of integers in [0, vocabulary_size).
bool check_id_list(const nlohmann::json &config, const char *field, size_t vocabulary_size) {
    const auto it = config.find(field);
    if (it == config.end())
        return false;
    if (!it->is_array())
        fail(CT2J_ERR_INVALID_ARGUMENT, std::string("config.json: ") + field + " must be a list of token ids, got " +
                                            it->dump());
    for (const auto &id : *it) {
        const bool in_range = id.is_number_integer() && id.get<int64_t>() >= 0 &&
                              static_cast<uint64_t>(id.get<int64_t>()) < vocabulary_size;
        if (!in_range)
            fail(CT2J_ERR_INVALID_ARGUMENT, std::string("config.json: ") + field + " contains " + id.dump() +
                                                ", outside the vocabulary [0, " + std::to_string(vocabulary_size) + ")");
    }
    return true;
}

ModelFacts validate_model(const ct2::models::Model &model) {
    const auto &whisper = static_cast<const ct2::models::WhisperModel &>(model);
    const auto &vocabulary = whisper.get_vocabulary();
    const size_t vocabulary_size = vocabulary.size();

    // Token ids index the decoder's embeddings and output projection.
    for (const char *name : {"decoder/embeddings/weight", "decoder/projection/weight"}) {
        const auto *weight = model.get_variable_if_exists(name);
        if (weight && weight->rank() >= 1 && vocabulary_size > static_cast<size_t>(weight->dim(0)))
            fail(CT2J_ERR_INVALID_ARGUMENT,
                 "vocabulary.json: " + std::to_string(vocabulary_size) + " tokens, but model.bin's " + name + " has " +
                     std::to_string(weight->dim(0)) + " rows");
    }
    // The special tokens CTranslate2 looks up by name: a missing one silently becomes
    // <|endoftext|> (the unknown token), which CTranslate2 appends when it is missing too.
    for (const char *token : {"<|endoftext|>", "<|startoftranscript|>", "<|notimestamps|>"})
        if (!vocabulary.contains(token) || (std::string(token) == "<|endoftext|>" && vocabulary.eos_id() + 1 == vocabulary_size))
            fail(CT2J_ERR_INVALID_ARGUMENT, std::string("vocabulary.json: the special token ") + token + " is missing");
    const size_t sot = vocabulary.bos_id(), eot = vocabulary.eos_id(), no_timestamps = vocabulary.to_id("<|notimestamps|>");
    if (!(eot < sot && sot < no_timestamps))
        fail(CT2J_ERR_INVALID_ARGUMENT, "vocabulary.json: special tokens out of order: <|endoftext|> " +
                                            std::to_string(eot) + ", <|startoftranscript|> " + std::to_string(sot) +
                                            ", <|notimestamps|> " + std::to_string(no_timestamps));

    // config.json's alignment heads index the decoder (model.bin's own were checked with its
    // layout, whisper_layout.cc).
    size_t num_layers = 0;
    while (model.layer_exists("decoder/layer_" + std::to_string(num_layers)))
        ++num_layers;
    const int64_t num_heads = model.get_attribute_with_default<int32_t>("decoder/num_heads", 8);
    const std::string shape = std::to_string(num_layers) + " layers x " + std::to_string(num_heads) + " heads";

    const nlohmann::json &config = model.config;
    ModelFacts facts;
    if (config.is_null()) // no config.json: every field below is absent
        return facts;
    if (!config.is_object())
        fail(CT2J_ERR_INVALID_ARGUMENT, "config.json: expected a JSON object, got " + std::string(config.type_name()));

    facts.has_suppress_ids = check_id_list(config, "suppress_ids", vocabulary_size);
    facts.has_suppress_ids_begin = check_id_list(config, "suppress_ids_begin", vocabulary_size);
    facts.has_lang_ids = check_id_list(config, "lang_ids", vocabulary_size);
    // Multilingual models: one language token per language, right after <|startoftranscript|>
    // (CTranslate2 derives num_languages from the positions of the special tokens).
    if (facts.has_lang_ids && vocabulary.to_id("") != vocabulary.unk_id()) {
        size_t no_speech = vocabulary.to_id("<|nospeech|>");
        if (no_speech == vocabulary.unk_id())
            no_speech = vocabulary.to_id("<|nocaptions|>");
        const size_t num_languages = no_speech > sot + 5 ? no_speech - sot - 5 : 0;
        const auto &lang_ids = config["lang_ids"];
        if (num_languages == 0 || lang_ids.size() != num_languages)
            fail(CT2J_ERR_INVALID_ARGUMENT, "config.json: lang_ids has " + std::to_string(lang_ids.size()) +
                                                " ids but vocabulary.json has " + std::to_string(num_languages) +
                                                " language tokens");
        for (const auto &id : lang_ids) {
            const size_t value = id.get<size_t>();
            if (value <= sot || value > sot + num_languages)
                fail(CT2J_ERR_INVALID_ARGUMENT, "config.json: lang_ids contains " + id.dump() +
                                                    ", which is not a language token [" + std::to_string(sot + 1) +
                                                    ", " + std::to_string(sot + num_languages) + "]");
        }
    }

    const auto heads = config.find("alignment_heads");
    if (heads != config.end()) {
        if (!heads->is_array() || heads->empty())
            fail(CT2J_ERR_INVALID_ARGUMENT,
                 "config.json: alignment_heads must be a non-empty list of [layer, head] pairs, got " + heads->dump());
        for (const auto &pair : *heads) {
            const bool well_formed = pair.is_array() && pair.size() == 2 && pair[0].is_number_integer() &&
                                     pair[1].is_number_integer();
            if (!well_formed)
                fail(CT2J_ERR_INVALID_ARGUMENT,
                     "config.json: alignment_heads contains " + pair.dump() + ", not a [layer, head] pair of integers");
            const int64_t layer = pair[0].get<int64_t>(), head = pair[1].get<int64_t>();
            if (layer < 0 || static_cast<size_t>(layer) >= num_layers || head < 0 || head >= num_heads)
                fail(CT2J_ERR_INVALID_ARGUMENT,
                     "config.json: alignment_heads " + ids_pair(pair) + " out of range: the decoder has " + shape);
        }
    }
    return facts;
}

void apply_facts(ct2j_model *m, const ModelFacts &facts) {
    m->has_suppress_ids = facts.has_suppress_ids;
    m->has_suppress_ids_begin = facts.has_suppress_ids_begin;
    m->has_lang_ids = facts.has_lang_ids;
}

ct2j_model *create_model(std::shared_ptr<ct2::models::ModelReader> reader, const ct2j_model_params *params) {
    ct2::models::ModelLoader loader(reader);
    ct2::ReplicaPoolConfig config;
    configure_loader(params, loader, config);
    auto model = std::make_unique<ct2j_model>(loader);
    model->config = config;
    // model.bin's layout is checked before CTranslate2 reads the weights, the rest of the model
    // before the replicas are built from it.
    check_whisper_layout(*reader);
    std::vector<ModelPtr> models = load_models(model->loader, model->config);
    require(!models.empty(), "the model directory produced no model");
    apply_facts(model.get(), validate_model(*models.front()));
    model->start(models);

    const auto &replica = model->pool->get_first_replica();
    model->multilingual = replica.is_multilingual();
    model->num_mels = static_cast<int32_t>(replica.n_mels());
    model->num_languages = static_cast<int32_t>(replica.num_languages());
    const auto &whisper = static_cast<const ct2::models::WhisperModel &>(*replica.model());
    model->vocabulary_size = whisper.get_vocabulary().size();
    return model.release();
}

// Features must be what the model can take: [batch, num_mels, frames <= 3000] mel features, or an
// encoder output of this model.
void check_features(const ct2j_model *m, const ct2j_storage *features) {
    require(features != nullptr, "features must not be NULL");
    const auto &v = features->view;
    require(v.rank() == 3, "features must have rank 3 [batch, num_mels, frames], got rank " + std::to_string(v.rank()));
    require(v.dim(0) >= 1, "features must have a batch of at least 1");
    if (features->encoded)
        return;
    require(v.dtype() == ct2::DataType::FLOAT32, "features must be float32");
    require(v.dim(1) == m->num_mels, "features have " + std::to_string(v.dim(1)) + " mel bins but the model expects " +
                                       std::to_string(m->num_mels));
    require(v.dim(2) >= 1 && v.dim(2) <= 3000,
            "features must have 1 to 3000 frames, got " + std::to_string(v.dim(2)));
}

size_t feature_frames(const ct2j_storage *features) {
    return features->encoded ? static_cast<size_t>(features->view.dim(1)) * 2 : static_cast<size_t>(features->view.dim(2));
}

// Runs an engine call under the shared state lock, failing cleanly when unloaded.
template <typename F> void with_loaded_model(ct2j_model *m, F &&call) {
    require(m != nullptr, "model must not be NULL");
    m->with_loaded(call);
}
} // namespace

void ct2j_model::before_source_load() { check_whisper_layout(*loader.model_reader); }

void ct2j_model::after_source_load(const std::vector<ModelPtr> &models) {
    apply_facts(this, validate_model(*models.front()));
}

namespace ct2j_internal {
void configure_loader(const ct2j_model_params *params, ct2::models::ModelLoader &loader,
                      ct2::ReplicaPoolConfig &config) {
    const ct2j_model_params p = params ? *params : ct2j_model_default_params();
    require(p.inter_threads >= 1, "inter_threads must be >= 1, got " + std::to_string(p.inter_threads));
    require(p.intra_threads >= 0, "intra_threads must be >= 0, got " + std::to_string(p.intra_threads));
    require(p.max_queued_batches >= -1,
            "max_queued_batches must be >= -1, got " + std::to_string(p.max_queued_batches));
    loader.device = to_device(p.device);
    if (p.device_indices && p.num_device_indices > 0) {
        loader.device_indices.assign(p.device_indices, p.device_indices + p.num_device_indices);
        for (int index : loader.device_indices)
            require(index >= 0, "device index must be >= 0, got " + std::to_string(index));
    }
    if (loader.device == ct2::Device::CUDA && ct2::get_device_count(ct2::Device::CUDA) == 0)
        fail(CT2J_ERR_UNSUPPORTED, "device 'cuda' requested but no CUDA device is available"
                                   " (or this build of ct2j has no CUDA support)");
    const std::string compute_type = p.compute_type ? p.compute_type : "default";
    try {
        loader.compute_type = ct2::str_to_compute_type(compute_type);
    } catch (const std::exception &) {
        fail(CT2J_ERR_INVALID_ARGUMENT,
             "unknown compute type '" + compute_type +
                 "' (expected one of default, auto, int8, int8_float32, int8_float16, int8_bfloat16,"
                 " int16, float16, bfloat16, float32)");
    }
    loader.num_replicas_per_device = static_cast<size_t>(p.inter_threads);
    loader.use_flash_attention = p.flash_attention;
    loader.tensor_parallel = p.tensor_parallel;
    config.num_threads_per_replica = static_cast<size_t>(p.intra_threads);
    config.max_queued_batches = p.max_queued_batches;
}

std::vector<ModelPtr> load_models(const ct2::models::ModelLoader &loader, const ct2::ReplicaPoolConfig &config) {
    // As ReplicaPool(loader, config) loads: the calling thread's context is released afterwards.
    ct2::set_num_threads(config.num_threads_per_replica);
    ct2::CallingThreadContextGuard context_guard;
    return loader.load();
}

void check_ids(const int32_t *ids, size_t count, size_t vocabulary_size, const char *what) {
    for (size_t i = 0; i < count; ++i)
        if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= vocabulary_size)
            fail(CT2J_ERR_INVALID_ARGUMENT, std::string(what) + " contains token id " + std::to_string(ids[i]) +
                                                " outside the vocabulary [0, " + std::to_string(vocabulary_size) + ")");
}

} // namespace ct2j_internal

extern "C" {

ct2j_status ct2j_model_load(const char *path, const ct2j_model_params *params, ct2j_model **out_model) {
    return guard([&] {
        require_out(out_model, "out_model");
        require(path != nullptr && *path, "model path must not be empty");
        *out_model = create_model(std::make_shared<ct2::models::ModelFileReader>(path), params);
    });
}

ct2j_status ct2j_model_load_from_memory(const char *name, size_t num_files, const char *const *file_names,
                                        const void *const *file_data, const size_t *file_sizes,
                                        const ct2j_model_params *params, ct2j_model **out_model) {
    return guard([&] {
        require_out(out_model, "out_model");
        require(num_files > 0 && file_names && file_data && file_sizes, "no model files given");
        auto reader = std::make_shared<ct2::models::ModelMemoryReader>(name ? name : "memory");
        for (size_t i = 0; i < num_files; ++i) {
            require(file_names[i] != nullptr, "file name " + std::to_string(i) + " is NULL");
            require(file_data[i] != nullptr || file_sizes[i] == 0,
                    std::string("file data of '") + file_names[i] + "' is NULL");
            reader->register_file(file_names[i],
                                  std::string(static_cast<const char *>(file_data[i]), file_sizes[i]));
        }
        *out_model = create_model(reader, params);
    });
}

void ct2j_model_free(ct2j_model *model) {
    if (!model)
        return;
    guard([&] { model->destroy(); });
    delete model;
}

ct2j_status ct2j_model_unload(ct2j_model *m, bool to_cpu, int32_t busy_policy) {
    return guard([&] {
        require(m != nullptr, "model must not be NULL");
        m->unload(to_cpu, busy_policy);
    });
}

ct2j_status ct2j_model_load_weights(ct2j_model *m, bool keep_cache) {
    return guard([&] {
        require(m != nullptr, "model must not be NULL");
        m->load_weights(keep_cache);
    });
}

ct2j_status ct2j_model_release_caches(ct2j_model *m) {
    return guard([&] {
        require(m != nullptr, "model must not be NULL");
        m->release_caches();
    });
}

bool ct2j_model_is_loaded(const ct2j_model *m) { return m && m->is_loaded(); }
bool ct2j_model_is_multilingual(const ct2j_model *m) { return m && m->multilingual; }
int32_t ct2j_model_num_mels(const ct2j_model *m) { return m ? m->num_mels : 0; }
int32_t ct2j_model_num_languages(const ct2j_model *m) { return m ? m->num_languages : 0; }
int32_t ct2j_model_device(const ct2j_model *m) {
    return m && m->loader.device == ct2::Device::CUDA ? CT2J_DEVICE_CUDA : CT2J_DEVICE_CPU;
}
int32_t ct2j_model_num_replicas(const ct2j_model *m) {
    return m ? static_cast<int32_t>(m->pool->num_replicas()) : 0;
}
int32_t ct2j_model_num_active_batches(const ct2j_model *m) {
    return m ? static_cast<int32_t>(m->pool->num_active_batches()) : 0;
}
const char *ct2j_model_compute_type(const ct2j_model *m) { return m ? m->compute_type.c_str() : ""; }

// ---- storage -----------------------------------------------------------------------------------

ct2j_status ct2j_storage_wrap_f32(float *data, size_t rank, const int64_t *shape, ct2j_storage **out_storage) {
    return guard([&] {
        require_out(out_storage, "out_storage");
        require(rank >= 1 && rank <= 4, "rank must be 1 to 4, got " + std::to_string(rank));
        require(shape != nullptr, "shape must not be NULL");
        ct2::Shape dims;
        int64_t size = 1;
        for (size_t i = 0; i < rank; ++i) {
            require(shape[i] >= 0, "dimension " + std::to_string(i) + " is negative: " + std::to_string(shape[i]));
            dims.push_back(shape[i]);
            size *= shape[i];
        }
        require(data != nullptr || size == 0, "data must not be NULL");
        auto storage = std::make_unique<ct2j_storage>();
        storage->view = ct2::StorageView(std::move(dims), data);
        *out_storage = storage.release();
    });
}

void ct2j_storage_free(ct2j_storage *storage) { delete storage; }

size_t ct2j_storage_rank(const ct2j_storage *s) { return s ? static_cast<size_t>(s->view.rank()) : 0; }

size_t ct2j_storage_shape(const ct2j_storage *s, int64_t *shape, size_t capacity) {
    if (!s)
        return 0;
    const size_t rank = static_cast<size_t>(s->view.rank());
    for (size_t i = 0; i < rank && i < capacity && shape; ++i)
        shape[i] = s->view.dim(static_cast<ct2::dim_t>(i));
    return rank;
}

int32_t ct2j_storage_dtype(const ct2j_storage *s) {
    if (!s)
        return CT2J_DTYPE_OTHER;
    switch (s->view.dtype()) {
    case ct2::DataType::FLOAT32: return CT2J_DTYPE_FLOAT32;
    case ct2::DataType::FLOAT16: return CT2J_DTYPE_FLOAT16;
    case ct2::DataType::BFLOAT16: return CT2J_DTYPE_BFLOAT16;
    case ct2::DataType::INT8: return CT2J_DTYPE_INT8;
    case ct2::DataType::INT16: return CT2J_DTYPE_INT16;
    case ct2::DataType::INT32: return CT2J_DTYPE_INT32;
    }
    return CT2J_DTYPE_OTHER;
}

int32_t ct2j_storage_device(const ct2j_storage *s) {
    return s && s->view.device() == ct2::Device::CUDA ? CT2J_DEVICE_CUDA : CT2J_DEVICE_CPU;
}

ct2j_status ct2j_storage_copy_to_f32(const ct2j_storage *s, float *out, size_t count) {
    return guard([&] {
        require(s != nullptr, "storage must not be NULL");
        require(out != nullptr || count == 0, "out must not be NULL");
        require(count == static_cast<size_t>(s->view.size()),
                "count " + std::to_string(count) + " does not match the storage size " + std::to_string(s->view.size()));
        if (s->view.device() == ct2::Device::CPU && s->view.dtype() == ct2::DataType::FLOAT32) {
            std::memcpy(out, s->view.data<float>(), count * sizeof(float));
            return;
        }
        ct2::StorageView host = s->view.to(ct2::Device::CPU).to_float32();
        std::memcpy(out, host.data<float>(), count * sizeof(float));
    });
}

// ---- Whisper calls -----------------------------------------------------------------------------

ct2j_status ct2j_encode(ct2j_model *m, const ct2j_storage *features, bool to_cpu, ct2j_storage **out_encoded) {
    return guard([&] {
        require_out(out_encoded, "out_encoded");
        with_loaded_model(m, [&] {
            check_features(m, features);
            require(!features->encoded, "features are already encoded");
            auto storage = std::make_unique<ct2j_storage>();
            storage->view = m->pool->encode(features->view, to_cpu).get();
            storage->encoded = true;
            *out_encoded = storage.release();
        });
    });
}

ct2j_status ct2j_encode_split(ct2j_model *m, const ct2j_storage *features, size_t max_batch,
                              ct2j_storage **out_encoded) {
    return guard([&] {
        require_out(out_encoded, "out_encoded");
        require(max_batch >= 1, "max_batch must be at least 1, got 0");
        with_loaded_model(m, [&] {
            check_features(m, features);
            require(!features->encoded, "features are already encoded");
            const ct2::StorageView &all = features->view; // float32 on the host (checked, wrapped)
            const ct2::dim_t batch = all.dim(0), item = all.dim(1) * all.dim(2);
            auto storage = std::make_unique<ct2j_storage>();
            if (static_cast<size_t>(batch) <= max_batch) {
                storage->view = m->pool->encode(all, true).get();
            } else {
                float *values = const_cast<float *>(all.data<float>()); // read only: the encoder copies its input
                for (ct2::dim_t start = 0; start < batch; start += static_cast<ct2::dim_t>(max_batch)) {
                    const ct2::dim_t n = std::min<ct2::dim_t>(static_cast<ct2::dim_t>(max_batch), batch - start);
                    ct2::StorageView part({n, all.dim(1), all.dim(2)}, values + start * item);
                    ct2::StorageView encoded = m->pool->encode(part, true).get();
                    if (start == 0) {
                        ct2::Shape shape = encoded.shape();
                        shape[0] = batch;
                        storage->view = ct2::StorageView(std::move(shape), encoded.dtype(), ct2::Device::CPU);
                    }
                    const size_t bytes = static_cast<size_t>(encoded.size()) * encoded.item_size();
                    std::memcpy(static_cast<char *>(storage->view.buffer()) + static_cast<size_t>(start) * (bytes / n),
                                encoded.buffer(), bytes);
                }
            }
            storage->encoded = true;
            *out_encoded = storage.release();
        });
    });
}

static const int32_t default_suppress_tokens[] = {-1};

ct2j_whisper_options ct2j_whisper_default_options(void) {
    const ct2::models::WhisperOptions d;
    ct2j_whisper_options o;
    o.beam_size = static_cast<int32_t>(d.beam_size);
    o.patience = d.patience;
    o.length_penalty = d.length_penalty;
    o.repetition_penalty = d.repetition_penalty;
    o.no_repeat_ngram_size = static_cast<int32_t>(d.no_repeat_ngram_size);
    o.max_length = static_cast<int32_t>(d.max_length);
    o.sampling_topk = static_cast<int32_t>(d.sampling_topk);
    o.sampling_temperature = d.sampling_temperature;
    o.num_hypotheses = static_cast<int32_t>(d.num_hypotheses);
    o.return_scores = d.return_scores;
    o.return_no_speech_prob = d.return_no_speech_prob;
    o.max_initial_timestamp_index = static_cast<int32_t>(d.max_initial_timestamp_index);
    o.suppress_blank = d.suppress_blank;
    o.suppress_tokens = default_suppress_tokens;
    o.num_suppress_tokens = 1;
    return o;
}

} // extern "C"

namespace {
// Sanity maxima for generate. CTranslate2 gives every beam (and every sampled hypothesis) of every
// batch item its own copy of the decoder state, the cross-attention keys and values over the
// 1500 encoder frames included: about 48 MB a sequence for base in float32, 320 MB for large-v3
// in float16. beam_size 10000 on a 3 s clip grew past 6 GB in a minute before any of it was used.
// The maxima sit far above real use (faster-whisper's default is 5, batches of up to 64) and far
// below the sizes that can only exhaust memory; callers that want tighter bounds (the CLI) add them.
constexpr int32_t kMaxBeamSize = 256, kMaxHypotheses = 256;
constexpr size_t kMaxBatchSize = 256, kMaxSequences = 2048; // batch x max(beam_size, num_hypotheses)
constexpr size_t kDecoderPositions = 448;                   // Whisper's text context

ct2::models::WhisperOptions to_options(const ct2j_whisper_options &o, size_t vocabulary_size) {
    require(o.beam_size >= 1 && o.beam_size <= kMaxBeamSize, "beam_size must be in [1, " +
                                                                 std::to_string(kMaxBeamSize) + "], got " +
                                                                 std::to_string(o.beam_size));
    // Infinity passes "> 0" but CTranslate2 rounds beam_size x patience into a size_t.
    require(std::isfinite(o.patience) && o.patience > 0, "patience must be finite and > 0, got " +
                                                             std::to_string(o.patience));
    require(std::isfinite(o.repetition_penalty) && o.repetition_penalty > 0,
            "repetition_penalty must be finite and > 0, got " + std::to_string(o.repetition_penalty));
    require(std::isfinite(o.length_penalty), "length_penalty must be finite, got " + std::to_string(o.length_penalty));
    require(std::isfinite(o.sampling_temperature), "sampling_temperature must be finite");
    require(o.no_repeat_ngram_size >= 0, "no_repeat_ngram_size must be >= 0");
    require(o.max_length >= 1 && o.max_length <= 448, "max_length must be in [1, 448], got " + std::to_string(o.max_length));
    require(o.sampling_topk >= 0, "sampling_topk must be >= 0");
    require(o.sampling_temperature >= 0, "sampling_temperature must be >= 0");
    require(o.num_hypotheses >= 1 && o.num_hypotheses <= kMaxHypotheses,
            "num_hypotheses must be in [1, " + std::to_string(kMaxHypotheses) + "], got " +
                std::to_string(o.num_hypotheses));
    require(o.max_initial_timestamp_index >= 0, "max_initial_timestamp_index must be >= 0");
    require(o.suppress_tokens != nullptr || o.num_suppress_tokens == 0, "suppress_tokens must not be NULL");
    ct2::models::WhisperOptions w;
    w.beam_size = static_cast<size_t>(o.beam_size);
    w.patience = o.patience;
    w.length_penalty = o.length_penalty;
    w.repetition_penalty = o.repetition_penalty;
    w.no_repeat_ngram_size = static_cast<size_t>(o.no_repeat_ngram_size);
    w.max_length = static_cast<size_t>(o.max_length);
    w.sampling_topk = static_cast<size_t>(o.sampling_topk);
    w.sampling_temperature = o.sampling_temperature;
    w.num_hypotheses = static_cast<size_t>(o.num_hypotheses);
    w.return_scores = o.return_scores;
    w.return_logits_vocab = false;
    w.return_no_speech_prob = o.return_no_speech_prob;
    w.max_initial_timestamp_index = static_cast<size_t>(o.max_initial_timestamp_index);
    w.suppress_blank = o.suppress_blank;
    w.suppress_tokens.clear();
    for (size_t i = 0; i < o.num_suppress_tokens; ++i) {
        const int32_t id = o.suppress_tokens[i];
        require(id == -1 || (id >= 0 && static_cast<size_t>(id) < vocabulary_size),
                "suppress_tokens contains " + std::to_string(id) + ", which is neither -1 nor in the vocabulary");
        w.suppress_tokens.push_back(id);
    }
    return w;
}

std::vector<std::vector<size_t>> split_lists(const int32_t *ids, const size_t *lengths, size_t batch_size,
                                             size_t vocabulary_size, const char *what) {
    require(lengths != nullptr, std::string(what) + " lengths must not be NULL");
    std::vector<std::vector<size_t>> lists(batch_size);
    size_t offset = 0;
    for (size_t b = 0; b < batch_size; ++b) {
        require(ids != nullptr || lengths[b] == 0, std::string(what) + " must not be NULL");
        check_ids(ids + offset, lengths[b], vocabulary_size, what);
        lists[b].assign(ids + offset, ids + offset + lengths[b]);
        offset += lengths[b];
    }
    return lists;
}
} // namespace

extern "C" {

ct2j_status ct2j_generate(ct2j_model *m, const ct2j_storage *features, size_t batch_size, const int32_t *prompt_ids,
                          const size_t *prompt_lengths, const ct2j_whisper_options *options,
                          ct2j_generation **out_generation) {
    return guard([&] {
        require_out(out_generation, "out_generation");
        with_loaded_model(m, [&] {
            check_features(m, features);
            require(batch_size == static_cast<size_t>(features->view.dim(0)),
                    "batch_size " + std::to_string(batch_size) + " does not match the features' batch " +
                        std::to_string(features->view.dim(0)));
            const ct2j_whisper_options o = options ? *options : ct2j_whisper_default_options();
            auto whisper_options = to_options(o, m->vocabulary_size);
            require(batch_size <= kMaxBatchSize, "batch_size must be in [1, " + std::to_string(kMaxBatchSize) +
                                                     "], got " + std::to_string(batch_size));
            const size_t sequences = batch_size * std::max(whisper_options.beam_size, whisper_options.num_hypotheses);
            require(sequences <= kMaxSequences,
                    "batch_size x max(beam_size, num_hypotheses) must be at most " + std::to_string(kMaxSequences) +
                        ", got " + std::to_string(batch_size) + " x " +
                        std::to_string(std::max(whisper_options.beam_size, whisper_options.num_hypotheses)));
            const bool default_suppression = std::find(whisper_options.suppress_tokens.begin(),
                                                       whisper_options.suppress_tokens.end(),
                                                       -1) != whisper_options.suppress_tokens.end();
            if (default_suppression && !m->has_suppress_ids)
                fail(CT2J_ERR_INVALID_ARGUMENT, "config.json has no suppress_ids, which suppress_tokens -1 stands for");
            if (whisper_options.suppress_blank && !m->has_suppress_ids_begin)
                fail(CT2J_ERR_INVALID_ARGUMENT, "config.json has no suppress_ids_begin, which suppress_blank needs");
            auto prompts = split_lists(prompt_ids, prompt_lengths, batch_size, m->vocabulary_size, "prompt");
            const auto &vocabulary = static_cast<const ct2::models::WhisperModel &>(
                                         *m->pool->get_first_replica().model()).get_vocabulary();
            const size_t sot = vocabulary.bos_id(), no_timestamps = vocabulary.to_id("<|notimestamps|>");
            for (const auto &prompt : prompts) {
                require(!prompt.empty(), "a prompt must not be empty");
                // CTranslate2 runs the tokens before the last task token (those up to the
                // <|startoftranscript|> sequence) through the decoder at once and throws past its
                // position embeddings; the tokens after it are a prefix that decoding cuts to
                // max_length, so a long prefix is no error (faster-whisper relies on that).
                const auto at = std::find(prompt.begin(), prompt.end(), sot);
                require(at != prompt.end(), "prompt has no <|startoftranscript|> token");
                auto end = at;
                while (end != prompt.end() && *end >= sot && *end <= no_timestamps)
                    ++end;
                const size_t context = static_cast<size_t>(end - prompt.begin()) - 1;
                require(context <= kDecoderPositions,
                        "prompt has " + std::to_string(context) + " tokens before its last task token, more than the "
                            "decoder's " + std::to_string(kDecoderPositions) + " positions");
            }
            auto futures = m->pool->generate(features->view, std::move(prompts), whisper_options);
            auto generation = std::make_unique<ct2j_generation>();
            for (auto &future : futures) {
                auto result = future.get();
                ct2j_generation::Item item;
                for (const auto &ids : result.sequences_ids)
                    item.ids.emplace_back(ids.begin(), ids.end());
                item.scores = result.scores;
                item.no_speech_prob = result.no_speech_prob;
                generation->items.push_back(std::move(item));
            }
            *out_generation = generation.release();
        });
    });
}

void ct2j_generation_free(ct2j_generation *g) { delete g; }

size_t ct2j_generation_batch_size(const ct2j_generation *g) { return g ? g->items.size() : 0; }

size_t ct2j_generation_num_hypotheses(const ct2j_generation *g, size_t batch) {
    return g && batch < g->items.size() ? g->items[batch].ids.size() : 0;
}

const int32_t *ct2j_generation_ids(const ct2j_generation *g, size_t batch, size_t hypothesis, size_t *length) {
    if (length)
        *length = 0;
    if (!g || batch >= g->items.size() || hypothesis >= g->items[batch].ids.size())
        return nullptr;
    const auto &ids = g->items[batch].ids[hypothesis];
    if (length)
        *length = ids.size();
    static const int32_t empty = 0;
    return ids.empty() ? &empty : ids.data();
}

float ct2j_generation_score(const ct2j_generation *g, size_t batch, size_t hypothesis) {
    if (!g || batch >= g->items.size() || hypothesis >= g->items[batch].scores.size())
        return std::numeric_limits<float>::quiet_NaN();
    return g->items[batch].scores[hypothesis];
}

float ct2j_generation_no_speech_prob(const ct2j_generation *g, size_t batch) {
    return g && batch < g->items.size() ? g->items[batch].no_speech_prob : std::numeric_limits<float>::quiet_NaN();
}

ct2j_status ct2j_detect_language(ct2j_model *m, const ct2j_storage *features, ct2j_languages **out_languages) {
    return guard([&] {
        require_out(out_languages, "out_languages");
        with_loaded_model(m, [&] {
            check_features(m, features);
            if (!m->multilingual)
                fail(CT2J_ERR_UNSUPPORTED, "language detection needs a multilingual model; this one is English-only");
            if (!m->has_lang_ids)
                fail(CT2J_ERR_INVALID_ARGUMENT, "config.json has no lang_ids, which language detection needs");
            auto futures = m->pool->detect_language(features->view);
            auto languages = std::make_unique<ct2j_languages>();
            for (auto &future : futures)
                languages->items.push_back(future.get());
            *out_languages = languages.release();
        });
    });
}

void ct2j_languages_free(ct2j_languages *l) { delete l; }

size_t ct2j_languages_batch_size(const ct2j_languages *l) { return l ? l->items.size() : 0; }

size_t ct2j_languages_count(const ct2j_languages *l, size_t batch) {
    return l && batch < l->items.size() ? l->items[batch].size() : 0;
}

const char *ct2j_languages_token(const ct2j_languages *l, size_t batch, size_t index) {
    if (!l || batch >= l->items.size() || index >= l->items[batch].size())
        return nullptr;
    return l->items[batch][index].first.c_str();
}

float ct2j_languages_probability(const ct2j_languages *l, size_t batch, size_t index) {
    if (!l || batch >= l->items.size() || index >= l->items[batch].size())
        return std::numeric_limits<float>::quiet_NaN();
    return l->items[batch][index].second;
}

ct2j_status ct2j_align(ct2j_model *m, const ct2j_storage *features, const int32_t *start_sequence,
                       size_t start_length, size_t batch_size, const int32_t *text_tokens, const size_t *text_lengths,
                       const int64_t *num_frames, int64_t median_filter_width, ct2j_alignment **out_alignment) {
    return guard([&] {
        require_out(out_alignment, "out_alignment");
        with_loaded_model(m, [&] {
            check_features(m, features);
            require(batch_size == static_cast<size_t>(features->view.dim(0)),
                    "batch_size " + std::to_string(batch_size) + " does not match the features' batch " +
                        std::to_string(features->view.dim(0)));
            require(start_sequence != nullptr && start_length > 0, "start_sequence must not be empty");
            check_ids(start_sequence, start_length, m->vocabulary_size, "start_sequence");
            require(median_filter_width >= 1, "median_filter_width must be >= 1");
            require(num_frames != nullptr, "num_frames must not be NULL");
            auto texts = split_lists(text_tokens, text_lengths, batch_size, m->vocabulary_size, "text_tokens");
            const size_t max_frames = feature_frames(features);
            std::vector<size_t> frames(batch_size);
            for (size_t b = 0; b < batch_size; ++b) {
                require(num_frames[b] >= 2 && static_cast<size_t>(num_frames[b]) <= max_frames,
                        "num_frames[" + std::to_string(b) + "] = " + std::to_string(num_frames[b]) +
                            " must be in [2, " + std::to_string(max_frames) + "]");
                frames[b] = static_cast<size_t>(num_frames[b]);
            }
            auto futures = m->pool->align(features->view,
                                          std::vector<size_t>(start_sequence, start_sequence + start_length),
                                          std::move(texts), std::move(frames), median_filter_width);
            auto alignment = std::make_unique<ct2j_alignment>();
            for (auto &future : futures) {
                auto result = future.get();
                ct2j_alignment::Item item;
                for (const auto &pair : result.alignments) {
                    item.pairs.push_back(pair.first);
                    item.pairs.push_back(pair.second);
                }
                item.probs = std::move(result.text_token_probs);
                alignment->items.push_back(std::move(item));
            }
            *out_alignment = alignment.release();
        });
    });
}

void ct2j_alignment_free(ct2j_alignment *a) { delete a; }

size_t ct2j_alignment_batch_size(const ct2j_alignment *a) { return a ? a->items.size() : 0; }

const int64_t *ct2j_alignment_pairs(const ct2j_alignment *a, size_t batch, size_t *count) {
    if (count)
        *count = 0;
    if (!a || batch >= a->items.size())
        return nullptr;
    if (count)
        *count = a->items[batch].pairs.size() / 2;
    return a->items[batch].pairs.data();
}

const float *ct2j_alignment_text_token_probs(const ct2j_alignment *a, size_t batch, size_t *count) {
    if (count)
        *count = 0;
    if (!a || batch >= a->items.size())
        return nullptr;
    if (count)
        *count = a->items[batch].probs.size();
    return a->items[batch].probs.data();
}

} // extern "C"
