// Helpers shared by the shim's translation units: errors never leave as C++ exceptions.
#pragma once

#include <new>
#include <stdexcept>
#include <string>

#include "ct2j.h"

namespace ct2j_internal {

// The calling thread's last failure message (ct2j_last_error).
extern thread_local std::string last_error;

struct Failure : std::runtime_error {
    ct2j_status status;
    Failure(ct2j_status s, const std::string &message) : std::runtime_error(message), status(s) {}
};

[[noreturn]] inline void fail(ct2j_status status, const std::string &message) {
    throw Failure(status, message);
}

inline bool contains(const std::string &haystack, const char *needle) {
    return haystack.find(needle) != std::string::npos;
}

// CTranslate2 reports most problems as std::runtime_error or std::invalid_argument; the
// message decides which status a caller can act on.
inline ct2j_status classify(const std::string &message, ct2j_status fallback) {
    if (contains(message, "do not support") || contains(message, "not supported") ||
        contains(message, "was not compiled"))
        return CT2J_ERR_UNSUPPORTED;
    if (contains(message, "Unable to open file") || contains(message, "does not exist") ||
        contains(message, "No such file"))
        return CT2J_ERR_NOT_FOUND;
    return fallback;
}

// Every entry point's call is counted (shutdown.cc): exit() while one runs must not run the
// static destructors that CTranslate2's worker threads still depend on.
void call_started() noexcept;
void call_finished() noexcept;

struct CallScope {
    CallScope() noexcept { call_started(); }
    ~CallScope() { call_finished(); }
    CallScope(const CallScope &) = delete;
    CallScope &operator=(const CallScope &) = delete;
};

// Runs an entry point's body, turning any exception into a status and a message.
template <typename F> ct2j_status guard(F &&body) {
    const CallScope counted;
    try {
        last_error.clear();
        body();
        return CT2J_OK;
    } catch (const Failure &e) {
        last_error = e.what();
        return e.status;
    } catch (const std::bad_alloc &) {
        last_error = "out of memory";
        return CT2J_ERR_OUT_OF_MEMORY;
    } catch (const std::invalid_argument &e) {
        last_error = e.what();
        return classify(last_error, CT2J_ERR_INVALID_ARGUMENT);
    } catch (const std::out_of_range &e) {
        last_error = e.what();
        return CT2J_ERR_INVALID_ARGUMENT;
    } catch (const std::exception &e) {
        last_error = e.what();
        return classify(last_error, CT2J_ERR_INTERNAL);
    } catch (...) {
        last_error = "unknown native error";
        return CT2J_ERR_INTERNAL;
    }
}

inline void require(bool condition, const std::string &message) {
    if (!condition)
        fail(CT2J_ERR_INVALID_ARGUMENT, message);
}

template <typename T> void require_out(T **out, const char *name) {
    require(out != nullptr, std::string(name) + " must not be NULL");
    *out = nullptr;
}

} // namespace ct2j_internal
