package dev.ct2j.bench;

import dev.ct2j.tokenizer.WhisperVocabulary;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** Whisper tokenizer (the model's tokenizer.json through HF tokenizers): encode and decode ~100 words. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xss4m"})
public class TokenizerBench {

    // 100 words of English.
    static final String PARAGRAPH = "And so, my fellow Americans, ask not what your country can do for you; ask what"
            + " you can do for your country. The weather this morning was cold and bright, and the trains into"
            + " the city ran about twelve minutes late. Doctor Smith's lecture on speech recognition covered"
            + " spectrograms, beam search, and why punctuation is surprisingly hard to predict. Afterwards we"
            + " walked along the river, talked about the 1960s, and bought two coffees for $4.50 each. Nobody"
            + " expected the meeting to last until half past six, yet it did, and everyone left tired but"
            + " satisfied with what had been decided.";

    private WhisperVocabulary vocabulary;
    private List<Integer> tokens;

    @Setup(Level.Trial)
    public void setup() {
        vocabulary = WhisperVocabulary.load(BenchConfig.modelDir(), true);
        tokens = vocabulary.encode(PARAGRAPH);
        String roundTrip = vocabulary.decode(tokens);
        if (!roundTrip.equals(PARAGRAPH)) {
            throw new IllegalStateException("decode(encode(text)) != text: " + roundTrip);
        }
        System.out.println(System.lineSeparator() + "[TokenizerBench] " + PARAGRAPH.split("\\s+").length + " words, " + tokens.size() + " tokens");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        vocabulary.close();
    }

    @Benchmark
    public List<Integer> encode() {
        return vocabulary.encode(PARAGRAPH);
    }

    @Benchmark
    public String decode() {
        return vocabulary.decode(tokens);
    }
}
