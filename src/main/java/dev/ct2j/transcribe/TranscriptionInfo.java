package dev.ct2j.transcribe;

import dev.ct2j.engine.LanguageProbability;
import dev.ct2j.vad.VadOptions;
import java.util.List;

/**
 * faster-whisper's {@code TranscriptionInfo}.
 *
 * @param allLanguageProbs null when the language was given or the model is English-only
 * @param vadOptions       the VAD options used, or null without VAD
 */
public record TranscriptionInfo(String language, double languageProbability, double duration, double durationAfterVad,
                                List<LanguageProbability> allLanguageProbs, TranscriptionOptions transcriptionOptions,
                                VadOptions vadOptions) {
    public TranscriptionInfo {
        allLanguageProbs = allLanguageProbs == null ? null : List.copyOf(allLanguageProbs);
    }
}
