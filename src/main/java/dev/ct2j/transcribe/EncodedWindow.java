package dev.ct2j.transcribe;

import dev.ct2j.engine.EncoderOutput;
import dev.ct2j.features.MelSpectrogram;

/** One encoder call kept for reuse: its padded 30 s input and its output, which this owns. */
record EncodedWindow(MelSpectrogram input, EncoderOutput output) implements AutoCloseable {

    /** Whether {@code window} is the same encoder input, bit for bit (shape and every float). */
    boolean encodes(MelSpectrogram window) {
        return input.equals(window);
    }

    @Override
    public void close() {
        output.close();
    }
}
