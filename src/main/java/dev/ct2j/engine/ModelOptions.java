package dev.ct2j.engine;

import java.util.List;
import java.util.Objects;

/**
 * How to load a model: the arguments of faster-whisper's {@code WhisperModel(...)} that reach
 * CTranslate2. Immutable; build with {@link #builder()}. Defaults are faster-whisper's.
 *
 * @param device           cpu, cuda or auto (faster-whisper's default: auto)
 * @param deviceIndices    devices to place replicas on (default [0])
 * @param computeType      CTranslate2 compute type: default, auto, int8, int8_float32,
 *                         int8_float16, int8_bfloat16, int16, float16, bfloat16, float32
 * @param intraThreads     threads per replica ({@code cpu_threads}); 0 = OMP_NUM_THREADS or min(4, cores)
 * @param interThreads     replicas per device ({@code num_workers}): concurrent calls served
 * @param maxQueuedBatches queue bound: 0 = 4 x replicas, -1 = unbounded
 * @param flashAttention   CUDA flash attention
 * @param tensorParallel   split the model across the CUDA devices
 */
public record ModelOptions(Device device, List<Integer> deviceIndices, String computeType, int intraThreads,
                           int interThreads, long maxQueuedBatches, boolean flashAttention, boolean tensorParallel) {

    public ModelOptions {
        Objects.requireNonNull(device, "device");
        deviceIndices = List.copyOf(Objects.requireNonNull(deviceIndices, "deviceIndices"));
        if (deviceIndices.isEmpty()) {
            throw new IllegalArgumentException("deviceIndices must not be empty");
        }
        for (int index : deviceIndices) {
            if (index < 0) {
                throw new IllegalArgumentException("deviceIndices must be >= 0, got " + index);
            }
        }
        Objects.requireNonNull(computeType, "computeType");
        if (intraThreads < 0) {
            throw new IllegalArgumentException("intraThreads must be >= 0, got " + intraThreads);
        }
        if (interThreads < 1) {
            throw new IllegalArgumentException("interThreads must be >= 1, got " + interThreads);
        }
        if (maxQueuedBatches < -1) {
            throw new IllegalArgumentException("maxQueuedBatches must be >= -1, got " + maxQueuedBatches);
        }
    }

    public static ModelOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().device(device).deviceIndices(deviceIndices).computeType(computeType)
                .intraThreads(intraThreads).interThreads(interThreads).maxQueuedBatches(maxQueuedBatches)
                .flashAttention(flashAttention).tensorParallel(tensorParallel);
    }

    public static final class Builder {
        private Device device = Device.AUTO;
        private List<Integer> deviceIndices = List.of(0);
        private String computeType = "default";
        private int intraThreads;
        private int interThreads = 1;
        private long maxQueuedBatches;
        private boolean flashAttention;
        private boolean tensorParallel;

        private Builder() {}

        public Builder device(Device value) { this.device = value; return this; }
        public Builder deviceIndices(List<Integer> value) { this.deviceIndices = value; return this; }
        public Builder deviceIndex(int value) { this.deviceIndices = List.of(value); return this; }
        public Builder computeType(String value) { this.computeType = value; return this; }
        public Builder intraThreads(int value) { this.intraThreads = value; return this; }
        public Builder interThreads(int value) { this.interThreads = value; return this; }
        public Builder maxQueuedBatches(long value) { this.maxQueuedBatches = value; return this; }
        public Builder flashAttention(boolean value) { this.flashAttention = value; return this; }
        public Builder tensorParallel(boolean value) { this.tensorParallel = value; return this; }

        public ModelOptions build() {
            return new ModelOptions(device, deviceIndices, computeType, intraThreads, interThreads,
                    maxQueuedBatches, flashAttention, tensorParallel);
        }
    }
}
