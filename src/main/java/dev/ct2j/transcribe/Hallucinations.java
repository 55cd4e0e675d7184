package dev.ct2j.transcribe;

import dev.ct2j.transcribe.WindowDecoding.WindowSegment;
import java.util.ArrayList;
import java.util.List;

/** faster-whisper's anomaly scoring for hallucination_silence_threshold. */
final class Hallucinations {
    private static final String PUNCTUATION = "\"'“¿([{-\"'.。,，!！?？:：”)]}、";

    private Hallucinations() {}

    /** Anomalous words are very long, very short or improbable. */
    static double wordAnomalyScore(Word word) {
        double probability = word.probability();
        double duration = word.end() - word.start();
        double score = 0.0;
        if (probability < 0.15) {
            score += 1.0;
        }
        if (duration < 0.133) {
            score += (0.133 - duration) * 15;
        }
        if (duration > 2.0) {
            score += duration - 2.0;
        }
        return score;
    }

    static boolean isSegmentAnomaly(WindowSegment segment) {
        if (segment == null || segment.words.isEmpty()) {
            return false;
        }
        List<Word> words = new ArrayList<>();
        for (Word w : segment.words) {
            // Substring test, as faster-whisper's `w["word"] not in punctuation`.
            if (!PUNCTUATION.contains(w.word())) {
                words.add(w);
            }
        }
        words = words.subList(0, Math.min(8, words.size()));
        double score = 0.0;
        for (Word w : words) {
            score += wordAnomalyScore(w);
        }
        return score >= 3 || score + 0.01 >= words.size();
    }

    static WindowSegment nextWordsSegment(List<WindowSegment> segments, int from) {
        for (int i = from; i < segments.size(); i++) {
            if (!segments.get(i).words.isEmpty()) {
                return segments.get(i);
            }
        }
        return null;
    }
}
