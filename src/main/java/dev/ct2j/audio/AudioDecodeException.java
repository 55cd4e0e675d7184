package dev.ct2j.audio;

import java.nio.file.Path;

/** An audio file that is missing, unreadable, corrupt or holds no audio; names the file. */
public final class AudioDecodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    public AudioDecodeException(Path file, String message) {
        super(message);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
