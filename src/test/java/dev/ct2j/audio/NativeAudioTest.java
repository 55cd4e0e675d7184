package dev.ct2j.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeAudioTest {

    @Test
    void decodeNativeHoldsTheSamplesDecodeCopies() {
        Path jfk = TestSupport.data("jfk.flac");
        float[] copied = AudioDecoder.decode(jfk);
        NativeAudio audio = AudioDecoder.decodeNative(jfk);
        try (audio) {
            assertEquals(copied.length, audio.length());
            assertEquals(176000, audio.length());
            assertArrayEquals(copied, audio.toArray());
            assertEquals(copied[12345], audio.samples().getAtIndex(ValueLayout.JAVA_FLOAT, 12345));
            assertTrue(audio.samples().isReadOnly());
            assertThrows(IllegalArgumentException.class, // "Attempt to write a read-only segment"
                    () -> audio.samples().setAtIndex(ValueLayout.JAVA_FLOAT, 0, 1f));
        }
        audio.close(); // idempotent
        // Freed: reading throws instead of touching freed memory.
        assertThrows(IllegalStateException.class, () -> audio.samples().getAtIndex(ValueLayout.JAVA_FLOAT, 0));
        assertThrows(IllegalStateException.class, audio::toArray);
    }

    @Test
    void badFilesNameTheFile(@TempDir Path tmp) throws Exception {
        Path missing = tmp.resolve("missing.wav");
        AudioDecodeException e = assertThrows(AudioDecodeException.class, () -> AudioDecoder.decodeNative(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        Path empty = Files.createFile(tmp.resolve("empty.mp3"));
        e = assertThrows(AudioDecodeException.class, () -> AudioDecoder.decodeNative(empty));
        assertTrue(e.getMessage().contains("empty.mp3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AudioDecoder.decodeNative(null));
    }
}
