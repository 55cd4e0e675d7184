package dev.ct2j.transcribe;

import dev.ct2j.engine.AlignmentResult;
import dev.ct2j.engine.EncoderOutput;
import dev.ct2j.engine.WhisperEngine;
import dev.ct2j.tokenizer.PythonText;
import dev.ct2j.tokenizer.WhisperTokenizer;
import dev.ct2j.tokenizer.WordTokens;
import dev.ct2j.transcribe.WindowDecoding.WindowSegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * faster-whisper's word timestamps: {@code add_word_timestamps}, {@code find_alignment} and
 * {@code merge_punctuations}. The numbers follow numpy where faster-whisper uses it: word times
 * are float64, rounded with numpy's round (scale, rint, unscale), and word probabilities are
 * numpy means (pairwise summation).
 */
final class WordTimestamps {
    private static final int TOKENS_PER_SECOND = 50;
    private static final int FRAMES_PER_SECOND = 100;
    private static final String SENTENCE_END_MARKS = ".。!！?？";

    private final WhisperEngine engine;

    WordTimestamps(WhisperEngine engine) {
        this.engine = engine;
    }

    /** One word of an alignment, before it is assigned to a sub-segment. */
    static final class AlignedWord {
        String word;
        List<Integer> tokens;
        double start;
        double end;
        final double probability;

        AlignedWord(String word, List<Integer> tokens, double start, double end, double probability) {
            this.word = word;
            this.tokens = tokens;
            this.start = start;
            this.end = end;
            this.probability = probability;
        }
    }

    /**
     * Fills {@code words} (and adjusts start/end) of every sub-segment of every segment group.
     *
     * @param numFrames per group, the mel frames with content
     * @return the last speech timestamp after these segments
     */
    double addWordTimestamps(List<List<WindowSegment>> segments, WhisperTokenizer tokenizer,
                             EncoderOutput encoderOutput, List<Integer> numFrames, String prependPunctuations,
                             String appendPunctuations, double lastSpeechTimestamp) {
        if (segments.isEmpty()) {
            return lastSpeechTimestamp;
        }
        List<List<Integer>> textTokens = new ArrayList<>();
        List<List<List<Integer>>> textTokensPerSegment = new ArrayList<>();
        for (List<WindowSegment> segment : segments) {
            List<List<Integer>> segmentTokens = new ArrayList<>();
            List<Integer> flat = new ArrayList<>();
            for (WindowSegment subsegment : segment) {
                List<Integer> kept = subsegment.tokens.stream().filter(t -> t < tokenizer.eot()).toList();
                segmentTokens.add(kept);
                flat.addAll(kept);
            }
            textTokens.add(flat);
            textTokensPerSegment.add(segmentTokens);
        }
        List<List<AlignedWord>> alignments = findAlignment(tokenizer, textTokens, encoderOutput, numFrames);
        double[] medianDurations = new double[alignments.size()];
        double[] maxDurations = new double[alignments.size()];
        for (int a = 0; a < alignments.size(); a++) {
            List<AlignedWord> alignment = alignments.get(a);
            double[] wordDurations = alignment.stream().mapToDouble(w -> w.end - w.start).filter(d -> d != 0).toArray();
            double medianDuration = Math.min(0.7, wordDurations.length > 0 ? NumpyMath.median(wordDurations) : 0.0);
            double maxDuration = medianDuration * 2;
            // Truncate long words at sentence boundaries (faster-whisper's hack, kept as is).
            if (wordDurations.length > 0) {
                for (int i = 1; i < alignment.size(); i++) {
                    AlignedWord word = alignment.get(i);
                    if (word.end - word.start > maxDuration) {
                        // Substring tests, as Python's `in` on strings ("" matches too).
                        if (SENTENCE_END_MARKS.contains(word.word)) {
                            word.end = word.start + maxDuration;
                        } else if (SENTENCE_END_MARKS.contains(alignment.get(i - 1).word)) {
                            word.start = word.end - maxDuration;
                        }
                    }
                }
            }
            mergePunctuations(alignment, prependPunctuations, appendPunctuations);
            medianDurations[a] = medianDuration;
            maxDurations[a] = maxDuration;
        }

        for (int segmentIdx = 0; segmentIdx < segments.size(); segmentIdx++) {
            List<WindowSegment> segment = segments.get(segmentIdx);
            List<AlignedWord> alignment = alignments.get(segmentIdx);
            int wordIndex = 0;
            double timeOffset = (double) segment.getFirst().seek / FRAMES_PER_SECOND;
            double medianDuration = medianDurations[segmentIdx];
            double maxDuration = maxDurations[segmentIdx];
            for (int subsegmentIdx = 0; subsegmentIdx < segment.size(); subsegmentIdx++) {
                WindowSegment subsegment = segment.get(subsegmentIdx);
                int savedTokens = 0;
                List<MutableWord> words = new ArrayList<>();
                int wanted = textTokensPerSegment.get(segmentIdx).get(subsegmentIdx).size();
                while (wordIndex < alignment.size() && savedTokens < wanted) {
                    AlignedWord timing = alignment.get(wordIndex);
                    if (!timing.word.isEmpty()) {
                        words.add(new MutableWord(timing.word, NumpyMath.round(timeOffset + timing.start, 2),
                                NumpyMath.round(timeOffset + timing.end, 2), timing.probability));
                    }
                    savedTokens += timing.tokens.size();
                    wordIndex++;
                }
                // Truncate long words at segment boundaries (faster-whisper's hack, kept as is).
                if (!words.isEmpty()) {
                    MutableWord first = words.getFirst();
                    if (first.end - lastSpeechTimestamp > medianDuration * 4
                            && (first.end - first.start > maxDuration
                                || words.size() > 1 && words.get(1).end - first.start > maxDuration * 2)) {
                        if (words.size() > 1 && words.get(1).end - words.get(1).start > maxDuration) {
                            double boundary = Math.max(words.get(1).end / 2, words.get(1).end - maxDuration);
                            first.end = boundary;
                            words.get(1).start = boundary;
                        }
                        first.start = Math.max(0, first.end - maxDuration);
                    }
                    // Prefer the segment-level start timestamp if the first word is too long.
                    if (subsegment.start < first.end && subsegment.start - 0.5 > first.start) {
                        first.start = Math.max(0, Math.min(first.end - medianDuration, subsegment.start));
                    } else {
                        subsegment.start = first.start;
                        subsegment.startFromWord = true;
                    }
                    // Prefer the segment-level end timestamp if the last word is too long.
                    MutableWord last = words.getLast();
                    if (subsegment.end > last.start && subsegment.end + 0.5 < last.end) {
                        last.end = Math.max(last.start + medianDuration, subsegment.end);
                    } else {
                        subsegment.end = last.end;
                        subsegment.endFromWord = true;
                    }
                    lastSpeechTimestamp = subsegment.end;
                }
                subsegment.words = words.stream().map(MutableWord::toWord).toList();
            }
        }
        return lastSpeechTimestamp;
    }

    private static final class MutableWord {
        final String word;
        double start;
        double end;
        final double probability;

        MutableWord(String word, double start, double end, double probability) {
            this.word = word;
            this.start = start;
            this.end = end;
            this.probability = probability;
        }

        Word toWord() {
            return new Word(start, end, word, probability);
        }
    }

    List<List<AlignedWord>> findAlignment(WhisperTokenizer tokenizer, List<List<Integer>> textTokens,
                                          EncoderOutput encoderOutput, List<Integer> numFrames) {
        if (textTokens.isEmpty()) {
            return List.of();
        }
        List<AlignmentResult> results = engine.align(encoderOutput, tokenizer.sotSequence(), textTokens, numFrames, 7);
        List<List<AlignedWord>> returnList = new ArrayList<>();
        for (int r = 0; r < results.size(); r++) {
            AlignmentResult result = results.get(r);
            List<Integer> withEot = new ArrayList<>(textTokens.get(r));
            withEot.add(tokenizer.eot());
            WordTokens split = tokenizer.splitToWordTokens(withEot);
            if (split.tokens().size() <= 1) {
                returnList.add(new ArrayList<>()); // only eot
                continue;
            }
            int[] wordBoundaries = new int[split.tokens().size()];
            for (int i = 1; i < wordBoundaries.length; i++) {
                wordBoundaries[i] = wordBoundaries[i - 1] + split.tokens().get(i - 1).size();
            }
            List<AlignmentResult.TokenTime> path = result.alignments();
            List<Double> jumpTimes = new ArrayList<>();
            for (int i = 0; i < path.size(); i++) {
                boolean jump = i == 0 || path.get(i).textIndex() != path.get(i - 1).textIndex();
                if (jump) {
                    jumpTimes.add((double) path.get(i).timeIndex() / TOKENS_PER_SECOND);
                }
            }
            double[] probs = result.textTokenProbs().stream().mapToDouble(Float::doubleValue).toArray();
            List<AlignedWord> words = new ArrayList<>();
            // zip() stops at the shortest input: the trailing eot "word" has no end boundary.
            for (int w = 0; w + 1 < wordBoundaries.length && w < split.words().size(); w++) {
                int i = wordBoundaries[w];
                int j = wordBoundaries[w + 1];
                words.add(new AlignedWord(split.words().get(w), split.tokens().get(w), jumpTimes.get(i),
                        jumpTimes.get(j), NumpyMath.mean(Arrays.copyOfRange(probs, Math.min(i, probs.length),
                        Math.min(j, probs.length)))));
            }
            returnList.add(words);
        }
        return returnList;
    }

    static void mergePunctuations(List<AlignedWord> alignment, String prepended, String appended) {
        // Prepended punctuation joins the following word (right to left).
        int i = alignment.size() - 2;
        int j = alignment.size() - 1;
        while (i >= 0) {
            AlignedWord previous = alignment.get(i);
            AlignedWord following = alignment.get(j);
            if (previous.word.startsWith(" ") && prepended.contains(PythonText.strip(previous.word))) {
                following.word = previous.word + following.word;
                following.tokens = concat(previous.tokens, following.tokens);
                previous.word = "";
                previous.tokens = List.of();
            } else {
                j = i;
            }
            i--;
        }
        // Appended punctuation joins the previous word (left to right).
        i = 0;
        j = 1;
        while (j < alignment.size()) {
            AlignedWord previous = alignment.get(i);
            AlignedWord following = alignment.get(j);
            if (!previous.word.endsWith(" ") && appended.contains(following.word)) {
                previous.word = previous.word + following.word;
                previous.tokens = concat(previous.tokens, following.tokens);
                following.word = "";
                following.tokens = List.of();
            } else {
                i = j;
            }
            j++;
        }
    }

    private static List<Integer> concat(List<Integer> a, List<Integer> b) {
        List<Integer> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** faster-whisper's get_end: the last word's end, else the last segment's end, else null. */
    static Double getEnd(List<WindowSegment> segments) {
        for (int s = segments.size() - 1; s >= 0; s--) {
            List<Word> words = segments.get(s).words;
            if (!words.isEmpty()) {
                return words.getLast().end();
            }
        }
        return segments.isEmpty() ? null : segments.getLast().end;
    }
}
