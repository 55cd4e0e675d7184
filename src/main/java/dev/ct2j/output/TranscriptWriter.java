package dev.ct2j.output;

import java.io.IOException;
import java.io.Writer;

/** Writes a transcript in one output format, as whisper-ctranslate2 0.5.8 writes that format's file. */
public interface TranscriptWriter {
    void write(Transcript transcript, Writer out) throws IOException;
}
