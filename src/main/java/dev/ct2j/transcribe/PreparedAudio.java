package dev.ct2j.transcribe;

import dev.ct2j.features.FeatureExtractor;
import dev.ct2j.features.MelSpectrogram;

/**
 * The first step of faster-whisper's transcribe, done before the model is there: the log-mel
 * features of the whole input. Computed while the model loads (with
 * {@link WhisperModel#featureExtractorBeforeLoad}) and passed to
 * {@link WhisperModel#transcribe(PreparedAudio, TranscriptionOptions)}, it gives the same result as
 * transcribing the samples, and the samples themselves can be dropped once it is made. Without the
 * VAD filter only: the filter runs on the samples, before the features.
 */
public final class PreparedAudio {
    private final FeatureExtractor extractor;
    private final Integer chunkLength;
    private final int samples;
    private final MelSpectrogram features;

    private PreparedAudio(FeatureExtractor extractor, Integer chunkLength, int samples, MelSpectrogram features) {
        this.extractor = extractor;
        this.chunkLength = chunkLength;
        this.samples = samples;
        this.features = features;
    }

    /**
     * Computes the features of 16 kHz mono samples as {@code transcribe} would.
     *
     * @param chunkLength the options' chunk_length (null: the extractor's)
     */
    public static PreparedAudio compute(float[] audio, FeatureExtractor extractor, Integer chunkLength) {
        if (audio == null) {
            throw new IllegalArgumentException("audio must not be null");
        }
        if (extractor == null) {
            throw new IllegalArgumentException("feature extractor must not be null");
        }
        return new PreparedAudio(extractor, chunkLength, audio.length, extractor.compute(audio, 160, chunkLength));
    }

    FeatureExtractor extractor() {
        return extractor;
    }

    Integer chunkLength() {
        return chunkLength;
    }

    /** The number of samples the features were computed from. */
    public int samples() {
        return samples;
    }

    MelSpectrogram features() {
        return features;
    }
}
