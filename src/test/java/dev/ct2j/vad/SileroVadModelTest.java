package dev.ct2j.vad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of {@link SileroVadModel} itself: concurrency, its input contract, the tail quirk, model lookup. */
class SileroVadModelTest {

    @TempDir
    Path tmp;

    @Test
    void oneModelUsedFromManyThreadsGivesIdenticalResults() throws Exception {
        List<float[]> audio = new ArrayList<>();
        for (String name : SileroVadParityTest.SHARED_AUDIO) {
            audio.add(SileroVadParityTest.sharedReference(name, tmp).samples());
        }
        VadOptions options = VadOptions.builder().minSilenceDurationMs(160).maxSpeechDurationS(5).build();
        try (SileroVadModel model = SileroVadModel.load(SileroVadParityTest.modelPath())) {
            List<float[]> expectedProbs = new ArrayList<>();
            List<List<SpeechChunk>> expectedChunks = new ArrayList<>();
            for (float[] samples : audio) {
                expectedProbs.add(model.speechProbabilities(SpeechTimestamps.pad(samples)));
                expectedChunks.add(SpeechTimestamps.getSpeechTimestamps(samples, options, model));
            }

            int threads = 4;
            int tasks = 12;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < tasks; t++) {
                    int first = t % audio.size();
                    futures.add(pool.submit(() -> {
                        start.await();
                        for (int k = 0; k < audio.size(); k++) {
                            int i = (first + k) % audio.size();
                            assertArrayEquals(expectedProbs.get(i), model.speechProbabilities(SpeechTimestamps.pad(audio.get(i))),
                                    "probabilities of audio " + i + " changed under concurrency");
                            assertEquals(expectedChunks.get(i), SpeechTimestamps.getSpeechTimestamps(audio.get(i), options, model),
                                    "speech timestamps of audio " + i + " changed under concurrency");
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : futures) {
                    f.get(300, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void lastWindowTailIsZeroedLikeFasterWhisperButTheCallerArrayIsNot() {
        float[] padded = new float[512 * 3];
        for (int i = 0; i < padded.length; i++) {
            padded[i] = (float) (0.3 * Math.sin(i * 0.05) + 0.2 * Math.sin(i * 0.71));
        }
        float[] original = padded.clone();
        float[] zeroedTail = padded.clone();
        Arrays.fill(zeroedTail, zeroedTail.length - 64, zeroedTail.length, 0f);
        float[] longerTail = padded.clone();
        Arrays.fill(longerTail, longerTail.length - 65, longerTail.length, 0f);
        try (SileroVadModel model = SileroVadModel.load(SileroVadParityTest.modelPath())) {
            float[] probs = model.speechProbabilities(padded);
            assertArrayEquals(original, padded, "the caller's samples must not be modified");
            assertArrayEquals(probs, model.speechProbabilities(zeroedTail), "the last 64 samples never reach the model");
            assertFalse(Arrays.equals(probs, model.speechProbabilities(longerTail)), "sample 65 from the end does");
        }
    }

    /** The padding is virtual: the same probabilities as faster-whisper's padded copy, for every kind of length. */
    @Test
    void unpaddedAudioGivesThePaddedCopysProbabilities() {
        try (SileroVadModel model = SileroVadModel.load(SileroVadParityTest.modelPath())) {
            // a multiple of 512 (a whole extra window), a tail inside the zeroed last 64, one just before them,
            // and more windows than one ONNX Runtime batch
            for (int length : new int[] {1024, 512 * 3 + 10, 512 * 3 + 447, 512 * 3 + 449, 16000 * 330 + 123}) {
                float[] audio = new float[length];
                for (int i = 0; i < length; i++) {
                    audio[i] = (float) (0.3 * Math.sin(i * 0.05) + 0.2 * Math.sin(i * 0.71));
                }
                float[] original = audio.clone();
                assertArrayEquals(model.speechProbabilities(SpeechTimestamps.pad(audio)),
                        model.speechProbabilities(audio, SpeechTimestamps.paddedLength(length)), "length " + length);
                assertArrayEquals(original, audio, "the caller's samples must not be modified");
                try (var arena = java.lang.foreign.Arena.ofConfined()) {
                    var offHeap = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, audio);
                    assertArrayEquals(model.speechProbabilities(audio, SpeechTimestamps.paddedLength(length)),
                            model.speechProbabilities(offHeap, SpeechTimestamps.paddedLength(length)),
                            "native samples, length " + length);
                }
            }
            IllegalArgumentException shorter = assertThrows(IllegalArgumentException.class,
                    () -> model.speechProbabilities(new float[1024], 512));
            assertTrue(shorter.getMessage().contains("at least the 1024 samples"), shorter.getMessage());
        }
    }

    @Test
    void alignedAudioGetsAWholeExtraWindowOfPadding() {
        assertEquals(1024, SpeechTimestamps.pad(new float[512]).length);
        assertEquals(512, SpeechTimestamps.pad(new float[0]).length);
        assertEquals(512, SpeechTimestamps.pad(new float[100]).length);
    }

    @Test
    void rejectsInputThatIsNotWholeWindowsAndCallsAfterClose() {
        SileroVadModel model = SileroVadModel.load(SileroVadParityTest.modelPath());
        assertThrows(IllegalArgumentException.class, () -> model.speechProbabilities(new float[100]));
        assertThrows(IllegalArgumentException.class, () -> model.speechProbabilities(new float[0]));
        model.close();
        model.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> model.speechProbabilities(new float[512]));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }

    /** The jar carries the model (from the same pinned wheel): the default needs no installed file. */
    @Test
    void loadDefaultUsesTheCopyTheJarCarries() throws Exception {
        assertTrue(System.getProperty(SileroVadModel.MODEL_PROPERTY) == null && System.getenv(SileroVadModel.MODEL_ENV) == null,
                "this test checks the default lookup: run it without " + SileroVadModel.MODEL_ENV);
        float[] samples = SpeechTimestamps.pad(SileroVadParityTest.sharedReference(SileroVadParityTest.SHARED_AUDIO.get(0), tmp).samples());
        try (SileroVadModel bundled = SileroVadModel.loadDefault();
             SileroVadModel file = SileroVadModel.load(SileroVadParityTest.modelPath())) {
            assertTrue(bundled.source().contains("ct2j jar"), bundled.source());
            assertEquals(null, bundled.path());
            assertArrayEquals(file.speechProbabilities(samples), bundled.speechProbabilities(samples));
        }
        try (var in = SileroVadModel.class.getResourceAsStream(SileroVadModel.MODEL_RESOURCE)) {
            assertArrayEquals(Files.readAllBytes(SileroVadParityTest.modelPath()), in.readAllBytes(),
                    "the jar's copy is faster-whisper's file");
        }
    }

    @Test
    void locateDefaultPrefersTheSystemProperty() {
        Path model = SileroVadParityTest.modelPath();
        String saved = System.getProperty(SileroVadModel.MODEL_PROPERTY);
        try {
            System.setProperty(SileroVadModel.MODEL_PROPERTY, model.toString());
            assertEquals(model, SileroVadModel.locateDefault());
        } finally {
            restore(SileroVadModel.MODEL_PROPERTY, saved);
        }
    }

    @Test
    void locateDefaultNamesEveryPathTriedWhenTheModelIsMissing() {
        String savedProperty = System.getProperty(SileroVadModel.MODEL_PROPERTY);
        Path missing = tmp.resolve("nowhere/silero.onnx");
        dev.ct2j.models.ModelStore emptyStore = dev.ct2j.models.ModelStore.at(tmp.resolve("store"));
        try {
            System.setProperty(SileroVadModel.MODEL_PROPERTY, missing.toString());
            String fromEnv = System.getenv(SileroVadModel.MODEL_ENV);
            if (fromEnv != null && Files.isRegularFile(Path.of(fromEnv))) {
                assertEquals(Path.of(fromEnv), SileroVadModel.locateDefault(emptyStore));
                return;
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> SileroVadModel.locateDefault(emptyStore));
            assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(tmp.resolve("store/silero_vad_v6.onnx").toString()), e.getMessage());
            assertTrue(e.getMessage().contains("install-vad.sh"), e.getMessage());
        } finally {
            restore(SileroVadModel.MODEL_PROPERTY, savedProperty);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
