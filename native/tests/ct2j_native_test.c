/* Exercises the C API directly (no JVM), so that AddressSanitizer/LeakSanitizer can check the
 * shim's own allocations. Needs CT2J_MODEL_DIR (a Whisper model), CT2J_TEST_AUDIO (a file) and
 * CT2J_CT2_MODELS (the tiny text models of parity/ct2/models.sh).
 * Features are synthetic here: numeric parity is the Java tests' job; this checks lifetimes,
 * error paths and that every handle is freed. */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct2j.h"

static int passed = 0, failed = 0;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                  \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, " (last error: %s)\n", ct2j_last_error());                            \
        }                                                                                          \
    } while (0)

static void test_library(void) {
    CHECK(ct2j_abi_version() == CT2J_ABI_VERSION, "abi version");
    CHECK(strlen(ct2j_ctranslate2_version()) > 0, "ctranslate2 version");
    CHECK(ct2j_noop(42) == 42, "noop");
    CHECK(ct2j_set_log_level(-1) == CT2J_OK, "log level");
    CHECK(ct2j_set_log_level(7) == CT2J_ERR_INVALID_ARGUMENT, "bad log level rejected");
    CHECK(strstr(ct2j_last_error(), "log level") != NULL, "message names the option");
    uint64_t f, t;
    if (ct2j_cuda_device_count() == 0)
        CHECK(ct2j_cuda_memory_info(0, &f, &t) != CT2J_OK, "no cuda memory info without a device");
}

static void test_audio(const char *path) {
    ct2j_audio *audio = NULL;
    CHECK(ct2j_audio_decode(path, 16000, false, &audio) == CT2J_OK, "decode %s", path);
    size_t n = 0;
    const float *samples = ct2j_audio_samples(audio, 0, &n);
    CHECK(samples != NULL && n > 16000, "samples decoded: %zu", n);
    CHECK(ct2j_audio_samples(audio, 1, &n) == NULL, "mono has one channel");
    ct2j_audio_free(audio);

    CHECK(ct2j_audio_decode(path, 16000, true, &audio) == CT2J_OK, "decode stereo");
    CHECK(ct2j_audio_channels(audio) == 2, "two channels");
    ct2j_audio_free(audio);

    CHECK(ct2j_audio_decode("/nonexistent/file.wav", 16000, false, &audio) == CT2J_ERR_NOT_FOUND,
          "missing file");
    CHECK(audio == NULL, "no handle on failure");
    CHECK(ct2j_audio_decode("/etc/hostname", 16000, false, &audio) == CT2J_ERR_DECODE,
          "non-audio file");
}

static void test_model(const char *dir) {
    ct2j_model *model = NULL;
    ct2j_model_params params = ct2j_model_default_params();
    params.compute_type = "float16x";
    CHECK(ct2j_model_load(dir, &params, &model) == CT2J_ERR_INVALID_ARGUMENT, "unknown compute type");
    CHECK(ct2j_model_load("/nonexistent/model", NULL, &model) == CT2J_ERR_NOT_FOUND, "missing dir");

    params = ct2j_model_default_params();
    params.compute_type = "int8";
    params.intra_threads = 2;
    CHECK(ct2j_model_load(dir, &params, &model) == CT2J_OK, "load %s", dir);
    if (!model)
        return;
    CHECK(ct2j_model_is_loaded(model), "loaded");
    CHECK(ct2j_model_num_mels(model) == 80, "num_mels");
    CHECK(ct2j_model_is_multilingual(model), "multilingual");
    CHECK(strcmp(ct2j_model_compute_type(model), "int8_float32") == 0, "compute type %s",
          ct2j_model_compute_type(model));

    const int64_t frames = 3000;
    float *mel = calloc((size_t)(80 * frames), sizeof(float));
    for (int64_t i = 0; i < 80 * frames; i++)
        mel[i] = -0.5f + 0.1f * sinf((float)i * 0.01f);
    const int64_t shape[3] = {1, 80, frames};
    ct2j_storage *features = NULL;
    CHECK(ct2j_storage_wrap_f32(mel, 3, shape, &features) == CT2J_OK, "wrap");

    const int64_t bad_shape[3] = {1, 128, frames};
    ct2j_storage *bad = NULL;
    CHECK(ct2j_storage_wrap_f32(mel, 3, bad_shape, &bad) == CT2J_OK, "wrap bad");
    ct2j_storage *encoded = NULL;
    CHECK(ct2j_encode(model, bad, false, &encoded) == CT2J_ERR_INVALID_ARGUMENT, "wrong num_mels");
    ct2j_storage_free(bad);

    CHECK(ct2j_encode(model, features, false, &encoded) == CT2J_OK, "encode");
    int64_t out_shape[4];
    CHECK(ct2j_storage_shape(encoded, out_shape, 4) == 3 && out_shape[1] == 1500, "encoded shape");

    {
        /* ct2j_encode_split: two windows encoded one at a time give the one call's values. */
        const size_t item = (size_t)(80 * frames), out_item = 1500 * 512;
        float *two = malloc(2 * item * sizeof(float));
        for (size_t i = 0; i < 2 * item; i++)
            two[i] = i < item ? mel[i] : 0.5f * mel[i - item] - 0.25f;
        const int64_t two_shape[3] = {2, 80, frames};
        ct2j_storage *pair = NULL, *whole = NULL, *split = NULL;
        CHECK(ct2j_storage_wrap_f32(two, 3, two_shape, &pair) == CT2J_OK, "wrap two windows");
        CHECK(ct2j_encode(model, pair, true, &whole) == CT2J_OK, "encode two windows");
        CHECK(ct2j_encode_split(model, pair, 1, &split) == CT2J_OK, "encode split: %s", ct2j_last_error());
        int64_t split_shape[4];
        CHECK(ct2j_storage_shape(split, split_shape, 4) == 3 && split_shape[0] == 2 && split_shape[1] == 1500 &&
                  split_shape[2] == 512, "split shape");
        float *a = malloc(2 * out_item * sizeof(float)), *b = malloc(2 * out_item * sizeof(float));
        CHECK(ct2j_storage_copy_to_f32(whole, a, 2 * out_item) == CT2J_OK &&
                  ct2j_storage_copy_to_f32(split, b, 2 * out_item) == CT2J_OK, "read both");
        CHECK(memcmp(a, b, 2 * out_item * sizeof(float)) == 0, "split values are the one call's, bit for bit");
        ct2j_languages *split_languages = NULL;
        CHECK(ct2j_detect_language(model, split, &split_languages) == CT2J_OK &&
                  ct2j_languages_batch_size(split_languages) == 2, "the split output is taken as encoded");
        ct2j_languages_free(split_languages);
        ct2j_storage *refused = NULL;
        CHECK(ct2j_encode_split(model, pair, 0, &refused) == CT2J_ERR_INVALID_ARGUMENT &&
                  strstr(ct2j_last_error(), "max_batch") != NULL && refused == NULL, "max_batch 0 refused");
        CHECK(ct2j_encode_split(model, split, 1, &refused) == CT2J_ERR_INVALID_ARGUMENT && refused == NULL,
              "encoded input refused");
        free(a);
        free(b);
        ct2j_storage_free(split);
        ct2j_storage_free(whole);
        ct2j_storage_free(pair);
        free(two);
    }

    const int32_t prompt[] = {50258, 50259, 50359}; /* sot, en, transcribe */
    const size_t prompt_length = 3;
    ct2j_whisper_options options = ct2j_whisper_default_options();
    options.return_scores = true;
    options.return_no_speech_prob = true;
    options.max_length = 20;
    ct2j_generation *generation = NULL;
    CHECK(ct2j_generate(model, encoded, 1, prompt, &prompt_length, &options, &generation) == CT2J_OK,
          "generate");
    size_t length = 0;
    CHECK(ct2j_generation_ids(generation, 0, 0, &length) != NULL, "ids");
    CHECK(!isnan(ct2j_generation_score(generation, 0, 0)), "score");
    ct2j_generation_free(generation);

    /* Sanity maxima: each names its field; nothing is allocated for the refused call. */
    ct2j_whisper_options huge = options;
    huge.beam_size = 10000;
    CHECK(ct2j_generate(model, encoded, 1, prompt, &prompt_length, &huge, &generation) ==
                  CT2J_ERR_INVALID_ARGUMENT && strstr(ct2j_last_error(), "beam_size") != NULL &&
              strstr(ct2j_last_error(), "10000") != NULL,
          "beam_size 10000 refused: %s", ct2j_last_error());
    huge = options;
    huge.beam_size = 1;
    huge.sampling_topk = 0;
    huge.num_hypotheses = 100000;
    CHECK(ct2j_generate(model, encoded, 1, prompt, &prompt_length, &huge, &generation) ==
                  CT2J_ERR_INVALID_ARGUMENT && strstr(ct2j_last_error(), "num_hypotheses") != NULL,
          "num_hypotheses 100000 refused: %s", ct2j_last_error());
    huge = options;
    huge.patience = INFINITY;
    CHECK(ct2j_generate(model, encoded, 1, prompt, &prompt_length, &huge, &generation) ==
                  CT2J_ERR_INVALID_ARGUMENT && strstr(ct2j_last_error(), "patience") != NULL,
          "infinite patience refused: %s", ct2j_last_error());
    {
        /* <|startofprev|>, 447 previous-text tokens, sot, en, transcribe: 450 tokens before the task token. */
        int32_t long_prompt[451];
        long_prompt[0] = 50361; /* <|startofprev|> */
        for (int i = 1; i < 448; ++i)
            long_prompt[i] = 440;
        long_prompt[448] = 50258;
        long_prompt[449] = 50259;
        long_prompt[450] = 50359;
        const size_t long_length = 451;
        CHECK(ct2j_generate(model, encoded, 1, long_prompt, &long_length, &options, &generation) ==
                      CT2J_ERR_INVALID_ARGUMENT && strstr(ct2j_last_error(), "prompt has 450 tokens") != NULL,
              "prompt past the decoder's positions refused: %s", ct2j_last_error());
        const int32_t no_sot[] = {50259, 50359};
        const size_t no_sot_length = 2;
        CHECK(ct2j_generate(model, encoded, 1, no_sot, &no_sot_length, &options, &generation) ==
                      CT2J_ERR_INVALID_ARGUMENT && strstr(ct2j_last_error(), "startoftranscript") != NULL,
              "prompt without sot refused: %s", ct2j_last_error());
    }

    {
        /* 257 one-frame items: refused before anything is encoded. */
        float *tiny = calloc((size_t)(257 * 80), sizeof(float));
        const int64_t tiny_shape[3] = {257, 80, 1};
        ct2j_storage *batch = NULL;
        CHECK(ct2j_storage_wrap_f32(tiny, 3, tiny_shape, &batch) == CT2J_OK, "wrap batch");
        int32_t *prompts = malloc(257 * 3 * sizeof(int32_t));
        size_t lengths[257];
        for (int i = 0; i < 257; ++i) {
            memcpy(prompts + 3 * i, prompt, sizeof(prompt));
            lengths[i] = 3;
        }
        CHECK(ct2j_generate(model, batch, 257, prompts, lengths, &options, &generation) ==
                      CT2J_ERR_INVALID_ARGUMENT && strstr(ct2j_last_error(), "batch_size") != NULL,
              "batch of 257 refused: %s", ct2j_last_error());
        free(prompts);
        ct2j_storage_free(batch);
        free(tiny);
    }

    const int32_t bad_prompt[] = {50258, 999999};
    const size_t bad_length = 2;
    CHECK(ct2j_generate(model, encoded, 1, bad_prompt, &bad_length, &options, &generation) ==
              CT2J_ERR_INVALID_ARGUMENT,
          "token outside vocabulary rejected");

    ct2j_languages *languages = NULL;
    CHECK(ct2j_detect_language(model, encoded, &languages) == CT2J_OK, "detect");
    CHECK(ct2j_languages_count(languages, 0) == 99, "99 languages: %zu", ct2j_languages_count(languages, 0));
    ct2j_languages_free(languages);

    const int32_t sot_sequence[] = {50258, 50259, 50359};
    const int32_t text[] = {440, 1723, 13};
    const size_t text_length = 3;
    const int64_t num_frames = 1000;
    ct2j_alignment *alignment = NULL;
    CHECK(ct2j_align(model, encoded, sot_sequence, 3, 1, text, &text_length, &num_frames, 7, &alignment) ==
              CT2J_OK,
          "align");
    size_t pairs = 0;
    CHECK(ct2j_alignment_pairs(alignment, 0, &pairs) != NULL && pairs > 0, "alignment pairs");
    ct2j_alignment_free(alignment);

    CHECK(ct2j_model_unload(model, false, CT2J_BUSY_FAIL) == CT2J_OK, "unload");
    CHECK(!ct2j_model_is_loaded(model), "unloaded");
    ct2j_storage *after = NULL;
    CHECK(ct2j_encode(model, features, false, &after) == CT2J_ERR_NOT_LOADED && after == NULL,
          "encode after unload fails cleanly");
    CHECK(ct2j_model_load_weights(model, false) == CT2J_OK, "reload");
    CHECK(ct2j_model_unload(model, true, CT2J_BUSY_WAIT) == CT2J_OK, "unload to cpu");
    CHECK(ct2j_model_load_weights(model, true) == CT2J_OK, "reload from cache");
    CHECK(ct2j_model_release_caches(model) == CT2J_OK, "release caches");

    ct2j_storage_free(encoded);
    ct2j_storage_free(features);
    free(mel);
    ct2j_model_free(model);
}

static char *read_file(const char *dir, const char *name, size_t *size) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc(n > 0 ? (size_t)n : 1);
    *size = fread(data, 1, (size_t)n, f);
    fclose(f);
    return data;
}

/* model.bin and vocabulary.json of the model in `dir`, for loads from memory. */
static bool read_model_files(const char *dir, char **model_bin, size_t *model_size, char **vocabulary,
                             size_t *vocabulary_size) {
    *model_bin = read_file(dir, "model.bin", model_size);
    *vocabulary = read_file(dir, "vocabulary.json", vocabulary_size);
    CHECK(*model_bin && *vocabulary, "read model files from %s", dir);
    if (*model_bin && *vocabulary)
        return true;
    free(*model_bin);
    free(*vocabulary);
    return false;
}

/* Loads the model from memory with config.json replaced by `config`. */
static ct2j_status load_with_config(const char *model_bin, size_t model_size, const char *vocabulary,
                                    size_t vocabulary_size, const char *config, ct2j_model **model) {
    const char *names[] = {"model.bin", "vocabulary.json", "config.json"};
    const void *data[] = {model_bin, vocabulary, config};
    const size_t sizes[] = {model_size, vocabulary_size, strlen(config)};
    ct2j_model_params params = ct2j_model_default_params();
    params.compute_type = "int8";
    params.intra_threads = 2;
    return ct2j_model_load_from_memory("bad-config", 3, names, data, sizes, &params, model);
}

/* config.json values CTranslate2 uses unchecked are refused at load, naming field and value;
 * fields it would read when absent (undefined behaviour) fail the call that needs them. */
/* exit() while a generate runs: without the shim's exit handler, the static destructors that
 * exit() runs (oneDNN's JIT kernels) unmap code the generation's worker threads execute, and they
 * crash. The child registers a slow exit handler before any GEMM, so that it runs after those
 * destructors and gives the workers time to hit the unmapped code: a crash then shows every
 * time, not by chance. With the handler, exit() ends with _exit(3) first. */
static ct2j_model *exit_model;
static ct2j_storage *exit_encoded;

static void *exit_generate(void *arg) {
    (void)arg;
    const int32_t prompt[] = {50258, 50259, 50359};
    const size_t length = 3;
    ct2j_whisper_options options = ct2j_whisper_default_options();
    options.patience = 1000; /* no beam finishes early: the call decodes to max_length */
    ct2j_generation *generation = NULL;
    ct2j_generate(exit_model, exit_encoded, 1, prompt, &length, &options, &generation);
    return NULL;
}

static void slow_exit(int status, void *arg) {
    (void)status;
    (void)arg;
    sleep(2);
}

/* The child's side, in a fresh process: the test binary runs itself with EXIT_CHILD_FLAG. A fresh
 * process (fork, then exec at once) rather than a bare fork: a fork inherits whatever another
 * thread held at that instant, and under ASan a thread inside the allocator then deadlocks the
 * child (seen in CI). It also makes the test independent of what earlier tests built. */
#define EXIT_CHILD_FLAG "--exit-during-generate-child"

static int exit_during_generate_child(const char *dir) {
    on_exit(slow_exit, NULL);
    ct2j_model_params params = ct2j_model_default_params();
    params.compute_type = "int8";
    params.intra_threads = 2;
    if (ct2j_model_load(dir, &params, &exit_model) != CT2J_OK)
        _exit(90);
    static float mel[80 * 3000];
    for (int i = 0; i < 80 * 3000; i++)
        mel[i] = -0.5f + 0.1f * sinf((float)i * 0.01f);
    const int64_t shape[3] = {1, 80, 3000};
    ct2j_storage *features = NULL;
    if (ct2j_storage_wrap_f32(mel, 3, shape, &features) != CT2J_OK ||
        ct2j_encode(exit_model, features, false, &exit_encoded) != CT2J_OK)
        _exit(91);
    pthread_t thread;
    if (pthread_create(&thread, NULL, exit_generate, NULL) != 0)
        _exit(92);
    for (int waited = 0; ct2j_calls_in_flight() == 0; waited++) {
        if (waited > 60000)
            _exit(93);
        usleep(1000); /* polls the shim's own count: the generate has entered when it is 1 */
    }
    usleep(100000); /* into the decoding loop, past the prompt */
    exit(3);
}

static void test_exit_during_generate(const char *dir) {
    fflush(NULL);
    const pid_t child = fork();
    if (child == 0) {
        execl("/proc/self/exe", "ct2j_native_test", EXIT_CHILD_FLAG, dir, (char *)NULL);
        _exit(94);
    }
    int status = 0;
    CHECK(child > 0 && waitpid(child, &status, 0) == child, "fork and wait");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3,
          "exit(3) during a generate ends with status 3, got %s %d",
          WIFSIGNALED(status) ? "signal" : "exit code", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    CHECK(ct2j_calls_in_flight() == 0, "no call in flight in the parent");
    CHECK(ct2j_shutdown_wait(10) == 0, "shutdown_wait returns at once when idle");
}

static void test_bad_config(const char *dir) {
    size_t model_size = 0, vocabulary_size = 0;
    char *model_bin = NULL, *vocabulary = NULL;
    if (!read_model_files(dir, &model_bin, &model_size, &vocabulary, &vocabulary_size))
        return;
    static const char *const bad[][2] = {
        {"{\"alignment_heads\": [[99, 99]]}",
         "config.json: alignment_heads [99, 99] out of range: the decoder has 6 layers x 8 heads"},
        {"{\"alignment_heads\": [[0, -1]]}", "alignment_heads [0, -1] out of range"},
        {"{\"alignment_heads\": []}", "alignment_heads must be a non-empty list"},
        {"{\"suppress_ids\": [1, 51865]}", "config.json: suppress_ids contains 51865, outside the vocabulary"},
        {"{\"suppress_ids_begin\": [220, -5]}", "config.json: suppress_ids_begin contains -5"},
        {"{\"suppress_ids\": \"all\"}", "config.json: suppress_ids must be a list of token ids"},
        {"{\"lang_ids\": [50259, 70000]}", "config.json: lang_ids contains 70000"},
        {"[1, 2]", "config.json: expected a JSON object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ct2j_model *model = NULL;
        ct2j_status status = load_with_config(model_bin, model_size, vocabulary, vocabulary_size, bad[i][0], &model);
        CHECK(status == CT2J_ERR_INVALID_ARGUMENT && model == NULL, "config %s rejected (status %d)", bad[i][0],
              (int)status);
        CHECK(strstr(ct2j_last_error(), bad[i][1]) != NULL, "message for %s names '%s'", bad[i][0], bad[i][1]);
        ct2j_model_free(model);
    }

    /* An empty config loads; what needs a missing field fails cleanly instead of reading it. */
    ct2j_model *model = NULL;
    CHECK(load_with_config(model_bin, model_size, vocabulary, vocabulary_size, "{}", &model) == CT2J_OK,
          "empty config loads");
    if (model) {
        const int64_t frames = 3000;
        float *mel = calloc((size_t)(80 * frames), sizeof(float));
        const int64_t shape[3] = {1, 80, frames};
        ct2j_storage *features = NULL;
        CHECK(ct2j_storage_wrap_f32(mel, 3, shape, &features) == CT2J_OK, "wrap");
        const int32_t prompt[] = {50258, 50259, 50359};
        const size_t prompt_length = 3;
        ct2j_whisper_options options = ct2j_whisper_default_options();
        options.max_length = 4;
        ct2j_generation *generation = NULL;
        CHECK(ct2j_generate(model, features, 1, prompt, &prompt_length, &options, &generation) ==
                  CT2J_ERR_INVALID_ARGUMENT && strstr(ct2j_last_error(), "no suppress_ids") != NULL,
              "suppress_tokens -1 without suppress_ids");
        options.num_suppress_tokens = 0;
        CHECK(ct2j_generate(model, features, 1, prompt, &prompt_length, &options, &generation) ==
                  CT2J_ERR_INVALID_ARGUMENT && strstr(ct2j_last_error(), "no suppress_ids_begin") != NULL,
              "suppress_blank without suppress_ids_begin");
        options.suppress_blank = false;
        CHECK(ct2j_generate(model, features, 1, prompt, &prompt_length, &options, &generation) == CT2J_OK,
              "generate without config suppression");
        ct2j_generation_free(generation);
        ct2j_languages *languages = NULL;
        CHECK(ct2j_detect_language(model, features, &languages) == CT2J_ERR_INVALID_ARGUMENT &&
                  strstr(ct2j_last_error(), "no lang_ids") != NULL,
              "detect_language without lang_ids");
        ct2j_storage_free(features);
        free(mel);
        ct2j_model_free(model);
    }
    free(model_bin);
    free(vocabulary);
}

/* Finds a variable's header in model.bin: its name (with the NUL), then rank, dims, dtype, size. */
static unsigned char *find_variable(char *model_bin, size_t model_size, const char *name) {
    const size_t length = strlen(name) + 1;
    for (size_t i = 2; i + length <= model_size; i++)
        if (memcmp(model_bin + i, name, length) == 0 && (unsigned char)model_bin[i - 2] == length)
            return (unsigned char *)model_bin + i + length;
    return NULL;
}

/* model.bin's layout is checked before CTranslate2 builds layers from it: each patch of the real
 * model is refused with a message naming the variable (none of them reaches CTranslate2). */
static void test_bad_layout(const char *dir) {
    size_t model_size = 0, vocabulary_size = 0;
    char *model_bin = NULL, *vocabulary = NULL;
    if (!read_model_files(dir, &model_bin, &model_size, &vocabulary, &vocabulary_size))
        return;
    enum { ZERO_SCALAR, RENAME, SWAP_DIMS, BAD_DTYPE };
    static const struct {
        int patch;
        const char *variable;
        const char *message;
    } cases[] = {
        /* a SIGFPE in CTranslate2's AttentionLayer before the check (native/fuzz found it) */
        {ZERO_SCALAR, "encoder/num_heads", "model.bin: encoder/num_heads is 0, expected an integer in [1, 512]"},
        {ZERO_SCALAR, "decoder/num_heads", "model.bin: decoder/num_heads is 0"},
        {RENAME, "decoder/scale_alibi", "model.bin: unexpected variable decoder/scale_alibX"},
        {SWAP_DIMS, "decoder/layer_3/ffn/linear_1/weight",
         "model.bin: decoder/layer_3/ffn/linear_1/weight has shape [2048, 512], expected [512, 2048]"},
        {SWAP_DIMS, "encoder/position_encodings/encodings",
         "model.bin: encoder/position_encodings/encodings has shape [512, 1500], expected [positions, 512]"},
        {BAD_DTYPE, "encoder/layer_norm/gamma", "model.bin: encoder/layer_norm/gamma is int16, expected a float type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *copy = malloc(model_size);
        memcpy(copy, model_bin, model_size);
        unsigned char *header = find_variable(copy, model_size, cases[i].variable);
        CHECK(header != NULL, "found %s in model.bin", cases[i].variable);
        if (!header) {
            free(copy);
            continue;
        }
        const unsigned rank = header[0];
        unsigned char *dtype = header + 1 + 4 * rank;
        if (cases[i].patch == ZERO_SCALAR)
            memset(dtype + 5, 0, 2); /* the int16 payload */
        else if (cases[i].patch == RENAME)
            header[-2] = 'X';
        else if (cases[i].patch == SWAP_DIMS) {
            unsigned char dim[4];
            memcpy(dim, header + 1, 4);
            memmove(header + 1, header + 5, 4);
            memcpy(header + 5, dim, 4);
        } else
            *dtype = 2; /* float16 -> int16: same size */
        ct2j_model *model = NULL;
        const ct2j_status status = load_with_config(copy, model_size, vocabulary, vocabulary_size, "{}", &model);
        CHECK(status == CT2J_ERR_INVALID_ARGUMENT && model == NULL, "%s patched: refused (status %d)",
              cases[i].variable, (int)status);
        CHECK(strstr(ct2j_last_error(), cases[i].message) != NULL, "message for %s names '%s'", cases[i].variable,
              cases[i].message);
        ct2j_model_free(model);
        free(copy);
    }
    free(model_bin);
    free(vocabulary);
}

/* ---- text models (CT2J_CT2_MODELS: the translator/, generator/ and encoder/ of
 * parity/ct2/models.sh) ------------------------------------------------------------------------- */

static int32_t token_id(const ct2j_vocabulary *v, const char *token) {
    const int32_t id = ct2j_vocabulary_id(v, token);
    CHECK(id >= 0, "token %s in the vocabulary", token);
    return id;
}

struct stop_after {
    int seen;
    int limit;
};

static bool stop_after_callback(const ct2j_step *step, void *user_data) {
    struct stop_after *s = user_data;
    (void)step;
    s->seen++;
    return s->seen >= s->limit;
}

static void test_translator(const char *dir) {
    ct2j_translator *t = NULL;
    ct2j_model_params params = ct2j_model_default_params();
    params.compute_type = "float32";
    params.intra_threads = 1;
    CHECK(ct2j_translator_load(dir, &params, &t) == CT2J_OK, "load translator %s", dir);
    if (!t)
        return;
    const ct2j_vocabulary *src = ct2j_translator_source_vocabulary(t);
    const ct2j_vocabulary *tgt = ct2j_translator_target_vocabulary(t);
    CHECK(ct2j_vocabulary_size(src) > 4 && ct2j_vocabulary_size(tgt) > 4, "vocabularies");
    CHECK(ct2j_vocabulary_token(src, -1) == NULL && ct2j_vocabulary_id(src, "no such token") == -1, "lookups");
    const int32_t source[] = {token_id(src, "t5"), token_id(src, "t9"), token_id(src, "t12"), token_id(src, "t7")};
    const size_t lengths[] = {3, 1};

    ct2j_translation_options o = ct2j_translation_default_options();
    CHECK(o.beam_size == 2 && o.max_decoding_length == 256 && o.min_decoding_length == 1, "Python defaults");
    o.beam_size = 4;
    o.num_hypotheses = 2;
    o.return_scores = true;
    o.return_attention = true;
    o.max_decoding_length = 10;
    ct2j_translation *tr = NULL;
    CHECK(ct2j_translator_translate_batch(t, 2, source, lengths, 0, NULL, NULL, &o, &tr) == CT2J_OK, "translate");
    CHECK(ct2j_translation_batch_size(tr) == 2 && ct2j_translation_num_hypotheses(tr, 0) == 2, "hypotheses");
    size_t n = 0, rows = 0, cols = 0;
    CHECK(ct2j_translation_ids(tr, 0, 0, &n) != NULL, "ids");
    CHECK(!isnan(ct2j_translation_score(tr, 0, 0)), "score");
    CHECK(ct2j_translation_attention(tr, 0, 0, &rows, &cols) != NULL && cols == 3, "attention %zu x %zu", rows, cols);
    ct2j_translation_free(tr);

    /* Bad input: each refused with a message naming it, nothing returned. */
    const int32_t oov[] = {9999};
    const size_t one = 1;
    tr = NULL;
    CHECK(ct2j_translator_translate_batch(t, 1, oov, &one, 0, NULL, NULL, NULL, &tr) == CT2J_ERR_INVALID_ARGUMENT &&
              strstr(ct2j_last_error(), "9999") && tr == NULL,
          "out-of-vocabulary id: %s", ct2j_last_error());
    CHECK(ct2j_translator_translate_batch(t, 0, source, lengths, 0, NULL, NULL, NULL, &tr) == CT2J_ERR_INVALID_ARGUMENT &&
              strstr(ct2j_last_error(), "empty"),
          "empty batch: %s", ct2j_last_error());
    const size_t prefix_length = 1;
    CHECK(ct2j_translator_translate_batch(t, 2, source, lengths, 1, source, &prefix_length, NULL, &tr) ==
                  CT2J_ERR_INVALID_ARGUMENT && strstr(ct2j_last_error(), "target_prefix"),
          "inconsistent prefix batch: %s", ct2j_last_error());
    ct2j_translation_options bad = ct2j_translation_default_options();
    bad.max_decoding_length = 0;
    CHECK(ct2j_translator_translate_batch(t, 1, source, lengths, 0, NULL, NULL, &bad, &tr) == CT2J_ERR_INVALID_ARGUMENT &&
              strstr(ct2j_last_error(), "max_decoding_length"),
          "max length 0: %s", ct2j_last_error());
    bad = ct2j_translation_default_options();
    bad.patience = NAN;
    CHECK(ct2j_translator_translate_batch(t, 1, source, lengths, 0, NULL, NULL, &bad, &tr) == CT2J_ERR_INVALID_ARGUMENT &&
              strstr(ct2j_last_error(), "patience"),
          "NaN patience: %s", ct2j_last_error());
    bad = ct2j_translation_default_options();
    bad.sampling_temperature = -1;
    CHECK(ct2j_translator_translate_batch(t, 1, source, lengths, 0, NULL, NULL, &bad, &tr) == CT2J_ERR_INVALID_ARGUMENT,
          "negative temperature");
    bad = ct2j_translation_default_options();
    bad.beam_size = 2;
    struct stop_after stop = {0, 1};
    bad.callback = stop_after_callback;
    bad.callback_user_data = &stop;
    CHECK(ct2j_translator_translate_batch(t, 1, source, lengths, 0, NULL, NULL, &bad, &tr) == CT2J_ERR_INVALID_ARGUMENT &&
              strstr(ct2j_last_error(), "callback"),
          "callback with beam search: %s", ct2j_last_error());

    ct2j_scoring *sc = NULL;
    const int32_t target[] = {token_id(tgt, "t4"), token_id(tgt, "t8")};
    const size_t target_length = 2;
    CHECK(ct2j_translator_score_batch(t, 1, source, lengths, 1, target, &target_length, NULL, &sc) == CT2J_OK, "score");
    CHECK(ct2j_scoring_log_probs(sc, 0, &n) != NULL && n == 3, "log probs for 2 tokens and </s>: %zu", n);
    ct2j_scoring_free(sc);
    CHECK(ct2j_translator_score_batch(t, 2, source, lengths, 1, target, &target_length, NULL, &sc) ==
              CT2J_ERR_INVALID_ARGUMENT,
          "inconsistent target batch");

    CHECK(ct2j_translator_unload(t, false, CT2J_BUSY_FAIL) == CT2J_OK && !ct2j_translator_is_loaded(t), "unload");
    CHECK(ct2j_translator_translate_batch(t, 1, source, lengths, 0, NULL, NULL, NULL, &tr) == CT2J_ERR_NOT_LOADED,
          "translate after unload");
    CHECK(ct2j_vocabulary_size(src) > 4, "vocabulary while unloaded");
    CHECK(ct2j_translator_load_weights(t, false) == CT2J_OK && ct2j_translator_is_loaded(t), "reload");
    CHECK(ct2j_translator_translate_batch(t, 1, source, lengths, 0, NULL, NULL, NULL, &tr) == CT2J_OK, "after reload");
    ct2j_translation_free(tr);
    ct2j_translator_free(t);
}

static void test_generator(const char *dir, const char *whisper_dir) {
    ct2j_generator *g = NULL;
    ct2j_model_params params = ct2j_model_default_params();
    params.compute_type = "float32";
    params.intra_threads = 1;
    CHECK(ct2j_generator_load(whisper_dir, &params, &g) == CT2J_ERR_INVALID_ARGUMENT && g == NULL,
          "a Whisper model is no generator: %s", ct2j_last_error());
    CHECK(ct2j_generator_load(dir, &params, &g) == CT2J_OK, "load generator %s", dir);
    if (!g)
        return;
    const ct2j_vocabulary *v = ct2j_generator_vocabulary(g);
    const int32_t start[] = {ct2j_vocabulary_bos_id(v), token_id(v, "t5"), token_id(v, "t6")};
    const size_t length = 3;
    ct2j_text_generation_options o = ct2j_text_generation_default_options();
    CHECK(o.max_length == 512 && o.include_prompt_in_result && o.cache_static_prompt, "Python defaults");
    o.max_length = 8;
    o.return_scores = true;
    ct2j_generation *gen = NULL;
    CHECK(ct2j_generator_generate_batch(g, 1, start, &length, &o, &gen) == CT2J_OK, "generate");
    size_t n = 0;
    CHECK(ct2j_generation_ids(gen, 0, 0, &n) != NULL && n >= 3, "sequence with its prompt: %zu", n);
    ct2j_generation_free(gen);

    struct stop_after stop = {0, 2};
    o.include_prompt_in_result = false;
    o.max_length = 20;
    o.min_length = 10;
    o.callback = stop_after_callback;
    o.callback_user_data = &stop;
    CHECK(ct2j_generator_generate_batch(g, 1, start, &length, &o, &gen) == CT2J_OK, "generate with callback");
    CHECK(stop.seen == 2, "the callback stopped generation after 2 tokens: %d", stop.seen);
    ct2j_generation_free(gen);

    ct2j_text_generation_options bad = ct2j_text_generation_default_options();
    bad.max_length = 0;
    CHECK(ct2j_generator_generate_batch(g, 1, start, &length, &bad, &gen) == CT2J_ERR_INVALID_ARGUMENT &&
              strstr(ct2j_last_error(), "max_length"),
          "max length 0");
    const size_t empty = 0;
    CHECK(ct2j_generator_generate_batch(g, 1, start, &empty, NULL, &gen) == CT2J_ERR_INVALID_ARGUMENT,
          "empty start tokens");
    const int32_t oov[] = {-3};
    CHECK(ct2j_generator_generate_batch(g, 1, oov, &(size_t){1}, NULL, &gen) == CT2J_ERR_INVALID_ARGUMENT,
          "negative id");

    ct2j_scoring *sc = NULL;
    CHECK(ct2j_generator_score_batch(g, 1, start, &length, NULL, &sc) == CT2J_OK, "score");
    CHECK(ct2j_scoring_log_probs(sc, 0, &n) != NULL && n == 2, "log probs of tokens after the first: %zu", n);
    ct2j_scoring_free(sc);
    ct2j_generator_free(g);
}

static void test_encoder(const char *dir) {
    ct2j_encoder *e = NULL;
    ct2j_model_params params = ct2j_model_default_params();
    params.compute_type = "float32";
    params.intra_threads = 1;
    CHECK(ct2j_encoder_load(dir, &params, &e) == CT2J_OK, "load encoder %s", dir);
    if (!e)
        return;
    const ct2j_vocabulary *v = ct2j_encoder_vocabulary(e);
    const int32_t ids[] = {token_id(v, "t5"), token_id(v, "t6"), token_id(v, "t7")};
    const size_t lengths[] = {2, 1};
    ct2j_storage *hidden = NULL, *pooled = NULL;
    CHECK(ct2j_encoder_forward_batch(e, 2, ids, lengths, &hidden, &pooled) == CT2J_OK, "forward");
    int64_t shape[4] = {0};
    CHECK(ct2j_storage_shape(hidden, shape, 4) == 3 && shape[0] == 2 && shape[1] == 2, "hidden shape");
    CHECK(pooled != NULL && ct2j_storage_rank(pooled) == 2, "pooler output");
    float *values = malloc((size_t)(shape[0] * shape[1] * shape[2]) * sizeof(float));
    CHECK(ct2j_storage_copy_to_f32(hidden, values, (size_t)(shape[0] * shape[1] * shape[2])) == CT2J_OK, "copy");
    free(values);
    ct2j_storage_free(hidden);
    ct2j_storage_free(pooled);
    const size_t zero[] = {0};
    CHECK(ct2j_encoder_forward_batch(e, 1, ids, zero, &hidden, &pooled) == CT2J_ERR_INVALID_ARGUMENT && hidden == NULL,
          "empty sequence");
    CHECK(ct2j_encoder_unload(e, true, CT2J_BUSY_WAIT) == CT2J_OK && ct2j_encoder_load_weights(e, true) == CT2J_OK,
          "unload to cpu and back");
    ct2j_encoder_free(e);
}

/* A generation held inside its step callback until the main thread releases it: unload with
 * CT2J_BUSY_FAIL must refuse, and free must wait for the call instead of freeing under it. */
struct held_call {
    ct2j_generator *generator;
    const int32_t *start;
    size_t length;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    bool in_callback;
    bool release;
    ct2j_status status;
};

static bool hold_callback(const ct2j_step *step, void *user_data) {
    struct held_call *h = user_data;
    (void)step;
    pthread_mutex_lock(&h->mutex);
    h->in_callback = true;
    pthread_cond_broadcast(&h->cond);
    while (!h->release)
        pthread_cond_wait(&h->cond, &h->mutex);
    pthread_mutex_unlock(&h->mutex);
    return true; /* stop at once */
}

static void *held_generate(void *arg) {
    struct held_call *h = arg;
    ct2j_text_generation_options o = ct2j_text_generation_default_options();
    o.max_length = 1000;
    o.min_length = 1000;
    o.callback = hold_callback;
    o.callback_user_data = h;
    ct2j_generation *gen = NULL;
    h->status = ct2j_generator_generate_batch(h->generator, 1, h->start, &h->length, &o, &gen);
    ct2j_generation_free(gen);
    return NULL;
}

static void *release_later(void *arg) {
    struct held_call *h = arg;
    /* From another thread, so that the main thread can be in ct2j_generator_free while the call
     * is still held (free must then wait for it). */
    pthread_mutex_lock(&h->mutex);
    h->release = true;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->mutex);
    return NULL;
}

static void test_generator_busy(const char *dir) {
    ct2j_model_params params = ct2j_model_default_params();
    params.compute_type = "float32";
    params.intra_threads = 1;
    struct held_call h = {0};
    CHECK(ct2j_generator_load(dir, &params, &h.generator) == CT2J_OK, "load generator");
    if (!h.generator)
        return;
    const int32_t start[] = {ct2j_vocabulary_bos_id(ct2j_generator_vocabulary(h.generator))};
    h.start = start;
    h.length = 1;
    pthread_mutex_init(&h.mutex, NULL);
    pthread_cond_init(&h.cond, NULL);
    pthread_t thread, releaser;
    CHECK(pthread_create(&thread, NULL, held_generate, &h) == 0, "start generation");
    pthread_mutex_lock(&h.mutex);
    while (!h.in_callback)
        pthread_cond_wait(&h.cond, &h.mutex);
    pthread_mutex_unlock(&h.mutex);
    CHECK(ct2j_generator_unload(h.generator, false, CT2J_BUSY_FAIL) == CT2J_ERR_BUSY, "unload refused while busy");
    CHECK(ct2j_generator_is_loaded(h.generator), "still loaded");
    CHECK(pthread_create(&releaser, NULL, release_later, &h) == 0, "start releaser");
    ct2j_generator_free(h.generator); /* returns only after the held call has ended */
    pthread_join(thread, NULL);
    pthread_join(releaser, NULL);
    CHECK(h.status == CT2J_OK, "the held call ended cleanly: %d", h.status);
    pthread_cond_destroy(&h.cond);
    pthread_mutex_destroy(&h.mutex);
}

static void test_text_models(const char *dir, const char *whisper_dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/translator", dir);
    test_translator(path);
    snprintf(path, sizeof path, "%s/generator", dir);
    test_generator(path, whisper_dir);
    test_generator_busy(path);
    snprintf(path, sizeof path, "%s/encoder", dir);
    test_encoder(path);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], EXIT_CHILD_FLAG) == 0)
        return exit_during_generate_child(argv[2]);
    const char *dir = getenv("CT2J_MODEL_DIR");
    const char *audio = getenv("CT2J_TEST_AUDIO");
    const char *text_models = getenv("CT2J_CT2_MODELS");
    if (!dir || !audio || !text_models) {
        fprintf(stderr, "CT2J_MODEL_DIR, CT2J_TEST_AUDIO and CT2J_CT2_MODELS (parity/ct2/models.sh) must be set\n");
        return 2;
    }
    test_library();
    test_exit_during_generate(dir);
    test_audio(audio);
    test_model(dir);
    test_bad_config(dir);
    test_bad_layout(dir);
    test_text_models(text_models, dir);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
