package dev.ct2j.models;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a model name is fetched from the Hugging Face Hub: faster-whisper's {@code download_model}
 * arguments plus what {@code huggingface_hub} reads from the environment. Immutable; build with
 * {@link #builder()}. Null fields mean "as huggingface_hub decides from the environment".
 *
 * @param revision       branch, tag or commit hash (null: {@code main})
 * @param localFilesOnly never touch the network: only the cache (faster-whisper's
 *                       {@code local_files_only})
 * @param outputDir      download into this plain directory instead of the cache
 *                       ({@code download_model(output_dir=)}, snapshot_download's {@code local_dir})
 * @param cacheDir       the Hub cache (faster-whisper's {@code WhisperModel(download_root=)} and
 *                       {@code download_model(cache_dir=)}); null: {@code $HF_HUB_CACHE}, else
 *                       {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}
 * @param endpoint       the Hub's URL (null: {@code $HF_ENDPOINT}, else https://huggingface.co)
 * @param token          the access token (null: {@code $HF_TOKEN}, else the file {@code $HF_HOME/token})
 * @param progress       told about every file's bytes
 * @param timeout        connect and metadata timeout (huggingface_hub's 10 s etag timeout)
 */
public record HubOptions(String revision, boolean localFilesOnly, Path outputDir, Path cacheDir, String endpoint,
                         String token, DownloadProgress progress, Duration timeout) {

    public HubOptions {
        if (revision != null && revision.isBlank()) {
            throw new IllegalArgumentException("revision must not be blank");
        }
        progress = progress == null ? DownloadProgress.NONE : progress;
        timeout = timeout == null ? Duration.ofSeconds(10) : timeout;
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    public static HubOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder().revision(revision).localFilesOnly(localFilesOnly).outputDir(outputDir)
                .cacheDir(cacheDir).endpoint(endpoint).token(token).progress(progress).timeout(timeout);
    }

    /** Whether these options ask for something the ct2j store cannot give: a revision or a place. */
    boolean namesHubLocation() {
        return revision != null || outputDir != null || cacheDir != null;
    }

    public static final class Builder {
        private String revision;
        private boolean localFilesOnly;
        private Path outputDir;
        private Path cacheDir;
        private String endpoint;
        private String token;
        private DownloadProgress progress;
        private Duration timeout;

        private Builder() {}

        public Builder revision(String value) { this.revision = value; return this; }
        public Builder localFilesOnly(boolean value) { this.localFilesOnly = value; return this; }
        public Builder outputDir(Path value) { this.outputDir = value; return this; }
        public Builder cacheDir(Path value) { this.cacheDir = value; return this; }
        public Builder endpoint(String value) { this.endpoint = value; return this; }
        public Builder token(String value) { this.token = value; return this; }
        public Builder progress(DownloadProgress value) { this.progress = Objects.requireNonNullElse(value, DownloadProgress.NONE); return this; }
        public Builder timeout(Duration value) { this.timeout = value; return this; }

        public HubOptions build() {
            return new HubOptions(revision, localFilesOnly, outputDir, cacheDir, endpoint, token, progress, timeout);
        }
    }
}
