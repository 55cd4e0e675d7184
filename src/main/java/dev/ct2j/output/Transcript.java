package dev.ct2j.output;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionJson;
import java.io.IOException;
import java.io.Reader;
import java.util.List;

/**
 * What the writers write: whisper-ctranslate2's result dict, {@code {"text", "segments",
 * "language"}}, which is also the shape of its JSON file.
 *
 * @param text     the segments' texts joined as they are (each keeps its leading space)
 * @param language the transcription's language (detected or given)
 */
public record Transcript(String text, List<Segment> segments, String language) {
    // Python's json writes NaN and Infinity (a segment's avg_logprob can be -inf), so reading does too.
    @SuppressWarnings("deprecation")
    private static final ObjectMapper READER = TranscriptionJson.mapper().copy()
            .configure(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS, true);

    public Transcript {
        segments = List.copyOf(segments);
    }

    /** A transcript of these segments, its text their concatenation. */
    public static Transcript of(List<Segment> segments, String language) {
        StringBuilder text = new StringBuilder();
        for (Segment segment : segments) {
            text.append(segment.text());
        }
        return new Transcript(text.toString(), segments, language);
    }

    /** Reads the remaining segments of a transcription (decoding them) into a transcript. */
    public static Transcript of(Transcription transcription) {
        return of(transcription.toList(), transcription.info().language());
    }

    /**
     * Reads a JSON file as {@link JsonWriter} and whisper-ctranslate2 write it (either layout).
     * Segments read this way have no {@code language}, which the file does not hold.
     */
    public static Transcript readJson(Reader in) throws IOException {
        return READER.readValue(in, Transcript.class);
    }
}
