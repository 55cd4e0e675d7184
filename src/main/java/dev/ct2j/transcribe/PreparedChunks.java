package dev.ct2j.transcribe;

import dev.ct2j.audio.NativeAudio;
import dev.ct2j.features.FeatureExtractor;
import dev.ct2j.features.MelSpectrogram;
import dev.ct2j.features.NativeMelSpectrogram;
import dev.ct2j.vad.ChunkMetadata;
import dev.ct2j.vad.SileroVadModel;
import dev.ct2j.vad.SpeechChunk;
import dev.ct2j.vad.SpeechTimestamps;
import dev.ct2j.vad.VadOptions;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The batched pipeline's audio work, done before the model is there: the speech chunks (from VAD
 * or the clip timestamps) and their log-mel features. Computed while the model loads (with
 * {@link WhisperModel#featureExtractorBeforeLoad} and a {@link SileroVadModel} of the caller's) and
 * passed to {@link BatchedInferencePipeline#transcribe(PreparedChunks, int)}, it gives the same
 * result as transcribing the samples, which can be dropped once it is made.
 *
 * <p>The features are in native memory ({@link NativeMelSpectrogram}). The transcription takes
 * them over: it frees each batch's once the batch is encoded, and the rest when it is closed or
 * read to the end, so the chunks can be transcribed once. {@link #close()} frees chunks that were
 * never transcribed, and does nothing to chunks a transcription has taken.
 */
public final class PreparedChunks implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.ct2j");

    private final FeatureExtractor extractor;
    private final TranscriptionOptions options;
    private final int samples;
    private final List<SpeechChunk> clipTimestamps;
    private final boolean clipTimestampsProvided;
    private final VadOptions vadParameters;
    private final List<NativeMelSpectrogram> features;
    private final List<ChunkMetadata> chunksMetadata;
    private boolean taken; // by a transcription, or by close(); guarded by this

    private PreparedChunks(FeatureExtractor extractor, TranscriptionOptions options, int samples,
                           List<SpeechChunk> clipTimestamps, boolean clipTimestampsProvided, VadOptions vadParameters,
                           List<NativeMelSpectrogram> features, List<ChunkMetadata> chunksMetadata) {
        this.extractor = extractor;
        this.options = options;
        this.samples = samples;
        this.clipTimestamps = clipTimestamps;
        this.clipTimestampsProvided = clipTimestampsProvided;
        this.vadParameters = vadParameters;
        this.features = features;
        this.chunksMetadata = chunksMetadata;
    }

    /** Whether {@link #compute} needs a VAD model for these options: the filter on, no clip timestamps. */
    public static boolean needsVad(TranscriptionOptions options) {
        return options.vadFilter() && !hasClipTimestamps(options);
    }

    /**
     * Cuts 16 kHz mono samples into the batched pipeline's chunks and computes their features, as
     * {@link BatchedInferencePipeline#transcribe(float[], TranscriptionOptions, int)} would.
     *
     * @param options the transcription's options (see that method); the transcription uses them
     * @param vad     runs the VAD filter; may be null when {@link #needsVad} says it is not needed
     */
    public static PreparedChunks compute(float[] audio, TranscriptionOptions options, FeatureExtractor extractor,
                                         SileroVadModel vad) {
        if (audio == null) {
            throw new IllegalArgumentException("audio, options and feature extractor must not be null");
        }
        return compute(MemorySegment.ofArray(audio), options, extractor, vad);
    }

    /**
     * {@link #compute(float[], TranscriptionOptions, FeatureExtractor, SileroVadModel)} of samples in a
     * memory segment (float32, native byte order), such as {@link NativeAudio#samples()}: the samples
     * are only read, so they can stay off the Java heap and be freed once this returns.
     */
    public static PreparedChunks compute(MemorySegment audio, TranscriptionOptions options, FeatureExtractor extractor,
                                         SileroVadModel vad) {
        if (audio == null || options == null || extractor == null) {
            throw new IllegalArgumentException("audio, options and feature extractor must not be null");
        }
        if (options.initialPromptTokens() != null) {
            throw new IllegalArgumentException("the batched pipeline takes initial_prompt as text only");
        }
        if (vad == null && needsVad(options)) {
            throw new IllegalArgumentException("vad_filter needs a Silero VAD model to prepare the chunks");
        }
        List<NativeMelSpectrogram> features = new ArrayList<>();
        try {
            return cutAndFeaturize(audio, options, extractor, vad, features);
        } catch (RuntimeException | Error e) {
            closeAll(features); // a failure part way leaves no chunk's features behind
            throw e;
        }
    }

    private static PreparedChunks cutAndFeaturize(MemorySegment audio, TranscriptionOptions options,
                                                  FeatureExtractor extractor, SileroVadModel vad,
                                                  List<NativeMelSpectrogram> features) {
        int samplingRate = extractor.samplingRate();
        int samples = SpeechTimestamps.samplesIn(audio);
        double duration = (double) samples / samplingRate;
        int chunkLength = options.chunkLength() != null ? options.chunkLength() : extractor.chunkLength();

        // Each chunk's features are computed as soon as its audio is cut out, and the chunk's audio
        // dropped: faster-whisper holds every chunk's audio and then every chunk's features.
        List<ChunkMetadata> chunksMetadata = new ArrayList<>();
        List<SpeechChunk> clipTimestamps;
        VadOptions vadParameters = options.vadParameters();
        boolean clipTimestampsProvided = hasClipTimestamps(options);
        if (!clipTimestampsProvided) {
            if (options.vadFilter()) {
                vadParameters = vadParameters == null
                        ? VadOptions.builder().maxSpeechDurationS(chunkLength).minSilenceDurationMs(160).build()
                        : vadParameters.toBuilder().maxSpeechDurationS(chunkLength).build();
                clipTimestamps = SpeechTimestamps.getSpeechTimestamps(audio, vadParameters, vad);
            } else if (duration < chunkLength) {
                clipTimestamps = List.of(new SpeechChunk(0, samples));
            } else {
                throw new IllegalArgumentException(
                        "No clip timestamps found. Set 'vad_filter' to True or provide 'clip_timestamps'.");
            }
            boolean anySpeech = speechSamples(clipTimestamps) != 0;
            SpeechTimestamps.collectChunks(audio, clipTimestamps, chunkLength, (chunk, metadata) -> {
                chunksMetadata.add(metadata);
                if (anySpeech) {
                    features.add(chunkFeatures(extractor, chunk));
                }
            });
        } else {
            List<Double> bounds = options.clipTimestamps();
            if (bounds.size() % 2 != 0) {
                throw new IllegalArgumentException("batched clip_timestamps are (start, end) pairs; got "
                        + bounds.size() + " values");
            }
            clipTimestamps = new ArrayList<>();
            for (int i = 0; i < bounds.size(); i += 2) {
                clipTimestamps.add(new SpeechChunk(sampleIndex(bounds.get(i), samplingRate),
                        sampleIndex(bounds.get(i + 1), samplingRate)));
            }
            boolean anySpeech = speechSamples(clipTimestamps) != 0;
            for (int i = 0; i < clipTimestamps.size(); i++) {
                SpeechChunk clip = clipTimestamps.get(i);
                double clipDuration = (double) (clip.end() - clip.start()) / samplingRate;
                if (clipDuration > 30) {
                    LOG.log(System.Logger.Level.WARNING, "Segment {0} is longer than 30 seconds, only the first"
                            + " 30 seconds will be transcribed", i);
                }
                chunksMetadata.add(new ChunkMetadata((double) clip.start() / samplingRate, clipDuration, List.of(clip)));
                if (anySpeech) {
                    // audio[start:end], with numpy's rules for negative and out-of-range bounds
                    features.add(chunkFeatures(extractor, SpeechTimestamps.joinSpeech(audio, List.of(clip))));
                }
            }
        }
        return new PreparedChunks(extractor, options, samples, List.copyOf(clipTimestamps),
                clipTimestampsProvided, vadParameters, features, chunksMetadata);
    }

    private static boolean hasClipTimestamps(TranscriptionOptions options) {
        return options.clipTimestamps() != null && !options.clipTimestamps().isEmpty();
    }

    private static NativeMelSpectrogram chunkFeatures(FeatureExtractor extractor, float[] chunk) {
        MelSpectrogram mel = extractor.compute(chunk);
        return NativeMelSpectrogram.copyOf(mel, 0, mel.frames() - 1); // faster-whisper drops the last frame
    }

    static void closeAll(List<NativeMelSpectrogram> features) {
        for (NativeMelSpectrogram f : features) {
            f.close();
        }
    }

    private static long speechSamples(List<SpeechChunk> clips) {
        long samples = 0;
        for (SpeechChunk c : clips) {
            samples += c.end() - c.start();
        }
        return samples;
    }

    // int(seconds * sampling_rate), which must index a Java array.
    private static int sampleIndex(double seconds, int samplingRate) {
        double index = seconds * samplingRate;
        if (!(index <= Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("clip_timestamps value " + seconds + " is out of range: at most "
                    + (double) Integer.MAX_VALUE / samplingRate + " s");
        }
        return (int) index;
    }

    /** The options the chunks were cut for; the transcription runs with them. */
    public TranscriptionOptions options() {
        return options;
    }

    /** The number of samples the chunks were cut from. */
    public int samples() {
        return samples;
    }

    FeatureExtractor extractor() {
        return extractor;
    }

    List<SpeechChunk> clipTimestamps() {
        return clipTimestamps;
    }

    boolean clipTimestampsProvided() {
        return clipTimestampsProvided;
    }

    /** The VAD parameters used, with max_speech_duration_s set to the chunk length; the options' own otherwise. */
    VadOptions vadParameters() {
        return vadParameters;
    }

    /**
     * Hands the features to a transcription, which frees them; once only.
     *
     * @throws IllegalStateException if they were taken or closed before
     */
    synchronized List<NativeMelSpectrogram> take() {
        if (taken) {
            throw new IllegalStateException("these prepared chunks were transcribed or closed already;"
                    + " prepare them again to transcribe them again");
        }
        taken = true;
        return features;
    }

    /** How many chunks' features are not freed yet. */
    int openFeatures() {
        int open = 0;
        for (NativeMelSpectrogram f : features) {
            open += f.isClosed() ? 0 : 1;
        }
        return open;
    }

    /** Frees the features unless a transcription has taken them (it frees them then); idempotent. */
    @Override
    public synchronized void close() {
        if (!taken) {
            taken = true;
            closeAll(features);
        }
    }

    List<ChunkMetadata> chunksMetadata() {
        return chunksMetadata;
    }

    /** Seconds of audio in the chunks. */
    double durationAfterVad() {
        return (double) speechSamples(clipTimestamps) / extractor.samplingRate();
    }
}
