package dev.ct2j.transcribe;

/**
 * Set by {@link Transcription#close()} from any thread, checked by the reading thread before each
 * native step of a window (encode, language detection, each generate of the temperature fallback,
 * alignment) and before each window. A native call that has started runs to its end: CTranslate2's
 * Whisper generate takes no step callback that could stop it between decoding steps.
 */
final class StopSignal {
    /** Thrown on the reading thread at the first check after a stop; the transcription reports it. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("transcription stopped", null, false, false);
        }
    }

    private volatile boolean requested;

    void request() {
        requested = true;
    }

    boolean requested() {
        return requested;
    }

    /** Throws {@link Stopped} once stopping was requested. */
    void check() {
        if (requested) {
            throw new Stopped();
        }
    }
}
