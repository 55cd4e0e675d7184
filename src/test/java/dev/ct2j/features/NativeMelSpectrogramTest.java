package dev.ct2j.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import dev.ct2j.audio.AudioDecoder;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class NativeMelSpectrogramTest {

    @Test
    void copyOfHoldsTheSliceOffTheHeapUntilClosed() {
        MelSpectrogram mel = new FeatureExtractor(80).compute(AudioDecoder.decode(TestSupport.data("jfk.flac")));
        NativeMelSpectrogram copy = NativeMelSpectrogram.copyOf(mel, 0, mel.frames() - 1);
        try (copy) {
            assertEquals(80, copy.nMels());
            assertEquals(mel.frames() - 1, copy.frames());
            assertEquals(mel.slice(0, mel.frames() - 1), copy.toMelSpectrogram()); // bit for bit
            assertEquals(mel.get(7, 123), copy.data().getAtIndex(ValueLayout.JAVA_FLOAT, 7L * copy.frames() + 123));
            assertTrue(copy.data().isReadOnly());
            assertTrue(copy.data().isNative());
            assertFalse(copy.isClosed());
        }
        assertTrue(copy.isClosed());
        copy.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> copy.data().getAtIndex(ValueLayout.JAVA_FLOAT, 0));
        assertThrows(IllegalStateException.class, copy::toMelSpectrogram);

        try (NativeMelSpectrogram middle = NativeMelSpectrogram.copyOf(mel, 100, 250)) {
            assertEquals(mel.slice(100, 250), middle.toMelSpectrogram());
        }
        try (NativeMelSpectrogram empty = NativeMelSpectrogram.copyOf(mel, 5, 5)) {
            assertEquals(0, empty.frames());
        }
        assertThrows(IndexOutOfBoundsException.class, () -> NativeMelSpectrogram.copyOf(mel, 0, mel.frames() + 1));
        assertThrows(IndexOutOfBoundsException.class, () -> NativeMelSpectrogram.copyOf(mel, 10, 9));
    }
}
