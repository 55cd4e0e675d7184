package dev.ct2j.ctranslate2;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json}, through the HF tokenizers library ct2j already uses
 * (DJL's binding): text to the token strings that {@link Translator}, {@link Generator} and
 * {@link Encoder} take, and ids back to text. Models converted from Transformers ship this file.
 * (SentencePiece {@code .model} files are not read: no SentencePiece binding on Maven Central
 * works offline; convert the tokenizer to {@code tokenizer.json} with Transformers instead.)
 */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;

    private TextTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Reads {@code tokenizer.json}, or the {@code tokenizer.json} in a model directory. */
    public static TextTokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        // DJL otherwise probes the EC2 metadata endpoint for telemetry (seconds offline); ct2j stays offline.
        if (System.getenv("OPT_OUT_TRACKING") == null && System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            // DJL's defaults truncate at 512 tokens and pad; CTranslate2's inputs are neither.
            Map<String, String> options = Map.of("truncation", "false", "padding", "false");
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes), options));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer " + file.toAbsolutePath()
                    + ": the HF tokenizers library rejected it: " + e.getMessage(), e);
        }
    }

    /** The tokens of a text, with the tokenizer's special tokens ({@code add_special_tokens=True}). */
    public List<String> tokenize(String text) {
        return tokenize(text, true);
    }

    public List<String> tokenize(String text, boolean addSpecialTokens) {
        Encoding encoding = tokenizer.encode(text, addSpecialTokens, false);
        return List.of(encoding.getTokens());
    }

    /** The tokenizer's ids of a text. */
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = tokenizer.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** Text of token ids, special tokens skipped ({@code skip_special_tokens=True}). */
    public String decode(List<Integer> ids) {
        long[] values = new long[ids.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = ids.get(i);
        }
        return tokenizer.decode(values, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
