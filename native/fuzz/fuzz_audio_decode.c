/*
 * libFuzzer target for ct2j_audio_decode: each input is an audio file.
 *
 * ct2j_audio_decode takes a path, so the input is written to one memfd (an anonymous regular
 * file in memory) and decoded through /proc/self/fd/N: no disk, no temporary files left behind.
 * The input's last byte also picks the options (bits 0-2: the sample rate, bit 3: split_stereo;
 * no rate below 8 kHz: libswresample's filter grows with the ratio of the rates, and a 1 kHz
 * target made inputs claiming 500 kHz cost a second each, which starved the fuzzer)
 * and stays part of the file (demuxers ignore a trailing byte), so that a crash input is itself
 * the audio file that crashes: `./ct2j transcribe crash-...` replays it.
 *
 * Every result is read to its end and freed, so LeakSanitizer sees any leak of the shim's.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ct2j.h"

static int input_fd = -1;
static char input_path[64];

static const int32_t sample_rates[8] = {16000, 8000, 11025, 22050, 44100, 48000, 96000, 384000};
/* CT2J_FUZZ_VERBOSE=1: print why each input was refused (when replaying inputs by hand). */
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    verbose = getenv("CT2J_FUZZ_VERBOSE") != NULL;
    input_fd = memfd_create("ct2j-fuzz-audio", MFD_CLOEXEC);
    if (input_fd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(input_path, sizeof(input_path), "/proc/self/fd/%d", input_fd);
    return 0;
}

static void write_input(const uint8_t *data, size_t size) {
    if (ftruncate(input_fd, 0) != 0) {
        perror("ftruncate");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        const ssize_t n = pwrite(input_fd, data + done, size - done, (off_t)done);
        if (n <= 0) {
            perror("pwrite");
            abort();
        }
        done += (size_t)n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    const uint8_t options = data[size - 1];
    const int32_t sample_rate = sample_rates[options & 7];
    const bool split_stereo = (options & 8) != 0;
    write_input(data, size);

    ct2j_audio *audio = NULL;
    const ct2j_status status = ct2j_audio_decode(input_path, sample_rate, split_stereo, &audio);
    if (status == CT2J_OK) {
        const int32_t channels = ct2j_audio_channels(audio);
        if (audio == NULL || channels != (split_stereo ? 2 : 1))
            abort();
        volatile float sum = 0;
        for (int32_t c = 0; c < channels; ++c) {
            size_t count = 0;
            const float *samples = ct2j_audio_samples(audio, c, &count);
            if (samples == NULL)
                abort();
            for (size_t i = 0; i < count; ++i) {
                if (!(samples[i] >= -1.0f && samples[i] < 1.0f)) /* s16 / 32768 */
                    abort();
                sum += samples[i];
            }
        }
        (void)sum;
        if (ct2j_audio_samples(audio, channels, NULL) != NULL)
            abort();
    } else {
        /* A failure is a status with a message, and no result. */
        const char *message = ct2j_last_error();
        if (verbose)
            fprintf(stderr, "status %d: %s\n", (int)status, message);
        if (audio != NULL || message == NULL || message[0] == '\0')
            abort();
    }
    ct2j_audio_free(audio);
    return 0;
}
