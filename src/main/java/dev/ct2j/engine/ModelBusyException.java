package dev.ct2j.engine;

/** An unload asked not to wait found calls in flight on the model. */
public final class ModelBusyException extends EngineException {
    private static final long serialVersionUID = 1L;

    public ModelBusyException(String message) {
        super(Kind.BUSY, message);
    }
}
