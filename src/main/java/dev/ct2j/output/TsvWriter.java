package dev.ct2j.output;

import dev.ct2j.tokenizer.PythonText;
import dev.ct2j.transcribe.Segment;
import java.io.IOException;
import java.io.Writer;

/**
 * Tab-separated values: a {@code start end text} header, then a row per segment with its times
 * in integer milliseconds and its stripped text, tabs in it turned into spaces.
 */
public final class TsvWriter implements TranscriptWriter {
    @Override
    public void write(Transcript transcript, Writer out) throws IOException {
        out.write("start\tend\ttext\n");
        for (Segment segment : transcript.segments()) {
            out.write(Timestamps.milliseconds(segment.start()) + "\t" + Timestamps.milliseconds(segment.end()) + "\t"
                    + PythonText.strip(segment.text()).replace('\t', ' ') + "\n");
        }
    }
}
