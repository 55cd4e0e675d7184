package dev.ct2j.models;

/**
 * A model could not be resolved or downloaded. The message names the model, and where it applies
 * the repository, file and URL; {@link #kind()} says what a caller can act on.
 */
public final class ModelDownloadException extends RuntimeException {

    /** What went wrong. */
    public enum Kind {
        /** Neither a directory, nor a known size, nor an {@code org/repo} id. */
        UNKNOWN_MODEL,
        /** {@code HF_HUB_OFFLINE} or {@code localFilesOnly}, and the model is not cached. */
        NOT_CACHED,
        /** 401 or 403: a gated or private repository, with no token or a token without access. */
        UNAUTHORIZED,
        /** 404: no such repository, revision or file. */
        NOT_FOUND,
        /** The downloaded bytes do not match the size or hash the Hub reported. */
        CHECKSUM,
        /** No space left on the device holding the cache. */
        DISK_FULL,
        /** The Hub could not be reached, answered with another error, or a local write failed. */
        IO
    }

    private final Kind kind;

    public ModelDownloadException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ModelDownloadException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
