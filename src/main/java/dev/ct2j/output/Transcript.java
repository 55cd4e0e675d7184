package dev.ct2j.output;

import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import java.util.List;

/**
 * What the writers write: whisper-ctranslate2's result dict, {@code {"text", "segments",
 * "language"}}, which is also the shape of its JSON file.
 *
 * @param text     the segments' texts joined as they are (each keeps its leading space)
 * @param language the transcription's language (detected or given)
 */
public record Transcript(String text, List<Segment> segments, String language) {
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
}
