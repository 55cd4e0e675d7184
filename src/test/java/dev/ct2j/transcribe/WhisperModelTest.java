package dev.ct2j.transcribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ct2j.TestSupport;
import dev.ct2j.audio.AudioDecodeException;
import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sequential pipeline end to end on the real base model (exact parity: parity/check). */
class WhisperModelTest {
    private static WhisperModel model;
    private static float[] jfk;

    @BeforeAll
    static void load() {
        model = WhisperModel.load(TestSupport.modelDir().toString(),
                ModelOptions.builder().device(Device.CPU).computeType("int8").intraThreads(2).build());
        jfk = AudioDecoder.decode(TestSupport.data("jfk.flac"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void transcribesJfkToOneSegment() {
        try (Transcription result = model.transcribe(jfk, TranscriptionOptions.defaults())) {
            TranscriptionInfo info = result.info();
            assertEquals("en", info.language());
            assertTrue(info.languageProbability() > 0.9);
            assertEquals(11.0, info.duration());
            assertEquals(99, info.allLanguageProbs().size());
            assertEquals(info.language(), info.allLanguageProbs().getFirst().code());
            List<Segment> segments = result.toList();
            assertEquals(1, segments.size(), segments.toString());
            Segment s = segments.getFirst();
            assertEquals(1, s.id());
            assertEquals(0, s.seek());
            assertEquals(0.0, s.start());
            assertTrue(s.end() > 10 && s.end() <= 11, "end " + s.end());
            assertTrue(s.text().contains("ask not what your country can do for you"), s.text());
            assertEquals(0.0, s.temperature());
            assertNull(s.words());
            assertEquals("en", s.language());
            assertTrue(s.avgLogprob() < 0 && s.avgLogprob() > -1);
            assertTrue(s.compressionRatio() > 1 && s.compressionRatio() < 2.4);
        }
    }

    /**
     * Features computed before the model loads (what the CLI does while the load runs) give the
     * same transcription as the samples, field for field; options the prepared features cannot
     * honour are refused by name.
     */
    @Test
    void preparedAudioTranscribesExactlyAsTheSamples() throws Exception {
        var directory = WhisperModel.resolve(TestSupport.modelDir().toString(), dev.ct2j.models.HubOptions.defaults());
        var extractor = WhisperModel.featureExtractorBeforeLoad(directory).orElseThrow();
        assertTrue(extractor.hasSettingsOf(model.featureExtractor()), extractor + " vs " + model.featureExtractor());
        float[] twoJfks = new float[jfk.length * 3]; // 33 s: two windows, the second from a seek
        for (int i = 0; i < 3; i++) {
            System.arraycopy(jfk, 0, twoJfks, i * jfk.length, jfk.length);
        }
        // Temperature 0 only: the fallback's sampling at temperature > 0 draws from CTranslate2's
        // per-thread generators, so two transcriptions in a row may differ however equal their features.
        TranscriptionOptions options = TranscriptionOptions.builder().wordTimestamps(true)
                .temperatures(List.of(0.0)).build();
        PreparedAudio prepared = PreparedAudio.compute(twoJfks, extractor, options.chunkLength());
        assertEquals(twoJfks.length, prepared.samples());
        List<Segment> fromSamples;
        TranscriptionInfo samplesInfo;
        try (Transcription t = model.transcribe(twoJfks, options)) {
            samplesInfo = t.info();
            fromSamples = t.toList();
        }
        try (Transcription t = model.transcribe(prepared, options)) {
            assertEquals(samplesInfo, t.info());
            assertEquals(fromSamples, t.toList());
        }
        assertTrue(fromSamples.size() >= 2, fromSamples.toString());

        var vad = assertThrows(IllegalArgumentException.class,
                () -> model.transcribe(prepared, TranscriptionOptions.builder().vadFilter(true).build()));
        assertTrue(vad.getMessage().contains("vad_filter"), vad.getMessage());
        var chunk = assertThrows(IllegalArgumentException.class,
                () -> model.transcribe(prepared, TranscriptionOptions.builder().chunkLength(20).build()));
        assertTrue(chunk.getMessage().contains("chunk_length"), chunk.getMessage());
        PreparedAudio otherMels = PreparedAudio.compute(jfk, new dev.ct2j.features.FeatureExtractor(128), null);
        var mels = assertThrows(IllegalArgumentException.class,
                () -> model.transcribe(otherMels, TranscriptionOptions.defaults()));
        assertTrue(mels.getMessage().contains("nMels=128"), mels.getMessage());
    }

    /**
     * The batched pipeline's chunks cut and featurised before the model is there, with a VAD model
     * of the caller's (what the CLI does while the load runs), give the same transcription as the
     * samples, field for field, with VAD and with clip timestamps.
     */
    @Test
    void preparedChunksTranscribeExactlyAsTheSamples() {
        var directory = WhisperModel.resolve(TestSupport.modelDir().toString(), dev.ct2j.models.HubOptions.defaults());
        var extractor = WhisperModel.featureExtractorBeforeLoad(directory).orElseThrow();
        float[] threeJfks = new float[jfk.length * 3]; // 33 s: more than one chunk
        for (int i = 0; i < 3; i++) {
            System.arraycopy(jfk, 0, threeJfks, i * jfk.length, jfk.length);
        }
        BatchedInferencePipeline pipeline = new BatchedInferencePipeline(model);
        TranscriptionOptions vadOptions = BatchedInferencePipeline.defaultOptions().build();
        TranscriptionOptions clipOptions = BatchedInferencePipeline.defaultOptions()
                .clipTimestamps(List.of(0.0, 5.0, 6.0, 20.5)).build();
        assertTrue(PreparedChunks.needsVad(vadOptions));
        assertFalse(PreparedChunks.needsVad(clipOptions));
        try (var vad = dev.ct2j.vad.SileroVadModel.loadDefault()) {
            for (TranscriptionOptions options : List.of(vadOptions, clipOptions)) {
                PreparedChunks prepared = PreparedChunks.compute(threeJfks, options, extractor,
                        PreparedChunks.needsVad(options) ? vad : null);
                assertEquals(threeJfks.length, prepared.samples());
                List<Segment> fromSamples;
                TranscriptionInfo samplesInfo;
                try (Transcription t = pipeline.transcribe(threeJfks, options, 2)) {
                    samplesInfo = t.info();
                    fromSamples = t.toList();
                }
                try (Transcription t = pipeline.transcribe(prepared, 2)) {
                    assertEquals(samplesInfo, t.info());
                    assertEquals(fromSamples, t.toList());
                }
                // The same samples off the Java heap (as the command line reads them, where decoded).
                PreparedChunks offHeap;
                try (var arena = java.lang.foreign.Arena.ofConfined()) {
                    var segment = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, threeJfks);
                    offHeap = PreparedChunks.compute(segment, options, extractor,
                            PreparedChunks.needsVad(options) ? vad : null);
                }
                assertEquals(threeJfks.length, offHeap.samples());
                try (Transcription t = pipeline.transcribe(offHeap, 2)) {
                    assertEquals(samplesInfo, t.info());
                    assertEquals(fromSamples, t.toList());
                }
                assertTrue(fromSamples.size() >= 2, fromSamples.toString());
                assertChunksAreFreedAsTheyAreEncoded(pipeline, PreparedChunks.compute(threeJfks, options, extractor,
                        PreparedChunks.needsVad(options) ? vad : null));
            }
        }
        var noVad = assertThrows(IllegalArgumentException.class,
                () -> PreparedChunks.compute(jfk, vadOptions, extractor, null));
        assertTrue(noVad.getMessage().contains("vad_filter"), noVad.getMessage());
        PreparedChunks otherMels = PreparedChunks.compute(jfk, BatchedInferencePipeline.defaultOptions().vadFilter(false)
                .build(), new dev.ct2j.features.FeatureExtractor(128), null);
        var mels = assertThrows(IllegalArgumentException.class, () -> pipeline.transcribe(otherMels, 1));
        assertTrue(mels.getMessage().contains("nMels=128"), mels.getMessage());
    }

    // The transcription takes the chunks' native features over and frees each batch's once encoded,
    // the rest on close; the chunks cannot be transcribed twice, and close() frees untaken ones.
    private static void assertChunksAreFreedAsTheyAreEncoded(BatchedInferencePipeline pipeline, PreparedChunks chunks) {
        int total = chunks.chunksMetadata().size();
        assertTrue(total >= 2, "chunks: " + total);
        assertEquals(total, chunks.openFeatures());
        try (Transcription t = pipeline.transcribe(chunks, 1)) {
            assertTrue(t.iterator().hasNext());
            assertEquals(total - 1, chunks.openFeatures(), "after the first batch of one chunk");
            chunks.close(); // taken: does nothing
            assertEquals(total - 1, chunks.openFeatures());
        }
        assertEquals(0, chunks.openFeatures(), "after the transcription's close");
        var again = assertThrows(IllegalStateException.class, () -> pipeline.transcribe(chunks, 1));
        assertTrue(again.getMessage().contains("transcribed or closed already"), again.getMessage());

        PreparedChunks untaken = PreparedChunks.compute(new float[16000 * 5], chunks.options().toBuilder()
                .vadFilter(false).clipTimestamps(List.of(0.0, 2.0, 2.0, 5.0)).build(), chunks.extractor(), null);
        assertEquals(2, untaken.openFeatures());
        untaken.close();
        untaken.close();
        assertEquals(0, untaken.openFeatures());
        assertThrows(IllegalStateException.class, () -> pipeline.transcribe(untaken, 1));
    }

    /**
     * Transcription.close() from another thread stops the reader before its next native step:
     * once close() has returned, no encode of this transcription runs, and the reader gets an
     * IllegalStateException instead of the remaining windows.
     */
    @Test
    void closeFromAnotherThreadStopsTheReaderBeforeItsNextEncode() throws Exception {
        float[] fourJfks = new float[jfk.length * 4]; // 44 s: two windows
        for (int i = 0; i < 4; i++) {
            System.arraycopy(jfk, 0, fourJfks, i * jfk.length, jfk.length);
        }
        // Temperature 0 only: a fallback's sampling can end a window elsewhere, and make it three.
        TranscriptionOptions options = TranscriptionOptions.builder().language("en").beamSize(1)
                .temperatures(List.of(0.0)).build();
        long fullRun;
        long before = model.encodeCount();
        try (Transcription t = model.transcribe(fourJfks, options)) {
            assertTrue(t.toList().size() > 1);
        }
        fullRun = model.encodeCount() - before;
        assertEquals(2, fullRun, "44 s is two windows");

        before = model.encodeCount();
        Transcription t = model.transcribe(fourJfks, options);
        java.util.concurrent.CountDownLatch firstSegment = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Throwable> reader = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            Iterator<Segment> segments = t.iterator();
            try {
                segments.next();
                firstSegment.countDown();
                closed.await(); // the close lands between two steps of this reader, deterministically
                while (segments.hasNext()) { // keeps reading: the next window is one encode away
                    segments.next();
                }
                return null;
            } catch (RuntimeException e) {
                return e;
            } catch (InterruptedException e) {
                return e;
            } finally {
                firstSegment.countDown();
            }
        });
        assertTrue(firstSegment.await(120, java.util.concurrent.TimeUnit.SECONDS));
        t.close();
        long atClose = model.encodeCount();
        closed.countDown();
        Throwable outcome = reader.get(120, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(outcome instanceof IllegalStateException && outcome.getMessage().contains("was closed"),
                "the reader must be told the transcription was closed, got " + outcome);
        assertEquals(atClose, model.encodeCount(), "no encode may start after close() returned");
        assertEquals(1, atClose - before, "only the first window was encoded before the close");
    }

    /**
     * faster-whisper encodes the first window twice when it detects the language; ct2j reuses the
     * detection's encoding when the two inputs are bit-identical (30 s of audio or more), with
     * identical segments. Under 30 s detection sees one more frame, so both encodes happen.
     */
    @Test
    void firstWindowReusesTheDetectionEncodingOnlyWhenTheInputsAreIdentical() {
        float[] multilingual = AudioDecoder.decode(TestSupport.data("multilingual.mp3"));
        float[] longer = java.util.Arrays.copyOf(multilingual, 31 * 16000);
        record Run(List<Segment> segments, String language, long encodes) {
        }
        java.util.function.BiFunction<float[], Boolean, Run> run = (audio, reuse) -> {
            model.reuseDetectionEncoding(reuse);
            long before = model.encodeCount();
            try (Transcription t = model.transcribe(audio, TranscriptionOptions.builder().beamSize(1).build())) {
                List<Segment> segments = t.toList();
                return new Run(segments, t.info().language(), model.encodeCount() - before);
            } finally {
                model.reuseDetectionEncoding(true);
            }
        };
        Run twice = run.apply(longer, false);
        Run once = run.apply(longer, true);
        assertEquals(twice.segments(), once.segments());
        assertEquals(twice.language(), once.language());
        assertEquals(twice.encodes() - 1, once.encodes(), "31 s: the first window's encode is reused");
        assertTrue(once.segments().size() > 1, once.segments().toString());

        Run shortTwice = run.apply(jfk, false);
        Run shortOnce = run.apply(jfk, true);
        assertEquals(shortTwice.segments(), shortOnce.segments());
        assertEquals(shortTwice.encodes(), shortOnce.encodes(), "11 s: detection's input has one more frame");

        // Closing before reading frees the kept encoding (the model must stay usable and correct).
        model.transcribe(longer, TranscriptionOptions.builder().beamSize(1).build()).close();
        try (Transcription t = model.transcribe(longer, TranscriptionOptions.builder().beamSize(1).build())) {
            assertEquals(once.segments(), t.toList());
        }
    }

    @Test
    void segmentsAreDecodedLazilyAndReadOnce() {
        Transcription result = model.transcribe(jfk, TranscriptionOptions.builder().language("en").build());
        assertNull(result.info().allLanguageProbs());
        assertEquals(1.0, result.info().languageProbability());
        Iterator<Segment> it = result.iterator();
        assertThrows(IllegalStateException.class, result::iterator);
        assertTrue(it.hasNext());
        it.next();
        assertFalse(it.hasNext());
        result.close();
    }

    @Test
    void wordTimestampsCoverTheText() {
        TranscriptionOptions options = TranscriptionOptions.builder().wordTimestamps(true).build();
        try (Transcription result = model.transcribe(jfk, options)) {
            Segment s = result.toList().getFirst();
            assertFalse(s.words().isEmpty());
            StringBuilder text = new StringBuilder();
            double previousEnd = 0;
            for (Word w : s.words()) {
                text.append(w.word());
                assertTrue(w.start() <= w.end(), w.toString());
                assertTrue(w.start() >= previousEnd - 1e-9, w.toString());
                assertTrue(w.probability() > 0 && w.probability() <= 1);
                previousEnd = w.end();
            }
            assertEquals(s.text(), text.toString());
            assertEquals(s.start(), s.words().getFirst().start());
            assertEquals(s.end(), s.words().getLast().end());
        }
    }

    @Test
    void emptyAudioGivesNoSegmentsAndDetectLanguageWorks() {
        try (Transcription result = model.transcribe(new float[0], TranscriptionOptions.defaults())) {
            assertTrue(result.toList().isEmpty());
            assertEquals(0.0, result.info().duration());
        }
        LanguageDetection detection = model.detectLanguage(new float[0]);
        assertEquals(99, detection.allLanguageProbs().size());
    }

    @Test
    void detectsLanguageOfJfk() {
        LanguageDetection detection = model.detectLanguage(jfk);
        assertEquals("en", detection.language());
        assertTrue(detection.languageProbability() > 0.9);
    }

    @Test
    void unknownLanguageIsRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.transcribe(jfk, TranscriptionOptions.builder().language("xx").build()));
        assertTrue(e.getMessage().contains("xx"), e.getMessage());
    }

    @Test
    void maxNewTokensOverTheLimitIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> TranscriptionOptions.builder().maxNewTokens(449).build());
        // 446 new tokens plus a 4-token prompt exceed 448: faster-whisper's ValueError, on the first window.
        Transcription result = model.transcribe(jfk, TranscriptionOptions.builder().maxNewTokens(446).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, result::toList);
        assertTrue(e.getMessage().contains("max_new_tokens"), e.getMessage());
    }

    @Test
    void malformedClipTimestampsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TranscriptionOptions.builder().clipTimestamps("0,abc"));
        assertTrue(e.getMessage().contains("abc"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TranscriptionOptions.builder().clipTimestamps("-1,2").build());
    }

    @Test
    void badAudioFilesNameTheFile(@TempDir Path tmp) throws Exception {
        Path missing = tmp.resolve("missing.wav");
        AudioDecodeException e = assertThrows(AudioDecodeException.class,
                () -> model.transcribe(missing, TranscriptionOptions.defaults()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());

        Path empty = Files.createFile(tmp.resolve("empty.mp3"));
        e = assertThrows(AudioDecodeException.class, () -> AudioDecoder.decode(empty));
        assertTrue(e.getMessage().contains("empty.mp3"), e.getMessage());

        Path text = Files.writeString(tmp.resolve("notes.wav"), "this is not audio at all\n".repeat(100));
        e = assertThrows(AudioDecodeException.class, () -> AudioDecoder.decode(text));
        assertTrue(e.getMessage().contains("notes.wav"), e.getMessage());

        byte[] flac = Files.readAllBytes(TestSupport.data("jfk.flac"));
        Path corrupt = Files.write(tmp.resolve("corrupt.flac"), java.util.Arrays.copyOf(flac, 64));
        e = assertThrows(AudioDecodeException.class, () -> AudioDecoder.decode(corrupt));
        assertTrue(e.getMessage().contains("corrupt.flac"), e.getMessage());
    }

    @Test
    void decodesAudioLikeFasterWhisper() {
        assertEquals(176000, jfk.length);
        var stereo = AudioDecoder.decodeStereo(TestSupport.data("stereo_diarization.wav"));
        assertEquals(80000, stereo.left().length);
        assertEquals(80000, stereo.right().length);
        assertFalse(java.util.Arrays.equals(stereo.left(), stereo.right()));
    }

    @Test
    void compressionRatioMatchesPythonZlib() {
        // zlib.compress(b"hello hello hello hello") is 16 bytes, zlib.compress(b"") 8.
        assertEquals(23.0 / 16, PyMath.compressionRatio("hello hello hello hello"));
        assertEquals(0.0, PyMath.compressionRatio(""));
    }

    @Test
    void pythonRoundingIsHalfEven() {
        assertEquals(2, PyMath.round(2.5));
        assertEquals(4, PyMath.round(3.5));
        assertEquals(2.67, PyMath.round(2.675, 2)); // 2.675 is 2.67499999... in binary
        assertEquals(0.12, NumpyMath.round(0.125, 2));
    }
}
