package dev.ct2j.engine;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.bindings.ct2j_model_params;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link ModelOptions} as the C API's {@code ct2j_model_params}, allocated in a call's arena: the
 * one translation that every handle type's load (Whisper, and the text models of
 * {@code dev.ct2j.ctranslate2}) passes to the shim.
 */
public final class ModelParams {
    private ModelParams() {}

    public static MemorySegment of(Arena call, ModelOptions options) {
        MemorySegment p = ct2j_h.ct2j_model_default_params(call);
        ct2j_model_params.device(p, options.device().code());
        int[] indices = options.deviceIndices().stream().mapToInt(Integer::intValue).toArray();
        ct2j_model_params.device_indices(p, call.allocateFrom(ValueLayout.JAVA_INT, indices));
        ct2j_model_params.num_device_indices(p, indices.length);
        ct2j_model_params.compute_type(p, call.allocateFrom(options.computeType()));
        ct2j_model_params.intra_threads(p, options.intraThreads());
        ct2j_model_params.inter_threads(p, options.interThreads());
        ct2j_model_params.max_queued_batches(p, options.maxQueuedBatches());
        ct2j_model_params.flash_attention(p, options.flashAttention());
        ct2j_model_params.tensor_parallel(p, options.tensorParallel());
        return p;
    }
}
