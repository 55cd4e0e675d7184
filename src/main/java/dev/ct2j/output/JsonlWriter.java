package dev.ct2j.output;

import dev.ct2j.transcribe.Segment;
import java.io.IOException;
import java.io.Writer;

/**
 * ct2j's streaming format (whisper-ctranslate2 has none): one line per segment, each the
 * segment's object from the JSON file, so a reader can act on segments as they are decoded.
 */
public final class JsonlWriter implements TranscriptWriter {
    @Override
    public void write(Transcript transcript, Writer out) throws IOException {
        for (Segment segment : transcript.segments()) {
            writeSegment(segment, out);
        }
    }

    /** One segment and a newline; call it per segment while transcribing, then flush. */
    public static void writeSegment(Segment segment, Writer out) throws IOException {
        out.write(JsonWriter.segmentLine(segment));
        out.write('\n');
    }
}
