package dev.ct2j.models;

/**
 * Told how far each file's download has got. Called on the downloading thread, after every chunk
 * and once more when the file is complete; {@code bytesDone} includes bytes resumed from a partial
 * file. Files already in the cache are not reported.
 */
@FunctionalInterface
public interface DownloadProgress {
    DownloadProgress NONE = (file, bytesDone, totalBytes) -> { };

    /**
     * @param file       the file's path in the repository ({@code model.bin})
     * @param bytesDone  bytes on disk so far
     * @param totalBytes the file's size as the Hub reports it, or -1 if it did not say
     */
    void update(String file, long bytesDone, long totalBytes);
}
