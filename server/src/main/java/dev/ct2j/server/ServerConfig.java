package dev.ct2j.server;

import java.time.Duration;

/**
 * What {@code ct2j serve} runs with. Immutable; {@link #builder()} starts from the defaults.
 *
 * @param modelTtl       idle time before a model is closed: negative never, zero right after
 *                       each request (speaches' STT_MODEL_TTL)
 * @param workers        transcriptions decoded at once (the model's inter_threads); the rest wait
 *                       in the queue
 * @param maxQueue       requests allowed to wait for a worker; one more is answered 429
 * @param batchSize      1: faster-whisper's sequential transcribe; more: the batched pipeline
 *                       (VAD chunks decoded batchSize at a time) for each request
 * @param apiKey         bearer token every /v1 and /api call must carry, or null for none
 * @param allowDownloads whether an unknown model name may be fetched from the Hugging Face Hub
 */
public record ServerConfig(String host, int port, String defaultModel, Duration modelTtl, int maxLoadedModels,
                           int workers, int cpuThreads, int maxQueue, int batchSize, long batchWindowMs,
                           String apiKey, String device, String computeType, String preload,
                           long maxUploadBytes, Duration requestTimeout, Duration shutdownTimeout,
                           boolean allowDownloads) {
    public ServerConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (maxLoadedModels < 1 || workers < 1 || cpuThreads < 1 || batchSize < 1) {
            throw new IllegalArgumentException("max loaded models, workers, threads and batch size must be >= 1");
        }
        if (maxQueue < 0 || maxUploadBytes < 1 || batchWindowMs < 0) {
            throw new IllegalArgumentException("max queue and batch window must be >= 0, the upload limit >= 1");
        }
        if (apiKey != null && apiKey.isBlank()) {
            apiKey = null;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().host(host).port(port).defaultModel(defaultModel).modelTtl(modelTtl)
                .maxLoadedModels(maxLoadedModels).workers(workers).cpuThreads(cpuThreads).maxQueue(maxQueue)
                .batchSize(batchSize).batchWindowMs(batchWindowMs).apiKey(apiKey).device(device)
                .computeType(computeType).preload(preload).maxUploadBytes(maxUploadBytes)
                .requestTimeout(requestTimeout).shutdownTimeout(shutdownTimeout).allowDownloads(allowDownloads);
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8000;
        private String defaultModel = "base";
        private Duration modelTtl = Duration.ofSeconds(300);
        private int maxLoadedModels = 2;
        private int workers = Math.min(4, Runtime.getRuntime().availableProcessors());
        private int cpuThreads = Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
        private int maxQueue = 64;
        private int batchSize = 1;
        private long batchWindowMs = 0;
        private String apiKey;
        private String device = "cpu";
        private String computeType = "default";
        private String preload;
        private long maxUploadBytes = 100L << 20;
        private Duration requestTimeout = Duration.ofMinutes(10);
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private boolean allowDownloads = true;

        public Builder host(String value) { this.host = value; return this; }
        public Builder port(int value) { this.port = value; return this; }
        public Builder defaultModel(String value) { this.defaultModel = value; return this; }
        public Builder modelTtl(Duration value) { this.modelTtl = value; return this; }
        public Builder maxLoadedModels(int value) { this.maxLoadedModels = value; return this; }
        public Builder workers(int value) { this.workers = value; return this; }
        public Builder cpuThreads(int value) { this.cpuThreads = value; return this; }
        public Builder maxQueue(int value) { this.maxQueue = value; return this; }
        public Builder batchSize(int value) { this.batchSize = value; return this; }
        public Builder batchWindowMs(long value) { this.batchWindowMs = value; return this; }
        public Builder apiKey(String value) { this.apiKey = value; return this; }
        public Builder device(String value) { this.device = value; return this; }
        public Builder computeType(String value) { this.computeType = value; return this; }
        public Builder preload(String value) { this.preload = value; return this; }
        public Builder maxUploadBytes(long value) { this.maxUploadBytes = value; return this; }
        public Builder requestTimeout(Duration value) { this.requestTimeout = value; return this; }
        public Builder shutdownTimeout(Duration value) { this.shutdownTimeout = value; return this; }
        public Builder allowDownloads(boolean value) { this.allowDownloads = value; return this; }

        public ServerConfig build() {
            return new ServerConfig(host, port, defaultModel, modelTtl, maxLoadedModels, workers, cpuThreads,
                    maxQueue, batchSize, batchWindowMs, apiKey, device, computeType, preload, maxUploadBytes,
                    requestTimeout, shutdownTimeout, allowDownloads);
        }
    }
}
