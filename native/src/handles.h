// What every model handle of the shim shares (Whisper in ct2j.cc, the text models in
// ct2j_text_models.cc): a CTranslate2 replica pool behind a shared/exclusive state lock, so that
// unload, load and free wait for (or refuse) the calls in flight instead of silently doing
// nothing, and the cached host copies that unload(to_cpu) keeps. One implementation, used by
// every handle type, so that the busy policy and the close-waits-for-calls rule cannot drift.
#pragma once

#include "internal.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <ctranslate2/devices.h>
#include <ctranslate2/models/model.h>
#include <ctranslate2/replica_pool.h>
#include <ctranslate2/storage_view.h>

#ifdef CT2J_WITH_CUDA
#include <cuda_runtime.h>

// cuda_malloc_async (CTranslate2's default) frees into the device's default pool and never trims
// it, so the memory stays reserved: hand it back once the device is idle. The pools belong to the
// driver, so this runtime (linked into the shim) trims the same pool CTranslate2's runtime uses.
// Best effort: a failure here must not turn an unload or a close into an error.
inline void trim_device_pools(const std::vector<int> &indices) {
    int previous = 0;
    if (cudaGetDevice(&previous) != cudaSuccess)
        return;
    for (int index : indices) {
        if (cudaSetDevice(index) != cudaSuccess)
            continue;
        cudaDeviceSynchronize();
        cudaMemPool_t pool;
        if (cudaDeviceGetDefaultMemPool(&pool, index) == cudaSuccess)
            cudaMemPoolTrimTo(pool, 0);
    }
    cudaSetDevice(previous);
    cudaGetLastError(); // nothing sticky left for the next query on this thread
}
#endif

struct ct2j_storage {
    ctranslate2::StorageView view;
    bool encoded = false; // produced by ct2j_encode, as opposed to wrapped mel features
};

// Whisper's and the Generator's decoding results share one result handle.
struct ct2j_generation {
    struct Item {
        std::vector<std::vector<int32_t>> ids;
        std::vector<float> scores;
        float no_speech_prob = 0;
    };
    std::vector<Item> items;
};

namespace ct2j_internal {

using ModelPtr = std::shared_ptr<const ctranslate2::models::Model>;

// The loader and pool configuration from ct2j_model_params, validated.
void configure_loader(const ct2j_model_params *params, ctranslate2::models::ModelLoader &loader,
                      ctranslate2::ReplicaPoolConfig &config);

// Loads the replicas' models as ReplicaPool(loader, config) does.
std::vector<ModelPtr> load_models(const ctranslate2::models::ModelLoader &loader,
                                  const ctranslate2::ReplicaPoolConfig &config);

void check_ids(const int32_t *ids, size_t count, size_t vocabulary_size, const char *what);

template <typename Pool> struct ReplicaHandle {
    std::unique_ptr<Pool> pool;
    ctranslate2::models::ModelLoader loader;
    ctranslate2::ReplicaPoolConfig config;

    // Shared by engine calls for their whole duration; exclusive for unload/load/free.
    mutable std::shared_mutex state;
    bool loaded = true;

    // Weights kept by unload(to_cpu): one per distinct model (replicas on one device share
    // one Model), plus which distinct model each replica slot uses and its device index.
    std::vector<ModelPtr> cached;
    std::vector<size_t> cached_slot;
    std::vector<int> cached_device_index;

    std::string compute_type;

    explicit ReplicaHandle(ctranslate2::models::ModelLoader l) : loader(std::move(l)) {}
    virtual ~ReplicaHandle() = default;

    // Hooks for a reload from the source (the files may have changed since the first load).
    virtual void before_source_load() {}
    virtual void after_source_load(const std::vector<ModelPtr> &) {}

    // Builds the pool from loaded models (the first load).
    void start(const std::vector<ModelPtr> &models) {
        require(!models.empty(), "the model directory produced no model");
        pool = std::make_unique<Pool>(models, config);
        compute_type = ctranslate2::compute_type_to_str(models.front()->effective_compute_type());
    }

    // Runs an engine call under the shared state lock, failing cleanly when unloaded.
    template <typename F> void with_loaded(F &&call) {
        std::shared_lock lock(state);
        if (!loaded)
            fail(CT2J_ERR_NOT_LOADED, "the model's weights are unloaded; load them before calling it");
        call();
    }

    void release_caches_locked() {
        pool->clear_cache();
#ifdef CT2J_WITH_CUDA
        if (loader.device == ctranslate2::Device::CUDA)
            trim_device_pools(loader.device_indices);
#endif
    }

    // Waits for in-flight calls, drains queued work, frees replicas, cached copies and caches.
    void destroy() {
        std::unique_lock lock(state);
        pool->clear_cache();
        cached.clear();
#ifdef CT2J_WITH_CUDA
        const bool cuda = loader.device == ctranslate2::Device::CUDA;
        const auto indices = loader.device_indices;
#endif
        pool.reset(); // drains queued work, joins workers, frees the replicas
#ifdef CT2J_WITH_CUDA
        if (cuda)
            trim_device_pools(indices);
#endif
    }

    void unload(bool to_cpu, int32_t busy_policy) {
        require(busy_policy == CT2J_BUSY_WAIT || busy_policy == CT2J_BUSY_FAIL,
                "unknown busy policy " + std::to_string(busy_policy));
        std::unique_lock lock(state, std::defer_lock);
        if (busy_policy == CT2J_BUSY_FAIL) {
            if (!lock.try_lock())
                fail(CT2J_ERR_BUSY, "the model has calls in flight; not unloading");
        } else {
            lock.lock();
        }
        if (!loaded) {
            if (!to_cpu)
                cached.clear();
            return;
        }
        std::vector<ModelPtr> detached = pool->detach_models();
        std::vector<ModelPtr> unique;
        std::vector<size_t> slot(detached.size());
        for (size_t i = 0; i < detached.size(); ++i) {
            auto it = std::find(unique.begin(), unique.end(), detached[i]);
            slot[i] = static_cast<size_t>(it - unique.begin());
            if (it == unique.end())
                unique.push_back(detached[i]);
        }
        cached.clear();
        cached_device_index.clear();
        if (to_cpu) {
            for (const auto &model : unique) {
                cached_device_index.push_back(model->device_index());
                // A CPU model is already on the host: keeping it is the cached copy.
                cached.push_back(model->device() == ctranslate2::Device::CPU ? model
                                                                             : model->copy_to(ctranslate2::Device::CPU, 0));
            }
            cached_slot = slot;
        }
        detached.clear();
        unique.clear();
        loaded = false;
        release_caches_locked();
    }

    void load_weights(bool keep_cache) {
        std::unique_lock lock(state);
        if (loaded)
            return;
        std::vector<ModelPtr> models;
        if (cached.empty()) {
            before_source_load(); // read again from the source: check it again
            models = loader.load();
            require(!models.empty(), "the model directory produced no model");
            after_source_load(models);
        } else {
            std::vector<ModelPtr> placed;
            for (size_t k = 0; k < cached.size(); ++k) {
                const auto &model = cached[k];
                const bool same_place = model->device() == loader.device && model->device_index() == cached_device_index[k];
                placed.push_back(same_place ? model : model->copy_to(loader.device, cached_device_index[k]));
            }
            for (size_t s : cached_slot)
                models.push_back(placed[s]);
        }
        pool->set_models(models);
        if (!keep_cache)
            cached.clear();
        loaded = true;
    }

    void release_caches() {
        std::unique_lock lock(state);
        release_caches_locked();
    }

    bool is_loaded() const {
        std::shared_lock lock(state);
        return loaded;
    }
};

} // namespace ct2j_internal
