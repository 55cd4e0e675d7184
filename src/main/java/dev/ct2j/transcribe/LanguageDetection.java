package dev.ct2j.transcribe;

import dev.ct2j.engine.LanguageProbability;
import java.util.List;

/**
 * faster-whisper's {@code detect_language} result.
 *
 * @param allLanguageProbs every language of the last window examined, best first
 */
public record LanguageDetection(String language, double languageProbability, List<LanguageProbability> allLanguageProbs) {
    public LanguageDetection {
        allLanguageProbs = List.copyOf(allLanguageProbs);
    }
}
