package dev.ct2j.output;

import dev.ct2j.tokenizer.PythonText;
import dev.ct2j.transcribe.Segment;
import java.io.IOException;
import java.io.Writer;

/** Plain text: each segment's stripped text on its own line. */
public final class TxtWriter implements TranscriptWriter {
    @Override
    public void write(Transcript transcript, Writer out) throws IOException {
        for (Segment segment : transcript.segments()) {
            out.write(PythonText.strip(segment.text()));
            out.write('\n');
        }
    }
}
