// Process exit while calls run (ct2j.h, "process exit"; docs/robustness.md, "Shutdown and
// signals").
//
// CTranslate2 4.8.4 gives a running call no way to stop: Whisper::generate takes WhisperOptions,
// which has no step callback, and builds its own DecodingOptions (whose callback it leaves empty)
// inside WhisperReplica::generate. exit() meanwhile runs the C++ static destructors, and oneDNN's
// function-local statics (its JIT GEMM kernels, e.g. jit_avx512_core_f32_copy_bn_kern_t) unmap
// the code that the call's worker threads are executing: they jump to an unmapped page (SIGSEGV
// at a garbage PC). That is what SIGTERM, System.exit and Runtime.halt did to a JVM in a long
// generation. Nothing can make the running call safe, so the process must end without running
// those destructors: when calls are in flight at exit(), our handler calls _exit(status).
//
// glibc runs exit handlers (on_exit, atexit and the __cxa_atexit registrations of static
// destructors) in reverse order of registration, so ours must be registered after the statics
// it has to pre-empt. Statics at namespace scope in libctranslate2 are constructed before this
// library's constructor runs (it depends on libctranslate2), so the registration at load covers
// them; function-local ones are constructed on first use, inside a call, and some only in the
// middle of one (oneDNN builds its small-N SGEMM kernels at the first decoding step of the first
// generate, seen with gdb on __cxa_atexit). Hence the handler is registered again:
//  - after completed calls (every one of the first kEveryCall, then at most once per kInterval);
//  - by a keeper thread while calls are in flight, so that a static built in the middle of a
//    call is pre-empted within one period (Runtime.halt runs no JVM hook): every kWarmPeriod for
//    the first kWarmRegistrations (the first seconds of busy time, when the lazy statics are
//    built; with 250 ms alone, ct2j_native_test's exit() 100 ms into its first generate crashed
//    once in three CI runs), then every kBusyPeriod;
// both up to kMaxRegistrations in all, since glibc never frees an entry (32 bytes each);
//  - after ct2j_shutdown_begin (the JVM's shutdown hook, before exit()): at once, then every
//    kExitingPeriod while calls are in flight, for at most kExitingFor, whatever the cap.

#include "internal.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <thread>

#include <pthread.h>

#include <unistd.h>

#ifndef __GLIBC__
#error "the exit handler needs glibc's on_exit (it passes the exit status to the handler)"
#endif

namespace {
using Clock = std::chrono::steady_clock;

constexpr int64_t kEveryCall = 1024;
constexpr auto kInterval = std::chrono::seconds(1);
constexpr auto kBusyPeriod = std::chrono::milliseconds(250);
constexpr auto kWarmPeriod = std::chrono::milliseconds(2);
constexpr int64_t kWarmRegistrations = 4096; // 8 s of busy time at kWarmPeriod, 128 KiB
constexpr int64_t kMaxRegistrations = 131072; // 4 MiB of glibc's list at most
constexpr auto kExitingPeriod = std::chrono::milliseconds(1);
constexpr auto kExitingFor = std::chrono::seconds(60);

// Allocated once and never destroyed: exit() may run static destructors while calls still
// count themselves out here.
struct State {
    std::atomic<int32_t> in_flight{0};
    std::atomic<bool> waiting{false}; // ct2j_shutdown_wait is (or was) waiting: notify on idle
    std::mutex mutex;
    std::condition_variable idle;
    std::mutex register_mutex;
    std::atomic<int64_t> registrations{0};
    std::atomic<int64_t> last_registration{0}; // Clock ticks
    // The keeper thread: sleeps on `busy` while no call is in flight.
    std::mutex keeper_mutex;
    std::condition_variable busy;
    bool keeper_started = false;
    bool exiting = false; // ct2j_shutdown_begin was called
};

State &state() {
    static State *const s = new State();
    return *s;
}

void on_process_exit(int status, void *) {
    if (state().in_flight.load() > 0) {
        std::fflush(nullptr); // what exit() would still have flushed
        _exit(status);
    }
}

void register_handler() noexcept {
    State &s = state();
    try {
        std::lock_guard<std::mutex> lock(s.register_mutex);
        if (on_exit(on_process_exit, nullptr) == 0) {
            s.registrations.fetch_add(1);
            s.last_registration.store(Clock::now().time_since_epoch().count());
        }
    } catch (...) {
        // A failed registration leaves the earlier ones, which still cover most statics.
    }
}

void register_after_call() noexcept {
    State &s = state();
    const int64_t done = s.registrations.load(std::memory_order_relaxed);
    if (done >= kMaxRegistrations)
        return;
    if (done >= kEveryCall) {
        const auto since = Clock::now().time_since_epoch() -
                           Clock::duration(s.last_registration.load(std::memory_order_relaxed));
        if (since < kInterval)
            return;
    }
    register_handler();
}

void keeper() {
    State &s = state();
    std::unique_lock<std::mutex> lock(s.keeper_mutex);
    Clock::time_point exiting_until{};
    int64_t warm_left = kWarmRegistrations;
    for (;;) {
        s.busy.wait(lock, [&] { return s.in_flight.load() > 0; });
        if (s.exiting) {
            if (exiting_until == Clock::time_point{})
                exiting_until = Clock::now() + kExitingFor;
            if (Clock::now() > exiting_until)
                return; // the process should be long gone; stop adding entries
            lock.unlock();
            register_handler();
            lock.lock();
            s.busy.wait_for(lock, kExitingPeriod);
        } else {
            const auto period = warm_left > 0 ? kWarmPeriod : kBusyPeriod;
            s.busy.wait_for(lock, period, [&] { return s.exiting; });
            if (!s.exiting && s.in_flight.load() > 0 && s.registrations.load() < kMaxRegistrations) {
                lock.unlock();
                register_handler();
                lock.lock();
                if (warm_left > 0)
                    --warm_left;
            }
        }
    }
}

// Starts the keeper on the first call (not at load: a process that never calls needs none).
void wake_keeper() noexcept {
    State &s = state();
    try {
        std::lock_guard<std::mutex> lock(s.keeper_mutex);
        if (!s.keeper_started) {
            std::thread(keeper).detach();
            s.keeper_started = true;
        }
        s.busy.notify_all();
    } catch (...) {
        // No thread: the registrations after calls and at shutdown still apply.
    }
}

void forget_keeper_in_child() {
    // fork() copies only the calling thread: a child starts its own keeper on its first call.
    new (&state().keeper_mutex) std::mutex();
    new (&state().busy) std::condition_variable();
    state().keeper_started = false;
}

__attribute__((constructor)) void register_at_load() {
    register_handler();
    pthread_atfork(nullptr, nullptr, forget_keeper_in_child);
}
} // namespace

namespace ct2j_internal {

void call_started() noexcept {
    if (state().in_flight.fetch_add(1) == 0)
        wake_keeper();
}

void call_finished() noexcept {
    State &s = state();
    // Before the count drops: whatever this call constructed is now destroyed after our handler.
    register_after_call();
    if (s.in_flight.fetch_sub(1) == 1 && s.waiting.load()) {
        std::lock_guard<std::mutex> lock(s.mutex);
        s.idle.notify_all();
    }
}

} // namespace ct2j_internal

extern "C" {

int32_t ct2j_calls_in_flight(void) { return state().in_flight.load(); }

void ct2j_shutdown_begin(void) {
    register_handler();
    State &s = state();
    {
        std::lock_guard<std::mutex> lock(s.keeper_mutex);
        s.exiting = true;
    }
    if (s.in_flight.load() > 0)
        wake_keeper();
}

int32_t ct2j_shutdown_wait(int64_t timeout_ms) {
    State &s = state();
    if (timeout_ms > 0) {
        // A day is "forever" here, and keeps the deadline arithmetic far from overflow.
        const int64_t bounded = timeout_ms < 86400000 ? timeout_ms : 86400000;
        std::unique_lock<std::mutex> lock(s.mutex);
        s.waiting.store(true); // before the check below, so that the last call out notifies
        s.idle.wait_for(lock, std::chrono::milliseconds(bounded), [&] { return s.in_flight.load() == 0; });
    }
    return s.in_flight.load();
}

} // extern "C"
