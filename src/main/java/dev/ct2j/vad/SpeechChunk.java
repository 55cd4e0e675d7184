package dev.ct2j.vad;

/**
 * One span of speech, in samples at 16 kHz: faster-whisper's {@code {"start": ..., "end": ...}} dict.
 *
 * @param start first sample of the span
 * @param end   one past the last sample of the span
 */
public record SpeechChunk(int start, int end) {
}
