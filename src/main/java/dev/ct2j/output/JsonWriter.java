package dev.ct2j.output;

import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Word;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * whisper-ctranslate2's JSON file: {@code {"text", "segments", "language"}}, each segment with
 * faster-whisper's Segment fields in their order (words with start, end, word, probability), as
 * Python's {@code json.dump} writes it: on one line, non-ASCII escaped, no final newline; or,
 * with {@code pretty} ({@code --pretty_json}), indented by 4 with non-ASCII kept as UTF-8.
 */
public final class JsonWriter implements TranscriptWriter {
    private final boolean pretty;

    public JsonWriter(boolean pretty) {
        this.pretty = pretty;
    }

    @Override
    public void write(Transcript transcript, Writer out) throws IOException {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("text", transcript.text());
        List<Object> segments = new ArrayList<>(transcript.segments().size());
        for (Segment segment : transcript.segments()) {
            segments.add(segment(segment));
        }
        document.put("segments", segments);
        document.put("language", transcript.language());
        new PythonJson(out, pretty ? 4 : 0, !pretty).write(document);
    }

    /**
     * One segment as a JSON object on one line, ASCII only: a line of the {@code jsonl} stream
     * and the objects of the JSON file's {@code segments}.
     */
    public static String segmentLine(Segment segment) {
        return PythonJson.toString(segment(segment), 0, true);
    }

    /** faster-whisper's {@code dataclasses.asdict(segment)}; ct2j's extra {@code language} is left out. */
    static Map<String, Object> segment(Segment segment) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("id", segment.id());
        s.put("seek", segment.seek());
        s.put("start", segment.start());
        s.put("end", segment.end());
        s.put("text", segment.text());
        s.put("tokens", segment.tokens());
        s.put("avg_logprob", segment.avgLogprob());
        s.put("compression_ratio", segment.compressionRatio());
        s.put("no_speech_prob", segment.noSpeechProb());
        List<Object> words = null;
        if (segment.words() != null) {
            words = new ArrayList<>(segment.words().size());
            for (Word word : segment.words()) {
                Map<String, Object> w = new LinkedHashMap<>();
                w.put("start", word.start());
                w.put("end", word.end());
                w.put("word", word.word());
                w.put("probability", word.probability());
                words.add(w);
            }
        }
        s.put("words", words);
        s.put("temperature", segment.temperature());
        return s;
    }
}
