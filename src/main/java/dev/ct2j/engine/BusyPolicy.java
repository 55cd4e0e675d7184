package dev.ct2j.engine;

/** What an unload does when calls are in flight on the model. Never a silent no-op. */
public enum BusyPolicy {
    /** Wait for the calls in flight to return, then unload. */
    WAIT,
    /** Throw {@link ModelBusyException} at once. */
    FAIL
}
