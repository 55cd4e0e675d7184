package dev.ct2j.output;

import java.io.IOException;
import java.io.Writer;

/** SubRip: numbered cues from 1, {@code HH:MM:SS,mmm} times, a blank line after each cue. */
public final class SrtWriter implements TranscriptWriter {
    private final SubtitleOptions options;

    public SrtWriter(SubtitleOptions options) {
        this.options = options;
    }

    @Override
    public void write(Transcript transcript, Writer out) throws IOException {
        int index = 1;
        for (Cue cue : SubtitleCues.cues(transcript, options, true, ',')) {
            out.write(index++ + "\n" + cue.start() + " --> " + cue.end() + "\n" + cue.text() + "\n\n");
        }
    }
}
