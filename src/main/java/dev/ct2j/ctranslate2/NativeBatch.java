package dev.ct2j.ctranslate2;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** Sequences of token ids as the C API takes them: concatenated ids plus one length each. */
record NativeBatch(int size, MemorySegment ids, MemorySegment lengths) {

    static NativeBatch of(Arena arena, int[][] sequences, String what) {
        if (sequences == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        long total = 0;
        long[] lengths = new long[sequences.length];
        for (int i = 0; i < sequences.length; i++) {
            if (sequences[i] == null) {
                throw new IllegalArgumentException(what + "[" + i + "] is null");
            }
            lengths[i] = sequences[i].length;
            total += sequences[i].length;
        }
        MemorySegment ids = arena.allocate(ValueLayout.JAVA_INT, Math.max(total, 1));
        long offset = 0;
        for (int[] sequence : sequences) {
            MemorySegment.copy(sequence, 0, ids, ValueLayout.JAVA_INT, offset * Integer.BYTES, sequence.length);
            offset += sequence.length;
        }
        MemorySegment lengthSegment = arena.allocate(ValueLayout.JAVA_LONG, Math.max(lengths.length, 1));
        MemorySegment.copy(lengths, 0, lengthSegment, ValueLayout.JAVA_LONG, 0, lengths.length);
        return new NativeBatch(sequences.length, ids, lengthSegment);
    }

    static int[][] ids(Vocabulary vocabulary, List<List<String>> batch, String what) {
        if (batch == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        int[][] out = new int[batch.size()][];
        for (int i = 0; i < out.length; i++) {
            List<String> tokens = batch.get(i);
            if (tokens == null) {
                throw new IllegalArgumentException(what + "[" + i + "] is null");
            }
            out[i] = vocabulary.ids(tokens);
        }
        return out;
    }

    /** Like {@link #ids}, but a null sequence (Python's None) means an empty one. */
    static int[][] optionalIds(Vocabulary vocabulary, List<List<String>> batch) {
        int[][] out = new int[batch.size()][];
        for (int i = 0; i < out.length; i++) {
            List<String> tokens = batch.get(i);
            out[i] = tokens == null ? new int[0] : vocabulary.ids(tokens);
        }
        return out;
    }

    /** End tokens: CTranslate2 refuses one that is not in the vocabulary (no unknown fallback). */
    static int[] endTokens(Vocabulary vocabulary, List<String> tokens) {
        int[] out = new int[tokens.size()];
        for (int i = 0; i < out.length; i++) {
            if (!vocabulary.contains(tokens.get(i))) {
                throw new IllegalArgumentException("end_token '" + tokens.get(i) + "' is not in the vocabulary");
            }
            out[i] = vocabulary.id(tokens.get(i));
        }
        return out;
    }

    static List<Integer> boxed(int[] values) {
        List<Integer> out = new ArrayList<>(values.length);
        for (int v : values) {
            out.add(v);
        }
        return List.copyOf(out);
    }

    static List<Float> boxed(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return List.copyOf(out);
    }

    static int[] readInts(MemorySegment data, MemorySegment length) {
        long n = length.get(ValueLayout.JAVA_LONG, 0);
        return n == 0 || data.equals(MemorySegment.NULL) ? new int[0]
                : data.reinterpret(n * Integer.BYTES).toArray(ValueLayout.JAVA_INT);
    }

    static float[] readFloats(MemorySegment data, long n) {
        return n == 0 || data.equals(MemorySegment.NULL) ? new float[0]
                : data.reinterpret(n * Float.BYTES).toArray(ValueLayout.JAVA_FLOAT);
    }
}
