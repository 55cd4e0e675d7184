/* The CUDA variant of the shim, loaded on any machine: with no driver or device it must report
 * zero devices and fail the memory query with a message (never crash); with a device, the query
 * must give consistent figures. Built only with -DCT2J_WITH_CUDA=ON; CI runs it on CPU machines,
 * gpu/run.sh on the GPU machine. Ends with "N passed, M failed". */
#include <stdio.h>
#include <string.h>

#include "ct2j.h"

static int passed, failed;

static void check(int ok, const char *what) {
    printf("%s: %s\n", ok ? "ok" : "FAILED", what);
    if (ok)
        passed++;
    else
        failed++;
}

int main(void) {
    int32_t devices = ct2j_cuda_device_count();
    printf("cuda devices: %d\n", devices);
    check(devices >= 0, "ct2j_cuda_device_count is not negative");
    uint64_t free_bytes = 0, total_bytes = 0;
    ct2j_status status = ct2j_cuda_memory_info(0, &free_bytes, &total_bytes);
    if (devices == 0) {
        printf("memory info on device 0: status %d, \"%s\"\n", (int)status, ct2j_last_error());
        check(status != CT2J_OK, "ct2j_cuda_memory_info fails without a device");
        check(strlen(ct2j_last_error()) > 0, "the failure has a message");
        check(status != CT2J_ERR_UNSUPPORTED || strstr(ct2j_last_error(), "no CUDA support") == NULL,
              "the message is not the CPU build's (this is the CUDA variant)");
    } else {
        printf("device 0: %llu MiB free of %llu MiB\n", (unsigned long long)(free_bytes >> 20),
               (unsigned long long)(total_bytes >> 20));
        check(status == CT2J_OK, "ct2j_cuda_memory_info succeeds on device 0");
        check(total_bytes > 0 && free_bytes <= total_bytes, "free <= total, total > 0");
    }
    status = ct2j_cuda_memory_info(devices, &free_bytes, &total_bytes);
    check(status != CT2J_OK && strlen(ct2j_last_error()) > 0, "a device index past the last one fails with a message");
    check(ct2j_cuda_memory_info(0, NULL, &total_bytes) == CT2J_ERR_INVALID_ARGUMENT, "NULL out-pointer is rejected");
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
