package dev.ct2j.engine;

/** A failure reported by the engine (CTranslate2 through the ct2j C API). */
public class EngineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of failure, from the C API's status codes. */
    public enum Kind {
        INVALID_ARGUMENT, NOT_FOUND, UNSUPPORTED, BUSY, NOT_LOADED, OUT_OF_MEMORY, DECODE, INTERNAL
    }

    private final Kind kind;

    public EngineException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public EngineException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
