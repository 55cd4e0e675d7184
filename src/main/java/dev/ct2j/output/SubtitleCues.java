package dev.ct2j.output;

import dev.ct2j.tokenizer.PythonText;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Word;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a transcript into the cues that whisper-ctranslate2 0.5.8's SRT and VTT writers print
 * (openai-whisper's {@code SubtitlesWriter.iterate_result} with 0.5.8's changes: a segment
 * without words counts as one word of its whole text).
 *
 * <p>Which path is taken depends on the first segment alone: if it has words, every segment is
 * cut word by word; otherwise each segment is one cue of its stripped text. Lengths are Python's
 * {@code len}, in code points.
 */
public final class SubtitleCues {
    /** A pause between words, in seconds, that starts a new cue when segments are not kept. */
    private static final double LONG_PAUSE = 3.0;
    /** whisper-ctranslate2's stand-in for a missing max_line_width or max_words_per_line. */
    private static final int UNLIMITED = 1000;

    private SubtitleCues() {}

    /** A word as the cutter holds it: its text gains the line break or loses its spaces. */
    private record Timing(double start, double end, String text) {}

    /** The cues, their times formatted with these hour and decimal-marker rules. */
    public static List<Cue> cues(Transcript transcript, SubtitleOptions options, boolean alwaysIncludeHours,
                                 char decimalMarker) {
        List<Segment> segments = transcript.segments();
        List<Cue> cues = new ArrayList<>();
        if (!segments.isEmpty() && segments.getFirst().words() != null && !segments.getFirst().words().isEmpty()) {
            for (List<Timing> subtitle : subtitles(segments, options)) {
                String start = Timestamps.format(subtitle.getFirst().start(), alwaysIncludeHours, decimalMarker);
                String end = Timestamps.format(subtitle.getLast().end(), alwaysIncludeHours, decimalMarker);
                String text = join(subtitle, -1);
                if (!options.highlightWords()) {
                    cues.add(new Cue(start, end, text));
                    continue;
                }
                // One cue per word; the gap before a word (compared as formatted text) shows the
                // plain text.
                String last = start;
                for (int i = 0; i < subtitle.size(); i++) {
                    String wordStart = Timestamps.format(subtitle.get(i).start(), alwaysIncludeHours, decimalMarker);
                    String wordEnd = Timestamps.format(subtitle.get(i).end(), alwaysIncludeHours, decimalMarker);
                    if (!last.equals(wordStart)) {
                        cues.add(new Cue(last, wordStart, text));
                    }
                    cues.add(new Cue(wordStart, wordEnd, join(subtitle, i)));
                    last = wordEnd;
                }
            }
        } else {
            for (Segment segment : segments) {
                cues.add(new Cue(Timestamps.format(segment.start(), alwaysIncludeHours, decimalMarker),
                        Timestamps.format(segment.end(), alwaysIncludeHours, decimalMarker),
                        PythonText.strip(segment.text()).replace("-->", "->")));
            }
        }
        return cues;
    }

    private static List<List<Timing>> subtitles(List<Segment> segments, SubtitleOptions options) {
        int maxLineWidth = options.maxLineWidth() == null ? UNLIMITED : options.maxLineWidth();
        int maxWordsPerLine = options.maxWordsPerLine() == null ? UNLIMITED : options.maxWordsPerLine();
        Integer maxLineCount = options.maxLineCount();
        boolean preserveSegments = maxLineCount == null || options.maxLineWidth() == null
                || options.maxWordsPerLine() == null;

        List<List<Timing>> subtitles = new ArrayList<>();
        List<Timing> subtitle = new ArrayList<>();
        int lineLength = 0;
        int lineCount = 1;
        double last = segments.getFirst().words().getFirst().start();
        for (Segment segment : segments) {
            List<Timing> words = timings(segment);
            // Each chunk of maxWordsPerLine words starts as if it began a segment.
            int chunkEnd;
            for (int chunk = 0; chunk < words.size(); chunk = chunkEnd) {
                chunkEnd = (int) Math.min(words.size(), (long) chunk + maxWordsPerLine);
                for (int i = 0; i < chunkEnd - chunk; i++) {
                    Timing timing = words.get(chunk + i);
                    String text = timing.text();
                    int length = length(text);
                    boolean longPause = !preserveSegments && timing.start() - last > LONG_PAUSE;
                    boolean hasRoom = lineLength + length <= maxLineWidth;
                    boolean segmentBreak = i == 0 && !subtitle.isEmpty() && preserveSegments;
                    if (lineLength > 0 && hasRoom && !longPause && !segmentBreak) {
                        lineLength += length;
                    } else {
                        text = PythonText.strip(text);
                        if (!subtitle.isEmpty() && maxLineCount != null && (longPause || lineCount >= maxLineCount)
                                || segmentBreak) {
                            subtitles.add(subtitle);
                            subtitle = new ArrayList<>();
                            lineCount = 1;
                        } else if (lineLength > 0) {
                            lineCount++;
                            text = "\n" + text;
                        }
                        lineLength = length(PythonText.strip(text));
                    }
                    subtitle.add(new Timing(timing.start(), timing.end(), text));
                    last = timing.start();
                }
            }
        }
        if (!subtitle.isEmpty()) {
            subtitles.add(subtitle);
        }
        return subtitles;
    }

    /** A segment's words, or one word of its whole (unstripped) text when it has none. */
    private static List<Timing> timings(Segment segment) {
        List<Word> words = segment.words();
        if (words == null || words.isEmpty()) {
            return List.of(new Timing(segment.start(), segment.end(), segment.text()));
        }
        List<Timing> timings = new ArrayList<>(words.size());
        for (Word word : words) {
            timings.add(new Timing(word.start(), word.end(), word.word()));
        }
        return timings;
    }

    /** The words' texts joined; the one at {@code underlined} (if any) wrapped in {@code <u>}. */
    private static String join(List<Timing> subtitle, int underlined) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < subtitle.size(); i++) {
            String word = subtitle.get(i).text();
            text.append(i == underlined ? underline(word) : word);
        }
        return text.toString();
    }

    /**
     * {@code re.sub(r"^(\s*)(.*)$", r"\1<u>\2</u>", word)}: the text after the leading spaces is
     * underlined. {@code .} stops at a newline and {@code $} also matches before a final one, so
     * a word with a newline elsewhere after its leading spaces is left as it is.
     */
    static String underline(String word) {
        int lead = 0;
        while (lead < word.length() && PythonText.isSpace(word.charAt(lead))) {
            lead++;
        }
        int newline = word.indexOf('\n', lead);
        if (newline < 0) {
            return word.substring(0, lead) + "<u>" + word.substring(lead) + "</u>";
        }
        if (newline == word.length() - 1) {
            return word.substring(0, lead) + "<u>" + word.substring(lead, newline) + "</u>\n";
        }
        return word;
    }

    /** Python's len: code points. */
    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }
}
