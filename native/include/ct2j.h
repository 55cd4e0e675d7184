/*
 * ct2j.h — the C API of ct2j: CTranslate2's Whisper model, and its Translator, Generator and
 * Encoder for text models, behind opaque handles.
 *
 * Conventions (in the spirit of llama.h):
 *  - Every name starts with ct2j_. Handles are opaque. Types are plain C.
 *  - Functions that can fail return a ct2j_status; on failure, ct2j_last_error() gives a
 *    message for the calling thread, valid until that thread's next ct2j_ call.
 *    No C++ exception ever crosses this boundary.
 *  - Everything the library allocates has exactly one *_free, which accepts NULL.
 *    Strings and arrays returned by accessors are owned by the handle they come from.
 *  - "Thread-safe" below means: may be called concurrently on the same handle.
 */
#ifndef CT2J_H
#define CT2J_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define CT2J_API __declspec(dllexport)
#else
#define CT2J_API __attribute__((visibility("default")))
#endif

/* Bumped whenever a signature or struct layout changes; the Java side refuses a mismatch. */
#define CT2J_ABI_VERSION 4

typedef enum ct2j_status {
    CT2J_OK = 0,
    CT2J_ERR_INVALID_ARGUMENT = 1, /* a bad value: shape, option, id, ... */
    CT2J_ERR_NOT_FOUND = 2,        /* a file or directory that does not exist or cannot be opened */
    CT2J_ERR_UNSUPPORTED = 3,      /* e.g. a compute type the device or backend cannot run */
    CT2J_ERR_BUSY = 4,             /* the model has work in flight and the caller asked not to wait */
    CT2J_ERR_NOT_LOADED = 5,       /* the model's weights are unloaded */
    CT2J_ERR_OUT_OF_MEMORY = 6,
    CT2J_ERR_DECODE = 7,           /* audio that cannot be read or decoded */
    CT2J_ERR_INTERNAL = 99
} ct2j_status;

typedef enum ct2j_device {
    CT2J_DEVICE_CPU = 0,
    CT2J_DEVICE_CUDA = 1
} ct2j_device;

typedef enum ct2j_dtype {
    CT2J_DTYPE_FLOAT32 = 0,
    CT2J_DTYPE_FLOAT16 = 1,
    CT2J_DTYPE_BFLOAT16 = 2,
    CT2J_DTYPE_INT8 = 3,
    CT2J_DTYPE_INT16 = 4,
    CT2J_DTYPE_INT32 = 5,
    CT2J_DTYPE_OTHER = 99
} ct2j_dtype;

typedef enum ct2j_busy_policy {
    CT2J_BUSY_WAIT = 0, /* block until in-flight calls on the model have returned */
    CT2J_BUSY_FAIL = 1  /* return CT2J_ERR_BUSY at once if any call is in flight */
} ct2j_busy_policy;

/* ---- library ------------------------------------------------------------------------------ */

/* Message of the last failure on the calling thread ("" if none). Thread-safe. */
CT2J_API const char *ct2j_last_error(void);
/* CT2J_ABI_VERSION of the loaded library. */
CT2J_API int32_t ct2j_abi_version(void);
/* Version of the CTranslate2 library ct2j was built against, e.g. "4.8.4". Static string. */
CT2J_API const char *ct2j_ctranslate2_version(void);
/* Returns its argument: a no-op for measuring call overhead. */
CT2J_API int32_t ct2j_noop(int32_t value);
/* CTranslate2 log level: -3 off, -2 critical, -1 error, 0 warning, 1 info, 2 debug, 3 trace. */
CT2J_API ct2j_status ct2j_set_log_level(int32_t level);
/* Seeds CTranslate2's random generator (sampling at temperature > 0). */
CT2J_API void ct2j_set_random_seed(uint32_t seed);
/* Number of CUDA devices (0 without CUDA support or devices). */
CT2J_API int32_t ct2j_cuda_device_count(void);
/* Free and total memory of a CUDA device, in bytes. CT2J_ERR_UNSUPPORTED without CUDA. */
CT2J_API ct2j_status ct2j_cuda_memory_info(int32_t device_index, uint64_t *free_bytes,
                                           uint64_t *total_bytes);

/* ---- process exit --------------------------------------------------------------------------
 * CTranslate2 cannot stop a call that runs (Whisper's generate takes no step callback), and its
 * static destructors (oneDNN's JIT kernels among them) unmap code that the call's worker threads
 * still execute: exit() during a call crashes the process. So the library registers an exit
 * handler (glibc on_exit): when calls are still in flight at exit(), it flushes stdio and ends
 * the process with _exit(status), keeping the status and skipping the static destructors. The
 * handler is registered when the library loads, again after completed calls (a static that a
 * call constructs lazily is destroyed before any handler registered earlier; see shutdown.cc),
 * and by ct2j_shutdown_begin. With no call in flight, exit() runs as usual. */

/* Calls into this library (every function returning ct2j_status) running now, on all threads. */
CT2J_API int32_t ct2j_calls_in_flight(void);
/* The process is about to exit (a JVM shutdown hook calls it): registers the exit handler once
 * more, so that it runs before every static destructor registered so far. Idempotent in effect;
 * calls keep working. Thread-safe. */
CT2J_API void ct2j_shutdown_begin(void);
/* Waits until no call is in flight or timeout_ms milliseconds have passed (0: do not wait);
 * returns the number of calls still in flight. Thread-safe. */
CT2J_API int32_t ct2j_shutdown_wait(int64_t timeout_ms);

/* ---- model -------------------------------------------------------------------------------- */

typedef struct ct2j_model ct2j_model;

typedef struct ct2j_model_params {
    int32_t device;                 /* ct2j_device */
    const int32_t *device_indices;  /* NULL means {0} */
    size_t num_device_indices;
    const char *compute_type;       /* "default", "auto", "int8", "float32", ... NULL = "default" */
    int32_t intra_threads;          /* 0: OMP_NUM_THREADS, else min(4, cores) */
    int32_t inter_threads;          /* replicas (workers) per device; >= 1 */
    int64_t max_queued_batches;     /* 0: 4 x workers; -1: unlimited */
    bool flash_attention;
    bool tensor_parallel;
} ct2j_model_params;

/* CTranslate2's defaults: CPU, device 0, "default", 0 intra, 1 inter, 0 queued. */
CT2J_API ct2j_model_params ct2j_model_default_params(void);

/* Loads a converted Whisper model from a directory. */
CT2J_API ct2j_status ct2j_model_load(const char *path, const ct2j_model_params *params,
                                     ct2j_model **out_model);
/* Loads from in-memory files (model.bin, config.json, vocabulary.json, ...). The bytes are
 * copied; the caller's buffers may be freed on return. `name` only identifies the model. */
CT2J_API ct2j_status ct2j_model_load_from_memory(const char *name, size_t num_files,
                                                 const char *const *file_names,
                                                 const void *const *file_data,
                                                 const size_t *file_sizes,
                                                 const ct2j_model_params *params,
                                                 ct2j_model **out_model);
/* Frees the model: waits for in-flight calls, drains queued work, releases the weights of all
 * replicas, any cached CPU copy and the workers' allocator caches. The caller must not start
 * new calls on it. */
CT2J_API void ct2j_model_free(ct2j_model *model);

/* Releases the weights. to_cpu keeps one host copy per distinct model (replicas on one device
 * share one copy) for a fast ct2j_model_load_weights; on a CPU model, to_cpu keeps the weights
 * as they are. Without to_cpu everything is freed and a reload reads the model again.
 * Busy policy: wait for in-flight calls, or fail with CT2J_ERR_BUSY. Unloading an unloaded
 * model only applies the to_cpu change (drops the cached copy when !to_cpu). Thread-safe. */
CT2J_API ct2j_status ct2j_model_unload(ct2j_model *model, bool to_cpu, int32_t busy_policy);
/* Loads the weights back (from the cached copy if any, else from the source).
 * keep_cache keeps the cached copy for the next unload. No-op if loaded. Thread-safe. */
CT2J_API ct2j_status ct2j_model_load_weights(ct2j_model *model, bool keep_cache);
/* Frees the workers' allocator caches (on CUDA: also trims the driver's memory pool).
 * Waits for in-flight calls. Thread-safe. */
CT2J_API ct2j_status ct2j_model_release_caches(ct2j_model *model);

/* Queries. Thread-safe. Static properties stay valid while the model is unloaded. */
CT2J_API bool ct2j_model_is_loaded(const ct2j_model *model);
CT2J_API bool ct2j_model_is_multilingual(const ct2j_model *model);
CT2J_API int32_t ct2j_model_num_mels(const ct2j_model *model);
CT2J_API int32_t ct2j_model_num_languages(const ct2j_model *model);
CT2J_API int32_t ct2j_model_device(const ct2j_model *model);
CT2J_API int32_t ct2j_model_num_replicas(const ct2j_model *model);
CT2J_API int32_t ct2j_model_num_active_batches(const ct2j_model *model);
/* Effective compute type, e.g. "int8_float32". Static string. */
CT2J_API const char *ct2j_model_compute_type(const ct2j_model *model);

/* ---- storage (tensors) ---------------------------------------------------------------------- */

typedef struct ct2j_storage ct2j_storage;

/* Wraps caller memory without copying: float32, C-contiguous, host. The memory must stay valid
 * and unchanged until ct2j_storage_free. Rank 1..4. */
CT2J_API ct2j_status ct2j_storage_wrap_f32(float *data, size_t rank, const int64_t *shape,
                                           ct2j_storage **out_storage);
CT2J_API void ct2j_storage_free(ct2j_storage *storage);
CT2J_API size_t ct2j_storage_rank(const ct2j_storage *storage);
/* Writes min(rank, capacity) dimensions; returns the rank. */
CT2J_API size_t ct2j_storage_shape(const ct2j_storage *storage, int64_t *shape, size_t capacity);
CT2J_API int32_t ct2j_storage_dtype(const ct2j_storage *storage);
CT2J_API int32_t ct2j_storage_device(const ct2j_storage *storage);
/* Copies the values to host float32 (converting from float16/bfloat16). count must equal the
 * number of elements. */
CT2J_API ct2j_status ct2j_storage_copy_to_f32(const ct2j_storage *storage, float *out,
                                              size_t count);

/* ---- Whisper calls (synchronous; thread-safe; inputs are copied before the call returns) -- */

/* features: float32 [batch, num_mels, frames<=3000]. Result: [batch, frames/2, d_model] on the
 * model's device, or on the host if to_cpu. */
CT2J_API ct2j_status ct2j_encode(ct2j_model *model, const ct2j_storage *features, bool to_cpu,
                                 ct2j_storage **out_encoded);

/* ct2j_encode(..., to_cpu = true) with at most max_batch (>= 1) items per CTranslate2 call, the
 * outputs joined on the host. The values are those of one call (an item's encoding does not
 * depend on its batch-mates at equal frame counts), while the self-attention scores, [items,
 * heads, frames/2, frames/2] floats per call, shrink with the split (base: 72 MB per item). */
CT2J_API ct2j_status ct2j_encode_split(ct2j_model *model, const ct2j_storage *features,
                                       size_t max_batch, ct2j_storage **out_encoded);

typedef struct ct2j_whisper_options {
    int32_t beam_size;                   /* 5 */
    float patience;                      /* 1 */
    float length_penalty;                /* 1 */
    float repetition_penalty;            /* 1 */
    int32_t no_repeat_ngram_size;        /* 0 */
    int32_t max_length;                  /* 448 */
    int32_t sampling_topk;               /* 1 */
    float sampling_temperature;          /* 1 */
    int32_t num_hypotheses;              /* 1 */
    bool return_scores;                  /* false */
    bool return_no_speech_prob;          /* false */
    int32_t max_initial_timestamp_index; /* 50 */
    bool suppress_blank;                 /* true */
    const int32_t *suppress_tokens;      /* -1 means config.json's suppress_ids */
    size_t num_suppress_tokens;          /* default: the single id -1; 0 = no suppression */
} ct2j_whisper_options;

/* CTranslate2's WhisperOptions defaults. suppress_tokens points to a static {-1}. */
CT2J_API ct2j_whisper_options ct2j_whisper_default_options(void);

typedef struct ct2j_generation ct2j_generation;

/* prompts: batch_size token-id lists, concatenated in prompt_ids, with their lengths. */
CT2J_API ct2j_status ct2j_generate(ct2j_model *model, const ct2j_storage *features,
                                   size_t batch_size, const int32_t *prompt_ids,
                                   const size_t *prompt_lengths,
                                   const ct2j_whisper_options *options,
                                   ct2j_generation **out_generation);
CT2J_API void ct2j_generation_free(ct2j_generation *generation);
CT2J_API size_t ct2j_generation_batch_size(const ct2j_generation *generation);
CT2J_API size_t ct2j_generation_num_hypotheses(const ct2j_generation *generation, size_t batch);
/* Token ids of one hypothesis (EOS excluded); *length receives the count. NULL if out of range. */
CT2J_API const int32_t *ct2j_generation_ids(const ct2j_generation *generation, size_t batch,
                                            size_t hypothesis, size_t *length);
/* Score (cumulative log-prob / length^length_penalty); NaN unless return_scores. */
CT2J_API float ct2j_generation_score(const ct2j_generation *generation, size_t batch,
                                     size_t hypothesis);
CT2J_API float ct2j_generation_no_speech_prob(const ct2j_generation *generation, size_t batch);

typedef struct ct2j_languages ct2j_languages;

/* Language probabilities per batch item, best first. Requires a multilingual model. */
CT2J_API ct2j_status ct2j_detect_language(ct2j_model *model, const ct2j_storage *features,
                                          ct2j_languages **out_languages);
CT2J_API void ct2j_languages_free(ct2j_languages *languages);
CT2J_API size_t ct2j_languages_batch_size(const ct2j_languages *languages);
CT2J_API size_t ct2j_languages_count(const ct2j_languages *languages, size_t batch);
/* Token such as "<|en|>"; NULL if out of range. */
CT2J_API const char *ct2j_languages_token(const ct2j_languages *languages, size_t batch,
                                          size_t index);
CT2J_API float ct2j_languages_probability(const ct2j_languages *languages, size_t batch,
                                          size_t index);

typedef struct ct2j_alignment ct2j_alignment;

/* text_tokens: batch_size lists concatenated, with their lengths; num_frames per item. */
CT2J_API ct2j_status ct2j_align(ct2j_model *model, const ct2j_storage *features,
                                const int32_t *start_sequence, size_t start_length,
                                size_t batch_size, const int32_t *text_tokens,
                                const size_t *text_lengths, const int64_t *num_frames,
                                int64_t median_filter_width, ct2j_alignment **out_alignment);
CT2J_API void ct2j_alignment_free(ct2j_alignment *alignment);
CT2J_API size_t ct2j_alignment_batch_size(const ct2j_alignment *alignment);
/* (text_index, time_index) pairs, flattened: 2 * *count values. */
CT2J_API const int64_t *ct2j_alignment_pairs(const ct2j_alignment *alignment, size_t batch,
                                             size_t *count);
CT2J_API const float *ct2j_alignment_text_token_probs(const ct2j_alignment *alignment,
                                                      size_t batch, size_t *count);

/* ---- text models: Translator, Generator, Encoder -----------------------------------------------
 * CTranslate2's ctranslate2.Translator (encoder-decoder), ctranslate2.Generator (decoder-only) and
 * ctranslate2.Encoder (encoder-only), loaded with the same ct2j_model_params as Whisper. Their
 * lifetime functions follow the Whisper model's exactly: *_free waits for in-flight calls and
 * frees everything; *_unload takes a busy policy and never silently does nothing; *_load_weights
 * reloads. Tokens are given as ids of the model's vocabulary (checked: an id outside it is
 * CT2J_ERR_INVALID_ARGUMENT), batches as concatenated ids plus one length per sequence. Option
 * structs come from *_default_options() with CTranslate2's Python defaults. */

typedef struct ct2j_vocabulary ct2j_vocabulary;

/* A model's vocabulary, owned by its model handle and valid until the handle is freed (also while
 * the weights are unloaded). Thread-safe. */
CT2J_API size_t ct2j_vocabulary_size(const ct2j_vocabulary *vocabulary);
/* Token of an id; NULL if out of range. */
CT2J_API const char *ct2j_vocabulary_token(const ct2j_vocabulary *vocabulary, int32_t id);
/* Id of a token; -1 if the vocabulary does not have it (CTranslate2 then reads it as unk_id). */
CT2J_API int32_t ct2j_vocabulary_id(const ct2j_vocabulary *vocabulary, const char *token);
CT2J_API int32_t ct2j_vocabulary_unk_id(const ct2j_vocabulary *vocabulary);
CT2J_API int32_t ct2j_vocabulary_bos_id(const ct2j_vocabulary *vocabulary);
CT2J_API int32_t ct2j_vocabulary_eos_id(const ct2j_vocabulary *vocabulary);

typedef enum ct2j_batch_type {
    CT2J_BATCH_EXAMPLES = 0, /* max_batch_size counts examples */
    CT2J_BATCH_TOKENS = 1    /* max_batch_size counts tokens */
} ct2j_batch_type;

/* One decoded token, given to a step callback (CTranslate2's GenerationStepResult). */
typedef struct ct2j_step {
    int64_t step;          /* decoding step, from 0 */
    int64_t batch_id;      /* index of the sequence in the batch */
    int32_t token_id;
    int64_t hypothesis_id;
    float log_prob;        /* NaN unless return_scores */
    bool has_log_prob;
    bool is_last;          /* the last token of this hypothesis */
} ct2j_step;

/* Called for each decoded token, on a CTranslate2 worker thread, while the call that set it runs.
 * Returning true stops decoding for step->batch_id. Needs beam_size 1 (CTranslate2's rule). */
typedef bool (*ct2j_step_callback)(const ct2j_step *step, void *user_data);

typedef struct ct2j_translation_options {
    int32_t beam_size;                    /* 2 */
    float patience;                       /* 1 */
    float length_penalty;                 /* 1 */
    float coverage_penalty;               /* 0 */
    float repetition_penalty;             /* 1 */
    int32_t no_repeat_ngram_size;         /* 0 */
    bool disable_unk;                     /* false */
    float prefix_bias_beta;               /* 0 */
    int32_t max_input_length;             /* 1024; 0: no truncation */
    int32_t max_decoding_length;          /* 256 */
    int32_t min_decoding_length;          /* 1 */
    bool use_vmap;                        /* false */
    int32_t sampling_topk;                /* 1 */
    float sampling_topp;                  /* 1 */
    float sampling_temperature;           /* 1 */
    int32_t num_hypotheses;               /* 1 */
    bool return_scores;                   /* false */
    bool return_attention;                /* false */
    bool return_alternatives;             /* false */
    bool return_end_token;                /* false */
    float min_alternative_expansion_prob; /* 0 */
    const int32_t *end_token;             /* target ids that end decoding; NULL/0: the EOS */
    size_t num_end_tokens;
    const int32_t *suppress_ids;          /* sequences never generated, concatenated target ids */
    const size_t *suppress_lengths;
    size_t num_suppress_sequences;        /* 0 */
    int32_t max_batch_size;               /* 0: no rebatching */
    int32_t batch_type;                   /* ct2j_batch_type */
    ct2j_step_callback callback;          /* NULL */
    void *callback_user_data;
} ct2j_translation_options;

CT2J_API ct2j_translation_options ct2j_translation_default_options(void);

typedef struct ct2j_text_generation_options {
    int32_t beam_size;                    /* 1 */
    float patience;                       /* 1 */
    float length_penalty;                 /* 1 */
    float repetition_penalty;             /* 1 */
    int32_t no_repeat_ngram_size;         /* 0 */
    bool disable_unk;                     /* false */
    int32_t max_length;                   /* 512 */
    int32_t min_length;                   /* 0 */
    int32_t sampling_topk;                /* 1 */
    float sampling_topp;                  /* 1 */
    float sampling_temperature;           /* 1 */
    int32_t num_hypotheses;               /* 1 */
    bool return_scores;                   /* false */
    bool return_alternatives;             /* false */
    bool return_end_token;                /* false */
    float min_alternative_expansion_prob; /* 0 */
    bool include_prompt_in_result;        /* true */
    const int32_t *static_prompt;         /* NULL/0: none */
    size_t static_prompt_length;
    bool cache_static_prompt;             /* true */
    const int32_t *end_token;             /* NULL/0: the EOS */
    size_t num_end_tokens;
    const int32_t *suppress_ids;
    const size_t *suppress_lengths;
    size_t num_suppress_sequences;
    int32_t max_batch_size;               /* 0 */
    int32_t batch_type;                   /* ct2j_batch_type */
    ct2j_step_callback callback;          /* NULL */
    void *callback_user_data;
} ct2j_text_generation_options;

CT2J_API ct2j_text_generation_options ct2j_text_generation_default_options(void);

typedef struct ct2j_scoring_options {
    int32_t max_input_length; /* 1024; 0: no truncation */
    int32_t offset;           /* 0: score from the first token after the start (translator only) */
    int32_t max_batch_size;   /* 0 */
    int32_t batch_type;       /* ct2j_batch_type */
} ct2j_scoring_options;

CT2J_API ct2j_scoring_options ct2j_scoring_default_options(void);

/* Scores of score_batch: per sequence, the scored token ids and their log probabilities. */
typedef struct ct2j_scoring ct2j_scoring;
CT2J_API void ct2j_scoring_free(ct2j_scoring *scoring);
CT2J_API size_t ct2j_scoring_batch_size(const ct2j_scoring *scoring);
CT2J_API const int32_t *ct2j_scoring_ids(const ct2j_scoring *scoring, size_t batch, size_t *length);
CT2J_API const float *ct2j_scoring_log_probs(const ct2j_scoring *scoring, size_t batch, size_t *length);

/* Result of translate_batch: per batch item, hypotheses (target ids), scores, attention. */
typedef struct ct2j_translation ct2j_translation;
CT2J_API void ct2j_translation_free(ct2j_translation *translation);
CT2J_API size_t ct2j_translation_batch_size(const ct2j_translation *translation);
CT2J_API size_t ct2j_translation_num_hypotheses(const ct2j_translation *translation, size_t batch);
CT2J_API const int32_t *ct2j_translation_ids(const ct2j_translation *translation, size_t batch,
                                             size_t hypothesis, size_t *length);
/* NaN unless return_scores. */
CT2J_API float ct2j_translation_score(const ct2j_translation *translation, size_t batch,
                                      size_t hypothesis);
/* Attention of one hypothesis, [rows = target steps][cols = source positions], row-major; NULL
 * (and 0 x 0) unless return_attention. */
CT2J_API const float *ct2j_translation_attention(const ct2j_translation *translation, size_t batch,
                                                 size_t hypothesis, size_t *rows, size_t *cols);

typedef struct ct2j_translator ct2j_translator;

CT2J_API ct2j_status ct2j_translator_load(const char *path, const ct2j_model_params *params,
                                          ct2j_translator **out_translator);
CT2J_API void ct2j_translator_free(ct2j_translator *translator);
CT2J_API ct2j_status ct2j_translator_unload(ct2j_translator *translator, bool to_cpu,
                                            int32_t busy_policy);
CT2J_API ct2j_status ct2j_translator_load_weights(ct2j_translator *translator, bool keep_cache);
CT2J_API bool ct2j_translator_is_loaded(const ct2j_translator *translator);
CT2J_API int32_t ct2j_translator_num_replicas(const ct2j_translator *translator);
CT2J_API int32_t ct2j_translator_num_active_batches(const ct2j_translator *translator);
CT2J_API const char *ct2j_translator_compute_type(const ct2j_translator *translator);
CT2J_API const ct2j_vocabulary *ct2j_translator_source_vocabulary(const ct2j_translator *translator);
CT2J_API const ct2j_vocabulary *ct2j_translator_target_vocabulary(const ct2j_translator *translator);
/* source: batch_size sequences of source ids. target_prefix: NULL, or prefix_batch_size (must be
 * batch_size) sequences of target ids, empty ones meaning no prefix. Synchronous; thread-safe. */
CT2J_API ct2j_status ct2j_translator_translate_batch(ct2j_translator *translator, size_t batch_size,
                                                     const int32_t *source_ids,
                                                     const size_t *source_lengths,
                                                     size_t prefix_batch_size,
                                                     const int32_t *prefix_ids,
                                                     const size_t *prefix_lengths,
                                                     const ct2j_translation_options *options,
                                                     ct2j_translation **out_translation);
/* target: batch_size sequences of target ids. */
CT2J_API ct2j_status ct2j_translator_score_batch(ct2j_translator *translator, size_t batch_size,
                                                 const int32_t *source_ids,
                                                 const size_t *source_lengths,
                                                 size_t target_batch_size,
                                                 const int32_t *target_ids,
                                                 const size_t *target_lengths,
                                                 const ct2j_scoring_options *options,
                                                 ct2j_scoring **out_scoring);

typedef struct ct2j_generator ct2j_generator;

CT2J_API ct2j_status ct2j_generator_load(const char *path, const ct2j_model_params *params,
                                         ct2j_generator **out_generator);
CT2J_API void ct2j_generator_free(ct2j_generator *generator);
CT2J_API ct2j_status ct2j_generator_unload(ct2j_generator *generator, bool to_cpu,
                                           int32_t busy_policy);
CT2J_API ct2j_status ct2j_generator_load_weights(ct2j_generator *generator, bool keep_cache);
CT2J_API bool ct2j_generator_is_loaded(const ct2j_generator *generator);
CT2J_API int32_t ct2j_generator_num_replicas(const ct2j_generator *generator);
CT2J_API int32_t ct2j_generator_num_active_batches(const ct2j_generator *generator);
CT2J_API const char *ct2j_generator_compute_type(const ct2j_generator *generator);
CT2J_API const ct2j_vocabulary *ct2j_generator_vocabulary(const ct2j_generator *generator);
/* start_tokens: batch_size non-empty sequences. Result in a ct2j_generation (the Whisper
 * accessors; no_speech_prob is NaN). With a callback, tokens are also reported as decoded. */
CT2J_API ct2j_status ct2j_generator_generate_batch(ct2j_generator *generator, size_t batch_size,
                                                   const int32_t *start_ids,
                                                   const size_t *start_lengths,
                                                   const ct2j_text_generation_options *options,
                                                   ct2j_generation **out_generation);
CT2J_API ct2j_status ct2j_generator_score_batch(ct2j_generator *generator, size_t batch_size,
                                                const int32_t *ids, const size_t *lengths,
                                                const ct2j_scoring_options *options,
                                                ct2j_scoring **out_scoring);

typedef struct ct2j_encoder ct2j_encoder;

CT2J_API ct2j_status ct2j_encoder_load(const char *path, const ct2j_model_params *params,
                                       ct2j_encoder **out_encoder);
CT2J_API void ct2j_encoder_free(ct2j_encoder *encoder);
CT2J_API ct2j_status ct2j_encoder_unload(ct2j_encoder *encoder, bool to_cpu, int32_t busy_policy);
CT2J_API ct2j_status ct2j_encoder_load_weights(ct2j_encoder *encoder, bool keep_cache);
CT2J_API bool ct2j_encoder_is_loaded(const ct2j_encoder *encoder);
CT2J_API int32_t ct2j_encoder_num_replicas(const ct2j_encoder *encoder);
CT2J_API int32_t ct2j_encoder_num_active_batches(const ct2j_encoder *encoder);
CT2J_API const char *ct2j_encoder_compute_type(const ct2j_encoder *encoder);
CT2J_API const ct2j_vocabulary *ct2j_encoder_vocabulary(const ct2j_encoder *encoder);
/* ids: batch_size non-empty sequences. last_hidden_state: [batch, max_length, hidden];
 * pooler_output: [batch, hidden], or NULL if the model has no pooler. Both on the model's device
 * (ct2j_storage_copy_to_f32 copies them to the host); free each with ct2j_storage_free. */
CT2J_API ct2j_status ct2j_encoder_forward_batch(ct2j_encoder *encoder, size_t batch_size,
                                                const int32_t *ids, const size_t *lengths,
                                                ct2j_storage **out_last_hidden_state,
                                                ct2j_storage **out_pooler_output);

/* ---- audio ---------------------------------------------------------------------------------- */

typedef struct ct2j_audio ct2j_audio;

/* Decodes the first audio stream of a file with FFmpeg and resamples it through libswresample's
 * defaults to signed 16-bit at sample_rate, mono (or stereo if split_stereo), then to float32
 * by dividing by 32768: faster-whisper's PyAV path. Undecodable frames are skipped. */
CT2J_API ct2j_status ct2j_audio_decode(const char *path, int32_t sample_rate, bool split_stereo,
                                       ct2j_audio **out_audio);
CT2J_API void ct2j_audio_free(ct2j_audio *audio);
/* 1 (mono) or 2 (split_stereo). */
CT2J_API int32_t ct2j_audio_channels(const ct2j_audio *audio);
/* Samples of one channel; *count receives their number. NULL if out of range. */
CT2J_API const float *ct2j_audio_samples(const ct2j_audio *audio, int32_t channel,
                                         size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* CT2J_H */
