package dev.ct2j.transcribe;

/** Hears about a model's memory events: idle unloads and transparent reloads. */
@FunctionalInterface
public interface ModelEventListener {
    /** What happened, to which model, and when. */
    record Event(Kind kind, String model, long epochMillis) {}

    enum Kind { IDLE_UNLOADED, RELOADED, CLOSED }

    void onEvent(Event event);
}
