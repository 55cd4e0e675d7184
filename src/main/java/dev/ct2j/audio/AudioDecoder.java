package dev.ct2j.audio;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.natives.NativeLibrary;
import dev.ct2j.natives.NativeShutdown;
import dev.ct2j.natives.NativeStrings;
import dev.ct2j.trace.PhaseTrace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Decodes any file FFmpeg reads to float32 samples, the way faster-whisper's
 * {@code decode_audio} does through PyAV: libswresample's defaults to signed 16-bit at the target
 * rate, then divided by 32768. The decoding runs in the native library (ct2j_audio_decode).
 */
public final class AudioDecoder {
    /** Whisper's sampling rate. */
    public static final int SAMPLE_RATE = 16000;

    private AudioDecoder() {}

    /** Mono samples at 16 kHz. */
    public static float[] decode(Path file) {
        return decode(file, SAMPLE_RATE);
    }

    /** Mono samples at the given rate. */
    public static float[] decode(Path file, int sampleRate) {
        return decodeChannels(file, sampleRate, false)[0];
    }

    /** Left and right channels at 16 kHz (a mono file gives the same samples twice). */
    public static StereoAudio decodeStereo(Path file) {
        float[][] channels = decodeChannels(file, SAMPLE_RATE, true);
        return new StereoAudio(channels[0], channels[1]);
    }

    /**
     * Mono samples at 16 kHz, left in the native memory they were decoded into (no copy on the Java
     * heap). Close the result to free them.
     */
    public static NativeAudio decodeNative(Path file) {
        return decodeNative(file, SAMPLE_RATE);
    }

    /** {@link #decodeNative(Path)} at the given rate. */
    public static NativeAudio decodeNative(Path file, int sampleRate) {
        long start = PhaseTrace.start();
        try {
            Path path = checked(file, sampleRate);
            MemorySegment audio = decodeHandle(path, sampleRate, false);
            try {
                return new NativeAudio(audio, channel(audio, 0, path));
            } catch (RuntimeException | Error e) {
                ct2j_h.ct2j_audio_free(audio);
                throw e;
            }
        } finally {
            PhaseTrace.end("audio decode", start);
        }
    }

    private static float[][] decodeChannels(Path file, int sampleRate, boolean splitStereo) {
        long start = PhaseTrace.start();
        try {
            Path path = checked(file, sampleRate);
            MemorySegment audio = decodeHandle(path, sampleRate, splitStereo);
            try {
                float[][] result = new float[ct2j_h.ct2j_audio_channels(audio)][];
                for (int c = 0; c < result.length; c++) {
                    result[c] = channel(audio, c, path).toArray(ValueLayout.JAVA_FLOAT);
                }
                return result;
            } finally {
                ct2j_h.ct2j_audio_free(audio);
            }
        } finally {
            PhaseTrace.end("audio decode", start);
        }
    }

    private static Path checked(Path file, int sampleRate) {
        if (file == null) {
            throw new IllegalArgumentException("audio file must not be null");
        }
        if (sampleRate < 1000 || sampleRate > 384000) {
            throw new IllegalArgumentException("sample rate must be in [1000, 384000], got " + sampleRate);
        }
        return file.toAbsolutePath();
    }

    /** The decoded ct2j_audio handle, for the caller to free. */
    private static MemorySegment decodeHandle(Path path, int sampleRate, boolean splitStereo) {
        NativeLibrary.ensureLoaded();
        NativeShutdown.ensureRunning();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ValueLayout.ADDRESS);
            int status = ct2j_h.ct2j_audio_decode(call.allocateFrom(path.toString()), sampleRate, splitStereo, out);
            if (status != ct2j_h.CT2J_OK()) {
                throw new AudioDecodeException(path, NativeStrings.lastError());
            }
            return out.get(ValueLayout.ADDRESS, 0);
        }
    }

    /** One channel's samples, in the handle's memory: non-empty, and few enough for Java's int indices. */
    private static MemorySegment channel(MemorySegment audio, int channel, Path path) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment count = call.allocate(ValueLayout.JAVA_LONG);
            MemorySegment samples = ct2j_h.ct2j_audio_samples(audio, channel, count);
            long n = count.get(ValueLayout.JAVA_LONG, 0);
            if (n > Integer.MAX_VALUE) {
                throw new AudioDecodeException(path, "audio file '" + path + "' is too long: " + n + " samples");
            }
            if (n == 0) {
                throw new AudioDecodeException(path, "audio file '" + path + "' contains no audio samples");
            }
            return samples.reinterpret(n * Float.BYTES);
        }
    }
}
