package dev.ct2j.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Deterministic synthetic 16 kHz audio for the feature-extraction benchmark: five tones with slowly
 * modulated amplitudes plus white noise from a fixed-seed LCG, float32 in [-1, 1]. Sample i does
 * not depend on the requested length, so shorter signals are prefixes of longer ones.
 *
 * <p>{@code main OUT SECONDS} writes the signal as raw little-endian float32 so that
 * benchmarks/jmh/features_numpy.py times numpy on exactly the same samples.
 */
public final class SyntheticAudio {
    public static final int SAMPLE_RATE = 16000;
    private static final double[] FREQUENCIES = {220.0, 440.0, 1000.0, 3150.0, 6000.0};
    private static final double[] AMPLITUDES = {0.30, 0.20, 0.15, 0.10, 0.05};

    private SyntheticAudio() {}

    public static float[] generate(int seconds) {
        int n = Math.multiplyExact(seconds, SAMPLE_RATE);
        float[] out = new float[n];
        long state = 0x2545F4914F6CDD1DL;
        for (int i = 0; i < n; i++) {
            double t = (double) i / SAMPLE_RATE;
            double s = 0;
            for (int k = 0; k < FREQUENCIES.length; k++) {
                double envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 0.25 * (k + 1) * t + k);
                s += AMPLITUDES[k] * envelope * Math.sin(2 * Math.PI * FREQUENCIES[k] * t);
            }
            state = state * 6364136223846793005L + 1442695040888963407L; // Knuth's MMIX LCG
            double noise = ((state >>> 11) * 0x1.0p-53) * 2 - 1;           // [-1, 1)
            double v = s + 0.05 * noise;
            out[i] = (float) Math.max(-1.0, Math.min(1.0, v));
        }
        return out;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: SyntheticAudio OUT.f32 SECONDS");
            System.exit(2);
        }
        float[] samples = generate(Integer.parseInt(args[1]));
        ByteBuffer bytes = ByteBuffer.allocate(samples.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(samples);
        Path out = Path.of(args[0]);
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        try (OutputStream stream = Files.newOutputStream(out)) {
            stream.write(bytes.array());
        }
    }
}
