package dev.ct2j.engine;

import java.nio.file.Path;

/** A model directory or one of its files is missing, unreadable or corrupt; names the file. */
public final class ModelFileException extends EngineException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    public ModelFileException(Path file, String message) {
        super(Kind.NOT_FOUND, message);
        this.file = file;
    }

    public ModelFileException(Path file, String message, Throwable cause) {
        super(Kind.INVALID_ARGUMENT, message, cause);
        this.file = file;
    }

    /** The file (or directory) at fault. */
    public Path file() {
        return file;
    }
}
