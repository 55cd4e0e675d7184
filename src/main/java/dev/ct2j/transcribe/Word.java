package dev.ct2j.transcribe;

/** A word with its timing, faster-whisper's {@code Word}. */
public record Word(double start, double end, String word, double probability) {}
