package dev.ct2j.output;

import java.io.IOException;
import java.io.Writer;

/** WebVTT: a {@code WEBVTT} header, cues with {@code [HH:]MM:SS.mmm} times (hours only when non-zero). */
public final class VttWriter implements TranscriptWriter {
    private final SubtitleOptions options;

    public VttWriter(SubtitleOptions options) {
        this.options = options;
    }

    @Override
    public void write(Transcript transcript, Writer out) throws IOException {
        out.write("WEBVTT\n\n");
        for (Cue cue : SubtitleCues.cues(transcript, options, false, '.')) {
            out.write(cue.start() + " --> " + cue.end() + "\n" + cue.text() + "\n\n");
        }
    }
}
