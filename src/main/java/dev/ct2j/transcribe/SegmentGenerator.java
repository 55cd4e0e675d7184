package dev.ct2j.transcribe;

import dev.ct2j.engine.EncoderOutput;
import dev.ct2j.engine.GenerationOptions;
import dev.ct2j.engine.GenerationResult;
import dev.ct2j.features.MelSpectrogram;
import dev.ct2j.tokenizer.PythonText;
import dev.ct2j.tokenizer.WhisperTokenizer;
import dev.ct2j.transcribe.WindowDecoding.Split;
import dev.ct2j.transcribe.WindowDecoding.WindowSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * faster-whisper's {@code generate_segments}: the sequential window loop, run one window at a time
 * as the caller reads segments (Python's generator). Method names follow transcribe.py so that
 * each step can be found there: {@link #generateWithFallback}; the steps the batched pipeline
 * shares ({@code get_prompt}, {@code _split_segments_by_timestamps}) are in {@link WindowDecoding}.
 */
final class SegmentGenerator extends BufferedSegments {
    // Debug: one line as each native generate starts (a process watching the log knows a
    // generation is running, e.g. the CLI's signal test).
    private static final System.Logger LOG = System.getLogger("dev.ct2j");
    private final WhisperModel model;
    private final MelSpectrogram features;
    private final TranscriptionOptions options;
    private final List<Integer> suppressTokens;
    private final int nbMaxFrames;
    private final double timePerFrame;
    private final int framesPerSecond;
    private final int contentFrames;
    private final double contentDuration;
    private final int[][] seekClips;
    private final WordTimestamps wordTimestamps;

    private WhisperTokenizer tokenizer;
    private int clipIdx;
    private int seek;
    private final List<Integer> allTokens = new ArrayList<>();
    private int promptResetSince;
    private int idx;
    private double lastSpeechTimestamp;
    // Language detection's first encoded window, until the first window here takes or drops it.
    private EncodedWindow reusable;

    SegmentGenerator(WhisperModel model, MelSpectrogram features, WhisperTokenizer tokenizer,
                     TranscriptionOptions options, List<Integer> suppressTokens, int nbMaxFrames,
                     EncodedWindow reusable) {
        this.model = model;
        this.reusable = reusable;
        this.features = features;
        this.tokenizer = tokenizer;
        this.options = options;
        this.suppressTokens = suppressTokens;
        this.nbMaxFrames = nbMaxFrames;
        this.timePerFrame = model.featureExtractor().timePerFrame();
        this.framesPerSecond = model.featureExtractor().samplingRate() / model.featureExtractor().hopLength();
        this.contentFrames = features.frames() - 1;
        this.contentDuration = contentFrames * timePerFrame;
        this.wordTimestamps = options.wordTimestamps() ? new WordTimestamps(model.engine()) : null;

        List<Double> clips = options.clipTimestamps() == null ? List.of(0.0) : options.clipTimestamps();
        List<Integer> seekPoints = new ArrayList<>();
        for (double ts : clips) {
            double frames = ts * framesPerSecond;
            if (Double.isInfinite(frames)) { // faster-whisper: OverflowError from round(inf)
                throw new IllegalArgumentException("clip_timestamps value " + ts
                        + " is out of range: too many seconds to be a frame index");
            }
            // Past the audio a point only ends the clips there (generate_segments clamps clip ends
            // to content_frames and skips clips starting after it), so saturating is exact.
            seekPoints.add((int) Math.min(PyMath.round(frames), Integer.MAX_VALUE));
        }
        if (seekPoints.isEmpty()) {
            seekPoints.add(0);
        }
        if (seekPoints.size() % 2 == 1) {
            seekPoints.add(contentFrames);
        }
        seekClips = new int[seekPoints.size() / 2][];
        for (int i = 0; i < seekClips.length; i++) {
            seekClips[i] = new int[] {seekPoints.get(2 * i), seekPoints.get(2 * i + 1)};
        }
        seek = seekClips[0][0];

        if (options.initialPrompt() != null) {
            allTokens.addAll(tokenizer.encode(" " + PythonText.strip(options.initialPrompt())));
        } else if (options.initialPromptTokens() != null) {
            allTokens.addAll(options.initialPromptTokens());
        }
    }

    @Override
    protected boolean produce() {
        try {
            return model.use(this::processNextWindow);
        } finally {
            discardReusableWindow(); // only the first window can match it
        }
    }

    /**
     * faster-whisper encodes the first window twice when it detects the language (once in
     * {@code detect_language}, once here). The second encode is skipped when its input is
     * bit-identical to the first's, which it is for audio of 30 s or more; under 30 s detection
     * sees one more frame (the last) and both encodes happen.
     */
    private EncoderOutput encodeOrReuse(MelSpectrogram segment) {
        EncodedWindow kept = takeReusable();
        if (kept != null) {
            if (kept.encodes(segment)) {
                return kept.output();
            }
            kept.close();
        }
        stop.check();
        return model.encode(segment);
    }

    /** Frees the kept detection window if no window used it (also when the transcription closes). */
    void discardReusableWindow() {
        EncodedWindow kept = takeReusable();
        if (kept != null) {
            kept.close();
        }
    }

    private synchronized EncodedWindow takeReusable() {
        EncodedWindow kept = reusable;
        reusable = null;
        return kept;
    }

    /** One pass of generate_segments' loop; false once every clip is done. */
    private boolean processNextWindow() {
        if (clipIdx >= seekClips.length) {
            return false;
        }
        int seekClipStart = seekClips[clipIdx][0];
        int seekClipEnd = Math.min(seekClips[clipIdx][1], contentFrames);
        if (seek < seekClipStart) {
            seek = seekClipStart;
        }
        if (seek >= seekClipEnd) {
            clipIdx++;
            if (clipIdx < seekClips.length) {
                seek = seekClips[clipIdx][0];
            }
            return true;
        }
        double timeOffset = seek * timePerFrame;
        double windowEndTime = (seek + nbMaxFrames) * timePerFrame;
        int segmentSize = Math.min(nbMaxFrames, Math.min(contentFrames - seek, seekClipEnd - seek));
        double segmentDuration = segmentSize * timePerFrame;
        MelSpectrogram segment = features.slice(seek, seek + segmentSize).padOrTrim(3000);
        List<Integer> previousTokens = allTokens.subList(promptResetSince, allTokens.size());

        try (EncoderOutput encoderOutput = encodeOrReuse(segment)) {
            String language = tokenizer.languageCode();
            if (options.multilingual()) {
                stop.check();
                // No threshold here, as in faster-whisper (issue #1322): the window's top language wins.
                language = model.engine().detectLanguage(encoderOutput).getFirst().getFirst().code();
                tokenizer = tokenizer.withLanguage(language);
            }
            List<Integer> prompt = WindowDecoding.getPrompt(tokenizer, previousTokens, options.withoutTimestamps(),
                    seek == 0 ? options.prefix() : null, options.hotwords());
            DecodeResult decoded = generateWithFallback(encoderOutput, prompt);

            if (options.noSpeechThreshold() != null) {
                boolean shouldSkip = decoded.noSpeechProb() > options.noSpeechThreshold();
                if (options.logProbThreshold() != null && decoded.avgLogprob() > options.logProbThreshold()) {
                    shouldSkip = false; // the log-prob is high enough, despite the no-speech probability
                }
                if (shouldSkip) {
                    seek += segmentSize;
                    return true;
                }
            }

            List<Integer> tokens = decoded.tokens();
            int previousSeek = seek;
            Split split = WindowDecoding.splitSegmentsByTimestamps(tokenizer.timestampBegin(), tokens, timeOffset,
                    segmentSize, segmentDuration, seek);
            List<WindowSegment> currentSegments = split.segments();
            seek = split.seek();

            if (wordTimestamps != null) {
                stop.check();
                wordTimestamps.addWordTimestamps(List.of(currentSegments), tokenizer, encoderOutput,
                        List.of(segmentSize), options.prependPunctuations(), options.appendPunctuations(),
                        lastSpeechTimestamp);
                if (!split.singleTimestampEnding()) {
                    Double lastWordEnd = WordTimestamps.getEnd(currentSegments);
                    if (lastWordEnd != null && lastWordEnd > timeOffset) {
                        seek = (int) PyMath.round(lastWordEnd * framesPerSecond);
                    }
                }
                if (options.hallucinationSilenceThreshold() != null
                        && skipSilenceAroundHallucinations(currentSegments, timeOffset, segmentDuration, windowEndTime,
                                previousSeek)) {
                    return true; // re-decode the window from after the leading silence
                }
                Double lastWordEnd = WordTimestamps.getEnd(currentSegments);
                if (lastWordEnd != null) {
                    lastSpeechTimestamp = lastWordEnd;
                }
            }

            for (WindowSegment s : currentSegments) {
                String text = tokenizer.decode(s.tokens);
                if (s.start == s.end || PythonText.strip(text).isEmpty()) {
                    continue;
                }
                allTokens.addAll(s.tokens);
                idx++;
                pending.add(new Segment(idx, previousSeek, s.start, s.end, text, s.tokens, decoded.avgLogprob(),
                        decoded.compressionRatio(), decoded.noSpeechProb(),
                        wordTimestamps != null ? s.words : null, decoded.temperature(), language));
            }

            if (!options.conditionOnPreviousText() || decoded.temperature() > options.promptResetOnTemperature()) {
                promptResetSince = allTokens.size();
            }
        }
        return true;
    }

    /**
     * hallucination_silence_threshold: skips silence around segments whose words look like a
     * hallucination. Returns true when the window must be decoded again from a new seek (the
     * first segment was anomalous after a long gap); otherwise it may move the seek and drop the
     * anomalous segment and everything after it.
     */
    private boolean skipSilenceAroundHallucinations(List<WindowSegment> currentSegments, double timeOffset,
                                                    double segmentDuration, double windowEndTime, int previousSeek) {
        double threshold = options.hallucinationSilenceThreshold();
        WindowSegment firstSegment = Hallucinations.nextWordsSegment(currentSegments, 0);
        if (firstSegment != null && Hallucinations.isSegmentAnomaly(firstSegment)) {
            double gap = firstSegment.start - timeOffset;
            if (gap > threshold) {
                seek = previousSeek + (int) PyMath.round(gap * framesPerSecond);
                return true;
            }
        }
        double halLastEnd = lastSpeechTimestamp;
        for (int si = 0; si < currentSegments.size(); si++) {
            WindowSegment segment = currentSegments.get(si);
            if (segment.words.isEmpty()) {
                continue;
            }
            if (Hallucinations.isSegmentAnomaly(segment)) {
                WindowSegment nextSegment = Hallucinations.nextWordsSegment(currentSegments, si + 1);
                double halNextStart = nextSegment != null ? nextSegment.words.getFirst().start()
                        : timeOffset + segmentDuration;
                boolean silenceBefore = segment.start - halLastEnd > threshold || segment.start < threshold
                        || segment.start - timeOffset < 2.0;
                boolean silenceAfter = halNextStart - segment.end > threshold
                        || Hallucinations.isSegmentAnomaly(nextSegment) || windowEndTime - segment.end < 2.0;
                if (silenceBefore && silenceAfter) {
                    seek = (int) PyMath.round(Math.max(timeOffset + 1, segment.start) * framesPerSecond);
                    if (contentDuration - segment.end < threshold) {
                        seek = contentFrames;
                    }
                    currentSegments.subList(si, currentSegments.size()).clear();
                    break;
                }
            }
            halLastEnd = segment.end;
        }
        return false;
    }

    /** The chosen decoding of a window, as generate_with_fallback returns it. */
    record DecodeResult(List<Integer> tokens, double avgLogprob, double temperature, double compressionRatio,
                        double noSpeechProb) {}

    DecodeResult generateWithFallback(EncoderOutput encoderOutput, List<Integer> prompt) {
        int maxInitialTimestampIndex = (int) PyMath.round(options.maxInitialTimestamp() / WindowDecoding.TIME_PRECISION);
        int maxLength = WindowDecoding.maxLength(prompt.size(), options.maxNewTokens());
        WindowDecoding.checkPromptFits(prompt, tokenizer);
        GenerationOptions common = GenerationOptions.builder()
                .lengthPenalty((float) options.lengthPenalty())
                .repetitionPenalty((float) options.repetitionPenalty())
                .noRepeatNgramSize(options.noRepeatNgramSize())
                .maxLength(maxLength).returnScores(true).returnNoSpeechProb(true)
                .suppressBlank(options.suppressBlank()).suppressTokens(suppressTokens)
                .maxInitialTimestampIndex(maxInitialTimestampIndex).build();

        List<DecodeResult> allResults = new ArrayList<>();
        List<DecodeResult> belowCrThresholdResults = new ArrayList<>();
        DecodeResult decodeResult = null;
        double temperature = 0;
        boolean needsFallback = true;
        for (double t : options.temperatures()) {
            temperature = t;
            GenerationOptions generation = t > 0
                    ? common.toBuilder().beamSize(1).numHypotheses(options.bestOf()).samplingTopk(0)
                            .samplingTemperature((float) t).build()
                    : common.toBuilder().beamSize(options.beamSize()).patience((float) options.patience()).build();
            stop.check();
            LOG.log(System.Logger.Level.DEBUG, "generate: window at {0} s, temperature {1}", seek * timePerFrame, t);
            GenerationResult result = model.engine().generate(encoderOutput, List.of(prompt), generation).getFirst();
            GenerationResult.Hypothesis best = result.hypotheses().getFirst();
            List<Integer> tokens = best.ids();

            double avgLogprob = WindowDecoding.avgLogprob(best.score(), tokens.size(), options.lengthPenalty());
            double compressionRatio = PyMath.compressionRatio(PythonText.strip(tokenizer.decode(tokens)));
            decodeResult = new DecodeResult(tokens, avgLogprob, t, compressionRatio, result.noSpeechProb());
            allResults.add(decodeResult);

            needsFallback = false;
            if (options.compressionRatioThreshold() != null) {
                if (compressionRatio > options.compressionRatioThreshold()) {
                    needsFallback = true; // too repetitive
                } else {
                    belowCrThresholdResults.add(decodeResult);
                }
            }
            if (options.logProbThreshold() != null && avgLogprob < options.logProbThreshold()) {
                needsFallback = true; // average log probability is too low
            }
            if (options.noSpeechThreshold() != null && result.noSpeechProb() > options.noSpeechThreshold()
                    && options.logProbThreshold() != null && avgLogprob < options.logProbThreshold()) {
                needsFallback = false; // silence
            }
            if (!needsFallback) {
                break;
            }
        }
        if (needsFallback) {
            // All failed: the best average log-prob wins (first on ties, as Python's max), reported
            // with the last temperature so that prompt_reset_on_temperature applies.
            List<DecodeResult> candidates = belowCrThresholdResults.isEmpty() ? allResults : belowCrThresholdResults;
            DecodeResult best = candidates.getFirst();
            for (DecodeResult candidate : candidates) {
                if (candidate.avgLogprob() > best.avgLogprob()) {
                    best = candidate;
                }
            }
            decodeResult = new DecodeResult(best.tokens(), best.avgLogprob(), temperature, best.compressionRatio(),
                    best.noSpeechProb());
        }
        return decodeResult;
    }
}
