/*
 * libFuzzer target for ct2j_model_load over model.bin: CTranslate2's header (binary version,
 * spec name, revision), its variable index (names, ranks, shapes, dtypes, sizes, payloads) and
 * aliases, then the Whisper replica built from those variables and the shim's validate_model.
 *
 * Each input is a whole model.bin, written into one model directory on tmpfs that also holds a
 * fixed config.json and vocabulary.json for a tiny multilingual Whisper model (14 tokens, two
 * languages); the seed (native/fuzz/make-model-seed.py) is a valid model.bin for them, d_model 4,
 * one layer each side, about 5 KB. CTranslate2 refuses a payload larger than the rest of the file,
 * so what a load allocates is bounded by the input's size (-max_len).
 *
 * Every loaded model is queried and freed, so LeakSanitizer sees any leak of the shim's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct2j.h"

/* Must match make-model-seed.py: the ids index decoder/embeddings/weight's 14 rows. */
static const char vocabulary_json[] =
    "[\"a\", \"b\", \"\", \"<|endoftext|>\", \"<|startoftranscript|>\", \"<|en|>\", \"<|de|>\","
    " \"<|translate|>\", \"<|transcribe|>\", \"<|startoflm|>\", \"<|startofprev|>\", \"<|nospeech|>\","
    " \"<|notimestamps|>\", \"<|0.00|>\"]\n";
static const char config_json[] =
    "{\"alignment_heads\": [[0, 0], [0, 1]], \"lang_ids\": [5, 6], \"suppress_ids\": [0, 1],"
    " \"suppress_ids_begin\": [0, 3]}\n";

static char model_dir[256];
static char model_bin[300];

static void write_file(const char *path, const void *data, size_t size) {
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    size_t done = 0;
    while (done < size) {
        const ssize_t n = write(fd, (const char *)data + done, size - done);
        if (n <= 0) {
            perror(path);
            abort();
        }
        done += (size_t)n;
    }
    close(fd);
}

static void remove_model_dir(void) {
    static const char *const names[] = {"model.bin", "config.json", "vocabulary.json"};
    char path[300];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i) {
        snprintf(path, sizeof(path), "%s/%s", model_dir, names[i]);
        unlink(path);
    }
    rmdir(model_dir);
}
/* CT2J_FUZZ_VERBOSE=1: print why each input was refused (when replaying inputs by hand). */
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    verbose = getenv("CT2J_FUZZ_VERBOSE") != NULL;
    const char *base = getenv("CT2J_FUZZ_TMPDIR");
    struct stat info;
    if (base == NULL || *base == '\0')
        base = stat("/dev/shm", &info) == 0 && S_ISDIR(info.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(model_dir, sizeof(model_dir), "%s/ct2j-fuzz-model-XXXXXX", base);
    if (mkdtemp(model_dir) == NULL) {
        perror("mkdtemp");
        abort();
    }
    atexit(remove_model_dir);
    char path[300];
    snprintf(path, sizeof(path), "%s/config.json", model_dir);
    write_file(path, config_json, sizeof(config_json) - 1);
    snprintf(path, sizeof(path), "%s/vocabulary.json", model_dir);
    write_file(path, vocabulary_json, sizeof(vocabulary_json) - 1);
    snprintf(model_bin, sizeof(model_bin), "%s/model.bin", model_dir);
    ct2j_set_log_level(-3); /* a malformed model is the normal case here */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    write_file(model_bin, data, size);
    ct2j_model_params params = ct2j_model_default_params();
    params.intra_threads = 1;
    ct2j_model *model = NULL;
    const ct2j_status status = ct2j_model_load(model_dir, &params, &model);
    if (status == CT2J_OK) {
        if (model == NULL || !ct2j_model_is_loaded(model) || ct2j_model_num_mels(model) <= 0 ||
            ct2j_model_compute_type(model) == NULL)
            abort();
        (void)ct2j_model_is_multilingual(model);
        (void)ct2j_model_num_languages(model);
        ct2j_model_free(model);
    } else {
        const char *message = ct2j_last_error();
        if (verbose)
            fprintf(stderr, "status %d: %s\n", (int)status, message);
        if (model != NULL || message == NULL || message[0] == '\0')
            abort();
    }
    return 0;
}
