package dev.ct2j.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.tokenizer.PythonText;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionJson;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import dev.ct2j.transcribe.Word;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writers on real transcriptions of the shared audio (with word timestamps, and the same
 * segments without their words) and on edge cases: every format against whisper-ctranslate2
 * 0.5.8's own writers run in the venv on the same segments, SRT and VTT parsed back, the JSON and
 * JSON lines read back into the records, and the line-breaking options' limits.
 */
class WritersTest {
    private static final List<String> AUDIO = List.of("jfk.flac", "multilingual.mp3", "hotwords.mp3");
    /** Real transcripts by audio name (with words), then the same without words. */
    private static final Map<String, Transcript> TRANSCRIPTS = new LinkedHashMap<>();

    /** Option sets named as the cases below: whisper-ctranslate2's option names and ours. */
    private static final Map<String, SubtitleOptions> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("defaults", SubtitleOptions.defaults());
        OPTIONS.put("highlight", SubtitleOptions.builder().highlightWords(true).build());
        OPTIONS.put("flow", SubtitleOptions.builder().maxLineWidth(42).maxLineCount(2).maxWordsPerLine(6).build());
        OPTIONS.put("flow-highlight", SubtitleOptions.builder().highlightWords(true).maxLineWidth(30).maxLineCount(1)
                .maxWordsPerLine(3).build());
        OPTIONS.put("width", SubtitleOptions.builder().maxLineWidth(20).build());
        OPTIONS.put("width-count", SubtitleOptions.builder().maxLineWidth(30).maxLineCount(2).build());
        OPTIONS.put("words-per-line", SubtitleOptions.builder().maxWordsPerLine(3).build());
        OPTIONS.put("degenerate", SubtitleOptions.builder().maxLineWidth(0).maxLineCount(0).maxWordsPerLine(1).build());
    }

    @TempDir
    static Path temp;

    @BeforeAll
    static void transcribe() {
        try (WhisperModel model = WhisperModel.load(TestSupport.modelDir().toString(),
                ModelOptions.builder().device(Device.CPU).computeType("int8").intraThreads(2).build())) {
            for (String name : AUDIO) {
                float[] samples = AudioDecoder.decode(TestSupport.data(name));
                try (Transcription t = model.transcribe(samples,
                        TranscriptionOptions.builder().wordTimestamps(true).build())) {
                    TRANSCRIPTS.put(name, Transcript.of(t));
                }
            }
        }
        for (String name : AUDIO) {
            Transcript words = TRANSCRIPTS.get(name);
            TRANSCRIPTS.put(name + " (no words)", Transcript.of(words.segments().stream().map(s -> withWords(s, null))
                    .toList(), words.language()));
        }
    }

    @AfterAll
    static void clear() {
        TRANSCRIPTS.clear();
    }

    private static Segment withWords(Segment s, List<Word> words) {
        return new Segment(s.id(), s.seek(), s.start(), s.end(), s.text(), s.tokens(), s.avgLogprob(),
                s.compressionRatio(), s.noSpeechProb(), words, s.temperature(), s.language());
    }

    /** Every format, every option set, every transcript: byte for byte whisper-ctranslate2's writers. */
    @Test
    void realTranscriptsMatchWhisperCtranslate2() throws IOException {
        assertTrue(TRANSCRIPTS.get("jfk.flac").segments().getFirst().words().size() > 10);
        compareWithWhisperCtranslate2("real", TRANSCRIPTS);
    }

    @Test
    void edgeCasesMatchWhisperCtranslate2() throws IOException {
        compareWithWhisperCtranslate2("edge", edgeCases());
    }

    /**
     * Writes each transcript with our writers, hands our JSON file to whisper-ctranslate2's
     * get_writer("all") with the same options, and compares the files.
     */
    private static void compareWithWhisperCtranslate2(String label, Map<String, Transcript> transcripts)
            throws IOException {
        List<Map<String, Object>> jobs = new ArrayList<>();
        List<Path[]> pairs = new ArrayList<>();
        int n = 0;
        for (var transcript : transcripts.entrySet()) {
            for (var options : OPTIONS.entrySet()) {
                for (boolean pretty : new boolean[] {false, true}) {
                    if (pretty && !options.getKey().equals("defaults")) {
                        continue;
                    }
                    Path ours = Files.createDirectories(temp.resolve(label + "/ours/" + n));
                    Path theirs = Files.createDirectories(temp.resolve(label + "/theirs/" + n));
                    String audio = "/some/where/case" + n + ".flac";
                    Path input = Files.createDirectories(temp.resolve(label + "/input/" + n)).resolve("in.json");
                    Files.writeString(input, write(new JsonWriter(false), transcript.getValue()), StandardCharsets.UTF_8);
                    for (OutputFormat format : OutputFormat.ALL) {
                        format.writeFile(transcript.getValue(), ours, audio, options.getValue(), pretty);
                        pairs.add(new Path[] {format.outputPath(theirs, audio), format.outputPath(ours, audio)});
                    }
                    SubtitleOptions o = options.getValue();
                    Map<String, Object> writerArgs = new LinkedHashMap<>();
                    writerArgs.put("highlight_words", o.highlightWords());
                    writerArgs.put("max_line_width", o.maxLineWidth());
                    writerArgs.put("max_line_count", o.maxLineCount());
                    writerArgs.put("max_words_per_line", o.maxWordsPerLine());
                    writerArgs.put("pretty_json", pretty);
                    Map<String, Object> job = new LinkedHashMap<>();
                    job.put("input", input.toString());
                    job.put("out", theirs.toString());
                    job.put("audio", audio);
                    job.put("options", writerArgs);
                    job.put("name", transcript.getKey() + " / " + options.getKey() + (pretty ? " / pretty" : ""));
                    jobs.add(job);
                    n++;
                }
            }
        }
        PythonOracle.run("""
                import json, sys
                from whisper_ctranslate2.writers import get_writer
                for job in json.loads(sys.stdin.read()):
                    with open(job["input"], encoding="utf-8") as f:
                        result = json.load(f)
                    get_writer("all", job["out"])(result, job["audio"], job["options"])
                """, PythonJson.toString(jobs, 0, true));
        List<String> different = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            Path theirs = pairs.get(i)[0];
            Path ours = pairs.get(i)[1];
            if (!Files.exists(theirs) || Files.mismatch(theirs, ours) >= 0) {
                different.add(jobs.get(i / OutputFormat.ALL.size()).get("name") + ": " + ours.getFileName()
                        + (Files.exists(theirs) ? " differs at byte " + Files.mismatch(theirs, ours)
                        + "\n--- whisper-ctranslate2:\n" + Files.readString(theirs) + "\n--- ct2j:\n"
                        + Files.readString(ours) : " not written by whisper-ctranslate2"));
            }
        }
        assertTrue(different.isEmpty(), different.size() + "/" + pairs.size() + " files differ:\n"
                + String.join("\n", different.subList(0, Math.min(3, different.size()))));
    }

    /** Segments that reach the writers' corners: no words, empty words, pauses, hours, escapes. */
    private static Map<String, Transcript> edgeCases() {
        Map<String, Transcript> cases = new LinkedHashMap<>();
        cases.put("empty", Transcript.of(List.of(), "en"));
        Segment odd = new Segment(1, 0, 0.0, 3725.0005, "  Tabs\there --> arrows \"quoted\" \\ é 日本 😀 ", List.of(50364, 1),
                Double.NEGATIVE_INFINITY, 1.5, Double.NaN, null, null, "en");
        Segment late = new Segment(2, 300, 3725.0015, 36001.2345, " second\u00a0one\u00a0", List.of(), -0.25,
                2.0000000000000004, 1e-7, null, 0.6000000000000001, "en");
        cases.put("no words", Transcript.of(List.of(odd, late), "ja"));
        List<Word> words = List.of(new Word(0.0, 0.5, " Hello", 0.9), new Word(0.5, 1.0, " wonderful", 0.8),
                new Word(1.2, 1.2, " world,", 0.7), new Word(5.0, 5.5, " après", 0.6),
                new Word(5.5, 6.0, " a-very-long-word-that-overflows-every-line", 0.5), new Word(6.0, 6.0004, " x", 1.0),
                new Word(6.0006, 7.0, " \u00a0tab\there", 0.4));
        Segment first = withWords(odd, words);
        Segment noWords = withWords(late, List.of());
        List<Word> more = List.of(new Word(3725.0, 3725.5, " back", 0.3), new Word(3725.5, 3726.0, " a\nb", 0.2),
                new Word(3730.0, 3731.0, " -->", 0.1));
        Segment third = new Segment(3, 600, 3725.0, 3731.0, " back a\nb -->", List.of(7), -0.5, 1.0, 0.5, more, 1.0, "en");
        cases.put("words", Transcript.of(List.of(first, noWords, third), "en"));
        cases.put("words after none", Transcript.of(List.of(noWords, first, third), "en"));
        return cases;
    }

    // ---- structure: parsers and limits on the real transcripts ----

    private record ParsedCue(int index, long start, long end, List<String> lines) {}

    private static final Pattern SRT_TIME = Pattern.compile("(\\d{2}):(\\d{2}):(\\d{2}),(\\d{3})");
    private static final Pattern VTT_TIME = Pattern.compile("(?:(\\d{2,}):)?(\\d{2}):(\\d{2})\\.(\\d{3})");

    /** Cue blocks (index for SRT, time line, text lines, blank line); times in ms, checked well formed. */
    private static List<ParsedCue> parse(String text, boolean srt) {
        List<ParsedCue> cues = new ArrayList<>();
        String body = text;
        if (!srt) {
            assertTrue(text.startsWith("WEBVTT\n\n"), "VTT header");
            body = text.substring("WEBVTT\n\n".length());
        }
        assertTrue(body.isEmpty() || body.endsWith("\n\n"), "the last cue ends with a blank line");
        List<String> lines = List.of(body.split("\n", -1));
        int i = 0;
        while (i < lines.size() - 1) {
            int index = cues.size() + 1;
            if (srt) {
                assertEquals(Integer.toString(index), lines.get(i++), "cue number");
            }
            String[] times = lines.get(i++).split(" --> ", -1);
            assertEquals(2, times.length, "time line of cue " + index);
            long start = millis(times[0], srt);
            long end = millis(times[1], srt);
            List<String> textLines = new ArrayList<>();
            while (!lines.get(i).isEmpty()) {
                textLines.add(lines.get(i++));
            }
            assertFalse(textLines.isEmpty(), "cue " + index + " has text");
            i++;
            cues.add(new ParsedCue(index, start, end, textLines));
        }
        assertEquals(lines.size() - 1, i, "nothing after the last cue");
        for (int c = 0; c < cues.size(); c++) {
            ParsedCue cue = cues.get(c);
            assertTrue(cue.start() <= cue.end(), "cue " + cue.index() + " ends before it starts");
            if (c > 0) {
                assertTrue(cues.get(c - 1).start() <= cue.start(), "cue " + cue.index() + " starts earlier than the one before");
            }
        }
        return cues;
    }

    private static long millis(String time, boolean srt) {
        Matcher m = (srt ? SRT_TIME : VTT_TIME).matcher(time);
        assertTrue(m.matches(), "timestamp " + time);
        long hours = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        if (!srt && m.group(1) != null) {
            assertTrue(hours > 0, "VTT shows hours only when there are some: " + time);
        }
        long minutes = Long.parseLong(m.group(2));
        long seconds = Long.parseLong(m.group(3));
        assertTrue(minutes < 60 && seconds < 60, time);
        return ((hours * 60 + minutes) * 60 + seconds) * 1000 + Long.parseLong(m.group(4));
    }

    private static String write(TranscriptWriter writer, Transcript transcript) throws IOException {
        StringWriter out = new StringWriter();
        writer.write(transcript, out);
        return out.toString();
    }

    private static String noSpace(String s) {
        return s.replaceAll("\\s+", "").replace("<u>", "").replace("</u>", "");
    }

    @Test
    void subtitlesParseBackWithTheTranscriptsText() throws IOException {
        for (var entry : TRANSCRIPTS.entrySet()) {
            Transcript t = entry.getValue();
            for (var options : OPTIONS.entrySet()) {
                String what = entry.getKey() + " / " + options.getKey();
                List<ParsedCue> srt = parse(write(new SrtWriter(options.getValue()), t), true);
                List<ParsedCue> vtt = parse(write(new VttWriter(options.getValue()), t), false);
                assertEquals(srt.size(), vtt.size(), what);
                for (int i = 0; i < srt.size(); i++) {
                    assertEquals(srt.get(i).lines(), vtt.get(i).lines(), what);
                    assertEquals(srt.get(i).start(), vtt.get(i).start(), what);
                    assertEquals(srt.get(i).end(), vtt.get(i).end(), what);
                }
                boolean highlight = options.getValue().highlightWords() && t.segments().getFirst().words() != null;
                StringBuilder cueText = new StringBuilder();
                for (ParsedCue cue : srt) {
                    String text = String.join("\n", cue.lines());
                    if (highlight && text.contains("<u>")) {
                        // A gap's cue shows the subtitle plain; every other cue underlines one word.
                        assertEquals(1, text.split("<u>", -1).length - 1, what + ": one word underlined");
                    }
                    cueText.append(text);
                }
                if (!highlight) {
                    StringBuilder all = new StringBuilder();
                    t.segments().forEach(s -> all.append(s.text()));
                    assertEquals(noSpace(all.toString()).replace("-->", "->"), noSpace(cueText.toString()), what);
                }
            }
        }
    }

    @Test
    void highlightingGivesACuePerWordAndForEachGap() throws IOException {
        Transcript jfk = TRANSCRIPTS.get("jfk.flac");
        List<ParsedCue> cues = parse(write(new SrtWriter(OPTIONS.get("highlight")), jfk), true);
        int words = 0;
        for (Segment s : jfk.segments()) {
            words += s.words().size();
        }
        long underlined = cues.stream().filter(c -> String.join("\n", c.lines()).contains("<u>")).count();
        assertEquals(words, underlined);
        for (int i = 0; i < cues.size(); i++) {
            ParsedCue cue = cues.get(i);
            if (!String.join("\n", cue.lines()).contains("<u>")) {
                // A gap cue fills the time up to the next word, which it precedes.
                assertEquals(cue.end(), cues.get(i + 1).start());
            }
        }
    }

    @Test
    void lineLimitsHold() throws IOException {
        for (String name : AUDIO) {
            Transcript t = TRANSCRIPTS.get(name);
            // A line longer than its width is a single word that does not fit on any line.
            for (String key : List.of("width", "width-count", "flow")) {
                SubtitleOptions o = OPTIONS.get(key);
                for (ParsedCue cue : parse(write(new SrtWriter(o), t), true)) {
                    for (String line : cue.lines()) {
                        assertTrue(line.codePointCount(0, line.length()) <= o.maxLineWidth() || !line.strip().contains(" "),
                                name + " / " + key + ": line too long: '" + line + "'");
                    }
                    if (o.maxLineCount() != null) {
                        assertTrue(cue.lines().size() <= o.maxLineCount(), name + " / " + key + ": " + cue.lines());
                    }
                }
            }
            // With segments kept, each segment is cut into chunks of max_words_per_line words, one cue each.
            int expected = 0;
            for (Segment s : t.segments()) {
                expected += (Math.max(1, s.words().size()) + 2) / 3; // no words: one of the whole text
            }
            assertEquals(expected, parse(write(new SrtWriter(OPTIONS.get("words-per-line")), t), true).size(), name);
            // The default keeps a cue per segment, with its times.
            List<ParsedCue> cues = parse(write(new SrtWriter(SubtitleOptions.defaults()), t), true);
            assertEquals(t.segments().size(), cues.size(), name);
            assertEquals(Timestamps.milliseconds(t.segments().getFirst().words().getFirst().start()), cues.getFirst().start());
        }
    }

    @Test
    void jsonReadsBackIntoTheRecords() throws IOException {
        Map<String, Transcript> all = new LinkedHashMap<>(TRANSCRIPTS);
        all.putAll(edgeCases());
        for (var entry : all.entrySet()) {
            Transcript t = entry.getValue();
            // The file does not hold ct2j's per-segment language.
            Transcript expected = new Transcript(t.text(), t.segments().stream().map(s -> new Segment(s.id(), s.seek(),
                    s.start(), s.end(), s.text(), s.tokens(), s.avgLogprob(), s.compressionRatio(), s.noSpeechProb(),
                    s.words(), s.temperature(), null)).toList(), t.language());
            for (boolean pretty : new boolean[] {false, true}) {
                String json = write(new JsonWriter(pretty), t);
                assertEquals(expected, Transcript.readJson(new StringReader(json)), entry.getKey());
                if (pretty) {
                    assertTrue(json.contains(PythonJson.toString(t.text(), 0, false)), "non-ASCII kept when pretty");
                } else {
                    assertTrue(json.chars().allMatch(c -> c < 0x80), "ASCII only unless pretty");
                }
            }
            String[] lines = write(new JsonlWriter(), t).split("\n", -1);
            assertEquals(t.segments().size() + 1, lines.length);
            for (int i = 0; i < t.segments().size(); i++) {
                Segment read = TranscriptionJson.mapper().copy()
                        .configure(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS, true)
                        .readValue(lines[i], Segment.class);
                assertEquals(expected.segments().get(i), read, entry.getKey());
            }
        }
    }

    @Test
    void txtAndTsvHoldTheSegments() throws IOException {
        for (var entry : TRANSCRIPTS.entrySet()) {
            Transcript t = entry.getValue();
            List<String> txt = List.of(write(new TxtWriter(), t).split("\n", -1));
            List<String> tsv = List.of(write(new TsvWriter(), t).split("\n", -1));
            assertEquals("start\tend\ttext", tsv.getFirst());
            assertEquals(t.segments().size() + 1, txt.size());
            assertEquals(t.segments().size() + 2, tsv.size());
            for (int i = 0; i < t.segments().size(); i++) {
                Segment s = t.segments().get(i);
                assertEquals(PythonText.strip(s.text()), txt.get(i));
                String[] row = tsv.get(i + 1).split("\t", -1);
                assertEquals(3, row.length);
                assertEquals(Math.rint(s.start() * 1000), Long.parseLong(row[0]));
                assertEquals(Math.rint(s.end() * 1000), Long.parseLong(row[1]));
                assertEquals(txt.get(i), row[2]);
            }
        }
    }

    @Test
    void formatsAndOptions() {
        assertEquals(List.of("txt", "vtt", "srt", "tsv", "json"),
                OutputFormat.parse("all").stream().map(OutputFormat::extension).toList());
        assertEquals(List.of(OutputFormat.JSONL), OutputFormat.parse("JSONL"));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OutputFormat.parse("docx")).getMessage().contains("txt, vtt, srt, tsv, json, jsonl, all"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SubtitleOptions.builder().maxWordsPerLine(0).build());
        assertFalse(SubtitleOptions.builder().maxLineWidth(0).build().needsWords());
        assertTrue(SubtitleOptions.builder().maxLineCount(2).build().needsWords());
        SubtitleOptions o = OPTIONS.get("flow");
        assertEquals(o, o.toBuilder().build());
    }
}
