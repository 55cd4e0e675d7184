package dev.ct2j.transcribe;

import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.audio.NativeAudio;
import dev.ct2j.engine.EncoderOutput;
import dev.ct2j.engine.GenerationOptions;
import dev.ct2j.engine.GenerationResult;
import dev.ct2j.features.MelSpectrogram;
import dev.ct2j.features.NativeMelSpectrogram;
import dev.ct2j.tokenizer.WhisperTokenizer;
import dev.ct2j.transcribe.WindowDecoding.WindowSegment;
import dev.ct2j.vad.ChunkMetadata;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * faster-whisper's {@code BatchedInferencePipeline}: speech chunks of at most {@code chunk_length}
 * seconds (from VAD by default) decoded independently, {@code batchSize} chunks per encoder and
 * generate call. Up to several times faster than sequential decoding, with its own semantics: no
 * previous-text conditioning, no temperature fallback, no no-speech skipping, no prefix.
 *
 * <p>Unlike faster-whisper's class, it keeps no mutable state per instance (faster-whisper's
 * {@code last_speech_timestamp} lives in each call here), so one pipeline may serve many threads.
 */
public final class BatchedInferencePipeline {
    private static final System.Logger LOG = System.getLogger("dev.ct2j");

    private final WhisperModel model;
    private final ChunkDecoder decoder;

    public BatchedInferencePipeline(WhisperModel model) {
        this(model, ChunkDecoder.alone());
    }

    /**
     * @param decoder runs the encoder and generate step; {@link ChunkDecoder#alone()} decodes each
     *                request's chunks by themselves. Requests with word timestamps always do, as
     *                their alignment needs the encoder output of their own chunks.
     */
    public BatchedInferencePipeline(WhisperModel model, ChunkDecoder decoder) {
        if (model == null || decoder == null) {
            throw new IllegalArgumentException("model and decoder must not be null");
        }
        this.model = model;
        this.decoder = decoder;
    }

    /** faster-whisper's defaults for the batched transcribe: VAD on, without_timestamps on. */
    public static TranscriptionOptions.Builder defaultOptions() {
        return TranscriptionOptions.builder().vadFilter(true).withoutTimestamps(true);
    }

    public Transcription transcribe(Path audioFile, TranscriptionOptions options, int batchSize) {
        // The samples are only read to cut the chunks: they stay where they were decoded and are freed here.
        try (NativeAudio audio = AudioDecoder.decodeNative(audioFile, model.featureExtractor().samplingRate())) {
            return transcribe(audio.samples(), options, batchSize);
        }
    }

    /**
     * @param options   build them from {@link #defaultOptions()} for faster-whisper's batched
     *                  defaults. {@code clipTimestamps} here are (start, end) pairs in seconds, each
     *                  its own chunk. A {@code vadParameters} object is used like faster-whisper's
     *                  dict: its max_speech_duration_s is replaced by the chunk length.
     * @param batchSize chunks per encoder/generate call (faster-whisper's default: 8)
     */
    public Transcription transcribe(float[] audio, TranscriptionOptions options, int batchSize) {
        if (audio == null) {
            throw new IllegalArgumentException("audio and options must not be null");
        }
        return transcribe(MemorySegment.ofArray(audio), options, batchSize);
    }

    private Transcription transcribe(MemorySegment audio, TranscriptionOptions options, int batchSize) {
        if (options == null) {
            throw new IllegalArgumentException("audio and options must not be null");
        }
        checkBatchSize(batchSize);
        return transcribe(PreparedChunks.compute(audio, options, model.featureExtractor(),
                PreparedChunks.needsVad(options) ? model.vadModel() : null), batchSize);
    }

    /**
     * Transcribes chunks cut and featurised before this model loaded (see {@link PreparedChunks}),
     * with their options, with the same result as {@link #transcribe(float[], TranscriptionOptions, int)}
     * on their samples. The transcription takes the chunks over and frees their features as it
     * goes (see {@link PreparedChunks}).
     *
     * @throws IllegalArgumentException if this model's feature extractor has other settings than
     *     the one the chunks were prepared with
     * @throws IllegalStateException if the chunks were transcribed or closed before
     */
    public Transcription transcribe(PreparedChunks chunks, int batchSize) {
        if (chunks == null) {
            throw new IllegalArgumentException("prepared chunks must not be null");
        }
        checkBatchSize(batchSize);
        if (!chunks.extractor().hasSettingsOf(model.featureExtractor())) {
            throw new IllegalArgumentException("the chunks were prepared with other feature settings ("
                    + chunks.extractor() + ") than this model's (" + model.featureExtractor() + ")");
        }
        List<NativeMelSpectrogram> features = chunks.take();
        try {
            return transcribe(chunks, features, batchSize);
        } catch (RuntimeException | Error e) {
            PreparedChunks.closeAll(features);
            throw e;
        }
    }

    private Transcription transcribe(PreparedChunks chunks, List<NativeMelSpectrogram> features, int batchSize) {
        TranscriptionOptions options = chunks.options();
        boolean multilingual = WindowDecoding.multilingual(options.multilingual(), model.engine().isMultilingual());
        int samplingRate = model.featureExtractor().samplingRate();
        double duration = (double) chunks.samples() / samplingRate;
        double durationAfterVad = chunks.durationAfterVad();

        WindowDecoding.ChosenLanguage chosen = WindowDecoding.chooseLanguage(options.language(),
                model.engine().isMultilingual(), () -> {
                    // A dummy -1.5 column keeps empty audio detectable, as in faster-whisper.
                    MelSpectrogram joined = concatenateWithDummyColumn(features, model.engine().nMels(),
                            (long) options.languageDetectionSegments() * model.featureExtractor().nbMaxFrames());
                    return new WhisperModel.Detected(model.use(() -> model.detectLanguage(joined,
                            options.languageDetectionSegments(), options.languageDetectionThreshold(),
                            model.featureExtractor().nbMaxFrames())), null);
                });
        String language = chosen.language();
        WhisperTokenizer tokenizer = WhisperTokenizer.of(model.vocabulary(), options.task(), language);
        List<Integer> suppressTokens = options.suppressTokens() == null || options.suppressTokens().isEmpty()
                ? List.of() : tokenizer.suppressedTokens(options.suppressTokens());

        // The values batched mode forces, as faster-whisper records them in the info.
        TranscriptionOptions effective = options.toBuilder().temperatures(options.temperatures().subList(0, 1))
                .conditionOnPreviousText(false).promptResetOnTemperature(0.5).maxInitialTimestamp(0.0)
                .hallucinationSilenceThreshold(null).multilingual(multilingual).build();
        TranscriptionInfo info = new TranscriptionInfo(language, chosen.languageProbability(), duration,
                durationAfterVad, chosen.allLanguageProbs(), effective, chunks.vadParameters());
        BatchedSegments batched = new BatchedSegments(tokenizer, features, chunks.chunksMetadata(), batchSize,
                effective, suppressTokens);
        Iterator<Segment> segments = batched;
        if (!chunks.clipTimestampsProvided()) {
            segments = SpeechRestoration.restoreSpeechTimestamps(segments, chunks.clipTimestamps(), samplingRate);
        }
        return new Transcription(info, segments, model, () -> PreparedChunks.closeAll(features), batched.stopSignal());
    }

    private static void checkBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch_size must be >= 1, got " + batchSize);
        }
    }

    /**
     * faster-whisper's {@code np.concatenate(features + [dummy column], axis=1)}, cut to the first
     * {@code maxFrames}: language detection reads no further, and the whole join of an hour's
     * chunks would be 160 MB for nothing.
     */
    private static MelSpectrogram concatenateWithDummyColumn(List<NativeMelSpectrogram> features, int nMels,
                                                             long maxFrames) {
        long total = 1;
        for (NativeMelSpectrogram f : features) {
            total += f.frames();
        }
        int frames = (int) Math.min(total, Math.max(0, maxFrames));
        float[] data = new float[nMels * frames];
        int offset = 0;
        for (NativeMelSpectrogram f : features) {
            int n = Math.min(f.frames(), frames - offset);
            if (n <= 0) {
                break;
            }
            for (int m = 0; m < nMels; m++) {
                MemorySegment.copy(f.data(), ValueLayout.JAVA_FLOAT, (long) m * f.frames() * Float.BYTES, data,
                        m * frames + offset, n);
            }
            offset += n;
        }
        if (offset < frames) {
            for (int m = 0; m < nMels; m++) {
                data[m * frames + offset] = -1.5f;
            }
        }
        return new MelSpectrogram(nMels, frames, data);
    }

    /** faster-whisper's {@code _batched_segments_generator}: one batch per step, lazily. */
    private final class BatchedSegments extends BufferedSegments {
        private final WhisperTokenizer tokenizer;
        private final List<NativeMelSpectrogram> features;
        private final List<ChunkMetadata> chunksMetadata;
        private final int batchSize;
        private final TranscriptionOptions options;
        private final List<Integer> suppressTokens;
        private final WordTimestamps wordTimestamps;
        private int next;
        private int segIdx;
        private double lastSpeechTimestamp;

        BatchedSegments(WhisperTokenizer tokenizer, List<NativeMelSpectrogram> features, List<ChunkMetadata> chunksMetadata,
                        int batchSize, TranscriptionOptions options, List<Integer> suppressTokens) {
            this.tokenizer = tokenizer;
            this.features = features;
            this.chunksMetadata = chunksMetadata;
            this.batchSize = batchSize;
            this.options = options;
            this.suppressTokens = suppressTokens;
            this.wordTimestamps = options.wordTimestamps() ? new WordTimestamps(model.engine()) : null;
        }

        @Override
        protected boolean produce() {
            if (next >= features.size()) {
                return false;
            }
            int end = Math.min(next + batchSize, features.size());
            List<NativeMelSpectrogram> batch = features.subList(next, end);
            List<ChunkMetadata> metadata = chunksMetadata.subList(next, end);
            next = end;
            try {
                model.use(() -> {
                    forward(batch, metadata);
                    return null;
                });
            } finally {
                PreparedChunks.closeAll(batch); // encoded: an hour's features are not all held to the end
            }
            return true;
        }

        private void forward(List<NativeMelSpectrogram> batch, List<ChunkMetadata> metadata) {
            int n = batch.size();
            // The initial prompt is encoded without the leading space sequential mode adds, and
            // there is no prefix (faster-whisper's batched semantics).
            List<Integer> previous = options.initialPrompt() != null ? tokenizer.encode(options.initialPrompt())
                    : List.of();
            List<Integer> prompt = WindowDecoding.getPrompt(tokenizer, previous, options.withoutTimestamps(),
                    null, options.hotwords());
            int maxLength = WindowDecoding.maxLength(prompt.size(), options.maxNewTokens());
            WindowDecoding.checkPromptFits(prompt, tokenizer);
            int languageIndex = options.multilingual() ? prompt.indexOf(tokenizer.languageToken().orElseThrow()) : -1;
            // Batched mode passes sampling_temperature but keeps sampling_topk=1: the
            // temperature has no effect (faster-whisper quirk), and no max_initial_timestamp.
            GenerationOptions generation = GenerationOptions.builder().beamSize(options.beamSize())
                    .patience((float) options.patience()).lengthPenalty((float) options.lengthPenalty())
                    .maxLength(maxLength).suppressBlank(options.suppressBlank()).suppressTokens(suppressTokens)
                    .returnScores(true).returnNoSpeechProb(true)
                    .samplingTemperature((float) (double) options.temperatures().getFirst())
                    .repetitionPenalty((float) options.repetitionPenalty())
                    .noRepeatNgramSize(options.noRepeatNgramSize()).build();
            List<ChunkDecoder.Job> jobs = new ArrayList<>(n);
            for (NativeMelSpectrogram chunk : batch) {
                jobs.add(new ChunkDecoder.Job(chunk, prompt, languageIndex, generation));
            }
            stop.check();
            if (wordTimestamps == null) {
                finish(decoder.decode(model, jobs), metadata, null);
            } else {
                try (EncoderOutput encoderOutput = ChunkDecoder.encode(model, jobs)) {
                    finish(ChunkDecoder.generate(model, jobs, encoderOutput), metadata, encoderOutput);
                }
            }
        }

        private void finish(List<ChunkDecoder.Decoded> results, List<ChunkMetadata> metadata,
                            EncoderOutput encoderOutput) {
            int n = results.size();
            List<String> languages = new ArrayList<>();
            for (ChunkDecoder.Decoded d : results) {
                languages.add(d.language() != null ? d.language() : tokenizer.languageCode());
            }
            List<List<WindowSegment>> segmented = new ArrayList<>();
            List<Integer> segmentSizes = new ArrayList<>();
            List<double[]> scores = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                GenerationResult result = results.get(i).result();
                List<Integer> tokens = result.hypotheses().getFirst().ids();
                double avgLogprob = WindowDecoding.avgLogprob(result.hypotheses().getFirst().score(), tokens.size(),
                        options.lengthPenalty());
                scores.add(new double[] {avgLogprob, result.noSpeechProb()});
                ChunkMetadata chunk = metadata.get(i);
                int segmentSize = (int) (Math.ceil(chunk.duration()) * 100);
                segmentSizes.add(segmentSize);
                WindowDecoding.Split split = WindowDecoding.splitSegmentsByTimestamps(
                        tokenizer.timestampBegin(), tokens, chunk.offset(), segmentSize, chunk.duration(), 0);
                List<WindowSegment> subsegments = new ArrayList<>();
                int seek = (int) (chunk.offset() * 100);
                for (WindowSegment s : split.segments()) {
                    WindowSegment withSeek = new WindowSegment(seek, s.start, s.end, s.tokens);
                    subsegments.add(withSeek);
                }
                segmented.add(subsegments);
            }
            if (wordTimestamps != null) {
                stop.check();
                lastSpeechTimestamp = wordTimestamps.addWordTimestamps(segmented, tokenizer, encoderOutput,
                        segmentSizes, options.prependPunctuations(), options.appendPunctuations(),
                        lastSpeechTimestamp);
            }
            double temperature = options.temperatures().getFirst();
            for (int i = 0; i < n; i++) {
                for (WindowSegment s : segmented.get(i)) {
                    segIdx++;
                    String text = tokenizer.decode(s.tokens);
                    // round(x, 3) on a Python float, or numpy's round when the time came from a word.
                    double start = s.startFromWord ? NumpyMath.round(s.start, 3) : PyMath.round(s.start, 3);
                    double end = s.endFromWord ? NumpyMath.round(s.end, 3) : PyMath.round(s.end, 3);
                    pending.add(new Segment(segIdx, s.seek, start, end, text, s.tokens, scores.get(i)[0],
                            PyMath.compressionRatio(text), scores.get(i)[1],
                            wordTimestamps != null ? s.words : null, temperature, languages.get(i)));
                }
            }
        }
    }
}
