package dev.ct2j.transcribe;

import java.util.List;

/**
 * A transcribed segment: faster-whisper's {@code Segment}, field for field.
 *
 * @param words    the words with timestamps, or null without {@code word_timestamps}
 * @param language the language this segment was decoded in: the detected or given language, or
 *                 with {@code multilingual} the window's own. Not in faster-whisper's Segment
 *                 (its users ask for it, issue #1233); the parity harness leaves it out.
 */
public record Segment(int id, int seek, double start, double end, String text, List<Integer> tokens,
                      double avgLogprob, double compressionRatio, double noSpeechProb, List<Word> words,
                      Double temperature, String language) {
    public Segment {
        tokens = List.copyOf(tokens);
        words = words == null ? null : List.copyOf(words);
    }

    Segment withTimes(double newStart, double newEnd, List<Word> newWords) {
        return new Segment(id, seek, newStart, newEnd, text, tokens, avgLogprob, compressionRatio, noSpeechProb,
                newWords, temperature, language);
    }
}
