package dev.ct2j.vad;

import dev.ct2j.trace.PhaseTrace;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * faster-whisper 1.2.1's {@code get_speech_timestamps} and {@code collect_chunks} (vad.py), reproduced
 * sample for sample, Python's mixed int/float arithmetic included. Audio is 16 kHz mono only.
 */
public final class SpeechTimestamps {

    /** The only sampling rate the Silero model and these functions support. */
    public static final int SAMPLING_RATE = 16000;
    private static final int WINDOW = SileroVadModel.WINDOW_SIZE;

    private SpeechTimestamps() {}

    /**
     * Splits audio into speech chunks with Silero VAD: faster-whisper's {@code get_speech_timestamps}.
     *
     * @param audio   16 kHz mono samples (not modified)
     * @param options VAD parameters
     * @param model   the Silero model to run
     * @return speech chunks in samples, ordered, padded by {@code speechPadMs}
     */
    public static List<SpeechChunk> getSpeechTimestamps(float[] audio, VadOptions options, SileroVadModel model) {
        return getSpeechTimestamps(MemorySegment.ofArray(Objects.requireNonNull(audio, "audio")), options, model);
    }

    /** {@link #getSpeechTimestamps(float[], VadOptions, SileroVadModel)} of samples in a memory segment. */
    public static List<SpeechChunk> getSpeechTimestamps(MemorySegment audio, VadOptions options, SileroVadModel model) {
        long start = PhaseTrace.start();
        try {
            return getSpeechTimestampsUntraced(audio, options, model);
        } finally {
            PhaseTrace.end("vad", start);
        }
    }

    private static List<SpeechChunk> getSpeechTimestampsUntraced(MemorySegment audio, VadOptions options,
                                                                 SileroVadModel model) {
        Objects.requireNonNull(audio, "audio");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(model, "model");
        int samples = samplesIn(audio);
        float[] probabilities = model.speechProbabilities(audio, paddedLength(samples));
        return speechTimestampsFromProbabilities(probabilities, samples, options);
    }

    /** The number of float32 samples in a segment, which Java's int indices must reach. */
    public static int samplesIn(MemorySegment audio) {
        long bytes = audio.byteSize();
        if (bytes % Float.BYTES != 0 || bytes / Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("audio of " + bytes + " bytes is not a whole number of float32 samples"
                    + " below 2^31");
        }
        return (int) (bytes / Float.BYTES);
    }

    /**
     * The end-padding faster-whisper applies before running the model: {@code 512 - len % 512} zeros.
     */
    public static float[] pad(float[] audio) {
        return Arrays.copyOf(audio, paddedLength(audio.length));
    }

    /** The length of {@link #pad(float[])}'s result, for {@link SileroVadModel#speechProbabilities(float[], int)}. */
    public static int paddedLength(int samples) {
        // faster-whisper quirk: np.pad(audio, (0, 512 - len % 512)) adds a whole extra window when len is already a multiple of 512.
        long length = (long) samples + (WINDOW - samples % WINDOW);
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(samples + " samples are too many for the VAD's padded input");
        }
        return (int) length;
    }

    /**
     * The state machine and padding pass of {@code get_speech_timestamps}, given the model's
     * probabilities (one per 512-sample window of the padded audio).
     *
     * @param probabilities       what {@link SileroVadModel#speechProbabilities} returned for {@link #pad(float[])}
     * @param audioLengthSamples  length of the unpadded audio
     */
    public static List<SpeechChunk> speechTimestampsFromProbabilities(float[] probabilities, int audioLengthSamples,
                                                                      VadOptions options) {
        // Python true division and int*float products: these stay doubles, as in vad.py.
        double minSpeechSamples = SAMPLING_RATE * (long) options.minSpeechDurationMs() / 1000.0;
        double speechPadSamples = SAMPLING_RATE * (long) options.speechPadMs() / 1000.0;
        double maxSpeechSamples = SAMPLING_RATE * options.maxSpeechDurationS() - WINDOW - 2 * speechPadSamples;
        double minSilenceSamples = SAMPLING_RATE * (long) options.minSilenceDurationMs() / 1000.0;
        double minSilenceSamplesAtMaxSpeech = SAMPLING_RATE * 98 / 1000.0;

        double negThresholdValue = options.negThreshold() != null
                ? options.negThreshold()
                : Math.max(options.threshold() - 0.15, 0.01);
        // faster-whisper quirk: numpy 2 compares each float32 probability with the threshold cast to float32 (NEP 50 weak Python floats).
        float threshold = (float) options.threshold();
        float negThreshold = (float) negThresholdValue;

        boolean triggered = false;
        List<long[]> speeches = new ArrayList<>();
        long[] current = null; // null is Python's empty current_speech dict; else {start, end}
        // 0 means "unset" for all three, exactly as Python's truthiness of these ints does.
        long tempEnd = 0;
        long prevEnd = 0;
        long nextStart = 0;

        for (int i = 0; i < probabilities.length; i++) {
            float prob = probabilities[i];
            long position = (long) WINDOW * i;
            if (prob >= threshold && tempEnd != 0) {
                tempEnd = 0;
                if (nextStart < prevEnd) {
                    nextStart = position;
                }
            }

            if (prob >= threshold && !triggered) {
                triggered = true;
                current = new long[] {position, 0};
                continue;
            }

            if (triggered && position - current[0] > maxSpeechSamples) {
                if (prevEnd != 0) {
                    current[1] = prevEnd;
                    speeches.add(current);
                    current = null;
                    // Silence (< neg_threshold) was reached and no speech (>= threshold) followed it yet.
                    if (nextStart < prevEnd) {
                        triggered = false;
                    } else {
                        current = new long[] {nextStart, 0};
                    }
                    prevEnd = nextStart = tempEnd = 0;
                } else {
                    current[1] = position;
                    speeches.add(current);
                    current = null;
                    prevEnd = nextStart = tempEnd = 0;
                    triggered = false;
                    continue;
                }
            }

            if (prob < negThreshold && triggered) {
                if (tempEnd == 0) {
                    tempEnd = position;
                }
                // Remember silences longer than 98 ms as split points for max_speech_duration_s.
                if (position - tempEnd > minSilenceSamplesAtMaxSpeech) {
                    prevEnd = tempEnd;
                }
                if (position - tempEnd < minSilenceSamples) {
                    continue;
                }
                current[1] = tempEnd;
                if (current[1] - current[0] > minSpeechSamples) {
                    speeches.add(current);
                }
                current = null;
                prevEnd = nextStart = tempEnd = 0;
                triggered = false;
            }
        }

        if (current != null && audioLengthSamples - current[0] > minSpeechSamples) {
            current[1] = audioLengthSamples;
            speeches.add(current);
        }

        for (int i = 0; i < speeches.size(); i++) {
            long[] speech = speeches.get(i);
            if (i == 0) {
                speech[0] = truncatedMax0(speech[0] - speechPadSamples);
            }
            if (i != speeches.size() - 1) {
                long[] next = speeches.get(i + 1);
                long silenceDuration = next[0] - speech[1];
                if (silenceDuration < 2 * speechPadSamples) {
                    // Python's `silence_duration // 2` floors (matters only for a negative gap).
                    long half = Math.floorDiv(silenceDuration, 2);
                    speech[1] += half;
                    next[0] = Math.max(0, next[0] - half);
                } else {
                    speech[1] = truncatedMinLength(audioLengthSamples, speech[1] + speechPadSamples);
                    next[0] = truncatedMax0(next[0] - speechPadSamples);
                }
            } else {
                speech[1] = truncatedMinLength(audioLengthSamples, speech[1] + speechPadSamples);
            }
        }

        List<SpeechChunk> result = new ArrayList<>(speeches.size());
        for (long[] speech : speeches) {
            result.add(new SpeechChunk(Math.toIntExact(speech[0]), Math.toIntExact(speech[1])));
        }
        return List.copyOf(result);
    }

    /** Python's {@code int(max(0, value))}: {@code int()} truncates the float toward zero. */
    private static long truncatedMax0(double value) {
        return value > 0 ? (long) value : 0;
    }

    /** Python's {@code int(min(length, value))}. */
    private static long truncatedMinLength(int length, double value) {
        return value < length ? (long) value : length;
    }

    /** {@link #collectChunks(float[], List, double)} with faster-whisper's default {@code max_duration=inf}. */
    public static CollectedChunks collectChunks(float[] audio, List<SpeechChunk> chunks) {
        return collectChunks(audio, chunks, Double.POSITIVE_INFINITY);
    }

    /**
     * Concatenates the speech chunks into groups of at most {@code maxDuration} seconds:
     * faster-whisper's {@code collect_chunks}.
     *
     * @param maxDuration seconds; {@link Double#POSITIVE_INFINITY} puts all speech into one group
     */
    public static CollectedChunks collectChunks(float[] audio, List<SpeechChunk> chunks, double maxDuration) {
        List<float[]> audioChunks = new ArrayList<>();
        List<ChunkMetadata> metadata = new ArrayList<>();
        collectChunks(audio, chunks, maxDuration, (chunkAudio, chunkMetadata) -> {
            audioChunks.add(chunkAudio);
            metadata.add(chunkMetadata);
        });
        return new CollectedChunks(audioChunks, metadata);
    }

    /**
     * {@link #collectChunks(float[], List, double)} one group at a time: each group's audio is
     * handed to {@code consumer} as soon as it is joined, so a caller that keeps only what it
     * computes from it (the batched pipeline's features) never holds all the speech at once.
     */
    public static void collectChunks(float[] audio, List<SpeechChunk> chunks, double maxDuration,
                                     BiConsumer<float[], ChunkMetadata> consumer) {
        collectChunks(MemorySegment.ofArray(Objects.requireNonNull(audio, "audio")), chunks, maxDuration, consumer);
    }

    /** {@link #collectChunks(float[], List, double, BiConsumer)} of samples in a memory segment. */
    public static void collectChunks(MemorySegment audio, List<SpeechChunk> chunks, double maxDuration,
                                     BiConsumer<float[], ChunkMetadata> consumer) {
        Objects.requireNonNull(audio, "audio");
        Objects.requireNonNull(chunks, "chunks");
        Objects.requireNonNull(consumer, "consumer");
        if (chunks.isEmpty()) {
            // faster-whisper quirk: no speech still yields one empty audio chunk with zero offset and duration.
            consumer.accept(new float[0], new ChunkMetadata(0, 0, List.of()));
            return;
        }

        List<SpeechChunk> currentSegments = new ArrayList<>();
        List<SpeechChunk> currentAudio = new ArrayList<>();
        long currentDuration = 0;
        long totalDuration = 0;
        double limit = maxDuration * SAMPLING_RATE;

        for (SpeechChunk chunk : chunks) {
            if (currentDuration + chunk.end() - chunk.start() > limit) {
                // faster-whisper quirk: if the very first chunk exceeds max_duration, an empty leading group is emitted.
                consumer.accept(join(audio, currentAudio), new ChunkMetadata((double) totalDuration / SAMPLING_RATE,
                        (double) currentDuration / SAMPLING_RATE, currentSegments));
                totalDuration += currentDuration;
                // faster-whisper quirk: the chunk that opens a new group is not added to that group's segments.
                currentSegments = new ArrayList<>();
                currentAudio = new ArrayList<>();
                currentAudio.add(chunk);
                currentDuration = chunk.end() - chunk.start();
            } else {
                currentSegments.add(chunk);
                currentAudio.add(chunk);
                currentDuration += chunk.end() - chunk.start();
            }
        }

        consumer.accept(join(audio, currentAudio), new ChunkMetadata((double) totalDuration / SAMPLING_RATE,
                (double) currentDuration / SAMPLING_RATE, currentSegments));
    }

    /**
     * All the speech, joined: faster-whisper's {@code np.concatenate(collect_chunks(audio, chunks)[0])}
     * with the default {@code max_duration=inf}, which makes a single group. Copied once.
     */
    public static float[] joinSpeech(float[] audio, List<SpeechChunk> chunks) {
        return joinSpeech(MemorySegment.ofArray(Objects.requireNonNull(audio, "audio")), chunks);
    }

    /** {@link #joinSpeech(float[], List)} of samples in a memory segment. */
    public static float[] joinSpeech(MemorySegment audio, List<SpeechChunk> chunks) {
        Objects.requireNonNull(audio, "audio");
        Objects.requireNonNull(chunks, "chunks");
        return join(audio, chunks);
    }

    /** numpy's {@code concatenate([audio[c.start:c.end] for c in pieces])}, copied once. */
    private static float[] join(MemorySegment audio, List<SpeechChunk> pieces) {
        int samples = samplesIn(audio);
        long total = 0;
        for (SpeechChunk piece : pieces) {
            total += sliceLength(samples, piece);
        }
        float[] out = new float[Math.toIntExact(total)];
        int at = 0;
        for (SpeechChunk piece : pieces) {
            int length = sliceLength(samples, piece);
            MemorySegment.copy(audio, ValueLayout.JAVA_FLOAT, (long) sliceIndex(piece.start(), samples) * Float.BYTES,
                    out, at, length);
            at += length;
        }
        return out;
    }

    /** The length of numpy's {@code audio[start:end]}: negative indices count from the end, out-of-range ones clamp. */
    private static int sliceLength(int samples, SpeechChunk piece) {
        return Math.max(0, sliceIndex(piece.end(), samples) - sliceIndex(piece.start(), samples));
    }

    private static int sliceIndex(int index, int length) {
        if (index < 0) {
            return Math.max(0, index + length);
        }
        return Math.min(index, length);
    }
}
